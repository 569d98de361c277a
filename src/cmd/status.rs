//! `atlas status`: the status-line segment.
//!
//! It never fails for want of tmux: with no server or no session, agents down and waiting
//! are 0. The coordination file is read through the incremental cache
//! (`logs/.status-cache.json`, see [`crate::coord::cache`]), so after an append only the
//! new bytes are read.

use anyhow::Result;

use super::Ctx;
use crate::coord::cache;
use crate::error::Exit;
use crate::status::{self, Counts};

/// The cache file's name inside the logs folder.
pub const CACHE_FILE: &str = ".status-cache.json";

/// Run `atlas status`.
pub fn run(ctx: &Ctx, args: &crate::cli::StatusArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let format = args.format.as_deref().unwrap_or(status::DEFAULT_FORMAT);
    let mut counts = Counts::default();
    let cache_path = team.logs.join(CACHE_FILE);
    match cache::board(&team.coordination, &cache_path, &team.operator) {
        Ok((board, _)) => {
            counts.inbox = board.inbox_total();
            counts.attention = board.attention_len();
            counts.operator = board.inbox_len(&team.operator);
        }
        Err(e) => eprintln!(
            "atlas: cannot read the coordination file {}: {e}",
            team.coordination.display()
        ),
    }
    if status::needs_panes(format)
        && let Ok(panes) = ctx.tmux.panes(&team.session)
    {
        (counts.down, counts.waiting) = status::agent_counts(&team, &panes);
    }
    println!("{}", status::render(format, &counts));
    Ok(Exit::Success)
}
