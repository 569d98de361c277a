//! The morning report (DESIGN §3, `atlas report`): everything that happened in a window of
//! time, made from the coordination file, `logs/events.log` and the work queues — without
//! a single model token.
//!
//! This is the pure core. A [`Builder`] takes the inputs as a stream (entries straight
//! from the coordination [`Reader`](crate::coord::Reader), events line by line, queues)
//! and keeps only what the report shows: the rules [`Board`], per-name counters, the
//! entries of the window it lists and the state changes of the window. [`Builder::finish`]
//! makes the [`Report`]; [`render_markdown`] writes it for people, serde for `--json`.
//! [`Report::build`] does the whole thing over texts held in memory (tests, small files).
//!
//! The report is deterministic: it depends only on the inputs and the [`Window`] it is
//! given — it never looks at the clock. In particular:
//! - The window is `[from, to)`: an entry or event exactly at `from` is in it, one exactly
//!   at `to` is not.
//! - Entries are placed by their header's timestamp (local wall-clock time). Entries dated
//!   at or after `to` are ignored altogether, as if not written yet, so a report over a
//!   past window reads the same however much the file has grown since.
//! - Events are placed by the wall-clock time written in the log (their own offset), the
//!   same clock the coordination file uses; events at or after `to` are ignored.
//! - An agent's state "now" is its state at the end of the window: the last `state` event
//!   for it before `to` (the latest time; for equal times the later line). It is never read
//!   from tmux, which would make the report depend on when it is run.
//! - Everything is listed in a total order (file order, time then line, team order).

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;

use crate::coord::{Board, Entry, EntryView, Event as CoordEvent, Malformed, Reader, Status};
use crate::events;
use crate::queue::{ItemState, Queue};

mod render;
#[cfg(test)]
mod tests;

pub use render::render_markdown;

/// How many characters a timeline row has.
pub const SLOTS: usize = 48;

/// How long a default window is when there is no earlier report.
pub const DEFAULT_HOURS: i64 = 12;

/// The format of times the report writes in full.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The first line of a report file starts with this; it records the report's window so
/// the next report can start where this one ended.
pub const MARKER: &str = "<!-- atlas report window:";

/// The stretch of time a report covers: `from` included, `to` excluded (local wall-clock
/// time, whole seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The start (included).
    #[serde(serialize_with = "ser_time")]
    pub from: NaiveDateTime,
    /// The end (excluded).
    #[serde(serialize_with = "ser_time")]
    pub to: NaiveDateTime,
}

impl Window {
    /// A window; `None` unless `from` is before `to`.
    pub fn new(from: NaiveDateTime, to: NaiveDateTime) -> Option<Window> {
        (from < to).then_some(Window { from, to })
    }

    /// Whether `t` lies in the window (`from <= t < to`).
    pub fn contains(&self, t: NaiveDateTime) -> bool {
        self.from <= t && t < self.to
    }

    /// The window's length in seconds.
    pub fn seconds(&self) -> i64 {
        (self.to - self.from).num_seconds()
    }

    /// The first line of a report file: `<!-- atlas report window: FROM .. TO -->`.
    pub fn marker(&self) -> String {
        format!(
            "{MARKER} {} .. {} -->",
            self.from.format(TIME_FORMAT),
            self.to.format(TIME_FORMAT)
        )
    }

    /// The window recorded in a report's first line (see [`Window::marker`]).
    pub fn from_marker(line: &str) -> Option<Window> {
        let rest = line.trim().strip_prefix(MARKER)?.strip_suffix("-->")?;
        let (from, to) = rest.trim().split_once(" .. ")?;
        let from = NaiveDateTime::parse_from_str(from.trim(), TIME_FORMAT).ok()?;
        let to = NaiveDateTime::parse_from_str(to.trim(), TIME_FORMAT).ok()?;
        Window::new(from, to)
    }

    /// The default window ending at `to`: from the end of the last report (`last_end`)
    /// when that is before `to`, else the last [`DEFAULT_HOURS`] hours.
    pub fn since_last(last_end: Option<NaiveDateTime>, to: NaiveDateTime) -> Window {
        match last_end {
            Some(from) if from < to => Window { from, to },
            _ => Window {
                from: to - TimeDelta::hours(DEFAULT_HOURS),
                to,
            },
        }
    }
}

fn ser_time<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format(TIME_FORMAT))
}

fn ser_opt_time<S: serde::Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(&t.format(TIME_FORMAT)),
        None => s.serialize_none(),
    }
}

/// What an agent was doing, as the report tells it (from `state` events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Working.
    Busy,
    /// Ready for a directive.
    Idle,
    /// Asking the operator something.
    Waiting,
    /// Hit a usage limit.
    Limited,
    /// Exited.
    Dead,
    /// Crashed too often; no longer restarted.
    Failed,
    /// Starting.
    Starting,
    /// No pane.
    Missing,
    /// Stopped by the operator (`atlas stop`).
    Stopped,
    /// The events log does not say (no event for the agent yet, or a state the report does
    /// not know).
    Unknown,
}

impl Activity {
    /// Every activity, in the order the report lists them.
    pub const ALL: [Activity; 10] = [
        Activity::Busy,
        Activity::Idle,
        Activity::Waiting,
        Activity::Limited,
        Activity::Dead,
        Activity::Failed,
        Activity::Starting,
        Activity::Missing,
        Activity::Stopped,
        Activity::Unknown,
    ];

    /// The word (as in `state` events and `atlas ls`).
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Busy => "busy",
            Activity::Idle => "idle",
            Activity::Waiting => "waiting",
            Activity::Limited => "limited",
            Activity::Dead => "dead",
            Activity::Failed => "failed",
            Activity::Starting => "starting",
            Activity::Missing => "missing",
            Activity::Stopped => "stopped",
            Activity::Unknown => "unknown",
        }
    }

    /// The activity a `state` event's `to=` names (anything else is unknown).
    pub fn parse(word: &str) -> Activity {
        Activity::ALL
            .into_iter()
            .find(|a| a.as_str() == word)
            .unwrap_or(Activity::Unknown)
    }

    /// Its character in the timeline.
    pub fn symbol(self) -> char {
        match self {
            Activity::Busy => '#',
            Activity::Idle => '-',
            Activity::Waiting => '?',
            Activity::Limited => '~',
            Activity::Dead => 'x',
            Activity::Failed => 'X',
            Activity::Starting => '+',
            Activity::Missing => '_',
            Activity::Stopped => '=',
            Activity::Unknown => '.',
        }
    }

    /// The states that show in a timeline slot as soon as they happen in it at all, most
    /// urgent first; the other states show only when they fill most of the slot.
    const ALARMS: [Activity; 4] = [
        Activity::Failed,
        Activity::Dead,
        Activity::Waiting,
        Activity::Limited,
    ];
}

/// One entry as the report lists it (the keys of `atlas inbox --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryItem {
    /// The header text after `## `.
    pub id: String,
    /// The header's line number.
    pub line: usize,
    /// The timestamp as written.
    pub time: String,
    /// The sender.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// `Status:` as written.
    pub status: Option<String>,
    /// `Task:`.
    pub task: Option<String>,
    /// `Output:` paths.
    pub output: Vec<String>,
    /// `Notes:`.
    pub notes: Option<String>,
    /// `Re:`.
    pub re: Option<String>,
}

impl From<&Entry> for EntryItem {
    fn from(e: &Entry) -> Self {
        EntryItem {
            id: e.id.clone(),
            line: e.line,
            time: e.time_text().to_string(),
            from: e.from.clone(),
            to: e.to.clone(),
            status: e.status.clone(),
            task: e.task.clone(),
            output: e.output.clone(),
            notes: e.notes.clone(),
            re: e.re.clone(),
        }
    }
}

impl From<&EntryView<'_>> for EntryItem {
    fn from(e: &EntryView<'_>) -> Self {
        EntryItem::from(&e.to_entry())
    }
}

/// An agent that needs the operator now (at the window's end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentAlert {
    /// The agent.
    pub agent: String,
    /// `failed`, `waiting` or `limited`.
    pub state: Activity,
    /// When it entered that state.
    #[serde(serialize_with = "ser_time")]
    pub since: NaiveDateTime,
    /// The `state` event's details other than `to`/`from` (e.g. `reset`), in order.
    pub detail: Vec<(String, String)>,
}

/// The "Needs your attention" section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attention {
    /// The operator's inbox plus every BLOCKED or FAILED entry still in someone's inbox,
    /// at the window's end, oldest first (file order).
    pub entries: Vec<EntryItem>,
    /// Agents `failed`, `waiting` or `limited` at the window's end, in team order.
    pub agents: Vec<AgentAlert>,
}

/// One `Output:` path of produced work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputPath {
    /// The path as written.
    pub path: String,
    /// Whether it exists (relative paths resolve against the config's folder).
    pub exists: bool,
}

/// A DONE or APPROVED entry of the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Produced {
    /// The entry.
    #[serde(flatten)]
    pub entry: EntryItem,
    /// Its output paths, each checked.
    pub outputs: Vec<OutputPath>,
}

/// A BLOCKED or FAILED entry of the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trouble {
    /// The entry.
    #[serde(flatten)]
    pub entry: EntryItem,
    /// Whether it was still unanswered at the window's end.
    pub open: bool,
}

/// An agent the supervisor gave up on in the window (a `failed` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Giveup {
    /// The agent.
    pub agent: String,
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub time: NaiveDateTime,
}

/// The "Failed or blocked" section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Failures {
    /// BLOCKED and FAILED entries of the window, in file order.
    pub entries: Vec<Trouble>,
    /// Agents that crashed too often in the window (`failed` events), by time.
    pub agents: Vec<Giveup>,
}

/// Seconds spent in each state within the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TimeInState {
    /// Busy.
    pub busy: i64,
    /// Idle.
    pub idle: i64,
    /// Waiting.
    pub waiting: i64,
    /// Limited.
    pub limited: i64,
    /// Dead.
    pub dead: i64,
    /// Failed.
    pub failed: i64,
    /// Starting.
    pub starting: i64,
    /// Missing.
    pub missing: i64,
    /// Stopped by the operator.
    pub stopped: i64,
    /// Not known.
    pub unknown: i64,
}

impl TimeInState {
    /// The seconds of one state.
    pub fn get(&self, a: Activity) -> i64 {
        match a {
            Activity::Busy => self.busy,
            Activity::Idle => self.idle,
            Activity::Waiting => self.waiting,
            Activity::Limited => self.limited,
            Activity::Dead => self.dead,
            Activity::Failed => self.failed,
            Activity::Starting => self.starting,
            Activity::Missing => self.missing,
            Activity::Stopped => self.stopped,
            Activity::Unknown => self.unknown,
        }
    }

    fn add(&mut self, a: Activity, secs: i64) {
        let slot = match a {
            Activity::Busy => &mut self.busy,
            Activity::Idle => &mut self.idle,
            Activity::Waiting => &mut self.waiting,
            Activity::Limited => &mut self.limited,
            Activity::Dead => &mut self.dead,
            Activity::Failed => &mut self.failed,
            Activity::Starting => &mut self.starting,
            Activity::Missing => &mut self.missing,
            Activity::Stopped => &mut self.stopped,
            Activity::Unknown => &mut self.unknown,
        };
        *slot += secs;
    }
}

/// One row of the "Per agent" section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRow {
    /// The agent (team agents in team order, then other names in the file, sorted).
    pub name: String,
    /// Entries it wrote in the window.
    pub written: usize,
    /// Entries addressed to it in the window.
    pub received: usize,
    /// `restart` events in the window.
    pub restarts: usize,
    /// `death` events in the window (crashes and exits).
    pub crashes: usize,
    /// `failed` events in the window.
    pub failed: usize,
    /// Seconds in each state within the window; `null` when no `state` event tells.
    pub time_in_state: Option<TimeInState>,
    /// Its state at the window's end (`null` when unknown).
    pub state: Option<Activity>,
    /// Since when (`null` when unknown).
    #[serde(serialize_with = "ser_opt_time")]
    pub since: Option<NaiveDateTime>,
    /// Its inbox at the window's end.
    pub inbox: usize,
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineRow {
    /// The agent.
    pub agent: String,
    /// One character per slot (see [`Activity::symbol`]).
    pub cells: String,
}

/// One state's character in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Legend {
    /// The state.
    pub state: Activity,
    /// Its character.
    pub symbol: char,
}

/// The "Timeline" section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// The number of slots.
    pub slots: usize,
    /// Each slot's length in seconds (the window / [`SLOTS`]).
    pub slot_seconds: f64,
    /// The character of each state, in the order of [`Activity::ALL`].
    pub legend: Vec<Legend>,
    /// One row per agent of the team (in team order), then one per other name whose state
    /// the events log knows at some time in the window.
    pub rows: Vec<TimelineRow>,
}

/// A queue item handed out in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandedOut {
    /// Whose queue.
    pub agent: String,
    /// The item.
    pub text: String,
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub handed_out_at: NaiveDateTime,
}

/// A queue item still waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    /// Whose queue.
    pub agent: String,
    /// The item.
    pub text: String,
}

/// The "Queues" section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Queues {
    /// Items handed out in the window, by time (then team order, then file order).
    pub handed_out: Vec<HandedOut>,
    /// Items still waiting, in team order, then file order.
    pub waiting: Vec<Waiting>,
}

/// Figures over the whole window, for the report's first lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Entries written in the window.
    pub entries: usize,
    /// DONE or APPROVED entries in the window.
    pub produced: usize,
    /// BLOCKED or FAILED entries in the window.
    pub troubles: usize,
    /// `restart` events in the window.
    pub restarts: usize,
    /// `death` events in the window.
    pub crashes: usize,
    /// Items handed out from queues in the window.
    pub dispatched: usize,
}

/// The morning report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The window.
    pub window: Window,
    /// The operator's name.
    pub operator: String,
    /// Figures over the window.
    pub totals: Totals,
    /// Needs your attention.
    pub attention: Attention,
    /// Produced.
    pub produced: Vec<Produced>,
    /// Failed or blocked.
    pub failures: Failures,
    /// Per agent.
    pub agents: Vec<AgentRow>,
    /// The timeline (`null` when no agent's state is known at any time of the window).
    pub timeline: Option<Timeline>,
    /// Queues.
    pub queues: Queues,
    /// Blocks of the coordination file that could not be read, in file order.
    pub malformed: Vec<Malformed>,
}

/// Everything a report is made from, held in memory.
pub struct Inputs<'a> {
    /// The operator's name.
    pub operator: &'a str,
    /// The team's agents, in team order.
    pub agents: &'a [String],
    /// The coordination file's text.
    pub coordination: &'a str,
    /// The events log's text.
    pub events: &'a str,
    /// The queues.
    pub queues: &'a [Queue],
    /// Whether an `Output:` path exists.
    pub exists: &'a dyn Fn(&str) -> bool,
}

impl Report {
    /// The report over inputs held in memory.
    pub fn build(inputs: &Inputs<'_>, window: Window) -> Report {
        let mut b = Builder::new(window, inputs.operator, inputs.agents);
        let read = Reader::new(inputs.coordination.as_bytes()).visit(|ev| b.coord(ev));
        debug_assert!(read.is_ok(), "reading a slice cannot fail");
        for line in inputs.events.lines() {
            b.event_line(line);
        }
        for q in inputs.queues {
            b.queue(q);
        }
        b.finish(inputs.exists)
    }
}

#[derive(Debug, Default)]
struct Tally {
    written: usize,
    received: usize,
    restarts: usize,
    crashes: usize,
    failed: usize,
}

/// A state change: (time, event number, activity, details).
type Change = (NaiveDateTime, usize, Activity, Vec<(String, String)>);

#[derive(Debug, Default)]
struct States {
    /// The last change before the window.
    before: Option<Change>,
    /// Changes inside the window (unsorted).
    inside: Vec<Change>,
}

fn later(a: &Change, b: &Change) -> bool {
    (a.0, a.1) > (b.0, b.1)
}

/// Builds a [`Report`] from streamed inputs; see the module documentation.
#[derive(Debug)]
pub struct Builder {
    window: Window,
    operator: String,
    agents: Vec<String>,
    board: Board,
    tallies: HashMap<String, Tally>,
    states: HashMap<String, States>,
    produced: Vec<EntryItem>,
    troubles: Vec<EntryItem>,
    giveups: Vec<(NaiveDateTime, usize, String)>,
    handed_out: Vec<(NaiveDateTime, usize, HandedOut)>,
    waiting: Vec<Waiting>,
    malformed: Vec<Malformed>,
    totals: Totals,
    events: usize,
    items: usize,
}

impl Builder {
    /// An empty report over `window` for a team with these agents (in team order).
    pub fn new(window: Window, operator: &str, agents: &[String]) -> Builder {
        Builder {
            window,
            operator: operator.to_string(),
            agents: agents.to_vec(),
            board: Board::new(operator),
            tallies: HashMap::new(),
            states: HashMap::new(),
            produced: Vec::new(),
            troubles: Vec::new(),
            giveups: Vec::new(),
            handed_out: Vec::new(),
            waiting: Vec::new(),
            malformed: Vec::new(),
            totals: Totals::default(),
            events: 0,
            items: 0,
        }
    }

    /// Take what the coordination reader found (hand every event over, in file order).
    pub fn coord(&mut self, ev: CoordEvent<'_>) {
        match ev {
            CoordEvent::Entry(e) => self.entry(e),
            CoordEvent::Malformed(m) => self.malformed.push(m),
            CoordEvent::Warning(_) => {}
        }
    }

    /// Take the next entry of the coordination file (file order).
    pub fn entry(&mut self, e: &EntryView<'_>) {
        let t = e.header.time();
        if t >= self.window.to {
            return;
        }
        self.board.add_view(e);
        if t < self.window.from {
            return;
        }
        self.totals.entries += 1;
        self.tally(e.from()).written += 1;
        for to in e.to() {
            self.tally(to).received += 1;
        }
        match e.status_kind() {
            Some(Status::Done | Status::Approved) => {
                self.totals.produced += 1;
                self.produced.push(EntryItem::from(e));
            }
            Some(Status::Blocked | Status::Failed) => {
                self.totals.troubles += 1;
                self.troubles.push(EntryItem::from(e));
            }
            _ => {}
        }
    }

    fn tally(&mut self, name: &str) -> &mut Tally {
        self.tallies.entry(name.to_string()).or_default()
    }

    /// Take one line of the events log (lines that are not events are skipped).
    pub fn event_line(&mut self, line: &str) {
        // Only these kinds count; skip the others before parsing the whole line (and
        // before numbering it: only counted kinds need a number).
        let kind = line.split(' ').nth(1).unwrap_or("");
        if !matches!(
            kind,
            "state" | "spawn" | "restart" | "death" | "failed" | "limit"
        ) {
            return;
        }
        if let Some(ev) = events::Event::parse(line) {
            self.event(ev);
        }
    }

    /// Take the next event of the log (file order).
    pub fn event(&mut self, ev: events::Event) {
        let n = self.events;
        self.events += 1;
        let t = ev.time.naive_local();
        if t >= self.window.to {
            return;
        }
        let inside = t >= self.window.from;
        if let Some((to, detail)) = state_change(&ev) {
            let change = (t, n, to, detail);
            let s = self.states.entry(ev.agent.clone()).or_default();
            if inside {
                s.inside.push(change);
            } else if s.before.as_ref().is_none_or(|b| later(&change, b)) {
                s.before = Some(change);
            }
        }
        match ev.kind {
            events::Kind::Restart if inside => {
                self.totals.restarts += 1;
                self.tally(&ev.agent).restarts += 1;
            }
            events::Kind::Death if inside => {
                self.totals.crashes += 1;
                self.tally(&ev.agent).crashes += 1;
            }
            events::Kind::Failed if inside => {
                self.tally(&ev.agent).failed += 1;
                self.giveups.push((t, n, ev.agent));
            }
            _ => {}
        }
    }

    /// Take one agent's queue (queues in team order).
    pub fn queue(&mut self, q: &Queue) {
        for item in q.items() {
            let n = self.items;
            self.items += 1;
            match item.state {
                ItemState::Waiting => self.waiting.push(Waiting {
                    agent: q.agent.clone(),
                    text: item.text.clone(),
                }),
                ItemState::HandedOut => {
                    if let Some(at) = item.handed_out_at.filter(|t| self.window.contains(*t)) {
                        self.totals.dispatched += 1;
                        self.handed_out.push((
                            at,
                            n,
                            HandedOut {
                                agent: q.agent.clone(),
                                text: item.text.clone(),
                                handed_out_at: at,
                            },
                        ));
                    }
                }
            }
        }
    }

    /// The report; `exists` says whether an `Output:` path exists.
    pub fn finish(mut self, exists: &dyn Fn(&str) -> bool) -> Report {
        let w = self.window;
        for s in self.states.values_mut() {
            s.inside.sort_by_key(|a| (a.0, a.1));
        }
        let current = |s: &States| s.inside.last().or(s.before.as_ref()).cloned();

        // Names, team first.
        let team: HashSet<&str> = self.agents.iter().map(String::as_str).collect();
        let mut others: Vec<&str> = self
            .tallies
            .keys()
            .chain(self.states.keys())
            .map(String::as_str)
            .filter(|n| !team.contains(n) && *n != self.operator && *n != "-")
            .collect();
        others.sort_unstable();
        others.dedup();
        let names: Vec<String> = self
            .agents
            .iter()
            .map(String::as_str)
            .chain(others)
            .map(str::to_string)
            .collect();

        // Needs attention.
        let attention_entries: Vec<EntryItem> = self
            .board
            .needs_attention()
            .into_iter()
            .map(EntryItem::from)
            .collect();
        let mut alerts = Vec::new();
        for name in &names {
            if let Some((since, _, state, detail)) = self.states.get(name).and_then(current) {
                if matches!(
                    state,
                    Activity::Failed | Activity::Waiting | Activity::Limited
                ) {
                    alerts.push(AgentAlert {
                        agent: name.clone(),
                        state,
                        since,
                        detail,
                    });
                }
            }
        }

        // Produced.
        let produced = self
            .produced
            .into_iter()
            .map(|entry| Produced {
                outputs: entry
                    .output
                    .iter()
                    .map(|p| OutputPath {
                        path: p.clone(),
                        exists: exists(p),
                    })
                    .collect(),
                entry,
            })
            .collect();

        // Failed or blocked.
        let open: HashSet<usize> = self.board.pending().map(|(e, _)| e.line).collect();
        let troubles = self
            .troubles
            .into_iter()
            .map(|entry| Trouble {
                open: open.contains(&entry.line),
                entry,
            })
            .collect();
        self.giveups.sort();
        let giveups = self
            .giveups
            .into_iter()
            .map(|(time, _, agent)| Giveup { agent, time })
            .collect();

        // Per agent and timeline.
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        let mut any_known = false;
        for name in &names {
            let tally = self.tallies.get(name);
            let states = self.states.get(name);
            let segments = segments(states.unwrap_or(&States::default()), w);
            let known = segments.iter().any(|(_, _, a)| *a != Activity::Unknown);
            any_known |= known;
            let time = known.then(|| {
                let mut t = TimeInState::default();
                for (a, b, act) in &segments {
                    t.add(*act, (*b - *a).num_seconds());
                }
                t
            });
            let now = states.and_then(current);
            let inbox = self.board.inbox_len(name);
            let busy = tally
                .is_some_and(|t| t.written + t.received + t.restarts + t.crashes + t.failed > 0);
            // Every agent of the team has a timeline row (dots when nothing is known of
            // it); other names only when their state is known.
            if known || team.contains(name.as_str()) {
                lines.push(TimelineRow {
                    agent: name.clone(),
                    cells: cells(&segments, w),
                });
            }
            if !(busy || known || now.is_some() || inbox > 0) {
                continue;
            }
            rows.push(AgentRow {
                name: name.clone(),
                written: tally.map_or(0, |t| t.written),
                received: tally.map_or(0, |t| t.received),
                restarts: tally.map_or(0, |t| t.restarts),
                crashes: tally.map_or(0, |t| t.crashes),
                failed: tally.map_or(0, |t| t.failed),
                time_in_state: time,
                state: now.as_ref().map(|c| c.2),
                since: now.as_ref().map(|c| c.0),
                inbox,
            });
        }
        let timeline = any_known.then(|| Timeline {
            slots: SLOTS,
            slot_seconds: w.seconds() as f64 / SLOTS as f64,
            legend: Activity::ALL
                .iter()
                .map(|a| Legend {
                    state: *a,
                    symbol: a.symbol(),
                })
                .collect(),
            rows: lines,
        });

        self.handed_out.sort_by_key(|a| (a.0, a.1));
        Report {
            window: w,
            operator: self.operator,
            totals: self.totals,
            attention: Attention {
                entries: attention_entries,
                agents: alerts,
            },
            produced,
            failures: Failures {
                entries: troubles,
                agents: giveups,
            },
            agents: rows,
            timeline,
            queues: Queues {
                handed_out: self.handed_out.into_iter().map(|(_, _, h)| h).collect(),
                waiting: self.waiting,
            },
            malformed: self.malformed,
        }
    }
}

/// The state an event puts its agent in, with the details worth showing: `state` events
/// say it (`to=`); `spawn` and `restart` mean starting, `death` dead (with its status),
/// `failed` failed, a `limit` event that hit a limit (it has `reset=`) limited, with the
/// reset time when known. Other events (a resume after a limit, wakes, dispatches) change
/// nothing by themselves: the `state` events that follow tell.
fn state_change(ev: &events::Event) -> Option<(Activity, Vec<(String, String)>)> {
    let keep = |keys: &[&str]| -> Vec<(String, String)> {
        ev.detail
            .iter()
            .filter(|(k, v)| keys.contains(&k.as_str()) && v != "unknown")
            .cloned()
            .collect()
    };
    match ev.kind {
        events::Kind::State => {
            let to = ev.get("to").map_or(Activity::Unknown, Activity::parse);
            let detail = ev
                .detail
                .iter()
                .filter(|(k, _)| k != "to" && k != "from")
                .cloned()
                .collect();
            Some((to, detail))
        }
        events::Kind::Spawn | events::Kind::Restart => Some((Activity::Starting, Vec::new())),
        events::Kind::Death => Some((Activity::Dead, keep(&["status"]))),
        events::Kind::Failed => Some((Activity::Failed, keep(&["status"]))),
        events::Kind::Limit if ev.get("reset").is_some() => {
            Some((Activity::Limited, keep(&["reset"])))
        }
        _ => None,
    }
}

/// An agent's states over the window as `(start, end, activity)` pieces that cover it.
fn segments(s: &States, w: Window) -> Vec<(NaiveDateTime, NaiveDateTime, Activity)> {
    let mut out = Vec::new();
    let mut at = w.from;
    let mut act = s.before.as_ref().map_or(Activity::Unknown, |c| c.2);
    for (t, _, a, _) in &s.inside {
        // Zero-length pieces are kept: a crash and its restart in the same second still
        // show in the timeline.
        if *t > at || (act != Activity::Unknown && *t > w.from) {
            out.push((at, *t, act));
        }
        at = *t;
        act = *a;
    }
    out.push((at, w.to, act));
    out
}

/// The timeline row of one agent: per slot, the most urgent of failed, dead, waiting and
/// limited if it happened in the slot at all, else the state that filled most of it (ties
/// go to the earlier state in [`Activity::ALL`]).
fn cells(segments: &[(NaiveDateTime, NaiveDateTime, Activity)], w: Window) -> String {
    let total = w.seconds();
    let mut out = String::with_capacity(SLOTS);
    let mut i = 0; // the first segment that may overlap the slot
    for k in 0..SLOTS as i64 {
        let a = w.from + TimeDelta::seconds(total * k / SLOTS as i64);
        let b = w.from + TimeDelta::seconds(total * (k + 1) / SLOTS as i64);
        while i + 1 < segments.len() && segments[i].1 < a {
            i += 1;
        }
        let mut cover = [0i64; Activity::ALL.len()];
        let mut present = [false; Activity::ALL.len()];
        if a == b {
            // A slot shorter than a second: the state at its start.
            present[segments[i].2 as usize] = true;
            cover[segments[i].2 as usize] = 1;
        }
        for (s, e, act) in &segments[i..] {
            if *s >= b {
                break;
            }
            let len = (*e.min(&b) - *s.max(&a)).num_seconds();
            if len > 0 {
                cover[*act as usize] += len;
                present[*act as usize] = true;
            } else if s == e && *s >= a {
                present[*act as usize] = true;
            }
        }
        let pick = Activity::ALARMS
            .into_iter()
            .find(|x| present[*x as usize])
            .unwrap_or_else(|| {
                let mut best = Activity::Unknown;
                let mut most = -1;
                for x in Activity::ALL {
                    if cover[x as usize] > most {
                        most = cover[x as usize];
                        best = x;
                    }
                }
                best
            });
        out.push(pick.symbol());
    }
    out
}
