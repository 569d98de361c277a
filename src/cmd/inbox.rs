//! `atlas inbox`: an agent's inbox, oldest first.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::Ctx;
use crate::coord::Board;
use crate::error::Exit;
use crate::report::EntryItem;

/// Read the whole coordination file into a board (a missing file is an empty one).
pub fn read_board(path: &Path, operator: &str) -> Result<Board> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Board::new(operator)),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the coordination file {}", path.display()));
        }
    };
    let board = crate::coord::fast::read_board(file, operator)
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
        // The same shape as the report's entries (DESIGN §3).
        let list: Vec<EntryItem> = inbox.iter().map(|e| EntryItem::from(*e)).collect();
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
