//! Appending an entry: the one place atlas writes the coordination file.
//!
//! The file is opened for appending and locked exclusively (`File::lock`, an advisory
//! `flock` that every atlas process takes), and the whole entry goes in one `write`, so
//! concurrent writers never interleave or lose entries. A blank line separates the entry
//! from what came before, and a missing final newline is supplied first.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::render::{NewEntry, Render};

/// Append `entry` to the coordination file at `path` (created when missing), under an
/// exclusive lock, in one write. Returns the new entry's id.
pub fn append(path: &Path, entry: &NewEntry) -> Result<String> {
    if let Some(problem) = entry.problem() {
        return Err(crate::error::usage(problem));
    }
    let text = entry.render();
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
    let mut buf = String::with_capacity(lead.len() + text.len());
    buf.push_str(lead);
    buf.push_str(&text);
    file.write_all(buf.as_bytes())
        .with_context(|| format!("cannot write to the coordination file {}", path.display()))?;
    file.unlock()
        .with_context(|| format!("cannot unlock the coordination file {}", path.display()))?;
    Ok(entry.id())
}
