//! What `atlas check` reports about a coordination file.
//!
//! [`Lint`] takes the reader's items in file order and keeps findings with line numbers:
//! malformed blocks are errors; unknown statuses, names not in the team, a `Re:` that
//! names no earlier entry, unknown field names and the reader's own warnings are warnings.
//! It remembers the ids it has seen as 64-bit hashes, so a million entries cost a few
//! megabytes.
//!
//! An unknown field name close to a known one (`Stauts`, `Taks`, `Note`: see
//! [`nearest_field`]) is a misspelling that silently changes what the entry means (no
//! `Status:` makes it actionable), so it is reported on every line it appears, with the
//! field it was probably meant to be. Any other unknown field is kept as DESIGN §2 says and
//! reported once, at its first line, so a team that adds its own fields is told once.

use std::collections::HashSet;

use super::Status;
use super::hash::{Fx, id_hash, re_hash};
use super::parse::{EntryView, Event};

/// The fields atlas reads, as it writes them.
pub const KNOWN_FIELDS: [&str; 5] = ["Status", "Task", "Output", "Notes", "Re"];

/// The known field an unknown one is probably a misspelling of: the nearest by edit
/// distance (adjacent transpositions count as one edit, case is ignored), if it is within
/// one edit for names of up to four characters and two for longer ones.
pub fn nearest_field(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    let limit = if key.chars().count() <= 4 { 1 } else { 2 };
    KNOWN_FIELDS
        .iter()
        .map(|k| (edit_distance(&key, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The optimal-string-alignment distance between two strings: insertions, deletions,
/// substitutions and transpositions of two neighbours each cost one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

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
    /// Unknown field names (lower case) far from every known one, already reported.
    extra_keys: HashSet<String>,
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
            extra_keys: HashSet::new(),
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
        for (key, line) in e.unknown_keys() {
            self.unknown_key(key, line);
        }
        self.seen
            .insert(id_hash(e.header.time_text, e.header.from, e.to()));
    }

    fn unknown_key(&mut self, key: &str, line: usize) {
        if let Some(known) = nearest_field(key) {
            let effect = match known {
                "Status" => "the entry is read as having no status, so it counts as actionable",
                "Re" => "the entry is read as answering nothing",
                _ => "its value is kept but not read as that field",
            };
            self.warn(
                line,
                format!("unknown field `{key}`: did you mean `{known}`? ({effect})"),
            );
        } else if self.extra_keys.insert(key.to_ascii_lowercase()) {
            self.warn(
                line,
                format!(
                    "unknown field `{key}` (kept as written; the fields atlas reads are {}); not reported again for later entries",
                    KNOWN_FIELDS.join(", ")
                ),
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::Reader;

    fn lint(text: &str) -> Vec<Finding> {
        let mut l = Lint::new(None);
        Reader::new(text.as_bytes())
            .visit(|ev| l.event(&ev))
            .unwrap();
        l.findings
    }

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("stauts", "status"), 1);
        assert_eq!(edit_distance("state", "status"), 2);
        assert_eq!(edit_distance("", "re"), 2);
        assert_eq!(edit_distance("notes", "notes"), 0);
    }

    #[test]
    fn misspelt_fields_name_the_nearest_known_one() {
        assert_eq!(nearest_field("Stauts"), Some("Status"));
        assert_eq!(nearest_field("STATE"), Some("Status"));
        assert_eq!(nearest_field("Taks"), Some("Task"));
        assert_eq!(nearest_field("Note"), Some("Notes"));
        assert_eq!(nearest_field("Outputs"), Some("Output"));
        assert_eq!(nearest_field("Ref"), Some("Re"));
        assert_eq!(nearest_field("To"), None);
        assert_eq!(nearest_field("Tags"), None);
        assert_eq!(nearest_field("Branch"), None);
    }

    #[test]
    fn an_unknown_field_is_a_warning_at_its_own_line() {
        let text = "## [2026-04-11 01:14] A → B\nTask: x\nStauts: DONE\nBranch: b1\n\n## [2026-04-11 01:15] A → B\nBranch: b2\nStauts: DONE\n";
        let f = lint(text);
        let lines: Vec<(usize, &str)> = f.iter().map(|f| (f.line, f.message.as_str())).collect();
        assert_eq!(f.len(), 3, "{lines:?}");
        assert!(f.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(f[0].line, 3);
        assert!(
            f[0].message
                .starts_with("unknown field `Stauts`: did you mean `Status`?"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("actionable"), "{}", f[0].message);
        assert_eq!(f[1].line, 4);
        assert!(
            f[1].message.starts_with("unknown field `Branch` (kept"),
            "{}",
            f[1].message
        );
        // The misspelling is reported again; the team's own field is not.
        assert_eq!(f[2].line, 8);
        assert!(f[2].message.contains("`Stauts`"));
    }
}
