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
