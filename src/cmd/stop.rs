//! `atlas stop AGENT`: stop one agent. Its program ends, its pane stays (a stopped pane),
//! and nothing brings it back but `atlas restart AGENT` or `atlas up`.
//!
//! The pane is marked first — the pane option [`STOPPED_OPTION`] set to the pid being
//! stopped, and `@atlas_state=stopped` for the pane border — and only then is the program
//! ended, so whoever looks at the pane afterwards (the supervisor, `atlas ls`, a status
//! line) sees a stopped agent, never a crash: the state `stopped` is not counted as a
//! death, not restarted, not counted as down in the status line. The mark names the pid, so
//! a pane respawned by `restart` or `up` (a new pid) is no longer stopped without anyone
//! having to clear it.
//!
//! Ending the program — its whole process tree, SIGKILL after a grace period for what
//! ignores SIGTERM — is [`stop_pane`]'s job.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::StopArgs;
use crate::error::Exit;
use crate::events::{Event, EventLog, Kind};
use crate::tcmd;
use crate::tmux::{STOPPED_OPTION, Tmux};

/// How long a program has to end after SIGTERM before it gets SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);
/// How long to wait for the program to be gone after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(3);
/// How long to wait for tmux to show the pane dead once its program is gone.
const DEAD_WAIT: Duration = Duration::from_secs(2);

/// End the program of pane `pane` (whose process is `pid`) and its whole process tree
/// ([`crate::proctree`]): SIGTERM and SIGHUP, SIGKILL after `grace` to what is still there;
/// then wait (bounded) until tmux shows the pane dead. Nothing else about the pane changes
/// (`remain-on-exit` keeps it).
pub fn stop_pane(tmux: &Tmux, pane: &str, pid: u32, grace: Duration) -> Result<()> {
    if pid <= 1 {
        anyhow::bail!("pane {pane} reports process id {pid}; not signalling it");
    }
    let tree = crate::proctree::pane_tree(pid, false);
    crate::proctree::terminate(&tree, grace);
    let Ok(pid) = i32::try_from(pid) else {
        anyhow::bail!(
            "pane {pane} has a process id tmux reports as {pid}, which cannot be signalled"
        );
    };
    if !wait_until(KILL_WAIT, || ended(pid)) {
        anyhow::bail!(
            "the program of pane {pane} (pid {pid}) did not end even after SIGKILL; see `ps -o pid,stat,cmd -g {pid}`"
        );
    }
    // tmux may put off reaping an exited program until another of its children exits
    // (TMUX-NOTES.md); a `run-shell true` makes it look, so the pane shows dead at once.
    let dead = || {
        tmux.run_batch(&[
            tcmd!["run-shell", "true"],
            tcmd!["display-message", "-p", "-t", pane, "#{pane_dead}"],
        ])
        .is_ok_and(|out| out.trim_end().ends_with('1'))
    };
    wait_until(DEAD_WAIT, dead);
    Ok(())
}

/// Whether process `pid` has ended: gone, or a zombie waiting for tmux to reap it.
fn ended(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the command name in parentheses.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        Err(_) => {
            // No /proc (or no such process): ask the kernel.
            // SAFETY: kill(2) with signal 0 only checks that the process exists.
            let r = unsafe { libc::kill(pid, 0) };
            r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
        }
    }
}

/// Poll `f` every 20 ms until it holds or `timeout` has passed; whether it held.
fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The commands that mark pane `pane`, whose process is `pid`, as stopped.
pub fn mark_commands(pane: &str, pid: u32) -> Vec<crate::tmux::Cmd> {
    vec![
        tcmd![
            "set-option",
            "-p",
            "-t",
            pane,
            STOPPED_OPTION,
            pid.to_string()
        ],
        tcmd!["set-option", "-p", "-t", pane, "@atlas_state", "stopped"],
    ]
}

/// Run `atlas stop`.
pub fn run(ctx: &Ctx, args: &StopArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let agent = team.require_agent(&args.agent)?;
    let pane = super::require_pane(ctx, &team, &agent.name)?;
    if pane.stopped {
        crate::outln!(
            "{} is already stopped (pane {}); `atlas restart {0}` or `atlas up` brings it back",
            agent.name,
            pane.id
        )?;
        return Ok(Exit::Success);
    }
    let pid = pane.pid.with_context(|| {
        format!(
            "tmux did not say which process pane {} runs; try again, or `tmux kill-pane -t {0}`",
            pane.id
        )
    })?;
    // Marked before anything ends: nobody may take the end for a crash.
    ctx.tmux.run_batch(&mark_commands(&pane.id, pid))?;
    if !pane.dead {
        stop_pane(&ctx.tmux, &pane.id, pid, GRACE)?;
    }
    let e = Event::now(Kind::State, &agent.name)
        .with("to", "stopped")
        .with("pane", &pane.id)
        .with("by", "operator");
    if let Err(err) = EventLog::in_dir(&team.logs).append(&e) {
        crate::errln!("atlas: warning: cannot write the events log: {err}");
    }
    super::ack::nudge_supervisor(ctx, &team);
    crate::outln!(
        "stopped {} (pane {}); it stays stopped until `atlas restart {0}` or `atlas up`",
        agent.name,
        pane.id
    )?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;

    use super::*;

    #[test]
    fn a_child_that_ignores_sigterm_is_killed_after_the_grace() {
        // A process group of its own, like a pane's program: `setsid` via the shell's `exec`.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "trap '' TERM; echo ready; while :; do sleep 0.05; done",
            ])
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once it says so, the trap is in place.
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready, "ready\n");
        let pid = i32::try_from(child.id()).unwrap();
        // SAFETY: kill(2) only sends a signal.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        assert!(!wait_until(Duration::from_millis(200), || ended(pid)));
        // SAFETY: as above.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        assert!(wait_until(Duration::from_secs(3), || ended(pid)));
        let status = child.wait().unwrap();
        assert!(!status.success());
    }

    #[test]
    fn marks_name_the_pid() {
        let c = mark_commands("%4", 4242);
        assert_eq!(
            c[0],
            tcmd!["set-option", "-p", "-t", "%4", "@atlas_stopped", "4242"]
        );
        assert_eq!(c[1][5], "stopped");
    }
}
