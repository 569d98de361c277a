//! `atlas down`: stop the team's tmux session and every process of the team.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;
use crate::tcmd;
use crate::tmux::exact_session;

/// Run `atlas down`.
pub fn run(ctx: &Ctx) -> Result<Exit> {
    let team = ctx.team()?;
    if !ctx.tmux.has_session(&team.session)? {
        println!("the session `{}` is not running", team.session);
        return Ok(Exit::Success);
    }
    // Every process of the team, found before the session goes: killing the session hangs
    // up on the panes, and what ignores that (or outlives its pane) is ended after it.
    let mut procs = std::collections::BTreeSet::new();
    for p in ctx.tmux.panes(&team.session).unwrap_or_default() {
        if let Some(pid) = p.pid {
            procs.extend(crate::proctree::pane_tree(pid, p.dead));
        }
    }
    ctx.tmux
        .run(&tcmd!["kill-session", "-t", exact_session(&team.session)])?;
    let killed = crate::proctree::terminate(&procs, crate::proctree::GRACE);
    println!("stopped session `{}`", team.session);
    if !killed.is_empty() {
        println!(
            "{} process(es) ignored the hangup and SIGTERM and were killed",
            killed.len()
        );
    }
    Ok(Exit::Success)
}
