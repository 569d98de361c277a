//! `atlas logs AGENT [-n N] [-f]`: the agent's log, escape codes removed; `-f` follows
//! across restarts (same daily file) and days (the next file).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use super::Ctx;
use crate::cli::LogsArgs;
use crate::error::Exit;

/// Terminal output made readable: escape sequences removed (a maintained crate does the
/// parsing), carriage-return overwrites resolved to what the terminal ended up showing,
/// other control characters dropped.
pub fn clean(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, line) in raw.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // What a terminal ends up showing after carriage returns: the last non-empty part.
        let shown = line
            .split(|b| *b == b'\r')
            .rev()
            .map(|part| String::from_utf8_lossy(&strip_ansi_escapes::strip(part)).into_owned())
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        out.extend(shown.chars().filter(|c| !c.is_control() || *c == '\t'));
    }
    out
}

/// The agent's daily log files, oldest first.
pub fn log_files(dir: &Path, agent: &str) -> Vec<PathBuf> {
    let prefix = format!("{agent}-");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(".log"))
                    .is_some_and(|date| {
                        date.len() == 10
                            && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
                    })
            })
        })
        .collect();
    files.sort();
    files
}

/// The last `n` non-empty lines of the agent's logs (reaching back across days).
pub fn tail(files: &[PathBuf], n: usize) -> Result<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    for f in files.iter().rev() {
        let raw = std::fs::read(f)?;
        let mut these: Vec<String> = clean(&raw)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim_end().to_string())
            .collect();
        these.append(&mut lines);
        lines = these;
        if lines.len() >= n {
            break;
        }
    }
    let start = lines.len().saturating_sub(n);
    Ok(lines.split_off(start))
}

/// Run `atlas logs`.
pub fn run(ctx: &Ctx, args: &LogsArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let agent = team.require_agent(&args.agent)?;
    let files = log_files(&team.logs, &agent.name);
    if files.is_empty() && !args.follow {
        anyhow::bail!(
            "no log for `{}` in {} yet; logs start when `atlas up` starts the agent",
            agent.name,
            team.logs.display()
        );
    }
    let mut out = std::io::stdout().lock();
    for l in tail(&files, args.lines)? {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    if args.follow {
        follow(&team.logs, &agent.name, files.last().cloned(), &mut out)?;
    }
    Ok(Exit::Success)
}

/// Print what is appended to the newest log, moving to a newer day's file when one appears.
fn follow(dir: &Path, agent: &str, start: Option<PathBuf>, out: &mut impl Write) -> Result<()> {
    let mut file = start;
    let mut pos = file
        .as_ref()
        .and_then(|f| std::fs::metadata(f).ok())
        .map_or(0, |m| m.len());
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let mut progressed = false;
        if let Some(f) = &file {
            if let Ok(mut h) = std::fs::File::open(f) {
                let len = h.metadata().map_or(0, |m| m.len());
                if len < pos {
                    pos = 0; // truncated: read it again from the start
                }
                if len > pos {
                    h.seek(SeekFrom::Start(pos))?;
                    let mut buf = Vec::new();
                    h.take(len - pos).read_to_end(&mut buf)?;
                    pos = len;
                    pending.extend_from_slice(&buf);
                    progressed = true;
                }
            }
        }
        if let Some(cut) = pending.iter().rposition(|b| *b == b'\n') {
            let complete: Vec<u8> = pending.drain(..=cut).collect();
            for l in clean(&complete).lines() {
                if !l.trim().is_empty() {
                    writeln!(out, "{}", l.trim_end())?;
                }
            }
            out.flush()?;
        }
        if !progressed {
            let newest = log_files(dir, agent).pop();
            if newest.is_some() && newest != file {
                if !pending.is_empty() {
                    writeln!(out, "{}", clean(&pending).trim_end())?;
                    pending.clear();
                }
                file = newest;
                pos = 0;
                continue;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_escapes_and_overwrites() {
        let raw = b"\x1b[1;31mred\x1b[0m text\r\n\x1b]0;title\x07spin 1\rspin 2\rdone\n\x1b[?2004hok\x07\n";
        assert_eq!(clean(raw), "red text\ndone\nok\n");
    }

    #[test]
    fn finds_daily_files_in_order() {
        let d = tempfile::tempdir().unwrap();
        for f in [
            "A-2026-01-02.log",
            "A-2026-01-01.log",
            "AB-2026-01-01.log",
            "A-x.log",
        ] {
            std::fs::write(d.path().join(f), "x\n").unwrap();
        }
        let files = log_files(d.path(), "A");
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["A-2026-01-01.log", "A-2026-01-02.log"]);
    }

    #[test]
    fn tail_reaches_back_across_days() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("A-2026-01-01.log"), "one\ntwo\n").unwrap();
        std::fs::write(d.path().join("A-2026-01-02.log"), "three\n").unwrap();
        let files = log_files(d.path(), "A");
        assert_eq!(tail(&files, 2).unwrap(), ["two", "three"]);
    }
}
