//! `atlas ls [--json]`: one row per agent.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::cli::JsonArgs;
use crate::error::Exit;
use crate::state::{self, State};
use crate::tmux::TmuxError;

/// One row of `atlas ls --json`.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Agent name.
    pub name: String,
    /// Its window.
    pub window: String,
    /// Pane id, or null.
    pub pane: Option<String>,
    /// State word.
    pub state: State,
    /// Since when (RFC 3339), if known.
    pub since: Option<String>,
    /// Exit status, when dead.
    pub exit_status: Option<i32>,
    /// Inbox count.
    pub inbox: usize,
    /// Usage limit reset time, when limited.
    pub reset_at: Option<String>,
}

/// Run `atlas ls`.
pub fn run(ctx: &Ctx, args: &JsonArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let panes = match ctx.tmux.panes(&team.session) {
        Ok(p) => p,
        Err(TmuxError::NoServer(_) | TmuxError::NoSession(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let rows: Vec<Row> = team
        .agents()
        .map(|a| {
            let pane = panes.iter().find(|p| p.agent == a.name);
            let st = state::from_pane(pane);
            Row {
                name: a.name.clone(),
                window: a.window.clone(),
                pane: pane.map(|p| p.id.clone()),
                state: st,
                since: None,
                exit_status: pane
                    .filter(|p| p.dead)
                    .and_then(|p| p.dead_status.or(p.dead_signal.map(|s| 128 + s))),
                inbox: 0,
                reset_at: None,
            }
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(Exit::Success);
    }
    println!(
        "{:<14} {:<10} {:<6} {:<12} {:>5}",
        "NAME", "WINDOW", "PANE", "STATE", "INBOX"
    );
    for r in &rows {
        let state = match (r.state, r.exit_status) {
            (State::Dead, Some(s)) => format!("dead ({s})"),
            (s, _) => s.to_string(),
        };
        println!(
            "{:<14} {:<10} {:<6} {:<12} {:>5}",
            r.name,
            r.window,
            r.pane.as_deref().unwrap_or("-"),
            state,
            r.inbox
        );
    }
    Ok(Exit::Success)
}
