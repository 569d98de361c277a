//! `atlas report`: the morning report (the shell around [`crate::report`]).
//!
//! Reads the coordination file (streamed), `logs/events.log` (line by line) and the work
//! queues, finds the window, and prints the report or writes it to a file. The supervisor
//! calls [`write_morning_report`] at `[supervisor].report_at`.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Local, NaiveDateTime, TimeDelta, Timelike};

use super::Ctx;
use crate::config::Team;
use crate::coord::Reader;
use crate::error::{Exit, usage};
use crate::events;
use crate::report::{self, Builder, Report, Window};

/// Run `atlas report`.
pub fn run(ctx: &Ctx, args: &crate::cli::ReportArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let from = args.from.as_deref().map(parse_time).transpose()?;
    let to = args.to.as_deref().map(parse_time).transpose()?;
    let since = match args.since.as_deref() {
        Some(s) => Some(crate::duration::parse(s).map_err(|e| usage(format!("--since: {e}")))?),
        None => None,
    };
    let to = to.unwrap_or_else(now);
    let window = match (from, since) {
        (Some(from), _) => Window::new(from, to).ok_or_else(|| {
            usage(format!(
                "the window is empty: --from {} is not before --to {}; give an earlier --from",
                from.format(report::TIME_FORMAT),
                to.format(report::TIME_FORMAT)
            ))
        })?,
        (None, Some(d)) => {
            let d = TimeDelta::from_std(d)
                .ok()
                .filter(|d| d.num_seconds() > 0)
                .ok_or_else(|| usage("--since must be at least one second long"))?;
            Window::new(to - d, to)
                .ok_or_else(|| usage("--since must be at least one second long"))?
        }
        (None, None) => Window::since_last(last_report_end(&team.reports, None), to),
    };
    let r = build(&team, window)?;
    let text = if args.json {
        let mut j = serde_json::to_string_pretty(&r)?;
        j.push('\n');
        j
    } else {
        report::render_markdown(&r)
    };
    match &args.out {
        Some(path) => {
            let path = crate::config::absolute(path, &ctx.cwd);
            write_file(&path, &text)?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(Exit::Success)
}

/// The local time now, to the second.
fn now() -> NaiveDateTime {
    let t = Local::now().naive_local();
    t.with_nanosecond(0).unwrap_or(t)
}

/// A time given on the command line: `2026-04-11 01:14`, `2026-04-11 01:14:05`, the same
/// with `T` for the space, or RFC 3339 (converted to local time).
pub fn parse_time(text: &str) -> Result<NaiveDateTime> {
    let t = text.trim();
    if let Some(v) = crate::coord::parse::parse_time(t) {
        return Ok(v);
    }
    if let Some(v) = crate::coord::parse::parse_time(&t.replacen('T', " ", 1)) {
        return Ok(v);
    }
    if let Ok(v) = DateTime::parse_from_rfc3339(t) {
        return Ok(v.with_timezone(&Local).naive_local());
    }
    Err(usage(format!(
        "`{t}` is not a time; write it as in the coordination file (2026-04-11 01:14) or in RFC 3339 (2026-04-11T01:14:00+02:00)"
    )))
}

/// The end of the newest morning report's window in `reports` (the files
/// `morning-*.md`, newest by name), leaving out the file named `skip`.
pub fn last_report_end(reports: &Path, skip: Option<&str>) -> Option<NaiveDateTime> {
    let mut names: Vec<String> = std::fs::read_dir(reports)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("morning-") && n.ends_with(".md"))
        .filter(|n| Some(n.as_str()) != skip)
        .collect();
    names.sort();
    names.iter().rev().find_map(|n| {
        let f = File::open(reports.join(n)).ok()?;
        let mut first = String::new();
        BufReader::new(f).read_line(&mut first).ok()?;
        Window::from_marker(&first).map(|w| w.to)
    })
}

/// Build the report for a team over a window, reading its files.
pub fn build(team: &Team, window: Window) -> Result<Report> {
    let agents: Vec<String> = team.agents().map(|a| a.name.clone()).collect();
    let mut b = Builder::new(window, &team.operator, &agents);
    let coord = &team.coordination;
    match File::open(coord) {
        Ok(f) => {
            Reader::new(f).visit(|ev| b.coord(ev)).with_context(|| {
                format!("cannot read the coordination file {}", coord.display())
            })?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the coordination file {}", coord.display()));
        }
    }
    let log = events::EventLog::in_dir(&team.logs);
    match File::open(log.path()) {
        Ok(f) => {
            let mut r = BufReader::with_capacity(256 * 1024, f);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = r
                    .read_until(b'\n', &mut line)
                    .with_context(|| format!("cannot read {}", log.path().display()))?;
                if n == 0 {
                    break;
                }
                b.event_line(&String::from_utf8_lossy(&line));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", log.path().display()));
        }
    }
    for q in crate::queue::load_all(&team.queues, agents.iter().map(String::as_str))? {
        b.queue(&q);
    }
    let dir = team.dir.clone();
    Ok(b.finish(&|p: &str| dir.join(p).exists()))
}

/// Write `reports/morning-YYYY-MM-DD.md` (the date of `now`) over the window since the
/// last morning report (another day's), else the last 12 hours, ending at `now`. Returns
/// the file written. The supervisor calls this at `[supervisor].report_at`.
pub fn write_morning_report(team: &Team, now: DateTime<Local>) -> Result<PathBuf> {
    let now = now.naive_local();
    let now = now.with_nanosecond(0).unwrap_or(now);
    let name = format!("morning-{}.md", now.format("%Y-%m-%d"));
    let window = Window::since_last(last_report_end(&team.reports, Some(&name)), now);
    let r = build(team, window)?;
    let path = team.reports.join(name);
    write_file(&path, &report::render_markdown(&r))?;
    Ok(path)
}

/// Write a whole file at once (a temporary file renamed over it), making its folder.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)
        .with_context(|| format!("cannot write the report to {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write the report to {}", path.display())
    })?;
    Ok(())
}
