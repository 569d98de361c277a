//! `atlas restart AGENT [--fresh]`: respawn an agent's pane with its resume command.

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::RestartArgs;
use crate::config::{Agent, Team};
use crate::error::Exit;
use crate::events::{Event, EventLog, Kind};
use crate::layout;
use crate::tcmd;
use crate::tmux::{Cmd, Tmux};

/// The commands that restart an agent in pane `pane`: respawn with `resume` (or `command`
/// when `fresh`), same cwd and environment, logging kept open, the supervisor's marks
/// cleared.
///
/// tmux 3.3a: `pipe-pane` on a dead pane fails, and a dead pane's pipe closes some time
/// after the respawn, so the pipe is closed and reopened after the respawn.
pub fn restart_commands(
    team: &Team,
    agent: &Agent,
    pane: &str,
    fresh: bool,
    atlas_exe: &std::path::Path,
) -> Vec<Cmd> {
    let mut respawn = tcmd![
        "respawn-pane",
        "-k",
        "-t",
        pane,
        "-c",
        agent.cwd.to_string_lossy()
    ];
    respawn.extend(crate::tcmd!["-e", format!("ATLAS_AGENT={}", agent.name)]);
    respawn.extend(crate::tcmd![
        "-e",
        format!("ATLAS_CONFIG={}", team.path.display())
    ]);
    for (k, v) in &agent.env {
        respawn.push("-e".into());
        respawn.push(format!("{k}={v}"));
    }
    respawn.push("--".into());
    let command = if fresh { &agent.command } else { &agent.resume };
    respawn.extend(layout::pane_argv(command, atlas_exe));
    vec![
        tcmd!["set-option", "-p", "-t", pane, "-u", "@atlas_state"],
        tcmd!["set-option", "-p", "-t", pane, "-u", "@atlas_signal"],
        respawn,
        // A dead pane's pipe closes after a respawn (asynchronously); close it now and
        // open a fresh one, in the same batch, so no output is missed.
        tcmd!["pipe-pane", "-t", pane],
        tcmd![
            "pipe-pane",
            "-o",
            "-t",
            pane,
            layout::pipe_command(atlas_exe, &team.logs, &agent.name)
        ],
    ]
}

/// Restart an agent whose pane is `pane`, and record it in the events log.
pub fn restart_agent(
    tmux: &Tmux,
    team: &Team,
    agent: &Agent,
    pane: &str,
    fresh: bool,
    by: &str,
) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the atlas binary's own path")?;
    tmux.run_batch(&restart_commands(team, agent, pane, fresh, &exe))?;
    let e = Event::now(Kind::Restart, &agent.name)
        .with("pane", pane)
        .with("by", by)
        .with("mode", if fresh { "fresh" } else { "resume" });
    let _ = EventLog::in_dir(&team.logs).append(&e);
    Ok(())
}

/// Run `atlas restart`.
pub fn run(ctx: &Ctx, args: &RestartArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let agent = team.require_agent(&args.agent)?;
    let pane = super::require_pane(ctx, &team, &agent.name)?;
    restart_agent(&ctx.tmux, &team, agent, &pane.id, args.fresh, "operator")?;
    let how = if args.fresh {
        "command"
    } else {
        "resume command"
    };
    let command = if args.fresh {
        &agent.command
    } else {
        &agent.resume
    };
    crate::outln!(
        "restarted {} in {} with its {how}: {}",
        agent.name,
        pane.id,
        shell_words::join(command)
    )?;
    Ok(Exit::Success)
}
