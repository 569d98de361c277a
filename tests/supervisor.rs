//! The supervisor on a private tmux server with demo agents: crash recovery, crash loops,
//! wake on handoff, queues, usage limits, and a supervisor restarted mid-night.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, output, stderr, stdout, wait_for};

const WAIT: Duration = Duration::from_secs(20);

/// A team of a boss and a recorder (a demo agent in record mode that keeps every message it
/// gets in `rec.txt`), plus `extra` TOML for the agents list and supervisor section.
fn write_team(dir: &Path, extra_agents: &str, supervisor: &str) {
    let text = format!(
        r#"[team]
session = "sup"

[defaults]
command = "atlas demo-agent"
preset = "demo"
env = {{ ATLAS_DEMO_START = "0.1", ATLAS_DEMO_WORK = "0.2" }}

[[windows]]
name = "w"
agents = [
  {{ name = "Boss" }},
  {{ name = "Rec", command = "atlas demo-agent --record rec.txt", reports_to = "Boss" }},
  {extra_agents}
]

[supervisor]
report_at = ""
{supervisor}
"#
    );
    std::fs::write(dir.join("atlas.toml"), text).unwrap();
}

/// `kill -9` the supervisor and wait until its pane shows dead.
fn kill_supervisor(server: &Server) {
    let sup = server
        .try_run(&["list-panes", "-t", "=sup:=supervisor", "-F", "#{pane_pid}"])
        .unwrap();
    std::process::Command::new("kill")
        .args(["-9", sup.trim()])
        .status()
        .unwrap();
    wait_for(WAIT, "the supervisor pane dead", || {
        server
            .try_run(&["list-panes", "-t", "=sup:=supervisor", "-F", "#{pane_dead}"])
            .filter(|s| s.trim() == "1")
    });
}

fn up(server: &Server, dir: &Path) {
    let o = output(server.atlas(dir).arg("up"));
    assert!(o.status.success(), "up: {}", stderr(&o));
    assert!(
        stdout(&o).contains("started the supervisor"),
        "{}",
        stdout(&o)
    );
}

fn records(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("rec.txt"))
        .unwrap_or_default()
        .split("\x1e\n")
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn events(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("logs/events.log")).unwrap_or_default()
}

fn handoff(server: &Server, dir: &Path, to: &str, task: &str) -> String {
    let o = output(server.atlas(dir).args([
        "handoff",
        "--from",
        "human",
        "--to",
        to,
        "--status",
        "IN_PROGRESS",
        "--task",
        task,
    ]));
    assert!(o.status.success(), "handoff: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

fn state_of(server: &Server, dir: &Path, agent: &str) -> Option<serde_json::Value> {
    let o = output(server.atlas(dir).args(["ls", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
    v.as_array()?.iter().find(|r| r["name"] == agent).cloned()
}

#[test]
fn a_killed_agent_is_restarted_with_its_resume_command_and_its_log_goes_on() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(
        dir.path(),
        r#"{ name = "Crashy", resume = "atlas demo-agent --start-delay 0.15" },"#,
        "",
    );
    up(&server, dir.path());
    let pane = server.agent_pane("Crashy").unwrap();
    wait_for(WAIT, "Crashy idle", || {
        server.capture(&pane).contains("demo>").then_some(())
    });
    let pid = server.run(&["display-message", "-p", "-t", &pane, "#{pane_pid}"]);
    let pid = pid.trim().to_string();
    std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .unwrap();

    wait_for(WAIT, "Crashy restarted with its resume command", || {
        let s = server.try_run(&[
            "display-message",
            "-p",
            "-t",
            &pane,
            "#{pane_dead} #{pane_pid} #{pane_start_command}",
        ])?;
        (s.starts_with("0 ")
            && !s.contains(&format!(" {pid} "))
            && s.contains("--start-delay 0.15"))
        .then_some(())
    });
    let ev = wait_for(WAIT, "death and restart events", || {
        let e = events(dir.path());
        (e.contains(" death Crashy status=137") && e.contains(" restart Crashy ")).then_some(e)
    });
    assert!(ev.contains("by=supervisor"), "{ev}");
    // The same daily log holds both lives.
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let log = dir.path().join(format!("logs/Crashy-{today}.log"));
    wait_for(WAIT, "the log to show the agent twice", || {
        let s = String::from_utf8_lossy(&std::fs::read(&log).ok()?).into_owned();
        (s.matches("atlas demo agent · Crashy").count() >= 2).then_some(())
    });
    // Once idle again it is briefed on where it left off: atlas's own context (nothing is
    // pending), which the demo agent notes without making work of it.
    wait_for(
        WAIT,
        "the brief after the restart, noted as context",
        || {
            let screen = server.capture(&pane);
            (screen.contains("> [atlas] Context, not a task: Crashy was restarted")
                && screen.contains("Noted: context from atlas, not a task."))
            .then_some(())
        },
    );
    let log = std::fs::read_to_string(dir.path().join(format!("logs/Crashy-{today}.log")))
        .unwrap_or_default();
    assert!(log.contains("Pending in your inbox: nothing."), "{log}");
    let coordination =
        std::fs::read_to_string(dir.path().join("coordination.md")).unwrap_or_default();
    assert!(
        !coordination.contains("restarted"),
        "the brief became a handoff:\n{coordination}"
    );
}

#[test]
fn a_crash_loop_ends_failed_with_a_failed_entry_to_the_operator() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(
        dir.path(),
        r#"{ name = "Loop", command = "sh -c 'sleep 0.3; exit 7'", preset = "shell", restart = "always" },"#,
        "max_restarts = 3\nrestart_window = \"10m\"\nbackoff_max = \"1s\"\n",
    );
    up(&server, dir.path());
    let row = wait_for(WAIT, "Loop failed", || {
        let r = state_of(&server, dir.path(), "Loop")?;
        (r["state"] == "failed").then_some(r)
    });
    assert!(row["pane"].is_string());
    let coord = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    assert!(coord.contains("] Loop → human\nStatus: FAILED"), "{coord}");
    assert!(coord.contains("crashed 3 times in 10m"), "{coord}");
    let ev = events(dir.path());
    assert_eq!(ev.matches(" death Loop status=7").count(), 3, "{ev}");
    assert_eq!(ev.matches(" restart Loop ").count(), 2, "{ev}");
    assert!(ev.contains(" failed Loop "), "{ev}");
    // The status line shows it.
    let status = wait_for(WAIT, "the status option", || {
        server
            .try_run(&["show-options", "-v", "-t", "=sup:", "@atlas_status"])
            .filter(|s| s.contains("⚑ 1") && s.contains("↓ 1"))
    });
    assert!(status.contains("✉ 1"), "{status}");
    // `atlas status` agrees, from the counts the supervisor keeps.
    let counts = std::fs::read_to_string(dir.path().join("logs/.supervisor-counts")).unwrap();
    assert!(counts.ends_with(" 1 0\n"), "{counts:?}");
    let line = stdout(&output(server.atlas(dir.path()).arg("status")));
    assert_eq!(line.trim(), "✉ 1 ⚑ 1 ↓ 1 ? 0");
    // It stays failed: no restart follows.
    let inbox = output(server.atlas(dir.path()).args(["inbox", "human", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&inbox.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["status"], "FAILED");
}

#[test]
fn a_handoff_wakes_an_idle_agent_exactly_once_even_across_a_supervisor_restart() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "", "");
    up(&server, dir.path());
    let rec = server.agent_pane("Rec").unwrap();
    wait_for(WAIT, "Rec idle", || {
        server.capture(&rec).contains("demo>").then_some(())
    });

    let first = handoff(&server, dir.path(), "Rec", "first task");
    let got = wait_for(WAIT, "the first wake", || {
        let r = records(dir.path());
        (!r.is_empty()).then_some(r)
    });
    assert_eq!(got.len(), 1);
    assert!(got[0].contains(&first), "{got:?}");
    assert!(
        got[0].contains("atlas handoff --from Rec --to human"),
        "{got:?}"
    );

    // Kill the supervisor mid-night; `atlas up` brings it back.
    kill_supervisor(&server);
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(
        stdout(&o).contains("started the supervisor"),
        "{}",
        stdout(&o)
    );

    // A second handoff is a barrier: once its wake arrived, the first was not repeated.
    let second = handoff(&server, dir.path(), "Rec", "second task");
    let got = wait_for(WAIT, "the second wake", || {
        let r = records(dir.path());
        (r.len() >= 2).then_some(r)
    });
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1].contains(&second), "{got:?}");
    // Both wakes are on record (the first one perhaps as `confirmed=no`, had the kill come
    // while its delivery was being verified).
    wait_for(WAIT, "the second wake event", || {
        let e = events(dir.path());
        (e.contains(&format!("wake Rec entry=\"{second}\""))).then_some(())
    });
    let e = events(dir.path());
    assert!(e.contains(&format!("wake Rec entry=\"{first}\"")), "{e}");
}

#[test]
fn only_one_supervisor_runs_per_team() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "", "");
    up(&server, dir.path());
    wait_for(WAIT, "the supervisor running", || {
        dir.path()
            .join("logs/.supervisor.json")
            .exists()
            .then_some(())
    });
    let o = output(server.atlas(dir.path()).arg("watch"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already running"), "{}", stderr(&o));
    // And it stops with the session.
    assert!(
        output(server.atlas(dir.path()).arg("down"))
            .status
            .success()
    );
}

#[test]
fn queued_work_is_handed_out_in_order_one_at_a_time_and_never_twice() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "", "");
    for item in ["one", "two", "three"] {
        let o = output(server.atlas(dir.path()).args(["queue", "add", "Rec", item]));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    up(&server, dir.path());
    let got = wait_for(WAIT, "three dispatches", || {
        let r = records(dir.path());
        (r.len() >= 3).then_some(r)
    });
    assert_eq!(got.len(), 3, "{got:?}");
    for (msg, item) in got.iter().zip(["one", "two", "three"]) {
        assert!(msg.contains(&format!("work queue: {item}.")), "{msg}");
    }
    let ls = output(server.atlas(dir.path()).args(["queue", "ls", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&ls.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(r["state"], "handed_out");
        assert!(r["handed_out_at"].is_string());
        assert_eq!(r["agent"], "Rec");
    }
    // A fourth item after a restart of the supervisor is handed out, the first three not again.
    kill_supervisor(&server);
    assert!(
        output(
            server
                .atlas(dir.path())
                .args(["queue", "add", "Rec", "four"])
        )
        .status
        .success()
    );
    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let got = wait_for(WAIT, "the fourth dispatch", || {
        let r = records(dir.path());
        (r.len() >= 4).then_some(r)
    });
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[3].contains("work queue: four."), "{got:?}");
    wait_for(WAIT, "the fourth dispatch event", || {
        events(dir.path())
            .contains("dispatch Rec text=four")
            .then_some(())
    });
}

#[test]
fn a_limited_agent_is_told_to_continue_after_the_retry_interval() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(
        dir.path(),
        "",
        "limit_retry = \"1s\"\nwake_on_handoff = false\n",
    );
    up(&server, dir.path());
    let boss = server.agent_pane("Boss").unwrap();
    wait_for(WAIT, "Boss idle", || {
        server.capture(&boss).contains("demo>").then_some(())
    });
    server.run(&["send-keys", "-t", &boss, "-l", "/limit"]);
    server.run(&["send-keys", "-t", &boss, "Enter"]);
    let ev = wait_for(WAIT, "the limit and the resume", || {
        let e = events(dir.path());
        e.contains(" limit Boss action=resume").then_some(e)
    });
    assert!(ev.contains(" limit Boss reset=unknown"), "{ev}");
    wait_for(WAIT, "the resume directive on screen", || {
        server
            .capture(&boss)
            .contains("usage limit has reset")
            .then_some(())
    });
}

#[test]
fn a_dead_supervisor_is_brought_back_by_tmux_itself() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "", "");
    up(&server, dir.path());
    let pid = |server: &Server| {
        server
            .try_run(&[
                "list-panes",
                "-t",
                "=sup:=supervisor",
                "-F",
                "#{pane_dead} #{pane_pid}",
            ])
            .unwrap_or_default()
    };
    let before = wait_for(WAIT, "the supervisor running", || {
        let p = pid(&server);
        p.starts_with("0 ").then_some(p)
    });
    let old = before.trim().split(' ').nth(1).unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-9", &old])
        .status()
        .unwrap();
    wait_for(WAIT, "a new supervisor process", || {
        // tmux 3.3a fires pane-died only once it has reaped the process, which it may put
        // off until another of its children exits; a throwaway job makes it reap.
        let _ = server.try_run(&["run-shell", "true"]);
        let p = pid(&server);
        (p.starts_with("0 ") && !p.contains(&format!(" {old}"))).then_some(())
    });
}

#[test]
fn a_delivery_interrupted_by_a_supervisor_kill_is_submitted_not_retyped() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "", "wake_on_handoff = false\n");
    up(&server, dir.path());
    let rec = server.agent_pane("Rec").unwrap();
    wait_for(WAIT, "Rec idle", || {
        server.capture(&rec).contains("demo>").then_some(())
    });
    let memory = dir.path().join("logs/.supervisor.json");
    wait_for(WAIT, "the supervisor's memory", || {
        memory.exists().then_some(())
    });
    kill_supervisor(&server);
    // What a supervisor killed mid-delivery leaves: the text typed, no Enter, and its record.
    let text = "Next item from your work queue: the interrupted one. When done, report back.";
    server.run(&["send-keys", "-t", &rec, "-l", "--", text]);
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&memory).unwrap()).unwrap();
    m["pending"] = serde_json::json!({ "Rec": ["dispatch", "the interrupted one"] });
    m["pending_text"] = serde_json::json!({ "Rec": text });
    std::fs::write(&memory, serde_json::to_vec(&m).unwrap()).unwrap();

    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let got = wait_for(WAIT, "the typed text submitted", || {
        let r = records(dir.path());
        (!r.is_empty()).then_some(r)
    });
    assert_eq!(got, [text.to_string()], "submitted once, not typed again");
    let ev = events(dir.path());
    assert!(
        ev.contains("dispatch Rec text=\"the interrupted one\" confirmed=no"),
        "{ev}"
    );
}
