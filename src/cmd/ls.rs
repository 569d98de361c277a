//! `atlas ls [--json]`: one row per agent — name, window, pane, state, inbox count, last
//! activity.
//!
//! The whole table costs two tmux invocations (one `list-panes`, one batched `capture-pane`)
//! plus one `set-option` batch when atlas's memory of a screen changed; see
//! [`crate::state::observe_team`].

use anyhow::Result;
use chrono::{DateTime, Local, SecondsFormat};
use serde::Serialize;

use super::Ctx;
use crate::cli::JsonArgs;
use crate::error::Exit;
use crate::state::{self, Observation, State};

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
    /// Usage limit reset time (RFC 3339), when limited and known.
    pub reset_at: Option<String>,
    /// Its own git worktree (`worktree = true`): the path, or null. Only for a team that
    /// uses worktrees (`Some`); otherwise the key is left out, so the rows have exactly the
    /// documented keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree: Option<Option<String>>,
}

fn rfc3339(t: DateTime<Local>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A row from an observation (`worktree`: see [`Row::worktree`]).
pub fn row(o: &Observation, inbox: usize, worktree: Option<Option<String>>) -> Row {
    Row {
        name: o.agent.clone(),
        window: o.window.clone(),
        pane: o.pane.clone(),
        state: o.state,
        since: o.since.map(rfc3339),
        exit_status: if o.state == State::Dead {
            o.exit_status
        } else {
            None
        },
        inbox,
        reset_at: if o.state == State::Limited {
            o.reset_at.map(rfc3339)
        } else {
            None
        },
        worktree,
    }
}

/// "12s ago", "4m ago", "2h ago", "3d ago".
pub fn ago(t: DateTime<Local>, now: DateTime<Local>) -> String {
    let s = (now - t).num_seconds().max(0);
    match s {
        0..60 => format!("{s}s ago"),
        60..3600 => format!("{}m ago", s / 60),
        3600..86400 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86400),
    }
}

/// The state column: `dead (1)`, `limited (resets 15:00)`, else the word.
pub fn state_cell(o: &Observation) -> String {
    match (o.state, o.exit_status, o.reset_at) {
        (State::Dead, Some(s), _) => format!("dead ({s})"),
        (State::Limited, _, Some(t)) => format!("limited (resets {})", t.format("%H:%M")),
        (s, _, _) => s.to_string(),
    }
}

/// Run `atlas ls`.
pub fn run(ctx: &Ctx, args: &JsonArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let now = Local::now();
    let observations = state::observe_team(&ctx.tmux, &team, now)?;
    // No agent pane found: the session may still run, made by hand (no agent panes to
    // tell its owner); one more call says whose it is.
    if observations.iter().all(|o| o.state == State::Missing) {
        ctx.check_owner(&team)?;
    }
    // Inbox counts through the same cache `atlas status` keeps.
    let counts = match crate::coord::cache::board(
        &team.coordination,
        &team.logs.join(super::status::CACHE_FILE),
        &team.operator,
    ) {
        Ok((board, _)) => board.inbox_counts(),
        Err(e) => {
            crate::errln!(
                "atlas: cannot read the coordination file {}: {e}; inbox counts shown as 0",
                team.coordination.display()
            );
            std::collections::BTreeMap::new()
        }
    };
    let inbox = |agent: &str| counts.get(agent).copied().unwrap_or(0);
    let uses_worktrees = team.agents().any(|a| a.worktree.is_some());
    let worktree = |agent: &str| {
        uses_worktrees.then(|| {
            team.agent(agent)
                .and_then(|a| a.worktree.as_ref())
                .map(|w| w.path.to_string_lossy().into_owned())
        })
    };
    if args.json {
        let rows: Vec<Row> = observations
            .iter()
            .map(|o| row(o, inbox(&o.agent), worktree(&o.agent)))
            .collect();
        crate::outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(Exit::Success);
    }
    let width = observations
        .iter()
        .map(|o| o.agent.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let wwidth = observations
        .iter()
        .map(|o| o.window.len())
        .max()
        .unwrap_or(6)
        .max(6);
    // The worktree column only for a team that uses worktrees, as a path from the config's
    // folder (`worktrees/NAME`).
    let worktrees = uses_worktrees;
    let shown_worktree = |agent: &str| -> String {
        team.agent(agent)
            .and_then(|a| a.worktree.as_ref())
            .map_or_else(
                || "-".to_string(),
                |w| {
                    w.path
                        .strip_prefix(&team.dir)
                        .unwrap_or(&w.path)
                        .display()
                        .to_string()
                },
            )
    };
    let mut header = format!(
        "{:<width$}  {:<wwidth$}  {:<5}  {:<24}  {:>5}  {:<9}",
        "NAME", "WINDOW", "PANE", "STATE", "INBOX", "ACTIVITY"
    );
    if worktrees {
        header.push_str("  WORKTREE");
    }
    crate::outln!("{}", header.trim_end())?;
    for o in &observations {
        let mut line = format!(
            "{:<width$}  {:<wwidth$}  {:<5}  {:<24}  {:>5}  {:<9}",
            o.agent,
            o.window,
            o.pane.as_deref().unwrap_or("-"),
            state_cell(o),
            inbox(&o.agent),
            o.last_change
                .map_or_else(|| "-".to_string(), |t| ago(t, now)),
        );
        if worktrees {
            line.push_str("  ");
            line.push_str(&shown_worktree(&o.agent));
        }
        crate::outln!("{}", line.trim_end())?;
    }
    Ok(Exit::Success)
}
