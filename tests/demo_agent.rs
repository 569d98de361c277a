//! `atlas demo-agent` in a real terminal: a pane on a private tmux server, driven with
//! `send-keys` and `paste-buffer`, read with `capture-pane`. Walks it through every state the
//! `demo` preset recognises, and checks record mode keeps hostile text byte for byte.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, atlas_bin, wait_for};

const WAIT: Duration = Duration::from_secs(15);

const TEAM: &str = r#"[team]
session = "demo-test"

[defaults]
command = "atlas demo-agent"
preset = "demo"

[[windows]]
name = "w"
agents = [
  { name = "Boss", role = "lead" },
  { name = "Orpheus", role = "copywriter", reports_to = "Boss" },
]
"#;

/// A folder with a two-agent team config.
fn team_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("atlas.toml"), TEAM).unwrap();
    dir
}

/// Start `atlas demo-agent ARGS` in a new 120x30 session; its pane id. `env` entries are
/// `NAME=VALUE`; ATLAS_AGENT and ATLAS_CONFIG are empty unless given.
fn start(server: &Server, cwd: &Path, env: &[&str], args: &[&str]) -> String {
    let bin = atlas_bin();
    let cwd = cwd.to_str().unwrap();
    let mut argv: Vec<&str> = vec![
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "30",
        "-c",
        cwd,
        "-P",
        "-F",
        "#{pane_id}",
    ];
    let mut all_env = vec!["ATLAS_AGENT=", "ATLAS_CONFIG=", "ATLAS_DEMO_START=0.1"];
    all_env.extend_from_slice(env);
    for e in &all_env {
        argv.push("-e");
        argv.push(e);
    }
    argv.push("--");
    argv.push(bin.to_str().unwrap());
    argv.push("demo-agent");
    argv.extend_from_slice(args);
    let pane = server.run(&argv).trim().to_string();
    server.run(&["set-option", "-p", "-t", &pane, "remain-on-exit", "on"]);
    pane
}

/// The screen's lines, trailing blank lines dropped.
fn lines(server: &Server, pane: &str) -> Vec<String> {
    let screen = server.capture(pane);
    let mut lines: Vec<String> = screen.lines().map(str::to_string).collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

/// The bottom line (trailing blank lines dropped).
fn bottom(server: &Server, pane: &str) -> String {
    lines(server, pane).pop().unwrap_or_default()
}

/// Wait until the bottom line satisfies `f`.
fn wait_bottom(server: &Server, pane: &str, what: &str, f: impl Fn(&str) -> bool) -> String {
    wait_for(WAIT, what, || {
        let b = bottom(server, pane);
        f(&b).then_some(b)
    })
}

fn wait_idle(server: &Server, pane: &str) {
    wait_bottom(server, pane, "the idle prompt", |b| b.trim_end() == "demo>");
}

/// Wait until some screen line satisfies `f`.
fn wait_line(server: &Server, pane: &str, what: &str, f: impl Fn(&str) -> bool) -> String {
    wait_for(WAIT, what, || {
        lines(server, pane).into_iter().find(|l| f(l))
    })
}

fn keys(server: &Server, pane: &str, keys: &[&str]) {
    let mut argv = vec!["send-keys", "-t", pane];
    argv.extend_from_slice(keys);
    server.run(&argv);
}

fn literal(server: &Server, pane: &str, text: &str) {
    server.run(&["send-keys", "-t", pane, "-l", "--", text]);
}

/// A bracketed paste of `text` (newlines kept as LF), not submitted.
fn paste(server: &Server, pane: &str, text: &str) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    let path = file.path().to_str().unwrap();
    server.run(&["load-buffer", "-b", "demo-test", path]);
    server.run(&[
        "paste-buffer",
        "-p",
        "-r",
        "-d",
        "-b",
        "demo-test",
        "-t",
        pane,
    ]);
}

/// `pane_dead pane_dead_status`, polled until the status is known (tmux may report the pane
/// dead before it knows the status).
fn wait_dead(server: &Server, pane: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        let out = server.run(&[
            "display-message",
            "-p",
            "-t",
            pane,
            "#{pane_dead} #{pane_dead_status} #{pane_pid}",
        ]);
        last = out.trim().to_string();
        let mut words = last.split(' ');
        match (words.next(), words.next()) {
            (Some("1"), Some(status)) if !status.is_empty() => return format!("1 {status}"),
            // Dead, status not known: tmux 3.3a may not reap the pane's process until some
            // other child of the server exits (TMUX-NOTES). Give it one.
            (Some("1"), _) => {
                server.run(&["run-shell", "true"]);
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "timed out waiting for the pane to die with a status; last `{last}`; screen:\n{}",
        server.capture(pane)
    );
}

#[test]
fn starting_state_shows_before_the_prompt() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let pane = start(&server, dir.path(), &["ATLAS_DEMO_START=60"], &[]);
    wait_bottom(&server, &pane, "the starting line", |b| {
        b == "Starting demo agent…"
    });
    // Text typed while starting is kept for the prompt.
    literal(&server, &pane, "early");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(bottom(&server, &pane), "Starting demo agent…");
}

#[test]
fn walks_through_every_state() {
    let server = Server::new();
    let dir = team_dir();
    let config = dir.path().join("atlas.toml");
    let config_env = format!("ATLAS_CONFIG={}", config.display());
    let pane = start(
        &server,
        dir.path(),
        &["ATLAS_AGENT=Orpheus", &config_env, "ATLAS_DEMO_WORK=2.5"],
        &[],
    );

    // idle, with the banner naming the agent.
    wait_idle(&server, &pane);
    let screen = lines(&server, &pane);
    assert!(
        screen
            .iter()
            .any(|l| l == "atlas demo agent · Orpheus (copywriter) · reports to Boss"),
        "{screen:#?}"
    );

    // draft: typed text without Enter.
    literal(&server, &pane, "write 3 captions");
    wait_bottom(&server, &pane, "the draft", |b| {
        b == "demo> write 3 captions"
    });

    // busy, ticking each second.
    keys(&server, &pane, &["Enter"]);
    wait_line(&server, &pane, "the echo", |l| l == "> write 3 captions");
    wait_bottom(&server, &pane, "the busy line", |b| {
        b == "✻ Working on \"write 3 captions\"… (1s · esc to interrupt)"
    });

    // Done, with the output file written.
    let done = wait_line(&server, &pane, "the Done line", |l| l.starts_with("Done: "));
    wait_idle(&server, &pane);
    let rest = done.strip_prefix("Done: wrote out/Orpheus/").expect(&done);
    let (file, handoff) = rest.split_once(" · ").expect(&done);
    assert!(file.ends_with("-write-3-captions.md"), "{done}");
    assert_eq!(handoff, "handed off to Boss", "{done}");
    let written = std::fs::read_to_string(dir.path().join("out/Orpheus").join(file)).unwrap();
    assert!(written.contains("write 3 captions"), "{written}");

    // waiting: the permission question; 2 answers No.
    literal(&server, &pane, "/ask");
    keys(&server, &pane, &["Enter"]);
    wait_line(&server, &pane, "the question", |l| {
        l == "Do you want to proceed?"
    });
    wait_line(&server, &pane, "the first option", |l| l == "❯ 1. Yes");
    assert_eq!(bottom(&server, &pane), "  2. No");
    literal(&server, &pane, "2");
    wait_line(&server, &pane, "the answer", |l| l == "Answered: No");
    wait_idle(&server, &pane);
    assert!(
        !lines(&server, &pane)
            .iter()
            .any(|l| l.contains("Do you want to proceed")),
        "the question is gone once answered"
    );

    // limited: the limit line, and a directive refused with it.
    literal(&server, &pane, "/limit 23:59");
    keys(&server, &pane, &["Enter"]);
    wait_idle(&server, &pane);
    let screen = lines(&server, &pane);
    assert_eq!(
        screen[screen.len() - 2],
        "Usage limit reached · resets 23:59",
        "{screen:#?}"
    );
    literal(&server, &pane, "more work");
    keys(&server, &pane, &["Enter"]);
    wait_line(&server, &pane, "the refused directive", |l| {
        l == "> more work"
    });
    wait_idle(&server, &pane);
    let screen = lines(&server, &pane);
    assert_eq!(screen[screen.len() - 3], "> more work");
    assert_eq!(
        screen[screen.len() - 2],
        "Usage limit reached · resets 23:59"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(!bottom(&server, &pane).contains("esc to interrupt"));

    // dead, with the status asked for.
    literal(&server, &pane, "/exit 3");
    keys(&server, &pane, &["Enter"]);
    assert_eq!(wait_dead(&server, &pane), "1 3");
}

#[test]
fn esc_interrupts_and_keeps_typed_keys() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let pane = start(&server, dir.path(), &["ATLAS_DEMO_WORK=60"], &[]);
    wait_idle(&server, &pane);
    literal(&server, &pane, "a very long job");
    keys(&server, &pane, &["Enter"]);
    wait_bottom(&server, &pane, "busy", |b| b.contains("esc to interrupt"));
    literal(&server, &pane, "next one");
    std::thread::sleep(Duration::from_millis(100));
    keys(&server, &pane, &["Escape"]);
    wait_line(&server, &pane, "Interrupted.", |l| l == "Interrupted.");
    wait_bottom(&server, &pane, "the kept draft", |b| b == "demo> next one");
    // Ctrl-C clears the line, Ctrl-D on an empty line quits with 0.
    keys(&server, &pane, &["C-c"]);
    wait_idle(&server, &pane);
    keys(&server, &pane, &["C-d"]);
    assert_eq!(wait_dead(&server, &pane), "1 0");
}

#[test]
fn crash_exits_1() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let pane = start(&server, dir.path(), &[], &[]);
    wait_idle(&server, &pane);
    literal(&server, &pane, "/crash");
    keys(&server, &pane, &["Enter"]);
    assert_eq!(wait_dead(&server, &pane), "1 1");
}

#[test]
fn standalone_says_so_and_writes_here() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let pane = start(&server, dir.path(), &["ATLAS_DEMO_WORK=0.2"], &[]);
    wait_idle(&server, &pane);
    let screen = lines(&server, &pane);
    assert!(
        screen
            .iter()
            .any(|l| l == "atlas demo agent · demo · reports to human"),
        "{screen:#?}"
    );
    assert!(
        screen
            .iter()
            .any(|l| l.starts_with("Standalone: $ATLAS_AGENT is not set"))
    );
    literal(&server, &pane, "hello");
    keys(&server, &pane, &["Enter"]);
    let done = wait_line(&server, &pane, "Done", |l| l.starts_with("Done: "));
    assert!(
        done.ends_with("-hello.md · no handoff (standalone)"),
        "{done}"
    );
    let files: Vec<_> = std::fs::read_dir(dir.path().join("out/demo"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn a_multi_line_paste_is_one_message() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let pane = start(&server, dir.path(), &["ATLAS_DEMO_WORK=0.5"], &[]);
    wait_idle(&server, &pane);
    paste(&server, &pane, "line one\nline two\nline three");
    // Pasted, not submitted: a draft.
    wait_bottom(&server, &pane, "the pasted draft", |b| {
        b == "demo> line one↵line two↵line three"
    });
    keys(&server, &pane, &["Enter"]);
    wait_line(&server, &pane, "one echo", |l| {
        l == "> line one (+2 more lines)"
    });
    wait_line(&server, &pane, "Done", |l| l.starts_with("Done: "));
    wait_idle(&server, &pane);
    let screen = lines(&server, &pane);
    assert_eq!(screen.iter().filter(|l| l.starts_with("> ")).count(), 1);
    assert_eq!(screen.iter().filter(|l| l.starts_with("Done: ")).count(), 1);
}

#[test]
fn record_mode_keeps_exact_bytes() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.bin");
    let pane = start(
        &server,
        dir.path(),
        &[],
        &["--record", record.to_str().unwrap()],
    );
    wait_idle(&server, &pane);
    let typed = [
        "Enter",
        "C-c",
        "-n leading dash",
        "#{pane_id} #(echo hi) $(rm -rf ~) `id`",
        "'single' \"double\" \\back",
        "tab\there",
        "emoji 🚀🎉 CJK 中文字 RTL עברית العربية",
    ];
    let pasted = [
        "trailing semicolon;",
        ";",
        "multi\nline\n\nwith blank",
        "ends with newline\n",
    ];
    let mut expected = Vec::new();
    for (i, text) in typed.iter().enumerate() {
        literal(&server, &pane, text);
        keys(&server, &pane, &["Enter"]);
        expected.extend_from_slice(text.as_bytes());
        expected.extend_from_slice(b"\x1e\n");
        wait_for(WAIT, &format!("record {i}"), || {
            (std::fs::read(&record).unwrap_or_default() == expected).then_some(())
        });
    }
    for (i, text) in pasted.iter().enumerate() {
        paste(&server, &pane, text);
        keys(&server, &pane, &["Enter"]);
        expected.extend_from_slice(text.as_bytes());
        expected.extend_from_slice(b"\x1e\n");
        wait_for(WAIT, &format!("pasted record {i}"), || {
            (std::fs::read(&record).unwrap_or_default() == expected).then_some(())
        });
    }
    // An empty Enter records nothing; the prompt is back at once.
    keys(&server, &pane, &["Enter"]);
    literal(&server, &pane, "/exit 3");
    keys(&server, &pane, &["Enter"]);
    expected.extend_from_slice(b"/exit 3\x1e\n");
    wait_for(WAIT, "the last record", || {
        (std::fs::read(&record).unwrap_or_default() == expected).then_some(())
    });
    wait_idle(&server, &pane);
    assert_eq!(std::fs::read(&record).unwrap(), expected);
}

#[test]
fn bad_timing_values_are_usage_errors() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let o = server
        .atlas(dir.path())
        .args(["demo-agent", "--work=-1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = server
        .atlas(dir.path())
        .env("ATLAS_DEMO_WORK", "soon")
        .args(["demo-agent"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("$ATLAS_DEMO_WORK"));
}

/// After the agent is gone — by `/exit` or killed by a signal — the terminal is back in
/// cooked mode with echo, and bracketed paste is off (a paste reaches the next program with
/// no markers).
#[test]
fn terminal_is_restored_after_exit_and_signals() {
    for way in ["/exit", "TERM", "HUP", "INT"] {
        let server = Server::new();
        let dir = tempfile::tempdir().unwrap();
        let bin = atlas_bin();
        let cwd = dir.path().to_str().unwrap();
        let pane = server
            .run(&[
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "120",
                "-y",
                "30",
                "-c",
                cwd,
                "-P",
                "-F",
                "#{pane_id}",
                "-e",
                "ATLAS_DEMO_START=0.1",
                "-e",
                "ATLAS_AGENT=",
                "--",
                "sh",
                "-c",
                "\"$0\" demo-agent; stty -a > stty.txt; cat > pasted.txt",
                bin.to_str().unwrap(),
            ])
            .trim()
            .to_string();
        wait_idle(&server, &pane);
        if way == "/exit" {
            literal(&server, &pane, "/exit");
            keys(&server, &pane, &["Enter"]);
        } else {
            let sh = server.run(&["display-message", "-p", "-t", &pane, "#{pane_pid}"]);
            let out = std::process::Command::new("ps")
                .args(["-o", "pid=", "--ppid", sh.trim()])
                .output()
                .unwrap();
            let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert!(!pid.is_empty(), "no demo agent under the shell");
            let ok = std::process::Command::new("kill")
                .args([&format!("-{way}"), &pid])
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let stty = wait_for(WAIT, "stty.txt", || {
            let s = std::fs::read_to_string(dir.path().join("stty.txt")).ok()?;
            (!s.is_empty()).then_some(s)
        });
        let flags: Vec<&str> = stty.split_whitespace().collect();
        for flag in ["icanon", "echo", "isig", "icrnl", "ixon"] {
            assert!(flags.contains(&flag), "{way}: {flag} not restored: {stty}");
        }
        // `cat` now reads the terminal: a paste arrives without bracket markers.
        std::thread::sleep(Duration::from_millis(100));
        paste(&server, &pane, "hello\n");
        keys(&server, &pane, &["C-d"]);
        wait_for(WAIT, "pasted.txt", || {
            let s = std::fs::read(dir.path().join("pasted.txt")).ok()?;
            (s == b"hello\n").then_some(())
        });
    }
}

/// The whole path: a directive's work ends in an entry in the coordination file, written by
/// `atlas handoff` (run as this binary) to the agent the demo agent reports to.
#[test]
fn work_is_handed_off_in_the_coordination_file() {
    let server = Server::new();
    let dir = team_dir();
    let config = dir.path().join("atlas.toml");
    let config_env = format!("ATLAS_CONFIG={}", config.display());
    let pane = start(
        &server,
        dir.path(),
        &["ATLAS_AGENT=Orpheus", &config_env, "ATLAS_DEMO_WORK=0.2"],
        &[],
    );
    wait_idle(&server, &pane);
    paste(&server, &pane, "-write 3 captions; #{x} $(y)\nsecond line");
    keys(&server, &pane, &["Enter"]);
    let done = wait_line(&server, &pane, "the Done line", |l| l.starts_with("Done: "));
    let rel = done
        .strip_prefix("Done: wrote ")
        .and_then(|r| r.strip_suffix(" · handed off to Boss"))
        .unwrap_or_else(|| panic!("{done}"));
    assert!(dir.path().join(rel).is_file(), "{rel}");
    let coord = std::fs::read_to_string(dir.path().join("coordination.md")).unwrap();
    assert!(coord.contains("] Orpheus → Boss\n"), "{coord}");
    assert!(coord.contains("Status: DONE\n"), "{coord}");
    assert!(
        coord.contains("Task: -write 3 captions; #{x} $(y)\n"),
        "{coord}"
    );
    assert!(coord.contains(&format!("Output: {rel}\n")), "{coord}");
}

/// A handoff that fails is reported on the Done line, and the agent carries on.
#[test]
fn a_failed_handoff_is_reported_and_the_agent_carries_on() {
    let server = Server::new();
    let dir = team_dir();
    // A folder where the coordination file should be: appending to it fails.
    std::fs::create_dir(dir.path().join("coordination.md")).unwrap();
    let config_env = format!("ATLAS_CONFIG={}", dir.path().join("atlas.toml").display());
    let pane = start(
        &server,
        dir.path(),
        &["ATLAS_AGENT=Orpheus", &config_env, "ATLAS_DEMO_WORK=0.2"],
        &[],
    );
    wait_idle(&server, &pane);
    for n in 1..=2 {
        literal(&server, &pane, &format!("job {n}"));
        keys(&server, &pane, &["Enter"]);
        let done = wait_line(&server, &pane, "a failed handoff", |l| {
            l.starts_with("Done: wrote out/Orpheus/") && l.contains(&format!("-job-{n}.md"))
        });
        assert!(done.contains(" · handoff failed: "), "{done}");
        wait_idle(&server, &pane);
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("out/Orpheus"))
            .unwrap()
            .count(),
        2
    );
}
