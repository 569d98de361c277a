//! `atlas report` end to end: golden files under tests/fixtures/report/<case>/, and the
//! window rules (since the last report, --since, --out, bad times).
//!
//! Each case folder holds atlas.toml, coordination.md, logs/events.log, queues/, `args`
//! (the report's arguments, one per line) and the expected output, `expected.md` and
//! `expected.json`. `ATLAS_UPDATE_GOLDEN=1 cargo test --test report` rewrites the expected
//! files from what atlas prints — read every change before committing it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{atlas_bin, stderr, stdout};

fn atlas(dir: &Path) -> Command {
    let mut c = Command::new(atlas_bin());
    c.current_dir(dir)
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .env_remove("ATLAS_CONFIG")
        .env("ATLAS_FORBID_DEFAULT_SERVER", "1")
        // Times given with an offset are converted to local time: fix it.
        .env("TZ", "UTC");
    c
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report")
}

fn golden(case: &str) {
    let dir = fixtures().join(case);
    let args: Vec<String> = std::fs::read_to_string(dir.join("args"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let update = std::env::var_os("ATLAS_UPDATE_GOLDEN").is_some_and(|v| v == "1");
    for (json, file) in [(false, "expected.md"), (true, "expected.json")] {
        let mut cmd = atlas(&dir);
        cmd.arg("--config")
            .arg(dir.join("atlas.toml"))
            .arg("report");
        cmd.args(&args);
        if json {
            cmd.arg("--json");
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{case}: {}", stderr(&o));
        let got = stdout(&o);
        // Twice the same: nothing depends on the clock or on hash order.
        let again = stdout(&cmd.output().unwrap());
        assert_eq!(got, again, "{case}: two runs differ");
        let path = dir.join(file);
        if update {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run with ATLAS_UPDATE_GOLDEN=1",
                path.display()
            )
        });
        if got != want {
            panic!(
                "{case}: {file} differs.\n--- want\n{want}\n--- got\n{got}\n(ATLAS_UPDATE_GOLDEN=1 rewrites it)"
            );
        }
    }
}

#[test]
fn golden_normal_night() {
    golden("normal-night");
}

#[test]
fn golden_empty_night() {
    golden("empty-night");
}

#[test]
fn golden_crash_loop() {
    golden("crash-loop");
}

#[test]
fn golden_usage_limit() {
    golden("usage-limit");
}

#[test]
fn golden_malformed() {
    golden("malformed");
}

#[test]
fn golden_window_edges() {
    golden("window-edges");
}

/// Only `spawn`, `death`, `restart`, `failed` and `limit` events, no `state` event: every
/// agent of the team still has a timeline row, a crash shows `x`, a failure `X`, a limit `~`.
#[test]
fn golden_events_only() {
    golden("events-only");
}

/// A copy of the normal night in a temporary folder.
fn normal_night_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = fixtures().join("normal-night");
    for f in ["atlas.toml", "coordination.md"] {
        std::fs::copy(src.join(f), d.path().join(f)).unwrap();
    }
    std::fs::create_dir_all(d.path().join("logs")).unwrap();
    std::fs::copy(
        src.join("logs/events.log"),
        d.path().join("logs/events.log"),
    )
    .unwrap();
    d
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[test]
fn default_window_starts_where_the_last_report_ended() {
    let d = normal_night_copy();
    let run = || {
        let o = atlas(d.path())
            .args(["report", "--to", "2026-04-11 05:00"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // No report yet: the last 12 hours.
    assert_eq!(
        first_line(&run()),
        "<!-- atlas report window: 2026-04-10 17:00:00 .. 2026-04-11 05:00:00 -->"
    );
    let reports = d.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(
        reports.join("morning-2026-04-09.md"),
        "<!-- atlas report window: 2026-04-08 17:00:00 .. 2026-04-09 05:00:00 -->\n",
    )
    .unwrap();
    std::fs::write(
        reports.join("morning-2026-04-10.md"),
        "<!-- atlas report window: 2026-04-09 05:00:00 .. 2026-04-11 01:30:00 -->\n# Morning report\n",
    )
    .unwrap();
    std::fs::write(reports.join("notes.md"), "not a report\n").unwrap();
    assert_eq!(
        first_line(&run()),
        "<!-- atlas report window: 2026-04-11 01:30:00 .. 2026-04-11 05:00:00 -->"
    );
}

#[test]
fn since_and_rfc3339_times() {
    let d = normal_night_copy();
    let o = atlas(d.path())
        .args([
            "report",
            "--since",
            "90m",
            "--to",
            "2026-04-11T05:00:00+02:00",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // TZ=UTC: 05:00+02:00 is 03:00 local.
    assert_eq!(
        first_line(&stdout(&o)),
        "<!-- atlas report window: 2026-04-11 01:30:00 .. 2026-04-11 03:00:00 -->"
    );
}

#[test]
fn out_writes_the_file_and_prints_nothing() {
    let d = normal_night_copy();
    let args = [
        "report",
        "--from",
        "2026-04-10 17:00",
        "--to",
        "2026-04-11 05:00",
    ];
    let printed = stdout(&atlas(d.path()).args(args).output().unwrap());
    let o = atlas(d.path())
        .args(args)
        .args(["--out", "out/r.md"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let written = std::fs::read_to_string(d.path().join("out/r.md")).unwrap();
    assert_eq!(written, printed);
    let o = atlas(d.path())
        .args(args)
        .args(["--json", "--out", "r.json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("r.json")).unwrap()).unwrap();
    for k in [
        "window",
        "operator",
        "totals",
        "attention",
        "produced",
        "failures",
        "agents",
        "timeline",
        "queues",
        "malformed",
    ] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
}

#[test]
fn bad_windows_are_usage_errors() {
    let d = normal_night_copy();
    for args in [
        vec!["--from", "yesterday"],
        vec!["--from", "2026-04-11 05:00", "--to", "2026-04-11 05:00"],
        vec!["--from", "2026-04-11 06:00", "--to", "2026-04-11 05:00"],
        vec!["--since", "soon"],
        vec!["--to", "2026-02-30 01:00"],
    ] {
        let o = atlas(d.path()).arg("report").args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("atlas: "), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn morning_report_files_chain_their_windows() {
    let d = normal_night_copy();
    let team = atlas::config::load(&d.path().join("atlas.toml")).unwrap();
    let t = |s: &str| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_local_timezone(chrono::Local)
            .unwrap()
    };
    let p = atlas::cmd::report::write_morning_report(&team, t("2026-04-11 05:00:00")).unwrap();
    assert_eq!(p, team.reports.join("morning-2026-04-11.md"));
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(
        first_line(&text),
        "<!-- atlas report window: 2026-04-10 17:00:00 .. 2026-04-11 05:00:00 -->"
    );
    // Written again the same day: the same start (today's file is not "the last report").
    let p = atlas::cmd::report::write_morning_report(&team, t("2026-04-11 05:30:00")).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(
        first_line(&text),
        "<!-- atlas report window: 2026-04-10 17:30:00 .. 2026-04-11 05:30:00 -->"
    );
    // The next morning starts where this one ended.
    let p = atlas::cmd::report::write_morning_report(&team, t("2026-04-12 05:00:00")).unwrap();
    assert_eq!(p, team.reports.join("morning-2026-04-12.md"));
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(
        first_line(&text),
        "<!-- atlas report window: 2026-04-11 05:30:00 .. 2026-04-12 05:00:00 -->"
    );
}
