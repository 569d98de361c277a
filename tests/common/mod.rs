//! Shared test harness: a private tmux server per test, the `atlas` binary wired to it, and
//! polling with a deadline.
//!
//! Every server is `tmux -L atlas-test-<pid>-<n> -f /dev/null`, started with `TMUX` and
//! `TMUX_PANE` removed, killed (and its socket removed) when the [`Server`] is dropped.
//!
//! The user's own tmux is out of reach twice over:
//! - every tmux and atlas process a test starts through the harness has `TMUX_TMPDIR` set to
//!   a folder of this test process's own ([`tmux_tmpdir`]), so its sockets — those of the
//!   servers atlas starts, and of any "default" server a mistaken call would reach — are
//!   made there, never in the user's socket folder (`/tmp/tmux-UID/`); the folder is removed
//!   when the last server is dropped;
//! - the `atlas` processes get `ATLAS_FORBID_DEFAULT_SERVER=1`, so one that would reach the
//!   default server fails instead.
//!
//! When a [`Server`] is dropped, the harness checks ([`assert_guard`]) that its socket is
//! gone, that no default server was started, and that no `atlas-test-<pid>-*` socket of
//! this process is in the user's socket folder; a test that breaks any of these fails.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Servers alive in this process; the private socket folder goes with the last one.
static LIVE: Mutex<usize> = Mutex::new(0);

/// The `TMUX_TMPDIR` of every tmux and atlas process the harness starts: private to this
/// test process.
pub fn tmux_tmpdir() -> PathBuf {
    std::env::temp_dir().join(format!("atlas-tests-{}", std::process::id()))
}

fn uid() -> u32 {
    // SAFETY: getuid cannot fail and touches no memory.
    unsafe { libc::getuid() }
}

/// The folder tmux keeps sockets in under `tmpdir` (`TMPDIR/tmux-UID`).
pub fn socket_dir(tmpdir: &Path) -> PathBuf {
    tmpdir.join(format!("tmux-{}", uid()))
}

/// The user's own socket folder: `$TMUX_TMPDIR/tmux-UID`, else `/tmp/tmux-UID`.
pub fn user_socket_dir() -> PathBuf {
    let base = std::env::var_os("TMUX_TMPDIR")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    socket_dir(&base)
}

/// Sockets of this test process (`atlas-test-<pid>-*`) in `dir`.
pub fn our_sockets(dir: &Path) -> Vec<String> {
    let prefix = format!("atlas-test-{}-", std::process::id());
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// The atlas binary under test.
pub fn atlas_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_atlas"))
}

/// PATH with the atlas binary's folder first.
pub fn path_with_atlas() -> String {
    let dir = atlas_bin().parent().unwrap().to_path_buf();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A private tmux server, killed on drop.
pub struct Server {
    /// The `-L` socket name.
    pub name: String,
}

impl Server {
    /// A new, not yet started, private server name (atlas or tmux start it).
    pub fn new() -> Server {
        assert_guard();
        {
            let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            let dir = tmux_tmpdir();
            std::fs::create_dir_all(&dir).expect("create the private TMUX_TMPDIR");
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
            *live += 1;
        }
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        Server {
            name: format!("atlas-test-{}-{n}", std::process::id()),
        }
    }

    /// Where this server's socket is.
    pub fn socket(&self) -> PathBuf {
        socket_dir(&tmux_tmpdir()).join(&self.name)
    }

    /// A `tmux` command on this server.
    pub fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.name, "-f", "/dev/null"]);
        c.env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("TMUX_TMPDIR", tmux_tmpdir());
        not_ci(&mut c);
        c
    }

    /// Run tmux with these arguments; its stdout (panics on failure).
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.tmux().args(args).output().expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run tmux; its stdout, or None when it failed.
    pub fn try_run(&self, args: &[&str]) -> Option<String> {
        let out = self.tmux().args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// An `atlas` command on this server, in `dir`.
    pub fn atlas(&self, dir: &Path) -> Command {
        let mut c = Command::new(atlas_bin());
        c.current_dir(dir);
        c.args(["-L", &self.name]);
        c.env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env_remove("ATLAS_CONFIG")
            .env_remove("ATLAS_AGENT")
            .env("ATLAS_FORBID_DEFAULT_SERVER", "1")
            .env("ATLAS_TMUX_CONF", "/dev/null")
            .env("TMUX_TMPDIR", tmux_tmpdir())
            .env("PATH", path_with_atlas());
        not_ci(&mut c);
        c
    }

    /// The server's pid, if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.try_run(&["display-message", "-p", "#{pid}"])
            .and_then(|s| s.trim().parse().ok())
    }

    /// Capture a pane's screen.
    pub fn capture(&self, pane: &str) -> String {
        self.try_run(&["capture-pane", "-p", "-t", pane])
            .unwrap_or_default()
    }

    /// The pane id of an agent (`@atlas_agent`), if it has a pane.
    pub fn agent_pane(&self, agent: &str) -> Option<String> {
        let out = self.try_run(&["list-panes", "-a", "-F", "#{pane_id} #{@atlas_agent}"])?;
        out.lines().find_map(|l| {
            let (id, name) = l.split_once(' ')?;
            (name == agent).then(|| id.to_string())
        })
    }
}

/// The sessions (by their leaders' pids) of every pane's program on a server.
fn pane_sessions(server: &Server) -> Vec<u32> {
    server
        .try_run(&["list-panes", "-a", "-F", "#{pane_pid}"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Kill with SIGKILL every process in these sessions: programs that ignore the SIGHUP of
/// a killed server (Gemini CLI's launcher) would otherwise outlive the test.
fn kill_sessions(sessions: &[u32]) {
    for p in atlas::proctree::all() {
        if sessions.contains(&p.session) && p.pid != std::process::id() {
            let _ = Command::new("kill")
                .args(["-9", &p.pid.to_string()])
                .output();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.pid();
        let sessions = pane_sessions(self);
        let _ = self.tmux().arg("kill-server").output();
        kill_sessions(&sessions);
        if let Some(pid) = pid {
            // Make sure the server is really gone (tmux 3.3a may linger).
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && Path::new(&format!("/proc/{pid}")).exists() {
                std::thread::sleep(Duration::from_millis(20));
            }
            if Path::new(&format!("/proc/{pid}")).exists() {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).output();
            }
        }
        let _ = std::fs::remove_file(self.socket());
        let checked = if std::thread::panicking() {
            Ok(())
        } else if self.socket().exists() {
            Err(format!(
                "the socket {} is still there",
                self.socket().display()
            ))
        } else {
            check_guard(&tmux_tmpdir())
        };
        {
            let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            *live -= 1;
            if *live == 0 {
                let _ = std::fs::remove_dir_all(tmux_tmpdir());
            }
        }
        if let Err(e) = checked {
            panic!("{e}");
        }
    }
}

/// What the guard checks, with `tmpdir` the private `TMUX_TMPDIR`: no default server was
/// started there (something would have reached the user's, without the private folder),
/// and no socket of this process is in the user's socket folder.
pub fn check_guard(tmpdir: &Path) -> Result<(), String> {
    let default = socket_dir(tmpdir).join("default");
    if default.exists() {
        return Err(format!(
            "a test reached the default tmux server (its socket {} exists); pass -L",
            default.display()
        ));
    }
    let mine = our_sockets(&user_socket_dir());
    if !mine.is_empty() {
        return Err(format!(
            "sockets of this test process in the user's socket folder {}: {mine:?}",
            user_socket_dir().display()
        ));
    }
    Ok(())
}

/// Fails the test if what ran so far reached the default tmux server, or left a socket of
/// this process in the user's socket folder.
pub fn assert_guard() {
    if let Err(e) = check_guard(&tmux_tmpdir()) {
        panic!("{e}");
    }
}

/// Poll `f` until it returns Some, or panic after `timeout` with `what`.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Run a command and return its output.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("run command")
}

/// stdout as a string.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as a string.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary folder with a demo team config written by `atlas init --demo`, session name
/// unique to the server.
pub fn demo_team(server: &Server) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = output(server.atlas(dir.path()).args(["init", "--demo", "."]));
    assert!(o.status.success(), "init failed: {}", stderr(&o));
    dir
}

/// The CI's marks stay out of a test's tmux server: agents there run as on a person's
/// machine (Gemini CLI, seeing `CI=true`, runs headless and exits at once).
pub fn not_ci(c: &mut Command) {
    for k in ["CI", "GITHUB_ACTIONS", "CONTINUOUS_INTEGRATION"] {
        c.env_remove(k);
    }
}

/// Processes (not zombies) whose environment has `key=value`: an agent's own processes,
/// found by its private HOME.
pub fn processes_with_env(key: &str, value: &str) -> Vec<(u32, String)> {
    let want = format!("{key}={value}");
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(env) = std::fs::read(e.path().join("environ")) else {
            continue;
        };
        if !env.split(|b| *b == 0).any(|kv| kv == want.as_bytes()) {
            continue;
        }
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .is_some_and(|s| s == "Z");
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if !zombie {
            out.push((pid, String::from_utf8_lossy(&cmd).replace('\0', " ")));
        }
    }
    out
}
