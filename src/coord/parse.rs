//! Reading the coordination file: a streaming [`Reader`] over any `Read` that never
//! panics, and [`parse_str`] for small texts.
//!
//! The reader finds entries the way `grep '^## \['` finds lines — one fast substring search
//! for `\n## [` over a buffer of the file — and hands each entry to the caller as an
//! [`EntryView`] that borrows its text: nothing is copied or allocated for an entry the
//! caller does not keep. Only the current entry (and a read buffer) is in memory, so a
//! file of any size is read in constant memory. Whatever it cannot read becomes a
//! [`Malformed`] block or a [`Warning`], with its line number; nothing stops the other
//! entries from being read.
//!
//! The reading rules (DESIGN §2, plus the escaping of [`super::render`]):
//! - Lines end with `\n`; a trailing `\r` and any trailing white space are dropped. A
//!   byte-order mark at the start of the file is ignored. Invalid UTF-8 is replaced with
//!   U+FFFD.
//! - A line starting with `## [` starts an entry if it is a valid header
//!   (`## [YYYY-MM-DD HH:MM(:SS)] FROM → TO, TO`, `->` accepted for `→`), else a malformed
//!   block that runs to the next `## [` line. Text before the first one is a preamble.
//! - In an entry, blank lines are ignored; `Key: value` (a key of letters, digits, `_` and
//!   `-` starting with a letter, at the start of the line, then `:` and white space or
//!   the end of the line) starts a value; any other line continues the value before it,
//!   joined with a newline.
//! - A value line (the first or a continuation) that starts with `\` is escaped: that
//!   backslash is dropped, and so is one trailing backslash. An `Output:` value whose first
//!   line is escaped is one path; otherwise it is split at commas and newlines.

use std::borrow::Cow;
use std::io::{self, Read};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{Entry, Malformed, Parsed, Status, Warning};

/// What the reader finds, in file order.
#[derive(Debug)]
pub enum Event<'a> {
    /// A whole entry (borrowed; [`EntryView::to_entry`] makes an owned [`Entry`]).
    Entry(&'a EntryView<'a>),
    /// A block that could not be read (skipped).
    Malformed(Malformed),
    /// An oddity inside an entry that was kept (reported by `atlas check`).
    Warning(Warning),
}

/// A header's parts, borrowed from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// The timestamp as written.
    pub time_text: &'a str,
    /// The timestamp.
    pub time: NaiveDateTime,
    /// The sender.
    pub from: &'a str,
    /// The recipients, as written after the arrow (split with [`recipients`]).
    pub to_text: &'a str,
}

impl Header<'_> {
    /// The recipients, trimmed, in order.
    pub fn to(&self) -> impl Iterator<Item = &str> + '_ {
        recipients(self.to_text)
    }
}

/// The names in a header's recipient list.
pub fn recipients(to_text: &str) -> impl Iterator<Item = &str> {
    to_text.split(',').map(str::trim)
}

/// Parse a header's text (what follows `## `, e.g. `[2026-04-11 01:14] A → B, C`); the
/// error says what is wrong with it.
pub fn parse_header(text: &str) -> Result<Header<'_>, String> {
    let Some(rest) = text.strip_prefix('[') else {
        return Err("the header does not start with `[`".into());
    };
    let Some((time_text, rest)) = rest.split_once(']') else {
        return Err("the timestamp has no closing `]`".into());
    };
    let Some(time) = parse_time(time_text) else {
        return Err(format!(
            "`{time_text}` is not a timestamp; expected YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS"
        ));
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Err("expected a space after the timestamp's `]`".into());
    }
    let Some((from, to)) = split_arrow(rest) else {
        return Err("no arrow (`→` or `->`) between the sender and the recipients".into());
    };
    let from = from.trim();
    if from.is_empty() {
        return Err("no sender name before the arrow".into());
    }
    if split_arrow(to).is_some() {
        return Err("more than one arrow in the header".into());
    }
    if to.trim().is_empty() {
        return Err("no recipient names after the arrow".into());
    }
    if recipients(to).any(str::is_empty) {
        return Err("an empty recipient name (two commas, or a comma at an end)".into());
    }
    Ok(Header {
        time_text,
        time,
        from,
        to_text: to,
    })
}

/// Split at the first `→` or `->`.
fn split_arrow(s: &str) -> Option<(&str, &str)> {
    let a = s.find('→').map(|i| (i, '→'.len_utf8()));
    let b = s.find("->").map(|i| (i, 2));
    let (i, n) = match (a, b) {
        (Some(a), Some(b)) => {
            if a.0 < b.0 {
                a
            } else {
                b
            }
        }
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => return None,
    };
    Some((&s[..i], &s[i + n..]))
}

/// `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`.
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 16 && b.len() != 19 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    let sec = if b.len() == 19 {
        if b[16] != b':' {
            return None;
        }
        digits(17..19)?
    } else {
        0
    };
    let time = NaiveTime::from_hms_opt(digits(11..13)?, digits(14..16)?, sec)?;
    Some(NaiveDateTime::new(date, time))
}

/// If the line (trailing white space already dropped) is `Key: value`, the key and the
/// text after the colon.
pub fn key_line(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphabetic() {
        return None;
    }
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || b[i] != b':' {
        return None;
    }
    let rest = &line[i + 1..];
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        Some((&line[..i], rest))
    } else {
        None
    }
}

/// Whether a line (trailing white space already dropped) starts an entry or a malformed
/// block.
pub fn is_header_line(line: &str) -> bool {
    line.starts_with("## [")
}

/// A value line with its escape removed: `\text` is `text`, `\text\` is `text` too (the
/// trailing backslash protects trailing white space or a trailing backslash). The flag
/// says whether the line was escaped.
pub fn unescape(line: &str) -> (&str, bool) {
    match line.strip_prefix('\\') {
        Some(rest) => (rest.strip_suffix('\\').unwrap_or(rest), true),
        None => (line, false),
    }
}

/// The keys the rules know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `Status:`.
    Status,
    /// `Task:`.
    Task,
    /// `Output:`.
    Output,
    /// `Notes:`.
    Notes,
    /// `Re:`.
    Re,
    /// Any other key.
    Extra,
}

impl Key {
    fn of(key: &str) -> Key {
        match key.len() {
            2 if key.eq_ignore_ascii_case("re") => Key::Re,
            4 if key.eq_ignore_ascii_case("task") => Key::Task,
            5 if key.eq_ignore_ascii_case("notes") => Key::Notes,
            6 if key.eq_ignore_ascii_case("status") => Key::Status,
            6 if key.eq_ignore_ascii_case("output") => Key::Output,
            _ => Key::Extra,
        }
    }
}

/// One `Key: value` of an entry, as positions in the entry's text.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Which key.
    pub key: Key,
    key_start: usize,
    key_end: usize,
    /// From the first line's value (leading white space skipped) to the end of the last
    /// continuation line.
    value_start: usize,
    value_end: usize,
    multiline: bool,
}

/// An entry as the reader sees it: its text and where its parts are, borrowed. Values are
/// decoded (continuations joined, escapes removed) only when asked for.
#[derive(Debug)]
pub struct EntryView<'a> {
    /// The entry's whole text: the header line up to the next header.
    pub text: &'a str,
    /// The byte offset of the header line in the file.
    pub offset: u64,
    /// The header's line number (1-based).
    pub line: usize,
    /// The header text after `## `.
    pub id: &'a str,
    /// The header's parts.
    pub header: Header<'a>,
    fields: &'a [Field],
}

impl<'a> EntryView<'a> {
    fn field_text(&self, f: &Field) -> Cow<'a, str> {
        let raw = &self.text[f.value_start..f.value_end];
        if !f.multiline {
            return Cow::Borrowed(unescape(raw).0);
        }
        let mut out = String::with_capacity(raw.len());
        for (i, line) in raw.split('\n').enumerate() {
            let line = line.trim_end();
            if i == 0 {
                out.push_str(unescape(line).0);
            } else if !line.trim_start().is_empty() {
                out.push('\n');
                out.push_str(unescape(line).0);
            }
        }
        Cow::Owned(out)
    }

    fn last(&self, key: Key) -> Option<Cow<'a, str>> {
        self.fields
            .iter()
            .rev()
            .find(|f| f.key == key)
            .map(|f| self.field_text(f))
    }

    /// The sender.
    pub fn from(&self) -> &'a str {
        self.header.from
    }

    /// The recipients, in header order.
    pub fn to(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        recipients(self.header.to_text)
    }

    /// `Status:` as written (the last one if repeated).
    pub fn status(&self) -> Option<Cow<'a, str>> {
        self.last(Key::Status)
    }

    /// The status, if it is one of the eight known ones.
    pub fn status_kind(&self) -> Option<Status> {
        self.status().as_deref().and_then(Status::parse)
    }

    /// Whether the entry asks something of its recipients.
    pub fn is_actionable(&self) -> bool {
        self.status_kind().is_none_or(Status::is_actionable)
    }

    /// `Task:`.
    pub fn task(&self) -> Option<Cow<'a, str>> {
        self.last(Key::Task)
    }

    /// `Notes:`.
    pub fn notes(&self) -> Option<Cow<'a, str>> {
        self.last(Key::Notes)
    }

    /// `Re:`.
    pub fn re(&self) -> Option<Cow<'a, str>> {
        self.last(Key::Re)
    }

    /// `Output:` paths, from every `Output:` line.
    pub fn output(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in self.fields.iter().filter(|f| f.key == Key::Output) {
            let text = self.field_text(f);
            let escaped = self.text[f.value_start..].starts_with('\\');
            if escaped {
                out.push(text.into_owned());
            } else {
                out.extend(
                    text.split([',', '\n'])
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string),
                );
            }
        }
        out
    }

    /// Every other `Key: value`, key as written, in order.
    pub fn extra(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|f| f.key == Key::Extra)
            .map(|f| {
                (
                    self.text[f.key_start..f.key_end].to_string(),
                    self.field_text(f).into_owned(),
                )
            })
            .collect()
    }

    /// The owned entry.
    pub fn to_entry(&self) -> Entry {
        Entry {
            id: self.id.to_string(),
            line: self.line,
            time: self.header.time,
            from: self.header.from.to_string(),
            to: self.to().map(str::to_string).collect(),
            status: self.status().map(Cow::into_owned),
            task: self.task().map(Cow::into_owned),
            output: self.output(),
            notes: self.notes().map(Cow::into_owned),
            re: self.re().map(Cow::into_owned),
            extra: self.extra(),
        }
    }
}

/// Read one block (a `## [` line and the lines after it, up to the next one), handing
/// its entry, or its malformed header, and any warnings to `f`. `line` is the block's
/// first line number. Returns the number of lines in the block.
pub fn read_block(
    text: &str,
    offset: u64,
    line: usize,
    fields: &mut Vec<Field>,
    f: &mut dyn FnMut(Event<'_>),
) -> usize {
    fields.clear();
    let first_end = text.find('\n').unwrap_or(text.len());
    let header_line = text[..first_end].trim_end();
    let id = header_line.get(3..).unwrap_or("");
    let header = match parse_header(id) {
        Ok(h) => h,
        Err(reason) => {
            f(Event::Malformed(Malformed {
                line,
                text: header_line.to_string(),
                reason,
            }));
            return count_lines(text);
        }
    };
    let mut seen = [false; 4];
    let mut pos = (first_end + 1).min(text.len());
    let mut n = 1;
    while pos < text.len() {
        let end = memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |i| pos + i);
        let raw = &text[pos..end];
        let t = raw.trim_end();
        let line_no = line + n;
        n += 1;
        let next = (end + 1).min(text.len());
        if t.trim_start().is_empty() {
            pos = next;
            continue;
        }
        if let Some((key_text, rest)) = key_line(t) {
            let key = Key::of(key_text);
            let slot = match key {
                Key::Status => Some(0),
                Key::Task => Some(1),
                Key::Notes => Some(2),
                Key::Re => Some(3),
                _ => None,
            };
            if let Some(s) = slot {
                if seen[s] {
                    f(Event::Warning(Warning {
                        line: line_no,
                        message: format!(
                            "a second `{key_text}:` in the entry of line {line}; the later one is used"
                        ),
                    }));
                }
                seen[s] = true;
            }
            let value_start = pos + key_text.len() + 1 + (rest.len() - rest.trim_start().len());
            fields.push(Field {
                key,
                key_start: pos,
                key_end: pos + key_text.len(),
                value_start,
                value_end: pos + t.len(),
                multiline: false,
            });
        } else if let Some(last) = fields.last_mut() {
            last.value_end = pos + t.len();
            last.multiline = true;
        } else {
            f(Event::Warning(Warning {
                line: line_no,
                message: "text that is not `Key: value` and continues no value; ignored".into(),
            }));
        }
        pos = next;
    }
    let view = EntryView {
        text,
        offset,
        line,
        id,
        header,
        fields,
    };
    f(Event::Entry(&view));
    count_lines(text)
}

/// The number of lines a block spans, as line numbers advance past it.
fn count_lines(text: &str) -> usize {
    let nl = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    if text.ends_with('\n') || text.is_empty() {
        nl
    } else {
        nl + 1
    }
}

/// The size of each read.
const CHUNK: usize = 256 * 1024;

/// A streaming reader over any `Read` (a `BufRead` works too): a buffer of the file and
/// the entry being read are all it holds.
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    offset: u64,
    line: usize,
}

impl<R: Read> Reader<R> {
    /// A reader from the start of a file.
    pub fn new(inner: R) -> Reader<R> {
        Reader {
            inner,
            offset: 0,
            line: 0,
        }
    }

    /// A reader for the rest of a file: the input starts `offset` bytes into it, after
    /// `line` lines, at a line boundary. What comes before the first `## [` line is
    /// skipped like a preamble.
    pub fn resume(inner: R, offset: u64, line: usize) -> Reader<R> {
        Reader {
            inner,
            offset,
            line,
        }
    }

    /// Read to the end, handing each event to `f` in file order. Returns the offset and
    /// the line count at the end of the input.
    pub fn visit(mut self, mut f: impl FnMut(Event<'_>)) -> io::Result<(u64, usize)> {
        let finder = memchr::memmem::Finder::new(b"\n## [");
        let mut buf: Vec<u8> = vec![0; CHUNK];
        let mut len = 0;
        let mut eof = false;
        let mut fields = Vec::new();
        // Fill at least a few bytes to look at the start.
        while len < 8 && !eof {
            let n = read_some(&mut self.inner, &mut buf[len..])?;
            eof = n == 0;
            len += n;
        }
        let mut cur = 0; // start of the unprocessed text in buf
        if self.offset == 0 && buf[..len].starts_with(b"\xEF\xBB\xBF") {
            cur = 3;
        }
        let mut base = self.offset; // file offset of buf[0]
        let mut in_block = buf[cur..len].starts_with(b"## [");
        let mut search = cur;
        loop {
            match finder.find(&buf[search..len]) {
                Some(i) => {
                    let p = search + i + 1;
                    self.segment(
                        &buf[cur..p],
                        base + cur as u64,
                        in_block,
                        &mut fields,
                        &mut f,
                    );
                    cur = p;
                    search = p;
                    in_block = true;
                }
                None if eof => {
                    self.segment(
                        &buf[cur..len],
                        base + cur as u64,
                        in_block,
                        &mut fields,
                        &mut f,
                    );
                    return Ok((base + len as u64, self.line));
                }
                None => {
                    // Keep the unprocessed text, read more behind it.
                    buf.copy_within(cur..len, 0);
                    len -= cur;
                    base += cur as u64;
                    search = len.saturating_sub(4);
                    cur = 0;
                    if len == buf.len() {
                        buf.resize(buf.len() * 2, 0);
                    }
                    let n = read_some(&mut self.inner, &mut buf[len..])?;
                    eof = n == 0;
                    len += n;
                }
            }
        }
    }

    fn segment(
        &mut self,
        bytes: &[u8],
        offset: u64,
        in_block: bool,
        fields: &mut Vec<Field>,
        f: &mut dyn FnMut(Event<'_>),
    ) {
        if !in_block {
            self.line += count_lines_bytes(bytes);
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        self.line += read_block(&text, offset, self.line + 1, fields, f);
    }
}

fn count_lines_bytes(bytes: &[u8]) -> usize {
    let nl = memchr::memchr_iter(b'\n', bytes).count();
    if bytes.ends_with(b"\n") || bytes.is_empty() {
        nl
    } else {
        nl + 1
    }
}

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Read a whole text (a small file, or a test's).
pub fn parse_str(text: &str) -> Parsed {
    parse_bytes(text.as_bytes())
}

/// Read whole bytes (invalid UTF-8 is replaced, never refused).
pub fn parse_bytes(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let result = Reader::new(bytes).visit(|ev| match ev {
        Event::Entry(e) => parsed.entries.push(e.to_entry()),
        Event::Malformed(m) => parsed.malformed.push(m),
        Event::Warning(w) => parsed.warnings.push(w),
    });
    debug_assert!(result.is_ok(), "reading a slice cannot fail");
    parsed
}
