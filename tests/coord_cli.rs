//! `atlas inbox` and `atlas check` end to end.

mod common;

use std::path::Path;
use std::process::Command;

use common::{atlas_bin, stderr, stdout};

fn team(dir: &Path, coordination: &str) {
    std::fs::write(
        dir.join("atlas.toml"),
        "[defaults]\ncommand = \"sleep 1000\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"Orpheus\" }, { name = \"Prometheus\" }]\n",
    )
    .unwrap();
    if !coordination.is_empty() {
        std::fs::write(dir.join("coordination.md"), coordination).unwrap();
    }
}

fn atlas(dir: &Path) -> Command {
    let mut c = Command::new(atlas_bin());
    c.current_dir(dir)
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .env_remove("ATLAS_CONFIG")
        .env("ATLAS_FORBID_DEFAULT_SERVER", "1");
    c
}

const LOG: &str = "\u{feff}# Coordination\r\n\r\n## [2026-04-11 01:14] Orpheus → Prometheus\r\nStatus: DONE\r\nTask: captions\r\nOutput: a.md, b.md\r\nNotes: one\r\n  two\r\n\r\n## [2026-04-11 01:20:30] Orpheus -> Prometheus, human\r\nStatus: BLOCKED\r\nTask: need the brand kit\r\nRe: [2026-04-11 01:00] Prometheus → Orpheus\r\n";

#[test]
fn inbox_json_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), LOG);
    let o = atlas(dir.path())
        .args(["inbox", "Prometheus", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let first = &list[0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "id", "line", "time", "from", "to", "status", "task", "output", "notes", "re",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(first["id"], "[2026-04-11 01:14] Orpheus → Prometheus");
    assert_eq!(first["line"], 3);
    assert_eq!(first["time"], "2026-04-11 01:14");
    assert_eq!(first["from"], "Orpheus");
    assert_eq!(first["to"], serde_json::json!(["Prometheus"]));
    assert_eq!(first["status"], "DONE");
    assert_eq!(first["output"], serde_json::json!(["a.md", "b.md"]));
    assert_eq!(first["notes"], "one\n  two");
    assert_eq!(first["re"], serde_json::Value::Null);
    let second = &list[1];
    assert_eq!(second["time"], "2026-04-11 01:20:30");
    assert_eq!(second["line"], 10);
    assert_eq!(second["to"], serde_json::json!(["Prometheus", "human"]));
    assert_eq!(second["re"], "[2026-04-11 01:00] Prometheus → Orpheus");
    // The operator sees the BLOCKED entry; Orpheus has nothing.
    let o = atlas(dir.path())
        .args(["inbox", "human", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let o = atlas(dir.path())
        .args(["inbox", "Orpheus", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout(&o).trim(), "[]");
}

#[test]
fn inbox_text_and_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), LOG);
    let o = atlas(dir.path())
        .args(["inbox", "Prometheus"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("[2026-04-11 01:14] Orpheus → Prometheus  (line 3)"),
        "{out}"
    );
    assert!(
        out.find("captions").unwrap() < out.find("brand kit").unwrap(),
        "oldest first"
    );
    let o = atlas(dir.path())
        .args(["inbox", "Nobody"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("Orpheus, Prometheus, human"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn inbox_of_a_missing_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), "");
    let o = atlas(dir.path())
        .args(["inbox", "Orpheus", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "[]");
}

#[test]
fn check_passes_a_clean_file_and_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), "");
    let o = atlas(dir.path()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    let clean = "## [2026-04-11 01:14] Orpheus → Prometheus\nStatus: DONE\nTask: x\n\n## [2026-04-11 01:15] Prometheus → Orpheus\nStatus: APPROVED\nRe: [2026-04-11 01:14] Orpheus → Prometheus\n";
    std::fs::write(dir.path().join("coordination.md"), clean).unwrap();
    let o = atlas(dir.path()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("2 entries, 0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_reports_warnings_with_exit_0_and_errors_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let warn_only = "## [2026-04-11 01:14] Orpheus → Zeus\nStatus: SHIPPED\nRe: [2026-01-01 00:00] Nobody → Orpheus\n";
    team(dir.path(), warn_only);
    let o = atlas(dir.path()).arg("check").output().unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("coordination.md:1: warning: unknown status `SHIPPED`"),
        "{out}"
    );
    assert!(
        out.contains("coordination.md:1: warning: `Zeus` is not an agent"),
        "{out}"
    );
    assert!(out.contains("coordination.md:1: warning: `Re: [2026-01-01 00:00] Nobody → Orpheus` names no earlier entry"), "{out}");
    let with_error = format!(
        "{warn_only}\n## [2026-04-11 25:00] Orpheus → Prometheus\nStatus: DONE\n\n## [2026-04-11 01:16] Prometheus → Orpheus\nStatus: ACK\n"
    );
    std::fs::write(dir.path().join("coordination.md"), with_error).unwrap();
    let o = atlas(dir.path()).arg("check").output().unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("coordination.md:5: error: malformed entry header"),
        "{out}"
    );
    assert!(out.contains("2 entries, 1 error, 3 warnings"), "{out}");
}

#[test]
fn check_refuses_a_bad_config_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("atlas.toml"),
        "[[windows]]\nname = \"w\"\nagents = [{ name = \"A\", colour = \"red\" }]\n",
    )
    .unwrap();
    let o = atlas(dir.path()).arg("check").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("atlas.toml:3:"), "{}", stderr(&o));
}

#[test]
fn check_names_a_misspelt_field_and_the_field_it_was_meant_to_be() {
    let dir = tempfile::tempdir().unwrap();
    team(
        dir.path(),
        "## [2026-04-11 01:14] Orpheus → Prometheus\nTask: captions\nStauts: DONE\n",
    );
    let o = atlas(dir.path()).arg("check").output().unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("coordination.md:3: warning: unknown field `Stauts`: did you mean `Status`?"),
        "{out}"
    );
    assert!(out.contains("1 entries, 0 errors, 1 warning"), "{out}");
}

#[test]
fn check_refuses_a_duration_without_a_unit_naming_its_place() {
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), "");
    let mut text = std::fs::read_to_string(dir.path().join("atlas.toml")).unwrap();
    text.push_str("[supervisor]\nbackoff_max = \"30\"\n");
    std::fs::write(dir.path().join("atlas.toml"), &text).unwrap();
    let o = atlas(dir.path()).arg("check").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("atlas.toml:7:15: backoff_max: `30` has no unit; write e.g. 30s, 30m or 30h"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn check_prints_a_program_missing_for_many_agents_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("atlas.toml"),
        "[defaults]\ncommand = \"atlas-test-no-such-program\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }, { name = \"B\" }, { name = \"C\", command = \"sleep 1\" }]\n",
    )
    .unwrap();
    let o = atlas(dir.path()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(
        warnings,
        [
            "atlas: warning: 2 agents (A, B): the command `atlas-test-no-such-program` is not found on PATH; their panes will show the error"
        ],
        "{err}"
    );
}
