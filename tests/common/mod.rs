//! Shared test harness: a private tmux server per test, the `atlas` binary wired to it, and
//! polling with a deadline.
//!
//! Every server is `tmux -L atlas-test-<pid>-<n> -f /dev/null`, started with `TMUX` and
//! `TMUX_PANE` removed, killed (and its socket removed) when the [`Server`] is dropped. The
//! `atlas` processes get `ATLAS_FORBID_DEFAULT_SERVER=1`, so one that would reach the default
//! server fails instead.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

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
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        Server {
            name: format!("atlas-test-{}-{n}", std::process::id()),
        }
    }

    /// A `tmux` command on this server.
    pub fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.name, "-f", "/dev/null"]);
        c.env_remove("TMUX").env_remove("TMUX_PANE");
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
            .env("PATH", path_with_atlas());
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

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.pid();
        let _ = self.tmux().arg("kill-server").output();
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
        let uid = unsafe_uid();
        let _ = std::fs::remove_file(format!("/tmp/tmux-{uid}/{}", self.name));
    }
}

fn unsafe_uid() -> String {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "0".into())
}

/// Fails the test if it runs inside tmux in a way that could reach the user's server.
pub fn assert_guard() {
    // Tests never touch $TMUX; every tmux command they build removes it, and every atlas
    // command carries the guard variable.
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
