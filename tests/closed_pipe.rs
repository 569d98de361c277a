//! Every command that prints stops quietly when its standard output is a pipe nobody reads
//! (`atlas ls | true`): exit 0, no panic ("failed printing to stdout: Broken pipe", exit
//! 101). Each runs with stdout connected to a pipe whose read end is already closed, on a
//! private tmux server with a small team running.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{Server, output, stderr, stdout, wait_for};

const WAIT: Duration = Duration::from_secs(15);

/// Run `cmd` with stdout a pipe whose read end is closed; stderr captured.
fn closed(cmd: &mut Command) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    cmd.stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .output()
        .expect("run atlas")
}

fn assert_quiet(what: &str, o: &Output) {
    let err = stderr(o);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{what}: {err}"
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: exit {:?}: {err}",
        o.status
    );
}

fn team(dir: &Path, session: &str) {
    std::fs::write(
        dir.join("atlas.toml"),
        format!(
            "[team]\nsession = \"{session}\"\n[defaults]\ncommand = \"atlas demo-agent\"\npreset = \"demo\"\n\
             [supervisor]\nenabled = false\n[[windows]]\nname = \"w\"\nagents = [{{ name = \"A\" }}, {{ name = \"B\" }}]\n"
        ),
    )
    .unwrap();
}

#[test]
fn every_printing_command_stops_quietly_on_a_closed_pipe() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let session = format!("pipe{}", server.name.rsplit('-').next().unwrap());

    // init (a folder of its own), then the team's own config.
    let init_dir = dir.path().join("init");
    assert_quiet(
        "init",
        &closed(server.atlas(dir.path()).args(["init", "init"])),
    );
    assert!(init_dir.join("atlas.toml").exists());
    team(dir.path(), &session);

    let run = |args: &[&str]| {
        let o = closed(server.atlas(dir.path()).args(args));
        assert_quiet(&args.join(" "), &o);
    };
    run(&["up"]);
    run(&["up"]);
    // The demo agents come up idle.
    wait_for(WAIT, "the demo agents to be idle", || {
        let o = output(server.atlas(dir.path()).args(["ls", "--json"]));
        let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).ok()?;
        rows.as_array()?
            .iter()
            .all(|r| r["state"] == "idle")
            .then_some(())
    });
    run(&["ls"]);
    run(&["ls", "--json"]);
    run(&["send", "A", "hello from a closed pipe"]);
    run(&["peek", "A"]);
    run(&["restart", "B"]);
    run(&[
        "handoff", "--from", "A", "--to", "B", "--status", "DONE", "--task", "t",
    ]);
    run(&["inbox", "B"]);
    run(&["inbox", "B", "--json"]);
    run(&["status"]);
    run(&["report", "--since", "1h"]);
    run(&["report", "--since", "1h", "--json"]);
    run(&["check"]);
    run(&["queue", "add", "A", "more", "work"]);
    run(&["queue", "ls"]);
    run(&["queue", "ls", "--json"]);
    run(&["menu", "--print"]);
    run(&["hooks", "claude"]);
    run(&["--help"]);
    run(&["--version"]);
    wait_for(WAIT, "A's log", || {
        std::fs::read_dir(dir.path().join("logs"))
            .ok()?
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("A-"))
            .then_some(())
    });
    run(&["logs", "A", "-n", "5"]);
    run(&["down"]);
    run(&["down"]);
    run(&["status"]);
    run(&["ls"]);
}
