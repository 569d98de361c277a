//! `restart` and `down` end every process of an agent — its children, a grandchild in a
//! process group of its own — even when all of them ignore SIGTERM and SIGHUP (SIGKILL after
//! the grace period), and leave nothing behind; counted in /proc before and after.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, output, processes_with_env, stderr, wait_for};

const WAIT: Duration = Duration::from_secs(30);

/// A program that ignores SIGHUP and answers SIGTERM by starting one more child, with a
/// child loop and a grandchild (python, in a process group of its own) that ignore both.
const STUBBORN: &str = r#"trap 'sleep 300 &' TERM
trap '' HUP
( trap '' TERM HUP; while :; do sleep 1; done ) &
python3 -c 'import os, signal, time
os.setpgid(0, 0)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
while True: time.sleep(1)' &
printf 'stubborn> '
while :; do sleep 1; done
"#;

fn team(dir: &Path, mark: &str) {
    std::fs::write(dir.join("stubborn.sh"), STUBBORN).unwrap();
    let agents: Vec<String> = ["Mule", "Ox"]
        .iter()
        .map(|n| format!("{{ name = \"{n}\", env = {{ STUBBORN_MARK = \"{mark}-{n}\" }} }}"))
        .collect();
    std::fs::write(
        dir.join("atlas.toml"),
        format!(
            "[team]\nsession = \"stubborn{}\"\n[defaults]\ncommand = \"sh stubborn.sh\"\n\
             preset = \"shell\"\n[[windows]]\nname = \"w\"\nagents = [{}]\n\
             [supervisor]\nenabled = false\n",
            std::process::id(),
            agents.join(", ")
        ),
    )
    .unwrap();
}

/// The agent's processes, once its grandchild runs.
fn running(mark: &str, agent: &str) -> Vec<u32> {
    let key = format!("{mark}-{agent}");
    wait_for(WAIT, "the agent's processes", || {
        let ps = processes_with_env("STUBBORN_MARK", &key);
        ps.iter()
            .any(|(_, c)| c.contains("python3 -c"))
            .then(|| ps.iter().map(|(p, _)| *p).collect())
    })
}

fn alive(pids: &[u32], mark: &str, agent: &str) -> Vec<(u32, String)> {
    processes_with_env("STUBBORN_MARK", &format!("{mark}-{agent}"))
        .into_iter()
        .filter(|(p, _)| pids.contains(p))
        .collect()
}

fn pane_of(server: &Server, agent: &str) -> String {
    server.agent_pane(agent).expect("the agent's pane")
}

fn session_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

/// Kills whatever a failed test left of the team (a passing one leaves nothing).
struct Sweep(String);

impl Drop for Sweep {
    fn drop(&mut self) {
        for agent in ["Mule", "Ox"] {
            for (p, _) in processes_with_env("STUBBORN_MARK", &format!("{}-{agent}", self.0)) {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &p.to_string()])
                    .output();
            }
        }
    }
}

#[test]
fn restart_and_down_leave_no_process_of_programs_that_ignore_sigterm() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let mark = format!("atlas-test-{}-{}", std::process::id(), line!());
    let _sweep = Sweep(mark.clone());
    team(dir.path(), &mark);
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let mule = running(&mark, "Mule");
    let ox = running(&mark, "Ox");
    assert!(mule.len() >= 4, "sh, its loop, python, sleep: {mule:?}");

    // restart: every old process of Mule is gone when it returns — those it started while
    // it was being ended too (nothing is left in its old pane's session); Ox is untouched.
    let old_session: u32 = server
        .run(&[
            "display-message",
            "-p",
            "-t",
            &pane_of(&server, "Mule"),
            "#{pane_pid}",
        ])
        .trim()
        .parse()
        .unwrap();
    let o = output(server.atlas(dir.path()).args(["restart", "Mule"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(alive(&mule, &mark, "Mule"), vec![], "left by restart");
    let in_old: Vec<_> = processes_with_env("STUBBORN_MARK", &format!("{mark}-Mule"))
        .into_iter()
        .filter(|(p, _)| session_of(*p) == Some(old_session))
        .collect();
    assert_eq!(in_old, vec![], "left in the old pane's session");
    let ox_now = alive(&ox, &mark, "Ox");
    assert!(
        ox_now.iter().any(|(_, c)| c.contains("python3 -c")),
        "Ox was not touched: {ox_now:?}"
    );
    let mule2 = running(&mark, "Mule");

    // down: nothing of either agent is left when it returns.
    let o = output(server.atlas(dir.path()).arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    for agent in ["Mule", "Ox"] {
        let left = processes_with_env("STUBBORN_MARK", &format!("{mark}-{agent}"));
        assert_eq!(left, vec![], "{agent}: left by down");
    }
    assert_eq!(alive(&mule2, &mark, "Mule"), vec![]);
}
