//! The team config, `atlas.toml` (DESIGN §1): reading, defaults inheritance and validation.
//!
//! Everything here is pure except [`discover`] and [`load`], which read files. A bad config
//! is refused as a whole before anything starts; each problem names the file, line and
//! column and says what was expected.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::duration;

/// The state-detection presets atlas knows without configuration.
pub const BUILTIN_PRESETS: &[&str] = &["claude", "codex", "gemini", "aider", "shell", "demo"];

/// The file name looked for when no config is given.
pub const FILE_NAME: &str = "atlas.toml";

/// A config that cannot be used: every problem found, each with its place in the file.
#[derive(Debug)]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                p.line,
                p.column,
                p.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// When the supervisor restarts a dead agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Whatever the exit status.
    Always,
    /// Only after a non-zero exit status (or a signal).
    OnFailure,
    /// Never.
    Never,
}

impl RestartPolicy {
    /// The word used in atlas.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::OnFailure => "on-failure",
            Self::Never => "never",
        }
    }
}

/// Parts of a state-detection preset, as written in `[presets.NAME]` or on an agent; each
/// part given replaces that part of the preset it overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetSpec {
    /// Regexes that mean the agent is working.
    pub busy: Option<Vec<String>>,
    /// Regexes that mean the agent asks the operator something.
    pub waiting: Option<Vec<String>>,
    /// Regexes that mean the agent is ready for a directive.
    pub idle: Option<Vec<String>>,
    /// Regexes that mean a usage limit was hit; a named group `reset` captures the time.
    pub limited: Option<Vec<String>>,
    /// A regex matching the input line; a named group `draft` captures text typed there.
    pub input: Option<String>,
    /// The pause between the text and the submit key.
    pub submit_delay: Option<String>,
    /// The key that queues a message while the program works: `Enter`, `Tab`, or "" (the
    /// program has no queue; atlas refuses to type into it while it is busy).
    pub queue_key: Option<String>,
    /// Regexes over the pane's title (which the program may set) that mean it is working.
    pub busy_title: Option<Vec<String>>,
    /// Whether the pane's cursor hidden (`#{cursor_flag}` 0) means it is working.
    pub busy_cursor_hidden: Option<bool>,
}

/// The values `queue_key` may take.
pub const QUEUE_KEYS: &[&str] = &["Enter", "Tab", ""];

impl PresetSpec {
    /// Layer `over` on top of `self`: each part `over` sets wins.
    pub fn merged(&self, over: &PresetSpec) -> PresetSpec {
        PresetSpec {
            busy: over.busy.clone().or_else(|| self.busy.clone()),
            waiting: over.waiting.clone().or_else(|| self.waiting.clone()),
            idle: over.idle.clone().or_else(|| self.idle.clone()),
            limited: over.limited.clone().or_else(|| self.limited.clone()),
            input: over.input.clone().or_else(|| self.input.clone()),
            submit_delay: over
                .submit_delay
                .clone()
                .or_else(|| self.submit_delay.clone()),
            queue_key: over.queue_key.clone().or_else(|| self.queue_key.clone()),
            busy_title: over.busy_title.clone().or_else(|| self.busy_title.clone()),
            busy_cursor_hidden: over.busy_cursor_hidden.or(self.busy_cursor_hidden),
        }
    }

    fn is_empty(&self) -> bool {
        *self == PresetSpec::default()
    }
}

/// The `[supervisor]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervisor {
    /// Whether `atlas up` starts the supervisor.
    pub enabled: bool,
    /// Wake an idle agent when a handoff reaches it.
    pub wake_on_handoff: bool,
    /// Local time of the morning report ("HH:MM"); `None` for never.
    pub report_at: Option<(u32, u32)>,
    /// Crashes within `restart_window` before an agent is `failed`.
    pub max_restarts: u32,
    /// The window for `max_restarts`.
    pub restart_window: Duration,
    /// Restart delays grow from 0 up to this.
    pub backoff_max: Duration,
    /// Retry a usage-limited agent whose reset time is unknown after this.
    pub limit_retry: Duration,
    /// How long after a known reset time a limited agent is told to continue.
    pub limit_grace: Duration,
    /// The wake directive (placeholders: {agent} {id} {from} {status} {task} {count} {config}).
    pub wake_template: String,
    /// The brief after a restart (placeholders: {agent} {inbox} {recent} {config}).
    pub brief_template: String,
    /// A queued item handed out (placeholders: {agent} {text} {config}).
    pub dispatch_template: String,
    /// Told to a limited agent after its reset (placeholders: {agent}).
    pub resume_template: String,
}

/// The default wake directive.
pub const WAKE_TEMPLATE: &str = "{task} (handoff {id} from {from}, status {status}, in the coordination file). When done, answer with: atlas handoff --from {agent} --to {from} --status DONE --task \"...\" --re \"{id}\"";
/// What every message from atlas that is information, not a task, starts with (the brief
/// after a restart). Agents are told to take such a message as context (README, "What to
/// tell your agents"); the demo agent does.
pub const NOTE_PREFIX: &str = "[atlas]";
/// The default brief after a restart: facts only, marked as atlas's own by [`NOTE_PREFIX`].
pub const BRIEF_TEMPLATE: &str = "[atlas] Context, not a task: {agent} was restarted. Pending in your inbox: {inbox}. Your last entries: {recent}.";
/// The default dispatch of queued work.
pub const DISPATCH_TEMPLATE: &str =
    "Next item from your work queue: {text}. When done, report with atlas handoff --from {agent}.";
/// The default directive after a usage limit reset.
pub const RESUME_TEMPLATE: &str = "Your usage limit has reset. Please continue where you left off.";

impl Default for Supervisor {
    fn default() -> Self {
        Supervisor {
            enabled: true,
            wake_on_handoff: true,
            report_at: Some((5, 0)),
            max_restarts: 5,
            restart_window: Duration::from_secs(600),
            backoff_max: Duration::from_secs(30),
            limit_retry: Duration::from_secs(900),
            limit_grace: Duration::from_secs(60),
            wake_template: WAKE_TEMPLATE.into(),
            brief_template: BRIEF_TEMPLATE.into(),
            dispatch_template: DISPATCH_TEMPLATE.into(),
            resume_template: RESUME_TEMPLATE.into(),
        }
    }
}

/// One agent, with everything inherited from `[defaults]` already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Unique name.
    pub name: String,
    /// Free-text role.
    pub role: String,
    /// The agent it reports to, if any.
    pub reports_to: Option<String>,
    /// The window it lives in.
    pub window: String,
    /// How to start it: program and arguments.
    pub command: Vec<String>,
    /// How to bring it back after a crash.
    pub resume: Vec<String>,
    /// The state-detection preset's name.
    pub preset: String,
    /// Per-agent overrides of the preset's parts.
    pub patterns: PresetSpec,
    /// Working directory (absolute).
    pub cwd: PathBuf,
    /// Extra environment variables (defaults merged with the agent's own).
    pub env: BTreeMap<String, String>,
    /// When the supervisor restarts it.
    pub restart: RestartPolicy,
    /// Whether atlas wires the program's own hooks into it (Claude Code's `--settings`,
    /// Gemini CLI's system-defaults settings).
    pub hooks: bool,
    /// Its own git worktree, when `worktree = true` (then `cwd` is the worktree's path).
    pub worktree: Option<Worktree>,
}

/// An agent's own git worktree (`worktree = true`): created by `atlas up`, kept across
/// restarts, removed only by `atlas down --remove-worktrees`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktree {
    /// Where it is: `worktrees/NAME` in the config's folder (absolute).
    pub path: PathBuf,
    /// Its branch: `atlas/NAME`.
    pub branch: String,
    /// The agent's configured `cwd` (absolute): the repository is the one it is in.
    pub repo_dir: PathBuf,
}

/// The folder, in the config's folder, that holds the agents' worktrees.
pub const WORKTREES_DIR: &str = "worktrees";

/// One window of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Unique name.
    pub name: String,
    /// A tmux layout name or layout string.
    pub layout: String,
    /// The agents, in pane order.
    pub agents: Vec<Agent>,
}

/// A whole, valid team config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The config file (absolute).
    pub path: PathBuf,
    /// The config's folder (absolute); relative paths resolve against it.
    pub dir: PathBuf,
    /// The tmux session name.
    pub session: String,
    /// The coordination file (absolute).
    pub coordination: PathBuf,
    /// Folder for pane logs and the event log (absolute).
    pub logs: PathBuf,
    /// Folder for morning reports (absolute).
    pub reports: PathBuf,
    /// Folder for work queues (absolute).
    pub queues: PathBuf,
    /// The name a person uses in the coordination file.
    pub operator: String,
    /// Windows in order.
    pub windows: Vec<Window>,
    /// The supervisor's settings.
    pub supervisor: Supervisor,
    /// `[presets.NAME]` sections: new presets or overrides of built-in ones.
    pub presets: BTreeMap<String, PresetSpec>,
    /// Warnings that do not stop anything (e.g. a command not on PATH).
    pub warnings: Vec<String>,
}

impl Team {
    /// All agents, in window and pane order.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.windows.iter().flat_map(|w| w.agents.iter())
    }

    /// The agent with this name.
    pub fn agent(&self, name: &str) -> Option<&Agent> {
        self.agents().find(|a| a.name == name)
    }

    /// The agent with this name, or a usage error naming the known agents.
    pub fn require_agent(&self, name: &str) -> anyhow::Result<&Agent> {
        self.agent(name).ok_or_else(|| {
            let names: Vec<&str> = self.agents().map(|a| a.name.as_str()).collect();
            crate::error::usage(format!(
                "no agent named `{name}` in {}; the agents are: {}",
                self.path.display(),
                names.join(", ")
            ))
        })
    }

    /// The window with this name.
    pub fn window(&self, name: &str) -> Option<&Window> {
        self.windows.iter().find(|w| w.name == name)
    }

    /// Whether `name` is an agent of the team or the operator.
    pub fn knows(&self, name: &str) -> bool {
        name == self.operator || self.agent(name).is_some()
    }

    /// The effective preset spec for an agent: built-in parts (given by the caller), then
    /// `[presets.NAME]`, then the agent's own overrides.
    pub fn preset_spec(&self, agent: &Agent, builtin: &PresetSpec) -> PresetSpec {
        let mut spec = builtin.clone();
        if let Some(section) = self.presets.get(&agent.preset) {
            spec = spec.merged(section);
        }
        spec.merged(&agent.patterns)
    }
}

// ---------------------------------------------------------------------------------------
// Raw, as read from TOML.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    team: Option<RawTeam>,
    defaults: Option<RawDefaults>,
    windows: Option<Vec<Spanned<RawWindow>>>,
    supervisor: Option<RawSupervisor>,
    presets: Option<BTreeMap<Spanned<String>, Spanned<PresetSpec>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    session: Option<Spanned<String>>,
    coordination: Option<String>,
    logs: Option<String>,
    reports: Option<String>,
    queues: Option<String>,
    operator: Option<Spanned<String>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    command: Option<Spanned<String>>,
    resume: Option<Spanned<String>>,
    preset: Option<Spanned<String>>,
    cwd: Option<String>,
    worktree: Option<bool>,
    restart: Option<Spanned<String>>,
    hooks: Option<bool>,
    env: Option<BTreeMap<String, String>>,
    busy: Option<Vec<String>>,
    waiting: Option<Vec<String>>,
    idle: Option<Vec<String>>,
    limited: Option<Vec<String>>,
    input: Option<String>,
    submit_delay: Option<Spanned<DurationValue>>,
    queue_key: Option<String>,
    busy_title: Option<Vec<String>>,
    busy_cursor_hidden: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    name: Spanned<String>,
    layout: Option<Spanned<String>>,
    agents: Option<Vec<Spanned<RawAgent>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    name: Spanned<String>,
    role: Option<String>,
    reports_to: Option<Spanned<String>>,
    command: Option<Spanned<String>>,
    resume: Option<Spanned<String>>,
    preset: Option<Spanned<String>>,
    cwd: Option<String>,
    worktree: Option<bool>,
    restart: Option<Spanned<String>>,
    hooks: Option<bool>,
    env: Option<BTreeMap<String, String>>,
    busy: Option<Vec<String>>,
    waiting: Option<Vec<String>>,
    idle: Option<Vec<String>>,
    limited: Option<Vec<String>>,
    input: Option<String>,
    submit_delay: Option<Spanned<DurationValue>>,
    queue_key: Option<String>,
    busy_title: Option<Vec<String>>,
    busy_cursor_hidden: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSupervisor {
    enabled: Option<bool>,
    wake_on_handoff: Option<bool>,
    report_at: Option<Spanned<String>>,
    max_restarts: Option<u32>,
    restart_window: Option<Spanned<DurationValue>>,
    backoff_max: Option<Spanned<DurationValue>>,
    limit_retry: Option<Spanned<DurationValue>>,
    limit_grace: Option<Spanned<DurationValue>>,
    wake_template: Option<String>,
    brief_template: Option<String>,
    dispatch_template: Option<String>,
    resume_template: Option<String>,
}

/// A duration as written in atlas.toml: a string such as `"30s"`, or (wrongly) a bare
/// number, kept as its text so the validator can say that it lacks a unit.
#[derive(Debug, Clone)]
struct DurationValue(String);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"150ms\", \"30s\", \"10m\" or \"2h\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DurationValue, E> {
                Ok(DurationValue(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DurationValue, E> {
                Ok(DurationValue(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DurationValue, E> {
                Ok(DurationValue(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DurationValue, E> {
                Ok(DurationValue(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[defaults]` and agents carry the same preset keys; both read them the same way.
macro_rules! preset_keys {
    ($($raw:ty),*) => {$(
        impl $raw {
            fn patterns(&self) -> PresetSpec {
                PresetSpec {
                    busy: self.busy.clone(),
                    waiting: self.waiting.clone(),
                    idle: self.idle.clone(),
                    limited: self.limited.clone(),
                    input: self.input.clone(),
                    submit_delay: self.submit_delay.as_ref().map(|s| s.get_ref().0.clone()),
                    queue_key: self.queue_key.clone(),
                    busy_title: self.busy_title.clone(),
                    busy_cursor_hidden: self.busy_cursor_hidden,
                }
            }
        }
    )*};
}

preset_keys!(RawDefaults, RawAgent);

// ---------------------------------------------------------------------------------------

/// Whether `name` is a valid agent or window name: 1–32 letters, digits, `_` or `-`, not
/// starting with `-` (such a name would be read as a flag: `atlas peek -x`, and the
/// `atlas pipe-log --agent -x` that logs its pane would fail without a word).
pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What a valid name is, for messages.
pub const NAME_RULE: &str = "expected 1-32 letters, digits, `_` or `-`, not starting with `-`";

/// Why a tmux session name cannot be used, if it cannot.
pub fn session_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the session name is empty".into());
    }
    if let Some(c) = name.chars().find(|c| matches!(c, ':' | '.')) {
        return Some(format!(
            "the session name `{name}` contains `{c}`, which tmux replaces or reads as a \
             window/pane separator; choose a name without `:` and `.`"
        ));
    }
    if name.chars().any(char::is_control) {
        return Some("the session name contains a control character".into());
    }
    if name.contains('#') {
        return Some(format!(
            "the session name `{name}` contains `#`, which tmux expands as a format when it \
             makes the session (`#{{…}}` is replaced, `#(…)` runs a command); choose a name \
             without `#`"
        ));
    }
    if name.starts_with(['$', '@', '%', '=', '~', '{', '-']) {
        return Some(format!(
            "the session name `{name}` starts with `{}`, which tmux reads as an id or a \
             special target; choose another",
            &name[..1]
        ));
    }
    if let Some(c) = name.chars().find(|c| !session_char_kept(*c)) {
        return Some(format!(
            "the session name `{name}` contains `{}` (U+{:04X}), which tmux would store \
             differently (it escapes `\\`, `$` and characters it cannot print), so atlas \
             could not find the session again; use letters, digits, spaces and common \
             punctuation",
            c.escape_debug(),
            u32::from(c)
        ));
    }
    None
}

/// Whether tmux 3.3a keeps a character of a session name as written. tmux passes names
/// through `utf8_stravis`, which escapes `\` and `$` and every character its C library
/// cannot print (unassigned code points, noncharacters, U+2028…). Outside ASCII only
/// letters, digits, combining marks and a few symbol blocks assigned long ago are taken,
/// so the answer does not depend on the Unicode tables of the machine tmux runs on.
fn session_char_kept(c: char) -> bool {
    const SYMBOLS: &[(u32, u32)] = &[
        (0x00A1, 0x00FF),   // Latin-1 punctuation and symbols
        (0x0300, 0x036F),   // combining diacritical marks
        (0x2010, 0x2027),   // dashes, quotes, bullets
        (0x2030, 0x205E),   // per mille, primes, …
        (0x2190, 0x23FF),   // arrows, mathematical operators, technical symbols
        (0x2500, 0x27BF),   // box drawing, blocks, shapes, symbols, dingbats (✓)
        (0x1F300, 0x1F64F), // pictographs and emoticons
    ];
    if c.is_ascii() {
        return (' '..='~').contains(&c) && c != '\\' && c != '$';
    }
    let u = u32::from(c);
    (c.is_alphanumeric() && !(0xFDD0..=0xFDEF).contains(&u) && u & 0xFFFE != 0xFFFE)
        || SYMBOLS.iter().any(|(a, b)| (*a..=*b).contains(&u))
}

/// Parse and validate a config's text. `path` is where it came from (absolute); it names
/// the file in errors and anchors relative paths. `on_path` says whether a program can be
/// found (for the not-on-PATH warning); pass `|_| true` to skip the check.
pub fn parse(
    text: &str,
    path: &Path,
    on_path: &dyn Fn(&str, Option<&str>) -> bool,
) -> Result<Team, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |problems| ConfigError {
        file: path.to_path_buf(),
        problems,
    };
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            return Err(err(vec![Problem {
                line,
                column,
                message: toml_message(e.message()),
            }]));
        }
    };
    let mut v = Validator {
        text,
        problems: Vec::new(),
    };
    let team = v.build(raw, path, on_path);
    if v.problems.is_empty() {
        Ok(team)
    } else {
        v.problems.sort_by_key(|p| (p.line, p.column));
        Err(err(v.problems))
    }
}

fn toml_message(msg: &str) -> String {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("unknown field") {
        return format!("unknown key{rest}");
    }
    msg.to_string()
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

struct Validator<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn at(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.problems.push(Problem {
            line,
            column,
            message: message.into(),
        });
    }

    /// Whether a window or agent name is valid and not taken yet (reported when not).
    fn new_name(
        &mut self,
        kind: &str,
        name: &Spanned<String>,
        seen: &HashMap<String, usize>,
    ) -> bool {
        let n = name.get_ref();
        if !valid_name(n) {
            self.at(
                name.span(),
                format!("the {kind} name `{n}` is not valid; {NAME_RULE}"),
            );
            return false;
        }
        if let Some(first) = seen.get(n) {
            self.at(
                name.span(),
                format!("a second {kind} named `{n}` (the first is on line {first}); {kind} names must be unique"),
            );
            return false;
        }
        true
    }

    /// A duration value, or the default after reporting why it cannot be read (at the
    /// value's own line and column, naming `key`).
    fn duration(
        &mut self,
        value: Option<&Spanned<DurationValue>>,
        key: &str,
        default: Duration,
    ) -> Duration {
        match value {
            None => default,
            Some(s) => match duration::parse(&s.get_ref().0) {
                Ok(d) => d,
                Err(e) => {
                    self.at(s.span(), format!("{key}: {e}"));
                    default
                }
            },
        }
    }

    fn words(&mut self, value: &Spanned<String>, what: &str) -> Vec<String> {
        match shell_words::split(value.get_ref()) {
            Ok(w) if !w.is_empty() => w,
            Ok(_) => {
                self.at(
                    value.span(),
                    format!("the {what} is empty; expected a program and its arguments"),
                );
                Vec::new()
            }
            Err(e) => {
                self.at(
                    value.span(),
                    format!("the {what} cannot be split into words ({e}); check its quotes"),
                );
                Vec::new()
            }
        }
    }

    fn restart(&mut self, value: &Spanned<String>) -> RestartPolicy {
        match value.get_ref().as_str() {
            "always" => RestartPolicy::Always,
            "on-failure" => RestartPolicy::OnFailure,
            "never" => RestartPolicy::Never,
            other => {
                self.at(
                    value.span(),
                    format!("restart is `{other}`; expected always, on-failure or never"),
                );
                RestartPolicy::OnFailure
            }
        }
    }

    fn regexes(&mut self, list: &Option<Vec<String>>, span: std::ops::Range<usize>, key: &str) {
        for r in list.iter().flatten() {
            if let Err(e) = regex::Regex::new(r) {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.at(
                    span.clone(),
                    format!("`{key}` pattern `{r}` is not a valid regex: {first}"),
                );
            }
        }
    }

    fn spec_regexes(&mut self, spec: &PresetSpec, span: std::ops::Range<usize>) {
        self.regexes(&spec.busy, span.clone(), "busy");
        self.regexes(&spec.waiting, span.clone(), "waiting");
        self.regexes(&spec.idle, span.clone(), "idle");
        self.regexes(&spec.limited, span.clone(), "limited");
        self.regexes(&spec.busy_title, span.clone(), "busy_title");
        self.regexes(&spec.input.clone().map(|i| vec![i]), span.clone(), "input");
        if let Some(k) = &spec.queue_key {
            if !QUEUE_KEYS.contains(&k.as_str()) {
                self.at(
                    span,
                    format!("queue_key is `{k}`; expected \"Enter\", \"Tab\" or \"\" (no queue)"),
                );
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn build(
        &mut self,
        raw: RawConfig,
        path: &Path,
        on_path: &dyn Fn(&str, Option<&str>) -> bool,
    ) -> Team {
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        let rel = |p: &str| -> PathBuf {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                normalize(&dir.join(p))
            }
        };
        // The config's path is handed to tmux (`@atlas_config`, read back line by line) and
        // to every agent (`ATLAS_CONFIG`): it must survive both unchanged.
        match path.to_str() {
            None => self.problems.push(Problem {
                line: 1,
                column: 1,
                message: format!(
                    "the config's path {} is not valid UTF-8, which tmux cannot carry; move \
                     the team to a folder whose path is",
                    path.display()
                ),
            }),
            Some(p) if p.chars().any(char::is_control) => self.problems.push(Problem {
                line: 1,
                column: 1,
                message: format!(
                    "the config's path {} contains a control character (a tab or a line \
                     break), which tmux cannot carry; move the team to a folder whose path \
                     has none",
                    p.escape_debug()
                ),
            }),
            Some(_) => {}
        }
        let t = raw.team.unwrap_or_default();
        let session = match &t.session {
            Some(s) => {
                if let Some(p) = session_name_problem(s.get_ref()) {
                    self.at(s.span(), p);
                }
                s.get_ref().clone()
            }
            None => "atlas".to_string(),
        };
        let operator = match &t.operator {
            Some(o) => {
                if !valid_name(o.get_ref()) {
                    self.at(
                        o.span(),
                        format!(
                            "the operator name `{}` is not valid; {NAME_RULE}",
                            o.get_ref()
                        ),
                    );
                }
                o.get_ref().clone()
            }
            None => "human".to_string(),
        };

        // Presets.
        let mut presets = BTreeMap::new();
        for (name, spec) in raw.presets.unwrap_or_default() {
            if !valid_name(name.get_ref()) {
                self.at(
                    name.span(),
                    format!(
                        "the preset name `{}` is not valid; {NAME_RULE}",
                        name.get_ref()
                    ),
                );
            }
            self.spec_regexes(spec.get_ref(), spec.span());
            if let Some(d) = &spec.get_ref().submit_delay {
                if let Err(e) = duration::parse(d) {
                    self.at(spec.span(), format!("submit_delay: {e}"));
                }
            }
            presets.insert(name.into_inner(), spec.into_inner());
        }
        let preset_known = |p: &str| BUILTIN_PRESETS.contains(&p) || presets.contains_key(p);

        // Defaults.
        let d = raw.defaults.unwrap_or_default();
        let d_command = d
            .command
            .as_ref()
            .map(|c| (self.words(c, "default command"), c.span()));
        let d_resume = d
            .resume
            .as_ref()
            .map(|c| self.words(c, "default resume command"));
        let d_restart = d.restart.as_ref().map(|r| self.restart(r));
        if let Some(p) = &d.preset {
            if !preset_known(p.get_ref()) {
                self.at(p.span(), unknown_preset(p.get_ref(), &presets));
            }
        }
        let d_spec = d.patterns();
        let d_span = d.command.as_ref().map_or(0..0, Spanned::span);
        self.spec_regexes(&d_spec, d_span);
        self.duration(d.submit_delay.as_ref(), "submit_delay", Duration::ZERO);

        // Windows and agents.
        let raw_windows = raw.windows.unwrap_or_default();
        if raw_windows.is_empty() {
            self.problems.push(Problem {
                line: 1,
                column: 1,
                message: "the config has no [[windows]]; add at least one window with agents"
                    .into(),
            });
        }
        let mut window_names: HashMap<String, usize> = HashMap::new();
        let mut agent_names: HashMap<String, usize> = HashMap::new();
        let mut windows = Vec::new();
        let mut reports: Vec<(String, Spanned<String>)> = Vec::new();
        for w in raw_windows {
            let wspan = w.span();
            let w = w.into_inner();
            let wname = w.name.get_ref().clone();
            if self.new_name("window", &w.name, &window_names) {
                window_names.insert(wname.clone(), line_col(self.text, w.name.span().start).0);
                if wname.bytes().all(|b| b.is_ascii_digit()) {
                    // tmux 3.3a looks `=session:=0` up as window number 0, whatever its name.
                    self.at(
                        w.name.span(),
                        format!(
                            "the window name `{wname}` is all digits, which tmux reads as a window \
                             number; give it a name with a letter"
                        ),
                    );
                }
            }
            let raw_agents = w.agents.unwrap_or_default();
            if raw_agents.is_empty() {
                self.at(
                    wspan.clone(),
                    format!("the window `{wname}` has no agents; give it `agents = [ {{ name = \"...\" }} ]` or remove it"),
                );
            }
            let mut agents = Vec::new();
            for a in raw_agents {
                let aspan = a.span();
                let a = a.into_inner();
                let name = a.name.get_ref().clone();
                if name == operator {
                    self.at(
                        a.name.span(),
                        format!("the agent `{name}` has the operator's name; rename the agent or set [team] operator"),
                    );
                } else if self.new_name("agent", &a.name, &agent_names) {
                    agent_names.insert(name.clone(), line_col(self.text, a.name.span().start).0);
                }
                if let Some(r) = &a.reports_to {
                    reports.push((name.clone(), r.clone()));
                }
                let own_command = a.command.as_ref().map(|c| self.words(c, "command"));
                let command = match (&own_command, &d_command) {
                    (Some(c), _) => c.clone(),
                    (None, Some((c, _))) => c.clone(),
                    (None, None) => {
                        self.at(
                            aspan.clone(),
                            format!("the agent `{name}` has no command; set `command` on it or in [defaults]"),
                        );
                        Vec::new()
                    }
                };
                let resume = match (&a.resume, &own_command, &d_resume) {
                    (Some(r), _, _) => self.words(r, "resume command"),
                    (None, Some(c), _) => c.clone(),
                    (None, None, Some(r)) => r.clone(),
                    (None, None, None) => command.clone(),
                };
                let preset = match (&a.preset, &d.preset) {
                    (Some(p), _) => {
                        if !preset_known(p.get_ref()) {
                            self.at(p.span(), unknown_preset(p.get_ref(), &presets));
                        }
                        p.get_ref().clone()
                    }
                    (None, Some(p)) => p.get_ref().clone(),
                    (None, None) => guess_preset(&command).to_string(),
                };
                let restart = match &a.restart {
                    Some(r) => self.restart(r),
                    None => d_restart.unwrap_or(RestartPolicy::OnFailure),
                };
                let configured_cwd = rel(a.cwd.as_deref().or(d.cwd.as_deref()).unwrap_or("."));
                let worktree = a
                    .worktree
                    .or(d.worktree)
                    .unwrap_or(false)
                    .then(|| Worktree {
                        path: dir.join(WORKTREES_DIR).join(&name),
                        branch: format!("atlas/{name}"),
                        repo_dir: configured_cwd.clone(),
                    });
                let cwd = worktree.as_ref().map_or(configured_cwd, |w| w.path.clone());
                let mut env = d.env.clone().unwrap_or_default();
                for (k, v) in a.env.clone().unwrap_or_default() {
                    env.insert(k, v);
                }
                for k in env.keys() {
                    if k.is_empty() || k.contains('=') || k.contains('\0') {
                        self.at(
                            aspan.clone(),
                            format!("the environment variable name `{k}` is not valid"),
                        );
                    }
                }
                let own_spec = a.patterns();
                self.spec_regexes(&own_spec, aspan.clone());
                self.duration(a.submit_delay.as_ref(), "submit_delay", Duration::ZERO);
                let patterns = if own_spec.is_empty() {
                    d_spec.clone()
                } else {
                    d_spec.merged(&own_spec)
                };
                agents.push(Agent {
                    name,
                    role: a.role.clone().unwrap_or_default(),
                    reports_to: a.reports_to.as_ref().map(|r| r.get_ref().clone()),
                    window: wname.clone(),
                    command,
                    resume,
                    preset,
                    patterns,
                    cwd,
                    env,
                    restart,
                    hooks: a.hooks.or(d.hooks).unwrap_or(true),
                    worktree,
                });
            }
            let layout = match w.layout {
                Some(l) => {
                    // tmux 3.3a crashes on a layout it cannot read: checked here, for
                    // `check` and `up` alike.
                    if let Err(e) = crate::tmux_value::check_layout(l.get_ref(), agents.len()) {
                        self.at(l.span(), format!("window `{wname}`: {e}"));
                    }
                    l.into_inner()
                }
                None => "main-vertical".into(),
            };
            windows.push(Window {
                name: wname,
                layout,
                agents,
            });
        }
        for (agent, r) in &reports {
            let target = r.get_ref();
            if target == agent {
                self.at(r.span(), format!("the agent `{agent}` reports to itself"));
            } else if !agent_names.contains_key(target) && *target != operator {
                let mut known: Vec<&String> = agent_names.keys().collect();
                known.sort();
                self.at(
                    r.span(),
                    format!(
                        "`{agent}` reports_to `{target}`, which names no agent; expected one of: {}",
                        known.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }

        // Supervisor.
        let s = raw.supervisor.unwrap_or_default();
        let def = Supervisor::default();
        let report_at = match &s.report_at {
            None => def.report_at,
            Some(v) if v.get_ref().trim().is_empty() => None,
            Some(v) => match parse_hhmm(v.get_ref()) {
                Some(t) => Some(t),
                None => {
                    self.at(
                        v.span(),
                        format!("report_at is `{}`; expected a local time like \"05:00\", or \"\" for never", v.get_ref()),
                    );
                    def.report_at
                }
            },
        };
        let supervisor = Supervisor {
            enabled: s.enabled.unwrap_or(def.enabled),
            wake_on_handoff: s.wake_on_handoff.unwrap_or(def.wake_on_handoff),
            report_at,
            max_restarts: s.max_restarts.unwrap_or(def.max_restarts),
            restart_window: self.duration(
                s.restart_window.as_ref(),
                "restart_window",
                def.restart_window,
            ),
            backoff_max: self.duration(s.backoff_max.as_ref(), "backoff_max", def.backoff_max),
            limit_retry: self.duration(s.limit_retry.as_ref(), "limit_retry", def.limit_retry),
            limit_grace: self.duration(s.limit_grace.as_ref(), "limit_grace", def.limit_grace),
            wake_template: s.wake_template.unwrap_or(def.wake_template),
            brief_template: s.brief_template.unwrap_or(def.brief_template),
            dispatch_template: s.dispatch_template.unwrap_or(def.dispatch_template),
            resume_template: s.resume_template.unwrap_or(def.resume_template),
        };

        // Warnings: programs not on PATH, one warning per program naming all its agents.
        let mut missing: Vec<(String, Option<String>, Vec<String>)> = Vec::new();
        for a in windows.iter().flat_map(|w| w.agents.iter()) {
            if let Some(program) = a.command.first() {
                // Looked up on the PATH the agent gets: its env's, else this one.
                let path = a.env.get("PATH").cloned();
                if let Some((_, _, agents)) = missing
                    .iter_mut()
                    .find(|(p, pa, _)| p == program && *pa == path)
                {
                    agents.push(a.name.clone());
                } else if !on_path(program, path.as_deref()) {
                    missing.push((program.clone(), path, vec![a.name.clone()]));
                }
            }
        }
        let warnings = missing
            .iter()
            .map(|(program, path, agents)| not_on_path_warning(program, agents, path.is_some()))
            .collect();

        Team {
            path: path.to_path_buf(),
            session,
            coordination: rel(t.coordination.as_deref().unwrap_or("coordination.md")),
            logs: rel(t.logs.as_deref().unwrap_or("logs")),
            reports: rel(t.reports.as_deref().unwrap_or("reports")),
            queues: rel(t.queues.as_deref().unwrap_or("queues")),
            dir,
            operator,
            windows,
            supervisor,
            presets,
            warnings,
        }
    }
}

/// The warning for a program not found on PATH, naming every agent that runs it (once,
/// however many they are).
pub fn not_on_path_warning(program: &str, agents: &[String], own_path: bool) -> String {
    match agents {
        [one] => format!(
            "agent `{one}`: the command `{program}` is not found on {}; its pane will show the error",
            if own_path { "its env's PATH" } else { "PATH" }
        ),
        many => format!(
            "{} agents ({}): the command `{program}` is not found on {}; their panes will show the error",
            many.len(),
            many.join(", "),
            if own_path { "their env's PATH" } else { "PATH" }
        ),
    }
}

fn unknown_preset(name: &str, presets: &BTreeMap<String, PresetSpec>) -> String {
    let mut known: Vec<String> = BUILTIN_PRESETS.iter().map(ToString::to_string).collect();
    known.extend(presets.keys().cloned());
    format!(
        "unknown preset `{name}`; expected one of: {} (or define [presets.{name}])",
        known.join(", ")
    )
}

/// The preset an agent gets when none is configured, from its program's name.
pub fn guess_preset(command: &[String]) -> &'static str {
    let program = command
        .first()
        .map(|p| {
            Path::new(p)
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or(p)
        })
        .unwrap_or("");
    match program {
        "claude" => "claude",
        "codex" => "codex",
        "gemini" => "gemini",
        "aider" => "aider",
        "atlas" if command.get(1).is_some_and(|a| a == "demo-agent") => "demo",
        _ => "shell",
    }
}

fn parse_hhmm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// Remove `.` and `..` components without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a program can be run: a path that exists, or a name found on `path` (the agent's
/// own `env.PATH`, else this process's PATH). `atlas` itself always can (it is replaced by
/// this binary's path).
pub fn program_available(program: &str, path: Option<&str>) -> bool {
    if program == "atlas" {
        return true;
    }
    if program.contains('/') {
        return Path::new(program).exists();
    }
    match path {
        Some(p) => which::which_in(program, Some(p), "/").is_ok(),
        None => which::which(program).is_ok(),
    }
}

/// Where the config comes from, in DESIGN §1's order: `--config`, `$ATLAS_CONFIG`,
/// `atlas.toml` here or in the nearest parent. (The tmux session option is the caller's
/// last resort, as it needs tmux.)
pub fn discover(flag: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    if let Some(f) = flag {
        return Some(absolute(f, cwd));
    }
    if let Some(env) = std::env::var_os("ATLAS_CONFIG").filter(|v| !v.is_empty()) {
        return Some(absolute(Path::new(&env), cwd));
    }
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// `p` made absolute against `cwd` (without resolving symlinks).
pub fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize(p)
    } else {
        normalize(&cwd.join(p))
    }
}

/// Read and validate a config file.
pub fn load(path: &Path) -> anyhow::Result<Team> {
    load_with(path, &program_available)
}

/// [`load`] without looking for the agents' programs on PATH (no warnings about them): for
/// the commands that only read the team, such as `atlas status`, run on every status-line
/// redraw, where a PATH search per agent would cost more than the rest.
pub fn load_unchecked(path: &Path) -> anyhow::Result<Team> {
    load_with(path, &|_, _| true)
}

fn load_with(path: &Path, on_path: &dyn Fn(&str, Option<&str>) -> bool) -> anyhow::Result<Team> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        crate::error::usage(format!(
            "cannot read the config {}: {e}; run `atlas init` to write one, or pass --config FILE",
            path.display()
        ))
    })?;
    Ok(parse(&text, path, on_path)?)
}

#[cfg(test)]
mod tests;
