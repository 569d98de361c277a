//! The real Claude Code (scripts/install-agents.sh; tests/fake_model/agents.py has the
//! version) against the fake model server, in teams started by `atlas up` on a private tmux
//! server: its states, its hooks, delivery, restarts, its environment, and the handoff chain.
//! What the model received (the fake server's log) is the truth every test checks.

mod common;
mod real;

use std::time::Duration;

use common::{output, stderr, stdout, wait_for};
use real::{EXACT, RealTeam, Spec, assert_prompts, crash, long_text, program, restarts};

const LONG: Duration = Duration::from_secs(60);

/// Claude Code hands a pasted text (several lines, or long) to the model inside
/// `<pasted_content id="…">` tags, blank lines around; the text inside is what was sent.
fn unwrap_paste(prompt: &str) -> String {
    let Some(start) = prompt.find("<pasted_content id=") else {
        return prompt.to_string();
    };
    let open_end = prompt[start..].find(">\n").map(|i| start + i + 2).unwrap();
    let close = prompt.rfind("\n</pasted_content").unwrap();
    assert!(
        prompt[..start].trim().is_empty() && prompt[close..].trim_end().ends_with('>'),
        "only the paste in the prompt: {prompt:.200}"
    );
    prompt[open_end..close].to_string()
}

#[test]
fn states_on_the_real_screens_and_from_its_hooks() {
    let Some(claude) = program("claude") else {
        return;
    };
    let team = RealTeam::new(claude, &[Spec::new("Ada")], false, "");
    let o = output(team.atlas().arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    // starting (a blank screen, whatever its SessionStart hook says), then idle.
    let mut seen: Vec<String> = Vec::new();
    wait_for(LONG, "idle", || {
        let s = team.state("Ada");
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        (s == "idle").then_some(())
    });
    assert_eq!(seen, ["starting", "idle"], "the states seen from `up` on");
    // Its hooks are wired: SessionStart said idle.
    let pane = team.pane("Ada");
    wait_for(LONG, "the SessionStart hook's signal", || {
        let v =
            team.server
                .try_run(&["show-options", "-p", "-qv", "-t", &pane, "@atlas_signal"])?;
        v.starts_with("idle ").then_some(())
    });

    // A long streamed answer: busy for the whole of it.
    team.send_ok("Ada", "write at length [[stream 8]] [[pause 4]]");
    wait_for(LONG, "the request", || {
        team.model.answering("Ada").then_some(())
    });
    let mut looks = 0;
    while team.model.answering("Ada") {
        let state = team.state("Ada");
        // The answer may end between the two reads.
        if team.model.answering("Ada") {
            assert_eq!(
                state,
                "busy",
                "while the model answers; screen:\n{}",
                team.screen("Ada")
            );
            looks += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(looks >= 10, "looked {looks} times during a 12 s answer");
    team.wait_state("Ada", "idle", LONG);
    assert_eq!(
        team.model.prompts("Ada"),
        ["write at length [[stream 8]] [[pause 4]]"]
    );

    // A command that needs permission: waiting while the menu is open.
    team.send_ok("Ada", "make a file [[bash touch made-by-ada.txt]]");
    team.wait_state("Ada", "waiting", LONG);
    let o = team.send("Ada", "are you there?");
    assert_eq!(o.status.code(), Some(1), "refused: {}", stdout(&o));
    assert!(stderr(&o).contains("menu"), "{}", stderr(&o));
    team.answer("Ada", &["Enter"]); // 1. Yes
    team.wait_state("Ada", "idle", LONG);
    assert!(team.dir.path().join("work-Ada/made-by-ada.txt").exists());
    let turns = team.model.turns("Ada");
    let last = turns.last().unwrap();
    assert_eq!(last["tool_results"].as_array().unwrap().len(), 1);
    // "are you there?" never reached the model.
    assert!(
        !team
            .model
            .prompts("Ada")
            .iter()
            .any(|p| p.contains("are you there"))
    );

    // atlas never wrote the hooks into the user's own files.
    let home = team.dir.path().join("home-Ada");
    for f in ["settings.json", "settings.local.json"] {
        let text = std::fs::read_to_string(home.join(".claude").join(f)).unwrap_or_default();
        assert!(!text.contains("signal"), "{f}: {text}");
    }
    let text = std::fs::read_to_string(home.join(".claude.json")).unwrap_or_default();
    assert!(!text.contains("atlas"), ".claude.json mentions atlas");

    // Exiting: dead, with its status.
    team.send_ok("Ada", "/exit");
    team.wait_state("Ada", "dead", LONG);
    let row = team.row("Ada");
    assert_eq!(row["exit_status"], 0, "{row}");
}

#[test]
fn usage_limits_are_limited_with_their_reset_time() {
    let Some(claude) = program("claude") else {
        return;
    };
    let team = RealTeam::up(claude, &[Spec::new("Lim").oauth()], false);
    team.send_ok("Lim", "keep going [[limit 23:30]]");
    team.wait_state("Lim", "limited", LONG);
    let row = team.row("Lim");
    let reset = row["reset_at"].as_str().unwrap_or_default().to_string();
    assert!(reset.contains("T23:30:00"), "reset_at {reset} in {row}");
}

#[test]
fn delivery_arrives_exactly_once_and_the_exit_status_agrees() {
    let Some(claude) = program("claude") else {
        return;
    };
    let team = RealTeam::up(claude, &[Spec::new("Del")], false);
    let mut sent: Vec<String> = Vec::new();
    for text in EXACT {
        team.send_ok("Del", text);
        sent.push((*text).to_string());
        team.model
            .wait_prompts("Del", "the prompt", LONG, |p| p.len() == sent.len());
        team.wait_state("Del", "idle", LONG);
    }
    // 10 kB in one message.
    let long = long_text();
    assert!(long.len() > 10_000);
    team.send_ok("Del", &long);
    sent.push(long.clone());
    team.model
        .wait_prompts("Del", "the long prompt", LONG, |p| p.len() == sent.len());
    assert_prompts(&team.model.prompts("Del"), &sent, &unwrap_paste);
    team.wait_state("Del", "idle", LONG);

    // A person's unsent draft: refused, nothing typed over it.
    team.type_text("Del", "half-typed thought");
    wait_for(LONG, "the draft on screen", || {
        team.screen("Del")
            .contains("half-typed thought")
            .then_some(())
    });
    let o = team.send("Del", "from atlas");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unsent text"), "{}", stderr(&o));
    let screen = team.screen("Del");
    let input = screen
        .lines()
        .rfind(|l| l.starts_with('❯'))
        .unwrap_or_default();
    assert!(
        input.contains("half-typed thought") && !screen.contains("from atlas"),
        "{input}"
    );
    team.keys("Del", &["C-u"]);
    wait_for(LONG, "the draft cleared", || {
        (!team.screen("Del").contains("half-typed thought")).then_some(())
    });

    // A busy agent: Claude Code queues the message; atlas says so, and the model gets it
    // once, after the running answer.
    team.send_ok("Del", "a long one [[stream 6]]");
    wait_for(LONG, "the long answer", || {
        team.model.answering("Del").then_some(())
    });
    let out = team.send_ok("Del", "queued behind it");
    assert!(out.contains("queued"), "{out}");
    sent.push("a long one [[stream 6]]".into());
    sent.push("queued behind it".into());
    team.model
        .wait_prompts("Del", "the queued prompt", LONG, |p| p.len() == sent.len());
    team.wait_state("Del", "idle", LONG);
    assert_prompts(&team.model.prompts("Del"), &sent, &unwrap_paste);
    // Never an empty prompt: every turn carried one of the texts sent.
    assert_eq!(team.model.turns("Del").len(), sent.len());
}

#[test]
fn restarts_resume_the_conversation_and_count_crashes_per_run() {
    let Some(claude) = program("claude") else {
        return;
    };
    let team = RealTeam::new(
        claude,
        &[Spec::new("Res").extra("restart = \"always\"")],
        true,
        "",
    );
    // Two crashes in the window fail an agent.
    let toml = std::fs::read_to_string(team.dir.path().join("atlas.toml"))
        .unwrap()
        .replace(
            "report_at = \"\"",
            "report_at = \"\"\nmax_restarts = 2\nbackoff_max = \"1s\"",
        );
    std::fs::write(team.dir.path().join("atlas.toml"), toml).unwrap();
    team.start();
    team.send_ok("Res", "remember the word kumquat");
    team.model
        .wait_prompts("Res", "the first prompt", LONG, |p| p.len() == 1);
    team.wait_state("Res", "idle", LONG);

    // The operator's restart resumes the conversation: the next request carries it.
    let o = output(team.atlas().args(["restart", "Res"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("--continue"), "{}", stdout(&o));
    team.wait_state("Res", "idle", LONG);
    team.send_ok("Res", "what was the word?");
    team.model
        .wait_prompts("Res", "the second prompt", LONG, |p| p.len() == 2);
    let turns = team.model.turns("Res");
    let last = turns.last().unwrap();
    let history: Vec<&str> = last["user_texts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        history.contains(&"remember the word kumquat") && history.contains(&"what was the word?"),
        "the resumed conversation: {history:?}"
    );
    team.wait_state("Res", "idle", LONG);

    // A crash: the supervisor restarts it with its resume command and, once it is idle,
    // briefs it — the brief reaches the model, in the resumed conversation.
    let before = team.model.prompts("Res").len();
    crash(&team, "Res");
    let prompts = team
        .model
        .wait_prompts("Res", "the brief", LONG, |p| p.len() > before);
    let brief = &prompts[before];
    assert!(
        brief.to_lowercase().contains("restart"),
        "the brief: {brief}"
    );
    let turns = team.model.turns("Res");
    let history = turns.last().unwrap()["user_texts"].to_string();
    assert!(
        history.contains("kumquat"),
        "the brief came into the old conversation"
    );
    assert_eq!(restarts(&team, "Res", "supervisor"), 1, "{}", team.events());
    team.wait_state("Res", "idle", LONG);

    // The operator's restart starts a fresh crash count: one more crash is the first of the
    // new run (max_restarts = 2 would fail it otherwise).
    let o = output(team.atlas().args(["restart", "Res"]));
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Res", "idle", LONG);
    crash(&team, "Res");
    wait_for(LONG, "the second supervisor restart", || {
        (restarts(&team, "Res", "supervisor") == 2).then_some(())
    });
    team.wait_state("Res", "idle", LONG);
    assert!(!team.events().contains(" failed Res"), "{}", team.events());

    // A fresh `up` after `down` is a new run, not a restart: no brief, no crash count.
    let o = output(team.atlas().arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    team.start();
    let memory_file = team.dir.path().join("logs/.supervisor.json");
    wait_for(LONG, "the supervisor's new run", || {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&memory_file).ok()?).ok()?;
        (m["deaths"].as_object().is_none_or(|d| d.is_empty())
            && m["brief"].as_array().is_some_and(|b| b.is_empty())
            && m["states"]["Res"] == "idle")
            .then_some(())
    });
    let before = team.model.prompts("Res").len();
    team.send_ok("Res", "a new day");
    let prompts = team
        .model
        .wait_prompts("Res", "the new prompt", LONG, |p| p.len() > before);
    assert_eq!(
        prompts[before..],
        ["a new day".to_string()],
        "no brief before it"
    );
}

#[test]
fn the_configs_path_is_the_agents_whoever_starts_it() {
    let Some(claude) = program("claude") else {
        return;
    };
    // `claude` by name, found only on the config's env.PATH; atlas's own folder is not on it.
    let team = RealTeam::new(claude, &[Spec::new("Pat").path("/usr/bin:/bin")], false, "");
    let o = output(team.atlas().arg("check"));
    assert!(
        !stderr(&o).contains("not found"),
        "claude is on the agent's PATH: {}",
        stderr(&o)
    );
    team.start();
    // A restart from a shell whose PATH has neither claude nor atlas.
    let o = output(
        team.atlas()
            .env("PATH", "/usr/bin:/bin")
            .args(["restart", "Pat", "--fresh"]),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    team.wait_state("Pat", "idle", LONG);
    // Its own Bash tool runs `atlas` (the running atlas's folder is on its PATH).
    team.send_ok(
        "Pat",
        "report [[bash atlas handoff --from Pat --to human --status DONE --task path-ok]]",
    );
    wait_for(LONG, "the agent's own handoff", || {
        team.coordination().contains("Task: path-ok").then_some(())
    });
    let turns = team.model.turns("Pat");
    let result = turns.last().unwrap()["tool_results"].to_string();
    assert!(!result.contains("not found"), "{result}");

    // A config PATH without the program: the warning says so, naming the agent.
    let toml = std::fs::read_to_string(team.dir.path().join("atlas.toml")).unwrap();
    let folder = team
        .program
        .bin
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    std::fs::write(
        team.dir.path().join("atlas.toml"),
        toml.replace(&format!("{folder}:/usr/bin:/bin"), "/usr/bin:/bin"),
    )
    .unwrap();
    let o = output(team.atlas().arg("check"));
    assert!(
        stderr(&o).contains("Pat") && stderr(&o).contains("not found on its env's PATH"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_handoff_chain_runs_on_the_real_program() {
    let Some(claude) = program("claude") else {
        return;
    };
    let team = RealTeam::up(
        claude,
        &[Spec::new("Lead"), Spec::new("Helper").reports_to("Lead")],
        true,
    );
    // The lead is busy with a long answer when the handoff reaches it: the supervisor waits
    // for it to be idle before it wakes it (it never types into a busy agent).
    team.send_ok("Lead", "a long piece of work [[stream 10]]");
    wait_for(LONG, "the lead's long answer", || {
        team.model.answering("Lead").then_some(())
    });
    // The operator asks the helper; the helper's own Bash tool hands off to its lead, with a
    // task whose words tell the lead's model to answer up to the operator.
    team.send_ok(
        "Helper",
        "write the captions [[bash atlas handoff --from Helper --to Lead --status DONE --task 'captions ready ((bash atlas handoff --from Lead --to human --status DONE --task summary --re \"{re}\"))']]",
    );
    // The supervisor wakes the lead; the lead answers with --re up to the operator.
    wait_for(LONG, "the lead's answer", || {
        team.coordination().contains("Lead → human").then_some(())
    });
    let coord = team.coordination();
    let helper_id = coord
        .lines()
        .find(|l| l.contains("Helper → Lead"))
        .map(|l| l.trim_start_matches("## ").to_string())
        .expect("the helper's entry");
    assert!(coord.contains(&format!("Re: {helper_id}")), "{coord}");
    // The model logs agree at every hop: the helper ran one command; the lead was woken
    // once, for that entry, and ran its answer.
    let lead = team.model.prompts("Lead");
    assert_eq!(lead.len(), 2, "the long work, then one wake: {lead:?}");
    assert!(lead[1].contains(&helper_id), "{}", lead[1]);
    // The wake reached the model after the long answer had ended.
    let records = team.model.records();
    let long_end = records
        .iter()
        .find(|r| r["event"] == "response_end" && r["agent"] == "Lead")
        .and_then(|r| r["t"].as_f64())
        .unwrap();
    let wake_at = team.model.turns("Lead")[1]["t"].as_f64().unwrap();
    assert!(
        wake_at > long_end,
        "woken at {wake_at}, busy until {long_end}"
    );
    let events = team.events();
    let wakes: Vec<&str> = events
        .lines()
        .filter(|l| l.contains(" wake Lead "))
        .collect();
    assert_eq!(wakes.len(), 1, "{wakes:?}");
    assert!(wakes[0].contains(&helper_id), "{}", wakes[0]);
    // The helper's Bash tool ran `atlas handoff`, which printed the new entry's id.
    let helper = team.model.turns("Helper");
    assert!(
        helper
            .iter()
            .any(|t| t["tool_results"].to_string().contains(&helper_id)),
        "the helper's tool result names {helper_id}"
    );
    // The operator's inbox holds the lead's answer.
    let o = output(team.atlas().args(["inbox", "human", "--json"]));
    let inbox: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
    assert_eq!(inbox[0]["from"], "Lead");
    assert_eq!(inbox[0]["re"], helper_id);
}
