//! `atlas down`: stop the team's tmux session — only when it is the team's own (see
//! [`crate::owner`]).

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;
use crate::tcmd;
use crate::tmux::exact_session;

/// Run `atlas down`.
pub fn run(ctx: &Ctx) -> Result<Exit> {
    let team = ctx.team()?;
    let Some(recorded) = ctx.tmux.session_config(&team.session)? else {
        crate::outln!("the session `{}` is not running", team.session)?;
        return Ok(Exit::Success);
    };
    crate::owner::check(&team, &recorded)?;
    ctx.tmux
        .run(&tcmd!["kill-session", "-t", exact_session(&team.session)])?;
    // `atlas status` must not take a lingering supervisor's counts for the team's.
    crate::supervisor::remove_counts(&team.logs);
    crate::outln!("stopped session `{}`", team.session)?;
    Ok(Exit::Success)
}
