//! `atlas send` against recorder agents on a private tmux server: hostile text arrives byte
//! for byte, multi-line text is one message, concurrent senders never interleave, and the
//! refusals (draft, menu, dead, missing) type nothing.

mod common;
mod send_support;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::{output, stderr, stdout, wait_for};
use send_support::{Kind, Rig};

fn send(rig: &Rig, agent: &str, text: &str) -> std::process::Output {
    output(rig.atlas().args(["send", agent, "--", text]))
}

fn send_stdin(rig: &Rig, agent: &str, text: &[u8]) -> std::process::Output {
    let mut child = rig
        .atlas()
        .args(["send", agent, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = text.to_vec();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&data).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

const HOSTILE: &[&str] = &[
    "Enter",
    "C-c",
    "please press Enter then C-c now",
    "ends with a semicolon;",
    ";",
    "-rf --help",
    "- a leading dash",
    "#{pane_id} #{session_name} #(touch /tmp/atlas-pwned) ##",
    "$(touch /tmp/atlas-pwned) `id` ${HOME} $HOME",
    "both 'single' and \"double\" quotes \\ backslash \\;",
    "a\ttab\tseparated\tline",
    "emoji 🎉👩‍💻🚀 and CJK 日本語の文章、中文，한국어",
    "right-to-left: שלום עולם · مرحبا بالعالم",
    "  leading and trailing spaces  ",
    "line one\nline two; with Enter\n\nline four after a blank line\n",
    "%1 %% %s %n",
];

fn hostile_round_trip(kind: Kind) {
    let rig = Rig::new(kind, &["Rec"]);
    for text in HOSTILE {
        let o = send(&rig, "Rec", text);
        assert!(o.status.success(), "send {text:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("delivered"), "{}", stdout(&o));
    }
    let got = rig.records("Rec");
    let want: Vec<Vec<u8>> = HOSTILE.iter().map(|t| t.as_bytes().to_vec()).collect();
    assert_eq!(got.len(), want.len(), "records: {got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(String::from_utf8_lossy(g), String::from_utf8_lossy(w));
    }
    assert!(!std::path::Path::new("/tmp/atlas-pwned").exists());
}

#[test]
fn hostile_text_arrives_byte_for_byte() {
    hostile_round_trip(Kind::Record);
}

#[test]
fn hostile_text_reaches_an_independent_recorder_too() {
    hostile_round_trip(Kind::Python);
}

#[test]
fn stdin_text_loses_one_trailing_newline_and_long_text_is_one_message() {
    let rig = Rig::new(Kind::Record, &["Rec"]);
    let o = send_stdin(&rig, "Rec", b"from stdin; Enter\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let long: String = (1..=10_000)
        .map(|i| format!("line {i} of a long directive: #{{x}} $(y) `z` ;\n"))
        .collect();
    let o = send_stdin(&rig, "Rec", format!("{long}\n").as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let got = rig.records("Rec");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], b"from stdin; Enter");
    assert_eq!(got[1].len(), long.len());
    assert!(got[1] == long.as_bytes(), "the long message differs");
}

#[test]
fn ten_concurrent_senders_give_ten_whole_messages() {
    let rig = Rig::new(Kind::Record, &["Rec"]);
    let children: Vec<_> = (0..10)
        .map(|i| {
            let text = format!("message {i} first line\nmessage {i} second line\nmessage {i} end;");
            rig.atlas()
                .args(["send", "Rec", "--", &text])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let mut got: Vec<String> = rig
        .records("Rec")
        .into_iter()
        .map(|r| String::from_utf8(r).unwrap())
        .collect();
    got.sort();
    let mut want: Vec<String> = (0..10)
        .map(|i| format!("message {i} first line\nmessage {i} second line\nmessage {i} end;"))
        .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn a_draft_left_by_a_person_is_never_typed_over() {
    let rig = Rig::new(Kind::Record, &["Rec"]);
    rig.type_keys("Rec", "half a thought");
    let pane = rig.pane("Rec");
    wait_for(Duration::from_secs(5), "the draft on screen", || {
        rig.server
            .capture(&pane)
            .contains("demo> half a thought")
            .then_some(())
    });
    let o = send(&rig, "Rec", "do the thing");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("unsent text"), "{}", stderr(&o));
    assert!(stderr(&o).contains("half a thought"), "{}", stderr(&o));
    assert!(rig.records("Rec").is_empty());
    assert!(rig.server.capture(&pane).contains("demo> half a thought"));
    assert!(!rig.server.capture(&pane).contains("do the thing"));
}

#[test]
fn an_open_menu_is_refused_and_when_idle_waits_for_it() {
    let rig = Rig::new(Kind::Demo, &["Rec"]);
    let pane = rig.pane("Rec");
    let o = send(&rig, "Rec", "/ask");
    assert!(o.status.success(), "{}", stderr(&o));
    wait_for(Duration::from_secs(5), "the menu", || {
        rig.server
            .capture(&pane)
            .contains("Do you want to proceed?")
            .then_some(())
    });
    let o = send(&rig, "Rec", "hello");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("question or selection menu"),
        "{}",
        stderr(&o)
    );
    assert!(!rig.server.capture(&pane).contains("hello"));
    // Answer the menu a little later; --when-idle delivers after it.
    let waiter = rig
        .atlas()
        .args([
            "send",
            "Rec",
            "--when-idle",
            "--timeout",
            "20s",
            "--",
            "after the menu",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    rig.server.run(&["send-keys", "-t", &pane, "1"]);
    let o = waiter.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(rig.server.capture(&pane).contains("> after the menu"));
}

fn last_line(rig: &Rig, pane: &str) -> String {
    let screen = rig.server.capture(pane);
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

#[test]
fn when_idle_waits_for_a_busy_agent_and_plain_send_refuses_it() {
    let rig = Rig::new(Kind::Demo, &["Rec"]);
    let pane = rig.pane("Rec");
    rig.server
        .run(&["send-keys", "-t", &pane, "-l", "first job"]);
    rig.server.run(&["send-keys", "-t", &pane, "Enter"]);
    wait_for(Duration::from_secs(5), "the busy line", || {
        last_line(&rig, &pane)
            .contains("esc to interrupt")
            .then_some(())
    });
    let o = send(&rig, "Rec", "too early");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is busy"), "{}", stderr(&o));
    let o = output(rig.atlas().args([
        "send",
        "Rec",
        "--when-idle",
        "--timeout",
        "20s",
        "--",
        "after work",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let screen = rig.server.capture(&pane);
    let first = screen.find("> first job").unwrap();
    let after = screen.find("> after work").unwrap();
    assert!(first < after && !screen.contains("too early"), "{screen}");
    // A timeout that runs out types nothing.
    wait_for(Duration::from_secs(5), "the busy line", || {
        last_line(&rig, &pane)
            .contains("esc to interrupt")
            .then_some(())
    });
    let o = output(rig.atlas().args([
        "send",
        "Rec",
        "--when-idle",
        "--timeout",
        "200ms",
        "--",
        "never",
    ]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("still busy"), "{}", stderr(&o));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!rig.server.capture(&pane).contains("never"));
}

#[test]
fn copy_mode_is_left_before_typing() {
    let rig = Rig::new(Kind::Record, &["Rec"]);
    let pane = rig.pane("Rec");
    rig.server.run(&["copy-mode", "-t", &pane]);
    assert_eq!(
        rig.server
            .run(&["display-message", "-p", "-t", &pane, "#{pane_in_mode}"])
            .trim(),
        "1"
    );
    let o = send(&rig, "Rec", "out of copy mode");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rig.records("Rec"), vec![b"out of copy mode".to_vec()]);
    assert_eq!(
        rig.server
            .run(&["display-message", "-p", "-t", &pane, "#{pane_in_mode}"])
            .trim(),
        "0"
    );
}

#[test]
fn dead_and_missing_agents_are_refused() {
    let rig = Rig::new(Kind::Demo, &["Rec", "Gone"]);
    assert!(send(&rig, "Rec", "/exit 3").status.success());
    let pane = rig.pane("Rec");
    wait_for(Duration::from_secs(5), "the pane to die", || {
        (rig.server
            .run(&["display-message", "-p", "-t", &pane, "#{pane_dead}"])
            .trim()
            == "1")
            .then_some(())
    });
    let o = send(&rig, "Rec", "hello");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has exited"), "{}", stderr(&o));
    let gone = rig.pane("Gone");
    rig.server.run(&["kill-pane", "-t", &gone]);
    let o = send(&rig, "Gone", "hello");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has no pane"), "{}", stderr(&o));
    // An unknown agent is a usage error.
    let o = send(&rig, "Nobody", "hello");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn broadcasts_print_one_line_per_agent() {
    let rig = Rig::with_windows(Kind::Record, &[("a", &["A1", "A2"]), ("b", &["B1"])]);
    let o = output(rig.atlas().args(["send", "--all", "--", "to everyone"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    for a in ["A1", "A2", "B1"] {
        assert!(out.contains(&format!("{a}: delivered")), "{out}");
        assert_eq!(rig.records(a), vec![b"to everyone".to_vec()]);
    }
    let o = output(rig.atlas().args(["send", "--window", "a", "--", "to a"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);
    assert_eq!(rig.records("B1").len(), 1);
    assert_eq!(rig.records("A2").len(), 2);
    // One failure makes the broadcast exit 1, and the others still get it.
    rig.type_keys("A1", "draft");
    wait_for(Duration::from_secs(5), "the draft", || {
        rig.server
            .capture(&rig.pane("A1"))
            .contains("demo> draft")
            .then_some(())
    });
    let o = output(rig.atlas().args(["send", "--all", "--", "again"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("A1: not delivered"), "{}", stdout(&o));
    assert_eq!(rig.records("B1").len(), 2);
    assert_eq!(
        rig.records("A1").len(),
        2,
        "A1 kept its draft and got nothing more"
    );
}

/// Run `atlas send` and wait for it, failing (not hanging) if it never ends.
fn send_bounded(rig: &Rig, agent: &str, text: &str) -> std::process::Output {
    let mut child = rig
        .atlas()
        .args(["send", agent, "--", text])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Far beyond any deadline of a send; only a send that never ends reaches it.
    let limit = std::time::Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > limit {
            let _ = child.kill();
            panic!("atlas send {text:?} never ended");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_unknown_screen_after_the_submit_ends_the_send_unconfirmed_with_no_more_keys() {
    let rig = Rig::new(Kind::Python, &["Rec"]);
    let o = send_bounded(&rig, "Rec", "/strange");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("not confirmed"), "{}", stderr(&o));
    // One Enter, and no key pressed into the screen atlas cannot read.
    assert_eq!(rig.records("Rec"), vec![b"/strange".to_vec()]);
    // The next send finds no input line: refused, nothing typed.
    let o = send_bounded(&rig, "Rec", "hello");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nothing was typed"), "{}", stderr(&o));
    assert_eq!(rig.records("Rec"), vec![b"/strange".to_vec()]);
}
