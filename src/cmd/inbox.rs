//! `atlas inbox`: an agent's inbox, oldest first.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::Ctx;
use crate::coord::{Board, Entry, Event, Reader};
use crate::error::Exit;

/// One inbox entry as `--json` prints it (DESIGN §3).
#[derive(Debug, Serialize)]
pub struct JsonEntry<'a> {
    /// The header text after `## `.
    pub id: &'a str,
    /// The header's line number.
    pub line: usize,
    /// The timestamp as written.
    pub time: &'a str,
    /// The sender.
    pub from: &'a str,
    /// The recipients.
    pub to: &'a [String],
    /// `Status:` as written.
    pub status: Option<&'a str>,
    /// `Task:`.
    pub task: Option<&'a str>,
    /// `Output:` paths.
    pub output: &'a [String],
    /// `Notes:`.
    pub notes: Option<&'a str>,
    /// `Re:`.
    pub re: Option<&'a str>,
}

impl<'a> From<&'a Entry> for JsonEntry<'a> {
    fn from(e: &'a Entry) -> Self {
        JsonEntry {
            id: &e.id,
            line: e.line,
            time: e.time_text(),
            from: &e.from,
            to: &e.to,
            status: e.status.as_deref(),
            task: e.task.as_deref(),
            output: &e.output,
            notes: e.notes.as_deref(),
            re: e.re.as_deref(),
        }
    }
}

/// Read the whole coordination file into a board (a missing file is an empty one).
pub fn read_board(path: &Path, operator: &str) -> Result<Board> {
    let mut board = Board::new(operator);
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(board),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the coordination file {}", path.display()));
        }
    };
    Reader::new(file)
        .warnings(false)
        .visit(|ev| {
            if let Event::Entry(e) = ev {
                board.add_view(e);
            }
        })
        .with_context(|| format!("cannot read the coordination file {}", path.display()))?;
    Ok(board)
}

/// Text for a terminal: control characters other than newline and tab removed.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

fn indent(value: &str) -> String {
    clean(value).replace('\n', "\n    ")
}

/// Run `atlas inbox`.
pub fn run(ctx: &Ctx, args: &crate::cli::InboxArgs) -> Result<Exit> {
    let team = ctx.team()?;
    if !team.knows(&args.agent) {
        return Err(super::handoff::unknown_name(&team, "the name", &args.agent));
    }
    let board = read_board(&team.coordination, &team.operator)?;
    let inbox = board.inbox(&args.agent);
    let mut out = std::io::stdout().lock();
    if args.json {
        let list: Vec<JsonEntry> = inbox.iter().map(|e| JsonEntry::from(*e)).collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
        return Ok(Exit::Success);
    }
    if inbox.is_empty() {
        writeln!(out, "{}'s inbox is empty.", clean(&args.agent))?;
        return Ok(Exit::Success);
    }
    for (i, e) in inbox.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}  (line {})", clean(&e.id), e.line)?;
        if let Some(s) = &e.status {
            writeln!(out, "  Status: {}", indent(s))?;
        }
        if let Some(s) = &e.task {
            writeln!(out, "  Task: {}", indent(s))?;
        }
        if !e.output.is_empty() {
            writeln!(out, "  Output: {}", indent(&e.output.join(", ")))?;
        }
        if let Some(s) = &e.notes {
            writeln!(out, "  Notes: {}", indent(s))?;
        }
        if let Some(s) = &e.re {
            writeln!(out, "  Re: {}", indent(s))?;
        }
    }
    Ok(Exit::Success)
}
