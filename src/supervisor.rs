//! The supervisor's decisions (DESIGN §4), pure: what to do about a dead agent, when to
//! restart it, when to tell a limited agent to continue, when the morning report is due,
//! and the little memory that makes a restarted supervisor repeat nothing it already did.
//!
//! The loop that reads screens and files and acts on these decisions is
//! [`crate::cmd::watch`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::config::{RestartPolicy, Supervisor};

/// The memory file's name inside the logs folder.
pub const MEMORY_FILE: &str = ".supervisor.json";

/// The file (in the logs folder) where a running supervisor keeps the agents-down and
/// agents-waiting counts, so `atlas status` need not ask tmux: `PID:START DOWN WAITING`
/// (START: when that process started, from `/proc/PID/stat`, so that a pid the system has
/// since given to another program is not taken for the supervisor; a bare `PID` is read
/// too).
pub const COUNTS_FILE: &str = ".supervisor-counts";

/// When process `pid` started (clock ticks since boot, `/proc/PID/stat` field 22).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `PID (COMM) STATE …`: COMM may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Write the counts file (atomically).
pub fn write_counts(logs: &Path, down: usize, waiting: usize) -> std::io::Result<()> {
    let path = logs.join(COUNTS_FILE);
    let tmp = logs.join(format!("{COUNTS_FILE}.tmp"));
    let pid = std::process::id();
    let started = start_time(pid).unwrap_or(0);
    std::fs::write(&tmp, format!("{pid}:{started} {down} {waiting}\n"))?;
    std::fs::rename(tmp, path)
}

/// Remove the counts file (the team stopped; a supervisor that lingers must not speak for
/// it).
pub fn remove_counts(logs: &Path) {
    let _ = std::fs::remove_file(logs.join(COUNTS_FILE));
}

/// The counts a live supervisor keeps, or None when there is no file or its supervisor is
/// gone.
pub fn read_counts(logs: &Path) -> Option<(usize, usize)> {
    let text = std::fs::read_to_string(logs.join(COUNTS_FILE)).ok()?;
    let mut words = text.split_whitespace();
    let (pid, started) = match words.next()?.split_once(':') {
        Some((pid, start)) => (pid.parse::<u32>().ok()?, Some(start.parse::<u64>().ok()?)),
        None => (text.split_whitespace().next()?.parse::<u32>().ok()?, None),
    };
    let down = words.next()?.parse().ok()?;
    let waiting = words.next()?.parse().ok()?;
    let alive = match (started, start_time(pid)) {
        (_, None) => false,
        // The process that wrote the file, not a later one with its pid.
        (Some(s), Some(now)) => s == 0 || s == now,
        (None, Some(_)) => true,
    };
    alive.then_some((down, waiting))
}

/// What to do about an agent found dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeathAction {
    /// Restart it with its resume command after this delay.
    Restart(Duration),
    /// It crashed too often: mark it `failed` and tell the operator.
    Fail,
    /// Its policy says leave it dead.
    Leave,
}

/// Decide about a death. `status` is the exit status (None when tmux does not know it yet,
/// counted as a failure); `recent` is how many deaths of this agent fall within the restart
/// window, this one included.
pub fn on_death(
    policy: RestartPolicy,
    status: Option<i32>,
    recent: usize,
    cfg: &Supervisor,
) -> DeathAction {
    let failure = status != Some(0);
    match policy {
        RestartPolicy::Never => return DeathAction::Leave,
        RestartPolicy::OnFailure if !failure => return DeathAction::Leave,
        _ => {}
    }
    if recent >= cfg.max_restarts.max(1) as usize {
        return DeathAction::Fail;
    }
    DeathAction::Restart(backoff(recent, cfg.backoff_max))
}

/// The delay before restarting after the `n`-th recent death: 0 for the first, then 1s,
/// 2s, 4s … up to `max`.
pub fn backoff(n: usize, max: Duration) -> Duration {
    if n <= 1 {
        return Duration::ZERO;
    }
    let secs = 1u64 << (n - 2).min(20);
    Duration::from_secs(secs).min(max)
}

/// When a limited agent should be told to continue: shortly after its reset time, or
/// `limit_retry` after the limit was first seen when the time is unknown.
pub fn limit_due(
    reset_at: Option<DateTime<Local>>,
    seen: DateTime<Local>,
    cfg: &Supervisor,
) -> DateTime<Local> {
    match reset_at {
        Some(t) => t + chrono::Duration::from_std(cfg.limit_grace).unwrap_or_default(),
        None => seen + chrono::Duration::from_std(cfg.limit_retry).unwrap_or_default(),
    }
}

/// Whether the morning report is due now: `report_at` has passed today and no report was
/// written for today.
pub fn report_due(
    now: DateTime<Local>,
    report_at: Option<(u32, u32)>,
    last: Option<NaiveDate>,
) -> bool {
    let Some((h, m)) = report_at else {
        return false;
    };
    let Some(at) = NaiveTime::from_hms_opt(h, m, 0) else {
        return false;
    };
    let today = now.date_naive();
    let Some(due) = Local.from_local_datetime(&today.and_time(at)).earliest() else {
        return false;
    };
    now >= due && last != Some(today)
}

/// Fill `{name}` placeholders of a template; unknown ones are kept as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// What the supervisor remembers across its own restarts (kept as JSON in the logs folder).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// Inbox entries already woken for, as `agent` → entry keys.
    #[serde(default)]
    pub woken: BTreeMap<String, BTreeSet<String>>,
    /// Recent deaths per agent (Unix seconds), pruned to the restart window.
    #[serde(default)]
    pub deaths: BTreeMap<String, Vec<i64>>,
    /// The last death handled per agent (`pane:pid`), so one death is counted once.
    #[serde(default)]
    pub handled: BTreeMap<String, String>,
    /// Restarts scheduled (agent → Unix milliseconds when due).
    #[serde(default)]
    pub restart_at: BTreeMap<String, i64>,
    /// Agents restarted that still get their brief once idle.
    #[serde(default)]
    pub brief: BTreeSet<String>,
    /// Agents marked failed.
    #[serde(default)]
    pub failed: BTreeSet<String>,
    /// Usage limits: agent → (first seen, due, Unix seconds).
    #[serde(default)]
    pub limits: BTreeMap<String, (i64, i64)>,
    /// The last state seen per agent (for `state` events).
    #[serde(default)]
    pub states: BTreeMap<String, String>,
    /// The day of the last morning report.
    #[serde(default)]
    pub last_report: Option<NaiveDate>,
    /// Deliveries under way (agent → kind and what), written before anything is typed and
    /// removed when the outcome is known.
    #[serde(default)]
    pub pending: BTreeMap<String, (String, String)>,
    /// The full text of each delivery under way (to recognise it, typed but not submitted,
    /// in the agent's input line after a supervisor restart).
    #[serde(default)]
    pub pending_text: BTreeMap<String, String>,
    /// The run of the team this memory belongs to: the session's `@atlas_up` (when `atlas up`
    /// created the session).
    #[serde(default)]
    pub run: Option<String>,
}

/// Whether a draft seen on an agent's input line is (the visible end of) `text` — a
/// delivery of ours that was typed but never submitted. The draft may be shown cut at the
/// start (`…`); short drafts never match.
pub fn draft_is_ours(draft: &str, text: &str) -> bool {
    let visible = draft.trim().trim_start_matches('…').trim();
    visible.chars().count() >= 20 && text.trim_end().ends_with(visible)
}

impl Memory {
    /// Read the memory (empty when missing or unreadable).
    pub fn load(path: &Path) -> Memory {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Write the memory atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(tmp, path)
    }

    /// Record a death at `now` (Unix seconds) and return how many fall within `window` and
    /// after `epoch` (Unix seconds: when the agent's current run began — the operator's
    /// restart starts a fresh count).
    pub fn record_death(&mut self, agent: &str, now: i64, window: Duration, epoch: i64) -> usize {
        let list = self.deaths.entry(agent.to_string()).or_default();
        let since = (now - window.as_secs() as i64).max(epoch);
        list.retain(|t| *t >= since);
        list.push(now);
        list.len()
    }

    /// Begin a new run of the team (a fresh `atlas up`): forget everything about the last
    /// run's agents — crashes, restarts, briefs, failures, limits, states, deliveries — and
    /// keep what must never be repeated (wakes already sent, the day of the last report).
    pub fn new_run(&mut self, run: &str) {
        *self = Memory {
            woken: std::mem::take(&mut self.woken),
            last_report: self.last_report,
            run: Some(run.to_string()),
            ..Memory::default()
        };
    }

    /// Whether an entry was already woken for.
    pub fn was_woken(&self, agent: &str, key: &str) -> bool {
        self.woken.get(agent).is_some_and(|s| s.contains(key))
    }

    /// Remember a wake.
    pub fn mark_woken(&mut self, agent: &str, key: &str) {
        self.woken
            .entry(agent.to_string())
            .or_default()
            .insert(key.to_string());
    }

    /// Forget a wake (the delivery was refused before anything was typed).
    pub fn unmark_woken(&mut self, agent: &str, key: &str) {
        if let Some(s) = self.woken.get_mut(agent) {
            s.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Supervisor {
        Supervisor::default()
    }

    #[test]
    fn policies_decide_restarts() {
        let c = cfg();
        assert_eq!(
            on_death(RestartPolicy::Never, Some(1), 1, &c),
            DeathAction::Leave
        );
        assert_eq!(
            on_death(RestartPolicy::OnFailure, Some(0), 1, &c),
            DeathAction::Leave
        );
        assert_eq!(
            on_death(RestartPolicy::OnFailure, Some(1), 1, &c),
            DeathAction::Restart(Duration::ZERO)
        );
        assert_eq!(
            on_death(RestartPolicy::OnFailure, None, 1, &c),
            DeathAction::Restart(Duration::ZERO),
            "an unknown status counts as a failure"
        );
        assert_eq!(
            on_death(RestartPolicy::Always, Some(0), 2, &c),
            DeathAction::Restart(Duration::from_secs(1))
        );
    }

    #[test]
    fn too_many_crashes_fail() {
        let c = cfg();
        assert_eq!(c.max_restarts, 5);
        assert!(matches!(
            on_death(RestartPolicy::Always, Some(1), 4, &c),
            DeathAction::Restart(_)
        ));
        assert_eq!(
            on_death(RestartPolicy::Always, Some(1), 5, &c),
            DeathAction::Fail
        );
    }

    #[test]
    fn backoff_grows_from_zero_to_the_cap() {
        let max = Duration::from_secs(30);
        let got: Vec<u64> = (1..=8).map(|n| backoff(n, max).as_secs()).collect();
        assert_eq!(got, [0, 1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn deaths_outside_the_window_are_forgotten() {
        let mut m = Memory::default();
        let w = Duration::from_secs(600);
        assert_eq!(m.record_death("A", 1000, w, 0), 1);
        assert_eq!(m.record_death("A", 1100, w, 0), 2);
        assert_eq!(
            m.record_death("A", 1700, w, 0),
            2,
            "the death at 1000 is out of the window"
        );
        assert_eq!(m.record_death("B", 1700, w, 0), 1);
        // The operator restarted A at 1750: its count starts again.
        assert_eq!(m.record_death("A", 1800, w, 1750), 1);
    }

    #[test]
    fn a_new_run_forgets_the_last_runs_agents_but_not_its_wakes() {
        let mut m = Memory::default();
        m.mark_woken("A", "k");
        m.record_death("A", 5, Duration::from_secs(60), 0);
        m.brief.insert("A".into());
        m.failed.insert("B".into());
        m.last_report = NaiveDate::from_ymd_opt(2026, 4, 11);
        m.new_run("123");
        assert!(m.was_woken("A", "k"));
        assert!(m.deaths.is_empty() && m.brief.is_empty() && m.failed.is_empty());
        assert_eq!(m.last_report, NaiveDate::from_ymd_opt(2026, 4, 11));
        assert_eq!(m.run.as_deref(), Some("123"));
    }

    #[test]
    fn limits_are_due_after_the_reset_or_the_retry() {
        let c = cfg();
        let seen = Local.with_ymd_and_hms(2026, 4, 11, 1, 0, 0).unwrap();
        let reset = Local.with_ymd_and_hms(2026, 4, 11, 3, 0, 0).unwrap();
        assert_eq!(
            limit_due(Some(reset), seen, &c),
            reset + chrono::Duration::seconds(60)
        );
        assert_eq!(
            limit_due(None, seen, &c),
            seen + chrono::Duration::minutes(15)
        );
    }

    #[test]
    fn the_report_is_due_once_a_day_after_its_time() {
        let at = Some((5, 0));
        let before = Local.with_ymd_and_hms(2026, 4, 11, 4, 59, 0).unwrap();
        let after = Local.with_ymd_and_hms(2026, 4, 11, 5, 0, 0).unwrap();
        assert!(!report_due(before, at, None));
        assert!(report_due(after, at, None));
        assert!(!report_due(after, at, Some(after.date_naive())));
        assert!(!report_due(after, None, None));
    }

    #[test]
    fn templates_fill_known_placeholders() {
        assert_eq!(
            fill(
                "wake {agent}: {id} {unknown}",
                &[("agent", "A"), ("id", "[x]")]
            ),
            "wake A: [x] {unknown}"
        );
    }

    #[test]
    fn counts_are_read_only_while_their_supervisor_lives() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(read_counts(d.path()), None);
        write_counts(d.path(), 2, 1).unwrap();
        assert_eq!(read_counts(d.path()), Some((2, 1)));
        // A pid that cannot exist: the supervisor is gone.
        std::fs::write(d.path().join(COUNTS_FILE), "4294967295 2 1\n").unwrap();
        assert_eq!(read_counts(d.path()), None);
        // A live pid that started at another time: not the supervisor that wrote it.
        let me = std::process::id();
        std::fs::write(d.path().join(COUNTS_FILE), format!("{me}:1 2 1\n")).unwrap();
        assert_eq!(read_counts(d.path()), None);
        write_counts(d.path(), 0, 0).unwrap();
        assert_eq!(read_counts(d.path()), Some((0, 0)));
        remove_counts(d.path());
        assert_eq!(read_counts(d.path()), None);
    }

    #[test]
    fn only_our_own_typed_text_counts_as_ours() {
        let text = "write 3 captions (handoff [x] from A). When done, answer with: atlas handoff";
        assert!(draft_is_ours(
            "…When done, answer with: atlas handoff",
            text
        ));
        assert!(draft_is_ours(text, text));
        assert!(!draft_is_ours("…answer with: atlas handoff --force", text));
        assert!(
            !draft_is_ours("atlas handoff", text),
            "too short to be sure"
        );
        assert!(!draft_is_ours("something the operator typed here", text));
    }

    #[test]
    fn memory_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(MEMORY_FILE);
        let mut m = Memory::default();
        m.mark_woken("A", "k1");
        m.record_death("B", 5, Duration::from_secs(60), 0);
        m.save(&p).unwrap();
        let back = Memory::load(&p);
        assert_eq!(back, m);
        assert!(back.was_woken("A", "k1"));
        assert!(!back.was_woken("A", "k2"));
    }
}
