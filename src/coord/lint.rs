//! What `atlas check` reports about a coordination file.
//!
//! [`Lint`] takes the reader's items in file order and keeps findings with line numbers:
//! malformed blocks are errors; unknown statuses, names not in the team, a `Re:` that
//! names no earlier entry and the reader's own warnings are warnings. It remembers the ids
//! it has seen as 64-bit hashes, so a million entries cost a few megabytes.

use std::collections::HashSet;

use super::Status;
use super::hash::{Fx, id_hash, re_hash};
use super::parse::{EntryView, Event};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something could not be read (`atlas check` exits 1).
    Error,
    /// Read, but odd.
    Warning,
}

/// One thing `atlas check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The line it is about (1-based).
    pub line: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
}

/// The lint of one file, fed item by item.
#[derive(Debug)]
pub struct Lint {
    names: Option<HashSet<String>>,
    seen: HashSet<u64, Fx>,
    /// The findings, in file order.
    pub findings: Vec<Finding>,
    /// How many entries were read.
    pub entries: usize,
}

impl Lint {
    /// A lint that knows the team's names (agents and operator); `None` skips the name
    /// check.
    pub fn new(names: Option<HashSet<String>>) -> Lint {
        Lint {
            names,
            seen: HashSet::default(),
            findings: Vec::new(),
            entries: 0,
        }
    }

    /// Take the next item of the file.
    pub fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Entry(e) => self.entry(e),
            Event::Malformed(m) => self.findings.push(Finding {
                line: m.line,
                severity: Severity::Error,
                message: format!(
                    "malformed entry header `{}`: {}; the block up to the next header is skipped (fix it to `## [YYYY-MM-DD HH:MM] FROM → TO`)",
                    m.text, m.reason
                ),
            }),
            Event::Warning(w) => self.warn(w.line, w.message.clone()),
        }
    }

    fn warn(&mut self, line: usize, message: String) {
        self.findings.push(Finding {
            line,
            severity: Severity::Warning,
            message,
        });
    }

    fn entry(&mut self, e: &EntryView<'_>) {
        self.entries += 1;
        if let Some(s) = e.status()
            && Status::parse(&s).is_none()
        {
            self.warn(
                    e.line,
                    format!(
                        "unknown status `{}`; expected one of {} (the entry is kept and counts as actionable)",
                        s.lines().next().unwrap_or(""),
                        Status::allowed()
                    ),
                );
        }
        if let Some(names) = &self.names {
            let unknown: Vec<&str> = std::iter::once(e.from())
                .chain(e.to())
                .filter(|n| !names.contains(*n))
                .collect();
            for n in unknown {
                self.warn(
                    e.line,
                    format!("`{n}` is not an agent of the team nor the operator"),
                );
            }
        }
        if let Some(re) = e.re()
            && !re_hash(&re).is_some_and(|h| self.seen.contains(&h))
        {
            self.warn(
                e.line,
                format!(
                    "`Re: {}` names no earlier entry; it answers nothing",
                    re.lines().next().unwrap_or("")
                ),
            );
        }
        self.seen
            .insert(id_hash(e.header.time_text, e.header.from, e.to()));
    }

    /// How many errors were found.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// How many warnings were found.
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}
