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
use crate::error::{self, Exit, usage};
use crate::menu::{self, Action, AgentPane, Env, InboxLine};
use crate::plugin::{DEFAULT_POPUP_HEIGHT, DEFAULT_POPUP_WIDTH};
use crate::tcmd;

/// How many inbox entries the main menu lists.
pub const MAX_INBOX: usize = 8;

/// Run `atlas menu`. Run from the plugin's key (`--client`), it never fails with a raw
/// tmux error: what went wrong is said in one line on the client, and it exits 0.
pub fn run(ctx: &Ctx, args: &crate::cli::MenuArgs) -> Result<Exit> {
    match open(ctx, args) {
        Err(e) if args.client.is_some() && !args.print && !error::is_broken_pipe(&e) => {
            show_message(ctx, args, &format!("atlas: {e:#}"), false)?;
            Ok(Exit::Success)
        }
        outcome => outcome,
    }
}

/// Show one line on the client (text escaped: it may carry names from files), or print
/// the `display-message` command with `--print`.
fn show_message(ctx: &Ctx, args: &crate::cli::MenuArgs, text: &str, print: bool) -> Result<()> {
    let mut cmd = tcmd!["display-message"];
    if let Some(c) = &args.client {
        cmd.extend(tcmd!["-c", c]);
    }
    cmd.push(crate::escape::tmux_text(
        &text.lines().collect::<Vec<_>>().join(" · "),
    ));
    if print {
        crate::outln!("tmux")?;
        for a in ctx.tmux.server_flags().iter().chain(&cmd) {
            crate::outln!("{a}")?;
        }
        return Ok(());
    }
    ctx.tmux.run(&cmd)?;
    Ok(())
}

/// The one line said where no team runs: which team would, and how to start it.
pub fn no_team_message(config: Option<&std::path::Path>) -> String {
    match config {
        Some(c) => {
            let c = crate::escape::sh_quote(&c.to_string_lossy());
            format!("atlas: the team of {c} is not running here; start it with: atlas up --config {c}")
        }
        None => "atlas: no team runs here; start one with `atlas up` in its folder (`atlas init` writes one)".into(),
    }
}

fn open(ctx: &Ctx, args: &crate::cli::MenuArgs) -> Result<Exit> {
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
        Some(c) if complete && action.is_none() && args.entry.is_none() => (c, Vec::new()),
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

    // The team here: the current session's, else the one whose agents run on this server.
    let config = known.config.clone().or_else(|| {
        team.first()
            .map(|p| p.config.clone())
            .filter(|c| !c.is_empty())
    });
    let Some(config) = config else {
        // No team runs here: say so in one line, and how to start one — not a menu of
        // actions that can only fail.
        let found = ctx.config_path().ok();
        show_message(ctx, args, &no_team_message(found.as_deref()), args.print)?;
        return Ok(Exit::Success);
    };
    let config = Some(config);
    // The team, for the operator's name; the PATH checks of a full load are not needed.
    let team_config = config.as_deref().and_then(|c| {
        let path = std::path::Path::new(c);
        let text = std::fs::read_to_string(path).ok()?;
        crate::config::parse(&text, path, &|_, _| true).ok()
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
        // A size display-popup would refuse falls back to the default.
        popup_width: crate::plugin::popup_size(known.width.as_deref(), DEFAULT_POPUP_WIDTH),
        popup_height: crate::plugin::popup_size(known.height.as_deref(), DEFAULT_POPUP_HEIGHT),
        operator,
    };
    let m = match action {
        None if args.entry.is_some() => {
            let id = args.entry.as_deref().unwrap_or_default();
            let key = crate::coord::normalize_id(id);
            let found = team_config
                .as_ref()
                .and_then(operator_inbox)
                .and_then(|inbox| {
                    inbox
                        .into_iter()
                        .find(|e| crate::coord::normalize_id(&e.id) == key)
                });
            let Some(entry) = found else {
                let text = format!(
                    "atlas: `{}` is no longer in the inbox",
                    menu::truncate(id, 60)
                );
                if args.print {
                    crate::outln!("{text}")?;
                } else {
                    let mut cmd = tcmd!["display-message"];
                    if let Some(c) = &args.client {
                        cmd.extend(tcmd!["-c", c]);
                    }
                    cmd.push(crate::escape::tmux_text(&text));
                    ctx.tmux.run(&cmd)?;
                }
                return Ok(Exit::Success);
            };
            let sender = team
                .iter()
                .find(|p| p.agent == entry.from)
                .map(|p| p.id.clone());
            menu::entry_menu(&env, &entry, sender.as_deref())
        }
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
                id: e.id.clone(),
                from: e.from.clone(),
                status: e.status.clone(),
                task: e.task.clone().unwrap_or_default(),
            })
            .collect(),
    )
}
