//! The real Aider (version in tests/fake_model/agents.py) against the fake model server
//! (Chat Completions), in teams started by `atlas up` on a private tmux server: busy for the
//! whole of an answer (its hidden cursor), its questions, its rate-limit retries, delivery
//! (a busy Aider is refused or waited for: it has no visible queue), and resume.

mod common;
mod real;

use std::time::Duration;

use common::{output, processes_with_env, stderr, stdout, wait_for};
use real::{EXACT, RealTeam, Spec, assert_prompts, long_text, program};

const LONG: Duration = Duration::from_secs(60);

/// Aider hands the model what was typed as it is.
fn same(p: &str) -> String {
    p.to_string()
}

#[test]
fn states_on_the_real_screens() {
    let Some(aider) = program("aider") else {
        return;
    };
    let team = RealTeam::up(aider, &[Spec::new("Aid")], false);

    // A long answer with a pause, ending in a line that looks like a prompt: busy all along.
    team.send_ok(
        "Aid",
        "write at length [[stream 6]] [[pause 6]] [[reply x->y maps each key]]",
    );
    wait_for(LONG, "the request", || {
        team.model.answering("Aid").then_some(())
    });
    let mut looks = 0;
    while team.model.answering("Aid") {
        let state = team.state("Aid");
        if team.model.answering("Aid") {
            assert_eq!(
                state,
                "busy",
                "while the model answers; screen:\n{}",
                team.screen("Aid")
            );
            looks += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(looks >= 10, "looked {looks} times during a 12 s answer");
    team.wait_state("Aid", "idle", LONG);

    // Its question before running a command: waiting; a send is refused.
    team.send_ok(
        "Aid",
        "make a file [[bash echo hi > made-by-aider.txt; echo wrote]]",
    );
    team.wait_state("Aid", "waiting", LONG);
    let o = team.send("Aid", "are you there?");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("menu"), "{}", stderr(&o));
    team.answer("Aid", &["Enter"]); // Run shell command? Yes
    // Then "Add command output to the chat?" — which Aider skips when its pexpect session
    // caught no output (seen now and then: the command runs, its output is not shown).
    // Its prompt comes back only once its questions are done.
    let next = wait_for(LONG, "Aider's next question or its prompt", || {
        let s = team.state("Aid");
        (s == "waiting" || s == "idle").then_some(s)
    });
    if next == "waiting" {
        team.answer("Aid", &["Enter"]);
    }
    team.wait_state("Aid", "idle", LONG);
    assert!(team.dir.path().join("work-Aid/made-by-aider.txt").exists());

    // A hard usage limit: limited, its reset unknown; then it answers again.
    team.send_ok("Aid", "more [[limit +3600]]");
    team.wait_state("Aid", "limited", LONG);
    assert!(team.row("Aid")["reset_at"].is_null());
    team.send_ok("Aid", "and now?");
    team.wait_state("Aid", "idle", LONG);

    // A rate limit it waits out by itself: limited, with the retry delay.
    team.send_ok("Aid", "again [[ratelimit 2]]");
    team.wait_state("Aid", "limited", LONG);
    wait_for(LONG, "a reset time", || {
        team.row("Aid")["reset_at"].as_str().map(str::to_string)
    });

    // Ctrl-C until it exits (the first one ends the wait, two more in a row end Aider);
    // dead.
    let mut last = std::time::Instant::now() - Duration::from_secs(1);
    wait_for(LONG, "Aider to exit on Ctrl-C", || {
        if team.state("Aid") == "dead" {
            return Some(());
        }
        if last.elapsed() > Duration::from_millis(300) {
            team.keys("Aid", &["C-c"]);
            last = std::time::Instant::now();
        }
        None
    });
    team.wait_state("Aid", "dead", LONG);
    let status = wait_for(LONG, "its exit status", || {
        team.row("Aid")["exit_status"].as_i64()
    });
    // 130 after the KeyboardInterrupt of a second Ctrl-C (0 when it leaves by /quit).
    assert!(status == 130 || status == 0, "exit status {status}");
}

#[test]
fn delivery_is_exact_and_a_busy_aider_is_refused_or_waited_for() {
    let Some(aider) = program("aider") else {
        return;
    };
    let team = RealTeam::up(aider, &[Spec::new("Da")], false);
    let mut sent: Vec<String> = Vec::new();
    for text in EXACT {
        team.send_ok("Da", text);
        sent.push((*text).to_string());
        team.model
            .wait_prompts("Da", "the prompt", LONG, |p| p.len() == sent.len());
        team.wait_state("Da", "idle", LONG);
    }
    let long = long_text();
    team.send_ok("Da", &long);
    sent.push(long);
    team.model
        .wait_prompts("Da", "the long prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Da", "idle", LONG);
    assert_prompts(&team.model.prompts("Da"), &sent, &same);

    team.type_text("Da", "half-typed thought");
    wait_for(LONG, "the draft", || {
        team.screen("Da")
            .contains("half-typed thought")
            .then_some(())
    });
    let o = team.send("Da", "from atlas");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unsent text"), "{}", stderr(&o));
    assert!(!team.screen("Da").contains("from atlas"));
    team.keys("Da", &["C-u"]);
    wait_for(LONG, "the draft cleared", || {
        (!team.screen("Da").contains("half-typed thought")).then_some(())
    });

    // Busy: refused with nothing typed (Aider would take typed text as its next prompt,
    // unseen); --when-idle waits for the answer's end, then delivers.
    team.send_ok("Da", "a long one [[stream 6]]");
    sent.push("a long one [[stream 6]]".into());
    wait_for(LONG, "the long answer", || {
        team.model.answering("Da").then_some(())
    });
    team.wait_state("Da", "busy", LONG);
    let o = team.send("Da", "not now");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("does not queue"), "{}", stderr(&o));
    let o = output(
        team.atlas()
            .args(["send", "Da", "--when-idle", "--", "after it"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    sent.push("after it".into());
    team.model
        .wait_prompts("Da", "the waited prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Da", "idle", LONG);
    assert_prompts(&team.model.prompts("Da"), &sent, &same);
    // No extra Enter ever reached it: no empty prompt, no "not now".
    assert_eq!(team.model.turns("Da").len(), sent.len());
}

#[test]
fn restart_resumes_the_chat_and_leaves_no_process() {
    let Some(aider) = program("aider") else {
        return;
    };
    let team = RealTeam::up(aider, &[Spec::new("Ra")], false);
    let home = team
        .dir
        .path()
        .join("home-Ra")
        .to_string_lossy()
        .into_owned();
    let mine = || processes_with_env("HOME", &home);
    team.send_ok("Ra", "remember the word kumquat");
    team.model
        .wait_prompts("Ra", "the first prompt", LONG, |p| p.len() == 1);
    team.wait_state("Ra", "idle", LONG);
    let before = mine();
    let o = output(team.atlas().args(["restart", "Ra"]));
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Ra", "idle", LONG);
    let after = mine();
    assert!(
        before
            .iter()
            .all(|(p, _)| !after.iter().any(|(q, _)| q == p)),
        "old processes left: {before:?} / {after:?}"
    );
    team.send_ok("Ra", "what was the word?");
    team.model
        .wait_prompts("Ra", "the second prompt", LONG, |p| p.len() == 2);
    let turns = team.model.turns("Ra");
    // Aider restores its chat from its markdown history: the words, not the bytes.
    let history = turns.last().unwrap()["user_texts"].to_string();
    assert!(
        history.contains("remember the word kumquat"),
        "resumed: {history}"
    );
    let o = output(team.atlas().arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(mine().is_empty(), "left after down: {:?}", mine());
}
