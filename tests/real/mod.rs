//! The real agent programs in the loop: a fake model server (tests/fake_model/) on
//! 127.0.0.1, the program set up offline by tests/fake_model/agents.py, and a team of them
//! started with `atlas up` on a private tmux server.
//!
//! A test that needs a program that is not installed (scripts/install-agents.sh puts them in
//! `$ATLAS_AGENTS_DIR`, default ~/.cache/atlas-agents) fails under `CI=true` and is skipped
//! with a notice otherwise: [`program`] returns None and the test returns.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Server, output, stderr, stdout, wait_for};

/// The folder of the fake model server and agents.py.
pub fn fake_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake_model")
}

/// A real agent program, installed.
#[derive(Debug, Clone)]
pub struct Program {
    /// `claude`, `codex`, `gemini` or `aider`.
    pub name: String,
    /// Its path.
    pub bin: PathBuf,
}

/// The program, or None (after printing why) when it is not installed and this is not CI.
pub fn program(name: &str) -> Option<Program> {
    let dir = std::env::var_os("ATLAS_AGENTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/atlas-agents")
        });
    let bin = dir.join("bin").join(name);
    if bin.exists() {
        return Some(Program {
            name: name.into(),
            bin,
        });
    }
    let msg = format!(
        "{name} is not installed in {}; run scripts/install-agents.sh {name}",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {msg}");
    }
    eprintln!("SKIPPED (not a pass): {msg}");
    None
}

/// The fake model server, stopped on drop.
pub struct FakeModel {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its request log (JSON lines).
    pub log: PathBuf,
}

impl FakeModel {
    /// Start one, logging into `dir`.
    pub fn start(dir: &Path) -> FakeModel {
        let log = dir.join("model.jsonl");
        let port_file = dir.join("model.port");
        let child = Command::new("python3")
            .arg(fake_dir().join("fake_model.py"))
            .arg("--log")
            .arg(&log)
            .arg("--port-file")
            .arg(&port_file)
            .stderr(Stdio::null())
            .spawn()
            .expect("start the fake model server");
        let port = wait_for(Duration::from_secs(10), "the fake model's port", || {
            std::fs::read_to_string(&port_file)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        });
        FakeModel {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The agent's own turns: requests that offer tools.
    pub fn turns(&self, agent: &str) -> Vec<Value> {
        self.records()
            .into_iter()
            .filter(|r| r["event"] == "request" && r["agent"] == agent && r["tools"] == true)
            .collect()
    }

    /// The texts a person (or atlas) submitted to the agent, in order, once each: the
    /// `user_text` of each turn that carries one.
    pub fn prompts(&self, agent: &str) -> Vec<String> {
        self.turns(agent)
            .iter()
            .filter(|r| r["tool_results"].as_array().is_none_or(|a| a.is_empty()))
            .filter_map(|r| r["user_text"].as_str().map(str::to_string))
            .collect()
    }

    /// Whether one of the agent's scripted requests is being answered now.
    pub fn answering(&self, agent: &str) -> bool {
        let records = self.records();
        let ended: Vec<&Value> = records
            .iter()
            .filter(|r| r["event"] == "response_end")
            .map(|r| &r["id"])
            .collect();
        records.iter().any(|r| {
            r["event"] == "request"
                && r["agent"] == agent
                && r["tools"] == true
                && !ended.contains(&&r["id"])
        })
    }

    /// Wait until the agent's prompts satisfy `f`.
    pub fn wait_prompts(
        &self,
        agent: &str,
        what: &str,
        timeout: Duration,
        f: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        wait_for(timeout, what, || {
            let p = self.prompts(agent);
            f(&p).then_some(p)
        })
    }
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One agent of a [`RealTeam`].
#[derive(Debug, Clone)]
pub struct Spec {
    /// Its name.
    pub name: String,
    /// `reports_to`.
    pub reports_to: Option<String>,
    /// `key` (an API key) or `oauth` (a subscription login: Claude Code's own usage-limit
    /// screens).
    pub auth: &'static str,
    /// Extra `key = value` TOML for the agent's inline table.
    pub extra: String,
    /// Run the program by its bare name, found on this `env.PATH` (its folder is added).
    pub path: Option<String>,
    /// Leave out the folder-trust setting, so the program asks on its first run.
    pub ask_trust: bool,
}

impl Spec {
    /// An agent with an API key.
    pub fn new(name: &str) -> Spec {
        Spec {
            name: name.into(),
            reports_to: None,
            auth: "key",
            extra: String::new(),
            path: None,
            ask_trust: false,
        }
    }

    /// The program asks whether to trust the folder.
    pub fn ask_trust(mut self) -> Spec {
        self.ask_trust = true;
        self
    }

    /// Run the program by name, with `env.PATH` = the program's folder, then `rest`.
    pub fn path(mut self, rest: &str) -> Spec {
        self.path = Some(rest.into());
        self
    }

    /// More TOML for the agent's inline table (`restart = "always"`).
    pub fn extra(mut self, toml: &str) -> Spec {
        self.extra = toml.into();
        self
    }

    /// Reporting to `lead`.
    pub fn reports_to(mut self, lead: &str) -> Spec {
        self.reports_to = Some(lead.into());
        self
    }

    /// Logged in with a subscription.
    pub fn oauth(mut self) -> Spec {
        self.auth = "oauth";
        self
    }
}

/// What agents.py says about running the program as one agent.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Environment.
    pub env: Vec<(String, String)>,
    /// Command.
    pub command: Vec<String>,
    /// Resume command.
    pub resume: Vec<String>,
    /// Preset.
    pub preset: String,
}

/// Ask agents.py to set the program up for `agent`.
pub fn setup(
    program: &Program,
    agent: &str,
    home: &Path,
    cwd: &Path,
    url: &str,
    auth: &str,
    ask_trust: bool,
) -> Setup {
    let out = Command::new("python3")
        .arg(fake_dir().join("agents.py"))
        .args(["setup", "--program", &program.name, "--bin"])
        .arg(&program.bin)
        .arg("--home")
        .arg(home)
        .arg("--cwd")
        .arg(cwd)
        .args(["--url", url, "--agent", agent, "--auth", auth])
        .args(ask_trust.then_some("--ask-trust"))
        .output()
        .expect("run agents.py");
    assert!(
        out.status.success(),
        "agents.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("agents.py prints JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    Setup {
        env: v["env"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect(),
        command: strings(&v["command"]),
        resume: strings(&v["resume"]),
        preset: v["preset"].as_str().unwrap().to_string(),
    }
}

/// The `XDG_CACHE_HOME` the tests give atlas: in target/ — unless a folder above it is
/// writable by others (a checkout under /tmp): Gemini CLI ignores hook settings files
/// there, and atlas then does not wire them; then ~/.cache/atlas-tests.
pub fn cache_home() -> PathBuf {
    use std::os::unix::fs::MetadataExt;
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("atlas-cache");
    let open = target
        .ancestors()
        .skip(1)
        .any(|d| std::fs::metadata(d).is_ok_and(|m| m.mode() & 0o022 != 0));
    let p = match std::env::var_os("HOME") {
        Some(home) if open => Path::new(&home).join(".cache").join("atlas-tests"),
        _ => target,
    };
    let _ = std::fs::create_dir_all(&p);
    p
}

/// A TOML string.
pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A team of one real program on a private tmux server, with its fake model server.
pub struct RealTeam {
    /// The program.
    pub program: Program,
    /// The model (dropped after the server, so the programs never see it vanish first).
    pub model: FakeModel,
    /// The private tmux server.
    pub server: Server,
    /// The team's folder: atlas.toml, coordination.md, logs, one `work-NAME` and `home-NAME`
    /// per agent.
    pub dir: tempfile::TempDir,
    /// Each agent's setup.
    pub setups: Vec<(String, Setup)>,
}

impl RealTeam {
    /// Write the team's atlas.toml (one window `w`), without starting it. `supervisor`:
    /// whether `[supervisor] enabled`; `extra`: more TOML appended.
    pub fn new(program: Program, agents: &[Spec], supervisor: bool, extra: &str) -> RealTeam {
        let dir = tempfile::tempdir().unwrap();
        let model = FakeModel::start(dir.path());
        let server = Server::new();
        let mut toml = format!(
            "[team]\nsession = \"real{}\"\noperator = \"human\"\n\n[supervisor]\nenabled = {supervisor}\nreport_at = \"\"\n\n{extra}\n\n[[windows]]\nname = \"w\"\nlayout = \"tiled\"\nagents = [\n",
            std::process::id()
        );
        let mut setups = Vec::new();
        for a in agents {
            let cwd = dir.path().join(format!("work-{}", a.name));
            let home = dir.path().join(format!("home-{}", a.name));
            std::fs::create_dir_all(&cwd).unwrap();
            std::fs::create_dir_all(&home).unwrap();
            let _ = Command::new("git").arg("init").arg("-q").arg(&cwd).output();
            let mut s = setup(
                &program,
                &a.name,
                &home,
                &cwd,
                &model.url,
                a.auth,
                a.ask_trust,
            );
            if let Some(rest) = &a.path {
                let folder = program.bin.parent().unwrap().to_string_lossy().into_owned();
                s.env.push(("PATH".into(), format!("{folder}:{rest}")));
                for argv in [&mut s.command, &mut s.resume] {
                    argv[0] = program.name.clone();
                }
            }
            let env: Vec<String> = s
                .env
                .iter()
                .map(|(k, v)| format!("{k} = {}", toml_str(v)))
                .collect();
            toml.push_str(&format!(
                "  {{ name = \"{}\", command = {}, resume = {}, preset = \"{}\", cwd = {}, env = {{ {} }}{}{} }},\n",
                a.name,
                toml_str(&shell_words::join(&s.command)),
                toml_str(&shell_words::join(&s.resume)),
                s.preset,
                toml_str(&cwd.to_string_lossy()),
                env.join(", "),
                a.reports_to
                    .as_ref()
                    .map(|r| format!(", reports_to = \"{r}\""))
                    .unwrap_or_default(),
                if a.extra.is_empty() {
                    String::new()
                } else {
                    format!(", {}", a.extra)
                },
            ));
            setups.push((a.name.clone(), s));
        }
        toml.push_str("]\n");
        std::fs::write(dir.path().join("atlas.toml"), toml).unwrap();
        RealTeam {
            program,
            model,
            server,
            dir,
            setups,
        }
    }

    /// [`RealTeam::new`], then `atlas up`, then wait until every agent is idle.
    pub fn up(program: Program, agents: &[Spec], supervisor: bool) -> RealTeam {
        let team = RealTeam::new(program, agents, supervisor, "");
        team.start();
        team
    }

    /// `atlas up`, then wait for every agent to be idle.
    pub fn start(&self) {
        let o = output(self.atlas().arg("up"));
        assert!(o.status.success(), "atlas up: {}", stderr(&o));
        for (name, _) in &self.setups {
            self.wait_state(name, "idle", Duration::from_secs(60));
        }
    }

    /// An atlas command in the team's folder, on its server.
    pub fn atlas(&self) -> Command {
        let mut c = self.server.atlas(self.dir.path());
        // Hook settings files (Gemini CLI's) go under target/, not the user's own cache; it
        // must be a folder no other user can write (not /tmp): see cache_home.
        c.env("XDG_CACHE_HOME", cache_home());
        c
    }

    /// `atlas ls --json`.
    pub fn ls(&self) -> Vec<Value> {
        let o = output(self.atlas().args(["ls", "--json"]));
        assert!(o.status.success(), "ls: {}", stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// One agent's row of `atlas ls --json`.
    pub fn row(&self, agent: &str) -> Value {
        self.ls()
            .into_iter()
            .find(|r| r["name"] == agent)
            .unwrap_or_else(|| panic!("{agent} in ls"))
    }

    /// The agent's state in `atlas ls --json`.
    pub fn state(&self, agent: &str) -> String {
        self.row(agent)["state"].as_str().unwrap_or("").to_string()
    }

    /// Wait until the agent shows `state`; panics with its screen otherwise.
    pub fn wait_state(&self, agent: &str, state: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.state(agent) == state {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{agent} never became {state} (it is {}); its screen:\n{}",
                    self.state(agent),
                    self.screen(agent)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The agent's pane.
    pub fn pane(&self, agent: &str) -> String {
        wait_for(Duration::from_secs(10), "the agent's pane", || {
            self.server.agent_pane(agent)
        })
    }

    /// The agent's screen now.
    pub fn screen(&self, agent: &str) -> String {
        self.server.capture(&self.pane(agent))
    }

    /// `atlas send AGENT -- TEXT`.
    pub fn send(&self, agent: &str, text: &str) -> std::process::Output {
        output(self.atlas().args(["send", agent, "--", text]))
    }

    /// `atlas send` that must succeed; its stdout.
    pub fn send_ok(&self, agent: &str, text: &str) -> String {
        let o = self.send(agent, text);
        assert!(
            o.status.success(),
            "send to {agent} failed: {}{}\nscreen:\n{}",
            stdout(&o),
            stderr(&o),
            self.screen(agent)
        );
        stdout(&o)
    }

    /// The coordination file.
    pub fn coordination(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("coordination.md")).unwrap_or_default()
    }

    /// logs/events.log.
    pub fn events(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("logs/events.log")).unwrap_or_default()
    }

    /// Type keys into the agent's pane as a person would.
    pub fn keys(&self, agent: &str, keys: &[&str]) {
        let pane = self.pane(agent);
        let mut args = vec!["send-keys", "-t", pane.as_str()];
        args.extend_from_slice(keys);
        self.server.run(&args);
    }

    /// Answer the menu on the agent's screen with `keys`, as a person would: again if the
    /// program was not yet listening (a menu just drawn may miss a key), until the agent is
    /// no longer `waiting`.
    pub fn answer(&self, agent: &str, keys: &[&str]) {
        for _ in 0..10 {
            self.keys(agent, keys);
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if self.state(agent) != "waiting" {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("{agent} kept its menu; screen:\n{}", self.screen(agent));
    }

    /// Type text literally into the agent's pane as a person would.
    pub fn type_text(&self, agent: &str, text: &str) {
        let pane = self.pane(agent);
        self.server
            .run(&["send-keys", "-t", &pane, "-l", "--", text]);
    }
}

/// The pane's program's process id.
pub fn pane_pid(team: &RealTeam, agent: &str) -> u32 {
    let pane = team.pane(agent);
    team.server
        .run(&["display-message", "-p", "-t", &pane, "#{pane_pid}"])
        .trim()
        .parse()
        .unwrap()
}

/// Kill the agent's program with SIGKILL, as a crash would.
pub fn crash(team: &RealTeam, agent: &str) {
    let pid = pane_pid(team, agent);
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).output();
}

/// How many `restart` events of `agent` by `by` the events log has.
pub fn restarts(team: &RealTeam, agent: &str, by: &str) -> usize {
    team.events()
        .lines()
        .filter(|l| {
            l.contains(" restart ")
                && l.contains(&format!(" {agent} "))
                && l.contains(&format!("by={by}"))
        })
        .count()
}

/// Processes whose command line mentions `needle` (for counting a program's processes).
pub fn processes(needle: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .is_some_and(|s| s == "Z");
        if !zombie && cmd.contains(needle) {
            out.push((pid, cmd));
        }
    }
    out
}

/// Assert the prompts the model got are the texts sent (after `unwrap`, a program's own
/// wrapping of pasted text), without printing 10 kB texts.
pub fn assert_prompts(got: &[String], want: &[String], unwrap: &dyn Fn(&str) -> String) {
    let got: Vec<String> = got.iter().map(|p| unwrap(p)).collect();
    assert_eq!(got.len(), want.len(), "how many prompts: {got:.80?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if g != w {
            let at = g.chars().zip(w.chars()).take_while(|(a, b)| a == b).count();
            panic!(
                "prompt {i} differs at char {at}: got {:?}, sent {:?}",
                g.chars()
                    .skip(at.saturating_sub(20))
                    .take(60)
                    .collect::<String>(),
                w.chars()
                    .skip(at.saturating_sub(20))
                    .take(60)
                    .collect::<String>()
            );
        }
    }
}

/// Texts that must reach the model exactly as sent (no leading `/`, `!`, `#` or `@`, which
/// the programs read as their own commands).
pub const EXACT: &[&str] = &[
    "both 'single' and \"double\" quotes, a backslash \\ and \\;",
    "$(touch /tmp/atlas-pwned) `id` ${HOME} $HOME and a; semicolon;",
    "- a leading dash and --flags -rf",
    "Enter C-c Escape: key names are just words",
    "#{pane_id} #(touch /tmp/atlas-pwned) %1 %% ##",
    "emoji 🎉👩‍💻 and CJK 日本語の文章、中文，한국어 and RTL שלום",
    "line one\nline two; with Enter\n\nline four after a blank line",
    // Typed as keys into an empty input, a `?` opens Codex's and Gemini CLI's shortcut help.
    "? a question mark first, one in the middle? and one at the end?",
];

/// A directive of more than 10 kB, on many lines.
pub fn long_text() -> String {
    (0..210)
        .map(|i| format!("line {i:03} of a long directive, forty-nine bytes.\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}
