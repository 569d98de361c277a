//! `atlas down`: stop the team's tmux session.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;
use crate::tcmd;
use crate::tmux::exact_session;

/// Run `atlas down`.
pub fn run(ctx: &Ctx) -> Result<Exit> {
    let team = ctx.team()?;
    if !ctx.tmux.has_session(&team.session)? {
        crate::outln!("the session `{}` is not running", team.session)?;
        return Ok(Exit::Success);
    }
    ctx.tmux
        .run(&tcmd!["kill-session", "-t", exact_session(&team.session)])?;
    crate::outln!("stopped session `{}`", team.session)?;
    Ok(Exit::Success)
}
