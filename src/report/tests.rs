use super::*;

fn at(s: &str) -> NaiveDateTime {
    crate::coord::parse::parse_time(s).unwrap()
}

fn win(a: &str, b: &str) -> Window {
    Window::new(at(a), at(b)).unwrap()
}

fn report(coord: &str, events: &str, w: Window) -> Report {
    let agents = vec!["A".to_string(), "B".to_string()];
    let exists = |p: &str| p.starts_with("ok/");
    Report::build(
        &Inputs {
            operator: "human",
            agents: &agents,
            coordination: coord,
            events,
            queues: &[],
            exists: &exists,
        },
        w,
    )
}

#[test]
fn window_is_start_inclusive_end_exclusive() {
    let w = win("2026-04-11 00:00", "2026-04-11 06:00");
    assert!(w.contains(at("2026-04-11 00:00")));
    assert!(w.contains(at("2026-04-11 05:59:59")));
    assert!(!w.contains(at("2026-04-11 06:00")));
    assert!(!w.contains(at("2026-04-10 23:59:59")));
    assert_eq!(w.seconds(), 6 * 3600);
    assert!(Window::new(at("2026-04-11 06:00"), at("2026-04-11 06:00")).is_none());
}

#[test]
fn marker_round_trips() {
    let w = win("2026-04-10 17:00", "2026-04-11 05:00:07");
    let m = w.marker();
    assert_eq!(
        m,
        "<!-- atlas report window: 2026-04-10 17:00:00 .. 2026-04-11 05:00:07 -->"
    );
    assert_eq!(Window::from_marker(&m), Some(w));
    assert_eq!(Window::from_marker(&format!("{m}\n")), Some(w));
    assert_eq!(Window::from_marker("# Morning report"), None);
    assert_eq!(
        Window::from_marker(
            "<!-- atlas report window: 2026-04-11 05:00:00 .. 2026-04-10 17:00:00 -->"
        ),
        None
    );
}

#[test]
fn default_window_is_since_the_last_report_else_12h() {
    let to = at("2026-04-11 05:00");
    assert_eq!(
        Window::since_last(Some(at("2026-04-10 20:00")), to),
        win("2026-04-10 20:00", "2026-04-11 05:00")
    );
    assert_eq!(
        Window::since_last(None, to),
        win("2026-04-10 17:00", "2026-04-11 05:00")
    );
    // A last report that ends at or after `to` is no start.
    assert_eq!(
        Window::since_last(Some(at("2026-04-11 05:00")), to),
        win("2026-04-10 17:00", "2026-04-11 05:00")
    );
}

const COORD: &str = "\
## [2026-04-10 23:59:59] A → B
Status: DONE
Task: before the window

## [2026-04-11 00:00] A → B
Status: DONE
Task: at the start
Output: ok/one.md, gone/two.md

## [2026-04-11 01:00] B → A, human
Status: BLOCKED
Task: stuck

## [2026-04-11 06:00] human → B
Status: ACK
Re: [2026-04-11 01:00] B → A, human

## [2026-04-11 03:00] Z → A
Status: FAILED
Task: from someone not in the team
";

#[test]
fn entries_at_the_edges_and_after_the_end() {
    let r = report(COORD, "", win("2026-04-11 00:00", "2026-04-11 06:00"));
    assert_eq!(r.totals.entries, 3);
    assert_eq!(r.produced.len(), 1);
    assert_eq!(r.produced[0].entry.task.as_deref(), Some("at the start"));
    let exists: Vec<bool> = r.produced[0].outputs.iter().map(|o| o.exists).collect();
    assert_eq!(exists, [true, false]);
    // The ACK at 06:00 is after the window: the BLOCKED entry is still open.
    assert_eq!(r.failures.entries.len(), 2);
    assert!(r.failures.entries.iter().all(|t| t.open));
    let ids: Vec<usize> = r.attention.entries.iter().map(|e| e.line).collect();
    assert_eq!(ids, [10, 18]);
    // Z is not in the team: listed after the team.
    let names: Vec<&str> = r.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "Z"]);
    assert_eq!(r.agents[0].written, 1);
    assert_eq!(r.agents[0].received, 2);
    assert_eq!(r.agents[0].inbox, 2);
    // With the ACK inside the window, the block is answered for the operator (still open
    // for A).
    let r = report(COORD, "", win("2026-04-11 00:00", "2026-04-11 06:00:01"));
    assert_eq!(r.totals.entries, 4);
    assert!(r.failures.entries[0].open);
}

const EVENTS: &str = "\
2026-04-10T23:00:00+02:00 state A to=idle
2026-04-11T01:00:00+02:00 state A from=idle to=busy
2026-04-11T02:00:00+02:00 death A status=1
2026-04-11T02:00:00+02:00 state A from=busy to=dead
2026-04-11T02:00:00+02:00 restart A
2026-04-11T02:00:00+02:00 state A from=dead to=starting
2026-04-11T02:00:10+02:00 state A from=starting to=busy
2026-04-11T04:00:00+02:00 state A from=busy to=limited reset=05:30
not an event line
2026-04-11T06:00:00+02:00 state A from=limited to=idle
";

#[test]
fn states_from_events_give_time_timeline_and_now() {
    let r = report("", EVENTS, win("2026-04-11 00:00", "2026-04-11 06:00"));
    let a = &r.agents[0];
    assert_eq!(a.name, "A");
    assert_eq!(a.crashes, 1);
    assert_eq!(a.restarts, 1);
    let t = a.time_in_state.unwrap();
    assert_eq!(t.idle, 3600);
    assert_eq!(t.busy, 3600 + 7190);
    assert_eq!(t.starting, 10);
    assert_eq!(t.dead, 0);
    assert_eq!(t.limited, 2 * 3600);
    assert_eq!(a.state, Some(Activity::Limited));
    assert_eq!(a.since, Some(at("2026-04-11 04:00")));
    // The event at 06:00 is after the window.
    assert_eq!(r.attention.agents.len(), 1);
    assert_eq!(r.attention.agents[0].state, Activity::Limited);
    assert_eq!(
        r.attention.agents[0].detail,
        vec![("reset".to_string(), "05:30".to_string())]
    );
    let tl = r.timeline.unwrap();
    // Every agent of the team has a row: B, of whom nothing is known, shows dots.
    assert_eq!(tl.rows.len(), 2);
    assert_eq!(tl.rows[1].agent, "B");
    assert_eq!(tl.rows[1].cells, ".".repeat(SLOTS));
    // 48 slots of 7.5 minutes: idle 8, busy 8, the crash (zero-length dead) shows, ...
    assert_eq!(
        tl.rows[0].cells,
        format!(
            "{}{}x{}{}",
            "-".repeat(8),
            "#".repeat(8),
            "#".repeat(15),
            "~".repeat(16)
        )
    );
    assert_eq!(tl.slot_seconds, 450.0);
}

#[test]
fn unknown_before_the_first_state() {
    let ev = "2026-04-11T03:00:00+00:00 state B to=busy\n";
    let r = report("", ev, win("2026-04-11 00:00", "2026-04-11 06:00"));
    let b = r.agents.iter().find(|a| a.name == "B").unwrap();
    let t = b.time_in_state.unwrap();
    assert_eq!(t.unknown, 3 * 3600);
    assert_eq!(t.busy, 3 * 3600);
    let tl = r.timeline.unwrap();
    assert_eq!(tl.rows[0].agent, "A");
    assert_eq!(tl.rows[1].agent, "B");
    assert_eq!(
        tl.rows[1].cells,
        format!("{}{}", ".".repeat(24), "#".repeat(24))
    );
}

#[test]
fn every_event_tells_the_timeline_without_state_events() {
    // No `state` event at all: what a team without a supervisor's state tracking (or an
    // older log) leaves. A spawned before the window, crashed, restarted, hit a limit; B
    // crashed until the supervisor gave up.
    let ev = "\
2026-04-10T20:00:00+00:00 spawn A pane=%1
2026-04-10T20:00:00+00:00 spawn B pane=%2
2026-04-11T01:00:00+00:00 death A status=1 pane=%1
2026-04-11T01:00:01+00:00 restart A pane=%1 by=supervisor mode=resume
2026-04-11T03:00:00+00:00 limit A reset=\"2026-04-11 05:30\" due=05:31:00
2026-04-11T02:00:00+00:00 death B status=139 pane=%2
2026-04-11T02:00:00+00:00 failed B crashes=5 window=10m status=139
";
    let r = report("", ev, win("2026-04-11 00:00", "2026-04-11 06:00"));
    let tl = r.timeline.unwrap();
    let a = &tl.rows[0].cells;
    let b = &tl.rows[1].cells;
    // The state before the window (starting, from the spawn) is its last known state.
    assert_eq!(&a[..8], "++++++++", "{a}");
    assert_eq!(a.chars().nth(8), Some('x'), "{a}");
    assert_eq!(&a[9..24], "+".repeat(15), "{a}");
    assert_eq!(&a[24..], "~".repeat(24), "{a}");
    assert_eq!(&b[..16], "+".repeat(16), "{b}");
    assert_eq!(&b[16..], "X".repeat(32), "{b}");
    let agent_a = &r.agents[0];
    assert_eq!(agent_a.state, Some(Activity::Limited));
    assert_eq!(agent_a.crashes, 1);
    assert_eq!(
        r.attention.agents[0].detail,
        vec![("reset".to_string(), "2026-04-11 05:30".to_string())]
    );
    assert_eq!(r.agents[1].state, Some(Activity::Failed));
    // A resume after the limit changes nothing by itself; a stop shows as `=`.
    let ev2 = format!(
        "{ev}2026-04-11T04:00:00+00:00 limit A action=resume\n2026-04-11T05:00:00+00:00 state A from=limited to=stopped by=operator\n"
    );
    let r = report("", &ev2, win("2026-04-11 00:00", "2026-04-11 06:00"));
    let a = &r.timeline.unwrap().rows[0].cells;
    assert_eq!(&a[24..40], "~".repeat(16), "{a}");
    assert_eq!(&a[40..], "=".repeat(8), "{a}");
}

#[test]
fn out_of_order_events_are_sorted_by_time_then_line() {
    let ev = "\
2026-04-11T02:00:00+00:00 state A to=busy
2026-04-11T01:00:00+00:00 state A to=idle
2026-04-10T20:00:00+00:00 state A to=waiting
2026-04-10T19:00:00+00:00 state A to=dead
";
    let r = report("", ev, win("2026-04-11 00:00", "2026-04-11 04:00"));
    let t = r.agents[0].time_in_state.unwrap();
    assert_eq!(t.waiting, 3600);
    assert_eq!(t.idle, 3600);
    assert_eq!(t.busy, 2 * 3600);
    assert_eq!(r.agents[0].state, Some(Activity::Busy));
}

#[test]
fn empty_inputs_make_an_empty_report() {
    let r = report("", "", win("2026-04-11 00:00", "2026-04-11 06:00"));
    assert!(r.agents.is_empty());
    assert!(r.timeline.is_none());
    let md = render_markdown(&r);
    assert!(
        md.starts_with(
            "<!-- atlas report window: 2026-04-11 00:00:00 .. 2026-04-11 06:00:00 -->\n"
        )
    );
    assert!(md.contains("Nothing happened in this window"));
    assert!(!md.contains("## "));
}

#[test]
fn markdown_is_safe_with_hostile_text() {
    let coord =
        "## [2026-04-11 01:00] A → B\nStatus: DONE\nTask: `rm` | #(x)\u{1b}[31m\nOutput: a`b.md\n";
    let r = report(coord, "", win("2026-04-11 00:00", "2026-04-11 06:00"));
    let md = render_markdown(&r);
    assert!(!md.contains('\u{1b}'));
    assert!(
        md.contains("``a`b.md``") || md.contains("`` a`b.md ``"),
        "{md}"
    );
}

#[test]
fn spans_read_well() {
    use super::render::span;
    assert_eq!(span(0), "0");
    assert_eq!(span(45), "45s");
    assert_eq!(span(600), "10m");
    assert_eq!(span(630), "10m 30s");
    assert_eq!(span(3600), "1h");
    assert_eq!(span(3 * 3600 + 5 * 60 + 9), "3h 5m");
}

#[test]
fn a_slot_shows_what_filled_most_of_it_unless_an_alarm_happened() {
    // Slots of 10 minutes (8 h window).
    let ev = "\
2026-04-11T00:00:00+00:00 state A to=idle
2026-04-11T00:04:00+00:00 state A to=busy
2026-04-11T00:10:00+00:00 state A to=idle
2026-04-11T00:12:00+00:00 state A to=busy
2026-04-11T00:17:00+00:00 state A to=idle
2026-04-11T00:25:00+00:00 state A to=waiting
2026-04-11T00:25:01+00:00 state A to=idle
";
    let r = report("", ev, win("2026-04-11 00:00", "2026-04-11 08:00"));
    let cells = &r.timeline.unwrap().rows[0].cells;
    // 0: busy 6m of 10 → busy; 1: busy 5m, idle 5m → tie, busy first; 2: a second of
    // waiting → waiting.
    assert_eq!(&cells[..4], "##?-");
    assert_eq!(cells.chars().count(), SLOTS);
}

#[test]
fn hostile_names_cannot_break_the_table_or_the_timeline() {
    let ev = "2026-04-11T01:00:00+00:00 state a|b```x to=busy\n";
    let coord = "## [2026-04-11 01:00] a|b```x → A\nStatus: INFO\n";
    let r = report(coord, ev, win("2026-04-11 00:00", "2026-04-11 06:00"));
    let md = render_markdown(&r);
    assert!(md.contains("| a\\|b```x |"), "{md}");
    assert!(md.contains("\na|b'''x  "), "{md}");
    // The timeline's fence is still closed by its own line only.
    assert_eq!(md.matches("\n```\n").count(), 1, "{md}");
}
