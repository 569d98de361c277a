//! `atlas teams [--json]`: the teams running on this tmux server.
//!
//! A team is a session with the option `@atlas_config` (set by `atlas up`). One tmux call
//! lists the sessions and every pane; then each team's config and coordination file are
//! read (the inbox through the same cache as `atlas status`). A config that no longer
//! exists or does not parse is shown with what is wrong — its agents counted from their
//! panes, its inbox unknown — and never stops the other teams from being listed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::cli::JsonArgs;
use crate::config::Team;
use crate::error::Exit;
use crate::tcmd;
use crate::tmux::{PaneInfo, TmuxError};

/// One row of `atlas teams --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRow {
    /// The tmux session.
    pub session: String,
    /// Its config file (`@atlas_config`).
    pub config: String,
    /// How many agents the config names (without a usable config: agent panes).
    pub agents: usize,
    /// Agents whose pane runs its program (not dead, not stopped).
    pub up: usize,
    /// The other agents: no pane, dead, failed or stopped.
    pub down: usize,
    /// The sum of the team's inboxes (`null` when the coordination file or config cannot
    /// be read).
    pub inbox: Option<usize>,
    /// What is wrong with the config; the key is there only when something is, so a
    /// healthy team's row has exactly the documented keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether an agent's pane runs its program.
fn is_up(p: &PaneInfo) -> bool {
    !p.dead && !p.stopped && p.state_option != "failed"
}

/// The row of a team whose config was read: its agents counted against the session's
/// panes. `inbox` is its inbox total, when known.
pub fn row(
    session: &str,
    config: &str,
    team: &Team,
    panes: &[PaneInfo],
    inbox: Option<usize>,
) -> TeamRow {
    let agents = team.agents().count();
    let up = team
        .agents()
        .filter(|a| {
            panes
                .iter()
                .any(|p| p.session == session && p.agent == a.name && is_up(p))
        })
        .count();
    TeamRow {
        session: session.to_string(),
        config: config.to_string(),
        agents,
        up,
        down: agents - up,
        inbox,
        error: None,
    }
}

/// The row of a team whose config cannot be used: counted from its agent panes.
pub fn broken_row(session: &str, config: &str, panes: &[PaneInfo], error: String) -> TeamRow {
    let mine: Vec<&PaneInfo> = panes
        .iter()
        .filter(|p| p.session == session && !p.agent.is_empty())
        .collect();
    let up = mine.iter().filter(|p| is_up(p)).count();
    TeamRow {
        session: session.to_string(),
        config: config.to_string(),
        agents: mine.len(),
        up,
        down: mine.len() - up,
        inbox: None,
        error: Some(error),
    }
}

/// The first line of an error, for one row.
fn first_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// One team's row, reading its config and coordination file.
fn team_row(session: &str, config: &str, panes: &[PaneInfo]) -> TeamRow {
    let path = Path::new(config);
    if !path.is_file() {
        return broken_row(
            session,
            config,
            panes,
            "the config file no longer exists".into(),
        );
    }
    let team = match crate::config::load_unchecked(path) {
        Ok(t) => t,
        Err(e) => return broken_row(session, config, panes, first_line(&e)),
    };
    if team.session != session {
        return broken_row(
            session,
            config,
            panes,
            format!(
                "the config now names the session `{}`, not this one",
                team.session
            ),
        );
    }
    let inbox = crate::coord::cache::board(
        &team.coordination,
        &team.logs.join(super::status::CACHE_FILE),
        &team.operator,
    )
    .ok()
    .map(|(b, _)| b.inbox_total());
    row(session, config, &team, panes, inbox)
}

/// Every team on the server, in session order.
pub fn teams(ctx: &Ctx) -> Result<Vec<TeamRow>> {
    const SESSION: &str = "!session ";
    let out = match ctx.tmux.run_batch(&[
        tcmd![
            "list-sessions",
            "-F",
            format!("{SESSION}#{{@atlas_config}}\t#{{session_name}}")
        ],
        tcmd!["list-panes", "-a", "-F", PaneInfo::FORMAT],
    ]) {
        Ok(out) => out,
        Err(TmuxError::NoServer(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut sessions = BTreeMap::new();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix(SESSION)
            && let Some((config, name)) = rest.split_once('\t')
            && !config.is_empty()
        {
            sessions.insert(name.to_string(), config.to_string());
        }
    }
    let panes: Vec<PaneInfo> = out.lines().filter_map(PaneInfo::parse).collect();
    Ok(sessions
        .iter()
        .map(|(s, c)| team_row(s, c, &panes))
        .collect())
}

/// Run `atlas teams`.
pub fn run(ctx: &Ctx, args: &JsonArgs) -> Result<Exit> {
    let rows = teams(ctx)?;
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(Exit::Success);
    }
    if rows.is_empty() {
        crate::outln!("no atlas team runs on this tmux server; start one with `atlas up`")?;
        return Ok(Exit::Success);
    }
    let clean = super::inbox::clean;
    let sw = rows
        .iter()
        .map(|r| r.session.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let cw = rows
        .iter()
        .map(|r| r.config.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    crate::outln!(
        "{:<sw$}  {:<cw$}  {:>6}  {:>4}  {:>4}  {:>5}",
        "SESSION",
        "CONFIG",
        "AGENTS",
        "UP",
        "DOWN",
        "INBOX"
    )?;
    for r in &rows {
        crate::outln!(
            "{:<sw$}  {:<cw$}  {:>6}  {:>4}  {:>4}  {:>5}",
            clean(&r.session),
            clean(&r.config),
            r.agents,
            r.up,
            r.down,
            r.inbox.map_or_else(|| "-".to_string(), |n| n.to_string()),
        )?;
        if let Some(e) = &r.error {
            crate::outln!("{:<sw$}  ! {}", "", clean(e))?;
        }
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(session: &str, agent: &str, dead: bool, stopped: bool) -> PaneInfo {
        PaneInfo {
            id: "%1".into(),
            window_id: "@1".into(),
            window: "w".into(),
            agent: agent.into(),
            dead,
            dead_status: None,
            dead_signal: None,
            pid: Some(1),
            in_mode: false,
            activity: None,
            state_option: String::new(),
            stopped,
            session: session.into(),
            config: String::new(),
        }
    }

    #[test]
    fn counts_agents_up_and_down_against_the_session_panes() {
        let team = crate::config::parse(
            "[team]\nsession = \"t\"\n[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }, { name = \"B\" }, { name = \"C\" }, { name = \"D\" }]\n",
            Path::new("/t/atlas.toml"),
            &|_, _| true,
        )
        .unwrap();
        let panes = vec![
            pane("t", "A", false, false),
            pane("t", "B", true, false),
            pane("t", "C", true, true),
            pane("other", "D", false, false),
        ];
        let r = row("t", "/t/atlas.toml", &team, &panes, Some(3));
        assert_eq!((r.agents, r.up, r.down, r.inbox), (4, 1, 3, Some(3)));
        let b = broken_row("t", "/t/atlas.toml", &panes, "gone".into());
        assert_eq!((b.agents, b.up, b.down, b.inbox), (3, 1, 2, None));
        assert_eq!(b.error.as_deref(), Some("gone"));
    }
}
