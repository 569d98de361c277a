//! The real Gemini CLI (version in tests/fake_model/agents.py) against the fake model server
//! (the Gemini API), in teams started by `atlas up` on a private tmux server: its states and
//! hooks, delivery (Enter queues while it works), resume, and no process left behind — its
//! launcher ignores SIGTERM and SIGHUP.

mod common;
mod real;

use std::time::Duration;

use common::{output, processes_with_env, stderr, stdout, wait_for};
use real::{EXACT, RealTeam, Spec, assert_prompts, long_text, program};

const LONG: Duration = Duration::from_secs(60);

fn same(p: &str) -> String {
    p.to_string()
}

#[test]
fn states_and_hooks_on_the_real_screens() {
    let Some(gemini) = program("gemini") else {
        return;
    };
    let team = RealTeam::up(gemini, &[Spec::new("Gem")], false);
    // Its hooks are wired (a settings file of atlas's own): SessionStart said idle.
    let pane = team.pane("Gem");
    wait_for(LONG, "the SessionStart hook's signal", || {
        let v =
            team.server
                .try_run(&["show-options", "-p", "-qv", "-t", &pane, "@atlas_signal"])?;
        v.starts_with("idle ").then_some(())
    });
    // ... and the user's own settings file was not touched.
    let settings =
        std::fs::read_to_string(team.dir.path().join("home-Gem/.gemini/settings.json")).unwrap();
    assert!(!settings.contains("signal"), "{settings}");

    team.send_ok("Gem", "write at length [[stream 6]] [[pause 6]]");
    wait_for(LONG, "the request", || {
        team.model.answering("Gem").then_some(())
    });
    // The BeforeAgent hook said busy.
    wait_for(LONG, "the BeforeAgent hook's signal", || {
        let v =
            team.server
                .try_run(&["show-options", "-p", "-qv", "-t", &pane, "@atlas_signal"])?;
        v.starts_with("busy ").then_some(())
    });
    let mut looks = 0;
    while team.model.answering("Gem") {
        let state = team.state("Gem");
        if team.model.answering("Gem") {
            assert_eq!(
                state,
                "busy",
                "while the model answers; screen:\n{}",
                team.screen("Gem")
            );
            looks += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(looks >= 10, "looked {looks} times during a 12 s answer");
    team.wait_state("Gem", "idle", LONG);

    // A command that needs approval: waiting, refused, answered.
    team.send_ok("Gem", "make a file [[bash echo hi > made-by-gemini.txt]]");
    team.wait_state("Gem", "waiting", LONG);
    let o = team.send("Gem", "are you there?");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("menu"), "{}", stderr(&o));
    team.answer("Gem", &["Enter"]); // 1. Allow once
    team.wait_state("Gem", "idle", LONG);
    assert!(team.dir.path().join("work-Gem/made-by-gemini.txt").exists());
    assert!(
        !team
            .model
            .prompts("Gem")
            .iter()
            .any(|p| p.contains("are you there"))
    );

    // A usage limit: its menu is waiting; after "2. Stop", limited with the retry delay.
    team.send_ok("Gem", "keep going [[limit +3600]]");
    team.wait_state("Gem", "waiting", LONG);
    team.answer("Gem", &["Down", "Enter"]);
    team.wait_state("Gem", "limited", LONG);
    let reset = team.row("Gem")["reset_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let at = chrono::DateTime::parse_from_rfc3339(&reset).unwrap();
    let secs = at.timestamp() - chrono::Local::now().timestamp();
    assert!((3500..=3601).contains(&secs), "{reset} is {secs}s away");

    team.send_ok("Gem", "/quit");
    team.wait_state("Gem", "dead", LONG);
    assert_eq!(team.row("Gem")["exit_status"], 0);
}

#[test]
fn the_first_run_trust_menu_is_waiting() {
    let Some(gemini) = program("gemini") else {
        return;
    };
    let team = RealTeam::new(gemini, &[Spec::new("Newg").ask_trust()], false, "");
    let o = output(team.atlas().arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Newg", "waiting", LONG);
    let o = team.send("Newg", "hello");
    assert_eq!(o.status.code(), Some(1));
    assert!(team.model.prompts("Newg").is_empty());
    team.answer("Newg", &["Enter"]); // 1. Trust folder
    team.wait_state("Newg", "idle", LONG);
}

#[test]
fn delivery_arrives_exactly_once_and_queues_while_busy() {
    let Some(gemini) = program("gemini") else {
        return;
    };
    let team = RealTeam::up(gemini, &[Spec::new("Dg")], false);
    let mut sent: Vec<String> = Vec::new();
    for text in EXACT {
        team.send_ok("Dg", text);
        sent.push((*text).to_string());
        team.model
            .wait_prompts("Dg", "the prompt", LONG, |p| p.len() == sent.len());
        team.wait_state("Dg", "idle", LONG);
    }
    let long = long_text();
    team.send_ok("Dg", &long);
    sent.push(long);
    team.model
        .wait_prompts("Dg", "the long prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Dg", "idle", LONG);
    assert_prompts(&team.model.prompts("Dg"), &sent, &same);

    team.type_text("Dg", "half-typed thought");
    wait_for(LONG, "the draft", || {
        team.screen("Dg")
            .contains("half-typed thought")
            .then_some(())
    });
    let o = team.send("Dg", "from atlas");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unsent text"), "{}", stderr(&o));
    assert!(!team.screen("Dg").contains("from atlas"));
    team.keys("Dg", &["C-u"]);
    wait_for(LONG, "the draft cleared", || {
        (!team.screen("Dg").contains("half-typed thought")).then_some(())
    });

    team.send_ok("Dg", "a long one [[stream 6]]");
    wait_for(LONG, "the long answer", || {
        team.model.answering("Dg").then_some(())
    });
    let out = team.send_ok("Dg", "queued behind it");
    assert!(out.contains("queued"), "{out}");
    sent.push("a long one [[stream 6]]".into());
    sent.push("queued behind it".into());
    team.model
        .wait_prompts("Dg", "the queued prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Dg", "idle", LONG);
    assert_prompts(&team.model.prompts("Dg"), &sent, &same);
    assert!(
        !team
            .model
            .records()
            .iter()
            .any(|r| r["event"] == "client_gone" && r["agent"] == "Dg"),
        "an answer was cut short"
    );
    assert_eq!(team.model.turns("Dg").len(), sent.len());
}

#[test]
fn restart_resumes_and_no_process_outlives_restart_or_down() {
    let Some(gemini) = program("gemini") else {
        return;
    };
    let team = RealTeam::up(gemini, &[Spec::new("Rg")], false);
    let home = team
        .dir
        .path()
        .join("home-Rg")
        .to_string_lossy()
        .into_owned();
    // Its own programs (not the short-lived shells it runs now and then).
    let mine = || {
        processes_with_env("HOME", &home)
            .into_iter()
            .filter(|(_, c)| c.contains("gemini"))
            .collect::<Vec<_>>()
    };
    team.send_ok("Rg", "remember the word kumquat");
    team.model
        .wait_prompts("Rg", "the first prompt", LONG, |p| p.len() == 1);
    team.wait_state("Rg", "idle", LONG);
    let before = mine();
    assert!(before.len() >= 2, "the launcher and its child: {before:?}");
    let o = output(team.atlas().args(["restart", "Rg"]));
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Rg", "idle", LONG);
    // The old launcher ignores SIGTERM and SIGHUP: it was killed all the same.
    let after = mine();
    assert!(
        before
            .iter()
            .all(|(p, _)| !after.iter().any(|(q, _)| q == p)),
        "old processes left: {before:?} / {after:?}"
    );
    assert_eq!(after.len(), before.len(), "{after:?}");
    let said = team.send_ok("Rg", "what was the word?");
    let deadline = std::time::Instant::now() + LONG;
    while team.model.prompts("Rg").len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "send said {said:?} but the model never got the second prompt; screen:\n{}\nlog: {:?}",
            team.screen("Rg"),
            team.model.records()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let turns = team.model.turns("Rg");
    let history = turns.last().unwrap()["user_texts"].to_string();
    assert!(history.contains("kumquat"), "resumed: {history}");
    let o = output(team.atlas().arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(mine().is_empty(), "left after down: {:?}", mine());
}
