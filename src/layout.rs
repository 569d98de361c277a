//! The tmux commands that build and repair the team's session, as argument lists.
//!
//! Pure: given the team and the panes that exist, [`up_plan`] returns one batch of tmux
//! commands that creates exactly what is missing — the session, windows, agent panes with
//! their environment, options, titles and logging — so `atlas up` costs one tmux
//! invocation for the work. Panes are made active by their creation, so each follow-up
//! command targets `=session:=window` (the window's active pane) or a window id, never an
//! index that `base-index` could shift.

use std::path::Path;

use crate::config::{Agent, Team};
use crate::escape;
use crate::launch::{self, Launch, Which};
use crate::tcmd;
use crate::tmux::{Cmd, PaneInfo, session_target, window_target};

/// The name of the supervisor's window.
pub const SUPERVISOR_WINDOW: &str = "supervisor";
/// The pane option that marks the supervisor's pane.
pub const SUPERVISOR_OPTION: &str = "@atlas_supervisor";

/// The supervisor pane's `pane-died` hook: respawn it (same command) after 5 seconds.
pub const SUPERVISOR_RESPAWN_HOOK: &str = "run-shell -b -d 5 -C \"respawn-pane -t #{pane_id}\"";

/// What `atlas up` must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpPlan {
    /// The batch of tmux commands (empty when nothing is missing).
    pub commands: Vec<Cmd>,
    /// The agents (and `supervisor`, if started) created, in the order the batch prints
    /// their pane ids.
    pub created: Vec<String>,
    /// Agents present with a dead pane (left alone; `atlas restart` brings them back).
    pub dead: Vec<String>,
    /// Where the batch may be cut into several tmux invocations (indices into `commands`: a
    /// cut goes before that command). Never between a pane's creation and its logging, so no
    /// output of a program is lost to a gap between two invocations.
    pub breaks: Vec<usize>,
}

/// Settings for [`up_plan`] that come from outside the config.
#[derive(Debug, Clone)]
pub struct UpOptions<'a> {
    /// The atlas binary, which replaces a command's `atlas` program and runs `pipe-log`.
    pub atlas_exe: &'a Path,
    /// Whether to draw agent names and states on pane borders.
    pub borders: bool,
    /// Whether to start the supervisor (when the config enables it and none runs).
    pub supervisor: bool,
    /// Server flags (`-L NAME`) the supervisor and the agents' hooks need to reach this
    /// server.
    pub server_flags: &'a [String],
    /// The PATH of agents whose `env` sets none (see [`crate::launch`]).
    pub base_path: &'a str,
    /// Where the agents' hook settings files are (see [`crate::launch::hooks_dir`]).
    pub hooks_dir: Option<&'a Path>,
    /// Milliseconds since the epoch: recorded as `@atlas_up` when the session is created
    /// (so the supervisor knows a fresh start from a restart of its own) and as each new
    /// pane's `@atlas_epoch` (its crash count starts there).
    pub now_ms: i64,
}

impl UpOptions<'_> {
    /// How the agents are started (see [`crate::launch`]).
    pub fn launch(&self) -> Launch<'_> {
        Launch {
            atlas_exe: self.atlas_exe,
            server_flags: self.server_flags,
            base_path: self.base_path,
            hooks_dir: self.hooks_dir,
        }
    }
}

/// The pane option that marks when an agent's current run began (ms since the epoch): set
/// when `up` creates its pane and when the operator restarts it. The supervisor counts
/// crashes only after it.
pub const OPT_EPOCH: &str = "@atlas_epoch";

/// The session option set when `up` creates the session (ms since the epoch).
pub const OPT_UP: &str = "@atlas_up";

/// The shell command `pipe-pane` runs to log a pane: this binary's `pipe-log`, quoted for
/// the shell, with `#` and `%` escaped because pipe-pane expands formats and strftime.
pub fn pipe_command(atlas_exe: &Path, logs: &Path, agent: &str) -> String {
    let cmd = format!(
        "exec {} pipe-log --dir {} --agent {}",
        escape::sh_quote(&atlas_exe.to_string_lossy()),
        escape::sh_quote(&logs.to_string_lossy()),
        escape::sh_quote(agent)
    );
    escape::tmux_strftime(&cmd)
}

/// The `pane-border-format` for agent panes: name and state, coloured by state (the
/// plugin's, so both show the same).
pub fn pane_border_format() -> String {
    crate::plugin::pane_border_format()
}

/// The options and logging of a newly made agent pane, addressed by `target`.
fn pane_setup(target: &str, agent: &Agent, team: &Team, opts: &UpOptions) -> Vec<Cmd> {
    let path = launch::agent_path(agent, opts.base_path, opts.atlas_exe);
    vec![
        tcmd!["set-option", "-p", "-t", target, launch::OPT_PATH, path],
        tcmd![
            "set-option",
            "-p",
            "-t",
            target,
            OPT_EPOCH,
            opts.now_ms.to_string()
        ],
        tcmd![
            "set-option",
            "-p",
            "-t",
            target,
            "@atlas_agent",
            agent.name.as_str()
        ],
        tcmd!["set-option", "-p", "-t", target, "remain-on-exit", "on"],
        tcmd!["select-pane", "-t", target, "-T", agent.name.as_str()],
        tcmd![
            "pipe-pane",
            "-o",
            "-t",
            target,
            pipe_command(opts.atlas_exe, &team.logs, &agent.name)
        ],
    ]
}

fn spawn_args(agent: &Agent, team: &Team, opts: &UpOptions) -> Vec<String> {
    let mut args = vec!["-P".to_string(), "-F".into(), "#{pane_id}".into()];
    args.push("-c".into());
    // tmux expands `-c` as a format.
    args.push(escape::tmux_format(&agent.cwd.to_string_lossy()));
    let start = launch::start(agent, team, Which::Command, &opts.launch(), &|p| {
        std::fs::read_to_string(p)
    });
    args.extend(start.env);
    args.push("--".into());
    args.extend(start.argv);
    args
}

/// The supervisor pane's command: this binary's `watch`, on the same server and config.
fn supervisor_argv(team: &Team, opts: &UpOptions) -> Vec<String> {
    let mut argv = vec![opts.atlas_exe.to_string_lossy().into_owned()];
    argv.extend(opts.server_flags.iter().cloned());
    argv.push("--config".into());
    argv.push(team.path.to_string_lossy().into_owned());
    argv.push("watch".into());
    argv
}

/// The commands that create what is missing of the team's session. `panes` are the
/// session's current panes (empty when the session does not exist).
pub fn up_plan(team: &Team, panes: &[PaneInfo], opts: &UpOptions) -> UpPlan {
    let mut breaks: Vec<usize> = Vec::new();
    let s = team.session.as_str();
    let mut cmds: Vec<Cmd> = Vec::new();
    let mut created = Vec::new();
    let mut dead = Vec::new();
    let session_exists = !panes.is_empty();
    let mut session_made = session_exists;

    for window in &team.windows {
        // Where this window's agents live now (by pane option), or a window of that name.
        let existing_window = panes
            .iter()
            .find(|p| window.agents.iter().any(|a| a.name == p.agent))
            .or_else(|| panes.iter().find(|p| p.window == window.name))
            .map(|p| p.window_id.clone());
        let mut target: Option<String> = existing_window.clone();
        let mut changed = false;
        let mut made_here = 0;
        for agent in &window.agents {
            if let Some(p) = panes.iter().find(|p| p.agent == agent.name) {
                if p.dead {
                    dead.push(agent.name.clone());
                }
                continue;
            }
            let spawn = spawn_args(agent, team, opts);
            let t = match &target {
                Some(t) => {
                    // Each split halves the active pane: from the fourth pane on, even the
                    // window out first, or the sixth split of a 50-row window finds "no
                    // space for new pane" (the window's own layout comes at the end).
                    let in_window = panes
                        .iter()
                        .filter(|p| Some(&p.window_id) == existing_window.as_ref())
                        .count()
                        + made_here;
                    if in_window >= 3 {
                        cmds.push(tcmd!["select-layout", "-t", t.as_str(), "tiled"]);
                    }
                    let mut c = tcmd!["split-window", "-t", t.as_str()];
                    c.extend(spawn);
                    cmds.push(c);
                    t.clone()
                }
                None if !session_made => {
                    let mut c = tcmd![
                        "new-session",
                        "-d",
                        "-s",
                        s,
                        "-n",
                        window.name.as_str(),
                        "-x",
                        "200",
                        "-y",
                        "50"
                    ];
                    c.extend(spawn);
                    cmds.push(c);
                    cmds.push(tcmd![
                        "set-option",
                        "-t",
                        session_target(s),
                        "@atlas_config",
                        team.path.to_string_lossy()
                    ]);
                    cmds.push(tcmd![
                        "set-option",
                        "-t",
                        session_target(s),
                        OPT_UP,
                        opts.now_ms.to_string()
                    ]);
                    session_made = true;
                    window_target(s, &window.name)
                }
                None => {
                    let mut c = tcmd![
                        "new-window",
                        "-d",
                        "-t",
                        session_target(s),
                        "-n",
                        window.name.as_str()
                    ];
                    c.extend(spawn);
                    cmds.push(c);
                    window_target(s, &window.name)
                }
            };
            if target.is_none() {
                // Named layouts keep half the window for the main pane at any size.
                cmds.push(tcmd![
                    "set-option",
                    "-w",
                    "-t",
                    t.as_str(),
                    "main-pane-width",
                    "50%"
                ]);
                cmds.push(tcmd![
                    "set-option",
                    "-w",
                    "-t",
                    t.as_str(),
                    "main-pane-height",
                    "50%"
                ]);
            }
            if opts.borders && target.is_none() {
                cmds.push(tcmd![
                    "set-option",
                    "-w",
                    "-t",
                    t.as_str(),
                    "pane-border-status",
                    "top"
                ]);
                cmds.push(tcmd![
                    "set-option",
                    "-w",
                    "-t",
                    t.as_str(),
                    "pane-border-format",
                    pane_border_format()
                ]);
            }
            cmds.extend(pane_setup(&t, agent, team, opts));
            breaks.push(cmds.len());
            created.push(agent.name.clone());
            made_here += 1;
            target = Some(t);
            changed = true;
        }
        if changed {
            if let Some(t) = &target {
                cmds.push(tcmd![
                    "select-layout",
                    "-t",
                    t.as_str(),
                    window.layout.as_str()
                ]);
            }
        }
    }

    if opts.supervisor && team.supervisor.enabled {
        let running = panes
            .iter()
            .any(|p| p.window == SUPERVISOR_WINDOW && !p.dead);
        if !running {
            if let Some(p) = panes.iter().find(|p| p.window == SUPERVISOR_WINDOW) {
                let mut c = tcmd![
                    "respawn-pane",
                    "-k",
                    "-t",
                    p.id.as_str(),
                    "-c",
                    escape::tmux_format(&team.dir.to_string_lossy()),
                    "--"
                ];
                c.extend(supervisor_argv(team, opts));
                cmds.push(c);
                created.push(SUPERVISOR_WINDOW.to_string());
            } else if session_made {
                let mut c = tcmd![
                    "new-window",
                    "-d",
                    "-t",
                    session_target(s),
                    "-n",
                    SUPERVISOR_WINDOW,
                    "-P",
                    "-F",
                    "#{pane_id}",
                    "-c",
                    escape::tmux_format(&team.dir.to_string_lossy()),
                    "--"
                ];
                c.extend(supervisor_argv(team, opts));
                cmds.push(c);
                let t = window_target(s, SUPERVISOR_WINDOW);
                cmds.push(tcmd![
                    "set-option",
                    "-p",
                    "-t",
                    t.as_str(),
                    SUPERVISOR_OPTION,
                    "1"
                ]);
                cmds.push(tcmd![
                    "set-option",
                    "-p",
                    "-t",
                    t.as_str(),
                    "remain-on-exit",
                    "on"
                ]);
                cmds.push(tcmd!["select-pane", "-t", t.as_str(), "-T", "supervisor"]);
                // If the supervisor dies, tmux itself brings it back a few seconds later.
                cmds.push(tcmd![
                    "set-hook",
                    "-p",
                    "-t",
                    t.as_str(),
                    "pane-died",
                    SUPERVISOR_RESPAWN_HOOK
                ]);
                created.push(SUPERVISOR_WINDOW.to_string());
            }
        }
    }

    UpPlan {
        commands: cmds,
        created,
        dead,
        breaks,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config;

    fn team() -> Team {
        config::parse(
            &crate::cmd::init::starter_config(true),
            Path::new("/my team/atlas.toml"),
            &|_, _| true,
        )
        .unwrap()
    }

    fn opts(exe: &Path) -> UpOptions<'_> {
        UpOptions {
            atlas_exe: exe,
            borders: false,
            supervisor: false,
            server_flags: &[],
            base_path: "/usr/bin:/bin",
            hooks_dir: None,
            now_ms: 1,
        }
    }

    #[test]
    fn fresh_session_is_one_batch_creating_every_agent() {
        let exe = PathBuf::from("/bin/atlas");
        let plan = up_plan(&team(), &[], &opts(&exe));
        assert_eq!(plan.created.len(), 13);
        let first = &plan.commands[0];
        assert_eq!(
            &first[..6],
            ["new-session", "-d", "-s", "atlas", "-n", "ceo"]
        );
        assert_eq!(&first[6..10], ["-x", "200", "-y", "50"]);
        assert!(first.contains(&"ATLAS_AGENT=Atlas".to_string()));
        assert!(first.contains(&"ATLAS_CONFIG=/my team/atlas.toml".to_string()));
        let dashdash = first.iter().position(|a| a == "--").unwrap();
        assert_eq!(
            &first[dashdash + 1..],
            [
                "/usr/bin/env",
                "PATH=/usr/bin:/bin",
                "/bin/atlas",
                "demo-agent"
            ]
        );
        let new_windows: Vec<&Cmd> = plan
            .commands
            .iter()
            .filter(|c| c[0] == "new-window")
            .collect();
        assert_eq!(new_windows.len(), 4);
        let splits = plan
            .commands
            .iter()
            .filter(|c| c[0] == "split-window")
            .count();
        assert_eq!(splits, 8);
        assert!(plan.commands.iter().any(|c| c
            == &tcmd![
                "set-option",
                "-p",
                "-t",
                "=atlas:=content",
                "@atlas_agent",
                "Orpheus"
            ]));
        assert!(plan.commands.iter().any(|c| c
            == &tcmd![
                "set-option",
                "-t",
                "=atlas:",
                "@atlas_config",
                "/my team/atlas.toml"
            ]));
        let layouts = plan
            .commands
            .iter()
            .filter(|c| c[0] == "select-layout")
            .count();
        assert_eq!(layouts, 5);
        // Every creation prints its pane id, in the order of `created`.
        let printing = plan
            .commands
            .iter()
            .filter(|c| c.contains(&"-P".to_string()))
            .count();
        assert_eq!(printing, plan.created.len());
    }

    #[test]
    fn nothing_missing_means_nothing_to_do() {
        let t = team();
        let panes: Vec<PaneInfo> = t
            .agents()
            .enumerate()
            .map(|(i, a)| pane(i, &a.window, &a.name, false))
            .collect();
        let exe = PathBuf::from("/bin/atlas");
        let plan = up_plan(&t, &panes, &opts(&exe));
        assert!(plan.commands.is_empty(), "{:?}", plan.commands);
        assert!(plan.created.is_empty());
    }

    #[test]
    fn one_missing_agent_is_split_into_its_window() {
        let t = team();
        let panes: Vec<PaneInfo> = t
            .agents()
            .enumerate()
            .filter(|(_, a)| a.name != "Orpheus")
            .map(|(i, a)| pane(i, &a.window, &a.name, a.name == "Nike"))
            .collect();
        let exe = PathBuf::from("/bin/atlas");
        let plan = up_plan(&t, &panes, &opts(&exe));
        assert_eq!(plan.created, ["Orpheus"]);
        assert_eq!(plan.dead, ["Nike"]);
        assert_eq!(&plan.commands[0][..3], ["split-window", "-t", "@content"]);
        assert!(
            plan.commands
                .iter()
                .any(|c| c[..3] == ["select-layout", "-t", "@content"])
        );
    }

    #[test]
    fn a_crowded_window_is_evened_out_before_each_split() {
        let names: Vec<String> = (0..12).map(|i| format!("{{ name = \"A{i}\" }}")).collect();
        let t = config::parse(
            &format!(
                "[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"w\"\nagents = [{}]\n",
                names.join(", ")
            ),
            Path::new("/t/atlas.toml"),
            &|_, _| true,
        )
        .unwrap();
        let exe = PathBuf::from("/bin/atlas");
        let plan = up_plan(&t, &[], &opts(&exe));
        let kinds: Vec<&str> = plan
            .commands
            .iter()
            .filter(|c| c[0] == "split-window" || c[0] == "select-layout")
            .map(|c| {
                c.last().map_or("", |l| {
                    if c[0] == "split-window" {
                        "split"
                    } else {
                        l.as_str()
                    }
                })
            })
            .collect();
        let mut want = vec!["split", "split"];
        for _ in 0..9 {
            want.extend(["tiled", "split"]);
        }
        want.push("main-vertical");
        assert_eq!(kinds, want);
    }

    #[test]
    fn pipe_command_is_quoted_and_escaped() {
        let c = pipe_command(
            Path::new("/a b/atlas"),
            Path::new("/logs/100%#x"),
            "Orpheus",
        );
        assert_eq!(
            c,
            "exec '/a b/atlas' pipe-log --dir '/logs/100%%##x' --agent Orpheus"
        );
    }

    fn pane(i: usize, window: &str, agent: &str, dead: bool) -> PaneInfo {
        PaneInfo {
            id: format!("%{i}"),
            window_id: format!("@{window}"),
            window: window.into(),
            agent: agent.into(),
            dead,
            dead_status: dead.then_some(1),
            dead_signal: None,
            pid: Some(100),
            in_mode: false,
            activity: None,
            state_option: String::new(),
            stopped: false,
            session: "atlas".into(),
            config: String::new(),
        }
    }
}
