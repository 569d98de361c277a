//! `atlas status`: the status-line segment.
//!
//! It never fails for want of tmux: with no server or no session, the team is not running —
//! every agent counts as down, and the segment says so ([`status::NOT_RUNNING`]). The coordination file is read through the incremental cache
//! (`logs/.status-cache.json`, see [`crate::coord::cache`]), so after an append only the
//! new bytes are read. Agents down and waiting come from the counts a running supervisor
//! keeps (`logs/.supervisor-counts`), else from one `list-panes`, which runs while the file
//! is read.

use anyhow::Result;

use super::Ctx;
use crate::coord::cache;
use crate::error::Exit;
use crate::status::{self, Counts};
use crate::tmux::{Server, TmuxError};

/// Whether the tmux server surely does not run (its socket file is missing), so that the
/// status line does not pay for starting a tmux client that can only fail.
fn server_absent(server: &Server) -> bool {
    use std::os::unix::fs::MetadataExt;
    let socket = match server {
        Server::Path(p) => p.clone(),
        Server::Default if std::env::var_os("TMUX").is_some() => {
            let tmux = std::env::var("TMUX").unwrap_or_default();
            std::path::PathBuf::from(tmux.split(',').next().unwrap_or_default())
        }
        Server::Default | Server::Name(_) => {
            let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
                return false;
            };
            let dir = std::env::var_os("TMUX_TMPDIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| std::path::PathBuf::from("/tmp"), Into::into);
            let name = match server {
                Server::Name(n) => n.as_str(),
                _ => "default",
            };
            dir.join(format!("tmux-{uid}")).join(name)
        }
    };
    !socket.as_os_str().is_empty() && !socket.exists()
}

/// The cache file's name inside the logs folder.
pub const CACHE_FILE: &str = ".status-cache.json";

/// Run `atlas status`.
pub fn run(ctx: &Ctx, args: &crate::cli::StatusArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let format = args.format.as_deref().unwrap_or(status::DEFAULT_FORMAT);
    let mut counts = Counts::default();
    // Agents down and waiting: from a running supervisor's counts, else from one
    // `list-panes`, started first so that the tmux client runs while the file is read.
    let mut panes = None;
    let mut running = true;
    if status::needs_panes(format) {
        if let Some(c) = crate::supervisor::read_counts(&team.logs) {
            // A running supervisor keeps them: no tmux client to start.
            (counts.down, counts.waiting) = c;
        } else if server_absent(ctx.tmux.server()) {
            running = false;
        } else {
            match ctx.tmux.start_panes(&team.session) {
                Ok(r) => panes = Some(r),
                Err(TmuxError::NotInstalled) => running = false,
                Err(_) => {}
            }
        }
    }
    let cache_path = team.logs.join(CACHE_FILE);
    match cache::board(&team.coordination, &cache_path, &team.operator) {
        Ok((board, _)) => {
            counts.inbox = board.inbox_total();
            counts.attention = board.attention_len();
            counts.operator = board.inbox_len(&team.operator);
        }
        Err(e) => crate::errln!(
            "atlas: cannot read the coordination file {}: {e}",
            team.coordination.display()
        ),
    }
    match panes.map(crate::tmux::Running::panes) {
        Some(Ok(panes)) => {
            // Counting another team's agents as ours would be a lie: refuse.
            crate::owner::check_panes(&team, &panes)?;
            (counts.down, counts.waiting) = status::agent_counts(&team, &panes);
        }
        Some(Err(TmuxError::NoServer(_) | TmuxError::NoSession(_))) => running = false,
        Some(Err(TmuxError::Failed { stderr, .. })) if stderr.contains("can't find") => {
            running = false;
        }
        _ => {}
    }
    let text = if running {
        status::render(format, &counts)
    } else {
        status::render_not_running(format, &counts, team.agents().count())
    };
    crate::outln!("{text}")?;
    Ok(Exit::Success)
}
