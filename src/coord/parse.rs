//! Reading the coordination file: a line-at-a-time [`Parser`] that never panics, and a
//! streaming [`Reader`] over any `BufRead`.
//!
//! The parser holds only the entry it is building, so a file of any size is read in
//! constant memory (plus whatever the caller keeps). Whatever it cannot read becomes a
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

use std::collections::VecDeque;
use std::io::{self, BufRead};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{Entry, Malformed, Parsed, Warning};

/// What the reader finds, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A whole entry.
    Entry(Entry),
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
    /// The recipients.
    pub to: Vec<&'a str>,
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
    let (from, to) = match split_arrow(rest) {
        Some(parts) => parts,
        None => {
            return Err("no arrow (`→` or `->`) between the sender and the recipients".into());
        }
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
    let mut names = Vec::with_capacity(1);
    for name in to.split(',') {
        let name = name.trim();
        if name.is_empty() {
            return Err("an empty recipient name (two commas, or a comma at an end)".into());
        }
        names.push(name);
    }
    Ok(Header {
        time_text,
        time,
        from,
        to: names,
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

#[derive(Debug)]
enum Key {
    Status,
    Task,
    Output,
    Notes,
    Re,
    Extra(String),
}

#[derive(Debug)]
struct Value {
    key: Key,
    text: String,
    escaped_first: bool,
}

#[derive(Debug)]
struct Building {
    entry: Entry,
    start: u64,
    value: Option<Value>,
}

#[derive(Debug)]
enum State {
    Preamble,
    Malformed,
    Entry(Box<Building>),
}

/// The line-at-a-time reader. Feed it lines with [`Parser::push_line`] and call
/// [`Parser::finish`] at the end; items come out through the callback, each with the byte
/// offset of its first line.
#[derive(Debug)]
pub struct Parser {
    line: usize,
    offset: u64,
    state: State,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// A parser at the start of a file.
    pub fn new() -> Parser {
        Parser {
            line: 0,
            offset: 0,
            state: State::Preamble,
        }
    }

    /// A parser that starts reading at a line boundary inside a file: `offset` bytes and
    /// `line` lines (the number of the line before the first one it will see) are already
    /// read. The next line is taken as if it followed a preamble.
    pub fn resume(offset: u64, line: usize) -> Parser {
        Parser {
            line,
            offset,
            state: State::Preamble,
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The number of the last line pushed (0 before any).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Feed one line: its bytes, with or without the `\n` that ends it.
    pub fn push_line(&mut self, raw: &[u8], sink: &mut impl FnMut(Item, u64)) {
        let start = self.offset;
        self.offset += raw.len() as u64;
        self.line += 1;
        let mut bytes = raw.strip_suffix(b"\n").unwrap_or(raw);
        if start == 0 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => self.push_str(s.trim_end(), start, sink),
            Err(_) => {
                let s = String::from_utf8_lossy(bytes);
                self.push_str(s.trim_end(), start, sink);
            }
        }
    }

    fn push_str(&mut self, line: &str, start: u64, sink: &mut impl FnMut(Item, u64)) {
        if is_header_line(line) {
            self.finish(sink);
            let text = &line[3..];
            match parse_header(text) {
                Ok(h) => {
                    let entry = Entry {
                        id: text.to_string(),
                        line: self.line,
                        time: h.time,
                        from: h.from.to_string(),
                        to: h.to.iter().map(|s| (*s).to_string()).collect(),
                        status: None,
                        task: None,
                        output: Vec::new(),
                        notes: None,
                        re: None,
                        extra: Vec::new(),
                    };
                    self.state = State::Entry(Box::new(Building {
                        entry,
                        start,
                        value: None,
                    }));
                }
                Err(reason) => {
                    self.state = State::Malformed;
                    sink(
                        Item::Malformed(Malformed {
                            line: self.line,
                            text: line.to_string(),
                            reason,
                        }),
                        start,
                    );
                }
            }
            return;
        }
        let line_no = self.line;
        let State::Entry(b) = &mut self.state else {
            return; // preamble or malformed block: skipped
        };
        if line.trim_start().is_empty() {
            return;
        }
        if let Some((key, rest)) = key_line(line) {
            if let Some(v) = b.value.take() {
                commit(&mut b.entry, v, line_no, sink, start);
            }
            let (first, escaped) = unescape(rest.trim_start());
            let key = if key.eq_ignore_ascii_case("status") {
                Key::Status
            } else if key.eq_ignore_ascii_case("task") {
                Key::Task
            } else if key.eq_ignore_ascii_case("output") {
                Key::Output
            } else if key.eq_ignore_ascii_case("notes") {
                Key::Notes
            } else if key.eq_ignore_ascii_case("re") {
                Key::Re
            } else {
                Key::Extra(key.to_string())
            };
            b.value = Some(Value {
                key,
                text: first.to_string(),
                escaped_first: escaped,
            });
            return;
        }
        match &mut b.value {
            Some(v) => {
                v.text.push('\n');
                v.text.push_str(unescape(line).0);
            }
            None => sink(
                Item::Warning(Warning {
                    line: line_no,
                    message: "text that is not `Key: value` and continues no value; ignored".into(),
                }),
                start,
            ),
        }
    }

    /// End of input: emit the entry being built, if any.
    pub fn finish(&mut self, sink: &mut impl FnMut(Item, u64)) {
        if let State::Entry(b) = std::mem::replace(&mut self.state, State::Preamble) {
            let mut b = *b;
            if let Some(v) = b.value.take() {
                commit(&mut b.entry, v, self.line, sink, b.start);
            }
            sink(Item::Entry(b.entry), b.start);
        }
    }
}

/// Store a finished value in its entry.
fn commit(entry: &mut Entry, v: Value, line: usize, sink: &mut impl FnMut(Item, u64), at: u64) {
    let mut dup = |what: &str| {
        sink(
            Item::Warning(Warning {
                line,
                message: format!(
                    "a second `{what}:` in the entry of line {}; the later one is used",
                    entry.line
                ),
            }),
            at,
        );
    };
    match v.key {
        Key::Status => {
            if entry.status.is_some() {
                dup("Status");
            }
            entry.status = Some(v.text);
        }
        Key::Task => {
            if entry.task.is_some() {
                dup("Task");
            }
            entry.task = Some(v.text);
        }
        Key::Notes => {
            if entry.notes.is_some() {
                dup("Notes");
            }
            entry.notes = Some(v.text);
        }
        Key::Re => {
            if entry.re.is_some() {
                dup("Re");
            }
            entry.re = Some(v.text);
        }
        Key::Output => {
            if v.escaped_first {
                entry.output.push(v.text);
            } else {
                entry.output.extend(
                    v.text
                        .split([',', '\n'])
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string),
                );
            }
        }
        Key::Extra(k) => entry.extra.push((k, v.text)),
    }
}

/// A streaming reader over any `BufRead`: one line in memory at a time, plus the entry
/// being built. Use [`Reader::visit`] (fastest) or iterate it.
#[derive(Debug)]
pub struct Reader<R> {
    inner: R,
    parser: Parser,
    buf: Vec<u8>,
    queue: VecDeque<(Item, u64)>,
    done: bool,
}

impl<R: BufRead> Reader<R> {
    /// A reader from the start of a file.
    pub fn new(inner: R) -> Reader<R> {
        Reader::with_parser(inner, Parser::new())
    }

    /// A reader that goes on with a parser set up by [`Parser::resume`] (the input must
    /// start at that parser's offset).
    pub fn with_parser(inner: R, parser: Parser) -> Reader<R> {
        Reader {
            inner,
            parser,
            buf: Vec::with_capacity(256),
            queue: VecDeque::new(),
            done: false,
        }
    }

    /// Read to the end, handing each item and the byte offset of its first line to `f`.
    /// Returns the parser, whose [`Parser::offset`] is the number of bytes read.
    pub fn visit(mut self, mut f: impl FnMut(Item, u64)) -> io::Result<Parser> {
        for (item, at) in self.queue.drain(..) {
            f(item, at);
        }
        if self.done {
            return Ok(self.parser);
        }
        loop {
            self.buf.clear();
            let n = self.inner.read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                break;
            }
            self.parser.push_line(&self.buf, &mut f);
        }
        self.parser.finish(&mut f);
        Ok(self.parser)
    }

    /// The next item with the byte offset of its first line, or `None` at the end.
    pub fn next_located(&mut self) -> Option<io::Result<(Item, u64)>> {
        loop {
            if let Some(x) = self.queue.pop_front() {
                return Some(Ok(x));
            }
            if self.done {
                return None;
            }
            self.buf.clear();
            let queue = &mut self.queue;
            let mut sink = |item, at| queue.push_back((item, at));
            match self.inner.read_until(b'\n', &mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    self.parser.finish(&mut sink);
                }
                Ok(_) => self.parser.push_line(&self.buf, &mut sink),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = io::Result<Item>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_located().map(|r| r.map(|(item, _)| item))
    }
}

/// Read a whole text (a small file, or a test's).
pub fn parse_str(text: &str) -> Parsed {
    parse_bytes(text.as_bytes())
}

/// Read whole bytes (invalid UTF-8 is replaced, never refused).
pub fn parse_bytes(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut sink = |item, _at| match item {
        Item::Entry(e) => parsed.entries.push(e),
        Item::Malformed(m) => parsed.malformed.push(m),
        Item::Warning(w) => parsed.warnings.push(w),
    };
    let mut p = Parser::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        p.push_line(line, &mut sink);
    }
    p.finish(&mut sink);
    parsed
}
