//! The real Codex CLI (version in tests/fake_model/agents.py) against the fake model server
//! (the Responses API), in teams started by `atlas up` on a private tmux server: its states,
//! delivery (Tab queues while it works; Enter would interrupt the turn), resume, and no
//! process left behind.

mod common;
mod real;

use std::time::Duration;

use common::{output, processes_with_env, stderr, stdout, wait_for};
use real::{EXACT, RealTeam, Spec, assert_prompts, long_text, program};

const LONG: Duration = Duration::from_secs(60);

/// Codex hands the model what was typed as it is.
fn same(p: &str) -> String {
    p.to_string()
}

#[test]
fn states_on_the_real_screens() {
    let Some(codex) = program("codex") else {
        return;
    };
    let team = RealTeam::up(codex, &[Spec::new("Cox")], false);

    // A long answer with a pause in the middle: busy all along (the pane title's spinner
    // says so while the screen stands still).
    team.send_ok("Cox", "write at length [[stream 6]] [[pause 7]]");
    wait_for(LONG, "the request", || {
        team.model.answering("Cox").then_some(())
    });
    let mut looks = 0;
    while team.model.answering("Cox") {
        let state = team.state("Cox");
        if team.model.answering("Cox") {
            assert_eq!(
                state,
                "busy",
                "while the model answers; screen:\n{}",
                team.screen("Cox")
            );
            looks += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(looks >= 10, "looked {looks} times during a 13 s answer");
    team.wait_state("Cox", "idle", LONG);

    // A command that needs approval: waiting; a send is refused with nothing typed.
    team.send_ok("Cox", "make a file [[bash touch made-by-codex.txt]]");
    team.wait_state("Cox", "waiting", LONG);
    let o = team.send("Cox", "are you there?");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("menu"), "{}", stderr(&o));
    team.answer("Cox", &["Enter"]); // 1. Yes, proceed
    team.wait_state("Cox", "idle", LONG);
    assert!(team.dir.path().join("work-Cox/made-by-codex.txt").exists());
    assert!(
        !team
            .model
            .prompts("Cox")
            .iter()
            .any(|p| p.contains("are you there"))
    );

    // Usage limits: limited with the reset time, the same day and another day.
    team.send_ok("Cox", "keep going [[limit 23:30]]");
    team.wait_state("Cox", "limited", LONG);
    let reset = team.row("Cox")["reset_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(reset.contains("T23:30:00"), "{reset}");
    team.send_ok("Cox", "more [[limit +200000]]");
    let far = wait_for(LONG, "the far reset", || {
        let r = team.row("Cox");
        let at = r["reset_at"].as_str()?.to_string();
        (!at.contains("T23:30:00")).then_some(at)
    });
    let at = chrono::DateTime::parse_from_rfc3339(&far).unwrap();
    let secs = (at.timestamp() - chrono::Local::now().timestamp()) as f64;
    assert!(
        (199_000.0..=200_100.0).contains(&secs),
        "{far} is {secs}s away"
    );

    // Quitting: dead, with its status.
    team.send_ok("Cox", "/quit");
    team.wait_state("Cox", "dead", LONG);
    assert_eq!(team.row("Cox")["exit_status"], 0);
}

#[test]
fn the_first_run_trust_menu_is_waiting() {
    let Some(codex) = program("codex") else {
        return;
    };
    let team = RealTeam::new(codex, &[Spec::new("Newc").ask_trust()], false, "");
    let o = output(team.atlas().arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Newc", "waiting", LONG);
    let o = team.send("Newc", "hello");
    assert_eq!(o.status.code(), Some(1));
    assert!(team.model.prompts("Newc").is_empty());
    team.answer("Newc", &["Enter"]); // 1. Trust and continue
    team.wait_state("Newc", "idle", LONG);
}

#[test]
fn delivery_arrives_exactly_once_and_queues_with_tab_while_busy() {
    let Some(codex) = program("codex") else {
        return;
    };
    let team = RealTeam::up(codex, &[Spec::new("Dex")], false);
    let mut sent: Vec<String> = Vec::new();
    for text in EXACT {
        team.send_ok("Dex", text);
        sent.push((*text).to_string());
        team.model
            .wait_prompts("Dex", "the prompt", LONG, |p| p.len() == sent.len());
        team.wait_state("Dex", "idle", LONG);
    }
    let long = long_text();
    team.send_ok("Dex", &long);
    sent.push(long);
    team.model
        .wait_prompts("Dex", "the long prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Dex", "idle", LONG);
    assert_prompts(&team.model.prompts("Dex"), &sent, &same);

    // A person's draft is never typed over.
    team.type_text("Dex", "half-typed thought");
    wait_for(LONG, "the draft", || {
        team.screen("Dex")
            .contains("half-typed thought")
            .then_some(())
    });
    let o = team.send("Dex", "from atlas");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unsent text"), "{}", stderr(&o));
    assert!(!team.screen("Dex").contains("from atlas"));
    team.keys("Dex", &["C-u"]);
    wait_for(LONG, "the draft cleared", || {
        (!team.screen("Dex").contains("half-typed thought")).then_some(())
    });

    // Busy: queued with Tab, never Enter (which would interrupt the turn); the model gets
    // it after the running answer, which runs to its end.
    team.send_ok("Dex", "a long one [[stream 6]]");
    wait_for(LONG, "the long answer", || {
        team.model.answering("Dex").then_some(())
    });
    let out = team.send_ok("Dex", "queued behind it");
    assert!(out.contains("queued"), "{out}");
    sent.push("a long one [[stream 6]]".into());
    sent.push("queued behind it".into());
    team.model
        .wait_prompts("Dex", "the queued prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Dex", "idle", LONG);
    assert_prompts(&team.model.prompts("Dex"), &sent, &same);
    // The long answer was not cut short (an interrupted stream is logged `client_gone`).
    assert!(
        !team
            .model
            .records()
            .iter()
            .any(|r| r["event"] == "client_gone" && r["agent"] == "Dex"),
        "an answer was interrupted"
    );
    assert_eq!(team.model.turns("Dex").len(), sent.len());
}

#[test]
fn restart_resumes_and_leaves_no_process_behind() {
    let Some(codex) = program("codex") else {
        return;
    };
    let team = RealTeam::up(codex, &[Spec::new("Rex")], false);
    let home = team
        .dir
        .path()
        .join("home-Rex")
        .to_string_lossy()
        .into_owned();
    let mine = || processes_with_env("HOME", &home);
    team.send_ok("Rex", "remember the word kumquat");
    team.model
        .wait_prompts("Rex", "the first prompt", LONG, |p| p.len() == 1);
    team.wait_state("Rex", "idle", LONG);
    let before = mine();
    assert!(!before.is_empty());
    // No shared daemon outlives the pane: every process of the agent is in its pane's tree.
    let pane_pid = real::pane_pid(&team, "Rex");
    let tree = atlas::proctree::pane_tree(pane_pid, false);
    assert!(
        before.iter().all(|(p, _)| tree.contains(p)),
        "outside the pane: {before:?} (pane tree {tree:?})"
    );
    let o = output(team.atlas().args(["restart", "Rex"]));
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Rex", "idle", LONG);
    team.send_ok("Rex", "what was the word?");
    team.model
        .wait_prompts("Rex", "the second prompt", LONG, |p| p.len() == 2);
    let turns = team.model.turns("Rex");
    let history = turns.last().unwrap()["user_texts"].to_string();
    assert!(history.contains("kumquat"), "resumed: {history}");
    // The old run's processes are gone; the new run has as many.
    let after = mine();
    assert!(
        before
            .iter()
            .all(|(p, _)| !after.iter().any(|(q, _)| q == p)),
        "old processes left: {before:?} / {after:?}"
    );
    assert_eq!(after.len(), before.len(), "{after:?}");
    let o = output(team.atlas().arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(mine().is_empty(), "left after down: {:?}", mine());
}
