//! `atlas signal STATE [--agent A]`: an agent's own hook reports its state.
//!
//! The signal is kept in the agent's pane option `@atlas_signal` as `STATE MS SCREENHASH`
//! (the state, when, and a hash of the screen at that moment); it wins over the screen as
//! [`crate::state::detect`] says. `clear` removes it.

use anyhow::Result;
use chrono::Local;

use super::Ctx;
use crate::cli::SignalArgs;
use crate::error::{self, Exit};
use crate::state::State;
use crate::state::detect::{OPT_SIGNAL, Signal, screen_hash};
use crate::state::observe::{capture, list, pane_of};
use crate::tcmd;

/// The states a hook may report, for messages.
pub const WORDS: &str = "busy, idle, waiting, limited, starting, or clear";

/// The state a word names (None for `clear`), or a usage error.
pub fn parse_state(word: &str) -> Result<Option<State>> {
    if word == "clear" {
        return Ok(None);
    }
    match State::parse(word) {
        Some(s) if s.signalable() => Ok(Some(s)),
        _ => Err(error::usage(format!(
            "`{word}` is not a state an agent can signal; expected {WORDS}"
        ))),
    }
}

/// Run `atlas signal`.
pub fn run(ctx: &Ctx, args: &SignalArgs) -> Result<Exit> {
    let state = parse_state(&args.state)?;
    let name = match &args.agent {
        Some(a) => a.clone(),
        None => std::env::var("ATLAS_AGENT")
            .ok()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                error::usage(
                    "no agent given: pass --agent NAME, or run this inside an agent's pane (where $ATLAS_AGENT is set)",
                )
            })?,
    };
    let team = ctx.team()?;
    let agent = team.require_agent(&name)?;
    let listed = list(&ctx.tmux, &team.session)?;
    crate::owner::check_panes(&team, listed.iter().map(|l| &l.info))?;
    let pane = pane_of(&listed, &agent.name)
        .map(|l| l.info.id.clone())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no pane in session `{}`; start it with `atlas up`",
                agent.name,
                team.session
            )
        })?;
    let cmd = match state {
        None => tcmd!["set-option", "-p", "-u", "-t", pane.as_str(), OPT_SIGNAL],
        Some(state) => {
            let signal = Signal {
                state,
                at_ms: Local::now().timestamp_millis(),
                screen: screen_hash(&capture(&ctx.tmux, &pane)?),
            };
            tcmd![
                "set-option",
                "-p",
                "-t",
                pane.as_str(),
                OPT_SIGNAL,
                signal.encode()
            ]
        }
    };
    ctx.tmux.run(&cmd)?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_a_hook_may_report() {
        assert_eq!(parse_state("busy").unwrap(), Some(State::Busy));
        assert_eq!(parse_state("clear").unwrap(), None);
        assert!(parse_state("dead").is_err());
        assert!(parse_state("nonsense").is_err());
    }
}
