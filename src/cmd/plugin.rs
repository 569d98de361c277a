//! `atlas plugin ACTION …`: the tmux plugin's helpers (hidden from `--help`).
//!
//! - `init [--bin PATH]`: read the `@atlas-*` options and apply keys, status segment and
//!   state in one batched call (what `atlas.tmux` runs on every load).
//! - `send`/`queue` (`--agent A` or `--pane %N`, `--client C`): hand the text a tmux prompt
//!   stored in `@atlas_prompt1/2` to `atlas send` / `atlas queue add`, and say how it went.
//! - `restart` (`--agent A` or `--pane %N`): `atlas restart` the agent, and say how it went.
//! - `jump [--client C] [--pane %N]`: go to the next agent that needs attention.
//! - `ack [--client C] (--id ID… | --all)`: acknowledge entries of the operator's inbox
//!   (the menu's "Acknowledge"), and say how it went.
//! - `hold -- ARGS…`: run `atlas ARGS…`, then wait for Enter (split-pane views).

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use clap::Parser;

use super::Ctx;
use crate::error::{Exit, usage};
use crate::escape::tmux_text;
use crate::plugin::{self, InitInput, PROMPT1, PROMPT2};
use crate::tcmd;

/// The format of the pane list the helpers read: one line per pane, tab separated.
pub const PANES_FORMAT: &str =
    "#{pane_id}\t#{session_name}\t#{@atlas_agent}\t#{@atlas_state}\t#{pane_dead}\t#{@atlas_config}";

/// One pane as [`PANES_FORMAT`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pane {
    /// `%N`.
    pub id: String,
    /// The session's name.
    pub session: String,
    /// `@atlas_agent` ("" when not an agent pane).
    pub agent: String,
    /// `@atlas_state` ("" when no supervisor keeps it).
    pub state: String,
    /// Whether the pane's program exited.
    pub dead: bool,
    /// `@atlas_config` of the pane's session ("" when unset).
    pub config: String,
}

impl Pane {
    /// Parse one line; `None` for lines that are not panes.
    pub fn parse(line: &str) -> Option<Pane> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 || !f[0].starts_with('%') {
            return None;
        }
        Some(Pane {
            id: f[0].into(),
            session: f[1].into(),
            agent: f[2].into(),
            state: f[3].into(),
            dead: f[4] == "1",
            config: f[5].into(),
        })
    }

    /// The state to show: `@atlas_state`, else `dead` for a dead pane.
    pub fn shown_state(&self) -> String {
        if !self.state.is_empty() {
            self.state.clone()
        } else if self.dead {
            "dead".into()
        } else {
            String::new()
        }
    }
}

/// Parse every pane line of some tmux output.
pub fn parse_panes(out: &str) -> Vec<Pane> {
    out.lines().filter_map(Pane::parse).collect()
}

/// The agent panes of the team the operator is looking at: the session of `current` if it
/// runs agents, else the first session that does.
pub fn team_panes<'a>(panes: &'a [Pane], current: Option<&str>) -> Vec<&'a Pane> {
    let session = current
        .and_then(|c| panes.iter().find(|p| p.id == c))
        .filter(|p| {
            panes
                .iter()
                .any(|q| q.session == p.session && !q.agent.is_empty())
        })
        .map(|p| p.session.clone())
        .or_else(|| {
            panes
                .iter()
                .find(|p| !p.agent.is_empty())
                .map(|p| p.session.clone())
        });
    match session {
        Some(s) => panes
            .iter()
            .filter(|p| p.session == s && !p.agent.is_empty())
            .collect(),
        None => Vec::new(),
    }
}

/// What `atlas ls --json` says about an agent (the parts `jump` uses).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LsRow {
    /// The agent.
    pub name: String,
    /// Its state.
    #[serde(default)]
    pub state: String,
    /// Its inbox count.
    #[serde(default)]
    pub inbox: usize,
}

/// Whether an agent needs the operator: waiting, dead, failed, limited, or with inbox
/// entries — unless the operator stopped it (`atlas stop`).
pub fn needs_attention(state: &str, dead: bool, inbox: usize) -> bool {
    if state == "stopped" {
        return false;
    }
    dead || inbox > 0 || matches!(state, "waiting" | "dead" | "failed" | "limited")
}

/// The next pane (cyclically after `current`, in tmux's order) whose agent needs
/// attention.
pub fn next_attention<'a>(
    panes: &[&'a Pane],
    ls: &BTreeMap<String, LsRow>,
    current: Option<&str>,
) -> Option<&'a Pane> {
    // Either source may know: `atlas ls` reads the screen now, `@atlas_state` is what the
    // supervisor last saw (and what the pane border shows).
    let wants = |p: &Pane| {
        let row = ls.get(&p.agent);
        let inbox = row.map_or(0, |r| r.inbox);
        let listed = row.map(|r| r.state.as_str()).filter(|s| !s.is_empty());
        if listed == Some("stopped") || p.state == "stopped" {
            return false;
        }
        listed.is_some_and(|s| needs_attention(s, p.dead, inbox))
            || needs_attention(p.state.as_str(), p.dead, inbox)
    };
    let start = current
        .and_then(|c| panes.iter().position(|p| p.id == c))
        .map_or(0, |i| i + 1);
    (0..panes.len())
        .map(|k| panes[(start + k) % panes.len()])
        .find(|p| wants(p))
}

#[derive(Debug, Parser)]
#[command(no_binary_name = true)]
struct Target {
    #[arg(long)]
    agent: Option<String>,
    #[arg(long)]
    pane: Option<String>,
    #[arg(long)]
    client: Option<String>,
}

#[derive(Debug, Parser)]
#[command(no_binary_name = true)]
struct AckFlags {
    #[arg(long)]
    client: Option<String>,
    #[arg(long = "id")]
    ids: Vec<String>,
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Parser)]
#[command(no_binary_name = true)]
struct InitFlags {
    #[arg(long)]
    bin: Option<String>,
    /// The plugin's version: refuse (exit 3, tmux untouched) when this binary's differs.
    #[arg(long)]
    expect_version: Option<String>,
}

/// The exit code of `plugin init --expect-version V` when this binary is not version V.
pub const STALE_EXIT: u8 = 3;

/// Run `atlas plugin`.
pub fn run(ctx: &Ctx, args: &crate::cli::PluginArgs) -> Result<Exit> {
    match args.action.as_str() {
        "init" => {
            let f = InitFlags::try_parse_from(&args.args).map_err(|e| usage(e.to_string()))?;
            if let Some(want) = &f.expect_version
                && want != env!("CARGO_PKG_VERSION")
            {
                std::process::exit(i32::from(STALE_EXIT));
            }
            init(ctx, f.bin)
        }
        "send" | "queue" | "restart" | "jump" => {
            let t = Target::try_parse_from(&args.args).map_err(|e| usage(e.to_string()))?;
            let outcome = match args.action.as_str() {
                "send" => deliver(ctx, &t, "send"),
                "queue" => deliver(ctx, &t, "queue"),
                "restart" => restart(ctx, &t),
                _ => jump(ctx, &t),
            };
            if let Err(e) = outcome {
                message(ctx, t.client.as_deref(), &format!("atlas: {e:#}"));
            }
            Ok(Exit::Success)
        }
        "ack" => {
            let f = AckFlags::try_parse_from(&args.args).map_err(|e| usage(e.to_string()))?;
            match ack(ctx, &f) {
                Ok(text) => message(ctx, f.client.as_deref(), &text),
                Err(e) => message(ctx, f.client.as_deref(), &format!("atlas: {e:#}")),
            }
            Ok(Exit::Success)
        }
        "hold" => hold(ctx, &args.args),
        other => Err(usage(format!(
            "unknown plugin action `{other}`; use init, send, queue, restart, jump, ack or hold"
        ))),
    }
}

/// The atlas binary to put in bindings: `--bin`, else this very program.
fn this_bin(flag: Option<String>) -> Result<String> {
    if let Some(b) = flag {
        return Ok(b);
    }
    let exe = std::env::current_exe().context("cannot tell where the atlas binary is")?;
    Ok(exe.to_string_lossy().into_owned())
}

fn init(ctx: &Ctx, bin: Option<String>) -> Result<Exit> {
    let bin = this_bin(bin)?;
    let read = ctx.tmux.run_batch(&[
        tcmd!["show-options", "-g"],
        tcmd!["list-keys", "-T", "prefix"],
        tcmd![
            "list-commands",
            "-F",
            "!cmd #{command_list_name} #{command_list_usage}"
        ],
    ]);
    let (out, popup) = match read {
        Ok(out) => {
            let cmds: String = out
                .lines()
                .filter_map(|l| l.strip_prefix("!cmd "))
                .map(|l| format!("{l}\n"))
                .collect();
            (out, plugin::has_popup(&cmds))
        }
        // tmux before 3.2 has no `list-commands -F` (and no popups).
        Err(_) => (
            ctx.tmux.run_batch(&[
                tcmd!["show-options", "-g"],
                tcmd!["list-keys", "-T", "prefix"],
            ])?,
            false,
        ),
    };
    let option_lines: String = out
        .lines()
        .filter(|l| !l.starts_with("bind-key") && !l.starts_with("!cmd "))
        .map(|l| format!("{l}\n"))
        .collect();
    let key_lines: String = out
        .lines()
        .filter(|l| l.starts_with("bind-key"))
        .map(|l| format!("{l}\n"))
        .collect();
    let options = plugin::parse_show_options(&option_lines);
    // `@atlas-bin`, when set, is what the keys and the status segment run.
    let bin = options
        .get(plugin::OPT_BIN)
        .filter(|b| !b.trim().is_empty())
        .cloned()
        .unwrap_or(bin);
    let input = InitInput {
        bin,
        options,
        popup,
        prefix_keys: key_lines,
    };
    let script = plugin::init_script(&input);
    // tmux runs the rest of the script after a failing line; the error says which.
    if let Err(e) = ctx
        .tmux
        .run_batch_input(&[tcmd!["source-file", "-"]], Some(script.as_bytes()))
    {
        let text = e.to_string();
        if let Some(key) = text.split("unknown key: ").nth(1) {
            let key = key.lines().next().unwrap_or("").trim();
            let option = plugin::KEYS
                .iter()
                .find(|k| plugin::key_for(&input.options, k).as_deref() == Some(key))
                .map_or("an @atlas-key-* option", |k| k.option);
            return Err(usage(format!(
                "{option} is `{key}`, which tmux does not know as a key; set it to a key such as M-a, or to none"
            )));
        }
        return Err(e.into());
    }
    // Values tmux would refuse later, when a view opens: said now, in one line.
    let problems = plugin::option_problems(&input.options);
    if !problems.is_empty() {
        let text = format!("atlas: {}", problems.join("; "));
        let _ = ctx.tmux.run_batch(&[
            tcmd!["set-option", "-g", plugin::STATE_MESSAGE, text.as_str()],
            tcmd!["display-message", tmux_text(&text)],
        ]);
    }
    Ok(Exit::Success)
}

/// Show a message on a client (text escaped: it may carry agent output).
fn message(ctx: &Ctx, client: Option<&str>, text: &str) {
    let mut cmd = tcmd!["display-message"];
    if let Some(c) = client {
        cmd.extend(tcmd!["-c", c]);
    }
    let one_line = text.lines().collect::<Vec<_>>().join(" · ");
    cmd.push(tmux_text(&one_line));
    let _ = ctx.tmux.run(&cmd);
}

/// The panes, and the agent (with its pane) a target names.
fn resolve(ctx: &Ctx, t: &Target, extra: &[crate::tmux::Cmd]) -> Result<(Pane, String)> {
    let mut cmds = extra.to_vec();
    cmds.push(tcmd!["list-panes", "-a", "-F", PANES_FORMAT]);
    let out = ctx.tmux.run_batch(&cmds)?;
    let panes = parse_panes(&out);
    let pane = match (&t.agent, &t.pane) {
        (Some(a), _) => panes
            .iter()
            .find(|p| &p.agent == a)
            .cloned()
            .ok_or_else(|| {
                usage(format!(
                    "no pane runs the agent `{a}`; start it with `atlas up`"
                ))
            })?,
        (None, Some(id)) => {
            let p = panes
                .iter()
                .find(|p| &p.id == id)
                .cloned()
                .ok_or_else(|| usage(format!("no pane {id}")))?;
            if p.agent.is_empty() {
                return Err(usage("this pane runs no atlas agent"));
            }
            p
        }
        (None, None) => return Err(usage("say which agent: --agent NAME or --pane %N")),
    };
    Ok((pane, out))
}

/// `atlas` (this binary) with the server flags and the pane's config.
fn atlas_child(ctx: &Ctx, pane: &Pane) -> Result<Command> {
    let exe = std::env::current_exe().context("cannot tell where the atlas binary is")?;
    let mut c = Command::new(exe);
    c.args(ctx.tmux.server_flags());
    if !pane.config.is_empty() {
        c.args(["-c", &pane.config]);
    }
    c.env("TMUX_PANE", &pane.id);
    Ok(c)
}

/// Run a child atlas; its combined output, or an error carrying what it said.
fn run_child(mut c: Command, input: Option<&str>) -> Result<String> {
    c.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().context("cannot start atlas")?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(text.as_bytes());
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.success() {
        Ok(stdout)
    } else {
        let said = if stderr.is_empty() { stdout } else { stderr };
        anyhow::bail!("{}", said.trim_start_matches("atlas: "))
    }
}

fn deliver(ctx: &Ctx, t: &Target, what: &str) -> Result<()> {
    let read = vec![
        tcmd!["show-options", "-gq", PROMPT1],
        tcmd!["show-options", "-gq", PROMPT2],
        tcmd!["set-option", "-gqu", PROMPT1],
        tcmd!["set-option", "-gqu", PROMPT2],
    ];
    let (pane, out) = resolve(ctx, t, &read)?;
    let opts = plugin::parse_show_options(
        &out.lines()
            .filter(|l| l.starts_with('@'))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    let text = plugin::prompt_text(
        opts.get(PROMPT1).map(String::as_str),
        opts.get(PROMPT2).map(String::as_str),
    )
    .filter(|t| !t.trim().is_empty())
    .ok_or_else(|| usage("nothing was typed"))?;
    let mut c = atlas_child(ctx, &pane)?;
    if what == "send" {
        c.args(["send", &pane.agent, "-"]);
        run_child(c, Some(&text))?;
        message(
            ctx,
            t.client.as_deref(),
            &format!("atlas: sent to {}", pane.agent),
        );
    } else {
        c.args(["queue", "add", &pane.agent, "--", &text]);
        run_child(c, None)?;
        message(
            ctx,
            t.client.as_deref(),
            &format!("atlas: queued for {}", pane.agent),
        );
    }
    Ok(())
}

fn restart(ctx: &Ctx, t: &Target) -> Result<()> {
    let (pane, _) = resolve(ctx, t, &[])?;
    let mut c = atlas_child(ctx, &pane)?;
    c.args(["restart", &pane.agent]);
    run_child(c, None)?;
    message(
        ctx,
        t.client.as_deref(),
        &format!("atlas: restarted {}", pane.agent),
    );
    Ok(())
}

fn jump(ctx: &Ctx, t: &Target) -> Result<()> {
    let out = ctx
        .tmux
        .run_batch(&[tcmd!["list-panes", "-a", "-F", PANES_FORMAT]])?;
    let panes = parse_panes(&out);
    let team = team_panes(&panes, t.pane.as_deref());
    if team.is_empty() {
        let found = ctx.config_path().ok();
        message(
            ctx,
            t.client.as_deref(),
            &super::menu::no_team_message(found.as_deref()),
        );
        return Ok(());
    }
    // Inbox counts come from `atlas ls --json`, when it works; tmux's pane options otherwise.
    let mut ls = BTreeMap::new();
    if let Ok(mut c) = atlas_child(ctx, team[0]) {
        c.args(["ls", "--json"]);
        if let Ok(json) = run_child(c, None)
            && let Ok(rows) = serde_json::from_str::<Vec<LsRow>>(&json)
        {
            ls = rows.into_iter().map(|r| (r.name.clone(), r)).collect();
        }
    }
    let Some(next) = next_attention(&team, &ls, t.pane.as_deref()) else {
        message(ctx, t.client.as_deref(), "atlas: no agent needs attention");
        return Ok(());
    };
    let mut cmds = vec![
        tcmd!["select-window", "-t", &next.id],
        tcmd!["select-pane", "-t", &next.id],
    ];
    let mut switch = tcmd!["switch-client"];
    if let Some(c) = &t.client {
        switch.extend(tcmd!["-c", c]);
    }
    switch.extend(tcmd!["-t", &next.id]);
    cmds.push(switch);
    ctx.tmux.run_batch(&cmds)?;
    let state = ls
        .get(&next.agent)
        .map(|r| r.state.clone())
        .unwrap_or_else(|| next.shown_state());
    message(
        ctx,
        t.client.as_deref(),
        &format!("atlas: {} ({state})", next.agent),
    );
    Ok(())
}

/// Acknowledge entries of the operator's inbox; what to tell the operator.
fn ack(ctx: &Ctx, f: &AckFlags) -> Result<String> {
    let team = ctx.team()?;
    let which = if f.all {
        super::ack::Which::All
    } else if f.ids.is_empty() {
        return Err(usage("say which entries: --id ID (repeatable) or --all"));
    } else {
        super::ack::Which::Ids(&f.ids)
    };
    let acked = super::ack::acknowledge(&team, &team.operator, which)?;
    super::ack::nudge_supervisor(ctx, &team);
    let n = acked.ids.len();
    Ok(format!(
        "atlas: acknowledged {n} entr{}; {}'s inbox: {} left",
        if n == 1 { "y" } else { "ies" },
        acked.who,
        acked.left
    ))
}

fn hold(ctx: &Ctx, args: &[String]) -> Result<Exit> {
    let args: Vec<&String> = args.iter().skip_while(|a| *a == "--").collect();
    if args.is_empty() {
        return Err(usage(
            "plugin hold needs a command: atlas plugin hold -- ARGS…",
        ));
    }
    let _ = ctx;
    let exe = std::env::current_exe().context("cannot tell where the atlas binary is")?;
    let status = Command::new(exe).args(args).status();
    if let Err(e) = status {
        crate::errln!("atlas: {e}");
    }
    {
        // The view's pane may be closing: nothing to do about a failed write.
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "\n[atlas: press Enter to close]");
        let _ = out.flush();
    }
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(id: &str, session: &str, agent: &str, state: &str, dead: bool) -> Pane {
        Pane {
            id: id.into(),
            session: session.into(),
            agent: agent.into(),
            state: state.into(),
            dead,
            config: String::new(),
        }
    }

    #[test]
    fn parses_pane_lines() {
        let p = Pane::parse("%3\tatlas\tOrpheus\twaiting\t0\t/t/atlas.toml").unwrap();
        assert_eq!(p.agent, "Orpheus");
        assert_eq!(p.config, "/t/atlas.toml");
        assert!(Pane::parse("@opt x").is_none());
    }

    #[test]
    fn team_is_the_current_session_or_the_first_with_agents() {
        let panes = vec![
            pane("%0", "work", "", "", false),
            pane("%1", "atlas", "A", "busy", false),
            pane("%2", "atlas", "B", "idle", false),
            pane("%3", "other", "C", "idle", false),
        ];
        let t = team_panes(&panes, Some("%0"));
        assert_eq!(t.len(), 2);
        let t = team_panes(&panes, Some("%3"));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].agent, "C");
    }

    #[test]
    fn jump_cycles_after_the_current_pane() {
        let panes = [
            pane("%1", "s", "A", "waiting", false),
            pane("%2", "s", "B", "busy", false),
            pane("%3", "s", "C", "", true),
            pane("%4", "s", "D", "idle", false),
        ];
        let refs: Vec<&Pane> = panes.iter().collect();
        let ls = BTreeMap::new();
        assert_eq!(next_attention(&refs, &ls, Some("%1")).unwrap().id, "%3");
        assert_eq!(next_attention(&refs, &ls, Some("%3")).unwrap().id, "%1");
        assert_eq!(next_attention(&refs, &ls, None).unwrap().id, "%1");
        let mut ls = BTreeMap::new();
        ls.insert(
            "D".to_string(),
            LsRow {
                name: "D".into(),
                state: "idle".into(),
                inbox: 2,
            },
        );
        assert_eq!(next_attention(&refs, &ls, Some("%3")).unwrap().id, "%4");
        // `atlas ls` may see a waiting screen the pane option does not know yet.
        ls.insert(
            "B".to_string(),
            LsRow {
                name: "B".into(),
                state: "waiting".into(),
                inbox: 0,
            },
        );
        assert_eq!(next_attention(&refs, &ls, Some("%1")).unwrap().id, "%2");
        // A stopped agent (dead pane, `@atlas_state=stopped`) needs nobody.
        let stopped = [
            pane("%1", "s", "A", "busy", false),
            pane("%2", "s", "B", "stopped", true),
        ];
        let refs: Vec<&Pane> = stopped.iter().collect();
        assert!(next_attention(&refs, &BTreeMap::new(), None).is_none());
        let calm = [pane("%1", "s", "A", "busy", false)];
        let refs: Vec<&Pane> = calm.iter().collect();
        assert!(next_attention(&refs, &BTreeMap::new(), None).is_none());
    }
}
