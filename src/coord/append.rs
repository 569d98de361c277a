//! Appending entries: the one place atlas writes the coordination file.
//!
//! The file is opened for appending and locked exclusively (`File::lock`, an advisory
//! `flock` that every atlas process takes), and the whole entry goes in one `write`, so
//! concurrent writers never interleave or lose entries. Several entries written together
//! ([`append_many`], e.g. by `atlas ack --all`) go in one write under one lock. A blank
//! line separates each entry from what came before, and a missing final newline is
//! supplied first.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::render::{NewEntry, Render};

/// Append `entry` to the coordination file at `path` (created when missing), under an
/// exclusive lock, in one write. Returns the new entry's id.
pub fn append(path: &Path, entry: &NewEntry) -> Result<String> {
    let mut ids = append_many(path, std::slice::from_ref(entry))?;
    Ok(ids.pop().unwrap_or_default())
}

/// Append several entries (in order) under one exclusive lock, in one write: all or none
/// (an entry that cannot be written so that it reads back refuses the lot). Returns their
/// ids.
pub fn append_many(path: &Path, entries: &[NewEntry]) -> Result<Vec<String>> {
    if let Some(problem) = entries.iter().find_map(NewEntry::problem) {
        return Err(crate::error::usage(problem));
    }
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let texts: Vec<String> = entries.iter().map(Render::render).collect();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot open the coordination file {} for appending; check that its folder exists and is writable",
                path.display()
            )
        })?;
    file.lock()
        .with_context(|| format!("cannot lock the coordination file {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut tail = [0u8; 2];
    let mut lead = "";
    if len > 0 {
        let n = len.min(2);
        file.seek(SeekFrom::Start(len - n))?;
        file.read_exact(&mut tail[..n as usize])?;
        let tail = &tail[..n as usize];
        lead = if tail.ends_with(b"\n\n") || tail == b"\n" {
            ""
        } else if tail.ends_with(b"\n") {
            "\n"
        } else {
            "\n\n"
        };
    }
    let mut buf =
        String::with_capacity(lead.len() + texts.iter().map(|t| t.len() + 1).sum::<usize>());
    buf.push_str(lead);
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            buf.push('\n');
        }
        buf.push_str(text);
    }
    file.write_all(buf.as_bytes())
        .with_context(|| format!("cannot write to the coordination file {}", path.display()))?;
    file.unlock()
        .with_context(|| format!("cannot unlock the coordination file {}", path.display()))?;
    Ok(entries.iter().map(NewEntry::id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::parse_str;

    fn entry(to: &str, re: &str) -> NewEntry {
        NewEntry {
            time: chrono::NaiveDate::from_ymd_opt(2026, 4, 11)
                .unwrap()
                .and_hms_opt(1, 14, 5)
                .unwrap(),
            from: "human".into(),
            to: vec![to.into()],
            status: Some("ACK".into()),
            task: Some("x".into()),
            output: Vec::new(),
            notes: None,
            re: Some(re.into()),
            extra: Vec::new(),
        }
    }

    #[test]
    fn many_entries_go_in_one_write_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.md");
        std::fs::write(&path, "## [2026-04-11 01:00] A → human\nTask: a").unwrap();
        let ids = append_many(&path, &[entry("A", "r1"), entry("B", "r2")]).unwrap();
        assert_eq!(
            ids,
            [
                "[2026-04-11 01:14:05] human → A",
                "[2026-04-11 01:14:05] human → B"
            ]
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let p = parse_str(&text);
        assert_eq!(p.entries.len(), 3, "{text}");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.entries[2].re.as_deref(), Some("r2"));
        assert!(
            text.contains("Task: a\n\n## [2026-04-11 01:14:05] human → A\n"),
            "{text}"
        );
        assert!(
            text.contains("Re: r1\n\n## [2026-04-11 01:14:05] human → B\n"),
            "{text}"
        );
    }

    #[test]
    fn one_bad_entry_refuses_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.md");
        let mut bad = entry("B", "r2");
        bad.to = Vec::new();
        assert!(append_many(&path, &[entry("A", "r1"), bad]).is_err());
        assert!(!path.exists());
    }
}
