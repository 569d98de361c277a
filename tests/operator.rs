//! The operator's loop end to end, on private tmux servers: acknowledging inbox entries,
//! a demo team whose inboxes stay small, attaching, listing the teams, stopping one agent.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, output, stderr, stdout, wait_for};

const WAIT: Duration = Duration::from_secs(30);

const INBOX: &str = "## [2026-04-11 01:14] Orpheus → human\nStatus: BLOCKED\nTask: need the brand kit\n\n## [2026-04-11 01:15:30] Prometheus -> human\nStatus: DONE\nTask: batch 3\n\n## [2026-04-11 01:16] Orpheus → Prometheus\nStatus: DONE\nTask: captions\n";

/// A team of shell panes (nothing runs in tmux unless a test starts it).
fn write_team(dir: &Path, session: &str, extra: &str) {
    std::fs::write(
        dir.join("atlas.toml"),
        format!(
            "[team]\nsession = \"{session}\"\n\n[defaults]\ncommand = \"atlas demo-agent\"\npreset = \"demo\"\nenv = {{ ATLAS_DEMO_START = \"0.1\", ATLAS_DEMO_WORK = \"0.2\" }}\n\n[[windows]]\nname = \"w\"\nagents = [ {{ name = \"Orpheus\", reports_to = \"Prometheus\" }}, {{ name = \"Prometheus\" }} ]\n\n[supervisor]\nreport_at = \"\"\n{extra}"
        ),
    )
    .unwrap();
}

fn status(server: &Server, dir: &Path) -> String {
    let o = output(
        server
            .atlas(dir)
            .args(["status", "--format", "{inbox} {operator}"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim().to_string()
}

#[test]
fn ack_answers_entries_in_one_append_and_the_counts_drop_at_once() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "ack", "");
    std::fs::write(dir.path().join("coordination.md"), INBOX).unwrap();
    // The status cache is warm before the acknowledgement.
    assert_eq!(status(&server, dir.path()), "3 2");

    let o = output(
        server
            .atlas(dir.path())
            .args(["ack", "[2026-04-11 01:15:30] Prometheus → human"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("acknowledged [2026-04-11 01:15:30] Prometheus -> human"),
        "{out}"
    );
    assert!(
        out.contains("1 entry acknowledged; human's inbox: 1 left"),
        "{out}"
    );
    assert_eq!(status(&server, dir.path()), "2 1");

    // An id that is not in the inbox refuses the lot, and writes nothing.
    let before = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    let o = output(server.atlas(dir.path()).args([
        "ack",
        "[2026-04-11 01:14] Orpheus → human",
        "[2026-04-11 01:16] Orpheus → Prometheus",
    ]));
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("`[2026-04-11 01:16] Orpheus → Prometheus` is not in human's inbox"),
        "{}",
        stderr(&o)
    );
    let after = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    assert_eq!(before, after);

    // Another inbox, all at once.
    let o = output(
        server
            .atlas(dir.path())
            .args(["ack", "--all", "--agent", "Prometheus"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 entry acknowledged; Prometheus's inbox: 0 left"),
        "{}",
        stdout(&o)
    );
    assert_eq!(status(&server, dir.path()), "1 1");
    let o = output(server.atlas(dir.path()).args(["ack", "--all"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(status(&server, dir.path()), "0 0");
    let o = output(server.atlas(dir.path()).args(["ack", "--all"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("human's inbox is empty"),
        "{}",
        stdout(&o)
    );

    // Every ACK reads back as an answer, and `atlas check` has nothing to say about them.
    let text = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    assert_eq!(text.matches("Status: ACK\n").count(), 3, "{text}");
    assert!(
        text.contains("Re: [2026-04-11 01:14] Orpheus → human\n"),
        "{text}"
    );
    let o = output(server.atlas(dir.path()).arg("check"));
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );

    // Usage errors: nothing to acknowledge, or both ways at once.
    let o = output(server.atlas(dir.path()).arg("ack"));
    assert_eq!(o.status.code(), Some(2));
    let o = output(server.atlas(dir.path()).args([
        "ack",
        "--all",
        "[2026-04-11 01:14] Orpheus → human",
    ]));
    assert_eq!(o.status.code(), Some(2));
    let o = output(
        server
            .atlas(dir.path())
            .args(["ack", "--all", "--agent", "Zeus"]),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Zeus"), "{}", stderr(&o));
}

#[test]
fn ack_all_writes_every_answer_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new();
    write_team(dir.path(), "ackmany", "");
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "## [2026-04-11 01:{i:02}] Orpheus → human\nStatus: DONE\nTask: item {i}\n\n"
        ));
    }
    std::fs::write(dir.path().join("coordination.md"), &text).unwrap();
    let o = output(server.atlas(dir.path()).args(["ack", "--all"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("40 entries acknowledged; human's inbox: 0 left"));
    let after = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    // In file order, one after another.
    let acks: Vec<&str> = after
        .lines()
        .filter_map(|l| l.strip_prefix("Re: "))
        .collect();
    assert_eq!(acks.len(), 40);
    assert_eq!(acks[0], "[2026-04-11 01:00] Orpheus → human");
    assert_eq!(acks[39], "[2026-04-11 01:39] Orpheus → human");
}

#[test]
fn a_demo_lead_answers_what_it_passes_upward() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "chain", "");
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let pane = server.agent_pane("Orpheus").unwrap();
    wait_for(WAIT, "Orpheus idle", || {
        server.capture(&pane).contains("demo>").then_some(())
    });
    for task in ["write 3 captions", "write the newsletter"] {
        let o = output(server.atlas(dir.path()).args(["send", "Orpheus", task]));
        assert!(o.status.success(), "{}", stderr(&o));
        // Orpheus → Prometheus → human: the lead is woken, works, and hands it up with Re:.
        wait_for(WAIT, "the chain to reach the operator", || {
            let o = output(server.atlas(dir.path()).args(["inbox", "human", "--json"]));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
            v.as_array()?
                .iter()
                .any(|e| e["task"] == task && e["from"] == "Prometheus")
                .then_some(())
        });
    }
    let text = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    assert!(
        text.contains("] Prometheus → human\nStatus: DONE\nTask: write 3 captions\n"),
        "{text}"
    );
    assert_eq!(text.matches("\nRe: [").count(), 2, "{text}");
    // Only the operator's inbox holds anything: what reached the top.
    assert_eq!(status(&server, dir.path()), "2 2");
    let o = output(server.atlas(dir.path()).args(["ack", "--all"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(status(&server, dir.path()), "0 0");
    // The supervisor, nudged, shows it in the status line at once.
    wait_for(WAIT, "the status line to drop", || {
        let s = server.try_run(&["show-options", "-v", "-t", "=chain:", "@atlas_status"])?;
        s.starts_with("✉ 0 ⚑ 0").then_some(())
    });
}

/// The pane id of `agent`'s pane and the pid of its program.
fn pane_and_pid(server: &Server, agent: &str) -> (String, String) {
    let pane = server.agent_pane(agent).unwrap();
    let pid = server.run(&["display-message", "-p", "-t", &pane, "#{pane_pid}"]);
    (pane, pid.trim().to_string())
}

fn ls_row(server: &Server, dir: &Path, agent: &str) -> serde_json::Value {
    let o = output(server.atlas(dir).args(["ls", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == agent)
        .cloned()
        .unwrap()
}

#[test]
fn a_stopped_agent_stays_stopped_until_restart_or_up_brings_it_back() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    // `always` would restart any exit: a stop must still not be restarted.
    write_team(dir.path(), "stop", "");
    let text = std::fs::read_to_string(dir.path().join("atlas.toml"))
        .unwrap()
        .replace(
            "preset = \"demo\"\n",
            "preset = \"demo\"\nrestart = \"always\"\n",
        );
    std::fs::write(dir.path().join("atlas.toml"), text).unwrap();
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let (pane, pid) = pane_and_pid(&server, "Orpheus");
    wait_for(WAIT, "Orpheus idle", || {
        server.capture(&pane).contains("demo>").then_some(())
    });

    let o = output(server.atlas(dir.path()).args(["stop", "Orpheus"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("stopped Orpheus (pane {pane})")),
        "{}",
        stdout(&o)
    );
    // Its program has ended; its pane stays.
    let dead = server.run(&[
        "display-message",
        "-p",
        "-t",
        &pane,
        "#{pane_dead} #{pane_pid}",
    ]);
    assert_eq!(dead.trim(), format!("1 {pid}"));
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists() || {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.contains(") Z")
        }
    );
    let row = ls_row(&server, dir.path(), "Orpheus");
    assert_eq!(row["state"], "stopped", "{row}");
    assert_eq!(row["pane"], pane.as_str());
    assert!(row["exit_status"].is_null());
    // Not down in the status line; a directive is refused.
    let o = output(
        server
            .atlas(dir.path())
            .args(["status", "--format", "{down}"]),
    );
    assert_eq!(stdout(&o).trim(), "0");
    let o = output(server.atlas(dir.path()).args(["send", "Orpheus", "hello"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Orpheus is stopped"), "{}", stderr(&o));
    // The supervisor sees a stop, not a death: no restart, no death event. Its own `state`
    // event for the stop is the barrier that says it has looked.
    wait_for(WAIT, "the supervisor to see the stop", || {
        let e = std::fs::read_to_string(dir.path().join("logs/events.log")).ok()?;
        e.lines()
            .any(|l| l.contains(" state Orpheus from=") && l.ends_with(" to=stopped"))
            .then_some(())
    });
    let e = std::fs::read_to_string(dir.path().join("logs/events.log")).unwrap();
    assert!(!e.contains("death Orpheus"), "{e}");
    assert!(!e.contains("restart Orpheus"), "{e}");
    assert!(e.contains("state Orpheus to=stopped pane="), "{e}");
    let o = output(server.atlas(dir.path()).args(["stop", "Orpheus"]));
    assert!(
        stdout(&o).contains("Orpheus is already stopped"),
        "{}",
        stdout(&o)
    );

    // `up` brings it back in the same pane.
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("restarted Orpheus (it was stopped)"),
        "{}",
        stdout(&o)
    );
    wait_for(WAIT, "Orpheus back", || {
        let r = ls_row(&server, dir.path(), "Orpheus");
        (r["state"] == "idle" && r["pane"] == pane.as_str()).then_some(())
    });

    // So does `restart`.
    let o = output(server.atlas(dir.path()).args(["stop", "Orpheus"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = output(server.atlas(dir.path()).args(["restart", "Orpheus"]));
    assert!(o.status.success(), "{}", stderr(&o));
    wait_for(WAIT, "Orpheus back after restart", || {
        (ls_row(&server, dir.path(), "Orpheus")["state"] == "idle").then_some(())
    });
}

#[test]
fn stop_ends_a_program_that_ignores_sigterm() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("atlas.toml"),
        "[team]\nsession = \"stubborn\"\n[defaults]\ncommand = \"sh -c 'trap \\\"\\\" TERM; while :; do sleep 1; done'\"\npreset = \"shell\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"Mule\" }]\n[supervisor]\nenabled = false\n",
    )
    .unwrap();
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let (pane, _) = pane_and_pid(&server, "Mule");
    let o = output(server.atlas(dir.path()).args(["stop", "Mule"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let dead = server.run(&["display-message", "-p", "-t", &pane, "#{pane_dead}"]);
    assert_eq!(dead.trim(), "1");
    assert_eq!(ls_row(&server, dir.path(), "Mule")["state"], "stopped");
}

#[test]
fn teams_lists_every_team_on_the_server_and_shows_a_broken_config() {
    let server = Server::new();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    write_team(one.path(), "alpha", "enabled = false\n");
    write_team(two.path(), "beta", "enabled = false\n");
    std::fs::write(one.path().join("coordination.md"), INBOX).unwrap();
    for d in [one.path(), two.path()] {
        let o = output(server.atlas(d).arg("up"));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // A session that is not a team is not listed.
    server.run(&["new-session", "-d", "-s", "plain"]);
    let o = output(server.atlas(one.path()).args(["stop", "Prometheus"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let teams = |dir: &Path| -> serde_json::Value {
        let o = output(server.atlas(dir).args(["teams", "--json"]));
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let v = teams(one.path());
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    let mut keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["agents", "config", "down", "inbox", "session", "up"],
        "{v}"
    );
    assert_eq!(rows[0]["session"], "alpha");
    assert_eq!(
        rows[0]["config"],
        one.path().join("atlas.toml").to_str().unwrap()
    );
    assert_eq!(
        (
            &rows[0]["agents"],
            &rows[0]["up"],
            &rows[0]["down"],
            &rows[0]["inbox"]
        ),
        (&2.into(), &1.into(), &1.into(), &3.into()),
        "{v}"
    );
    assert_eq!(rows[1]["session"], "beta");
    assert_eq!(rows[1]["up"], 2);

    // A config that no longer parses, or no longer exists, is shown, not fatal.
    std::fs::write(two.path().join("atlas.toml"), "[team\n").unwrap();
    let v = teams(one.path());
    assert_eq!(v[1]["session"], "beta");
    assert!(v[1]["inbox"].is_null());
    assert_eq!(v[1]["agents"], 2);
    assert!(
        v[1]["error"].as_str().unwrap().contains("atlas.toml:1:"),
        "{v}"
    );
    std::fs::remove_file(two.path().join("atlas.toml")).unwrap();
    let o = output(server.atlas(one.path()).arg("teams"));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("SESSION"), "{out}");
    assert!(out.contains("! the config file no longer exists"), "{out}");
    let alpha = out.lines().find(|l| l.starts_with("alpha")).unwrap();
    assert!(
        alpha
            .split_whitespace()
            .collect::<Vec<_>>()
            .ends_with(&["2", "1", "1", "3"]),
        "{out}"
    );

    // No server at all: nothing runs.
    let empty = Server::new();
    let o = output(empty.atlas(one.path()).args(["teams", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "[]");
}

/// A client in a pane of a second private server (a real terminal), running `command`.
fn terminal(command: &str) -> Server {
    let outer = Server::new();
    outer.run(&[
        "new-session",
        "-d",
        "-s",
        "o",
        "-x",
        "120",
        "-y",
        "35",
        command,
    ]);
    outer
}

fn client_pane(server: &Server) -> Option<(String, String)> {
    let out = server.try_run(&["list-clients", "-F", "#{client_session} #{pane_id}"])?;
    let line = out.lines().next()?;
    let (s, p) = line.split_once(' ')?;
    Some((s.to_string(), p.to_string()))
}

#[test]
fn attach_goes_to_the_team_and_to_an_agent_pane_and_refuses_a_team_that_is_down() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "att", "enabled = false\n");
    let config = dir.path().join("atlas.toml");

    // Not up: refused, clearly.
    let o = output(server.atlas(dir.path()).arg("attach"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the team is not up: its session `att` is not running"),
        "{}",
        stderr(&o)
    );
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let orpheus = server.agent_pane("Orpheus").unwrap();
    let prometheus = server.agent_pane("Prometheus").unwrap();
    server.run(&["select-pane", "-t", &prometheus]);

    // From a terminal, with an agent: attached, at its pane.
    let atlas = common::atlas_bin();
    let cmd = format!(
        "env -u TMUX -u TMUX_PANE ATLAS_FORBID_DEFAULT_SERVER=1 {} -L {} -c {} attach Orpheus",
        atlas.display(),
        server.name,
        config.display()
    );
    let _outer = terminal(&cmd);
    let (session, pane) = wait_for(WAIT, "the client attached", || client_pane(&server));
    assert_eq!(session, "att");
    assert_eq!(pane, orpheus);

    // Inside tmux on the same server: the client is switched (no nesting).
    server.run(&["new-session", "-d", "-s", "work", "-x", "120", "-y", "30"]);
    let client = server.run(&["list-clients", "-F", "#{client_name}"]);
    server.run(&["switch-client", "-c", client.trim(), "-t", "=work"]);
    wait_for(WAIT, "the client on `work`", || {
        client_pane(&server).filter(|(s, _)| s == "work")
    });
    let shell = server.run(&["display-message", "-p", "-t", "=work:", "#{pane_id}"]);
    // Run in that pane (its tty, its TMUX) as a program of its own, not typed into a shell
    // whose start-up files and readiness vary from machine to machine; it stays to be read.
    let line = format!(
        "ATLAS_FORBID_DEFAULT_SERVER=1 {} -L {} -c {} attach Prometheus; echo \"attach exited $?\"; exec sleep 600",
        atlas.display(),
        server.name,
        config.display()
    );
    server.run(&["respawn-pane", "-k", "-t", shell.trim(), "sh", "-c", &line]);
    let deadline = std::time::Instant::now() + WAIT;
    let (session, pane) = loop {
        if let Some(found) = client_pane(&server).filter(|(s, _)| s == "att") {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the client was not switched to Prometheus; the pane that ran attach:\n{}",
            server
                .try_run(&["capture-pane", "-p", "-t", shell.trim()])
                .unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(session, "att");
    assert_eq!(pane, prometheus);

    // Without a terminal, attaching is refused with a reason.
    let o = output(server.atlas(dir.path()).arg("attach"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("needs a terminal"), "{}", stderr(&o));
    let o = output(server.atlas(dir.path()).args(["attach", "Nobody"]));
    assert_eq!(o.status.code(), Some(2));
}
