//! `atlas menu`: open the tmux menu of actions (the plugin binds it to a key).
//!
//! What the key passes (`--context`: popup support and size, the team config) and, for the
//! agent chooser, one tmux call (the agents' panes and states) tell the menu what to show;
//! the operator's inbox is read from the coordination file; one more tmux call shows the
//! menu ([`crate::menu`] builds it). `--print` prints that tmux command instead, one
//! argument per line.

use anyhow::{Context, Result};

use super::Ctx;
use super::plugin::{PANES_FORMAT, parse_panes, team_panes};
use crate::error::{Exit, usage};
use crate::menu::{self, Action, AgentPane, Env, InboxLine};
use crate::plugin::{DEFAULT_POPUP_HEIGHT, DEFAULT_POPUP_WIDTH};
use crate::tcmd;

/// How many inbox entries the main menu lists.
pub const MAX_INBOX: usize = 8;

/// Run `atlas menu`.
pub fn run(ctx: &Ctx, args: &crate::cli::MenuArgs) -> Result<Exit> {
    let action = match &args.pick {
        None => None,
        Some(w) => Some(Action::parse(w).ok_or_else(|| {
            usage(format!(
                "unknown menu action `{w}`; use one of: {}",
                Action::ALL.map(Action::as_str).join(", ")
            ))
        })?),
    };
    // What the key passed (`--context`) saves a tmux call; the rest is read in one.
    let given = args.context.as_deref().map(menu::Context::parse);
    let complete = given
        .as_ref()
        .is_some_and(|c| c.popup.is_some() && c.config.is_some());
    let (known, panes) = match given {
        Some(c) if complete && action.is_none() => (c, Vec::new()),
        given => {
            let mut info = tcmd!["display-message", "-p"];
            if let Some(p) = &args.pane {
                info.extend(tcmd!["-t", p]);
            }
            info.push(menu::CONTEXT_FORMAT.into());
            let out = ctx
                .tmux
                .run_batch(&[info, tcmd!["list-panes", "-a", "-F", PANES_FORMAT]])?;
            let read = menu::Context::parse(out.lines().next().unwrap_or(""));
            let panes = parse_panes(&out);
            (given.unwrap_or_default().or(read), panes)
        }
    };
    let popup = match known.popup {
        Some(p) => p,
        // The plugin did not run: ask tmux.
        None => ctx
            .tmux
            .run_batch(&[tcmd!["list-commands", "display-popup"]])
            .is_ok_and(|l| l.contains("-T")),
    };
    let team = team_panes(&panes, args.pane.as_deref());
    let current = args
        .pane
        .as_deref()
        .and_then(|c| panes.iter().find(|p| p.id == c))
        .map(|p| p.agent.clone())
        .filter(|a| !a.is_empty());

    let config = known
        .config
        .clone()
        .or_else(|| {
            team.first()
                .map(|p| p.config.clone())
                .filter(|c| !c.is_empty())
        })
        .or_else(|| {
            ctx.config_path()
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        });
    // The team, for the operator's name; the PATH checks of a full load are not needed.
    let team_config = config.as_deref().and_then(|c| {
        let path = std::path::Path::new(c);
        let text = std::fs::read_to_string(path).ok()?;
        crate::config::parse(&text, path, &|_| true).ok()
    });
    let operator = team_config.as_ref().map(|t| t.operator.clone());
    let bin = std::env::current_exe()
        .context("cannot tell where the atlas binary is")?
        .to_string_lossy()
        .into_owned();
    let env = Env {
        bin,
        server_flags: ctx.tmux.server_flags(),
        config,
        client: args.client.clone(),
        pane: args.pane.clone(),
        popup,
        popup_width: known
            .width
            .clone()
            .unwrap_or_else(|| DEFAULT_POPUP_WIDTH.to_string()),
        popup_height: known
            .height
            .clone()
            .unwrap_or_else(|| DEFAULT_POPUP_HEIGHT.to_string()),
        operator,
    };
    let m = match action {
        Some(a) => {
            let agents: Vec<AgentPane> = team
                .iter()
                .map(|p| AgentPane {
                    name: p.agent.clone(),
                    pane: p.id.clone(),
                    state: p.shown_state(),
                })
                .collect();
            menu::pick_menu(&env, a, &agents, current.as_deref())
        }
        None => menu::main_menu(
            &env,
            team_config.as_ref().and_then(operator_inbox).as_deref(),
            MAX_INBOX,
        ),
    };
    let argv = m.to_args(args.client.as_deref(), args.pane.as_deref());
    if args.print {
        crate::outln!("tmux")?;
        for a in ctx.tmux.server_flags() {
            crate::outln!("{a}")?;
        }
        for a in &argv {
            crate::outln!("{a}")?;
        }
        return Ok(Exit::Success);
    }
    if args.client.is_none() && std::env::var_os("TMUX").is_none() {
        return Err(usage(
            "atlas menu needs a tmux client: press the plugin's key, run it inside tmux, pass --client, or use --print",
        ));
    }
    ctx.tmux.run(&argv)?;
    Ok(Exit::Success)
}

/// The operator's inbox, read from the coordination file; `None` when it cannot be read.
fn operator_inbox(team: &crate::config::Team) -> Option<Vec<InboxLine>> {
    let board = super::inbox::read_board(&team.coordination, &team.operator).ok()?;
    Some(
        board
            .inbox(&team.operator)
            .iter()
            .map(|e| InboxLine {
                from: e.from.clone(),
                status: e.status.clone(),
                task: e.task.clone().unwrap_or_default(),
            })
            .collect(),
    )
}
