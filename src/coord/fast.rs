//! A cold full read of the coordination file for the rules, on every core.
//!
//! The file is read in windows of a few MiB. Each window is cut at entry boundaries
//! (`\n## [`) into one part per thread; the parts are read in parallel into compact
//! records (names numbered, ids and `Re:` targets hashed, where the entry's text is);
//! then the records are fed to the [`Board`] in file order on one thread. Only a window
//! and its records are in memory, so memory stays bounded on a file of any size.
//!
//! Each part is read in one pass over its lines (one SIMD newline search for the whole
//! part, no per-entry newline table): a line that starts with `## [` starts a block, and
//! in an entry only lines that start with `s`/`r` (or that follow a `Status:` or `Re:`
//! line) are looked at. An entry whose `Status:` or `Re:` has continuation lines is read
//! again the full way ([`super::parse::read_block`]), so the answers are those of
//! [`Board::add_view`] fed from the [`super::Reader`] (tested, property tests included).

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::{Arc, mpsc};

use super::Status;
use super::hash::{Fx, id_hash_of, name_hash, re_hash};
use super::parse::{
    EntryView, Event, Header, Key, key_line, parse_header, read_block, recipients, trim_end,
    trim_start, valid_time,
};
use super::rules::{Board, Ids, Name, TextAt};

/// The size of a window.
const WINDOW: usize = 1 << 20;

/// Below this size a window is read on one thread (starting threads costs more).
const PARALLEL_MIN: usize = 256 << 10;

/// How many windows may be out with the reading threads at once.
const IN_FLIGHT: usize = 3;

/// At most this many threads.
const MAX_THREADS: usize = 8;

/// A thread's own name numbers (the board's are given on the main thread).
#[derive(Debug, Default)]
struct Names {
    map: HashMap<Box<str>, u32, Fx>,
    list: Vec<Box<str>>,
    /// Each name's [`name_hash`].
    hashes: Vec<u64>,
    /// A direct-mapped cache in front of `map`: (length and first 8 bytes, number + 1).
    slots: Vec<(u64, u32)>,
    /// A direct-mapped cache of headers' text after the timestamp (` A → B, C`), which
    /// repeats from entry to entry: what it says, read once.
    heads: Vec<Option<Head>>,
    /// The same for `Re:` values (their names are not numbered).
    re_heads: Vec<Option<Head>>,
}

/// A header's text after the timestamp, and its names if it is a valid header.
type Head = (Box<str>, Option<Rc<Who>>);

/// The names of a header (its text after the timestamp), numbered.
#[derive(Debug)]
struct Who {
    from: u32,
    /// The recipients, each once.
    to: Vec<u32>,
    /// The sender's [`name_hash`], then every recipient's as written (repeats included,
    /// as [`super::hash::id_hash`] takes them).
    hashes: Vec<u64>,
}

/// Where a header's text after the timestamp goes in the cache: from its length and its
/// first and last 8 bytes (a clash only costs a miss).
#[inline]
fn head_slot(tail: &[u8]) -> usize {
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let (first, last) = match tail.len() {
        0 => (0, 0),
        n if n >= 8 => (word(&tail[..8]), word(&tail[n - 8..])),
        n => (super::hash::short_word(tail), u64::from(tail[n - 1])),
    };
    let h = (first ^ (tail.len() as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ last.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    (h >> 40) as usize & (HEADS - 1)
}

/// Headers' texts longer than this are not kept in the cache.
const HEAD_MAX: usize = 160;

/// How many headers' texts the cache holds (a power of two).
const HEADS: usize = 512;

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        let b = name.as_bytes();
        let mut w = [0u8; 8];
        let k = b.len().min(8);
        w[..k].copy_from_slice(&b[..k]);
        let tag = u64::from_le_bytes(w) ^ (b.len() as u64).rotate_right(8);
        let slot = (tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
        if self.slots.is_empty() {
            self.slots = vec![(0, 0); 256];
        }
        let (t, n) = self.slots[slot];
        if n != 0 && t == tag && self.list.get(n as usize - 1).is_some_and(|s| **s == *name) {
            return n - 1;
        }
        let n = self.lookup(name);
        self.slots[slot] = (tag, n.saturating_add(1));
        n
    }

    /// The names of a header that reads `[time]` then `tail`; `None` if it is not a
    /// valid header (the same answer as [`parse_header`]).
    fn head(&mut self, tail: &[u8]) -> Result<Option<Rc<Who>>, NotUtf8> {
        self.cached(tail, true)
    }

    /// The key a `Re:` value names (the same as [`re_hash`]), its names not numbered.
    fn re_key(&mut self, re: &[u8]) -> Result<Option<u64>, NotUtf8> {
        let re = match strip_re_bytes(re) {
            Some(re) => re,
            None => super::hash::strip_re(str_of(re)?).as_bytes(),
        };
        let Some((time_text, tail)) = split_time(re) else {
            return Ok(None);
        };
        let Some(who) = self.cached(tail, false)? else {
            return Ok(None);
        };
        Ok(Some(id_hash_of(
            time_text,
            who.hashes[0],
            who.hashes[1..].iter().copied(),
        )))
    }

    /// [`Names::head`] (`named`) or the hashes only (for `Re:`), from the cache.
    /// A tail found in the cache is UTF-8 (it equals one that was checked).
    fn cached(&mut self, tail: &[u8], named: bool) -> Result<Option<Rc<Who>>, NotUtf8> {
        if tail.len() > HEAD_MAX {
            return Ok(self.who_of(str_of(tail)?, named).map(Rc::new));
        }
        let slot = head_slot(tail);
        let heads = if named {
            &mut self.heads
        } else {
            &mut self.re_heads
        };
        if heads.is_empty() {
            heads.resize_with(HEADS, || None);
        }
        if let Some((t, who)) = &heads[slot]
            && t.as_bytes() == tail
        {
            return Ok(who.clone());
        }
        let tail = str_of(tail)?;
        let who = self.who_of(tail, named).map(Rc::new);
        let heads = if named {
            &mut self.heads
        } else {
            &mut self.re_heads
        };
        heads[slot] = Some((tail.into(), who.clone()));
        Ok(who)
    }

    /// Read a header's text after the timestamp (see [`Names::cached`]).
    fn who_of(&mut self, tail: &str, named: bool) -> Option<Who> {
        // Any valid timestamp: the rest of the header is checked the same way.
        let mut id = String::with_capacity(tail.len() + 18);
        id.push_str("[2000-01-01 00:00]");
        id.push_str(tail);
        let header = parse_header(&id).ok()?;
        if !named {
            let mut hashes = vec![name_hash(header.from)];
            hashes.extend(recipients(header.to_text).map(name_hash));
            return Some(Who {
                from: 0,
                to: Vec::new(),
                hashes,
            });
        }
        Some(self.who_of_header(&header))
    }

    fn who_of_header(&mut self, header: &Header<'_>) -> Who {
        let from = self.id(header.from);
        let mut to = Vec::new();
        let mut hashes = vec![self.hashes[from as usize]];
        for t in recipients(header.to_text) {
            let n = self.id(t);
            hashes.push(self.hashes[n as usize]);
            if !to.contains(&n) {
                to.push(n);
            }
        }
        Who { from, to, hashes }
    }

    fn lookup(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.map.get(name) {
            return n;
        }
        let n = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.map.insert(name.into(), n);
        self.list.push(name.into());
        self.hashes.push(name_hash(name));
        n
    }
}

/// What the rules need of one entry, as read by a thread.
#[derive(Debug, Clone, Copy)]
struct Rec {
    key: u64,
    re: Option<Option<u64>>,
    /// The header's line number in the part (1-based).
    line: usize,
    /// Where the entry's text is in the part.
    text: (usize, usize),
    from: u32,
    /// Where the recipients are in [`Part::to`].
    to: (u32, u32),
    kind: Option<Status>,
}

/// The records of one part of a window.
#[derive(Debug, Default)]
struct Part {
    recs: Vec<Rec>,
    to: Vec<u32>,
    /// How many `\n` the part holds.
    newlines: usize,
    /// The part's text when it was not UTF-8 (invalid bytes replaced).
    owned: Option<String>,
}

impl Part {
    fn push(
        &mut self,
        time_text: &str,
        who: &Who,
        status: Option<&str>,
        re: Option<Option<u64>>,
        line: usize,
        text: (usize, usize),
    ) {
        let start = self.to.len();
        self.to.extend_from_slice(&who.to);
        let to = (
            u32::try_from(start).unwrap_or(u32::MAX),
            u32::try_from(self.to.len()).unwrap_or(u32::MAX),
        );
        let key = id_hash_of(time_text, who.hashes[0], who.hashes[1..].iter().copied());
        self.recs.push(Rec {
            key,
            re,
            line,
            text,
            from: who.from,
            to,
            kind: status.and_then(Status::parse),
        });
    }
}

/// The entry being read.
struct Block<'a> {
    start: usize,
    line: usize,
    time_text: &'a str,
    who: Rc<Who>,
    status: Option<&'a [u8]>,
    re: Option<&'a [u8]>,
    /// Read this entry the full way.
    slow: bool,
}

/// Read a part of a window (it starts at a line start; the first part of the file may
/// start with a preamble) into `out`.
fn read_part(bytes: &[u8], names: &mut Names, out: &mut Part, nl: &mut Vec<usize>) {
    out.recs.clear();
    out.to.clear();
    out.owned = None;
    out.recs.reserve(bytes.len() / 128);
    if read_lines(bytes, names, out, nl).is_err() {
        // A line that matters is not UTF-8: read the part again with invalid bytes
        // replaced, as the reader does entry by entry (replacement never makes or eats a
        // `\n` or a `## [`, so the entries are the same).
        out.recs.clear();
        out.to.clear();
        let owned = String::from_utf8_lossy(bytes).into_owned();
        let again = read_lines(owned.as_bytes(), names, out, nl);
        debug_assert!(again.is_ok(), "text with invalid bytes replaced is UTF-8");
        out.owned = Some(owned);
    }
}

/// A line that matters is not UTF-8.
struct NotUtf8;

/// A line of `b` as text.
#[inline]
fn line_str(b: &[u8], start: usize, end: usize) -> Result<&str, NotUtf8> {
    str_of(&b[start..end])
}

/// [`read_part`], checking only the lines it reads for UTF-8 (the text of the entries is
/// checked when the board keeps it, see [`Board::settle`]).
fn read_lines(
    b: &[u8],
    names: &mut Names,
    out: &mut Part,
    nl: &mut Vec<usize>,
) -> Result<(), NotUtf8> {
    let mut block: Option<Block<'_>> = None;
    // Only the lines that start with `#`, `s` or `r` (any case) are looked at; the others
    // matter only after a `Status:` or `Re:` line, and are looked at from there.
    let mut lines = Lines::new(b);
    while let Some((start, line)) = lines.next_interesting() {
        let end = lines.line_end(start);
        if b[start..].starts_with(b"## [") {
            if let Some(done) = block.take() {
                finish(b, done, start, names, out, nl)?;
            }
            let line_bytes = match trim_end_ascii(&b[start..end]) {
                Some(t) => t,
                None => trim_end(line_str(b, start, end)?).as_bytes(),
            };
            let id = line_bytes.get(3..).unwrap_or_default();
            if let Some((time_text, tail)) = split_time(id)
                && let Some(who) = names.head(tail)?
            {
                block = Some(Block {
                    start,
                    line,
                    time_text,
                    who,
                    status: None,
                    re: None,
                    slow: false,
                });
            }
        } else if let Some(e) = block.as_mut().filter(|e| !e.slow) {
            let key = match key_bytes(&b[start..end]) {
                Some(key) => key,
                // Not plain ASCII where it matters: read the line as text.
                None => {
                    key_line(trim_end(line_str(b, start, end)?)).map(|(k, r)| (k, r.as_bytes()))
                }
            };
            if let Some((k, rest)) = key {
                let value = || -> Result<&[u8], NotUtf8> {
                    let v = match trim_start_ascii(rest) {
                        Some(v) => v,
                        None => trim_start(str_of(rest)?).as_bytes(),
                    };
                    let v = match v.strip_prefix(b"\\") {
                        Some(v) => v.strip_suffix(b"\\").unwrap_or(v),
                        None => v,
                    };
                    Ok(v)
                };
                let open = match Key::of(k) {
                    Key::Status => {
                        e.status = Some(value()?);
                        true
                    }
                    Key::Re => {
                        e.re = Some(value()?);
                        true
                    }
                    _ => false,
                };
                // A `Status:` or `Re:` value that goes on over more lines: read the
                // entry the full way. (Blank lines in between do not end it.)
                if open && continues(b, end, &lines)? {
                    e.slow = true;
                }
            }
        }
    }
    if let Some(done) = block.take() {
        finish(b, done, b.len(), names, out, nl)?;
    }
    out.newlines = lines.newlines();
    Ok(())
}

/// A header's text after `## ` cut into its timestamp and the rest, if the timestamp is
/// valid (as [`parse_header`] reads it: up to the first `]`).
fn split_time(id: &[u8]) -> Option<(&str, &[u8])> {
    let rest = id.strip_prefix(b"[")?;
    let close = if rest.get(16) == Some(&b']') { 16 } else { 19 };
    if rest.get(close) != Some(&b']') {
        return None;
    }
    // A valid timestamp holds no `]`, so this `]` is the first one.
    let time_text = ascii_str(&rest[..close]).filter(|t| quick_valid_time(t))?;
    Some((time_text, &rest[close + 1..]))
}

thread_local! {
    /// The last date [`quick_valid_time`] found valid (`YYYY-MM-DD`).
    static LAST_DATE: std::cell::Cell<Option<[u8; 10]>> = const { std::cell::Cell::new(None) };
}

/// [`valid_time`], with the date checked once for a run of entries of the same day.
fn quick_valid_time(t: &str) -> bool {
    let b = t.as_bytes();
    let Some(date) = b.first_chunk::<10>() else {
        return false;
    };
    if LAST_DATE.get() != Some(*date) {
        if !valid_time(t) {
            return false;
        }
        LAST_DATE.set(Some(*date));
        return true;
    }
    // The same valid date: the time of day only.
    let d = |i: usize| {
        b.get(i)
            .copied()
            .filter(u8::is_ascii_digit)
            .map(|c| c - b'0')
    };
    let two = |i: usize| Some(d(i)? * 10 + d(i + 1)?);
    let ok = |i: usize, max: u8| two(i).is_some_and(|v| v < max);
    match b.len() {
        16 => b[10] == b' ' && b[13] == b':' && ok(11, 24) && ok(14, 60),
        19 => {
            b[10] == b' '
                && b[13] == b':'
                && b[16] == b':'
                && ok(11, 24)
                && ok(14, 60)
                && ok(17, 60)
        }
        _ => false,
    }
}

/// Bytes as text, if they are ASCII (checked fast).
#[inline]
fn ascii_str(b: &[u8]) -> Option<&str> {
    if b.is_ascii() {
        // SAFETY: ASCII is UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(b) })
    } else {
        None
    }
}

/// Bytes as text: ASCII checked fast, then the full check.
#[inline]
fn str_of(b: &[u8]) -> Result<&str, NotUtf8> {
    match ascii_str(b) {
        Some(s) => Ok(s),
        None => std::str::from_utf8(b).map_err(|_| NotUtf8),
    }
}

/// [`trim_end`] on bytes, when the line ends in ASCII (else `None`: the text way, which
/// also drops Unicode white space).
#[inline]
fn trim_end_ascii(b: &[u8]) -> Option<&[u8]> {
    match b
        .iter()
        .rposition(|&c| !c.is_ascii_whitespace() && c != 0x0b)
    {
        None => Some(&b[..0]),
        Some(n) => (b[n] < 0x80).then(|| &b[..=n]),
    }
}

/// [`key_line`] of the line (white space at its end dropped) on bytes, when the line is
/// ASCII where it matters (else `None`: read it as text).
fn key_bytes(line: &[u8]) -> Option<Option<(&str, &[u8])>> {
    let line = trim_end_ascii(line)?;
    let Some(&first) = line.first() else {
        return Some(None);
    };
    if !first.is_ascii_alphabetic() {
        return Some(None);
    }
    let i = key_len(line);
    if line.get(i) != Some(&b':') {
        return Some(None);
    }
    let rest = &line[i + 1..];
    match rest.first() {
        None => {}
        Some(c) if c.is_ascii_whitespace() || *c == 0x0b => {}
        // White space beyond ASCII, or not: read it as text.
        Some(c) if *c >= 0x80 => return None,
        Some(_) => return Some(None),
    }
    let key = ascii_str(&line[..i])?;
    Some(Some((key, rest)))
}

/// [`super::hash::strip_re`] on bytes, when both ends are ASCII (else `None`).
fn strip_re_bytes(b: &[u8]) -> Option<&[u8]> {
    let t = trim_end_ascii(b)?;
    let t = trim_start_ascii(t)?;
    trim_start_ascii(t.strip_prefix(b"## ").unwrap_or(t))
}

/// [`trim_start`] on bytes, when the text starts with ASCII after the white space.
#[inline]
fn trim_start_ascii(b: &[u8]) -> Option<&[u8]> {
    match b
        .iter()
        .position(|&c| !c.is_ascii_whitespace() && c != 0x0b)
    {
        None => Some(&b[b.len()..]),
        Some(n) => (b[n] < 0x80).then(|| &b[n..]),
    }
}

/// Whether the value on the line ending at `end` goes on: the next line that is not blank
/// is neither a key line nor a header.
fn continues(b: &[u8], end: usize, lines: &Lines<'_>) -> Result<bool, NotUtf8> {
    let mut at = end + 1;
    while at < b.len() {
        // The usual case, a line that starts with a letter: a key line or not, decided
        // without looking for its end.
        if let Some(key) = starts_key_line(&b[at..]) {
            return Ok(!key);
        }
        let stop = lines.line_end(at);
        let line = &b[at..stop];
        let blank = match trim_end_ascii(line) {
            Some(t) => t.is_empty(),
            None => trim_start(trim_end(str_of(line)?)).is_empty(),
        };
        if !blank {
            if line.starts_with(b"## [") {
                return Ok(false);
            }
            let key = match key_bytes(line) {
                Some(key) => key.is_some(),
                None => key_line(trim_end(str_of(line)?)).is_some(),
            };
            return Ok(!key);
        }
        at = stop + 1;
    }
    Ok(false)
}

/// How many bytes at the start of `b` may be part of a key (letters, digits, `_`, `-`).
#[inline]
fn key_len(b: &[u8]) -> usize {
    b.iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
        .unwrap_or(b.len())
}

/// Whether the text starting at a line start is a key line, when it starts with an ASCII
/// letter and the byte after the key's `:` is ASCII (else `None`: the full way).
#[inline]
fn starts_key_line(b: &[u8]) -> Option<bool> {
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let i = key_len(b);
    if b.get(i) != Some(&b':') {
        // A letter then no `:`: text (the line is not blank).
        return Some(false);
    }
    match b.get(i + 1) {
        // `:` then the end of the line or white space: a key line, however it ends.
        None => Some(true),
        Some(c) if c.is_ascii_whitespace() || *c == 0x0b => Some(true),
        Some(c) if *c >= 0x80 => None,
        Some(_) => Some(false),
    }
}

/// The lines of a part, 64 bytes at a time: a bit mask of the newlines and one of the
/// bytes a line worth looking at starts with (`#`, `s`, `r`, any case), so the lines in
/// between cost nothing and line numbers are counted with `count_ones`.
struct Lines<'a> {
    b: &'a [u8],
    /// The start of the current 64-byte chunk.
    base: usize,
    /// The current chunk's newlines.
    newlines: u64,
    /// The current chunk's interesting line starts not yet handed out.
    todo: u64,
    /// Newlines before the current chunk.
    before: usize,
    /// Whether the byte at `base` starts a line.
    carry: u64,
    /// Whether the first chunk was loaded.
    started: bool,
}

impl<'a> Lines<'a> {
    fn new(b: &'a [u8]) -> Lines<'a> {
        Lines {
            b,
            base: 0,
            newlines: 0,
            todo: 0,
            before: 0,
            carry: 1,
            started: false,
        }
    }

    /// Load the chunk at `self.base`.
    fn load(&mut self) {
        let (newlines, marks) = masks(&self.b[self.base..]);
        self.newlines = newlines;
        self.todo = ((newlines << 1) | self.carry) & marks;
        self.carry = newlines >> 63;
    }

    /// The next line that starts with `#`, `s` or `r`: its start and its 1-based number.
    fn next_interesting(&mut self) -> Option<(usize, usize)> {
        if !self.started {
            self.started = true;
            if self.b.is_empty() {
                return None;
            }
            self.load();
        }
        loop {
            if self.todo != 0 {
                let j = self.todo.trailing_zeros();
                self.todo &= self.todo - 1;
                let below = self.newlines & ((1u64 << j) - 1);
                let line = self.before + below.count_ones() as usize + 1;
                return Some((self.base + j as usize, line));
            }
            self.before += self.newlines.count_ones() as usize;
            self.base += 64;
            if self.base >= self.b.len() {
                self.newlines = 0;
                return None;
            }
            self.load();
        }
    }

    /// Where the line starting at `start` ends (its `\n`, or the end of the part).
    fn line_end(&self, start: usize) -> usize {
        // In the current chunk, the newline mask says.
        if start >= self.base && start < self.base + 64 {
            let rest = self.newlines >> (start - self.base);
            if rest != 0 {
                return start + rest.trailing_zeros() as usize;
            }
            let next = (self.base + 64).min(self.b.len());
            return memchr::memchr(b'\n', &self.b[next..]).map_or(self.b.len(), |i| next + i);
        }
        memchr::memchr(b'\n', &self.b[start..]).map_or(self.b.len(), |i| start + i)
    }

    /// How many newlines the part holds (once every line was handed out).
    fn newlines(&self) -> usize {
        self.before + self.newlines.count_ones() as usize
    }
}

/// The newlines and the interesting bytes (`#`, `s`, `r`, `S`, `R`) of the first 64 bytes
/// of `b` (fewer at the end: the rest count as neither).
fn masks(b: &[u8]) -> (u64, u64) {
    let mut chunk = [0u8; 64];
    let c: &[u8; 64] = match b.first_chunk::<64>() {
        Some(c) => c,
        None => {
            chunk[..b.len()].copy_from_slice(b);
            &chunk
        }
    };
    masks64(c)
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn masks64(c: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let (mut newlines, mut marks) = (0u64, 0u64);
    // SAFETY: SSE2 is part of every x86_64 processor; the 16 bytes loaded at `16 * k` are
    // inside `c`, and `loadu` takes any alignment.
    unsafe {
        let nl = _mm_set1_epi8(b'\n' as i8);
        let hash = _mm_set1_epi8(b'#' as i8);
        let lower = _mm_set1_epi8(0x20);
        let s = _mm_set1_epi8(b's' as i8);
        let r = _mm_set1_epi8(b'r' as i8);
        for k in 0..4 {
            let v = _mm_loadu_si128(c.as_ptr().add(16 * k).cast::<__m128i>());
            let n = _mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) as u32;
            let l = _mm_or_si128(v, lower);
            let m = _mm_or_si128(
                _mm_cmpeq_epi8(v, hash),
                _mm_or_si128(_mm_cmpeq_epi8(l, s), _mm_cmpeq_epi8(l, r)),
            );
            let m = _mm_movemask_epi8(m) as u32;
            newlines |= u64::from(n) << (16 * k);
            marks |= u64::from(m) << (16 * k);
        }
    }
    (newlines, marks)
}

#[cfg(not(target_arch = "x86_64"))]
fn masks64(c: &[u8; 64]) -> (u64, u64) {
    let (mut newlines, mut marks) = (0u64, 0u64);
    for (j, &x) in c.iter().enumerate() {
        let l = x | 0x20;
        newlines |= u64::from(x == b'\n') << j;
        marks |= u64::from(x == b'#' || l == b's' || l == b'r') << j;
    }
    (newlines, marks)
}

/// Turn a finished entry into a record.
fn finish(
    b: &[u8],
    e: Block<'_>,
    end: usize,
    names: &mut Names,
    out: &mut Part,
    nl: &mut Vec<usize>,
) -> Result<(), NotUtf8> {
    if !e.slow {
        let re = match e.re {
            Some(re) => Some(names.re_key(re)?),
            None => None,
        };
        let status = match e.status {
            Some(s) => Some(str_of(s)?),
            None => None,
        };
        out.push(e.time_text, &e.who, status, re, e.line, (e.start, end));
        return Ok(());
    }
    read_block(
        line_str(b, e.start, end)?,
        0,
        e.line,
        false,
        nl,
        &mut |ev| {
            if let Event::Entry(v) = ev {
                let v: &EntryView<'_> = v;
                let (status, re) = v.status_and_re();
                let who = names.who_of_header(&v.header);
                out.push(
                    v.header.time_text,
                    &who,
                    status.as_deref(),
                    re.as_deref().map(re_hash),
                    e.line,
                    (e.start, end),
                );
            }
        },
    );
    Ok(())
}

/// Read a whole coordination file into a board, on every core: the same board as
/// feeding each entry of a [`super::Reader`] to [`Board::add_view`].
pub fn read_board(file: impl Read, operator: &str) -> io::Result<Board> {
    // One reading thread per core, and one more: the main thread's share (reading the
    // file, feeding the board) is lighter, and the spare thread keeps every core busy
    // while it waits (measured: 12% faster than one per core on 2 cores).
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .saturating_add(1)
        .clamp(1, MAX_THREADS);
    read_board_with(file, operator, WINDOW, threads, PARALLEL_MIN)
}

/// A window being read by the workers: its bytes and where its parts are.
struct Flight {
    buf: Arc<Vec<u8>>,
    cuts: Vec<usize>,
}

/// A part for a worker to read.
struct Job {
    buf: Arc<Vec<u8>>,
    range: (usize, usize),
    part: Part,
}

/// A part read, with the names the worker met for the first time.
struct Done {
    part: Part,
    new_names: Vec<Box<str>>,
}

/// A worker: reads the parts it is sent, in order, numbering names its own way.
fn worker(jobs: &mpsc::Receiver<Job>, done: &mpsc::Sender<Done>) {
    let (mut names, mut nl, mut sent) = (Names::default(), Vec::new(), 0);
    while let Ok(Job {
        buf,
        range,
        mut part,
    }) = jobs.recv()
    {
        read_part(&buf[range.0..range.1], &mut names, &mut part, &mut nl);
        drop(buf);
        let new_names = names.list[sent..].to_vec();
        sent = names.list.len();
        if done.send(Done { part, new_names }).is_err() {
            return;
        }
    }
}

/// Feed one part's records to the board, in file order.
/// `offset` is where the part starts in its window; the window is given to
/// [`Board::settle`] once all its parts were applied.
fn apply(board: &mut Board, part: &Part, offset: usize, map: &[Name], line_base: &mut usize) {
    let mut to: Vec<Name> = Vec::new();
    for r in &part.recs {
        to.clear();
        let (a, z) = (r.to.0 as usize, r.to.1 as usize);
        to.extend(part.to[a..z].iter().map(|&n| map[n as usize]));
        board.apply_ids(
            Ids {
                from: map[r.from as usize],
                to: &to,
                kind: r.kind,
                actionable: r.kind.is_none_or(Status::is_actionable),
                key: r.key,
                re: r.re,
            },
            *line_base + r.line,
            match &part.owned {
                // Read again with invalid bytes replaced: the text is here.
                Some(owned) => {
                    TextAt::Here(owned.as_bytes().get(r.text.0..r.text.1).unwrap_or_default())
                }
                None => TextAt::Window(offset + r.text.0, r.text.1 - r.text.0),
            },
            None,
        );
    }
    *line_base += part.newlines;
}

/// [`read_board`] with a given window size, number of threads, and smallest window cut
/// between the threads (for tests).
///
/// The workers read the next windows (up to [`IN_FLIGHT`] are out) while the main thread
/// reads the file and feeds the oldest window to the board.
pub fn read_board_with(
    mut file: impl Read,
    operator: &str,
    window: usize,
    threads: usize,
    parallel_min: usize,
) -> io::Result<Board> {
    let threads = threads.max(1);
    let window = window.max(16);
    let mut board = Board::new(operator);
    // `buf` holds the bytes read (its length), at most `cap` of them.
    let (mut buf, mut cap, mut eof) = (Vec::new(), window, false);
    fill(&mut file, &mut buf, cap, &mut eof)?;
    let len = buf.len();
    let start = if buf[..len].starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    if eof && len - start < parallel_min.max(1) {
        // A small file: read here.
        let (mut names, mut part, mut nl) = (Names::default(), Part::default(), Vec::new());
        read_part(&buf[start..len], &mut names, &mut part, &mut nl);
        let map: Vec<Name> = names.list.iter().map(|n| board.name_id(n)).collect();
        apply(&mut board, &part, start, &map, &mut 0);
        board.settle(&buf);
        return Ok(board);
    }
    let finder = memchr::memmem::Finder::new(b"\n## [");
    let rfinder = memchr::memmem::FinderRev::new(b"\n## [");
    std::thread::scope(|s| {
        let mut to_workers = Vec::new();
        let mut from_workers = Vec::new();
        for _ in 0..threads {
            let (job_tx, job_rx) = mpsc::channel::<Job>();
            let (done_tx, done_rx) = mpsc::channel::<Done>();
            s.spawn(move || worker(&job_rx, &done_tx));
            to_workers.push(job_tx);
            from_workers.push(done_rx);
        }
        let mut maps: Vec<Vec<Name>> = vec![Vec::new(); threads];
        let mut free_bufs: Vec<Vec<u8>> = Vec::new();
        let mut free_parts: Vec<Part> = Vec::new();
        let mut flights: VecDeque<Flight> = VecDeque::new();
        let mut line_base = 0;
        // Wait for the oldest window's parts and feed them to the board.
        let mut land = |flights: &mut VecDeque<Flight>,
                        board: &mut Board,
                        free_bufs: &mut Vec<Vec<u8>>,
                        free_parts: &mut Vec<Part>|
         -> io::Result<()> {
            let Some(f) = flights.pop_front() else {
                return Ok(());
            };
            for (k, w) in f.cuts.windows(2).enumerate() {
                let Ok(done) = from_workers[k].recv() else {
                    return Err(io::Error::other("a reading thread stopped"));
                };
                for name in &done.new_names {
                    maps[k].push(board.name_id(name));
                }
                apply(board, &done.part, w[0], &maps[k], &mut line_base);
                free_parts.push(done.part);
            }
            board.settle(&f.buf);
            if let Ok(b) = Arc::try_unwrap(f.buf) {
                free_bufs.push(b);
            }
            Ok(())
        };
        let mut start = start;
        loop {
            let len = buf.len();
            let end = if eof {
                len
            } else {
                match rfinder.rfind(&buf[start..len]) {
                    Some(i) => start + i + 1,
                    None => {
                        // One entry longer than the window: a bigger window.
                        cap *= 2;
                        fill(&mut file, &mut buf, cap, &mut eof)?;
                        continue;
                    }
                }
            };
            // The rest of this window's bytes start the next one.
            let mut next = free_bufs.pop().unwrap_or_default();
            next.clear();
            next.extend_from_slice(&buf[end..len]);
            let n = if end - start >= parallel_min {
                threads
            } else {
                1
            };
            let cuts = cut(&buf, start, end, n, &finder);
            let last = eof;
            let shared = Arc::new(std::mem::replace(&mut buf, next));
            for (k, w) in cuts.windows(2).enumerate() {
                let job = Job {
                    buf: Arc::clone(&shared),
                    range: (w[0], w[1]),
                    part: free_parts.pop().unwrap_or_default(),
                };
                if to_workers[k].send(job).is_err() {
                    return Err(io::Error::other("a reading thread stopped"));
                }
            }
            flights.push_back(Flight { buf: shared, cuts });
            if last {
                break;
            }
            if flights.len() >= IN_FLIGHT {
                land(&mut flights, &mut board, &mut free_bufs, &mut free_parts)?;
            }
            start = 0;
            cap = cap.max(window);
            fill(&mut file, &mut buf, cap, &mut eof)?;
        }
        while !flights.is_empty() {
            land(&mut flights, &mut board, &mut free_bufs, &mut free_parts)?;
        }
        Ok(())
    })?;
    Ok(board)
}

/// Where to cut `buf[start..end]` into up to `n` parts, each starting at a `## [` line
/// (but the first): the cut positions, `start` and `end` included.
fn cut(
    buf: &[u8],
    start: usize,
    end: usize,
    n: usize,
    finder: &memchr::memmem::Finder<'_>,
) -> Vec<usize> {
    let mut cuts = vec![start];
    let len = end - start;
    for k in 1..n {
        let from = (start + len / n * k).max(cuts.last().copied().unwrap_or(start));
        match finder.find(&buf[from..end]) {
            Some(i) => cuts.push(from + i + 1),
            None => break,
        }
    }
    cuts.push(end);
    cuts.dedup();
    cuts
}

/// Read onto the end of `buf` until it holds `cap` bytes or the file ends (into the
/// vector's spare capacity: the buffer is not zeroed first).
fn fill(file: &mut impl Read, buf: &mut Vec<u8>, cap: usize, eof: &mut bool) -> io::Result<()> {
    buf.reserve(cap.saturating_sub(buf.len()));
    while buf.len() < cap && !*eof {
        let want = (cap - buf.len()) as u64;
        let n = file.by_ref().take(want).read_to_end(buf)?;
        // Fewer bytes than asked for: the file ended.
        *eof = (n as u64) < want;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::Reader;
    use proptest::prelude::*;

    fn by_reader(bytes: &[u8]) -> Board {
        let mut b = Board::new("human");
        Reader::new(bytes)
            .warnings(false)
            .visit(|ev| {
                if let Event::Entry(e) = ev {
                    b.add_view(e);
                }
            })
            .unwrap();
        b
    }

    fn same(bytes: &[u8], window: usize, threads: usize, parallel_min: usize) {
        let want = by_reader(bytes);
        let got = read_board_with(bytes, "human", window, threads, parallel_min).unwrap();
        assert_eq!(got.entries(), want.entries());
        assert_eq!(got.snapshot(), want.snapshot());
        assert_eq!(got.inbox_counts(), want.inbox_counts());
        assert_eq!(got.needs_attention(), want.needs_attention());
        assert_eq!(got.inbox("B"), want.inbox("B"));
    }

    const LINES: &[&str] = &[
        "## [2026-04-11 01:14] A → B\n",
        "## [2026-04-11 01:14] B -> A, C\n",
        "## [2026-04-11 01:15:30] C → A, B, A\n",
        "## [2026-04-11 01:16] human → B\r\n",
        "## [2026-04-11 01:1] A → B\n",
        "## [2026-02-30 01:14] A → B\n",
        "## not a header\n",
        "# Coordination\n",
        "Status: DONE\n",
        "status: blocked\n",
        "STATUS: approved  \n",
        "Status: \\INFO\\\n",
        "Status:x\n",
        "Status: IN_PROGRESS\r\n",
        "Status: FAILED\n",
        "Status: REVISION\n",
        "Status: ACK\n",
        "Re: [2026-04-11 01:14] A → B\n",
        "re: ## [2026-04-11 01:14] B->A,C\n",
        "Re: [2026-04-11 01:15:30] C → A, B, A\n",
        "Re: nonsense\n",
        "Task: something\n",
        "Notes: s line\n",
        "  continued\n",
        "stray words\n",
        "rest of it\n",
        "\n",
        "   \n",
        "\u{a0}\n",
        "Sé: ünïcödé\n",
        "\u{feff}\n",
        // Longer than a 64-byte chunk.
        "## [2026-04-11 01:17] A → B, a-recipient-with-a-very-long-name-that-goes-on-and-on, C\n",
        "Status: BLOCKED on something that takes a long time to say, and then some more words\n",
        "Notes: a long note line that is longer than sixty-four bytes, so it spans chunks\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn reads_what_the_reader_reads(
            picks in prop::collection::vec((0..LINES.len(), any::<u8>(), 0u8..30), 0..120),
            bom in any::<bool>(),
            window in 16usize..400,
            threads in 1usize..4,
            parallel_min in 0usize..300,
        ) {
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (i, byte, odd) in picks {
                bytes.extend_from_slice(LINES[i].as_bytes());
                // Now and then a stray byte (invalid UTF-8 included) or no line end.
                if odd == 0 {
                    bytes.push(byte);
                } else if odd == 1 && bytes.ends_with(b"\n") {
                    bytes.pop();
                } else if odd == 2 && bytes.ends_with(b"\n") {
                    // Inside the line (a header, a status...).
                    bytes.insert(bytes.len() - 1, byte);
                }
            }
            same(&bytes, window, threads, parallel_min);
        }
    }

    proptest! {
        #[test]
        fn quick_valid_time_agrees_with_valid_time(
            times in prop::collection::vec(
                "20[0-9]{2}-[0-1][0-9]-[0-3][0-9][ x][0-2][0-9][:x][0-6][0-9](:[0-6][0-9])?",
                1..20,
            ),
        ) {
            use crate::coord::parse::valid_time;
            for t in &times {
                prop_assert_eq!(quick_valid_time(t), valid_time(t), "{}", t);
            }
        }
    }

    proptest! {
        #[test]
        fn valid_time_agrees_with_parse_time(
            s in "[0-9]{4}-[0-3][0-9]-[0-3][0-9] [0-2][0-9]:[0-6][0-9](:[0-6][0-9])?",
            noise in "[0-9: x-]{0,20}",
            at in 0usize..20,
        ) {
            use crate::coord::parse::{parse_time, valid_time};
            prop_assert_eq!(valid_time(&s), parse_time(&s).is_some());
            let mut t = s.clone();
            t.insert_str(at.min(t.len()), &noise);
            prop_assert_eq!(valid_time(&t), parse_time(&t).is_some());
        }
    }

    #[test]
    fn a_timestamp_of_nul_bytes_is_no_timestamp() {
        // The first header a thread reads must have its date checked whole (the memo of
        // the last valid date starts empty, not as ten NUL bytes).
        let nul = "## [\0\0\0\0\0\0\0\0\0\0 01:14] A → human\nStatus: BLOCKED\n";
        same(nul.as_bytes(), 1 << 20, 1, 0);
        let two = format!("## [2026-04-11 01:14] A → B\nStatus: DONE\n\n{nul}");
        same(two.as_bytes(), 1 << 20, 2, 0);
        same(two.as_bytes(), 40, 2, 0);
        let board = read_board_with(nul.as_bytes(), "human", 1 << 20, 1, 0).unwrap();
        assert_eq!(board.entries(), 0);
    }

    #[test]
    fn a_big_generated_log_reads_the_same_across_windows_and_threads() {
        let names = ["A", "B", "C", "human"];
        let statuses = [
            "DONE", "BLOCKED", "ACK", "INFO", "FAILED", "REVISION", "APPROVED", "ODD",
        ];
        let mut text = String::from("# Coordination\n\npreamble\n\n");
        let mut ids: Vec<String> = Vec::new();
        for i in 0..5000usize {
            let (f, t) = (names[i % 4], names[(i * 7 + 1) % 4]);
            let id = format!("[2026-04-11 {:02}:{:02}] {f} → {t}", (i / 60) % 24, i % 60);
            text.push_str(&format!(
                "## {id}\nStatus: {}\nTask: t{i}\n",
                statuses[(i * 5) % 8]
            ));
            if i % 3 == 0 && !ids.is_empty() {
                text.push_str(&format!("Re: {}\n", ids[(i * 13) % ids.len()]));
            }
            if i % 11 == 0 {
                text.push_str("Notes: a\n  b\n");
            }
            if i % 97 == 0 {
                text.push_str("Status: DONE\n  and more\n");
            }
            text.push('\n');
            ids.push(id);
        }
        for (window, threads, min) in [
            (64, 2, 0),
            (1000, 3, 0),
            (1 << 16, 2, 1000),
            (1 << 20, 1, 0),
        ] {
            same(text.as_bytes(), window, threads, min);
        }
    }
}
