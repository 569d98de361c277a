//! The pure core of state detection: what a screen says, and how pane, screen, memory and an
//! agent's own signal combine into one [`Observation`]. No I/O here.
//!
//! Rules (also in docs/STATES-AND-DELIVERY.md):
//! - The pane decides first: no pane is `missing`, the supervisor's `@atlas_state=failed` is
//!   `failed`, an exited program is `dead`.
//! - The screen's tail (last [`TAIL_LINES`] lines) is matched against the preset in the order
//!   starting, waiting, limited, busy, idle; the first list with a match decides (a program
//!   that waits out a rate limit by itself still shows its spinner: that is `limited`).
//! - A screen that matches nothing is `busy` while it changes and `idle` once it has not
//!   changed for [`STILL`] (the stillness rule). "Not changed" is known from the screen hash
//!   and the time it was first seen, kept in pane options, and from the window's last output.
//! - A signal from the agent's hook wins over the screen while the screen is the one it was
//!   given on, for [`SIGNAL_GRACE`] after it, or while no pattern reads the screen; once
//!   the screen has changed and a pattern reads it, the screen wins. A menu (`waiting`) or a
//!   usage limit (`limited`) matched on the screen always wins, and so does a blank screen
//!   (`starting`) or a dead pane.

use std::time::Duration;

use chrono::{DateTime, Datelike, Local, NaiveTime, TimeZone};

use super::presets::Preset;
use super::{Observation, Source, State};
use crate::tmux::PaneInfo;

/// How many lines at the bottom of the screen (trailing blank lines dropped) decide.
pub const TAIL_LINES: usize = 20;

/// How long an unrecognised screen must stay unchanged to count as idle.
pub const STILL: Duration = Duration::from_secs(5);

/// How long a signal wins even when the screen has changed since it was given and reads
/// another state (a hook may run a little before or after the screen shows its change).
pub const SIGNAL_GRACE: Duration = Duration::from_secs(3);

/// Pane option: hash of the screen last seen (hex).
pub const OPT_SCREEN: &str = "@atlas_screen";
/// Pane option: when that screen was first seen (ms since the epoch).
pub const OPT_SEEN: &str = "@atlas_seen";
/// Pane option: the state last observed and since when (`STATE MS`).
pub const OPT_OBS: &str = "@atlas_obs";
/// Pane option: the agent's own signal (`STATE MS SCREENHASH`).
pub const OPT_SIGNAL: &str = "@atlas_signal";

/// The screen's lines with trailing blank lines dropped.
pub fn lines(screen: &str) -> Vec<&str> {
    let mut v: Vec<&str> = screen.lines().collect();
    while v.last().is_some_and(|l| l.trim().is_empty()) {
        v.pop();
    }
    v
}

/// The bottom of the screen that decides: the last [`TAIL_LINES`] lines (trailing blank
/// lines dropped), joined by `\n`, each line's trailing white space kept.
pub fn tail(screen: &str) -> String {
    let v = lines(screen);
    let start = v.len().saturating_sub(TAIL_LINES);
    v[start..].join("\n")
}

/// A stable hash of the visible screen (FNV-1a over its lines, trailing blanks ignored).
pub fn screen_hash(screen: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for line in lines(screen) {
        for b in line.trim_end().bytes().chain(std::iter::once(b'\n')) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// What the screen alone says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reading {
    /// The state a pattern matched; None when nothing matched.
    pub state: Option<State>,
    /// The text of the `reset` group, when a `limited` pattern captured one.
    pub reset: Option<String>,
    /// Text on the input line (None: empty, or the input line is not visible).
    pub draft: Option<String>,
    /// Whether the input pattern matched.
    pub input_visible: bool,
}

/// Read a screen with a preset.
pub fn read_screen(preset: &Preset, screen: &str) -> Reading {
    let tail = tail(screen);
    let mut r = Reading::default();
    if let Some(c) = preset
        .input
        .as_ref()
        .and_then(|input| input.captures_iter(&tail).last())
    {
        r.input_visible = true;
        r.draft = c
            .name("draft")
            .map(|m| m.as_str().trim_matches(|c: char| c.is_whitespace()))
            .filter(|d| !d.is_empty())
            .map(str::to_string);
    }
    let any = |list: &[regex::Regex]| list.iter().any(|re| re.is_match(&tail));
    if tail.trim().is_empty() || any(&preset.starting) {
        r.state = Some(State::Starting);
    } else if any(&preset.waiting) {
        r.state = Some(State::Waiting);
    } else if let Some(c) = preset.limited.iter().find_map(|re| re.captures(&tail)) {
        r.state = Some(State::Limited);
        r.reset = c
            .name("reset")
            .map(|m| m.as_str().trim().to_string())
            .filter(|s| !s.is_empty());
    } else if any(&preset.busy) {
        r.state = Some(State::Busy);
    } else if any(&preset.idle) {
        r.state = Some(State::Idle);
    }
    r
}

/// Read a pane: its screen with [`read_screen`], its title and its cursor — a title the
/// preset's `busy_title` patterns match, or a hidden cursor where the preset says
/// `busy_cursor_hidden`, means busy, unless the screen shows a menu, a limit, or a program
/// still starting.
pub fn read_pane(preset: &Preset, screen: &str, title: &str, cursor: bool) -> Reading {
    let mut r = read_screen(preset, screen);
    let decided = matches!(
        r.state,
        Some(State::Waiting | State::Limited | State::Starting)
    );
    let title_busy = preset.busy_title.iter().any(|re| re.is_match(title));
    let cursor_busy = preset.busy_cursor_hidden && !cursor;
    if !decided && (title_busy || cursor_busy) {
        r.state = Some(State::Busy);
        if cursor_busy {
            // What looks like an input line while it works is its own output.
            r.draft = None;
            r.input_visible = false;
        }
    }
    r
}

/// When a usage limit ends, from the screen's words: a clock time (`3pm`, `12:50am`,
/// `2:51 PM`, `18:44` — the next such local time), a date and time (`Dec 8, 12:49am`,
/// `Dec 9th, 2026 7:11 PM`, `Dec 8 at 3pm` — that day, the next such day when no year is
/// given), or a delay (`53s`, `4 days 6 hours 37 minutes`, `2h 30m` — from now). None when
/// the text is none of these.
pub fn parse_reset(text: &str, now: DateTime<Local>) -> Option<DateTime<Local>> {
    let t = text
        .trim()
        .trim_end_matches('.')
        .trim()
        .to_ascii_lowercase();
    // A time zone after the time ("7:50 PM UTC", "10:30pm (Europe/Paris)") is the agent's
    // own, which is atlas's too: dropped.
    let tz = regex::Regex::new(
        r"\s*(?:\([^)]*\)|\b(?:utc|gmt|z|[a-z]{2,4}[sd]?t)(?:[+-]\d{1,2}(?::?\d{2})?)?)$",
    )
    .ok()?;
    let t = if t.contains(':') || t.contains("am") || t.contains("pm") {
        tz.replace(&t, "").trim().to_string()
    } else {
        t
    };
    let dated = regex::Regex::new(
        r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s*(?:(\d{4})\s*,?\s*)?(?:at\s+)?(.+)$",
    )
    .ok()?;
    if let Some(c) = dated.captures(&t) {
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let month = MONTHS.iter().position(|m| *m == &c[1])? as u32 + 1;
        let day: u32 = c[2].parse().ok()?;
        let time = clock_time(&c[4])?;
        if let Some(y) = c.get(3) {
            let date = chrono::NaiveDate::from_ymd_opt(y.as_str().parse().ok()?, month, day)?;
            return Local.from_local_datetime(&date.and_time(time)).earliest();
        }
        for year in [now.year(), now.year() + 1] {
            if let Some(date) = chrono::NaiveDate::from_ymd_opt(year, month, day) {
                let at = Local.from_local_datetime(&date.and_time(time)).earliest();
                if let Some(at) = at.filter(|at| *at > now) {
                    return Some(at);
                }
            }
        }
        return None;
    }
    let compact = t.replace(' ', "");
    let is_clock = t.contains(':') || compact.ends_with("am") || compact.ends_with("pm");
    if is_clock {
        let time = clock_time(&t)?;
        let mut day = now.date_naive();
        for _ in 0..2 {
            let at = Local.from_local_datetime(&day.and_time(time)).earliest();
            if let Some(at) = at.filter(|at| *at > now) {
                return Some(at);
            }
            day = day.succ_opt()?;
        }
        return None;
    }
    let part = regex::Regex::new(
        r"(\d+(?:\.\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b",
    )
    .ok()?;
    let mut secs = 0.0_f64;
    let mut any = false;
    for c in part.captures_iter(&t) {
        let n: f64 = c[1].parse().ok()?;
        let unit = match &c[2] {
            u if u.starts_with('d') => 86400.0,
            u if u.starts_with('h') => 3600.0,
            u if u.starts_with('m') => 60.0,
            _ => 1.0,
        };
        secs += n * unit;
        any = true;
    }
    if !any {
        return None;
    }
    let ms = i64::try_from(Duration::from_secs_f64(secs).as_millis()).ok()?;
    // Round up to the second: "53s" means not before 53 seconds from now.
    Some(now + chrono::Duration::milliseconds(ms))
}

/// A time of day: `3pm`, `12:50am`, `2:51 PM`, `18:44`, `7:11 p.m.`.
fn clock_time(text: &str) -> Option<NaiveTime> {
    let clock = regex::Regex::new(r"^(\d{1,2})(?::(\d{2}))?\s*(?:([ap])\.?m?\.?)?$").ok()?;
    let t = text.trim();
    let compact = t.replace(' ', "");
    let c = clock.captures(t).or_else(|| clock.captures(&compact))?;
    let mut hour: u32 = c.get(1)?.as_str().parse().ok()?;
    let minute: u32 = c.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?;
    match c.get(3).map(|m| m.as_str()) {
        Some("a") if hour == 12 => hour = 0,
        Some("p") if hour < 12 => hour += 12,
        Some(_) if hour > 12 => return None,
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// A state an agent's own hook reported (`atlas signal`), as kept in `@atlas_signal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    /// The state reported.
    pub state: State,
    /// When (ms since the epoch).
    pub at_ms: i64,
    /// The screen's hash when it was reported.
    pub screen: u64,
}

impl Signal {
    /// The pane option's value: `STATE MS SCREENHASH` (hash in hex).
    pub fn encode(&self) -> String {
        format!("{} {} {:x}", self.state, self.at_ms, self.screen)
    }

    /// Read a pane option's value; None when empty or malformed.
    pub fn parse(value: &str) -> Option<Signal> {
        let mut it = value.split_whitespace();
        let state = State::parse(it.next()?)?;
        let at_ms = it.next()?.parse().ok()?;
        let screen = u64::from_str_radix(it.next()?, 16).ok()?;
        Some(Signal {
            state,
            at_ms,
            screen,
        })
    }
}

/// What atlas remembers about a pane between processes (pane options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Memory {
    /// The screen last seen (hash) and when it was first seen (ms).
    pub screen: Option<(u64, i64)>,
    /// The state last observed and since when (ms).
    pub obs: Option<(State, i64)>,
    /// The agent's own signal, if one stands.
    pub signal: Option<Signal>,
}

impl Memory {
    /// Read the pane options' values (empty when unset).
    pub fn parse(screen: &str, seen: &str, obs: &str, signal: &str) -> Memory {
        let screen = u64::from_str_radix(screen.trim(), 16)
            .ok()
            .zip(seen.trim().parse().ok());
        let obs = obs.split_once(' ').and_then(|(s, t)| {
            let s = State::parse(s)?;
            Some((s, t.trim().parse().ok()?))
        });
        Memory {
            screen,
            obs,
            signal: Signal::parse(signal),
        }
    }
}

/// One agent's pane as seen now.
#[derive(Debug, Clone)]
pub struct PaneView<'a> {
    /// What list-panes said.
    pub info: &'a PaneInfo,
    /// The visible screen.
    pub screen: &'a str,
    /// The pane's title (a program may set it: Codex puts a spinner in it while it works).
    pub title: &'a str,
    /// Whether the pane's cursor is visible (Aider hides it while it works).
    pub cursor: bool,
    /// The memory read from its options.
    pub memory: Memory,
}

/// An observation, and the pane options to write back (name, value; empty value = unset).
#[derive(Debug, Clone)]
pub struct Decision {
    /// The observation.
    pub observation: Observation,
    /// Pane options to set so the next observer remembers.
    pub updates: Vec<(String, String)>,
    /// A signal that no longer holds: remove it from `@atlas_signal`, but only if it is still
    /// this value (a hook may have set a fresh one meanwhile).
    pub expired_signal: Option<String>,
}

fn ms_to_local(ms: i64) -> Option<DateTime<Local>> {
    Local.timestamp_millis_opt(ms).single()
}

/// Decide an agent's state from its pane (None: no pane), the preset, and the time.
pub fn decide(
    agent: &str,
    window: &str,
    pane: Option<&PaneView<'_>>,
    preset: &Preset,
    now: DateTime<Local>,
) -> Decision {
    let now_ms = now.timestamp_millis();
    let Some(view) = pane else {
        return Decision {
            observation: Observation {
                agent: agent.to_string(),
                window: window.to_string(),
                pane: None,
                state: State::Missing,
                source: Source::Pane,
                since: None,
                exit_status: None,
                reset_at: None,
                draft: None,
                input_visible: false,
                in_mode: false,
                last_change: None,
                screen_hash: 0,
                pid: None,
            },
            updates: Vec::new(),
            expired_signal: None,
        };
    };
    let info = view.info;
    let mem = view.memory;
    let mut updates = Vec::new();
    let mut expired_signal = None;
    let hash = screen_hash(view.screen);

    // When the current screen was first seen. A new screen was complete by the window's
    // last output at the latest.
    let seen_ms = match mem.screen {
        Some((h, t)) if h == hash => t,
        _ => {
            let t = info
                .activity
                .map(|s| s.saturating_mul(1000))
                .filter(|a| *a <= now_ms)
                .unwrap_or(now_ms);
            updates.push((OPT_SCREEN.to_string(), format!("{hash:x}")));
            updates.push((OPT_SEEN.to_string(), t.to_string()));
            t
        }
    };

    let reading = read_pane(preset, view.screen, view.title, view.cursor);
    let mut exit_status = None;
    let (state, source) = if info.stopped {
        (State::Stopped, Source::Pane)
    } else if info.state_option == "failed" {
        (State::Failed, Source::Pane)
    } else if info.dead {
        exit_status = info
            .dead_status
            .or_else(|| info.dead_signal.map(|s| 128 + s));
        (State::Dead, Source::Pane)
    } else {
        let (mut state, mut source) = match reading.state {
            Some(s) => (s, Source::Screen),
            None => {
                let still = now_ms - seen_ms >= i64::try_from(STILL.as_millis()).unwrap_or(5000);
                (
                    if still { State::Idle } else { State::Busy },
                    Source::Stillness,
                )
            }
        };
        if let Some(sig) = mem.signal {
            let grace = i64::try_from(SIGNAL_GRACE.as_millis()).unwrap_or(10_000);
            // It holds while the screen is the one it was given on, while it is young, and
            // while the screen itself says nothing definite.
            let holds =
                hash == sig.screen || now_ms - sig.at_ms < grace || source == Source::Stillness;
            // A menu, a limit, or a program still drawing its first screen: the screen knows
            // better than a hook (Claude Code's SessionStart runs before its UI is drawn).
            let screen_is_clear = source == Source::Screen
                && matches!(state, State::Waiting | State::Limited | State::Starting);
            if holds && !screen_is_clear {
                state = sig.state;
                source = Source::Signal;
            } else if !holds {
                expired_signal = Some(sig.encode());
            }
        }
        (state, source)
    };

    // The reset time is read against the moment the limit screen was first seen, so it stays
    // put while the screen does (and a reset that has passed shows as passed).
    let reset_at = if state == State::Limited && source == Source::Screen {
        let seen = ms_to_local(seen_ms).unwrap_or(now);
        reading.reset.as_deref().and_then(|r| parse_reset(r, seen))
    } else {
        None
    };
    let since_ms = match mem.obs {
        Some((s, t)) if s == state => t,
        _ => {
            updates.push((OPT_OBS.to_string(), format!("{state} {now_ms}")));
            now_ms
        }
    };
    // A draft is read only where the input line means something: not in a menu, not in a
    // dead pane.
    let typing = !matches!(state, State::Dead | State::Failed | State::Stopped)
        && reading.state != Some(State::Waiting);
    Decision {
        observation: Observation {
            agent: agent.to_string(),
            window: window.to_string(),
            pane: Some(info.id.clone()),
            state,
            source,
            since: ms_to_local(since_ms),
            exit_status,
            reset_at,
            draft: if typing { reading.draft } else { None },
            input_visible: typing && reading.input_visible,
            in_mode: info.in_mode,
            last_change: ms_to_local(seen_ms),
            screen_hash: hash,
            pid: info.pid,
        },
        updates,
        expired_signal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Local> {
        Local
            .from_local_datetime(
                &chrono::NaiveDate::from_ymd_opt(2026, 4, 11)
                    .unwrap()
                    .and_hms_opt(h, m, 0)
                    .unwrap(),
            )
            .earliest()
            .unwrap()
    }

    fn pane(dead: bool, activity: Option<i64>) -> PaneInfo {
        PaneInfo {
            id: "%1".into(),
            window_id: "@1".into(),
            window: "w".into(),
            agent: "A".into(),
            dead,
            dead_status: dead.then_some(3),
            dead_signal: None,
            pid: Some(1),
            in_mode: false,
            activity,
            state_option: String::new(),
            stopped: false,
            session: "s".into(),
            config: String::new(),
        }
    }

    #[test]
    fn tail_drops_trailing_blank_lines_and_keeps_the_bottom() {
        let screen: String =
            (0..30).map(|i| format!("line {i}\n")).collect::<String>() + "\n\n  \n";
        let t = tail(&screen);
        assert!(t.starts_with("line 10\n"));
        assert!(t.ends_with("line 29"));
    }

    #[test]
    fn hash_ignores_trailing_blanks() {
        assert_eq!(screen_hash("a\nb  \n\n"), screen_hash("a\nb"));
        assert_ne!(screen_hash("a\nb"), screen_hash("a\nc"));
    }

    #[test]
    fn reset_clock_times() {
        let now = at(10, 0);
        assert_eq!(parse_reset("3pm", now), Some(at(15, 0)));
        assert_eq!(parse_reset("2:51 PM", now), Some(at(14, 51)));
        assert_eq!(parse_reset("10:30", now), Some(at(10, 30)));
        assert_eq!(
            parse_reset("12:50am", now).unwrap(),
            at(0, 50) + chrono::Duration::days(1)
        );
        assert_eq!(
            parse_reset("9am", now).unwrap(),
            at(9, 0) + chrono::Duration::days(1)
        );
        assert_eq!(parse_reset("12pm", now), Some(at(12, 0)));
        assert_eq!(parse_reset("soon", now), None);
        assert_eq!(parse_reset("13pm", now), None);
    }

    #[test]
    fn reset_dates_and_times() {
        let now = at(10, 0); // 2026-04-11
        let on = |y, mo, d, h, mi| {
            Local
                .from_local_datetime(
                    &chrono::NaiveDate::from_ymd_opt(y, mo, d)
                        .unwrap()
                        .and_hms_opt(h, mi, 0)
                        .unwrap(),
                )
                .earliest()
                .unwrap()
        };
        // Claude Code: "resets Dec 8, 12:49am"; Codex: "try again at Dec 9th, 2026 7:11 PM".
        assert_eq!(
            parse_reset("Dec 8, 12:49am", now),
            Some(on(2026, 12, 8, 0, 49))
        );
        assert_eq!(
            parse_reset("Dec 9th, 2026 7:11 PM", now),
            Some(on(2026, 12, 9, 19, 11))
        );
        assert_eq!(
            parse_reset("Apr 11 at 3pm", now),
            Some(on(2026, 4, 11, 15, 0))
        );
        // A date already past this year is next year's.
        assert_eq!(parse_reset("Jan 2, 9:00", now), Some(on(2027, 1, 2, 9, 0)));
        assert_eq!(parse_reset("Feb 30, 9am", now), None);
        // Gemini CLI: "Access resets at 7:50 PM UTC."; Claude Code: "(Europe/Paris)".
        assert_eq!(parse_reset("7:50 PM UTC", now), Some(at(19, 50)));
        assert_eq!(parse_reset("10:30pm (Europe/Paris)", now), Some(at(22, 30)));
        assert_eq!(
            parse_reset("Dec 8, 12:49am (UTC)", now),
            Some(on(2026, 12, 8, 0, 49))
        );
        assert_eq!(parse_reset("Dec 8, later", now), None);
    }

    #[test]
    fn reset_delays() {
        let now = at(10, 0);
        assert_eq!(
            parse_reset("53s", now),
            Some(now + chrono::Duration::seconds(53))
        );
        assert_eq!(
            parse_reset("4 days 6 hours 37 minutes", now),
            Some(now + chrono::Duration::minutes(4 * 1440 + 6 * 60 + 37))
        );
        assert_eq!(parse_reset("2h 30m", now), Some(at(12, 30)));
    }

    #[test]
    fn signal_round_trips() {
        let s = Signal {
            state: State::Idle,
            at_ms: 123,
            screen: 0xabc,
        };
        assert_eq!(Signal::parse(&s.encode()), Some(s));
        assert_eq!(Signal::parse(""), None);
        assert_eq!(Signal::parse("bogus 1 2"), None);
    }

    #[test]
    fn unknown_screen_is_busy_while_changing_and_idle_when_still() {
        let preset = Preset::builtin("shell").unwrap();
        let now = at(10, 0);
        let info = pane(false, Some(now.timestamp()));
        let screen = "compiling stuff 42%";
        let view = PaneView {
            info: &info,
            screen,
            title: "",
            cursor: true,
            memory: Memory::default(),
        };
        let d = decide("A", "w", Some(&view), &preset, now);
        assert_eq!(d.observation.state, State::Busy);
        assert_eq!(d.observation.source, Source::Stillness);
        // Same screen, first seen 6 s ago: idle.
        let mem = Memory {
            screen: Some((screen_hash(screen), now.timestamp_millis() - 6000)),
            ..Memory::default()
        };
        let view = PaneView {
            info: &info,
            screen,
            title: "",
            cursor: true,
            memory: mem,
        };
        assert_eq!(
            decide("A", "w", Some(&view), &preset, now)
                .observation
                .state,
            State::Idle
        );
        // A new screen, but the window has had no output for a minute: idle.
        let quiet = pane(false, Some(now.timestamp() - 60));
        let view = PaneView {
            info: &quiet,
            screen: "other",
            title: "",
            cursor: true,
            memory: mem,
        };
        assert_eq!(
            decide("A", "w", Some(&view), &preset, now)
                .observation
                .state,
            State::Idle
        );
    }

    #[test]
    fn signal_wins_until_the_screen_changes_for_long() {
        let preset = Preset::builtin("demo").unwrap();
        let now = at(10, 0);
        let info = pane(false, Some(now.timestamp()));
        let screen = "demo> ";
        let sig = Signal {
            state: State::Busy,
            at_ms: now.timestamp_millis() - 60_000,
            screen: screen_hash(screen),
        };
        let mem = Memory {
            signal: Some(sig),
            ..Memory::default()
        };
        let view = PaneView {
            info: &info,
            screen,
            title: "",
            cursor: true,
            memory: mem,
        };
        let d = decide("A", "w", Some(&view), &preset, now);
        assert_eq!(d.observation.state, State::Busy);
        assert_eq!(d.observation.source, Source::Signal);
        // The screen changed and the grace is over: the screen decides, the signal goes.
        let view = PaneView {
            info: &info,
            screen: "demo> x\ndemo> ",
            title: "",
            cursor: true,
            memory: mem,
        };
        let d = decide("A", "w", Some(&view), &preset, now);
        assert_eq!(d.observation.state, State::Idle);
        assert_eq!(d.expired_signal, Some(sig.encode()));
        // A menu on the screen always wins.
        let menu = "Do you want to proceed?\n❯ 1. Yes\n  2. No";
        let mem = Memory {
            signal: Some(Signal {
                screen: screen_hash(menu),
                ..sig
            }),
            ..Memory::default()
        };
        let view = PaneView {
            info: &info,
            screen: menu,
            title: "",
            cursor: true,
            memory: mem,
        };
        assert_eq!(
            decide("A", "w", Some(&view), &preset, now)
                .observation
                .state,
            State::Waiting
        );
    }

    #[test]
    fn reset_time_is_read_from_when_the_limit_was_first_seen() {
        let preset = Preset::builtin("demo").unwrap();
        let screen = "> x\nUsage limit reached · resets 09:30\ndemo> ";
        let info = pane(false, Some(at(9, 0).timestamp()));
        let mem = Memory {
            screen: Some((screen_hash(screen), at(9, 0).timestamp_millis())),
            ..Memory::default()
        };
        let view = PaneView {
            info: &info,
            screen,
            title: "",
            cursor: true,
            memory: mem,
        };
        let d = decide("A", "w", Some(&view), &preset, at(10, 0));
        assert_eq!(d.observation.state, State::Limited);
        assert_eq!(
            d.observation.reset_at,
            Some(at(9, 30)),
            "passed, not tomorrow"
        );
    }

    #[test]
    fn dead_and_missing() {
        let preset = Preset::builtin("demo").unwrap();
        let now = at(10, 0);
        let d = decide("A", "w", None, &preset, now);
        assert_eq!(d.observation.state, State::Missing);
        assert!(d.observation.pane.is_none());
        let info = pane(true, None);
        let view = PaneView {
            info: &info,
            screen: "demo> ",
            title: "",
            cursor: true,
            memory: Memory::default(),
        };
        let d = decide("A", "w", Some(&view), &preset, now);
        assert_eq!(d.observation.state, State::Dead);
        assert_eq!(d.observation.exit_status, Some(3));
    }

    #[test]
    fn since_is_kept_while_the_state_stays() {
        let preset = Preset::builtin("demo").unwrap();
        let now = at(10, 0);
        let info = pane(false, Some(now.timestamp()));
        let mem = Memory {
            obs: Some((State::Idle, now.timestamp_millis() - 5000)),
            ..Memory::default()
        };
        let view = PaneView {
            info: &info,
            screen: "demo> ",
            title: "",
            cursor: true,
            memory: mem,
        };
        let d = decide("A", "w", Some(&view), &preset, now);
        assert_eq!(
            d.observation.since.unwrap().timestamp_millis(),
            now.timestamp_millis() - 5000
        );
        assert!(!d.updates.iter().any(|(k, _)| k == OPT_OBS));
    }
}
