//! Telling a placeholder from a draft by its look (pure).
//!
//! Agent programs draw a hint in an empty input line — Claude Code's `Try "…"` and "Press up
//! to edit queued messages", Codex's example prompts, Gemini's "Type your message…" — dim or
//! grey, where typed text is drawn plain. A plain capture cannot see that, so the presets
//! list the placeholders they know; text a preset would read as a draft is looked at once
//! more, in a capture with its escape sequences (`capture-pane -e`), before atlas refuses to
//! type over it: a "draft" drawn all dim or grey is a placeholder, whatever its words.

use super::presets::Preset;

/// One drawn character and whether it looks like a placeholder's (dim, or a grey colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    c: char,
    faint: bool,
    reverse: bool,
}

#[derive(Default)]
struct Painter {
    lines: Vec<Vec<Cell>>,
    current: Vec<Cell>,
    dim: bool,
    grey: bool,
    reverse: bool,
}

/// Whether a 256-colour index is a grey or the "bright black" of the 16 colours.
fn grey_index(n: u16) -> bool {
    n == 8 || (232..=250).contains(&n) || n == 59 || n == 102 || n == 145
}

impl Painter {
    fn sgr(&mut self, params: &[u16]) {
        let mut it = params.iter().copied().peekable();
        if params.is_empty() {
            self.reset();
        }
        while let Some(p) = it.next() {
            match p {
                0 => self.reset(),
                2 => self.dim = true,
                22 => self.dim = false,
                7 => self.reverse = true,
                27 => self.reverse = false,
                39 => self.grey = false,
                90 => self.grey = true,
                30..=37 | 91..=97 => self.grey = false,
                38 => match it.next() {
                    Some(5) => self.grey = it.next().is_some_and(grey_index),
                    Some(2) => {
                        let (r, g, b) = (
                            it.next().unwrap_or(0),
                            it.next().unwrap_or(0),
                            it.next().unwrap_or(0),
                        );
                        let (hi, lo) = (r.max(g).max(b), r.min(g).min(b));
                        self.grey = hi - lo < 24 && hi < 200 && hi > 40;
                    }
                    _ => {}
                },
                48 => {
                    // A background colour: skip its parameters.
                    match it.next() {
                        Some(5) => {
                            it.next();
                        }
                        Some(2) => {
                            it.next();
                            it.next();
                            it.next();
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }

    fn reset(&mut self) {
        self.dim = false;
        self.grey = false;
        self.reverse = false;
    }
}

impl vte::Perform for Painter {
    fn print(&mut self, c: char) {
        self.current.push(Cell {
            c,
            faint: self.dim || self.grey,
            reverse: self.reverse,
        });
    }

    fn execute(&mut self, byte: u8) {
        if byte == b'\n' {
            self.lines.push(std::mem::take(&mut self.current));
        }
    }

    fn csi_dispatch(&mut self, params: &vte::Params, _: &[u8], _: bool, action: char) {
        if action == 'm' {
            let flat: Vec<u16> = params.iter().flat_map(|p| p.iter().copied()).collect();
            self.sgr(&flat);
        }
    }
}

fn paint(styled: &str) -> Vec<Vec<Cell>> {
    let mut painter = Painter::default();
    let mut parser = vte::Parser::new();
    parser.advance(&mut painter, styled.as_bytes());
    if !painter.current.is_empty() {
        let last = std::mem::take(&mut painter.current);
        painter.lines.push(last);
    }
    painter.lines
}

/// Whether the draft the preset reads on the input line of this styled screen (a
/// `capture-pane -p -J -e` of it) is drawn all faint — dim or grey, the reverse-video cursor
/// cell aside: then it is a placeholder, not text a person typed. False when no draft is read.
pub fn draft_is_faint(preset: &Preset, styled: &str) -> bool {
    let Some(input) = &preset.input else {
        return false;
    };
    let mut lines = paint(styled);
    while lines
        .last()
        .is_some_and(|l| l.iter().all(|c| c.c.is_whitespace()))
    {
        lines.pop();
    }
    let start = lines.len().saturating_sub(super::detect::TAIL_LINES);
    // The bottom-most line the input pattern reads is the input line.
    for line in lines[start..].iter().rev() {
        let text: String = line.iter().map(|c| c.c).collect();
        let Some(caps) = input.captures(&text) else {
            continue;
        };
        let Some(draft) = caps.name("draft").filter(|m| !m.as_str().trim().is_empty()) else {
            return false;
        };
        // Byte offsets to cell indices.
        let first = text[..draft.start()].chars().count();
        let n = draft.as_str().chars().count();
        let cells = &line[first..(first + n).min(line.len())];
        let mut seen = false;
        for cell in cells {
            if cell.c.is_whitespace() || cell.reverse {
                continue;
            }
            if !cell.faint {
                return false;
            }
            seen = true;
        }
        return seen;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claude() -> Preset {
        Preset::builtin("claude").unwrap()
    }

    #[test]
    fn claude_codes_as_captured_from_claude_code_2_1_332() {
        let box_ = "────────\n";
        // An empty input with a hint atlas does not know: the cursor on its first letter, the
        // rest dim (as Claude Code draws "Resend your message to try again").
        let hint = format!(
            "{box_}\x1b[39m❯\u{a0}\x1b[7mS\x1b[0;2m\x1b[39m\x1b[49mome hint of a future version\x1b[0m\x1b[39m\x1b[49m\n{box_}"
        );
        assert!(draft_is_faint(&claude(), &hint));
        // Typed text, with the cursor after it.
        let typed =
            format!("{box_}\x1b[39m❯\u{a0}typed draft\x1b[7m \x1b[0m\x1b[39m\x1b[49m\n{box_}");
        assert!(!draft_is_faint(&claude(), &typed));
        // An empty input: no draft at all.
        let empty = format!("{box_}❯\u{a0}\n{box_}");
        assert!(!draft_is_faint(&claude(), &empty));
    }

    #[test]
    fn grey_colours_count_as_faint() {
        let p = Preset::builtin("shell").unwrap();
        assert!(draft_is_faint(&p, "$ \x1b[38;5;244mdo something\x1b[0m"));
        assert!(draft_is_faint(&p, "$ \x1b[90mdo something\x1b[39m"));
        assert!(draft_is_faint(&p, "$ \x1b[38;2;128;128;128mhint\x1b[0m"));
        assert!(!draft_is_faint(&p, "$ \x1b[38;2;255;80;80mred text\x1b[0m"));
        assert!(!draft_is_faint(&p, "$ \x1b[2mdim\x1b[22m and plain"));
    }
}
