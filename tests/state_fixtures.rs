//! Every preset over every screen fixture: the fixture's own preset must read the state
//! (and reset time, and draft) its file name says.
//!
//! File names: `<preset>[@<version>]_<state>_<n>[_reset-HHMM | _reset-MMDD-HHMM |
//! _reset-in-<secs>s][_draft].txt` (secs may have a fraction: `reset-in-0.2s`) — `@<version>` on screens captured from the real program
//! by scripts/capture-screens.py. The state is what a fresh observer decides on first sight
//! (an unrecognised screen is `busy` then, by the stillness rule). Times are checked against
//! a fixed "now" of 2026-04-11 10:00 local.

use std::path::Path;

use atlas::config::BUILTIN_PRESETS;
use atlas::state::detect::{self, Memory, PaneView};
use atlas::state::{Preset, State};
use atlas::tmux::PaneInfo;
use chrono::{DateTime, Datelike, Local, NaiveDate, TimeZone};

struct Fixture {
    name: String,
    preset: String,
    state: State,
    reset: Option<DateTime<Local>>,
    draft: bool,
    screen: String,
    /// The pane's title when captured (NAME.title beside the screen), if kept.
    title: String,
    /// Whether the cursor was visible (NAME.cursor: 0 or 1; visible when not kept).
    cursor: bool,
}

fn now() -> DateTime<Local> {
    Local
        .from_local_datetime(
            &NaiveDate::from_ymd_opt(2026, 4, 11)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
        )
        .earliest()
        .unwrap()
}

fn clock(hhmm: &str) -> DateTime<Local> {
    let (h, m) = (hhmm[..2].parse().unwrap(), hhmm[2..].parse().unwrap());
    let day = NaiveDate::from_ymd_opt(2026, 4, 11).unwrap();
    let mut t = Local
        .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
        .earliest()
        .unwrap();
    if t <= now() {
        t += chrono::Duration::days(1);
    }
    t
}

/// The next `MMDD` at `HHMM` after now.
fn dated(mmdd: &str, hhmm: &str) -> DateTime<Local> {
    let (mo, d) = (mmdd[..2].parse().unwrap(), mmdd[2..].parse().unwrap());
    let (h, m) = (hhmm[..2].parse().unwrap(), hhmm[2..].parse().unwrap());
    let mut year = now().year();
    loop {
        let day = NaiveDate::from_ymd_opt(year, mo, d).unwrap();
        let t = Local
            .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
            .earliest()
            .unwrap();
        if t > now() {
            return t;
        }
        year += 1;
    }
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let parts: Vec<&str> = name.split('_').collect();
        assert!(
            parts.len() >= 3,
            "fixture name {name}: <preset>_<state>_<n>"
        );
        let state = State::parse(parts[1]).unwrap_or_else(|| panic!("{name}: unknown state"));
        let mut reset = None;
        let mut draft = false;
        for extra in &parts[3..] {
            if let Some(secs) = extra
                .strip_prefix("reset-in-")
                .and_then(|s| s.strip_suffix('s'))
            {
                let secs: f64 = secs.parse().unwrap();
                reset = Some(now() + chrono::Duration::milliseconds((secs * 1000.0) as i64));
            } else if let Some((mmdd, hhmm)) =
                extra.strip_prefix("reset-").and_then(|s| s.split_once('-'))
            {
                reset = Some(dated(mmdd, hhmm));
            } else if let Some(hhmm) = extra.strip_prefix("reset-") {
                reset = Some(clock(hhmm));
            } else if *extra == "draft" {
                draft = true;
            } else {
                panic!("{name}: unknown part {extra}");
            }
        }
        out.push(Fixture {
            preset: parts[0].split('@').next().unwrap().to_string(),
            state,
            reset,
            draft,
            screen: std::fs::read_to_string(&path).unwrap(),
            cursor: std::fs::read_to_string(path.with_extension("cursor"))
                .map(|c| c.trim() != "0")
                .unwrap_or(true),
            title: std::fs::read_to_string(path.with_extension("title"))
                .map(|t| t.trim_end_matches('\n').to_string())
                .unwrap_or_default(),
            name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn pane() -> PaneInfo {
    PaneInfo {
        id: "%1".into(),
        window_id: "@1".into(),
        window: "w".into(),
        agent: "A".into(),
        dead: false,
        dead_status: None,
        dead_signal: None,
        pid: Some(1),
        in_mode: false,
        activity: Some(now().timestamp()),
        state_option: String::new(),
        stopped: false,
        session: "s".into(),
        config: String::new(),
    }
}

#[test]
fn every_preset_reads_its_fixtures() {
    let all = fixtures();
    assert!(all.len() >= 40, "found {} fixtures", all.len());
    let info = pane();
    let mut failures = Vec::new();
    for name in BUILTIN_PRESETS {
        let preset = Preset::builtin(name).unwrap();
        let mine: Vec<&Fixture> = all.iter().filter(|f| f.preset == *name).collect();
        assert!(
            mine.iter().any(|f| f.state == State::Idle),
            "preset {name} has an idle fixture"
        );
        for f in &all {
            let view = PaneView {
                info: &info,
                screen: &f.screen,
                title: &f.title,
                cursor: f.cursor,
                memory: Memory::default(),
            };
            let obs = detect::decide("A", "w", Some(&view), &preset, now()).observation;
            if f.preset != *name {
                continue; // other programs' screens: read, but no verdict expected
            }
            if obs.state != f.state {
                failures.push(format!(
                    "{}: read {} (by {:?})",
                    f.name, obs.state, obs.source
                ));
            }
            if obs.reset_at != f.reset {
                failures.push(format!(
                    "{}: reset {:?}, expected {:?}",
                    f.name, obs.reset_at, f.reset
                ));
            }
            if obs.draft.is_some() != f.draft {
                failures.push(format!("{}: draft {:?}", f.name, obs.draft));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_preset_covers_the_main_states() {
    let all = fixtures();
    for name in ["claude", "codex", "gemini", "aider", "demo"] {
        for state in [State::Busy, State::Idle, State::Waiting, State::Limited] {
            assert!(
                all.iter().any(|f| f.preset == name && f.state == state),
                "no {name}_{state}_N fixture"
            );
        }
    }
}

#[test]
fn claude_drafts_are_read_and_placeholders_are_not() {
    let preset = Preset::builtin("claude").unwrap();
    let read = |name: &str| {
        let screen = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/screens")
                .join(name),
        )
        .unwrap();
        detect::read_screen(&preset, &screen)
    };
    let r = read("claude@2.1.332_idle_2_draft.txt");
    assert_eq!(
        r.draft.as_deref(),
        Some("refactor the parser into smaller functions")
    );
    let r = read("claude@2.1.332_busy_4_draft.txt");
    assert_eq!(r.draft.as_deref(), Some("and then summarise it"));
    // "Press up to edit queued messages" and "Resend your message to try again" are dim
    // placeholders of an empty input.
    for name in [
        "claude@2.1.332_busy_5.txt",
        "claude@2.1.332_limited_1.txt",
        "claude@2.1.332_idle_1.txt",
    ] {
        let r = read(name);
        assert!(r.input_visible, "{name}");
        assert_eq!(r.draft, None, "{name}");
    }
}

#[test]
fn overrides_replace_parts_of_a_builtin_preset() {
    let text = r#"
[team]
session = "t"
[defaults]
command = "claude"
preset = "claude"
[presets.claude]
busy = ["Brewing"]
[[windows]]
name = "w"
agents = [ { name = "A" }, { name = "B", idle = ["^READY$"] } ]
"#;
    let team = atlas::config::parse(text, Path::new("/tmp/atlas.toml"), &|_, _| true).unwrap();
    let a = Preset::for_agent(&team, team.agent("A").unwrap()).unwrap();
    assert!(a.busy[0].is_match("✻ Brewing…"));
    assert_eq!(a.busy.len(), 1);
    assert!(
        !a.waiting.is_empty(),
        "waiting kept from the built-in preset"
    );
    let b = Preset::for_agent(&team, team.agent("B").unwrap()).unwrap();
    assert_eq!(b.idle.len(), 1);
    assert!(b.idle[0].is_match("x\nREADY\ny"));
}
