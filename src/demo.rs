//! The built-in demo agent's core: everything `atlas demo-agent` does, minus the terminal.
//!
//! `atlas demo-agent` looks and behaves like an AI agent's TUI so that every agent state
//! (starting, idle, draft, busy, waiting, limited, dead) can be produced on demand, with no AI
//! tool installed. Its screen is a contract with the `demo` state-detection preset
//! (docs/DEMO-AGENT.md); the strings it prints are built here, by pure functions, so tests and
//! presets can rely on them.
//!
//! Three pieces, none doing I/O:
//! - [`InputParser`] turns the raw bytes of a terminal in raw mode into [`Key`]s: printable
//!   UTF-8, Enter, Backspace, Ctrl-C/D, Esc, arrows and bracketed pastes (`\e[200~…\e[201~`),
//!   coping with sequences split across reads;
//! - [`Agent`] is the state machine: keys and clock ticks in, [`Effect`]s out (lines to print,
//!   messages to record, work to finish, an exit), and the bottom line(s) to draw;
//! - small helpers: [`parse_directive`] (`/ask`, `/limit`, `/exit`, `/crash`, `/help`),
//!   [`limit_until`], [`slug`], [`output_file_name`], the screen strings.
//!
//! The shell (src/cmd/demo_agent.rs) owns the terminal, the clock, files and the handoff.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, NaiveTime};

/// The line shown while the agent starts.
pub const STARTING_LINE: &str = "Starting demo agent…";
/// The idle prompt (typed text follows it as the draft).
pub const PROMPT: &str = "demo> ";
/// The permission question `/ask` opens.
pub const QUESTION: &str = "Do you want to proceed?";
/// Printed when Esc interrupts the work.
pub const INTERRUPTED: &str = "Interrupted.";
/// The one-line help: the special directives.
pub const HELP_LINE: &str =
    "Try: /ask · /limit [HH:MM|off] · /exit [N] · /crash · Esc interrupts · Ctrl-D quits";
/// How long `/limit` without a time lasts.
pub const LIMIT_WITHOUT_TIME: Duration = Duration::from_secs(600);
/// How many characters of the directive the busy line shows.
pub const BUSY_CHARS: usize = 40;
/// How many characters of the directive's first line make the handoff's task.
pub const TASK_CHARS: usize = 80;
/// The separator written after each recorded message (then a newline).
pub const RECORD_SEPARATOR: u8 = 0x1e;

// ---------------------------------------------------------------------------------------------
// Input

/// One thing typed at the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A character for the input line (printable, or a tab / newline typed on its own).
    Char(char),
    /// A bracketed paste's content, verbatim (markers removed).
    Paste(String),
    /// Enter (`\r`): submit the line.
    Enter,
    /// Backspace (0x7f or 0x08): delete the last character.
    Backspace,
    /// Ctrl-C: clear the line.
    CtrlC,
    /// Ctrl-D: quit when the line is empty.
    CtrlD,
    /// Escape on its own: interrupt the work.
    Esc,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
}

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// Longest escape sequence looked at before it is dropped as garbage.
const MAX_SEQUENCE: usize = 32;

/// Turns raw terminal bytes into [`Key`]s. Feed it what `read` returned; bytes of a sequence
/// cut off at the end of a read are kept for the next feed. Call [`InputParser::flush`] when
/// no byte followed for a short while, so a lone Esc counts as the Esc key.
#[derive(Debug, Default)]
pub struct InputParser {
    pending: Vec<u8>,
    in_paste: bool,
    paste: Vec<u8>,
    lf_submits: bool,
}

impl InputParser {
    /// A parser for a terminal in raw mode: `\r` submits, `\n` is a newline in the line.
    pub fn new() -> InputParser {
        InputParser::default()
    }

    /// A parser for input that is not a terminal (a pipe): `\n` submits as well.
    pub fn for_pipe() -> InputParser {
        InputParser {
            lf_submits: true,
            ..InputParser::default()
        }
    }

    /// Whether bytes of an unfinished sequence (not a paste) are waiting: then the caller
    /// should call [`InputParser::flush`] if nothing more arrives soon.
    pub fn has_pending(&self) -> bool {
        !self.in_paste && !self.pending.is_empty()
    }

    /// Whether a bracketed paste has started and not ended yet.
    pub fn in_paste(&self) -> bool {
        self.in_paste
    }

    /// Parse more bytes.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Key> {
        self.pending.extend_from_slice(bytes);
        self.parse(false)
    }

    /// Nothing more came: an unfinished sequence is taken as it stands (a lone ESC is the Esc
    /// key; a cut UTF-8 character becomes U+FFFD). A paste in progress is left alone.
    pub fn flush(&mut self) -> Vec<Key> {
        self.parse(true)
    }

    fn parse(&mut self, flushing: bool) -> Vec<Key> {
        let mut keys = Vec::new();
        let buf = std::mem::take(&mut self.pending);
        let mut i = 0;
        while i < buf.len() {
            if self.in_paste {
                match find(&buf[i..], PASTE_END) {
                    Some(at) => {
                        self.paste.extend_from_slice(&buf[i..i + at]);
                        let content = std::mem::take(&mut self.paste);
                        keys.push(Key::Paste(String::from_utf8_lossy(&content).into_owned()));
                        self.in_paste = false;
                        i += at + PASTE_END.len();
                    }
                    None => {
                        // Keep a tail that could be the start of the end marker.
                        let rest = &buf[i..];
                        let keep = partial_suffix(rest, PASTE_END);
                        self.paste.extend_from_slice(&rest[..rest.len() - keep]);
                        self.pending.extend_from_slice(&rest[rest.len() - keep..]);
                        return keys;
                    }
                }
                continue;
            }
            match self.step(&buf[i..], flushing, &mut keys) {
                Some(used) => i += used,
                None => {
                    self.pending.extend_from_slice(&buf[i..]);
                    return keys;
                }
            }
        }
        keys
    }

    /// Parse one key at the start of `b`; the number of bytes used, or None when more bytes
    /// are needed.
    fn step(&mut self, b: &[u8], flushing: bool, keys: &mut Vec<Key>) -> Option<usize> {
        let c = b[0];
        match c {
            0x1b => self.escape(b, flushing, keys),
            b'\r' => {
                keys.push(Key::Enter);
                Some(1)
            }
            b'\n' => {
                keys.push(if self.lf_submits {
                    Key::Enter
                } else {
                    Key::Char('\n')
                });
                Some(1)
            }
            b'\t' => {
                keys.push(Key::Char('\t'));
                Some(1)
            }
            0x7f | 0x08 => {
                keys.push(Key::Backspace);
                Some(1)
            }
            0x03 => {
                keys.push(Key::CtrlC);
                Some(1)
            }
            0x04 => {
                keys.push(Key::CtrlD);
                Some(1)
            }
            0x00..=0x1f => Some(1), // other control keys do nothing
            0x20..=0x7e => {
                keys.push(Key::Char(char::from(c)));
                Some(1)
            }
            _ => {
                let len = match c {
                    0xc2..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf4 => 4,
                    _ => {
                        keys.push(Key::Char(char::REPLACEMENT_CHARACTER));
                        return Some(1);
                    }
                };
                // Continuation bytes seen so far must be 10xxxxxx.
                let have = b.len().min(len);
                if b[1..have].iter().any(|&x| x & 0xc0 != 0x80) {
                    keys.push(Key::Char(char::REPLACEMENT_CHARACTER));
                    return Some(1);
                }
                if b.len() < len {
                    if flushing {
                        keys.push(Key::Char(char::REPLACEMENT_CHARACTER));
                        return Some(b.len());
                    }
                    return None;
                }
                match std::str::from_utf8(&b[..len])
                    .ok()
                    .and_then(|s| s.chars().next())
                {
                    Some(ch) => {
                        keys.push(Key::Char(ch));
                        Some(len)
                    }
                    None => {
                        keys.push(Key::Char(char::REPLACEMENT_CHARACTER));
                        Some(1)
                    }
                }
            }
        }
    }

    fn escape(&mut self, b: &[u8], flushing: bool, keys: &mut Vec<Key>) -> Option<usize> {
        if b.len() < 2 {
            if flushing {
                keys.push(Key::Esc);
                return Some(1);
            }
            return None;
        }
        match b[1] {
            b'[' => {
                // CSI: parameters, then a final byte in 0x40..=0x7e.
                let end = b[2..].iter().position(|x| (0x40..=0x7e).contains(x));
                let Some(end) = end else {
                    if flushing || b.len() > MAX_SEQUENCE {
                        // Not a sequence after all: Esc, then the rest as typed.
                        keys.push(Key::Esc);
                        return Some(1);
                    }
                    return None;
                };
                let seq = &b[2..2 + end + 1];
                match seq {
                    b"A" => keys.push(Key::Up),
                    b"B" => keys.push(Key::Down),
                    s if s == &PASTE_START[2..] => {
                        self.in_paste = true;
                        self.paste.clear();
                    }
                    _ => {} // other keys (left, right, F-keys, focus events) do nothing
                }
                Some(2 + end + 1)
            }
            b'O' => {
                if b.len() < 3 {
                    if flushing {
                        keys.push(Key::Esc);
                        return Some(1);
                    }
                    return None;
                }
                match b[2] {
                    b'A' => keys.push(Key::Up),
                    b'B' => keys.push(Key::Down),
                    _ => {}
                }
                Some(3)
            }
            _ => {
                // Esc followed by something else (another Esc, or Alt+key): the Esc key; the
                // next byte is read on its own.
                keys.push(Key::Esc);
                Some(1)
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The length of the longest suffix of `hay` that is a proper prefix of `needle`.
fn partial_suffix(hay: &[u8], needle: &[u8]) -> usize {
    (1..needle.len())
        .rev()
        .find(|&n| n <= hay.len() && hay[hay.len() - n..] == needle[..n])
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Directives

/// What a submitted message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// Ordinary work: be busy, write an output file, hand off.
    Work,
    /// `/ask`: open the permission question.
    Ask,
    /// `/limit [HH:MM]`: hit a usage limit, resetting at that local time (or unknown).
    Limit(Option<(u32, u32)>),
    /// `/limit off`: lift the usage limit.
    LimitOff,
    /// `/exit [N]`: exit with status N (default 0).
    Exit(u8),
    /// `/crash`: exit with status 1 at once.
    Crash,
    /// `/help`: print the directives.
    Help,
    /// A special directive written wrongly: print this line.
    Invalid(String),
    /// A message from atlas itself (it starts with [`crate::config::NOTE_PREFIX`], like the
    /// brief after a restart): context, not a task — noted, no work, no handoff.
    Context,
}

/// The line printed when a message from atlas is taken as context.
pub const CONTEXT_LINE: &str = "Noted: context from atlas, not a task.";

/// Read a submitted message. Special directives are one line starting with `/`; a message
/// starting with `[atlas]` is context from atlas; anything else, unknown `/words` included,
/// is ordinary work.
pub fn parse_directive(text: &str) -> Directive {
    let t = text.trim();
    if t.starts_with(crate::config::NOTE_PREFIX) {
        return Directive::Context;
    }
    if !t.starts_with('/') || t.contains('\n') {
        return Directive::Work;
    }
    let mut words = t.split_whitespace();
    let cmd = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    match cmd {
        "/ask" => Directive::Ask,
        "/crash" => Directive::Crash,
        "/help" => Directive::Help,
        "/exit" => match args.as_slice() {
            [] => Directive::Exit(0),
            [n] => match n.parse::<u8>() {
                Ok(n) => Directive::Exit(n),
                Err(_) => Directive::Invalid(format!(
                    "/exit: `{}` is not an exit status; give a number from 0 to 255, e.g. /exit 3",
                    sanitize(n)
                )),
            },
            _ => {
                Directive::Invalid("/exit takes one exit status from 0 to 255, e.g. /exit 3".into())
            }
        },
        "/limit" => match args.as_slice() {
            [] => Directive::Limit(None),
            ["off"] => Directive::LimitOff,
            [hm] => match parse_hm(hm) {
                Some(hm) => Directive::Limit(Some(hm)),
                None => Directive::Invalid(format!(
                    "/limit: `{}` is not a time; give HH:MM (e.g. /limit 23:59), nothing, or off",
                    sanitize(hm)
                )),
            },
            _ => Directive::Invalid(
                "/limit takes one time HH:MM (e.g. /limit 23:59), nothing, or off".into(),
            ),
        },
        _ => Directive::Work,
    }
}

/// Parse `H:MM` or `HH:MM` (hours 0–23, minutes 00–59).
pub fn parse_hm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// When a limit resetting at `hm` ends: the next time the local clock shows `hm` (today if
/// still ahead, else tomorrow).
pub fn limit_until(now: NaiveDateTime, hm: (u32, u32)) -> NaiveDateTime {
    let t = NaiveTime::from_hms_opt(hm.0, hm.1, 0).unwrap_or(NaiveTime::MIN);
    let today = now.date().and_time(t);
    if today > now {
        today
    } else {
        today + chrono::Duration::days(1)
    }
}

/// The usage-limit line: with the reset time when known.
pub fn limit_line(reset: Option<(u32, u32)>) -> String {
    match reset {
        Some((h, m)) => format!("Usage limit reached · resets {h:02}:{m:02}"),
        None => "Usage limit reached · try again later".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/// The directive's headline: its first line with text in it, trimmed.
pub fn headline(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// The first `n` characters of `s`.
pub fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The echo of a submitted message: `> <first line>` and ` (+N more lines)` when it has more.
pub fn echo_line(text: &str) -> String {
    let first = headline(text);
    let more = text.lines().count().saturating_sub(1);
    if more > 0 {
        format!("> {} (+{more} more lines)", sanitize(first))
    } else {
        format!("> {}", sanitize(first))
    }
}

/// Text made safe to print on one terminal line: tab becomes a space, a newline `↵`, other
/// control characters caret notation (`^[`), so nothing typed can drive the terminal.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            '\n' | '\r' => out.push('↵'),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if ('\u{80}'..='\u{9f}').contains(&c) => out.push('�'),
            c => out.push(c),
        }
    }
    out
}

/// Terminal columns a character takes (0, 1 or 2), a small wcwidth: combining marks and
/// zero-width characters take none; East Asian wide characters and most emoji take two.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    let zero = matches!(u,
        0x0300..=0x036f | 0x0483..=0x0489 | 0x0591..=0x05bd | 0x0610..=0x061a
        | 0x064b..=0x065f | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064
        | 0x20d0..=0x20ff | 0xfe00..=0xfe0f | 0xfe20..=0xfe2f | 0xe0100..=0xe01ef);
    if zero {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115f | 0x231a..=0x231b | 0x2329..=0x232a | 0x23e9..=0x23ec | 0x23f0
        | 0x23f3 | 0x25fd..=0x25fe | 0x2614..=0x2615 | 0x2648..=0x2653 | 0x267f | 0x2693
        | 0x26a1 | 0x26aa..=0x26ab | 0x26bd..=0x26be | 0x26c4..=0x26c5 | 0x26ce | 0x26d4
        | 0x26ea | 0x26f2..=0x26f3 | 0x26f5 | 0x26fa | 0x26fd | 0x2705 | 0x270a..=0x270b
        | 0x2728 | 0x274c | 0x274e | 0x2753..=0x2755 | 0x2757 | 0x2795..=0x2797 | 0x27b0
        | 0x27bf | 0x2b1b..=0x2b1c | 0x2b50 | 0x2b55 | 0x2e80..=0x303e | 0x3041..=0x33ff
        | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xa000..=0xa4cf | 0xa960..=0xa97f
        | 0xac00..=0xd7a3 | 0xf900..=0xfaff | 0xfe10..=0xfe19 | 0xfe30..=0xfe6f
        | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x1f004 | 0x1f0cf | 0x1f18e
        | 0x1f191..=0x1f19a | 0x1f200..=0x1f251 | 0x1f300..=0x1f64f | 0x1f680..=0x1f6ff
        | 0x1f7e0..=0x1f7eb | 0x1f900..=0x1f9ff | 0x1fa70..=0x1faff | 0x20000..=0x3fffd);
    if wide { 2 } else { 1 }
}

/// Terminal columns a string takes.
pub fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Terminal rows these lines take on a `cols`-wide terminal (a wider line wraps; an empty
/// one still takes its row).
pub fn rows(lines: &[String], cols: usize) -> usize {
    lines
        .iter()
        .map(|l| text_width(l).div_ceil(cols.max(1)).max(1))
        .sum()
}

/// The last characters of `s` that fit in `cols` columns.
fn tail_fitting(s: &str, cols: usize) -> &str {
    let mut width = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        width += char_width(c);
        if width > cols {
            break;
        }
        start = i;
    }
    &s[start..]
}

/// The first characters of `s` that fit in `cols` columns.
fn head_fitting(s: &str, cols: usize) -> &str {
    let mut width = 0;
    for (i, c) in s.char_indices() {
        width += char_width(c);
        if width > cols {
            return &s[..i];
        }
    }
    s
}

/// The idle prompt with the draft after it, kept to one row of a `cols`-wide terminal: a
/// draft too long shows `…` and its end.
pub fn prompt_line(draft: &str, cols: usize) -> String {
    let shown = sanitize(draft);
    let room = cols.saturating_sub(1 + PROMPT.len());
    if text_width(&shown) <= room {
        return format!("{PROMPT}{shown}");
    }
    format!("{PROMPT}…{}", tail_fitting(&shown, room.saturating_sub(1)))
}

/// The busy line: `✻ Working on "<first 40 chars>"… (Ns · esc to interrupt)`, kept to one
/// row of a `cols`-wide terminal: the quoted part is shortened, and on very narrow terminals
/// `✻ Working… (Ns · esc to interrupt)` or `✻ Ns · esc to interrupt` is shown instead.
pub fn busy_line(directive: &str, secs: u64, cols: usize) -> String {
    let room = cols.saturating_sub(1);
    let what = sanitize(first_chars(headline(directive), BUSY_CHARS));
    let tail = format!("… ({secs}s · esc to interrupt)");
    let fixed = text_width("✻ Working on \"\"") + text_width(&tail);
    let left = room.saturating_sub(fixed);
    if left >= what.chars().count().min(8) {
        return format!("✻ Working on \"{}\"{tail}", head_fitting(&what, left));
    }
    let short = format!("✻ Working… ({secs}s · esc to interrupt)");
    if text_width(&short) <= room {
        return short;
    }
    format!("✻ {secs}s · esc to interrupt")
}

/// The banner printed when the agent has started.
pub fn banner(id: &Identity) -> String {
    let who = if id.role.trim().is_empty() {
        sanitize(&id.name)
    } else {
        format!("{} ({})", sanitize(&id.name), sanitize(&id.role))
    };
    format!(
        "atlas demo agent · {who} · reports to {}",
        sanitize(&id.reports_to)
    )
}

/// The Done line after a directive's work.
pub fn done_line(rel_path: &str, handoff: &HandoffOutcome) -> String {
    let path = sanitize(rel_path);
    match handoff {
        HandoffOutcome::Done(to) => format!("Done: wrote {path} · handed off to {}", sanitize(to)),
        HandoffOutcome::Failed(err) => {
            format!("Done: wrote {path} · handoff failed: {}", sanitize(err))
        }
        HandoffOutcome::Standalone => format!("Done: wrote {path} · no handoff (standalone)"),
    }
}

/// How the handoff after a directive went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffOutcome {
    /// Handed off to this agent.
    Done(String),
    /// `atlas handoff` failed with this message.
    Failed(String),
    /// No team: no handoff is made.
    Standalone,
}

/// A file-name slug of a directive's headline: lower-case ASCII letters and digits joined by
/// `-`, at most 40 characters; `directive` when nothing is left.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in headline(text).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "directive".into()
    } else {
        out.to_string()
    }
}

/// The output file's name: `YYYYMMDD-HHMMSS-<slug>.md` (the slug of the [`subject`]).
pub fn output_file_name(now: NaiveDateTime, text: &str) -> String {
    format!("{}-{}.md", now.format("%Y%m%d-%H%M%S"), slug(subject(text)))
}

/// What a directive is about: its headline, without what the supervisor's wake directive
/// adds after the task (` (handoff [ID] from …`), so a task keeps its words as it is passed
/// up the chain.
pub fn subject(text: &str) -> &str {
    let h = headline(text);
    match h.find(" (handoff [") {
        Some(i) if i > 0 => h[..i].trim_end(),
        _ => h,
    }
}

/// The handoff's task: the [`subject`], at most 80 characters.
pub fn task(text: &str) -> String {
    first_chars(subject(text), TASK_CHARS).to_string()
}

/// The entry a directive asks to be answered, as a real agent reads the supervisor's wake
/// directive: the id after its last `--re "` (up to the closing quote). The demo agent's
/// handoff names it in `Re:`, so what it passes upward leaves its own inbox.
pub fn reply_to(text: &str) -> Option<String> {
    let start = text.rfind("--re \"")? + "--re \"".len();
    let rest = &text[start..];
    let id = &rest[..rest.find('"')?];
    (!id.trim().is_empty() && !id.contains('\n')).then(|| id.to_string())
}

/// What the output file holds: a title, who did it and when, and the directive verbatim.
pub fn output_document(name: &str, text: &str, now: NaiveDateTime) -> String {
    let mut doc = format!(
        "# {}\n\nPretend work by the atlas demo agent {name}, {}.\n\n## Directive\n\n",
        headline(text),
        now.format("%Y-%m-%d %H:%M:%S")
    );
    doc.push_str(text);
    if !text.ends_with('\n') {
        doc.push('\n');
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// The agent

/// Who the agent is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Its name (`demo` when standalone).
    pub name: String,
    /// Its role (may be empty).
    pub role: String,
    /// Whom it hands off to.
    pub reports_to: String,
    /// Why it runs without a team, when it does (shown under the banner).
    pub standalone: Option<String>,
}

/// How the agent behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Pretend work per directive.
    pub work: Duration,
    /// Time in the starting state.
    pub start_delay: Duration,
    /// Record mode: record each message, do no work.
    pub record: bool,
}

/// The two clocks the agent reads: monotonic for durations, local wall time for limits and
/// file names.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// Monotonic time.
    pub mono: Instant,
    /// Local wall-clock time.
    pub local: NaiveDateTime,
}

/// Something the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Print this line above the bottom line(s) (it stays in the scrollback).
    Line(String),
    /// Record mode: append this message, then the record separator.
    Record(String),
    /// The work on this directive is done: write the output file, hand off, print the Done
    /// line (see [`done_line`]).
    Finish(String),
    /// Restore the terminal and exit with this status.
    Exit(u8),
}

/// What the agent is doing.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Starting { until: Instant },
    Idle,
    Busy { directive: String, started: Instant },
    Asking { selected: usize },
}

#[derive(Debug, Clone, PartialEq)]
struct Limit {
    reset: Option<(u32, u32)>,
    until: NaiveDateTime,
}

/// The demo agent's state machine.
#[derive(Debug)]
pub struct Agent {
    id: Identity,
    settings: Settings,
    mode: Mode,
    draft: String,
    queue: VecDeque<String>,
    limit: Option<Limit>,
}

impl Agent {
    /// A new agent, starting now.
    pub fn new(id: Identity, settings: Settings, now: Instant) -> Agent {
        let until = now + settings.start_delay;
        Agent {
            id,
            settings,
            mode: Mode::Starting { until },
            draft: String::new(),
            queue: VecDeque::new(),
            limit: None,
        }
    }

    /// Who the agent is.
    pub fn identity(&self) -> &Identity {
        &self.id
    }

    /// The text typed and not submitted yet.
    pub fn draft(&self) -> &str {
        &self.draft
    }

    /// Whether it is idle at its prompt.
    pub fn is_idle(&self) -> bool {
        self.mode == Mode::Idle
    }

    /// The state's name, as DESIGN §4 names states (`starting`, `idle`, `busy`, `waiting`,
    /// `limited`).
    pub fn state_name(&self, now: &Now) -> &'static str {
        match self.mode {
            Mode::Starting { .. } => "starting",
            Mode::Busy { .. } => "busy",
            Mode::Asking { .. } => "waiting",
            Mode::Idle if self.limited(now) => "limited",
            Mode::Idle => "idle",
        }
    }

    fn limited(&self, now: &Now) -> bool {
        self.limit.as_ref().is_some_and(|l| now.local < l.until)
    }

    /// How long until the agent next needs a tick (start ends, work ends, the busy line's
    /// seconds change); None when only input can change anything.
    pub fn next_tick(&self, now: Instant) -> Option<Duration> {
        match &self.mode {
            Mode::Starting { until } => Some(until.saturating_duration_since(now)),
            Mode::Busy { started, .. } => {
                let end = *started + self.settings.work;
                let elapsed = now.saturating_duration_since(*started);
                let next_second = Duration::from_secs(elapsed.as_secs() + 1) - elapsed;
                Some(end.saturating_duration_since(now).min(next_second))
            }
            _ => None,
        }
    }

    /// The clock moved: finish starting or working when it is time.
    pub fn tick(&mut self, now: &Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        match &self.mode {
            Mode::Starting { until } if now.mono >= *until => {
                fx.push(Effect::Line(banner(&self.id)));
                if let Some(why) = &self.id.standalone {
                    fx.push(Effect::Line(sanitize(why)));
                }
                fx.push(Effect::Line(HELP_LINE.into()));
                self.mode = Mode::Idle;
                self.run_queue(now, &mut fx);
            }
            Mode::Busy { directive, started } if now.mono >= *started + self.settings.work => {
                fx.push(Effect::Finish(directive.clone()));
                self.mode = Mode::Idle;
                self.run_queue(now, &mut fx);
            }
            _ => {}
        }
        fx
    }

    /// A key was typed.
    pub fn key(&mut self, key: Key, now: &Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        if let Mode::Asking { selected } = self.mode {
            let answer = match key {
                Key::Char('1' | 'y' | 'Y') => Some(true),
                Key::Char('2' | 'n' | 'N') | Key::Esc => Some(false),
                Key::Enter => Some(selected == 0),
                Key::Up => {
                    self.mode = Mode::Asking { selected: 0 };
                    None
                }
                Key::Down => {
                    self.mode = Mode::Asking { selected: 1 };
                    None
                }
                _ => None,
            };
            if let Some(yes) = answer {
                let word = if yes { "Yes" } else { "No" };
                fx.push(Effect::Line(format!("Answered: {word}")));
                self.mode = Mode::Idle;
                self.run_queue(now, &mut fx);
            }
            return fx;
        }
        match key {
            Key::Char(c) => self.draft.push(c),
            Key::Paste(s) => self.draft.push_str(&s),
            Key::Backspace => {
                self.draft.pop();
            }
            Key::CtrlC => self.draft.clear(),
            Key::CtrlD => {
                if self.draft.is_empty() && self.mode == Mode::Idle {
                    fx.push(Effect::Exit(0));
                }
            }
            Key::Esc => {
                if let Mode::Busy { .. } = self.mode {
                    fx.push(Effect::Line(INTERRUPTED.into()));
                    self.mode = Mode::Idle;
                    // Messages queued behind the interrupted work come back as the draft.
                    let mut parts: Vec<String> = self.queue.drain(..).collect();
                    if !self.draft.is_empty() {
                        parts.push(std::mem::take(&mut self.draft));
                    }
                    self.draft = parts.join("\n");
                }
            }
            Key::Enter => {
                let text = std::mem::take(&mut self.draft);
                self.submit(text, now, &mut fx);
            }
            Key::Up | Key::Down => {}
        }
        fx
    }

    /// Input ended (stdin closed): exit 0 once nothing is left to do.
    pub fn input_closed(&mut self) -> Vec<Effect> {
        if self.mode == Mode::Idle && self.queue.is_empty() {
            vec![Effect::Exit(0)]
        } else {
            Vec::new()
        }
    }

    fn submit(&mut self, text: String, now: &Now, fx: &mut Vec<Effect>) {
        let nothing = if self.settings.record {
            text.is_empty()
        } else {
            text.trim().is_empty()
        };
        if nothing {
            return;
        }
        fx.push(Effect::Line(echo_line(&text)));
        match self.mode {
            Mode::Idle => self.run(text, now, fx),
            _ => self.queue.push_back(text),
        }
    }

    fn run_queue(&mut self, now: &Now, fx: &mut Vec<Effect>) {
        while self.mode == Mode::Idle {
            if fx.iter().any(|f| matches!(f, Effect::Exit(_))) {
                return;
            }
            let Some(text) = self.queue.pop_front() else {
                return;
            };
            self.run(text, now, fx);
        }
    }

    fn run(&mut self, text: String, now: &Now, fx: &mut Vec<Effect>) {
        if self.settings.record {
            fx.push(Effect::Record(text));
            return;
        }
        if self.limit.as_ref().is_some_and(|l| now.local >= l.until) {
            self.limit = None;
        }
        match parse_directive(&text) {
            Directive::Exit(n) => fx.push(Effect::Exit(n)),
            Directive::Crash => fx.push(Effect::Exit(1)),
            Directive::Help => fx.push(Effect::Line(HELP_LINE.into())),
            Directive::Invalid(msg) => fx.push(Effect::Line(msg)),
            Directive::Context => fx.push(Effect::Line(CONTEXT_LINE.into())),
            Directive::LimitOff => {
                self.limit = None;
                fx.push(Effect::Line("Usage limit lifted.".into()));
            }
            Directive::Limit(reset) => {
                let until = match reset {
                    Some(hm) => limit_until(now.local, hm),
                    None => {
                        now.local
                            + chrono::Duration::from_std(LIMIT_WITHOUT_TIME)
                                .unwrap_or(chrono::Duration::minutes(10))
                    }
                };
                self.limit = Some(Limit { reset, until });
                fx.push(Effect::Line(limit_line(reset)));
            }
            Directive::Ask | Directive::Work => {
                if let Some(l) = &self.limit {
                    fx.push(Effect::Line(limit_line(l.reset)));
                } else if parse_directive(&text) == Directive::Ask {
                    self.mode = Mode::Asking { selected: 0 };
                } else {
                    self.mode = Mode::Busy {
                        directive: text,
                        started: now.mono,
                    };
                }
            }
        }
    }

    /// The bottom line(s) to draw now, on a `cols`-wide terminal: the prompt (with the
    /// draft), the busy line, the question with its options, or the starting line.
    pub fn bottom(&self, now: Instant, cols: usize) -> Vec<String> {
        match &self.mode {
            Mode::Starting { .. } => vec![STARTING_LINE.into()],
            Mode::Idle => vec![prompt_line(&self.draft, cols)],
            Mode::Busy { directive, started } => {
                let secs = now.saturating_duration_since(*started).as_secs();
                vec![busy_line(directive, secs, cols)]
            }
            Mode::Asking { selected } => {
                let mark = |i: usize| if *selected == i { "❯" } else { " " };
                vec![
                    QUESTION.into(),
                    format!("{} 1. Yes", mark(0)),
                    format!("{} 2. No", mark(1)),
                ]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::strategy::Strategy;

    fn local(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 4, 11)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn parse_all(bytes: &[u8]) -> Vec<Key> {
        let mut p = InputParser::new();
        let mut keys = p.feed(bytes);
        keys.extend(p.flush());
        keys
    }

    fn chars(s: &str) -> Vec<Key> {
        s.chars().map(Key::Char).collect()
    }

    #[test]
    fn plain_keys() {
        assert_eq!(
            parse_all(b"ab\r"),
            vec![Key::Char('a'), Key::Char('b'), Key::Enter]
        );
        assert_eq!(
            parse_all(b"\x7f\x08\x03\x04\t\n"),
            vec![
                Key::Backspace,
                Key::Backspace,
                Key::CtrlC,
                Key::CtrlD,
                Key::Char('\t'),
                Key::Char('\n')
            ]
        );
        // Other control bytes do nothing.
        assert_eq!(parse_all(b"\x01\x02x"), vec![Key::Char('x')]);
        let mut pipe = InputParser::for_pipe();
        assert_eq!(pipe.feed(b"a\n"), vec![Key::Char('a'), Key::Enter]);
    }

    #[test]
    fn utf8_whole_and_split() {
        assert_eq!(parse_all("é中🚀".as_bytes()), chars("é中🚀"));
        let bytes = "日本🎉".as_bytes();
        for cut in 0..=bytes.len() {
            let mut p = InputParser::new();
            let mut keys = p.feed(&bytes[..cut]);
            keys.extend(p.feed(&bytes[cut..]));
            assert_eq!(keys, chars("日本🎉"), "cut at {cut}");
        }
        // Invalid bytes become U+FFFD, and what follows still reads.
        assert_eq!(
            parse_all(b"\xffa\xc3("),
            vec![
                Key::Char('\u{fffd}'),
                Key::Char('a'),
                Key::Char('\u{fffd}'),
                Key::Char('(')
            ]
        );
        // A character cut off for good is U+FFFD on flush.
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\xe4\xb8"), vec![]);
        assert!(p.has_pending());
        assert_eq!(p.flush(), vec![Key::Char('\u{fffd}')]);
    }

    #[test]
    fn escape_and_arrows() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b"), vec![]);
        assert!(p.has_pending());
        assert_eq!(p.flush(), vec![Key::Esc]);
        assert!(!p.has_pending());
        assert_eq!(
            parse_all(b"\x1b[A\x1b[B\x1bOA\x1bOB"),
            vec![Key::Up, Key::Down, Key::Up, Key::Down]
        );
        // Left/right and other sequences are swallowed.
        assert_eq!(parse_all(b"\x1b[C\x1b[1;5Dz"), vec![Key::Char('z')]);
        // Esc Esc, and Alt+x.
        assert_eq!(parse_all(b"\x1b\x1b"), vec![Key::Esc, Key::Esc]);
        assert_eq!(parse_all(b"\x1bx"), vec![Key::Esc, Key::Char('x')]);
        // A sequence split across reads.
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b["), vec![]);
        assert_eq!(p.feed(b"A"), vec![Key::Up]);
    }

    #[test]
    fn bracketed_paste() {
        let keys = parse_all(b"x\x1b[200~line 1\nline 2\r\x1b[A\x03\x1b[201~y");
        assert_eq!(
            keys,
            vec![
                Key::Char('x'),
                Key::Paste("line 1\nline 2\r\x1b[A\x03".into()),
                Key::Char('y')
            ]
        );
        // Split at every byte, including inside both markers.
        let all = "\x1b[200~héllo\n世界\x1b[201~\r".as_bytes();
        for cut in 0..=all.len() {
            let mut p = InputParser::new();
            let mut keys = p.feed(&all[..cut]);
            keys.extend(p.feed(&all[cut..]));
            assert_eq!(
                keys,
                vec![Key::Paste("héllo\n世界".into()), Key::Enter],
                "cut at {cut}"
            );
        }
        // A paste in progress is not flushed.
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b[200~abc\x1b[20"), vec![]);
        assert!(p.in_paste());
        assert!(!p.has_pending());
        assert_eq!(p.flush(), vec![]);
        assert_eq!(p.feed(b"1~"), vec![Key::Paste("abc".into())]);
    }

    proptest::proptest! {
        /// However the bytes are cut into reads, the keys are the same as from one read.
        #[test]
        fn splitting_never_changes_keys(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    "[ -~]{1,4}".prop_map(|s| s.into_bytes()),
                    "[é中🚀עא]{1,3}".prop_map(|s| s.into_bytes()),
                    "[^\\x1b]{0,12}".prop_map(|s| {
                        let mut b = b"\x1b[200~".to_vec();
                        b.extend_from_slice(s.as_bytes());
                        b.extend_from_slice(b"\x1b[201~");
                        b
                    }),
                    proptest::sample::select(vec![
                        b"\r".to_vec(), b"\x7f".to_vec(), b"\x03".to_vec(),
                        b"\x1b[A".to_vec(), b"\x1b[B".to_vec(), b"\x1bOA".to_vec(),
                        b"\t".to_vec(), b"\n".to_vec(),
                    ]),
                ],
                0..12,
            ),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let bytes: Vec<u8> = parts.concat();
            let whole = parse_all(&bytes);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut p = InputParser::new();
            let mut keys = Vec::new();
            let mut at = 0;
            for c in cuts {
                keys.extend(p.feed(&bytes[at..c]));
                at = c;
            }
            keys.extend(p.feed(&bytes[at..]));
            keys.extend(p.flush());
            proptest::prop_assert_eq!(keys, whole);
        }
    }

    #[test]
    fn directives() {
        assert_eq!(parse_directive("write 3 captions"), Directive::Work);
        assert_eq!(parse_directive(" /ask "), Directive::Ask);
        assert_eq!(parse_directive("/crash"), Directive::Crash);
        assert_eq!(parse_directive("/help"), Directive::Help);
        assert_eq!(parse_directive("/exit"), Directive::Exit(0));
        assert_eq!(parse_directive("/exit 3"), Directive::Exit(3));
        assert_eq!(parse_directive("/exit 255"), Directive::Exit(255));
        assert!(matches!(
            parse_directive("/exit 256"),
            Directive::Invalid(_)
        ));
        assert!(matches!(parse_directive("/exit x"), Directive::Invalid(_)));
        assert!(matches!(
            parse_directive("/exit 1 2"),
            Directive::Invalid(_)
        ));
        assert_eq!(parse_directive("/limit"), Directive::Limit(None));
        assert_eq!(parse_directive("/limit off"), Directive::LimitOff);
        assert_eq!(
            parse_directive("/limit 23:59"),
            Directive::Limit(Some((23, 59)))
        );
        assert_eq!(
            parse_directive("/limit 7:05"),
            Directive::Limit(Some((7, 5)))
        );
        assert!(matches!(
            parse_directive("/limit 24:00"),
            Directive::Invalid(_)
        ));
        assert!(matches!(
            parse_directive("/limit 9:5"),
            Directive::Invalid(_)
        ));
        // Unknown commands and multi-line text are work.
        assert_eq!(parse_directive("/deploy now"), Directive::Work);
        assert_eq!(parse_directive("/exit 3\nplease"), Directive::Work);
    }

    #[test]
    fn limit_times() {
        assert_eq!(limit_until(local(15, 0), (23, 59)), local(23, 59));
        // Already past today: tomorrow.
        let t = limit_until(local(15, 0), (9, 30));
        assert_eq!(t, local(9, 30) + chrono::Duration::days(1));
        let t = limit_until(local(15, 0), (15, 0));
        assert_eq!(t, local(15, 0) + chrono::Duration::days(1));
        assert_eq!(
            limit_line(Some((7, 5))),
            "Usage limit reached · resets 07:05"
        );
        assert_eq!(limit_line(None), "Usage limit reached · try again later");
    }

    #[test]
    fn slugs_and_names() {
        assert_eq!(slug("Write 3 captions!"), "write-3-captions");
        assert_eq!(slug("  \n  --Héllo, wörld--  \nmore"), "h-llo-w-rld");
        assert_eq!(slug("日本語"), "directive");
        assert_eq!(slug(""), "directive");
        let long = slug(&"abc ".repeat(40));
        assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
        let at = NaiveDate::from_ymd_opt(2026, 4, 11)
            .unwrap()
            .and_hms_opt(1, 14, 5)
            .unwrap();
        assert_eq!(
            output_file_name(at, "write 3 captions"),
            "20260411-011405-write-3-captions.md"
        );
        assert_eq!(
            task(&format!("{}\nsecond", "x".repeat(100))),
            "x".repeat(80)
        );
        let doc = output_document("Orpheus", "line 1\nline 2", at);
        assert!(doc.starts_with("# line 1\n"));
        assert!(doc.ends_with("line 1\nline 2\n"));
    }

    #[test]
    fn screen_strings() {
        assert_eq!(echo_line("write 3 captions"), "> write 3 captions");
        assert_eq!(echo_line("a\nb\nc\n"), "> a (+2 more lines)");
        assert_eq!(sanitize("a\tb\nc\x1b[31m\x7f"), "a b↵c^[[31m^?");
        let block = vec!["x".repeat(80), String::new(), "中".repeat(41)];
        assert_eq!(rows(&block, 80), 1 + 1 + 2);
        assert_eq!(rows(&[], 80), 0);
        assert_eq!(prompt_line("", 80), "demo> ");
        assert_eq!(prompt_line("hi there", 80), "demo> hi there");
        let long = prompt_line(&"x".repeat(200), 40);
        assert!(long.starts_with("demo> …x"), "{long}");
        assert_eq!(text_width(&long), 39);
        let wide = prompt_line(&"中".repeat(100), 40);
        assert!(text_width(&wide) <= 39, "{wide}");
        let line = busy_line("write 3 captions\nmore", 3, 120);
        assert_eq!(
            line,
            "✻ Working on \"write 3 captions\"… (3s · esc to interrupt)"
        );
        let line = busy_line(&"y".repeat(100), 12, 200);
        assert_eq!(
            line,
            format!(
                "✻ Working on \"{}\"… (12s · esc to interrupt)",
                "y".repeat(40)
            )
        );
        let narrow = busy_line(&"y".repeat(100), 12, 50);
        assert!(text_width(&narrow) <= 49, "{narrow}");
        assert!(narrow.starts_with("✻ Working on \"yyyyyyyy"), "{narrow}");
        assert!(narrow.ends_with("(12s · esc to interrupt)"));
        assert_eq!(
            busy_line("hello", 1, 37),
            "✻ Working… (1s · esc to interrupt)"
        );
        assert_eq!(busy_line("hello", 1, 20), "✻ 1s · esc to interrupt");
        assert_eq!(
            busy_line("hi", 1, 43),
            "✻ Working on \"hi\"… (1s · esc to interrupt)"
        );
        let id = Identity {
            name: "Orpheus".into(),
            role: "copywriter".into(),
            reports_to: "Prometheus".into(),
            standalone: None,
        };
        assert_eq!(
            banner(&id),
            "atlas demo agent · Orpheus (copywriter) · reports to Prometheus"
        );
        assert_eq!(
            done_line(
                "out/Orpheus/x.md",
                &HandoffOutcome::Done("Prometheus".into())
            ),
            "Done: wrote out/Orpheus/x.md · handed off to Prometheus"
        );
        assert_eq!(
            done_line("out/a.md", &HandoffOutcome::Failed("no such thing".into())),
            "Done: wrote out/a.md · handoff failed: no such thing"
        );
    }

    // --- the state machine -------------------------------------------------------------

    struct Sim {
        agent: Agent,
        t0: Instant,
        at: Duration,
        local: NaiveDateTime,
    }

    impl Sim {
        fn new(record: bool) -> Sim {
            let t0 = Instant::now();
            let id = Identity {
                name: "Orpheus".into(),
                role: "copywriter".into(),
                reports_to: "Prometheus".into(),
                standalone: None,
            };
            let settings = Settings {
                work: Duration::from_secs(3),
                start_delay: Duration::from_secs(1),
                record,
            };
            Sim {
                agent: Agent::new(id, settings, t0),
                t0,
                at: Duration::ZERO,
                local: local(15, 0),
            }
        }
        fn now(&self) -> Now {
            Now {
                mono: self.t0 + self.at,
                local: self.local,
            }
        }
        fn advance(&mut self, d: Duration) -> Vec<Effect> {
            self.at += d;
            let now = self.now();
            self.agent.tick(&now)
        }
        fn keys(&mut self, keys: Vec<Key>) -> Vec<Effect> {
            let now = self.now();
            keys.into_iter()
                .flat_map(|k| self.agent.key(k, &now))
                .collect()
        }
        fn typed(&mut self, s: &str) -> Vec<Effect> {
            let mut keys = chars(s);
            keys.push(Key::Enter);
            self.keys(keys)
        }
        fn bottom(&self) -> Vec<String> {
            self.agent.bottom(self.t0 + self.at, 120)
        }
        fn state(&self) -> &'static str {
            self.agent.state_name(&self.now())
        }
    }

    fn line(s: &str) -> Effect {
        Effect::Line(s.into())
    }

    #[test]
    fn starts_then_idles() {
        let mut s = Sim::new(false);
        assert_eq!(s.state(), "starting");
        assert_eq!(s.bottom(), vec![STARTING_LINE]);
        assert_eq!(s.agent.next_tick(s.t0), Some(Duration::from_secs(1)));
        assert!(s.advance(Duration::from_millis(500)).is_empty());
        // Typed while starting: kept and run once started.
        assert_eq!(s.typed("hello"), vec![line("> hello")]);
        let fx = s.advance(Duration::from_millis(500));
        assert_eq!(
            fx[0],
            line("atlas demo agent · Orpheus (copywriter) · reports to Prometheus")
        );
        assert_eq!(fx.last(), Some(&line(HELP_LINE)));
        assert_eq!(s.state(), "busy");
    }

    fn started() -> Sim {
        let mut s = Sim::new(false);
        s.advance(Duration::from_secs(1));
        assert_eq!(s.state(), "idle");
        s
    }

    #[test]
    fn a_brief_from_atlas_is_context_not_work() {
        let mut s = started();
        let brief = crate::supervisor::fill(
            crate::config::BRIEF_TEMPLATE,
            &[
                ("agent", "Orpheus"),
                ("inbox", "nothing"),
                ("recent", "no entries yet"),
                ("config", "/t/atlas.toml"),
            ],
        );
        assert_eq!(parse_directive(&brief), Directive::Context);
        let fx = s.typed(&brief);
        assert_eq!(fx.len(), 2, "{fx:?}");
        assert_eq!(fx[1], line(CONTEXT_LINE));
        assert_eq!(s.state(), "idle");
        // Nothing to finish later: no output file, no handoff.
        assert!(s.advance(Duration::from_secs(10)).is_empty());
    }

    #[test]
    fn a_wake_directive_is_answered_with_its_id_and_keeps_its_task() {
        let wake = crate::supervisor::fill(
            crate::config::WAKE_TEMPLATE,
            &[
                ("agent", "Prometheus"),
                ("id", "[2026-04-11 01:14:05] Orpheus → Prometheus"),
                ("from", "Orpheus"),
                ("status", "DONE"),
                ("task", "write 3 captions"),
                ("count", "1"),
                ("config", "/t/atlas.toml"),
            ],
        );
        assert_eq!(parse_directive(&wake), Directive::Work);
        assert_eq!(task(&wake), "write 3 captions");
        assert_eq!(
            reply_to(&wake).as_deref(),
            Some("[2026-04-11 01:14:05] Orpheus → Prometheus")
        );
        assert!(output_file_name(local(1, 2), &wake).ends_with("-write-3-captions.md"));
        assert_eq!(reply_to("write 3 captions"), None);
        assert_eq!(reply_to("use --re \"\" please"), None);
        assert_eq!(task("(handoff [x] from y)"), "(handoff [x] from y)");
    }

    #[test]
    fn work_busy_done() {
        let mut s = started();
        assert_eq!(s.bottom(), vec!["demo> "]);
        assert_eq!(
            s.typed("write 3 captions"),
            vec![line("> write 3 captions")]
        );
        assert_eq!(s.state(), "busy");
        assert_eq!(
            s.bottom(),
            vec!["✻ Working on \"write 3 captions\"… (0s · esc to interrupt)"]
        );
        assert_eq!(s.agent.next_tick(s.t0 + s.at), Some(Duration::from_secs(1)));
        assert!(s.advance(Duration::from_millis(2500)).is_empty());
        assert_eq!(
            s.bottom(),
            vec!["✻ Working on \"write 3 captions\"… (2s · esc to interrupt)"]
        );
        assert_eq!(
            s.agent.next_tick(s.t0 + s.at),
            Some(Duration::from_millis(500))
        );
        // Typed while busy: kept, shown as the draft afterwards.
        s.keys(chars("next"));
        let fx = s.advance(Duration::from_millis(500));
        assert_eq!(fx, vec![Effect::Finish("write 3 captions".into())]);
        assert_eq!(s.bottom(), vec!["demo> next"]);
        assert_eq!(s.state(), "idle");
    }

    #[test]
    fn enter_while_busy_queues() {
        let mut s = started();
        s.typed("first");
        assert_eq!(s.typed("second"), vec![line("> second")]);
        let fx = s.advance(Duration::from_secs(3));
        assert_eq!(fx, vec![Effect::Finish("first".into())]);
        assert_eq!(s.state(), "busy");
        let fx = s.advance(Duration::from_secs(3));
        assert_eq!(fx, vec![Effect::Finish("second".into())]);
        assert_eq!(s.state(), "idle");
    }

    #[test]
    fn esc_interrupts() {
        let mut s = started();
        s.typed("long job");
        s.typed("queued");
        s.keys(chars("draft"));
        assert_eq!(s.keys(vec![Key::Esc]), vec![line(INTERRUPTED)]);
        assert_eq!(s.state(), "idle");
        assert_eq!(s.agent.draft(), "queued\ndraft");
        // Nothing finishes later.
        assert!(s.advance(Duration::from_secs(5)).is_empty());
        // Esc at the prompt does nothing.
        assert!(s.keys(vec![Key::Esc]).is_empty());
    }

    #[test]
    fn editing_keys() {
        let mut s = started();
        s.keys(vec![
            Key::Char('a'),
            Key::Char('中'),
            Key::Backspace,
            Key::Paste("x\ny".into()),
        ]);
        assert_eq!(s.agent.draft(), "ax\ny");
        assert_eq!(s.bottom(), vec!["demo> ax↵y"]);
        s.keys(vec![Key::CtrlC]);
        assert_eq!(s.agent.draft(), "");
        // Ctrl-D quits only on an empty line.
        s.keys(chars("z"));
        assert!(s.keys(vec![Key::CtrlD]).is_empty());
        s.keys(vec![Key::Backspace]);
        assert_eq!(s.keys(vec![Key::CtrlD]), vec![Effect::Exit(0)]);
        // Blank submissions do nothing.
        let mut s = started();
        assert!(s.typed("   ").is_empty());
        assert_eq!(s.state(), "idle");
    }

    #[test]
    fn ask_question() {
        let mut s = started();
        s.typed("/ask");
        assert_eq!(s.state(), "waiting");
        assert_eq!(s.bottom(), vec![QUESTION, "❯ 1. Yes", "  2. No"]);
        assert!(s.keys(vec![Key::Char('x')]).is_empty());
        s.keys(vec![Key::Down]);
        assert_eq!(s.bottom(), vec![QUESTION, "  1. Yes", "❯ 2. No"]);
        assert_eq!(s.keys(vec![Key::Enter]), vec![line("Answered: No")]);
        assert_eq!(s.state(), "idle");
        for (k, word) in [('1', "Yes"), ('y', "Yes"), ('2', "No"), ('n', "No")] {
            s.typed("/ask");
            assert_eq!(
                s.keys(vec![Key::Char(k)]),
                vec![line(&format!("Answered: {word}"))]
            );
        }
        s.typed("/ask");
        assert_eq!(s.keys(vec![Key::Enter]), vec![line("Answered: Yes")]);
        s.typed("/ask");
        assert_eq!(s.keys(vec![Key::Esc]), vec![line("Answered: No")]);
    }

    #[test]
    fn limits() {
        let mut s = started();
        assert_eq!(
            s.typed("/limit 23:59"),
            vec![
                line("> /limit 23:59"),
                line("Usage limit reached · resets 23:59")
            ]
        );
        assert_eq!(s.state(), "limited");
        assert_eq!(
            s.typed("do work"),
            vec![
                line("> do work"),
                line("Usage limit reached · resets 23:59")
            ]
        );
        assert_eq!(s.state(), "limited");
        s.typed("/ask");
        assert_eq!(s.state(), "limited");
        // Past the reset time, work is done again.
        s.local = local(23, 59);
        assert_eq!(s.typed("do work"), vec![line("> do work")]);
        assert_eq!(s.state(), "busy");

        let mut s = started();
        s.typed("/limit");
        assert_eq!(
            s.typed("x"),
            vec![line("> x"), line("Usage limit reached · try again later")]
        );
        s.local = local(15, 9);
        assert_eq!(s.state(), "limited");
        s.local = local(15, 10);
        assert_eq!(s.state(), "idle");
        s.local = local(15, 0);
        s.typed("/limit");
        s.typed("/limit off");
        s.typed("x");
        assert_eq!(s.state(), "busy");
    }

    #[test]
    fn exits() {
        let mut s = started();
        assert_eq!(s.typed("/exit 3"), vec![line("> /exit 3"), Effect::Exit(3)]);
        let mut s = started();
        assert_eq!(s.typed("/crash"), vec![line("> /crash"), Effect::Exit(1)]);
        let mut s = started();
        let fx = s.typed("/exit nope");
        assert!(matches!(&fx[1], Effect::Line(l) if l.starts_with("/exit:")));
        // Queued behind work: runs when the work is done, and nothing after it.
        let mut s = started();
        s.typed("job");
        s.typed("/exit 4");
        s.typed("never");
        let fx = s.advance(Duration::from_secs(3));
        assert_eq!(fx, vec![Effect::Finish("job".into()), Effect::Exit(4)]);
    }

    #[test]
    fn record_mode() {
        let mut s = Sim::new(true);
        s.advance(Duration::from_secs(1));
        let hostile = "Enter; -x #{pane_id} $(rm -rf ~) 'q' \"d\"\t🚀 中文 עברית";
        let mut keys = chars(hostile);
        keys.push(Key::Enter);
        let fx = s.keys(keys);
        assert_eq!(fx[1], Effect::Record(hostile.into()));
        assert_eq!(s.state(), "idle");
        let fx = s.keys(vec![Key::Paste("a\nb\n".into()), Key::Enter]);
        assert_eq!(
            fx,
            vec![line("> a (+1 more lines)"), Effect::Record("a\nb\n".into())]
        );
        // Nothing is recorded for an empty Enter; blanks are.
        assert!(s.keys(vec![Key::Enter]).is_empty());
        let fx = s.keys(vec![Key::Char(' '), Key::Enter]);
        assert_eq!(fx[1], Effect::Record(" ".into()));
        // Directives are recorded, not obeyed.
        let fx = s.typed("/exit 3");
        assert_eq!(fx[1], Effect::Record("/exit 3".into()));
    }
}
