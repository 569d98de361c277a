//! `worktree = true` end to end, in a scratch git repository and a private tmux server:
//! `up` gives each agent its own worktree and branch, restarts keep it, `ls` lists it,
//! `down --remove-worktrees` removes them only when clean, and a cwd outside a repository
//! is refused clearly.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Server, output, stderr, stdout, wait_for};

const WAIT: Duration = Duration::from_secs(20);

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A repository with one commit (the config is part of it, as in a real project).
fn repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "atlas test"]);
    git(dir, &["config", "user.email", "atlas@example.invalid"]);
    std::fs::write(dir.join("README"), "project\n").unwrap();
    git(dir, &["add", "README"]);
    git(dir, &["commit", "-q", "-m", "first"]);
}

fn write_team(dir: &Path, session: &str) {
    std::fs::write(
        dir.join("atlas.toml"),
        format!(
            "[team]\nsession = \"{session}\"\n\n[defaults]\ncommand = \"atlas demo-agent\"\npreset = \"demo\"\nworktree = true\nenv = {{ ATLAS_DEMO_START = \"0.1\", ATLAS_DEMO_WORK = \"0.2\" }}\n\n[[windows]]\nname = \"w\"\nagents = [ {{ name = \"Orpheus\", reports_to = \"Prometheus\" }}, {{ name = \"Prometheus\" }}, {{ name = \"Plain\", worktree = false }} ]\n\n[supervisor]\nenabled = false\n"
        ),
    )
    .unwrap();
}

fn cwd_of(server: &Server, agent: &str) -> String {
    let pane = server.agent_pane(agent).unwrap();
    server
        .run(&["display-message", "-p", "-t", &pane, "#{pane_current_path}"])
        .trim()
        .to_string()
}

fn real(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_cwd_outside_a_git_repository_is_refused_by_check_and_up() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    write_team(dir.path(), "nogit");
    for cmd in ["check", "up"] {
        let o = output(server.atlas(dir.path()).arg(cmd));
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains("2 agents (Orpheus, Prometheus): `worktree = true` needs the cwd")
                && err.contains("to be in a git repository, and it is not"),
            "{cmd}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(server.try_run(&["has-session", "-t", "=nogit"]).is_none());
    assert!(!dir.path().join("worktrees").exists());
    // A repository without a commit yet: nothing to start a worktree from.
    git(dir.path(), &["init", "-q"]);
    let o = output(server.atlas(dir.path()).arg("check"));
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("has no commit yet"), "{}", stderr(&o));
}

#[test]
fn each_agent_gets_its_own_worktree_kept_across_restarts_and_removed_only_when_clean() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    repo(d);
    write_team(d, "wt");

    let o = output(server.atlas(d).arg("check"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .contains("2 agents in their own git worktrees (0 made, 2 to be made by `atlas up`)"),
        "{}",
        stdout(&o)
    );
    let o = output(server.atlas(d).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "created the worktree worktrees/Orpheus for Orpheus on the new branch atlas/Orpheus"
        ),
        "{out}"
    );
    let list = git(d, &["worktree", "list", "--porcelain"]);
    assert!(list.contains("branch refs/heads/atlas/Orpheus"), "{list}");
    assert!(
        list.contains("branch refs/heads/atlas/Prometheus"),
        "{list}"
    );
    assert!(!list.contains("atlas/Plain"), "{list}");
    // Each agent works in its worktree; the others where their cwd says.
    let orpheus = d.join("worktrees/Orpheus");
    assert_eq!(cwd_of(&server, "Orpheus"), real(&orpheus));
    assert_eq!(cwd_of(&server, "Plain"), real(d));
    // The main checkout does not show the worktrees as untracked files.
    let status = git(d, &["status", "--porcelain"]);
    assert!(!status.contains("worktrees"), "{status}");

    // `ls` lists them (an extra column, and a JSON key next to the documented ones).
    let o = output(server.atlas(d).args(["ls", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], "Orpheus");
    assert_eq!(v[0]["worktree"], orpheus.to_str().unwrap());
    assert!(v[2]["worktree"].is_null());
    for k in [
        "name",
        "window",
        "pane",
        "state",
        "since",
        "exit_status",
        "inbox",
        "reset_at",
    ] {
        assert!(v[0].get(k).is_some(), "{k}");
    }
    let o = output(server.atlas(d).arg("ls"));
    let table = stdout(&o);
    assert!(
        table.lines().next().unwrap().ends_with("WORKTREE"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("Orpheus") && l.ends_with("worktrees/Orpheus")),
        "{table}"
    );

    // Work committed in a worktree stays on its branch; a restart keeps the worktree.
    std::fs::write(orpheus.join("captions.md"), "three captions\n").unwrap();
    git(&orpheus, &["add", "captions.md"]);
    git(&orpheus, &["commit", "-q", "-m", "captions"]);
    let o = output(server.atlas(d).args(["restart", "Orpheus"]));
    assert!(o.status.success(), "{}", stderr(&o));
    wait_for(WAIT, "Orpheus back in its worktree", || {
        (cwd_of(&server, "Orpheus") == real(&orpheus)).then_some(())
    });
    let o = output(server.atlas(d).arg("up"));
    assert!(stdout(&o).contains("nothing to start"), "{}", stdout(&o));

    // Uncommitted changes: refused before anything stops, naming the worktree and files.
    std::fs::write(orpheus.join("draft.md"), "not yet\n").unwrap();
    let o = output(server.atlas(d).args(["down", "--remove-worktrees"]));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "refusing to remove worktrees with uncommitted changes: {} (Orpheus: ?? draft.md)",
            orpheus.display()
        )),
        "{err}"
    );
    assert!(server.try_run(&["has-session", "-t", "=wt"]).is_some());
    assert!(orpheus.join("draft.md").exists());

    // Plain `down` keeps them.
    let o = output(server.atlas(d).arg("down"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(orpheus.join("draft.md").exists());

    // Clean: removed; the branches (and the committed work) stay.
    std::fs::remove_file(orpheus.join("draft.md")).unwrap();
    let o = output(server.atlas(d).args(["down", "--remove-worktrees"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .contains("removed the worktree worktrees/Orpheus (its branch atlas/Orpheus is kept)"),
        "{}",
        stdout(&o)
    );
    assert!(!orpheus.exists());
    let log = git(d, &["log", "--format=%s", "atlas/Orpheus"]);
    assert!(log.starts_with("captions\n"), "{log}");

    // `up` again: back on the same branch, with its work.
    let o = output(server.atlas(d).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "created the worktree worktrees/Orpheus for Orpheus on its branch atlas/Orpheus"
        ),
        "{}",
        stdout(&o)
    );
    assert!(orpheus.join("captions.md").exists());
}

#[test]
fn a_folder_in_the_worktree_place_is_never_touched() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    repo(d);
    write_team(d, "squat");
    std::fs::create_dir_all(d.join("worktrees/Orpheus")).unwrap();
    std::fs::write(d.join("worktrees/Orpheus/mine.txt"), "keep me\n").unwrap();
    let o = output(server.atlas(d).arg("up"));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("worktrees/Orpheus exists but is not a git worktree of"),
        "{}",
        stderr(&o)
    );
    assert!(d.join("worktrees/Orpheus/mine.txt").exists());
    assert!(server.try_run(&["has-session", "-t", "=squat"]).is_none());
}
