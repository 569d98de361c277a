//! How an agent's program is started in its pane (DESIGN §4), pure: its argument vector, its
//! PATH, the rest of its environment, and the hooks atlas wires into programs that have them.
//!
//! `up`, `restart` and the supervisor all start agents through [`pane_argv`] and
//! [`env_args`], so an agent gets the same program, environment and hooks whoever starts it.
//!
//! **PATH.** tmux 3.3a replaces a new or respawned pane's `PATH` with the `PATH` of the tmux
//! client that asked for the pane, whatever `-e PATH=…` says. So the pane runs
//! `/usr/bin/env PATH=… PROGRAM ARGS…`: `env` sets the agent's PATH and `exec`s the program
//! (the pane's process is the program itself; `env` looks the program up on the new PATH).
//! The PATH is the agent's `env.PATH` when the config sets one, else the PATH recorded in the
//! pane option `@atlas_path` when `up` first started it, else the PATH of the atlas that
//! starts it — with the folder of the running atlas put first when it is not on it already,
//! so the agent's own tools (and its hooks) can run `atlas`.
//!
//! **Hooks.** A `claude` agent (preset `claude`, program `claude`) is started with
//! `--settings JSON` holding hooks that call `atlas signal` (see [`claude_settings`]); Claude
//! Code merges them with the user's own settings files, which atlas never writes. A
//! `--settings` already in the agent's command is merged with atlas's hooks. A `gemini` agent
//! gets them through Gemini CLI's "system defaults" settings file, which it merges under the
//! user's own (hook lists are concatenated): atlas writes one per agent in its own folder
//! ([`hooks_dir`]) and points `GEMINI_CLI_SYSTEM_DEFAULTS_PATH` at it (see
//! [`gemini_settings`]); Gemini CLI reads that file only from a folder no other user can
//! write, so atlas checks that first.

use std::path::Path;

use serde_json::{Value, json};

use crate::config::{Agent, Team};
use crate::escape;

/// The pane option where `up` records the PATH an agent was started with.
pub const OPT_PATH: &str = "@atlas_path";

/// The program that sets the PATH and runs the agent's program.
pub const ENV_PROGRAM: &str = "/usr/bin/env";

/// What starting an agent needs from outside the config.
#[derive(Debug, Clone)]
pub struct Launch<'a> {
    /// The running atlas binary (replaces a command's `atlas` program; its folder goes on the
    /// agent's PATH; the hooks call it).
    pub atlas_exe: &'a Path,
    /// `-L NAME` / `-S PATH` of the tmux server, for the hooks' `atlas signal`.
    pub server_flags: &'a [String],
    /// The PATH to use when the agent's `env` sets none.
    pub base_path: &'a str,
    /// Where atlas keeps the hook settings files it writes (Gemini CLI's); None when there is
    /// no folder only this user can write (no file hooks then).
    pub hooks_dir: Option<&'a Path>,
}

/// The environment variable that points Gemini CLI at a "system defaults" settings file.
pub const GEMINI_DEFAULTS_ENV: &str = "GEMINI_CLI_SYSTEM_DEFAULTS_PATH";

/// Everything to start an agent with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    /// The argument vector the pane runs (see [`pane_argv`]).
    pub argv: Vec<String>,
    /// tmux's `-e NAME=VALUE` arguments (see [`env_args`]), hook settings included.
    pub env: Vec<String>,
    /// Files to write before the agent starts (its hook settings): path and text.
    pub files: Vec<(std::path::PathBuf, String)>,
    /// Why some hooks are not wired, if so.
    pub warning: Option<String>,
}

/// Whether atlas wires Gemini CLI's hooks into this agent: preset `gemini`, a program named
/// `gemini`, and `hooks` not turned off.
pub fn wires_gemini_hooks(agent: &Agent, argv: &[String]) -> bool {
    agent.hooks
        && agent.preset == "gemini"
        && argv
            .first()
            .and_then(|p| Path::new(p).file_name())
            .is_some_and(|f| f == "gemini")
}

/// Gemini CLI settings whose hooks report the agent's state with `atlas signal`:
/// `SessionStart` → idle, `BeforeAgent` (a turn begins) → busy, `AfterTool` → busy (a tool
/// ran: a permission menu was answered), `Notification` (a tool asks for permission) →
/// waiting, `AfterAgent` (the turn ended) → idle.
pub fn gemini_settings(command: &dyn Fn(&str) -> String) -> Value {
    let group = |state: &str| json!([{ "matcher": "*", "hooks": [{ "type": "command", "command": command(state) }] }]);
    json!({
        "hooks": {
            "SessionStart": group("idle"),
            "BeforeAgent": group("busy"),
            "AfterTool": group("busy"),
            "Notification": group("waiting"),
            "AfterAgent": group("idle"),
        }
    })
}

/// Everything to start `agent` with its command or resume command: [`pane_argv`],
/// [`env_args`], and the hook settings files its program reads. `read` reads a settings file
/// the agent's own command or env names (to merge atlas's hooks into it).
pub fn start(
    agent: &Agent,
    team: &Team,
    which: Which,
    launch: &Launch<'_>,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Start {
    let (argv, mut warning) = pane_argv(agent, which, launch);
    let mut env = env_args(agent, team);
    let mut files = Vec::new();
    if wires_gemini_hooks(agent, &agent.command) {
        match launch.hooks_dir {
            None => {
                warning = Some(format!(
                    "agent `{}`: atlas's Gemini CLI hooks are not wired: no folder of atlas's own that only you can write was found (Gemini CLI reads hook settings only from such a folder); its state is read from the screen",
                    agent.name
                ));
            }
            Some(dir) => {
                let cmd = |state: &str| {
                    signal_command(launch.atlas_exe, launch.server_flags, &agent.name, state)
                };
                let ours = gemini_settings(&cmd);
                let theirs = agent.env.get(GEMINI_DEFAULTS_ENV).map(|p| {
                    read(&crate::config::absolute(Path::new(p), &agent.cwd))
                        .map_err(|e| format!("cannot read its {GEMINI_DEFAULTS_ENV} file {p}: {e}"))
                        .and_then(|t| {
                            serde_json::from_str::<Value>(&t).map_err(|e| {
                                format!("its {GEMINI_DEFAULTS_ENV} file {p} is not JSON: {e}")
                            })
                        })
                });
                let merged = match theirs {
                    None => Ok(ours),
                    Some(Ok(t)) => Ok(merge_settings(t, &ours)),
                    Some(Err(e)) => Err(e),
                };
                match merged {
                    Ok(settings) => {
                        let path = dir.join(format!(
                            "gemini-{}-{}.json",
                            sanitize(&team.session),
                            agent.name
                        ));
                        env.retain(|e| !e.starts_with(&format!("{GEMINI_DEFAULTS_ENV}=")));
                        env.push("-e".into());
                        env.push(format!("{GEMINI_DEFAULTS_ENV}={}", path.display()));
                        files.push((path, settings.to_string()));
                    }
                    Err(e) => {
                        warning = Some(format!(
                            "agent `{}`: atlas's Gemini CLI hooks are not wired: {e}",
                            agent.name
                        ));
                    }
                }
            }
        }
    }
    Start {
        argv,
        env,
        files,
        warning,
    }
}

/// A name made safe for a file name.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The folder for hook settings files: `$XDG_CACHE_HOME/atlas/hooks` or
/// `~/.cache/atlas/hooks`, created (mode 0700) if missing; None when it, or a folder above
/// it, can be written by others (Gemini CLI would refuse the file).
pub fn hooks_dir() -> Option<std::path::PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    let dir = base.join("atlas").join("hooks");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .ok()?;
    let mut p: Option<&Path> = Some(&dir);
    while let Some(d) = p {
        let m = std::fs::metadata(d).ok()?;
        if m.mode() & 0o022 != 0 {
            return None;
        }
        p = d.parent();
    }
    Some(dir)
}

/// Which of the agent's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `command`: a fresh start.
    Command,
    /// `resume`: back where it left off.
    Resume,
}

/// The PATH the agent's program gets: its `env.PATH`, else `base_path`; with the running
/// atlas's folder first unless it is on it already.
pub fn agent_path(agent: &Agent, base_path: &str, atlas_exe: &Path) -> String {
    let path = agent.env.get("PATH").map_or(base_path, String::as_str);
    let Some(dir) = atlas_exe.parent().map(|d| d.to_string_lossy().into_owned()) else {
        return path.to_string();
    };
    if dir.is_empty() || path.split(':').any(|p| p == dir) {
        return path.to_string();
    }
    if path.is_empty() {
        dir
    } else {
        format!("{dir}:{path}")
    }
}

/// Whether atlas wires Claude Code's hooks into this agent: preset `claude`, a program named
/// `claude`, and `hooks` not turned off in the config.
pub fn wires_claude_hooks(agent: &Agent, argv: &[String]) -> bool {
    agent.hooks
        && agent.preset == "claude"
        && argv
            .first()
            .and_then(|p| Path::new(p).file_name())
            .is_some_and(|f| f == "claude")
}

/// The hook command that reports `state` for `agent`: this atlas, on this server. It prints
/// nothing and never fails (a hook's failure would show in Claude Code's transcript).
pub fn signal_command(
    atlas_exe: &Path,
    server_flags: &[String],
    agent: &str,
    state: &str,
) -> String {
    let mut words = vec![escape::sh_quote(&atlas_exe.to_string_lossy())];
    words.extend(server_flags.iter().map(|f| escape::sh_quote(f)));
    words.push("signal".into());
    words.push("--agent".into());
    words.push(escape::sh_quote(agent));
    words.push(state.into());
    format!("{} >/dev/null 2>&1 || true", words.join(" "))
}

/// Claude Code settings whose hooks report the agent's state with `atlas signal`:
/// `SessionStart` → idle, `UserPromptSubmit` → busy, `PostToolUse` → busy (a tool ran, so a
/// permission menu was answered), `Notification` (`permission_prompt`,
/// `elicitation_dialog`) → waiting, `Notification` (`idle_prompt`) → idle, `Stop` → idle.
/// `command(state)` builds each hook's shell command.
pub fn claude_settings(command: &dyn Fn(&str) -> String) -> Value {
    let hook = |state: &str| json!({ "type": "command", "command": command(state) });
    let group = |state: &str| json!([{ "hooks": [hook(state)] }]);
    json!({
        "hooks": {
            "SessionStart": group("idle"),
            "UserPromptSubmit": group("busy"),
            "PostToolUse": group("busy"),
            "Notification": [
                { "matcher": "permission_prompt|elicitation_dialog", "hooks": [hook("waiting")] },
                { "matcher": "idle_prompt", "hooks": [hook("idle")] },
            ],
            "Stop": group("idle"),
        }
    })
}

/// `theirs` with the hooks of `ours` added (each event's groups appended after theirs).
pub fn merge_settings(mut theirs: Value, ours: &Value) -> Value {
    if !theirs.is_object() {
        return ours.clone();
    }
    let Some(our_hooks) = ours.get("hooks").and_then(Value::as_object) else {
        return theirs;
    };
    let hooks = theirs
        .as_object_mut()
        .map(|o| o.entry("hooks").or_insert_with(|| json!({})));
    let Some(hooks) = hooks.and_then(Value::as_object_mut) else {
        return theirs;
    };
    for (event, groups) in our_hooks {
        let slot = hooks.entry(event.clone()).or_insert_with(|| json!([]));
        if !slot.is_array() {
            *slot = json!([]);
        }
        if let (Some(list), Some(add)) = (slot.as_array_mut(), groups.as_array()) {
            list.extend(add.iter().cloned());
        }
    }
    theirs
}

/// Add atlas's hooks to a `claude` command line: `--settings JSON`, merged with a
/// `--settings FILE_OR_JSON` the command already has (`read` reads such a file). Err says
/// why the user's settings could not be merged.
pub fn add_claude_hooks(
    argv: &[String],
    ours: &Value,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(argv.len() + 2);
    let mut merged = false;
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        let (value, width) = if arg == "--settings" {
            (argv.get(i + 1).cloned(), 2)
        } else if let Some(v) = arg.strip_prefix("--settings=") {
            (Some(v.to_string()), 1)
        } else {
            out.push(arg.clone());
            i += 1;
            continue;
        };
        let Some(value) = value else {
            return Err("`--settings` at the end of the command has no value".into());
        };
        let text = if value.trim_start().starts_with('{') {
            value.clone()
        } else {
            read(&value).map_err(|e| format!("cannot read its --settings file {value}: {e}"))?
        };
        let theirs: Value = serde_json::from_str(&text)
            .map_err(|e| format!("its --settings {value} is not valid JSON: {e}"))?;
        out.push("--settings".into());
        out.push(merge_settings(theirs, ours).to_string());
        merged = true;
        i += width;
    }
    if !merged {
        out.push("--settings".into());
        out.push(ours.to_string());
    }
    Ok(out)
}

/// The argument vector an agent's pane runs: `/usr/bin/env PATH=… PROGRAM ARGS…`, with the
/// command's `atlas` replaced by this binary and, for `claude` agents, atlas's hooks added.
/// Err names why hooks could not be added (the command is then run without them).
pub fn pane_argv(
    agent: &Agent,
    which: Which,
    launch: &Launch<'_>,
) -> (Vec<String>, Option<String>) {
    let command = match which {
        Which::Command => &agent.command,
        Which::Resume => &agent.resume,
    };
    let mut argv: Vec<String> = command.clone();
    if argv.first().is_some_and(|p| p == "atlas") {
        argv[0] = launch.atlas_exe.to_string_lossy().into_owned();
    }
    let mut warning = None;
    if wires_claude_hooks(agent, &argv) {
        let cmd =
            |state: &str| signal_command(launch.atlas_exe, launch.server_flags, &agent.name, state);
        let ours = claude_settings(&cmd);
        match add_claude_hooks(&argv, &ours, &|p| {
            std::fs::read_to_string(crate::config::absolute(Path::new(p), &agent.cwd))
        }) {
            Ok(a) => argv = a,
            Err(e) => {
                warning = Some(format!(
                    "agent `{}`: atlas's Claude Code hooks are not wired: {e}",
                    agent.name
                ));
            }
        }
    }
    let mut out = vec![
        ENV_PROGRAM.to_string(),
        format!(
            "PATH={}",
            agent_path(agent, launch.base_path, launch.atlas_exe)
        ),
    ];
    out.extend(argv);
    (out, warning)
}

/// tmux's `-e NAME=VALUE` arguments for an agent's pane: `ATLAS_AGENT`, `ATLAS_CONFIG` and
/// the agent's `env` (its PATH goes through [`pane_argv`], as tmux would replace it).
pub fn env_args(agent: &Agent, team: &Team) -> Vec<String> {
    let mut args = Vec::new();
    let mut push = |k: &str, v: &str| {
        args.push("-e".to_string());
        args.push(format!("{k}={v}"));
    };
    push("ATLAS_AGENT", &agent.name);
    push("ATLAS_CONFIG", &team.path.to_string_lossy());
    for (k, v) in &agent.env {
        if k != "PATH" {
            push(k, v);
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn agent(command: &[&str], preset: &str, env: &[(&str, &str)]) -> Agent {
        Agent {
            name: "Orpheus".into(),
            role: String::new(),
            reports_to: None,
            window: "w".into(),
            command: command.iter().map(ToString::to_string).collect(),
            resume: command
                .iter()
                .map(ToString::to_string)
                .chain(["--continue".to_string()])
                .collect(),
            preset: preset.into(),
            patterns: Default::default(),
            cwd: PathBuf::from("/work"),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            restart: crate::config::RestartPolicy::OnFailure,
            hooks: true,
            worktree: None,
        }
    }

    fn launch<'a>(exe: &'a Path, flags: &'a [String]) -> Launch<'a> {
        Launch {
            atlas_exe: exe,
            server_flags: flags,
            base_path: "/usr/bin:/bin",
            hooks_dir: None,
        }
    }

    #[test]
    fn path_is_the_agents_own_with_atlas_first() {
        let exe = Path::new("/opt/atlas/bin/atlas");
        let a = agent(&["x"], "shell", &[("PATH", "/tools:/usr/bin")]);
        assert_eq!(
            agent_path(&a, "/base", exe),
            "/opt/atlas/bin:/tools:/usr/bin"
        );
        let b = agent(&["x"], "shell", &[]);
        assert_eq!(agent_path(&b, "/base", exe), "/opt/atlas/bin:/base");
        let c = agent(&["x"], "shell", &[("PATH", "/usr/bin:/opt/atlas/bin")]);
        assert_eq!(
            agent_path(&c, "/base", exe),
            "/usr/bin:/opt/atlas/bin",
            "already on it: left where the user put it"
        );
    }

    #[test]
    fn the_pane_runs_env_with_the_path_then_the_program() {
        let exe = PathBuf::from("/a b/atlas");
        let flags: Vec<String> = vec![];
        let a = agent(
            &["atlas", "demo-agent"],
            "demo",
            &[("PATH", "/p"), ("K", "v")],
        );
        let (argv, warn) = pane_argv(&a, Which::Command, &launch(&exe, &flags));
        assert_eq!(
            argv,
            ["/usr/bin/env", "PATH=/a b:/p", "/a b/atlas", "demo-agent"]
        );
        assert!(warn.is_none());
        let (argv, _) = pane_argv(&a, Which::Resume, &launch(&exe, &flags));
        assert_eq!(argv.last().map(String::as_str), Some("--continue"));
        let team_env = env_args(&a, &test_team());
        assert!(team_env.contains(&"K=v".to_string()));
        assert!(!team_env.iter().any(|e| e.starts_with("PATH=")));
        assert!(team_env.contains(&"ATLAS_AGENT=Orpheus".to_string()));
    }

    fn test_team() -> Team {
        crate::config::parse(
            "[[windows]]\nname = \"w\"\nagents = [ { name = \"Orpheus\", command = \"x\" } ]\n",
            Path::new("/t/atlas.toml"),
            &|_, _| true,
        )
        .unwrap()
    }

    #[test]
    fn claude_agents_get_hooks_that_signal_this_atlas_on_this_server() {
        let exe = PathBuf::from("/bin/atlas");
        let flags = vec!["-L".to_string(), "my sock".to_string()];
        let a = agent(&["claude", "--model", "x"], "claude", &[]);
        let (argv, _) = pane_argv(&a, Which::Command, &launch(&exe, &flags));
        assert_eq!(&argv[2..5], ["claude", "--model", "x"]);
        assert_eq!(argv[5], "--settings");
        let v: Value = serde_json::from_str(&argv[6]).unwrap();
        let cmd = v["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"]
            .as_str()
            .unwrap();
        assert_eq!(
            cmd,
            "/bin/atlas -L 'my sock' signal --agent Orpheus busy >/dev/null 2>&1 || true"
        );
        assert!(
            v["hooks"]["Stop"][0]["hooks"][0]["command"]
                .as_str()
                .unwrap()
                .contains(" idle ")
        );
        // Another program, or another preset: no hooks.
        let b = agent(&["codex"], "codex", &[]);
        let (argv, _) = pane_argv(&b, Which::Command, &launch(&exe, &flags));
        assert!(!argv.contains(&"--settings".to_string()));
        let c = agent(&["claude"], "shell", &[]);
        let (argv, _) = pane_argv(&c, Which::Command, &launch(&exe, &flags));
        assert!(!argv.contains(&"--settings".to_string()));
        // Turned off in the config.
        let mut d = agent(&["claude"], "claude", &[]);
        d.hooks = false;
        let (argv, _) = pane_argv(&d, Which::Command, &launch(&exe, &flags));
        assert!(!argv.contains(&"--settings".to_string()));
    }

    #[test]
    fn gemini_agents_get_a_defaults_file_with_hooks() {
        let exe = PathBuf::from("/bin/atlas");
        let flags: Vec<String> = vec![];
        let team = test_team();
        let dir = PathBuf::from("/home/u/.cache/atlas/hooks");
        let mut l = launch(&exe, &flags);
        l.hooks_dir = Some(&dir);
        let a = agent(&["gemini"], "gemini", &[]);
        let s = start(&a, &team, Which::Command, &l, &|_| unreachable!());
        assert_eq!(s.files.len(), 1);
        let (path, text) = &s.files[0];
        assert_eq!(path, &dir.join("gemini-atlas-Orpheus.json"));
        assert!(s.env.contains(&format!(
            "GEMINI_CLI_SYSTEM_DEFAULTS_PATH={}",
            path.display()
        )));
        let v: Value = serde_json::from_str(text).unwrap();
        let cmd = v["hooks"]["BeforeAgent"][0]["hooks"][0]["command"]
            .as_str()
            .unwrap();
        assert!(cmd.contains("signal --agent Orpheus busy"), "{cmd}");
        // The user's own defaults file is merged, not replaced.
        let b = agent(
            &["gemini"],
            "gemini",
            &[("GEMINI_CLI_SYSTEM_DEFAULTS_PATH", "/etc/mine.json")],
        );
        let s = start(&b, &team, Which::Command, &l, &|p| {
            assert_eq!(p, Path::new("/etc/mine.json"));
            Ok(r#"{"hooks":{"AfterAgent":[{"hooks":[{"type":"command","command":"mine"}]}]},"ui":{"theme":"x"}}"#.into())
        });
        let v: Value = serde_json::from_str(&s.files[0].1).unwrap();
        assert_eq!(v["ui"]["theme"], "x");
        assert_eq!(v["hooks"]["AfterAgent"][0]["hooks"][0]["command"], "mine");
        assert_eq!(
            s.env
                .iter()
                .filter(|e| e.starts_with("GEMINI_CLI_SYSTEM_DEFAULTS_PATH="))
                .count(),
            1
        );
        // No folder only this user can write: no hooks, and a warning.
        let s = start(
            &a,
            &team,
            Which::Command,
            &launch(&exe, &flags),
            &|_| unreachable!(),
        );
        assert!(s.files.is_empty() && s.warning.is_some());
    }

    #[test]
    fn a_users_settings_are_merged_not_replaced() {
        let ours = claude_settings(&|s: &str| format!("sig {s}"));
        let argv: Vec<String> = [
            "claude",
            "--settings",
            r#"{"model":"m","hooks":{"Stop":[{"hooks":[{"type":"command","command":"mine"}]}]}}"#,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        let out = add_claude_hooks(&argv, &ours, &|_| unreachable!()).unwrap();
        assert_eq!(out.len(), 3);
        let v: Value = serde_json::from_str(&out[2]).unwrap();
        assert_eq!(v["model"], "m");
        assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "mine");
        assert_eq!(v["hooks"]["Stop"][1]["hooks"][0]["command"], "sig idle");
        assert_eq!(
            v["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"],
            "sig busy"
        );
        // A settings file is read and merged the same way.
        let argv: Vec<String> = ["claude", "--settings=s.json"]
            .iter()
            .map(ToString::to_string)
            .collect();
        let out = add_claude_hooks(&argv, &ours, &|p| {
            assert_eq!(p, "s.json");
            Ok(r#"{"env":{"A":"1"}}"#.into())
        })
        .unwrap();
        let v: Value = serde_json::from_str(&out[2]).unwrap();
        assert_eq!(v["env"]["A"], "1");
        assert!(v["hooks"]["Stop"].is_array());
        // An unreadable one is said, not ignored.
        let err = add_claude_hooks(&argv, &ours, &|_| {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        })
        .unwrap_err();
        assert!(err.contains("s.json"), "{err}");
    }
}
