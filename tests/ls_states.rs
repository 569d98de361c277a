//! `atlas ls` and `atlas signal` on a private tmux server: the fine states as `ls --json`
//! shows them, with the exact keys, and signals winning over the screen.

mod common;
mod send_support;

use std::time::Duration;

use common::{output, stderr, stdout, wait_for};
use send_support::{Kind, Rig};
use serde_json::Value;

fn ls(rig: &Rig) -> Vec<Value> {
    let o = output(rig.atlas().args(["ls", "--json"]));
    assert!(o.status.success(), "ls: {}", stderr(&o));
    serde_json::from_str::<Value>(&stdout(&o))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn row(rig: &Rig, agent: &str) -> Value {
    ls(rig)
        .into_iter()
        .find(|r| r["name"] == agent)
        .unwrap_or_else(|| panic!("no row for {agent}"))
}

fn wait_state(rig: &Rig, agent: &str, state: &str) -> Value {
    wait_for(
        Duration::from_secs(10),
        &format!("{agent} to be {state}"),
        || {
            let r = row(rig, agent);
            (r["state"] == state).then_some(r)
        },
    )
}

fn submit(rig: &Rig, agent: &str, text: &str) {
    let pane = rig.pane(agent);
    rig.server
        .run(&["send-keys", "-t", &pane, "-l", "--", text]);
    rig.server.run(&["send-keys", "-t", &pane, "Enter"]);
}

#[test]
fn json_rows_have_exactly_the_documented_keys() {
    let rig = Rig::new(Kind::Record, &["A", "B"]);
    let rows = ls(&rig);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "exit_status",
                "inbox",
                "name",
                "pane",
                "reset_at",
                "since",
                "state",
                "window"
            ]
        );
        assert_eq!(r["state"], "idle");
        assert!(r["pane"].as_str().unwrap().starts_with('%'));
        assert!(r["exit_status"].is_null());
        assert!(r["reset_at"].is_null());
        assert_eq!(r["inbox"], 0);
        chrono::DateTime::parse_from_rfc3339(r["since"].as_str().unwrap()).unwrap();
        assert_eq!(r["window"], "w");
    }
    // Inbox counts come from the coordination file.
    std::fs::write(
        rig.dir.path().join("coordination.md"),
        "## [2026-04-11 01:14] human → A\nStatus: BLOCKED\nTask: look at this\n\n## [2026-04-11 01:15] human → A, B\nTask: and this\n",
    )
    .unwrap();
    let rows = ls(&rig);
    assert_eq!(rows[0]["inbox"], 2);
    assert_eq!(rows[1]["inbox"], 1);
    // The table has a header and one row per agent.
    let o = output(rig.atlas().arg("ls"));
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.starts_with("NAME"), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn the_demo_agent_walked_through_every_state() {
    let rig = Rig::new(Kind::Demo, &["A", "B"]);
    submit(&rig, "A", "/ask");
    wait_state(&rig, "A", "waiting");
    rig.server.run(&["send-keys", "-t", &rig.pane("A"), "1"]);
    wait_state(&rig, "A", "idle");

    submit(&rig, "A", "/limit 23:59");
    let r = wait_state(&rig, "A", "limited");
    let reset = chrono::DateTime::parse_from_rfc3339(r["reset_at"].as_str().unwrap()).unwrap();
    assert_eq!(reset.format("%H:%M").to_string(), "23:59");
    let o = output(rig.atlas().arg("ls"));
    assert!(
        stdout(&o).contains("limited (resets 23:59)"),
        "{}",
        stdout(&o)
    );

    submit(&rig, "A", "/limit off");
    wait_state(&rig, "A", "idle");
    submit(&rig, "A", "write 3 captions");
    wait_state(&rig, "A", "busy");
    let r = wait_state(&rig, "A", "idle");
    assert!(r["reset_at"].is_null());

    submit(&rig, "A", "/exit 7");
    let r = wait_state(&rig, "A", "dead");
    assert_eq!(r["exit_status"], 7);
    let o = output(rig.atlas().arg("ls"));
    assert!(stdout(&o).contains("dead (7)"), "{}", stdout(&o));

    rig.server.run(&["kill-pane", "-t", &rig.pane("B")]);
    let r = wait_state(&rig, "B", "missing");
    assert!(r["pane"].is_null());
    assert!(r["since"].is_null());
}

#[test]
fn since_stays_while_the_state_stays() {
    let rig = Rig::new(Kind::Record, &["A"]);
    let first = row(&rig, "A")["since"].clone();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(row(&rig, "A")["since"], first);
}

#[test]
fn a_signal_wins_over_the_screen_until_the_screen_changes() {
    let rig = Rig::new(Kind::Demo, &["A"]);
    assert_eq!(row(&rig, "A")["state"], "idle");
    let o = output(rig.atlas().args(["signal", "busy", "--agent", "A"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(row(&rig, "A")["state"], "busy");
    // From the agent's own environment.
    let o = output(
        rig.atlas()
            .args(["signal", "waiting"])
            .env("ATLAS_AGENT", "A"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(row(&rig, "A")["state"], "waiting");
    let o = output(rig.atlas().args(["signal", "clear", "--agent", "A"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(row(&rig, "A")["state"], "idle");
    // A menu on the screen beats a signal.
    output(rig.atlas().args(["signal", "idle", "--agent", "A"]));
    submit(&rig, "A", "/ask");
    wait_state(&rig, "A", "waiting");
    // Bad input: usage errors.
    let o = output(rig.atlas().args(["signal", "dead", "--agent", "A"]));
    assert_eq!(o.status.code(), Some(2));
    let o = output(rig.atlas().args(["signal", "busy"]));
    assert_eq!(o.status.code(), Some(2), "no agent: {}", stderr(&o));
    let o = output(rig.atlas().args(["signal", "busy", "--agent", "Nobody"]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn ls_costs_two_tmux_calls_when_nothing_changed() {
    // Every tmux invocation of `atlas ls` goes through a wrapper that counts them.
    let rig = Rig::new(Kind::Record, &["A", "B", "C", "D"]);
    ls(&rig); // the first look writes atlas's memory
    let bin = tempfile::tempdir().unwrap();
    let count = bin.path().join("count");
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v tmux"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let wrapper = bin.path().join("tmux");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho x >> {}\nexec {} \"$@\"\n",
            count.display(),
            real.trim()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", wrapper.to_str().unwrap()])
        .status()
        .unwrap();
    let path = format!("{}:{}", bin.path().display(), common::path_with_atlas());
    let o = output(rig.atlas().args(["ls", "--json"]).env("PATH", path));
    assert!(o.status.success(), "{}", stderr(&o));
    let calls = std::fs::read_to_string(&count).unwrap().lines().count();
    assert_eq!(calls, 2, "tmux invocations for ls of 4 agents");
}

#[test]
fn hooks_claude_prints_settings_that_call_signal() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Server::new();
    let o = output(server.atlas(dir.path()).args(["hooks", "claude"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for (event, state) in [
        ("SessionStart", "idle"),
        ("UserPromptSubmit", "busy"),
        ("Notification", "waiting"),
        ("Stop", "idle"),
    ] {
        let cmd = v["hooks"][event][0]["hooks"][0]["command"]
            .as_str()
            .unwrap();
        assert!(cmd.ends_with(&format!("signal {state}")), "{event}: {cmd}");
    }
    let o = output(server.atlas(dir.path()).args(["hooks", "vim"]));
    assert_eq!(o.status.code(), Some(2));
}
