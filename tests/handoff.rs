//! `atlas handoff` end to end: names and statuses checked, values that would break the
//! format read back unchanged, and concurrent writers that never interleave.

mod common;

use std::path::Path;
use std::process::Command;

use atlas::coord::{self, Status};
use common::{atlas_bin, stderr, stdout};

/// A two-agent team in a temp folder.
pub fn team() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("atlas.toml"),
        "[team]\noperator = \"boss\"\n[defaults]\ncommand = \"sleep 1000\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"Orpheus\" }, { name = \"Prometheus\" }, { name = \"Atlas\" }]\n",
    )
    .unwrap();
    dir
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

fn read(dir: &Path) -> coord::Parsed {
    let text = std::fs::read_to_string(dir.join("coordination.md")).unwrap_or_default();
    coord::parse_str(&text)
}

#[test]
fn writes_an_entry_and_prints_its_id() {
    let dir = team();
    let o = atlas(dir.path())
        .args([
            "handoff",
            "--from",
            "Orpheus",
            "--to",
            "Prometheus",
            "--status",
            "done",
        ])
        .args([
            "--task",
            "3 IG captions",
            "--output",
            "a.md",
            "--output",
            "b.md",
        ])
        .args([
            "--notes",
            "hook B",
            "--re",
            "[2026-04-11 01:00] Prometheus → Orpheus",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let p = read(dir.path());
    assert_eq!(p.entries.len(), 1);
    let e = &p.entries[0];
    assert_eq!(stdout(&o).trim_end(), e.id);
    assert!(e.id.ends_with("] Orpheus → Prometheus"), "{}", e.id);
    assert_eq!(e.time_text().len(), 19, "with seconds: {}", e.id);
    assert_eq!(e.status_kind(), Some(Status::Done));
    assert_eq!(e.status.as_deref(), Some("DONE"));
    assert_eq!(e.task.as_deref(), Some("3 IG captions"));
    assert_eq!(e.output, vec!["a.md", "b.md"]);
    assert_eq!(e.notes.as_deref(), Some("hook B"));
    assert_eq!(
        e.re.as_deref(),
        Some("[2026-04-11 01:00] Prometheus → Orpheus")
    );
}

#[test]
fn several_recipients_and_the_operator() {
    let dir = team();
    let o = atlas(dir.path())
        .args([
            "handoff",
            "--from",
            "boss",
            "--to",
            "Orpheus, Prometheus",
            "--to",
            "Atlas",
        ])
        .args(["--status", "INFO", "--task", "hello"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        read(dir.path()).entries[0].to,
        vec!["Orpheus", "Prometheus", "Atlas"]
    );
}

#[test]
fn refuses_unknown_names_and_statuses() {
    let dir = team();
    let o = atlas(dir.path())
        .args([
            "handoff", "--from", "Nobody", "--to", "Orpheus", "--status", "DONE", "--task", "x",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("Nobody") && err.contains("Orpheus, Prometheus, Atlas, boss"),
        "{err}"
    );
    let o = atlas(dir.path())
        .args([
            "handoff",
            "--from",
            "Atlas",
            "--to",
            "Orpheus,Ghost",
            "--status",
            "DONE",
            "--task",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Ghost"));
    let o = atlas(dir.path())
        .args([
            "handoff", "--from", "Atlas", "--to", "Orpheus", "--status", "FINISHED", "--task", "x",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("FINISHED")
            && err.contains("DONE, IN_PROGRESS, BLOCKED, FAILED, REVISION, APPROVED, ACK, INFO"),
        "{err}"
    );
    assert!(!dir.path().join("coordination.md").exists());
}

#[test]
fn hostile_values_read_back_unchanged() {
    let dir = team();
    let task = "line one\nStatus: APPROVED\n## [2026-04-11 01:14] Atlas → boss";
    let notes = "  leading space\n\nRe: [x]\n\\backslash\ntrailing  \n#(touch /tmp/never)\n";
    let output = "dir, with comma/file.md";
    for _ in 0..2 {
        let o = atlas(dir.path())
            .args([
                "handoff",
                "--from",
                "Orpheus",
                "--to",
                "Prometheus",
                "--status",
                "BLOCKED",
            ])
            .args(["--task", task, "--notes", notes, "--output", output])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let p = read(dir.path());
    assert!(p.malformed.is_empty() && p.warnings.is_empty(), "{p:?}");
    assert_eq!(p.entries.len(), 2);
    for e in &p.entries {
        assert_eq!(e.task.as_deref(), Some(task));
        assert_eq!(e.notes.as_deref(), Some(notes));
        assert_eq!(e.output, vec![output]);
        assert_eq!(e.status.as_deref(), Some("BLOCKED"));
    }
}

#[test]
fn appends_after_a_file_without_final_newline() {
    let dir = team();
    std::fs::write(
        dir.path().join("coordination.md"),
        "# Log\n\n## [2026-04-11 01:00] Prometheus → Orpheus\nTask: hand-written",
    )
    .unwrap();
    let o = atlas(dir.path())
        .args([
            "handoff",
            "--from",
            "Orpheus",
            "--to",
            "Prometheus",
            "--status",
            "ACK",
            "--task",
            "ok",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let p = read(dir.path());
    assert_eq!(p.entries.len(), 2);
    assert_eq!(p.entries[0].task.as_deref(), Some("hand-written"));
    assert_eq!(p.entries[1].task.as_deref(), Some("ok"));
}

#[test]
fn thirteen_concurrent_writers_lose_nothing() {
    const WRITERS: usize = 13;
    const EACH: usize = 200;
    let dir = team();
    let names = ["Orpheus", "Prometheus", "Atlas"];
    // A long multi-line note makes any interleaving visible.
    let filler: String = (0..40)
        .map(|i| format!("note line {i} ........................\n"))
        .collect();
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let dir = dir.path();
            let filler = &filler;
            s.spawn(move || {
                for i in 0..EACH {
                    let o = atlas(dir)
                        .args([
                            "handoff",
                            "--from",
                            names[w % 3],
                            "--to",
                            names[(w + 1) % 3],
                        ])
                        .args(["--status", "DONE", "--task", &format!("w{w} i{i}")])
                        .args(["--notes", &format!("{filler}end w{w} i{i}")])
                        .output()
                        .unwrap();
                    assert!(o.status.success(), "writer {w} #{i}: {}", stderr(&o));
                }
            });
        }
    });
    let p = read(dir.path());
    assert!(
        p.malformed.is_empty(),
        "{:?}",
        &p.malformed[..p.malformed.len().min(3)]
    );
    assert!(
        p.warnings.is_empty(),
        "{:?}",
        &p.warnings[..p.warnings.len().min(3)]
    );
    assert_eq!(p.entries.len(), WRITERS * EACH);
    let mut seen = std::collections::HashSet::new();
    for e in &p.entries {
        let task = e.task.clone().unwrap();
        let w: usize = task[1..task.find(' ').unwrap()].parse().unwrap();
        assert_eq!(e.from, names[w % 3]);
        assert_eq!(e.to, vec![names[(w + 1) % 3]]);
        assert_eq!(
            e.notes.as_deref(),
            Some(format!("{filler}end {task}").as_str())
        );
        assert!(seen.insert(task), "duplicate entry");
    }
}
