//! Values atlas hands to tmux, checked before tmux sees them (DESIGN §4: nothing atlas
//! passes to tmux can crash it).
//!
//! tmux 3.3a crashes — every session on the server dies — on `select-layout` with a name
//! that is neither a layout nor a string its layout parser can read (`grid`, `main`, `""`),
//! and accepts without complaint layouts that make windows 20000 columns wide. So a window's
//! `layout` is accepted only when it is one of the five preset names, exactly, or a layout
//! string that tmux's own parser (`layout_parse` in tmux's `layout-custom.c`) would accept:
//! its grammar, its 16-bit checksum, sizes that add up — within tmux's window limits, and
//! with at least as many cells as the window has panes. The check is a port of that parser,
//! not a pattern that looks like it.
//!
//! Pure: no I/O.

/// The preset layouts tmux knows by name.
pub const LAYOUT_NAMES: [&str; 5] = [
    "even-horizontal",
    "even-vertical",
    "main-horizontal",
    "main-vertical",
    "tiled",
];

/// The largest window (and so cell) size tmux allows (`WINDOW_MAXIMUM` in tmux.h).
pub const MAX_SIZE: u32 = 10_000;

/// The longest layout string atlas accepts (a 13-pane layout is about 300 characters).
pub const MAX_LAYOUT_LEN: usize = 8192;

/// How deeply cells may nest in a layout string atlas accepts.
const MAX_DEPTH: usize = 64;

/// A layout as tmux will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One of [`LAYOUT_NAMES`].
    Named(&'static str),
    /// A layout string (`csum,WxH,X,Y…`): how many panes it has room for, and its size.
    Custom {
        /// Leaf cells: the most panes the layout can hold.
        cells: usize,
        /// Width of the whole layout.
        width: u32,
        /// Height of the whole layout.
        height: u32,
    },
}

/// tmux's layout checksum (`layout_checksum`): over the text after `csum,`, each byte added
/// to the sum rotated right by one bit, in 16 bits. (tmux adds a `char`, signed on most
/// machines; atlas accepts only ASCII layouts, where that makes no difference.)
pub fn layout_checksum(body: &str) -> u16 {
    let mut csum: u16 = 0;
    for b in body.bytes() {
        csum = csum.rotate_right(1);
        csum = csum.wrapping_add(u16::from(b));
    }
    csum
}

/// `body` with its checksum in front, as tmux prints a layout.
pub fn with_checksum(body: &str) -> String {
    format!("{:04x},{body}", layout_checksum(body))
}

/// Read a window's `layout` value: one of the five names, or a layout string tmux accepts
/// for a window of `panes` panes. The error says what is wrong and what is allowed.
pub fn check_layout(value: &str, panes: usize) -> Result<Layout, String> {
    if let Some(name) = LAYOUT_NAMES.iter().find(|n| **n == value) {
        return Ok(Layout::Named(name));
    }
    // A layout string starts with its checksum: four hex digits and a comma.
    let b = value.as_bytes();
    let looks_custom = b.len() > 5 && b[..4].iter().all(u8::is_ascii_hexdigit) && b[4] == b',';
    if !looks_custom {
        return Err(not_a_layout(value));
    }
    let layout = parse_layout(value).map_err(|e| {
        format!(
            "the layout string `{}` cannot be used: {e}",
            value.escape_debug()
        )
    })?;
    if let Layout::Custom { cells, .. } = layout {
        if cells < panes {
            return Err(format!(
                "the layout string has room for {cells} pane{} but the window has {panes}; \
                 lay out the window in tmux with {panes} panes and copy \
                 `tmux display -p '#{{window_layout}}'`, or use a layout name",
                if cells == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(layout)
}

fn not_a_layout(value: &str) -> String {
    let mut hint = String::new();
    let prefixed: Vec<&&str> = LAYOUT_NAMES
        .iter()
        .filter(|n| !value.is_empty() && n.starts_with(value))
        .collect();
    let lower = value.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    if let Some(n) = LAYOUT_NAMES.iter().find(|n| **n == lower) {
        hint = format!(" (did you mean `{n}`?)");
    } else if prefixed.len() == 1 {
        hint = format!(" (did you mean `{}`?)", prefixed[0]);
    }
    format!(
        "layout `{}` is not a tmux layout{hint}; expected one of {} — or a layout string as \
         `tmux display -p '#{{window_layout}}'` prints it, e.g. `{}`",
        value.escape_debug(),
        LAYOUT_NAMES.join(", "),
        with_checksum("200x50,0,0{100x50,0,0,99x50,101,0}")
    )
}

/// A cell of a layout string.
#[derive(Debug)]
struct Cell {
    sx: u32,
    sy: u32,
    kind: Kind,
    children: Vec<Cell>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pane,
    LeftRight,
    TopBottom,
}

impl Cell {
    fn leaves(&self) -> usize {
        if self.kind == Kind::Pane {
            1
        } else {
            self.children.iter().map(Cell::leaves).sum()
        }
    }
}

/// Parse a layout string as tmux's `layout_parse` does, and check what tmux checks (and
/// the sizes tmux allows). The error names the first problem.
pub fn parse_layout(value: &str) -> Result<Layout, String> {
    if value.len() > MAX_LAYOUT_LEN {
        return Err(format!(
            "the layout string is {} characters long; atlas accepts up to {MAX_LAYOUT_LEN}",
            value.len()
        ));
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "the layout string contains `{}`, which no layout string has",
            c.escape_debug()
        ));
    }
    let bytes = value.as_bytes();
    // `%hx,` then five characters skipped: exactly four hex digits and a comma.
    let head = value.get(..4).unwrap_or("");
    if bytes.len() < 5 || !head.bytes().all(|b| b.is_ascii_hexdigit()) || bytes[4] != b',' {
        return Err(
            "a layout string starts with a 4-digit hex checksum and a comma (`abcd,…`)".into(),
        );
    }
    let given = u16::from_str_radix(head, 16).map_err(|e| e.to_string())?;
    let body = &value[5..];
    let sum = layout_checksum(body);
    if given != sum {
        return Err(format!(
            "the layout string's checksum is `{head}` but its text sums to `{sum:04x}`; copy \
             the whole string from `tmux display -p '#{{window_layout}}'`, or write `{sum:04x}` \
             if you edited it on purpose"
        ));
    }
    let mut p = Parser {
        s: body.as_bytes(),
        pos: 0,
    };
    let mut root = p.cell(0)?;
    if p.pos != p.s.len() {
        return Err(p.error("the end of the layout"));
    }
    // tmux corrects the top cell's size from its children (older versions printed it
    // wrong), then checks that every size adds up.
    match root.kind {
        Kind::Pane => {}
        Kind::LeftRight => {
            root.sx = root.children.iter().map(|c| c.sx + 1).sum::<u32>() - 1;
            root.sy = root.children.last().map_or(0, |c| c.sy);
        }
        Kind::TopBottom => {
            root.sy = root.children.iter().map(|c| c.sy + 1).sum::<u32>() - 1;
            root.sx = root.children.last().map_or(0, |c| c.sx);
        }
    }
    if root.sx > MAX_SIZE || root.sy > MAX_SIZE {
        return Err(format!(
            "the layout is {}x{}; tmux windows are at most {MAX_SIZE}x{MAX_SIZE}",
            root.sx, root.sy
        ));
    }
    check_sizes(&root)?;
    Ok(Layout::Custom {
        cells: root.leaves(),
        width: root.sx,
        height: root.sy,
    })
}

/// `layout_check`: children of a left-right cell have its height and widths that add up
/// to its width (one column between each), and likewise top-bottom.
fn check_sizes(c: &Cell) -> Result<(), String> {
    // (size along the split, size across it)
    let dims = |cell: &Cell| match c.kind {
        Kind::TopBottom => (cell.sy, cell.sx),
        _ => (cell.sx, cell.sy),
    };
    if c.kind == Kind::Pane {
        return Ok(());
    }
    let (along, across) = dims(c);
    let mut n: u32 = 0;
    for child in &c.children {
        if dims(child).1 != across {
            return Err(format!(
                "the sizes in the layout string do not add up: a {}x{} cell inside a {}x{} one",
                child.sx, child.sy, c.sx, c.sy
            ));
        }
        check_sizes(child)?;
        n += dims(child).0 + 1;
    }
    if n - 1 != along {
        return Err(format!(
            "the sizes in the layout string do not add up: the cells of a {}x{} cell make {} {}",
            c.sx,
            c.sy,
            n - 1,
            if c.kind == Kind::LeftRight {
                "columns"
            } else {
                "rows"
            }
        ));
    }
    Ok(())
}

/// `layout_construct`, over the text after the checksum.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn error(&self, expected: &str) -> String {
        let at = self.pos + 6; // 1-based, counting `csum,`
        match self.peek() {
            Some(b) => format!(
                "the layout string is malformed at character {at} (`{}`): expected {expected}",
                char::from(b)
            ),
            None => format!("the layout string ends too soon: expected {expected}"),
        }
    }

    /// One or more digits, as a number no larger than `max`.
    fn number(&mut self, what: &str, max: u32) -> Result<u32, String> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error(what));
        }
        let digits = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        match digits.parse::<u64>() {
            Ok(v) if v <= u64::from(max) => Ok(v as u32),
            _ => {
                let shown: String = digits.chars().take(12).collect();
                let more = if digits.len() > 12 { "…" } else { "" };
                Err(format!(
                    "the layout string has {what} {shown}{more}; tmux allows at most {max}"
                ))
            }
        }
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), String> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn cell(&mut self, depth: usize) -> Result<Cell, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the layout string nests cells more than {MAX_DEPTH} deep"
            ));
        }
        // WxH,X,Y
        let sx = self.number("a width", MAX_SIZE)?;
        self.expect(b'x', "`x` between width and height")?;
        let sy = self.number("a height", MAX_SIZE)?;
        self.expect(b',', "`,` after the height")?;
        self.number("an x offset", MAX_SIZE)?;
        self.expect(b',', "`,` after the x offset")?;
        self.number("a y offset", MAX_SIZE)?;
        if sx == 0 || sy == 0 {
            return Err(format!(
                "the layout string has a {sx}x{sy} cell; every pane needs at least 1x1"
            ));
        }
        // An optional `,ID` (a pane id), told apart from the next cell by the `x` after
        // its digits.
        if self.peek() == Some(b',') {
            let saved = self.pos;
            self.pos += 1;
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            if self.peek() == Some(b'x') {
                self.pos = saved;
            }
        }
        let kind = match self.peek() {
            None | Some(b',' | b'}' | b']') => {
                return Ok(Cell {
                    sx,
                    sy,
                    kind: Kind::Pane,
                    children: Vec::new(),
                });
            }
            Some(b'{') => Kind::LeftRight,
            Some(b'[') => Kind::TopBottom,
            Some(_) => return Err(self.error("`{`, `[`, `,`, `}`, `]` or the end")),
        };
        let mut children = Vec::new();
        loop {
            self.pos += 1; // past `{`, `[` or `,`
            children.push(self.cell(depth + 1)?);
            if self.peek() != Some(b',') {
                break;
            }
        }
        match kind {
            Kind::LeftRight => self.expect(b'}', "`}` closing `{`")?,
            _ => self.expect(b']', "`]` closing `[`")?,
        }
        Ok(Cell {
            sx,
            sy,
            kind,
            children,
        })
    }
}

/// Whether a popup size option (`@atlas-popup-width`, `-height`) is one tmux's
/// `display-popup` takes: a number of cells (1–10000) or a percentage (1–100).
pub fn popup_size_ok(value: &str) -> bool {
    let (digits, max) = match value.strip_suffix('%') {
        Some(d) => (d, 100),
        None => (value, MAX_SIZE),
    };
    !digits.is_empty()
        && digits.len() <= 5
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u32>().is_ok_and(|v| (1..=max).contains(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_what_tmux_prints() {
        // Printed by tmux 3.3a (`display -p '#{window_layout}'`).
        for printed in [
            "c08a,100x30,0,0[100x15,0,0,0,100x14,0,16,1]",
            "6b8b,100x30,0,0{50x30,0,0,0,49x30,51,0,1}",
            "ba3b,9999x9999,0,0{5000x9999,0,0,0,4998x9999,5001,0,1}",
        ] {
            let (sum, body) = printed.split_once(',').unwrap();
            assert_eq!(format!("{:04x}", layout_checksum(body)), sum, "{printed}");
            assert!(parse_layout(printed).is_ok(), "{printed}");
        }
    }

    #[test]
    fn names_are_exact() {
        for n in LAYOUT_NAMES {
            assert_eq!(check_layout(n, 3), Ok(Layout::Named(n)));
        }
        // Each of these crashes the tmux 3.3a server.
        for bad in ["grid", "main", "", "zzzz,1x1,0,0", "Tiled", "even"] {
            let e = check_layout(bad, 1).unwrap_err();
            assert!(e.contains("expected one of even-horizontal"), "{bad}: {e}");
        }
        assert!(check_layout("Tiled", 1).unwrap_err().contains("`tiled`?"));
        assert!(
            check_layout("main_vertical", 1)
                .unwrap_err()
                .contains("`main-vertical`?")
        );
        assert!(check_layout("ti", 1).unwrap_err().contains("`tiled`?"));
    }

    #[test]
    fn layout_strings_are_checked() {
        let ok = with_checksum("100x30,0,0{50x30,0,0,49x30,51,0}");
        assert_eq!(
            check_layout(&ok, 2),
            Ok(Layout::Custom {
                cells: 2,
                width: 100,
                height: 30
            })
        );
        // Fewer panes than cells: tmux closes the extra cells.
        assert!(check_layout(&ok, 1).is_ok());
        // More panes than cells: tmux refuses.
        assert!(
            check_layout(&ok, 3)
                .unwrap_err()
                .contains("room for 2 panes")
        );
        // Wrong checksum.
        let e = check_layout("ffff,100x30,0,0", 1).unwrap_err();
        assert!(e.contains("checksum"), "{e}");
        // Sizes that do not add up.
        let e = parse_layout(&with_checksum("100x30,0,0{50x30,0,0,49x29,51,0}")).unwrap_err();
        assert!(e.contains("do not add up"), "{e}");
        let e = parse_layout(&with_checksum(
            "100x30,0,0{50x30,0,0[50x15,0,0,50x10,0,16],49x30,51,0}",
        ))
        .unwrap_err();
        assert!(e.contains("make 26 rows"), "{e}");
        // At the top, widths that do not add up make the window that wide (tmux 3.3a does
        // the same).
        assert_eq!(
            parse_layout(&with_checksum("100x30,0,0{50x30,0,0,40x30,51,0}")),
            Ok(Layout::Custom {
                cells: 2,
                width: 91,
                height: 30
            })
        );
        // The top cell's own size is corrected, as tmux does.
        assert!(parse_layout(&with_checksum("7x7,0,0{50x30,0,0,49x30,51,0}")).is_ok());
        // Too big, too small.
        let e = parse_layout(&with_checksum("20000x30,0,0")).unwrap_err();
        assert!(e.contains("at most 10000"), "{e}");
        let e = parse_layout(&with_checksum("7x30,0,0{5000x30,0,0,5001x30,5001,0}")).unwrap_err();
        assert!(e.contains("at most 10000x10000"), "{e}");
        let e = parse_layout(&with_checksum("100x30,0,0{0x30,0,0,99x30,1,0}")).unwrap_err();
        assert!(e.contains("at least 1x1"), "{e}");
        // Grammar.
        for body in [
            "100x30",
            "100x30,0",
            "100x30,0,0{",
            "100x30,0,0{50x30,0,0",
            "100x30,0,0{50x30,0,0,49x30,51,0]",
            "100x30,0,0}",
            "x30,0,0",
            "100x 30,0,0",
            "100x30,0,0(",
            "100x30,0,0,12,",
        ] {
            let e = parse_layout(&with_checksum(body)).unwrap_err();
            assert!(e.contains("layout string"), "{body}: {e}");
        }
    }

    #[test]
    fn pane_ids_and_nesting() {
        let nested = with_checksum(
            "200x50,0,0{100x50,0,0,3,99x50,101,0[99x25,101,0,4,99x24,101,26{49x24,101,26,5,49x24,151,26,6}]}",
        );
        assert_eq!(
            check_layout(&nested, 4),
            Ok(Layout::Custom {
                cells: 4,
                width: 200,
                height: 50
            })
        );
        // tmux reads `,` with no id before a `{` as an empty id.
        assert!(parse_layout(&with_checksum("100x30,0,0,{50x30,0,0,49x30,51,0}")).is_ok());
        let deep = format!("{}10x10,0,0{}", "10x10,0,0[".repeat(70), "]".repeat(70));
        let e = parse_layout(&with_checksum(&deep)).unwrap_err();
        assert!(e.contains("deep"), "{e}");
    }

    #[test]
    fn popup_sizes() {
        for ok in ["80%", "1", "100%", "10000", "120"] {
            assert!(popup_size_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "0",
            "0%",
            "101%",
            "abc",
            "-5",
            "10001",
            "50%x",
            "99999999999999",
        ] {
            assert!(!popup_size_ok(bad), "{bad}");
        }
    }
}
