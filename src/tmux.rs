//! The one type that runs `tmux`.
//!
//! [`Tmux`] knows which server it talks to (`-L`/`-S`, else the one atlas runs inside, else
//! tmux's default), batches several commands into one invocation (`cmd1 ; cmd2`), and turns
//! tmux's failures into sentences that say what to do. Panes are addressed by id (`%N`) and
//! sessions exactly (`=name`), never by index or prefix.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use thiserror::Error;

/// Set in tests: a `Tmux` without an explicit `-L`/`-S` refuses to run, so no test can reach
/// the user's own tmux server.
pub const GUARD_ENV: &str = "ATLAS_FORBID_DEFAULT_SERVER";

/// What went wrong running tmux.
#[derive(Debug, Error)]
pub enum TmuxError {
    /// tmux is not installed.
    #[error(
        "tmux is not installed; install it (Debian/Ubuntu: `sudo apt-get install tmux`, macOS: `brew install tmux`) and try again"
    )]
    NotInstalled,
    /// No server on that socket.
    #[error("no tmux server is running{0}; run `atlas up` to start the team")]
    NoServer(String),
    /// The session does not exist.
    #[error("the tmux session `{0}` is not running; run `atlas up` to start it")]
    NoSession(String),
    /// The guard refused to reach the default server.
    #[error(
        "refusing to talk to the default tmux server while {GUARD_ENV} is set (tests must pass -L or -S)"
    )]
    Guarded,
    /// tmux ran and failed.
    #[error("tmux {command} failed: {stderr}")]
    Failed {
        /// The first tmux command of the invocation.
        command: String,
        /// What tmux printed.
        stderr: String,
    },
    /// tmux could not be started.
    #[error("cannot run tmux: {0}")]
    Io(#[from] std::io::Error),
    /// The team's session belongs to another config (or to none).
    #[error(transparent)]
    NotOurs(#[from] crate::owner::NotOurs),
}

/// Which tmux server to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// The one atlas runs inside (`$TMUX`), else tmux's default.
    Default,
    /// `-L NAME`.
    Name(String),
    /// `-S PATH`.
    Path(PathBuf),
}

/// One tmux command: its argument vector (the command name first).
pub type Cmd = Vec<String>;

/// Build a [`Cmd`] from string-ish parts.
#[macro_export]
macro_rules! tcmd {
    ($($arg:expr),* $(,)?) => {
        vec![$(::std::string::String::from($arg)),*]
    };
}

/// Runs tmux against one server.
#[derive(Debug, Clone)]
pub struct Tmux {
    server: Server,
}

/// A tmux command running (see [`Tmux::start`]).
pub struct Running<'a> {
    tmux: &'a Tmux,
    first: Cmd,
    /// Taken by [`Running::wait`]; a `Running` dropped unwaited stops the client.
    child: Option<Child>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Running<'_> {
    /// Wait for the command; its standard output, or what went wrong.
    pub fn wait(mut self) -> Result<String, TmuxError> {
        let Some(child) = self.child.take() else {
            return Ok(String::new());
        };
        let out = child.wait_with_output()?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(self.tmux.classify(&self.first, stderr))
    }

    /// Wait for a [`Tmux::start_panes`]: the panes.
    pub fn panes(self) -> Result<Vec<PaneInfo>, TmuxError> {
        Ok(self.wait()?.lines().filter_map(PaneInfo::parse).collect())
    }
}

impl Tmux {
    /// A handle on the given server.
    pub fn new(server: Server) -> Self {
        Tmux { server }
    }

    /// The server this handle talks to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The global arguments that select the server (`-L NAME` / `-S PATH`), for building
    /// commands that other programs run (popups, hooks, pipe-pane).
    pub fn server_args(&self) -> Vec<OsString> {
        match &self.server {
            Server::Default => Vec::new(),
            Server::Name(n) => vec!["-L".into(), n.into()],
            Server::Path(p) => vec!["-S".into(), p.into()],
        }
    }

    /// The same server selection as `atlas` flags, as strings (`-L`, NAME).
    pub fn server_flags(&self) -> Vec<String> {
        self.server_args()
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// A `tmux` process with the server selected, ready for arguments. When
    /// `$ATLAS_TMUX_CONF` is set (tests use `/dev/null`), a server this starts reads that file
    /// instead of the user's tmux.conf.
    pub fn command(&self) -> Result<Command, TmuxError> {
        if self.server == Server::Default && std::env::var_os(GUARD_ENV).is_some() {
            return Err(TmuxError::Guarded);
        }
        let mut c = Command::new("tmux");
        c.args(self.server_args());
        if let Some(conf) = std::env::var_os("ATLAS_TMUX_CONF").filter(|v| !v.is_empty()) {
            c.arg("-f").arg(conf);
        }
        Ok(c)
    }

    /// Every pane of every session (empty when no server runs).
    pub fn all_panes(&self) -> Result<Vec<PaneInfo>, TmuxError> {
        match self.run(&tcmd!["list-panes", "-a", "-F", PaneInfo::FORMAT]) {
            Ok(out) => Ok(out.lines().filter_map(PaneInfo::parse).collect()),
            Err(TmuxError::NoServer(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Run one tmux command and return its standard output.
    pub fn run(&self, cmd: &[String]) -> Result<String, TmuxError> {
        self.run_batch(std::slice::from_ref(&cmd.to_vec()))
    }

    /// [`Tmux::run_batch`], cutting a batch too big for one invocation only before the
    /// commands at `breaks`.
    pub fn run_batch_at(&self, cmds: &[Cmd], breaks: &[usize]) -> Result<String, TmuxError> {
        let mut out = String::new();
        for chunk in split_batch_at(cmds, MAX_BATCH_BYTES, breaks) {
            if !chunk.is_empty() {
                out.push_str(&self.start_input(chunk, None)?.wait()?);
            }
        }
        Ok(out)
    }

    /// Run several tmux commands in one invocation (`a ; b ; c`); stops at the first that
    /// fails. Returns the combined standard output.
    pub fn run_batch(&self, cmds: &[Cmd]) -> Result<String, TmuxError> {
        self.run_batch_input(cmds, None)
    }

    /// As [`Tmux::run_batch`], feeding `input` to tmux's standard input (for
    /// `load-buffer -`).
    ///
    /// A batch too big for one tmux message (about 16 KiB of arguments: long names or paths,
    /// many agents) is run as several invocations, in order, each stopping the rest when it
    /// fails — where one would fail with tmux's "failed to send command".
    pub fn run_batch_input(&self, cmds: &[Cmd], input: Option<&[u8]>) -> Result<String, TmuxError> {
        if cmds.is_empty() {
            return Ok(String::new());
        }
        let chunks = split_batch(cmds, MAX_BATCH_BYTES);
        if input.is_some() || chunks.len() == 1 {
            return self.start_input(cmds, input)?.wait();
        }
        let mut out = String::new();
        for chunk in chunks {
            out.push_str(&self.start_input(chunk, None)?.wait()?);
        }
        Ok(out)
    }

    /// Start one tmux command without waiting for it: the caller does other work while
    /// the tmux client runs, then [`Running::wait`]s for its output.
    pub fn start(&self, cmd: &[String]) -> Result<Running<'_>, TmuxError> {
        self.start_input(std::slice::from_ref(&cmd.to_vec()), None)
    }

    fn start_input(&self, cmds: &[Cmd], input: Option<&[u8]>) -> Result<Running<'_>, TmuxError> {
        let mut c = self.command()?;
        c.args(batch_args(cmds));
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = c.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                TmuxError::NotInstalled
            } else {
                TmuxError::Io(e)
            }
        })?;
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            // A write error shows up as tmux's own failure below.
            let _ = stdin.write_all(data);
        }
        Ok(Running {
            tmux: self,
            first: cmds.first().cloned().unwrap_or_default(),
            child: Some(child),
        })
    }

    fn classify(&self, first: &Cmd, stderr: String) -> TmuxError {
        if stderr.starts_with("no server running")
            || stderr.starts_with("server exited unexpectedly")
            || stderr.starts_with("error connecting to")
            || stderr.contains("No such file or directory") && stderr.contains("connecting")
        {
            let on = match &self.server {
                Server::Default => String::new(),
                Server::Name(n) => format!(" on socket name `{n}`"),
                Server::Path(p) => format!(" on socket {}", p.display()),
            };
            return TmuxError::NoServer(on);
        }
        if let Some(rest) = stderr.strip_prefix("can't find session: ") {
            return TmuxError::NoSession(
                rest.trim_start_matches('=')
                    .trim_end_matches(':')
                    .to_string(),
            );
        }
        TmuxError::Failed {
            command: first.first().cloned().unwrap_or_default(),
            stderr,
        }
    }

    /// Whether the session exists (exact name).
    pub fn has_session(&self, session: &str) -> Result<bool, TmuxError> {
        match self.run(&tcmd!["has-session", "-t", exact_session(session)]) {
            Ok(_) => Ok(true),
            Err(TmuxError::NoServer(_) | TmuxError::NoSession(_)) => Ok(false),
            Err(TmuxError::Failed { stderr, .. }) if stderr.contains("can't find session") => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// [`Tmux::panes`], started: the tmux client runs while the caller goes on.
    pub fn start_panes(&self, session: &str) -> Result<Running<'_>, TmuxError> {
        self.start(&tcmd![
            "list-panes",
            "-s",
            "-t",
            session_target(session),
            "-F",
            PaneInfo::FORMAT
        ])
    }

    /// The panes of a session, with what atlas needs to know about each.
    pub fn panes(&self, session: &str) -> Result<Vec<PaneInfo>, TmuxError> {
        self.start_panes(session)?.panes()
    }

    /// The visible screen of a pane, as plain text (no escapes), one string per line.
    pub fn capture(&self, pane: &str) -> Result<String, TmuxError> {
        self.run(&tcmd!["capture-pane", "-p", "-t", pane])
    }

    /// The `@atlas_config` of a session (empty when unset), or `None` when the session (or
    /// the server) is not running. One tmux call.
    pub fn session_config(&self, session: &str) -> Result<Option<String>, TmuxError> {
        match self.run(&tcmd![
            "display-message",
            "-p",
            "-t",
            session_target(session),
            "#{@atlas_config}"
        ]) {
            Ok(out) => Ok(Some(out.trim_end_matches('\n').to_string())),
            Err(TmuxError::NoServer(_) | TmuxError::NoSession(_)) => Ok(None),
            Err(TmuxError::Failed { stderr, .. }) if stderr.contains("can't find") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Read a session option (`@name`); empty when unset.
    pub fn session_option(&self, session: &str, name: &str) -> Result<String, TmuxError> {
        let out = self.run(&tcmd![
            "show-options",
            "-qv",
            "-t",
            session_target(session),
            name
        ])?;
        Ok(out.trim_end_matches('\n').to_string())
    }
}

/// The most argument bytes (each argument and its NUL) atlas sends in one tmux invocation.
/// tmux 3.3a's client refuses a command line of about 16,330 bytes ("failed to send
/// command", then "command too long"); this leaves room.
pub const MAX_BATCH_BYTES: usize = 15 * 1024;

/// How many bytes of a tmux invocation one command takes (its arguments as
/// [`batch_args`] writes them, each with its NUL, and the `;` before it).
pub fn command_bytes(cmd: &Cmd) -> usize {
    cmd.iter()
        .map(|a| crate::escape::tmux_arg(a).len() + 1)
        .sum::<usize>()
        + 2
}

/// `cmds` cut into runs of whole commands whose arguments (as [`batch_args`] writes them)
/// take at most `max` bytes each; a single command larger than that is a run of its own.
pub fn split_batch(cmds: &[Cmd], max: usize) -> Vec<&[Cmd]> {
    let size = command_bytes;
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, c) in cmds.iter().enumerate() {
        let n = size(c);
        if i > start && used + n > max {
            out.push(&cmds[start..i]);
            (start, used) = (i, 0);
        }
        used += n;
    }
    out.push(&cmds[start..]);
    out
}

/// [`split_batch`] that cuts only before the commands at `breaks` (indices into `cmds`),
/// unless a run between two breaks is itself over `max` (then it is cut like
/// [`split_batch`]).
pub fn split_batch_at<'a>(cmds: &'a [Cmd], max: usize, breaks: &[usize]) -> Vec<&'a [Cmd]> {
    let mut groups: Vec<&[Cmd]> = Vec::new();
    let mut start = 0;
    for &b in breaks.iter().filter(|b| **b > 0 && **b < cmds.len()) {
        if b > start {
            groups.push(&cmds[start..b]);
            start = b;
        }
    }
    groups.push(&cmds[start..]);
    let mut out: Vec<&[Cmd]> = Vec::new();
    let (mut from, mut used) = (0usize, 0usize);
    let mut at = 0usize;
    for g in groups {
        let n: usize = g.iter().map(command_bytes).sum();
        if n > max {
            if at > from {
                out.push(&cmds[from..at]);
            }
            out.extend(split_batch(g, max));
            at += g.len();
            (from, used) = (at, 0);
            continue;
        }
        if at > from && used + n > max {
            out.push(&cmds[from..at]);
            (from, used) = (at, 0);
        }
        used += n;
        at += g.len();
    }
    if at > from || out.is_empty() {
        out.push(&cmds[from..at]);
    }
    out
}

/// The argument vector for several commands: separated by lone `;`, each argument's
/// trailing `;` escaped so tmux does not read it as a separator.
pub fn batch_args(cmds: &[Cmd]) -> Vec<String> {
    let mut args = Vec::new();
    for (i, cmd) in cmds.iter().enumerate() {
        if i > 0 {
            args.push(";".to_string());
        }
        args.extend(cmd.iter().map(|a| crate::escape::tmux_arg(a)));
    }
    args
}

/// `=name`: an exact session match (for has-session, kill-session, attach, switch-client).
pub fn exact_session(session: &str) -> String {
    format!("={session}")
}

/// `=name:`: an exact session match where tmux wants a window-ish target (set-option,
/// show-options, display-message, list-panes -s, new-window).
pub fn session_target(session: &str) -> String {
    format!("={session}:")
}

/// `=session:=window`: a window by exact names; as a pane target, its active pane.
pub fn window_target(session: &str, window: &str) -> String {
    format!("={session}:={window}")
}

/// One pane as `list-panes` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneInfo {
    /// `%N`.
    pub id: String,
    /// `@N`.
    pub window_id: String,
    /// The window's name.
    pub window: String,
    /// The `@atlas_agent` pane option (empty if not an agent pane).
    pub agent: String,
    /// Whether the program exited (remain-on-exit kept the pane).
    pub dead: bool,
    /// The exit status, once tmux knows it.
    pub dead_status: Option<i32>,
    /// The signal that killed it, if any.
    pub dead_signal: Option<i32>,
    /// The pane's process id.
    pub pid: Option<u32>,
    /// Whether the pane is in a mode (copy mode).
    pub in_mode: bool,
    /// Seconds since the epoch of the window's last activity.
    pub activity: Option<i64>,
    /// The `@atlas_state` pane option the supervisor keeps.
    pub state_option: String,
    /// Whether the operator stopped this pane's program (`atlas stop`): the pane option
    /// [`STOPPED_OPTION`] holds the pid it stopped, and that is still the pane's pid (a
    /// respawn makes the mark stale by itself).
    pub stopped: bool,
    /// The session's name.
    pub session: String,
    /// The session's `@atlas_config`: the config that owns it ("" when unset; see
    /// [`crate::owner`]).
    pub config: String,
}

/// The pane option `atlas stop` sets to the pid of the program it stops.
pub const STOPPED_OPTION: &str = "@atlas_stopped";

impl PaneInfo {
    /// The `-F` format that [`PaneInfo::parse`] reads. Fields are separated by a tab; the
    /// session's name, which may hold tabs in a session atlas did not make, comes before
    /// its `@atlas_config`, which cannot (atlas refuses such a config path).
    pub const FORMAT: &'static str = "#{pane_id}\t#{window_id}\t#{window_name}\t#{@atlas_agent}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}\t#{pane_pid}\t#{pane_in_mode}\t#{window_activity}\t#{@atlas_state}\t#{@atlas_stopped}\t#{session_name}\t#{@atlas_config}";

    /// Parse one line printed with [`PaneInfo::FORMAT`] (a line without the config field
    /// reads as a session with no `@atlas_config`).
    pub fn parse(line: &str) -> Option<PaneInfo> {
        let f: Vec<&str> = line.splitn(13, '\t').collect();
        if f.len() < 13 || !f[0].starts_with('%') {
            return None;
        }
        let (session, config) = f[12].rsplit_once('\t').unwrap_or((f[12], ""));
        Some(PaneInfo {
            id: f[0].into(),
            window_id: f[1].into(),
            window: f[2].into(),
            agent: f[3].into(),
            dead: f[4] == "1",
            dead_status: f[5].parse().ok(),
            dead_signal: f[6].parse().ok(),
            pid: f[7].parse().ok(),
            in_mode: f[8] == "1",
            activity: f[9].parse().ok(),
            state_option: f[10].into(),
            stopped: !f[11].is_empty() && f[11] == f[7],
            session: session.into(),
            config: config.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_separates_and_escapes() {
        let args = batch_args(&[tcmd!["send-keys", "-l", "--", "a;"], tcmd!["kill-pane"]]);
        assert_eq!(
            args,
            vec!["send-keys", "-l", "--", "a\\;", ";", "kill-pane"]
        );
    }

    #[test]
    fn batches_are_cut_only_at_their_breaks() {
        let c = |n: usize| tcmd!["set-option", "-g", "@o", "x".repeat(n)];
        let cmds: Vec<Cmd> = (0..6).map(|_| c(1000)).collect();
        // Groups of two; room for about three commands an invocation: cut after 2 and 4.
        let parts = split_batch_at(&cmds, 3100, &[2, 4]);
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [2, 2, 2]);
        // Everything fits: one invocation.
        assert_eq!(split_batch_at(&cmds, 100_000, &[2, 4]).len(), 1);
        // A group too big for one invocation is cut anyway.
        let parts = split_batch_at(&cmds, 2100, &[4]);
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), 6);
        assert!(parts.iter().all(|p| !p.is_empty()));
    }

    #[test]
    fn big_batches_are_split_between_commands() {
        let cmds: Vec<Cmd> = (0..10)
            .map(|i| tcmd!["set-option", "-g", format!("@o{i}"), "x".repeat(1000)])
            .collect();
        assert_eq!(split_batch(&cmds, MAX_BATCH_BYTES).len(), 1);
        let parts = split_batch(&cmds, 3000);
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [2, 2, 2, 2, 2]
        );
        let one = vec![tcmd!["set-option", "-g", "@big", "x".repeat(5000)]];
        assert_eq!(split_batch(&one, 3000).len(), 1);
        assert_eq!(split_batch(&[], 3000).len(), 1);
    }

    #[test]
    fn parses_pane_lines() {
        let p = PaneInfo::parse(
            "%3\t@1\tcontent\tOrpheus\t1\t137\t\t4242\t0\t1700000000\tbusy\t\tmy\tteam\t/t/atlas.toml",
        )
        .unwrap();
        assert!(!p.stopped);
        let stopped = |mark: &str| {
            PaneInfo::parse(&format!(
                "%3\t@1\tw\tA\t1\t143\t\t4242\t0\t1700000000\tstopped\t{mark}\tteam"
            ))
            .unwrap()
            .stopped
        };
        assert!(stopped("4242"));
        // A mark left from before a respawn (another pid) is stale.
        assert!(!stopped("4100"));
        assert_eq!(p.id, "%3");
        assert_eq!(p.agent, "Orpheus");
        assert!(p.dead);
        assert_eq!(p.dead_status, Some(137));
        assert_eq!(p.dead_signal, None);
        assert_eq!(p.pid, Some(4242));
        assert_eq!(p.state_option, "busy");
        assert_eq!(p.session, "my\tteam");
        assert_eq!(p.config, "/t/atlas.toml");
        let bare = PaneInfo::parse("%3\t@1\tw\tA\t0\t\t\t1\t0\t1\t\t\tteam").unwrap();
        assert_eq!((bare.session.as_str(), bare.config.as_str()), ("team", ""));
        assert!(PaneInfo::parse("garbage").is_none());
    }

    #[test]
    fn targets_are_exact() {
        assert_eq!(exact_session("atlas"), "=atlas");
        assert_eq!(session_target("atlas"), "=atlas:");
        assert_eq!(window_target("atlas", "ceo"), "=atlas:=ceo");
    }
}
