//! The core on a real (private) tmux server: up, down, ls, restart, peek, logs, errors.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, output, stderr, stdout, wait_for};

const WAIT: Duration = Duration::from_secs(10);

/// A 13-agent team (the starter layout) whose agents are small shell programs.
fn write_team(dir: &Path, session: &str) {
    let init = std::process::Command::new(common::atlas_bin())
        .args(["init", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    let path = dir.join("atlas.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let agent = r#"sh -c 'printf "AGENT=%s\n" "$ATLAS_AGENT"; printf "CONFIG=%s\n" "$ATLAS_CONFIG"; printf "\033[31mRED\033[0m-TEXT\n"; read line; exit $line'"#;
    let resume = r#"sh -c 'echo RESUMED-MARK; read line; exit $line'"#;
    // `atlas init` names the session after the folder; these tests choose their own.
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("session = ") {
                format!("session = {}\n", toml_str(session))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let text = text
        .replace(
            "command = \"claude\"",
            &format!("command = {}", toml_str(agent)),
        )
        .replace(
            "resume = \"claude --continue\"",
            &format!("resume = {}", toml_str(resume)),
        )
        .replace("preset = \"claude\"", "preset = \"shell\"")
        .replace("enabled = true", "enabled = false");
    std::fs::write(&path, text).unwrap();
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn panes(server: &Server) -> Vec<Vec<String>> {
    server
        .try_run(&[
            "list-panes",
            "-a",
            "-F",
            "#{session_name}\t#{window_name}\t#{pane_id}\t#{@atlas_agent}\t#{pane_title}\t#{remain-on-exit}\t#{pane_dead}\t#{pane_pipe}",
        ])
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

fn weird_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("team dir 'quoted' \"double\" ✓ ünï");
    std::fs::create_dir_all(&dir).unwrap();
    (root, dir)
}

#[test]
fn up_creates_thirteen_agents_with_options_environment_and_logging() {
    let server = Server::new();
    let (_root, dir) = weird_dir();
    write_team(&dir, "team ✓");
    let o = output(server.atlas(&dir).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("13 agents in 5 windows"),
        "{}",
        stdout(&o)
    );

    let p = panes(&server);
    assert_eq!(p.len(), 13, "{p:?}");
    let windows: Vec<&str> = {
        let mut w: Vec<&str> = p.iter().map(|r| r[1].as_str()).collect();
        w.dedup();
        w
    };
    assert_eq!(windows, ["ceo", "content", "revenue", "intel", "trading"]);
    for row in &p {
        assert_eq!(row[0], "team ✓");
        assert!(!row[3].is_empty(), "@atlas_agent set: {row:?}");
        assert_eq!(row[3], row[4], "title is the agent's name: {row:?}");
        assert_eq!(row[5], "on", "remain-on-exit: {row:?}");
        assert_eq!(row[7], "1", "pipe-pane logging: {row:?}");
    }
    let orpheus = p.iter().find(|r| r[3] == "Orpheus").unwrap();
    assert_eq!(orpheus[1], "content");

    // Environment, seen by the program itself.
    let config = dir.join("atlas.toml");
    let id = orpheus[2].clone();
    let screen = wait_for(WAIT, "Orpheus prints its environment", || {
        let s = server.capture(&id);
        s.contains("CONFIG=").then_some(s)
    });
    assert!(screen.contains("AGENT=Orpheus"), "{screen}");
    assert!(
        screen.contains(&format!("CONFIG={}", config.display())),
        "{screen}"
    );
    let opt = server.run(&["show-options", "-t", "=team ✓:", "-v", "@atlas_config"]);
    assert_eq!(opt.trim(), config.to_string_lossy());

    // Logging goes to logs/NAME-YYYY-MM-DD.log.
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let log = dir.join("logs").join(format!("Orpheus-{today}.log"));
    wait_for(WAIT, "the log file", || {
        std::fs::read_to_string(&log)
            .ok()
            .filter(|s| s.contains("AGENT=Orpheus"))
    });
    let events = std::fs::read_to_string(dir.join("logs/events.log")).unwrap();
    assert_eq!(events.lines().filter(|l| l.contains(" spawn ")).count(), 13);
}

#[test]
fn up_twice_changes_nothing_and_up_after_a_kill_recreates_only_that_agent() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "atlas");
    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let before = panes(&server);

    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to start"), "{}", stdout(&o));
    assert_eq!(panes(&server), before);

    let orpheus = before.iter().find(|r| r[3] == "Orpheus").unwrap()[2].clone();
    server.run(&["kill-pane", "-t", &orpheus]);
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "started Orpheus");
    let after = panes(&server);
    assert_eq!(after.len(), 13);
    for row in &before {
        if row[3] != "Orpheus" {
            assert!(
                after.iter().any(|r| r[2] == row[2] && r[3] == row[3]),
                "{row:?} kept"
            );
        }
    }
    let new = after.iter().find(|r| r[3] == "Orpheus").unwrap();
    assert_ne!(new[2], orpheus);
    assert_eq!(new[1], "content", "back in its own window");
}

#[test]
fn ls_shows_missing_and_dead_with_status_then_down_stops_the_session() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "atlas");
    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let p = panes(&server);
    let id = |n: &str| p.iter().find(|r| r[3] == n).unwrap()[2].clone();
    server.run(&["kill-pane", "-t", &id("Plutus")]);
    let tyche = id("Tyche");
    wait_for(WAIT, "Tyche ready", || {
        server.capture(&tyche).contains("RED-TEXT").then_some(())
    });
    server.run(&["send-keys", "-t", &tyche, "3", "Enter"]);

    let json = wait_for(WAIT, "Tyche dead with status 3", || {
        let o = output(server.atlas(dir.path()).args(["ls", "--json"]));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
        let t = v.as_array()?.iter().find(|r| r["name"] == "Tyche")?.clone();
        (t["state"] == "dead" && t["exit_status"] == 3).then_some(v)
    });
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 13);
    let plutus = rows.iter().find(|r| r["name"] == "Plutus").unwrap();
    assert_eq!(plutus["state"], "missing");
    assert!(plutus["pane"].is_null());
    for key in [
        "name",
        "window",
        "pane",
        "state",
        "since",
        "exit_status",
        "inbox",
        "reset_at",
    ] {
        assert!(plutus.get(key).is_some(), "key {key}");
    }
    let table = stdout(&output(server.atlas(dir.path()).arg("ls")));
    assert!(table.contains("dead (3)"), "{table}");
    assert!(table.contains("missing"), "{table}");

    let o = output(server.atlas(dir.path()).arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.try_run(&["has-session", "-t", "=atlas"]).is_none());
}

#[test]
fn restart_runs_the_resume_command_and_the_log_goes_on() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "atlas");
    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let id = server.agent_pane("Hermes").unwrap();
    wait_for(WAIT, "Hermes ready", || {
        server.capture(&id).contains("RED-TEXT").then_some(())
    });
    server.run(&["send-keys", "-t", &id, "1", "Enter"]);
    wait_for(WAIT, "Hermes dead", || {
        server
            .try_run(&["display-message", "-p", "-t", &id, "#{pane_dead}"])
            .filter(|s| s.trim() == "1")
    });

    let o = output(server.atlas(dir.path()).args(["restart", "Hermes"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        server.agent_pane("Hermes").as_deref(),
        Some(id.as_str()),
        "same pane"
    );
    wait_for(WAIT, "the resume command's output", || {
        server.capture(&id).contains("RESUMED-MARK").then_some(())
    });
    let peek = stdout(&output(
        server.atlas(dir.path()).args(["peek", "Hermes", "-n", "1"]),
    ));
    assert_eq!(peek.trim(), "RESUMED-MARK");

    // The same daily log holds both lives, escape codes removed by `atlas logs`.
    let logs = wait_for(WAIT, "the log to hold both lives", || {
        let o = output(
            server
                .atlas(dir.path())
                .args(["logs", "Hermes", "-n", "50"]),
        );
        let s = stdout(&o);
        s.contains("RESUMED-MARK").then_some(s)
    });
    assert!(logs.contains("AGENT=Hermes"), "{logs}");
    assert!(logs.contains("RED-TEXT"), "{logs}");
    assert!(!logs.contains('\x1b'), "escapes removed: {logs:?}");
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let raw = std::fs::read(dir.path().join(format!("logs/Hermes-{today}.log"))).unwrap();
    assert!(
        raw.windows(2).any(|w| w == b"\x1b["),
        "the raw log keeps escapes"
    );
    let events = std::fs::read_to_string(dir.path().join("logs/events.log")).unwrap();
    assert!(
        events.lines().any(|l| l.contains(" restart Hermes ")),
        "{events}"
    );
}

#[test]
fn logs_follow_goes_on_across_a_restart() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "atlas");
    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let id = server.agent_pane("Kairos").unwrap();
    wait_for(WAIT, "Kairos ready", || {
        server.capture(&id).contains("RED-TEXT").then_some(())
    });
    let mut follow = KillOnDrop(
        server
            .atlas(dir.path())
            .args(["logs", "Kairos", "-f"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut reader = std::io::BufReader::new(follow.0.stdout.take().unwrap());
    server.run(&["send-keys", "-t", &id, "0", "Enter"]);
    assert!(
        output(server.atlas(dir.path()).args(["restart", "Kairos"]))
            .status
            .success()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = tx.send(line.clone());
            line.clear();
        }
    });
    let mut seen = String::new();
    wait_for(WAIT, "follow to print the restarted agent's output", || {
        while let Ok(l) = rx.try_recv() {
            seen.push_str(&l);
        }
        seen.contains("RESUMED-MARK").then_some(())
    });
    drop(follow);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn errors_say_what_to_do() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "atlas");

    // No server yet.
    let o = output(server.atlas(dir.path()).args(["peek", "Atlas"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("atlas up"), "{}", stderr(&o));

    assert!(output(server.atlas(dir.path()).arg("up")).status.success());
    let o = output(server.atlas(dir.path()).args(["peek", "Nobody"]));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("no agent named `Nobody`") && e.contains("Orpheus"),
        "{e}"
    );

    // tmux missing.
    let o = output(
        server
            .atlas(dir.path())
            .args(["ls"])
            .env("PATH", "/nonexistent"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("tmux is not installed"),
        "{}",
        stderr(&o)
    );

    // No config.
    let empty = tempfile::tempdir().unwrap();
    let o = output(server.atlas(empty.path()).arg("ls"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("atlas init"), "{}", stderr(&o));

    // A session name tmux cannot use.
    let bad = tempfile::tempdir().unwrap();
    write_team(bad.path(), "my.team");
    let o = output(server.atlas(bad.path()).arg("up"));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("atlas.toml:") && e.contains("session name"),
        "{e}"
    );

    // A bad config names file, line and column.
    std::fs::write(bad.path().join("atlas.toml"), "[team]\nsesion = \"x\"\n").unwrap();
    let o = output(server.atlas(bad.path()).arg("up"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("atlas.toml:2:1: unknown key `sesion`"),
        "{}",
        stderr(&o)
    );

    // init refuses to overwrite.
    let o = output(server.atlas(dir.path()).args(["init", "."]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
}

#[test]
fn the_guard_refuses_the_default_server() {
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "atlas");
    let o = output(
        std::process::Command::new(common::atlas_bin())
            .current_dir(dir.path())
            .arg("ls")
            .env_remove("TMUX")
            .env("ATLAS_FORBID_DEFAULT_SERVER", "1"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing to talk to the default tmux server"));
}

/// `up --attach` from a real terminal (a pane of a second private server, with `TMUX`
/// unset): the session is created and a client is attached to it, showing its first
/// window.
#[test]
fn up_attach_attaches_a_terminal_to_the_session() {
    let outer = Server::new();
    let inner = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "attach-team");
    let script = dir.path().join("attach.sh");
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    std::fs::write(
        &script,
        format!(
            "cd {dir} || exit 1\n\
             unset TMUX TMUX_PANE ATLAS_CONFIG ATLAS_AGENT\n\
             export ATLAS_FORBID_DEFAULT_SERVER=1 ATLAS_TMUX_CONF=/dev/null PATH={path}\n\
             {atlas} -L {name} up --attach\n\
             echo \"ATTACH-ENDED $?\"\n\
             sleep 60\n",
            dir = quote(dir.path()),
            path = quote(Path::new(&common::path_with_atlas())),
            atlas = quote(&common::atlas_bin()),
            name = inner.name,
        ),
    )
    .unwrap();
    let script_arg = script.display().to_string();
    outer.run(&[
        "new-session",
        "-d",
        "-s",
        "outer",
        "-x",
        "150",
        "-y",
        "45",
        "sh",
        &script_arg,
    ]);
    // A client of the team's server, attached to the team's session.
    wait_for(WAIT, "a client attached to the team's session", || {
        let clients = inner.try_run(&["list-clients", "-F", "#{client_session}"])?;
        clients.lines().any(|s| s == "attach-team").then_some(())
    });
    // The outer terminal shows the team's first window: an agent's output and the
    // session's status line, and `atlas up` did not return (it became the client).
    let screen = wait_for(WAIT, "the team's window on the terminal", || {
        let screen = outer.capture("outer");
        (screen.contains("AGENT=") && screen.contains("[attach-te")).then_some(screen)
    });
    assert!(!screen.contains("ATTACH-ENDED"), "{screen}");
    let agents = panes(&inner)
        .iter()
        .filter(|p| p[0] == "attach-team" && !p[3].is_empty())
        .count();
    assert_eq!(agents, 13, "every agent has a pane");
}
