//! The coordination file (DESIGN §2): reading, rules, writing.
//!
//! The coordination file is atlas's message bus: an append-only markdown log of entries
//! (`## [2026-04-11 01:14] Orpheus → Prometheus` followed by `Key: value` lines). This
//! module is the pure core that reads and writes it:
//!
//! - [`parse`]: a streaming [`Reader`] over any `Read` that hands out borrowed
//!   [`EntryView`]s, never panics, and turns whatever it cannot read into [`Malformed`]
//!   blocks and [`Warning`]s with line numbers; [`parse_str`] for small texts.
//! - [`rules`]: the [`Board`], which takes entries in file order and keeps only what the
//!   rules need (entries still waiting for an answer), answering inboxes and "needs
//!   attention" without holding the whole file in memory.
//! - [`render`]: [`NewEntry`] and [`render()`], with the escaping that makes anything atlas
//!   writes read back unchanged.
//! - [`append`](append()): the one place that writes the file (exclusive lock, one write).
//! - [`lint`]: what `atlas check` reports.
//! - [`cache`]: the incremental cache behind `atlas status`.
//! - [`fast`]: a cold full read for the rules on every core.

use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub mod append;
pub mod cache;
pub mod fast;
pub mod hash;
pub mod lint;
pub mod parse;
pub mod render;
pub mod rules;

pub use append::{append, append_many};
pub use lint::{Finding, Lint, Severity};
pub use parse::{EntryView, Event, Reader, parse_str};
pub use render::{NewEntry, Render, render};
pub use rules::Board;

/// The statuses the rules know (DESIGN §2), matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// The work is done.
    Done,
    /// Work has started.
    InProgress,
    /// Cannot go on without help.
    Blocked,
    /// Tried and failed.
    Failed,
    /// Send back for changes.
    Revision,
    /// Accepted; nothing more to do.
    Approved,
    /// Seen; nothing more to do.
    Ack,
    /// For information; nothing to do.
    Info,
}

impl Status {
    /// Every known status, in the order the design lists them.
    pub const ALL: [Status; 8] = [
        Status::Done,
        Status::InProgress,
        Status::Blocked,
        Status::Failed,
        Status::Revision,
        Status::Approved,
        Status::Ack,
        Status::Info,
    ];

    /// The status as atlas writes it (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "DONE",
            Status::InProgress => "IN_PROGRESS",
            Status::Blocked => "BLOCKED",
            Status::Failed => "FAILED",
            Status::Revision => "REVISION",
            Status::Approved => "APPROVED",
            Status::Ack => "ACK",
            Status::Info => "INFO",
        }
    }

    /// The known status this text names (case-insensitive, surrounding white space
    /// ignored), if any.
    pub fn parse(text: &str) -> Option<Status> {
        let t = parse::trim(text);
        Status::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(t))
    }

    /// Whether an entry with this status asks something of its recipients.
    pub fn is_actionable(self) -> bool {
        !matches!(self, Status::Approved | Status::Ack | Status::Info)
    }

    /// The known statuses as a comma-separated list, for error messages.
    pub fn allowed() -> String {
        Status::ALL.map(Status::as_str).join(", ")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the coordination file, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The header text after `## ` (trailing white space dropped), e.g.
    /// `[2026-04-11 01:14] Orpheus → Prometheus`; `Re:` names entries by it.
    pub id: String,
    /// The header's line number (1-based).
    pub line: usize,
    /// The header's timestamp (seconds are 0 when not written).
    #[serde(with = "time_serde")]
    pub time: NaiveDateTime,
    /// Who wrote it.
    pub from: String,
    /// Its recipients, in header order.
    pub to: Vec<String>,
    /// `Status:` as written, if present.
    pub status: Option<String>,
    /// `Task:`, if present.
    pub task: Option<String>,
    /// `Output:` paths, from every `Output:` line, in order.
    pub output: Vec<String>,
    /// `Notes:`, if present.
    pub notes: Option<String>,
    /// `Re:`: the id of the entry this answers, if present.
    pub re: Option<String>,
    /// Every other `Key: value`, key as written, in file order.
    pub extra: Vec<(String, String)>,
}

impl Entry {
    /// The status, if it is one of the eight known ones.
    pub fn status_kind(&self) -> Option<Status> {
        self.status.as_deref().and_then(Status::parse)
    }

    /// Whether the entry asks something of its recipients: unless its status is
    /// `APPROVED`, `ACK` or `INFO` (an entry without status, or with an unknown one, is
    /// actionable).
    pub fn is_actionable(&self) -> bool {
        self.status_kind().is_none_or(Status::is_actionable)
    }

    /// The header's timestamp exactly as written (`2026-04-11 01:14`).
    pub fn time_text(&self) -> &str {
        self.id
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map_or("", |(t, _)| t)
    }

    /// The id in the form `Re:` values are compared in (see [`normalize_id`]).
    pub fn key(&self) -> String {
        let time = self.time_text();
        let mut s = String::with_capacity(self.id.len() + 4);
        s.push('[');
        s.push_str(time);
        s.push_str("] ");
        s.push_str(&self.from);
        s.push_str(" → ");
        for (i, t) in self.to.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(t);
        }
        s
    }
}

/// A block the reader could not read: a `## [` line that is not a valid header, and the
/// lines after it up to the next header. It is skipped, never glued to another entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Malformed {
    /// The line number of the block's first line (1-based).
    pub line: usize,
    /// That line's text.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Something the reader read, but not quite as the format says (the entry is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The line it is about (1-based).
    pub line: usize,
    /// What is odd about it.
    pub message: String,
}

/// A whole file's worth of reading, for small files and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// The blocks that could not be read, in file order.
    pub malformed: Vec<Malformed>,
    /// Oddities in entries that were kept.
    pub warnings: Vec<Warning>,
}

/// The form in which ids are compared for `Re:`: a leading `## ` dropped, `->` read as
/// `→`, and white space around the names and commas made uniform. Text that is not a
/// header is only trimmed.
pub fn normalize_id(id: &str) -> String {
    let id = id.trim();
    let id = id.strip_prefix("## ").unwrap_or(id).trim_start();
    match parse::parse_header(id) {
        Ok(h) => {
            let to: Vec<&str> = h.to().collect();
            let _ = &h;
            let mut s = String::with_capacity(id.len() + 2);
            s.push('[');
            s.push_str(h.time_text);
            s.push_str("] ");
            s.push_str(h.from);
            s.push_str(" → ");
            for (i, t) in to.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(t);
            }
            s
        }
        Err(_) => id.to_string(),
    }
}

/// Serde for timestamps, as `YYYY-MM-DD HH:MM:SS`.
mod time_serde {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    const FMT: &str = "%Y-%m-%d %H:%M:%S";

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format(FMT))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let s = String::deserialize(d)?;
        NaiveDateTime::parse_from_str(&s, FMT).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
