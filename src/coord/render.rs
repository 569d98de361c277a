//! Writing entries: [`NewEntry`], [`render()`], and the escaping that makes anything atlas
//! writes read back unchanged.
//!
//! The escaping rule: a value line that would not read back as itself — a first line that
//! starts or ends with white space, a continuation line that is blank, ends with white
//! space, looks like `Key: value` or like a header (`## [`), or any line that starts with
//! a backslash — is written with a backslash in front, and with a backslash after it too
//! when it ends with white space or a backslash. The reader drops both. An `Output:` path
//! that holds a comma or a newline, or is empty, has its first line escaped, which makes
//! it one path rather than a comma-separated list.

use std::fmt::Write as _;

use chrono::NaiveDateTime;

use super::Entry;
use super::parse::{is_header_line, key_line};

/// An entry to write (what `atlas handoff` builds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// The timestamp written in the header (with seconds).
    pub time: NaiveDateTime,
    /// The sender.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// `Status:`.
    pub status: Option<String>,
    /// `Task:`.
    pub task: Option<String>,
    /// `Output:` paths, one line each.
    pub output: Vec<String>,
    /// `Notes:`.
    pub notes: Option<String>,
    /// `Re:`: the id of the entry this answers.
    pub re: Option<String>,
    /// Other `Key: value` lines.
    pub extra: Vec<(String, String)>,
}

impl NewEntry {
    /// The id the entry will have: `[YYYY-MM-DD HH:MM:SS] FROM → TO, TO`.
    pub fn id(&self) -> String {
        format!(
            "[{}] {} → {}",
            self.time.format("%Y-%m-%d %H:%M:%S"),
            self.from,
            self.to.join(", ")
        )
    }

    /// Why the entry cannot be written so that it reads back, if it cannot: a name that is
    /// empty or holds a comma, an arrow, white space at its ends or a line break; no
    /// recipient; an extra key that is not a key.
    pub fn problem(&self) -> Option<String> {
        let bad_name = |n: &str| {
            n.is_empty()
                || n.trim() != n
                || n.contains([',', '\n', '\r', '→', '[', ']'])
                || n.contains("->")
                || n.chars().any(char::is_control)
        };
        if bad_name(&self.from) {
            return Some(format!(
                "the sender name `{}` cannot be written in a header",
                self.from
            ));
        }
        if self.to.is_empty() {
            return Some("an entry needs at least one recipient".into());
        }
        if let Some(n) = self.to.iter().find(|n| bad_name(n)) {
            return Some(format!(
                "the recipient name `{n}` cannot be written in a header"
            ));
        }
        for (k, _) in &self.extra {
            let probe = format!("{k}: x");
            if key_line(&probe).map(|(key, _)| key) != Some(k.as_str()) {
                return Some(format!("`{k}` is not a key (letters, digits, `_`, `-`)"));
            }
        }
        None
    }
}

/// Something that can be written as an entry.
pub trait Render {
    /// The entry's text, a header line and its `Key: value` lines, each ending with `\n`.
    fn render(&self) -> String;
}

impl Render for NewEntry {
    fn render(&self) -> String {
        let fields = Fields {
            status: self.status.as_deref(),
            task: self.task.as_deref(),
            output: &self.output,
            notes: self.notes.as_deref(),
            re: self.re.as_deref(),
            extra: &self.extra,
        };
        fields.render(&self.id())
    }
}

impl Render for Entry {
    /// Written with its id as the header text.
    fn render(&self) -> String {
        let fields = Fields {
            status: self.status.as_deref(),
            task: self.task.as_deref(),
            output: &self.output,
            notes: self.notes.as_deref(),
            re: self.re.as_deref(),
            extra: &self.extra,
        };
        fields.render(&self.id)
    }
}

/// The text of an entry (see [`Render`]).
pub fn render<T: Render + ?Sized>(entry: &T) -> String {
    entry.render()
}

struct Fields<'a> {
    status: Option<&'a str>,
    task: Option<&'a str>,
    output: &'a [String],
    notes: Option<&'a str>,
    re: Option<&'a str>,
    extra: &'a [(String, String)],
}

impl Fields<'_> {
    fn render(&self, id: &str) -> String {
        let mut out = String::with_capacity(128);
        let _ = writeln!(out, "## {id}");
        if let Some(v) = self.status {
            write_value(&mut out, "Status", v, false);
        }
        if let Some(v) = self.task {
            write_value(&mut out, "Task", v, false);
        }
        for p in self.output {
            let whole = p.is_empty() || p.contains([',', '\n']);
            write_value(&mut out, "Output", p, whole);
        }
        if let Some(v) = self.notes {
            write_value(&mut out, "Notes", v, false);
        }
        if let Some(v) = self.re {
            write_value(&mut out, "Re", v, false);
        }
        for (k, v) in self.extra {
            write_value(&mut out, k, v, false);
        }
        out
    }
}

/// Whether the first line of a value must be escaped to read back as itself.
fn first_needs_escape(line: &str) -> bool {
    line.starts_with(char::is_whitespace)
        || line.ends_with(char::is_whitespace)
        || line.starts_with('\\')
}

/// Whether a continuation line must be escaped to read back as itself.
fn continuation_needs_escape(line: &str) -> bool {
    line.trim_start().is_empty()
        || line.ends_with(char::is_whitespace)
        || line.starts_with('\\')
        || is_header_line(line)
        || key_line(line).is_some()
}

fn push_escaped(out: &mut String, line: &str) {
    out.push('\\');
    out.push_str(line);
    if line.ends_with(char::is_whitespace) || line.ends_with('\\') {
        out.push('\\');
    }
}

fn write_value(out: &mut String, key: &str, value: &str, force_escape: bool) {
    let mut lines = value.split('\n');
    let first = lines.next().unwrap_or("");
    out.push_str(key);
    out.push(':');
    if force_escape || first_needs_escape(first) {
        out.push(' ');
        push_escaped(out, first);
    } else if !first.is_empty() {
        out.push(' ');
        out.push_str(first);
    }
    out.push('\n');
    for line in lines {
        if continuation_needs_escape(line) {
            push_escaped(out, line);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
}
