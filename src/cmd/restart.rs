//! `atlas restart AGENT [--fresh]`: respawn an agent's pane with its resume command.

use std::collections::BTreeSet;

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::RestartArgs;
use crate::config::{Agent, Team};
use crate::error::Exit;
use crate::events::{Event, EventLog, Kind};
use crate::launch::{self, Launch, Which};
use crate::layout;
use crate::tcmd;
use crate::tmux::{Cmd, PaneInfo, Tmux};

/// The commands that restart an agent in pane `pane`: respawn with `resume` (or `command`
/// when `fresh`), same cwd, environment, PATH and hooks as `up` gives it (see
/// [`crate::launch`]), logging kept open, the supervisor's marks cleared. `epoch`: a new
/// `@atlas_epoch` (the operator's restart starts a fresh crash count).
///
/// tmux 3.3a: `pipe-pane` on a dead pane fails, and a dead pane's pipe closes some time
/// after the respawn, so the pipe is closed and reopened after the respawn.
pub fn restart_commands(
    team: &Team,
    agent: &Agent,
    pane: &str,
    fresh: bool,
    launch: &Launch<'_>,
    epoch: Option<i64>,
) -> Vec<Cmd> {
    let mut respawn = tcmd![
        "respawn-pane",
        "-k",
        "-t",
        pane,
        "-c",
        // tmux expands `-c` as a format.
        crate::escape::tmux_format(&agent.cwd.to_string_lossy())
    ];
    let which = if fresh { Which::Command } else { Which::Resume };
    let start = launch::start(agent, team, which, launch, &|p| std::fs::read_to_string(p));
    respawn.extend(start.env);
    respawn.push("--".into());
    respawn.extend(start.argv);
    let mut cmds = vec![
        tcmd!["set-option", "-p", "-t", pane, "-u", "@atlas_state"],
        tcmd!["set-option", "-p", "-t", pane, "-u", "@atlas_signal"],
        tcmd![
            "set-option",
            "-p",
            "-t",
            pane,
            launch::OPT_PATH,
            launch::agent_path(agent, launch.base_path, launch.atlas_exe)
        ],
    ];
    if let Some(ms) = epoch {
        cmds.push(tcmd![
            "set-option",
            "-p",
            "-t",
            pane,
            layout::OPT_EPOCH,
            ms.to_string()
        ]);
    }
    cmds.extend([
        // The old program's screen goes with it: until the new one draws its own, the pane
        // is blank (`starting`), so nobody reads the old input line as the new one's.
        tcmd!["send-keys", "-R", "-t", pane],
        respawn,
        // A dead pane's pipe closes after a respawn (asynchronously); close it now and
        // open a fresh one, in the same batch, so no output is missed.
        tcmd!["pipe-pane", "-t", pane],
        tcmd![
            "pipe-pane",
            "-o",
            "-t",
            pane,
            layout::pipe_command(launch.atlas_exe, &team.logs, &agent.name)
        ],
    ]);
    cmds
}

/// The PATH an agent was first started with (`@atlas_path`), else this process's own.
pub fn base_path(tmux: &Tmux, pane: &str) -> String {
    tmux.run(&tcmd![
        "show-options",
        "-p",
        "-qv",
        "-t",
        pane,
        launch::OPT_PATH
    ])
    .ok()
    .map(|s| s.trim_end_matches('\n').to_string())
    .filter(|s| !s.is_empty())
    .unwrap_or_else(|| std::env::var("PATH").unwrap_or_default())
}

/// Restart an agent in its pane, and record it in the events log. `by` is `operator` or
/// `supervisor`; the operator's restart starts a fresh crash count.
///
/// Returns the processes of the agent's last run that may outlive the respawn (its whole
/// process tree, found before the respawn): the caller ends them with
/// [`crate::proctree::terminate`] — at once (`atlas restart`), or on a thread of its own (the
/// supervisor, which must not stop looking at the team).
pub fn restart_agent(
    tmux: &Tmux,
    team: &Team,
    agent: &Agent,
    pane: &PaneInfo,
    fresh: bool,
    by: &str,
) -> Result<BTreeSet<u32>> {
    let old = pane
        .pid
        .map(|pid| crate::proctree::pane_tree(pid, pane.dead))
        .unwrap_or_default();
    let pane = pane.id.as_str();
    let exe = std::env::current_exe().context("cannot find the atlas binary's own path")?;
    let flags = tmux.server_flags();
    let base = base_path(tmux, pane);
    let hooks_dir = launch::hooks_dir();
    let launch = Launch {
        atlas_exe: &exe,
        server_flags: &flags,
        base_path: &base,
        hooks_dir: hooks_dir.as_deref(),
    };
    let which = if fresh { Which::Command } else { Which::Resume };
    for (path, text) in
        launch::start(agent, team, which, &launch, &|p| std::fs::read_to_string(p)).files
    {
        let _ = std::fs::write(path, text);
    }
    let epoch = (by == "operator").then(|| chrono::Local::now().timestamp_millis());
    tmux.run_batch(&restart_commands(team, agent, pane, fresh, &launch, epoch))?;
    let e = Event::now(Kind::Restart, &agent.name)
        .with("pane", pane)
        .with("by", by)
        .with("mode", if fresh { "fresh" } else { "resume" });
    let _ = EventLog::in_dir(&team.logs).append(&e);
    Ok(old)
}

/// Run `atlas restart`.
pub fn run(ctx: &Ctx, args: &RestartArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let agent = team.require_agent(&args.agent)?;
    let pane = super::require_pane(ctx, &team, &agent.name)?;
    let old = restart_agent(&ctx.tmux, &team, agent, &pane, args.fresh, "operator")?;
    // Whatever of the last run outlived the respawn (programs that ignore SIGHUP, their
    // children) ends now: SIGTERM, then SIGKILL after a grace period.
    crate::proctree::terminate(&old, crate::proctree::GRACE);
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
