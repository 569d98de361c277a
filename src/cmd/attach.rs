//! `atlas attach [AGENT]`: attach to the team's session, or switch this client to it when
//! already inside tmux (on the same server); with AGENT, to that agent's window and pane.

use std::io::IsTerminal;

use anyhow::Result;

use super::Ctx;
use crate::cli::AttachArgs;
use crate::error::Exit;
use crate::tcmd;
use crate::tmux::{Cmd, Server, exact_session};

/// Where this atlas runs, as far as attaching goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In a plain terminal: attach a new client.
    Terminal,
    /// Inside tmux, on the server the team runs on: switch this client.
    SameServer,
    /// Inside a tmux client of another server: attaching would nest tmux.
    OtherServer,
}

/// Where this process runs: `$TMUX` (the socket of the server we are inside, if any)
/// against the server atlas talks to (`-L`/`-S`).
pub fn place(server: &Server, tmux_env: Option<&str>) -> Place {
    let Some(inside) = tmux_env.filter(|v| !v.is_empty()) else {
        return Place::Terminal;
    };
    let socket = std::path::PathBuf::from(inside.split(',').next().unwrap_or_default());
    let ours = match server {
        Server::Default => return Place::SameServer,
        Server::Path(p) => p.clone(),
        Server::Name(n) => socket.with_file_name(n),
    };
    if ours == socket {
        Place::SameServer
    } else {
        Place::OtherServer
    }
}

/// The commands that put the session's current window and pane on `pane` (a pane id), and,
/// when `switch`, this client there too.
pub fn select_commands(session: &str, pane: Option<&str>, switch: bool) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    if let Some(p) = pane {
        cmds.push(tcmd!["select-window", "-t", p]);
        cmds.push(tcmd!["select-pane", "-t", p]);
    }
    if switch {
        let target = pane.map_or_else(|| exact_session(session), str::to_string);
        cmds.push(tcmd!["switch-client", "-t", target]);
    }
    cmds
}

/// Attach to `session` (or switch to it), at `pane` when given.
pub fn attach(ctx: &Ctx, session: &str, pane: Option<&str>) -> Result<()> {
    let tmux_env = std::env::var("TMUX").ok();
    match place(ctx.tmux.server(), tmux_env.as_deref()) {
        Place::SameServer => {
            ctx.tmux.run_batch(&select_commands(session, pane, true))?;
            Ok(())
        }
        Place::OtherServer => anyhow::bail!(
            "this terminal is a client of another tmux server, and attaching here would nest tmux; run `atlas attach` from a plain terminal, or detach first (prefix d)"
        ),
        Place::Terminal => {
            if !std::io::stdin().is_terminal() {
                anyhow::bail!(
                    "attaching needs a terminal, and standard input is not one; run `atlas attach` in a terminal"
                );
            }
            let select = select_commands(session, pane, false);
            if !select.is_empty() {
                ctx.tmux.run_batch(&select)?;
            }
            let mut c = ctx.tmux.command()?;
            c.args(["attach-session", "-t", &exact_session(session)]);
            use std::os::unix::process::CommandExt;
            let err = c.exec();
            Err(anyhow::anyhow!("cannot run tmux attach-session: {err}"))
        }
    }
}

/// Run `atlas attach`.
pub fn run(ctx: &Ctx, args: &AttachArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let agent = args
        .agent
        .as_deref()
        .map(|a| team.require_agent(a))
        .transpose()?;
    if !ctx.tmux.has_session(&team.session)? {
        anyhow::bail!(
            "the team is not up: its session `{}` is not running on this tmux server; start it with `atlas up --attach`",
            team.session
        );
    }
    let pane = match agent {
        Some(a) => Some(super::require_pane(ctx, &team, &a.name)?.id),
        None => None,
    };
    attach(ctx, &team.session, pane.as_deref())?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_where_it_runs() {
        let inside = Some("/tmp/tmux-1000/work,4242,0");
        assert_eq!(place(&Server::Default, None), Place::Terminal);
        assert_eq!(place(&Server::Name("x".into()), Some("")), Place::Terminal);
        assert_eq!(place(&Server::Default, inside), Place::SameServer);
        assert_eq!(
            place(&Server::Name("work".into()), inside),
            Place::SameServer
        );
        assert_eq!(
            place(&Server::Name("team".into()), inside),
            Place::OtherServer
        );
        assert_eq!(
            place(&Server::Path("/tmp/tmux-1000/work".into()), inside),
            Place::SameServer
        );
    }

    #[test]
    fn goes_to_the_agent_pane_by_id() {
        assert_eq!(
            select_commands("atlas", Some("%7"), true),
            vec![
                tcmd!["select-window", "-t", "%7"],
                tcmd!["select-pane", "-t", "%7"],
                tcmd!["switch-client", "-t", "%7"],
            ]
        );
        assert_eq!(
            select_commands("atlas", None, true),
            vec![tcmd!["switch-client", "-t", "=atlas"]]
        );
        assert!(select_commands("atlas", None, false).is_empty());
    }
}
