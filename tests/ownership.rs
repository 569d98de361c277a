//! A session belongs to one team (DESIGN §4): on one private tmux server, a second team
//! whose config names the same session refuses to act on the first team's — `up`, `ls`,
//! `send`, `restart`, `peek`, `status`, `signal`, `watch`, `down` all exit 1 naming both
//! configs — and the first team keeps running untouched. A session made by hand is nobody's
//! team. `atlas init` in two folders gives two sessions.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, output, stderr, stdout, wait_for};

const WAIT: Duration = Duration::from_secs(10);

fn team(dir: &Path, session: &str) {
    std::fs::write(
        dir.join("atlas.toml"),
        format!(
            "[team]\nsession = \"{session}\"\n[defaults]\ncommand = \"cat\"\npreset = \"shell\"\n\
             [supervisor]\nenabled = false\n[[windows]]\nname = \"trading\"\n\
             agents = [{{ name = \"Hermes\" }}, {{ name = \"Nike\" }}]\n"
        ),
    )
    .unwrap();
}

fn panes(server: &Server) -> Vec<String> {
    server
        .try_run(&[
            "list-panes",
            "-a",
            "-F",
            "#{session_name} #{@atlas_agent} #{pane_id} #{@atlas_config}",
        ])
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn a_second_team_with_the_same_session_name_refuses_and_the_first_runs_on() {
    let server = Server::new();
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    team(&a, "shared");
    team(&b, "shared");
    let (a_cfg, b_cfg) = (a.join("atlas.toml"), b.join("atlas.toml"));

    let o = output(server.atlas(&a).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let before = panes(&server);
    assert_eq!(before.len(), 2, "{before:?}");
    let nike = server.agent_pane("Nike").unwrap();
    // A person's half-typed draft in the first team's Nike.
    server.run(&["send-keys", "-t", &nike, "-l", "half-typed thought"]);
    wait_for(WAIT, "the draft on screen", || {
        server
            .capture(&nike)
            .contains("half-typed thought")
            .then_some(())
    });

    let refused = |args: &[&str]| {
        let o = output(server.atlas(&b).args(args));
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
        assert!(
            e.contains("belongs to another team")
                && e.contains(&a_cfg.display().to_string())
                && e.contains(&b_cfg.display().to_string())
                && e.contains("session = "),
            "{args:?}: {e}"
        );
    };
    refused(&["up"]);
    refused(&["ls"]);
    refused(&["ls", "--json"]);
    refused(&["send", "Nike", "hello from the other team"]);
    refused(&["send", "--all", "hello from the other team"]);
    refused(&["restart", "Nike"]);
    refused(&["peek", "Nike"]);
    refused(&["status"]);
    refused(&["signal", "busy", "--agent", "Nike"]);
    refused(&["watch"]);
    refused(&["down"]);

    // The first team is untouched: same panes, the draft still unsent, no signal set.
    assert_eq!(panes(&server), before);
    let screen = server.capture(&nike);
    assert!(screen.contains("half-typed thought"), "{screen}");
    assert!(!screen.contains("hello from the other team"), "{screen}");
    let signal = server.run(&["show-options", "-p", "-t", &nike, "-qv", "@atlas_signal"]);
    assert!(signal.trim().is_empty(), "{signal}");
    let o = output(server.atlas(&a).args(["ls", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["pane"].is_string())
    );

    // The same config reached through a symlinked folder is the same team.
    let link = root.path().join("link");
    std::os::unix::fs::symlink(&a, &link).unwrap();
    let o = output(server.atlas(&link).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to start"), "{}", stdout(&o));

    // Its own `down` stops it.
    let o = output(server.atlas(&a).arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.try_run(&["has-session", "-t", "=shared"]).is_none());
}

#[test]
fn a_session_made_by_hand_is_no_team_s() {
    let server = Server::new();
    server.run(&["new-session", "-d", "-s", "mine", "-x", "80", "-y", "24"]);
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), "mine");
    for args in [
        &["up"][..],
        &["down"],
        &["status"],
        &["ls"],
        &["send", "Nike", "hi"],
        &["peek", "Nike"],
        &["restart", "Nike"],
    ] {
        let o = output(server.atlas(dir.path()).args(args));
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
        assert!(
            e.contains("was not started by atlas for this team") && e.contains("rename-session"),
            "{args:?}: {e}"
        );
    }
    // Still there, with its one pane and no agents.
    let p = panes(&server);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("mine "), "{p:?}");
}

#[test]
fn init_in_two_folders_gives_two_sessions() {
    let server = Server::new();
    let root = tempfile::tempdir().unwrap();
    let mut sessions = Vec::new();
    for name in ["alpha team", "beta.team"] {
        let dir = root.path().join(name);
        let o = output(server.atlas(root.path()).args(["init", "--demo", name]));
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::fs::read_to_string(dir.join("atlas.toml")).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("session = "))
            .unwrap()
            .to_string();
        sessions.push(line);
    }
    assert_eq!(
        sessions
            .iter()
            .map(|l| l.split('#').next().unwrap().trim())
            .collect::<Vec<_>>(),
        ["session = \"alpha-team\"", "session = \"beta-team\""]
    );
}
