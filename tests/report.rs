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
