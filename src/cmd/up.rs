//! `atlas up [--attach]`: create the session, windows and agent panes; start only what is
//! missing.

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::UpArgs;
use crate::error::{Exit, usage};
use crate::events::{Event, EventLog, Kind};
use crate::layout::{self, UpOptions};
use crate::tcmd;
use crate::tmux::{PaneInfo, TmuxError, exact_session};

/// Run `atlas up`.
pub fn run(ctx: &Ctx, args: &UpArgs) -> Result<Exit> {
    let team = ctx.team_checked()?;
    for w in &team.warnings {
        crate::errln!("atlas: warning: {w}");
    }
    make_worktrees(&team)?;
    for a in team.agents() {
        if !a.cwd.is_dir() {
            return Err(usage(format!(
                "agent `{}`: its cwd {} is not a folder; create it or fix `cwd` in {}",
                a.name,
                a.cwd.display(),
                team.path.display()
            )));
        }
    }
    let exe = std::env::current_exe().context("cannot find the atlas binary's own path")?;

    // One query: the plugin's border option and every pane of the server.
    let (borders, panes) = match ctx.tmux.run_batch(&[
        tcmd!["show-options", "-gqv", "@atlas-pane-borders"],
        tcmd!["list-panes", "-a", "-F", PaneInfo::FORMAT],
    ]) {
        Ok(out) => {
            let mut lines = out.lines();
            let first = lines.clone().next().unwrap_or("");
            let borders = if first.starts_with('%') {
                true
            } else {
                lines.next();
                first.trim() != "off"
            };
            let panes: Vec<PaneInfo> = lines
                .filter_map(PaneInfo::parse)
                .filter(|p| p.session == team.session)
                .collect();
            (borders, panes)
        }
        Err(TmuxError::NoServer(_)) => (true, Vec::new()),
        Err(e) => return Err(e.into()),
    };
    // A session of this name that another config (or a person) made is not ours to fill.
    crate::owner::check_panes(&team, &panes)?;

    let server_flags = ctx.tmux.server_flags();
    let base_path = std::env::var("PATH").unwrap_or_default();
    let hooks_dir = crate::launch::hooks_dir();
    let opts = UpOptions {
        atlas_exe: &exe,
        borders,
        supervisor: true,
        server_flags: &server_flags,
        base_path: &base_path,
        hooks_dir: hooks_dir.as_deref(),
        now_ms: chrono::Local::now().timestamp_millis(),
    };
    // The agents' hook settings files, written before they start; an agent whose hooks
    // cannot be wired runs without them, and up says so.
    for a in team.agents() {
        let start = crate::launch::start(
            a,
            &team,
            crate::launch::Which::Command,
            &opts.launch(),
            &|p| std::fs::read_to_string(p),
        );
        for (path, text) in &start.files {
            if let Err(e) = std::fs::write(path, text) {
                crate::errln!("atlas: warning: cannot write {}: {e}", path.display());
            }
        }
        if let Some(w) = start.warning {
            crate::errln!("atlas: warning: {w}");
        }
    }
    let plan = layout::up_plan(&team, &panes, &opts);
    // A command tmux cannot receive at all (a huge `env` value): refused before anything
    // starts, rather than half a team and tmux's "command too long".
    if let Some(c) = plan
        .commands
        .iter()
        .find(|c| crate::tmux::command_bytes(c) > crate::tmux::MAX_BATCH_BYTES)
    {
        let agent = c
            .iter()
            .find_map(|a| a.strip_prefix("ATLAS_AGENT="))
            .map_or_else(|| "an agent".to_string(), |a| format!("agent `{a}`"));
        return Err(usage(format!(
            "{agent}: its command, environment and folder make a tmux command of {} bytes, \
             more than tmux takes in one message (about {} KiB); shorten its `env` values or \
             its command in {}",
            crate::tmux::command_bytes(c),
            crate::tmux::MAX_BATCH_BYTES / 1024,
            team.path.display()
        )));
    }
    std::fs::create_dir_all(&team.logs)
        .with_context(|| format!("cannot create the logs folder {}", team.logs.display()))?;

    let stopped: Vec<&PaneInfo> = panes
        .iter()
        .filter(|p| p.stopped && team.agent(&p.agent).is_some())
        .collect();
    if plan.commands.is_empty() && stopped.is_empty() {
        crate::outln!(
            "the team is up: session `{}`, {} agents; nothing to start",
            team.session,
            team.agents().count()
        )?;
    } else if !plan.commands.is_empty() {
        let out = ctx.tmux.run_batch_at(&plan.commands, &plan.breaks)?;
        let ids: Vec<&str> = out.lines().filter(|l| l.starts_with('%')).collect();
        let log = EventLog::in_dir(&team.logs);
        for (i, name) in plan.created.iter().enumerate() {
            if name == layout::SUPERVISOR_WINDOW {
                continue;
            }
            let mut e = Event::now(Kind::Spawn, name);
            if let Some(id) = ids.get(i) {
                e = e.with("pane", id);
            }
            if let Err(err) = log.append(&e) {
                crate::errln!(
                    "atlas: warning: cannot write {}: {err}",
                    log.path().display()
                );
            }
        }
        let agents: Vec<&String> = plan
            .created
            .iter()
            .filter(|n| *n != layout::SUPERVISOR_WINDOW)
            .collect();
        if panes.is_empty() {
            crate::outln!(
                "started session `{}`: {} agents in {} windows",
                team.session,
                agents.len(),
                team.windows.len()
            )?;
        } else if !agents.is_empty() {
            let names: Vec<&str> = agents.iter().map(|s| s.as_str()).collect();
            crate::outln!("started {}", names.join(", "))?;
        }
        if plan.created.iter().any(|n| n == layout::SUPERVISOR_WINDOW) {
            crate::outln!(
                "started the supervisor (window `{}`)",
                layout::SUPERVISOR_WINDOW
            )?;
        }
    }
    // Stopped agents (`atlas stop`) come back with `up`, with their resume command.
    for p in &stopped {
        let Some(agent) = team.agent(&p.agent) else {
            continue;
        };
        if !p.dead {
            crate::outln!(
                "{} is still stopping; run `atlas up` again in a moment",
                agent.name
            )?;
            continue;
        }
        let old = super::restart::restart_agent(&ctx.tmux, &team, agent, p, false, "up")?;
        crate::proctree::terminate(&old, crate::proctree::GRACE);
        crate::outln!("restarted {} (it was stopped)", agent.name)?;
    }
    for d in &plan.dead {
        if panes.iter().any(|p| p.agent == *d && p.stopped) {
            continue;
        }
        crate::outln!("{d} is dead; bring it back with: atlas restart {d}")?;
    }

    if args.attach {
        attach(ctx, &team.session)?;
    }
    Ok(Exit::Success)
}

/// Make the agents' git worktrees that are missing (`worktree = true`), before any pane
/// starts in one; refuse, naming the agents, when a cwd is not in a git repository.
fn make_worktrees(team: &crate::config::Team) -> Result<()> {
    if team.agents().all(|a| a.worktree.is_none()) {
        return Ok(());
    }
    let mut problems = crate::worktree::problems(team)?;
    if let Some(last) = problems.pop() {
        for p in problems {
            crate::errln!("atlas: {p}");
        }
        return Err(usage(last));
    }
    for a in team.agents() {
        let Some(w) = &a.worktree else { continue };
        let shown = w.path.strip_prefix(&team.dir).unwrap_or(&w.path).display();
        match crate::worktree::ensure(a, w)? {
            crate::worktree::Ensured::Kept => {}
            crate::worktree::Ensured::Created => {
                crate::outln!(
                    "created the worktree {shown} for {} on the new branch {}",
                    a.name,
                    w.branch
                )?;
            }
            crate::worktree::Ensured::Reattached => {
                crate::outln!(
                    "created the worktree {shown} for {} on its branch {}",
                    a.name,
                    w.branch
                )?;
            }
        }
    }
    Ok(())
}

/// Attach to the session, or switch this client to it when already inside tmux.
fn attach(ctx: &Ctx, session: &str) -> Result<()> {
    if std::env::var_os("TMUX").is_some() {
        ctx.tmux
            .run(&tcmd!["switch-client", "-t", exact_session(session)])?;
        return Ok(());
    }
    let mut c = ctx.tmux.command()?;
    c.args(["attach-session", "-t", &exact_session(session)]);
    use std::os::unix::process::CommandExt;
    let err = c.exec();
    Err(anyhow::anyhow!("cannot run tmux attach: {err}"))
}
