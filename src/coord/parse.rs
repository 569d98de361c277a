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
    /// The timestamp as written (known to be valid).
    pub time_text: &'a str,
    /// The sender.
    pub from: &'a str,
    /// The recipients, as written after the arrow (split with [`recipients`]).
    pub to_text: &'a str,
}

impl<'a> Header<'a> {
    /// The recipients, trimmed, in order.
    pub fn to(&self) -> Recipients<'a> {
        recipients(self.to_text)
    }

    /// The timestamp (seconds are 0 when not written).
    pub fn time(&self) -> NaiveDateTime {
        parse_time(self.time_text).unwrap_or_default()
    }
}

/// The names in a header's recipient list.
pub fn recipients(to_text: &str) -> Recipients<'_> {
    Recipients {
        rest: Some(to_text),
    }
}

/// The names of a recipient list, trimmed (see [`recipients`]).
#[derive(Debug, Clone)]
pub struct Recipients<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Recipients<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let r = self.rest?;
        match r.bytes().position(|b| b == b',') {
            Some(i) => {
                self.rest = Some(&r[i + 1..]);
                Some(trim(&r[..i]))
            }
            None => {
                self.rest = None;
                Some(trim(r))
            }
        }
    }
}

#[inline]
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `str::trim_end`, fast for ASCII.
#[inline]
pub fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let mut n = b.len();
    while n > 0 && is_ascii_space(b[n - 1]) {
        n -= 1;
    }
    let s = &s[..n];
    if s.as_bytes().last().is_some_and(|&c| c >= 0x80) {
        s.trim_end()
    } else {
        s
    }
}

/// `str::trim_start`, fast for ASCII.
#[inline]
pub fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_ascii_space(b[i]) {
        i += 1;
    }
    let s = &s[i..];
    if s.as_bytes().first().is_some_and(|&c| c >= 0x80) {
        s.trim_start()
    } else {
        s
    }
}

/// `str::trim`, fast for ASCII.
#[inline]
pub fn trim(s: &str) -> &str {
    trim_start(trim_end(s))
}

/// Parse a header's text (what follows `## `, e.g. `[2026-04-11 01:14] A → B, C`); the
/// error says what is wrong with it.
pub fn parse_header(text: &str) -> Result<Header<'_>, String> {
    let Some(rest) = text.strip_prefix('[') else {
        return Err("the header does not start with `[`".into());
    };
    let Some(close) = memchr::memchr(b']', rest.as_bytes()) else {
        return Err("the timestamp has no closing `]`".into());
    };
    let (time_text, rest) = (&rest[..close], &rest[close + 1..]);
    if !valid_time(time_text) {
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
    let from = trim(from);
    if from.is_empty() {
        return Err("no sender name before the arrow".into());
    }
    if split_arrow(to).is_some() {
        return Err("more than one arrow in the header".into());
    }
    if trim(to).is_empty() {
        return Err("no recipient names after the arrow".into());
    }
    if to.as_bytes().contains(&b',') && recipients(to).any(str::is_empty) {
        return Err("an empty recipient name (two commas, or a comma at an end)".into());
    }
    Ok(Header {
        time_text,
        from,
        to_text: to,
    })
}

/// Split at the first `→` or `->`.
fn split_arrow(s: &str) -> Option<(&str, &str)> {
    const ARROW: &[u8] = "→".as_bytes();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'-' && b.get(i + 1) == Some(&b'>') {
            return Some((&s[..i], &s[i + 2..]));
        }
        if c == ARROW[0] && b[i..].starts_with(ARROW) {
            return Some((&s[..i], &s[i + ARROW.len()..]));
        }
        i += 1;
    }
    None
}

/// Whether `s` is `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`, a real date and time
/// (the same answer as [`parse_time`], without building the value).
pub fn valid_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 16 && b.len() != 19 {
        return false;
    }
    let shape = b"dddd-dd-dd dd:dd:dd";
    for (i, &c) in b.iter().enumerate() {
        let ok = if shape[i] == b'd' {
            c.is_ascii_digit()
        } else {
            c == shape[i]
        };
        if !ok {
            return false;
        }
    }
    let n = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let year = n(0) * 100 + n(2);
    let (month, day, hour, min) = (n(5), n(8), n(11), n(14));
    let sec = if b.len() == 19 { n(17) } else { 0 };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && min < 60 && sec < 60
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
    pub(crate) fn of(key: &str) -> Key {
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
    /// Where each `\n` of `text` is.
    nl: &'a [usize],
    fields: std::cell::OnceCell<Vec<Field>>,
}

impl<'a> EntryView<'a> {
    fn field_text(&self, f: &Field) -> Cow<'a, str> {
        let raw = &self.text[f.value_start..f.value_end];
        if !f.multiline {
            return Cow::Borrowed(unescape(raw).0);
        }
        let mut out = String::with_capacity(raw.len());
        for (i, line) in raw.split('\n').enumerate() {
            let line = trim_end(line);
            if i == 0 {
                out.push_str(unescape(line).0);
            } else if !trim_start(line).is_empty() {
                out.push('\n');
                out.push_str(unescape(line).0);
            }
        }
        Cow::Owned(out)
    }

    fn fields(&self) -> &[Field] {
        self.fields.get_or_init(|| {
            let mut v = Vec::new();
            scan_fields(self.text, self.nl, self.line, &mut v, &mut |_| {});
            v
        })
    }

    fn last(&self, key: Key) -> Option<Cow<'a, str>> {
        if let Some(fields) = self.fields.get() {
            return fields
                .iter()
                .rev()
                .find(|f| f.key == key)
                .map(|f| self.field_text(f));
        }
        self.find_last(key).map(|f| self.field_text(&f))
    }

    /// `Status:` and `Re:` together, in one pass over the lines: what the rules need.
    pub fn status_and_re(&self) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
        if self.fields.get().is_some() {
            return (self.status(), self.re());
        }
        let b = self.text.as_bytes();
        let (mut status, mut re) = (None, None);
        for (i, (start, end)) in body_lines(self.text, self.nl).enumerate() {
            let c = b.get(start).map_or(0, |c| c | 0x20);
            if (c == b's' || c == b'r')
                && let Some((k, _)) = key_line(trim_end(&self.text[start..end]))
            {
                match Key::of(k) {
                    Key::Status => status = Some(i),
                    Key::Re => re = Some(i),
                    _ => {}
                }
            }
        }
        let value = |found: Option<usize>, key| {
            found.and_then(|i| self.field_at(i, key).map(|f| self.field_text(&f)))
        };
        (value(status, Key::Status), value(re, Key::Re))
    }

    /// The field whose key line is body line `index` (0 = the line after the header),
    /// with its continuation lines.
    fn field_at(&self, index: usize, key: Key) -> Option<Field> {
        let text = self.text;
        let mut lines = body_lines(text, self.nl).skip(index);
        let (start, end) = lines.next()?;
        let t = trim_end(&text[start..end]);
        let (k, rest) = key_line(t)?;
        let mut field = Field {
            key,
            key_start: start,
            key_end: start + k.len(),
            value_start: start + k.len() + 1 + (rest.len() - trim_start(rest).len()),
            value_end: start + t.len(),
            multiline: false,
        };
        for (start, end) in lines {
            let t = trim_end(&text[start..end]);
            if !trim_start(t).is_empty() {
                if key_line(t).is_some() {
                    break;
                }
                field.value_end = start + t.len();
                field.multiline = true;
            }
        }
        Some(field)
    }

    /// The last `key` field, found without reading every line as a field: only lines
    /// that start with the key's first letter are looked at.
    fn find_last(&self, key: Key) -> Option<Field> {
        let first = match key {
            Key::Status => b's',
            Key::Task => b't',
            Key::Output => b'o',
            Key::Notes => b'n',
            Key::Re => b'r',
            Key::Extra => return self.fields().iter().rev().find(|f| f.key == key).copied(),
        };
        let b = self.text.as_bytes();
        let mut found = None;
        for (i, (start, end)) in body_lines(self.text, self.nl).enumerate() {
            if b.get(start).is_some_and(|c| c | 0x20 == first)
                && let Some((k, _)) = key_line(trim_end(&self.text[start..end]))
                && Key::of(k) == key
            {
                found = Some(i);
            }
        }
        self.field_at(found?, key)
    }

    /// The sender.
    pub fn from(&self) -> &'a str {
        self.header.from
    }

    /// The recipients, in header order.
    pub fn to(&self) -> Recipients<'a> {
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
        for f in self.fields().iter().filter(|f| f.key == Key::Output) {
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
        self.fields()
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

    /// Each key that is not one of the known ones (`Status`, `Task`, `Output`, `Notes`,
    /// `Re`), as written, with its line number: what `atlas check` looks at for misspelt keys.
    pub fn unknown_keys(&self) -> Vec<(&'a str, usize)> {
        self.fields()
            .iter()
            .filter(|f| f.key == Key::Extra)
            .map(|f| {
                let line = self.line + self.nl.partition_point(|&p| p < f.key_start);
                (&self.text[f.key_start..f.key_end], line)
            })
            .collect()
    }

    /// The owned entry.
    pub fn to_entry(&self) -> Entry {
        Entry {
            id: self.id.to_string(),
            line: self.line,
            time: self.header.time(),
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

/// Where each `\n` of `text` is (a word at a time: entries are short, and one call per
/// line of a general-purpose search costs more than the search itself).
pub fn newlines(text: &str, out: &mut Vec<usize>) {
    const ONES: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;
    const LOW7: u128 = 0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f;
    out.clear();
    let b = text.as_bytes();
    let mut i = 0;
    while i + 16 <= b.len() {
        let mut w = [0u8; 16];
        w.copy_from_slice(&b[i..i + 16]);
        let x = u128::from_le_bytes(w) ^ (ONES * u128::from(b'\n'));
        // A byte's high bit is set exactly where x has a zero byte.
        let y = (x & LOW7).wrapping_add(LOW7);
        let mut m = !(y | x | LOW7);
        while m != 0 {
            out.push(i + (m.trailing_zeros() / 8) as usize);
            m &= m - 1;
        }
        i += 16;
    }
    for (j, &c) in b[i..].iter().enumerate() {
        if c == b'\n' {
            out.push(i + j);
        }
    }
}

/// The lines after the header line, as byte ranges without their `\n`.
fn body_lines<'n>(text: &str, nl: &'n [usize]) -> impl Iterator<Item = (usize, usize)> + 'n {
    let len = text.len();
    let last = match nl.last() {
        Some(&p) if p + 1 < len => Some((p + 1, len)),
        _ => None,
    };
    nl.windows(2).map(|w| (w[0] + 1, w[1])).chain(last)
}

/// Read one block (a `## [` line and the lines after it, up to the next one), handing
/// its entry, or its malformed header, and (when `warnings` is set) any warnings to `f`.
/// `line` is the block's first line number; `nl` is scratch space. Returns the number of
/// lines in the block.
pub fn read_block(
    text: &str,
    offset: u64,
    line: usize,
    warnings: bool,
    nl: &mut Vec<usize>,
    f: &mut dyn FnMut(Event<'_>),
) -> usize {
    newlines(text, nl);
    let lines = nl.len() + usize::from(!text.is_empty() && !text.ends_with('\n'));
    let first_end = nl.first().copied().unwrap_or(text.len());
    let header_line = trim_end(&text[..first_end]);
    let id = header_line.get(3..).unwrap_or("");
    let header = match parse_header(id) {
        Ok(h) => h,
        Err(reason) => {
            f(Event::Malformed(Malformed {
                line,
                text: header_line.to_string(),
                reason,
            }));
            return lines;
        }
    };
    let view = EntryView {
        text,
        offset,
        line,
        id,
        header,
        nl,
        fields: std::cell::OnceCell::new(),
    };
    if warnings {
        let mut fields = Vec::new();
        scan_fields(text, nl, line, &mut fields, &mut |w| f(Event::Warning(w)));
        let _ = view.fields.set(fields);
    }
    f(Event::Entry(&view));
    lines
}

/// Read every `Key: value` of an entry's text (header line first, numbered `line`,
/// newlines at `nl`) into `fields`, reporting oddities to `warn`.
fn scan_fields(
    text: &str,
    nl: &[usize],
    line: usize,
    fields: &mut Vec<Field>,
    warn: &mut dyn FnMut(Warning),
) {
    let mut seen = [false; 4];
    for (n, (pos, end)) in body_lines(text, nl).enumerate() {
        let t = trim_end(&text[pos..end]);
        let line_no = line + n + 1;
        if t.is_empty() || trim_start(t).is_empty() {
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
                    warn(Warning {
                        line: line_no,
                        message: format!(
                            "a second `{key_text}:` in the entry of line {line}; the later one is used"
                        ),
                    });
                }
                seen[s] = true;
            }
            let value_start = pos + key_text.len() + 1 + (rest.len() - trim_start(rest).len());
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
            warn(Warning {
                line: line_no,
                message: "text that is not `Key: value` and continues no value; ignored".into(),
            });
        }
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
    warnings: bool,
    nl: Vec<usize>,
}

impl<R: Read> Reader<R> {
    /// A reader from the start of a file.
    pub fn new(inner: R) -> Reader<R> {
        Reader {
            inner,
            offset: 0,
            line: 0,
            warnings: true,
            nl: Vec::new(),
        }
    }

    /// Whether to look for [`Warning`]s (on by default). Off, entries are not read line by
    /// line up front: only what is asked of each [`EntryView`] is looked for, which makes
    /// reading for the rules alone several times faster.
    #[must_use]
    pub fn warnings(mut self, on: bool) -> Reader<R> {
        self.warnings = on;
        self
    }

    /// A reader for the rest of a file: the input starts `offset` bytes into it, after
    /// `line` lines, at a line boundary. What comes before the first `## [` line is
    /// skipped like a preamble.
    pub fn resume(inner: R, offset: u64, line: usize) -> Reader<R> {
        Reader {
            inner,
            offset,
            line,
            warnings: true,
            nl: Vec::new(),
        }
    }

    /// Read to the end, handing each event to `f` in file order. Returns the offset and
    /// the line count at the end of the input.
    pub fn visit(mut self, mut f: impl FnMut(Event<'_>)) -> io::Result<(u64, usize)> {
        let finder = memchr::memmem::Finder::new(b"\n## [");
        let mut buf: Vec<u8> = vec![0; CHUNK];
        let mut len = 0;
        let mut eof = false;
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
                    self.segment(&buf[cur..p], base + cur as u64, in_block, &mut f);
                    cur = p;
                    search = p;
                    in_block = true;
                }
                None if eof => {
                    self.segment(&buf[cur..len], base + cur as u64, in_block, &mut f);
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

    fn segment(&mut self, bytes: &[u8], offset: u64, in_block: bool, f: &mut dyn FnMut(Event<'_>)) {
        if !in_block {
            self.line += count_lines_bytes(bytes);
            return;
        }
        self.line += match std::str::from_utf8(bytes) {
            Ok(text) => read_block(text, offset, self.line + 1, self.warnings, &mut self.nl, f),
            Err(_) => {
                let text = String::from_utf8_lossy(bytes);
                read_block(&text, offset, self.line + 1, self.warnings, &mut self.nl, f)
            }
        };
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
