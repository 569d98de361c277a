//! `atlas down [--remove-worktrees]`: stop the team's tmux session — only when it is the
//! team's own (see [`crate::owner`]) — and every process of the team; with
//! `--remove-worktrees`, also remove the agents' git worktrees — refused, before anything
//! stops, while any of them has uncommitted changes. Branches are kept.

use anyhow::Result;

use super::Ctx;
use crate::cli::DownArgs;
use crate::config::{Agent, Team};
use crate::error::Exit;
use crate::tcmd;
use crate::tmux::exact_session;

/// How many files of a worktree the refusal names.
const FILES_SHOWN: usize = 10;

/// Run `atlas down`.
pub fn run(ctx: &Ctx, args: &DownArgs) -> Result<Exit> {
    let team = ctx.team()?;
    if args.remove_worktrees {
        // Checked before anything stops: a refusal leaves the team as it was.
        let mut dirty: Vec<(&Agent, Vec<String>)> = Vec::new();
        for a in team.agents() {
            if let Some(w) = &a.worktree {
                let files = crate::worktree::changes(w)?;
                if !files.is_empty() {
                    dirty.push((a, files));
                }
            }
        }
        if !dirty.is_empty() {
            anyhow::bail!("{}", crate::worktree::refusal(&dirty, FILES_SHOWN));
        }
    }
    match ctx.tmux.session_config(&team.session)? {
        None => crate::outln!("the session `{}` is not running", team.session)?,
        Some(recorded) => {
            crate::owner::check(&team, &recorded)?;
            // Every process of the team, found before the session goes: killing the
            // session hangs up on the panes, and what ignores that (or outlives its pane)
            // is ended after.
            let mut procs = std::collections::BTreeSet::new();
            for p in ctx.tmux.panes(&team.session).unwrap_or_default() {
                if let Some(pid) = p.pid {
                    procs.extend(crate::proctree::pane_tree(pid, p.dead));
                }
            }
            ctx.tmux
                .run(&tcmd!["kill-session", "-t", exact_session(&team.session)])?;
            // `atlas status` must not take a lingering supervisor's counts for the team's.
            crate::supervisor::remove_counts(&team.logs);
            let killed = crate::proctree::terminate(&procs, crate::proctree::GRACE);
            crate::outln!("stopped session `{}`", team.session)?;
            if !killed.is_empty() {
                crate::outln!(
                    "{} process(es) ignored the hangup and SIGTERM and were killed",
                    killed.len()
                )?;
            }
        }
    }
    if args.remove_worktrees {
        remove_worktrees(&team)?;
    }
    Ok(Exit::Success)
}

/// Remove every agent's worktree (their programs have ended with the session).
fn remove_worktrees(team: &Team) -> Result<()> {
    let mut failed = Vec::new();
    let mut removed = 0;
    for a in team.agents() {
        let Some(w) = &a.worktree else { continue };
        match crate::worktree::remove(w) {
            Ok(true) => {
                removed += 1;
                crate::outln!(
                    "removed the worktree {} (its branch {} is kept)",
                    w.path.strip_prefix(&team.dir).unwrap_or(&w.path).display(),
                    w.branch
                )?;
            }
            Ok(false) => {}
            Err(e) => failed.push(format!("{e:#}")),
        }
    }
    if removed == 0 && failed.is_empty() {
        crate::outln!("no worktree to remove")?;
    }
    if !failed.is_empty() {
        anyhow::bail!("{}", failed.join("; "));
    }
    Ok(())
}
