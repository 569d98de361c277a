//! `atlas watch`: the supervisor loop (DESIGN §4). It spends no model tokens: it reads
//! screens and files and acts on the decisions of [`crate::supervisor`].
//!
//! Wake-ups are event-driven: every window of the session gets a `pane-died` hook that
//! signals a tmux `wait-for` channel, and a thread blocked on that channel wakes the loop at
//! once, so a crash is seen in milliseconds rather than at the next tick. Between events
//! the loop looks at the team once a second (one `list-panes`, one batched capture).
//!
//! Everything it has done that must not be done twice (wakes, crash counts, handled
//! deaths, the day of the last report) is kept in `logs/.supervisor.json`; queue items are
//! marked in the queue files themselves; so a supervisor killed mid-night and started
//! again repeats nothing.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Local};

use super::Ctx;
use crate::cli::WatchArgs;
use crate::config::{Agent, Team};
use crate::coord::{self, Board, NewEntry, cache};
use crate::deliver::{self, DeliveryError, SendOptions};
use crate::error::Exit;
use crate::events::{Event, EventLog, Kind};
use crate::queue;
use crate::state::{self, Observation, State};
use crate::status::{self, Counts};
use crate::supervisor::{self, DeathAction, MEMORY_FILE, Memory};
use crate::tcmd;
use crate::tmux::{Cmd, Tmux, TmuxError, session_target};

/// How often the loop looks at the team when nothing wakes it.
const TICK: Duration = Duration::from_millis(1000);
/// The lock file that keeps one supervisor per team.
const LOCK_FILE: &str = ".supervisor.lock";
/// How long a delivery may take before the loop stops waiting for it (a delivery is
/// bounded far below this; this only guards against a hang).
const DELIVERY_WATCHDOG: Duration = Duration::from_secs(60);
/// After a refused delivery (a draft, an open menu, a busy agent), how long before the same
/// agent is tried again.
const REFUSAL_RETRY: Duration = Duration::from_secs(15);
/// The supervisor's own cache of the coordination file's rules.
const CACHE_FILE: &str = ".supervisor-cache.json";

/// The `wait-for` channel of a session's supervisor.
pub fn channel(session: &str) -> String {
    let safe: String = session
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("atlas-wake-{safe}")
}

/// What a delivery was for.
#[derive(Debug, Clone)]
enum Purpose {
    Wake {
        key: String,
        id: String,
    },
    Dispatch {
        text: String,
        at: chrono::NaiveDateTime,
    },
    Brief,
    Resume,
}

impl Purpose {
    /// `(kind, what)` as kept in the memory while the delivery is under way.
    fn describe(&self) -> (String, String) {
        match self {
            Purpose::Wake { id, .. } => ("wake".into(), id.clone()),
            Purpose::Dispatch { text, .. } => ("dispatch".into(), text.clone()),
            Purpose::Brief => ("brief".into(), String::new()),
            Purpose::Resume => ("resume".into(), String::new()),
        }
    }
}

struct Outcome {
    agent: String,
    purpose: Purpose,
    result: Result<deliver::Delivered, DeliveryError>,
}

struct Supervisor {
    tmux: Tmux,
    team: Team,
    config_stamp: Option<std::time::SystemTime>,
    memory: Memory,
    memory_path: PathBuf,
    dirty: bool,
    events: EventLog,
    board: Board,
    board_stamp: Option<(u64, std::time::SystemTime)>,
    /// Deliveries under way: agent → when they started.
    in_flight: HashMap<String, Instant>,
    outcomes: (mpsc::Sender<Outcome>, mpsc::Receiver<Outcome>),
    known_panes: HashSet<String>,
    status_format: String,
    status_shown: String,
    options: HashMap<String, String>,
    dead_seen: HashMap<String, Instant>,
    all_missing: bool,
    counts_written: Option<(usize, usize)>,
    nudge: mpsc::Sender<()>,
    /// Deliveries a killed supervisor left unconfirmed: agent → (text, since).
    interrupted: HashMap<String, (String, Instant)>,
    /// After a refused delivery, the agent is not tried again before this.
    retry_after: HashMap<String, Instant>,
    /// The last refusal said per agent (said once, not every second).
    last_refusal: HashMap<String, String>,
}

/// Run `atlas watch`.
pub fn run(ctx: &Ctx, _args: &WatchArgs) -> Result<Exit> {
    let team = ctx.team()?;
    std::fs::create_dir_all(&team.logs)
        .with_context(|| format!("cannot create {}", team.logs.display()))?;
    let lock = File::create(team.logs.join(LOCK_FILE)).with_context(|| {
        format!(
            "cannot create the supervisor lock in {}",
            team.logs.display()
        )
    })?;
    if lock.try_lock().is_err() {
        anyhow::bail!(
            "a supervisor is already running for session `{}` (see its window `supervisor`); only one runs per team",
            team.session
        );
    }
    match ctx.tmux.session_config(&team.session)? {
        None => anyhow::bail!(
            "the tmux session `{}` is not running; run `atlas up`, which starts the supervisor",
            team.session
        ),
        Some(recorded) => crate::owner::check(&team, &recorded)?,
    }
    let format = ctx
        .tmux
        .run(&tcmd!["show-options", "-gqv", "@atlas-status-format"])
        .ok()
        .map(|s| s.trim_end_matches('\n').to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| status::DEFAULT_FORMAT.to_string());

    let (tx, rx) = mpsc::channel::<()>();
    let nudge = tx.clone();
    let waiter = ctx.tmux.clone();
    let chan = channel(&team.session);
    std::thread::spawn(move || {
        loop {
            let ok = waiter.run(&tcmd!["wait-for", chan.as_str()]).is_ok();
            if tx.send(()).is_err() {
                return;
            }
            if !ok {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    });

    let memory_path = team.logs.join(MEMORY_FILE);
    let mut memory = Memory::load(&memory_path);
    // A fresh `atlas up` (after `down`, or a server restart) is a new run, not a restart:
    // nothing of the last run's crashes, briefs or failures carries over.
    let run = ctx
        .tmux
        .session_option(&team.session, crate::layout::OPT_UP)
        .unwrap_or_default();
    if !run.is_empty() && memory.run.as_deref() != Some(run.as_str()) {
        memory.new_run(&run);
        let _ = memory.save(&memory_path);
    }
    if memory.last_report.is_none()
        && supervisor::report_due(Local::now(), team.supervisor.report_at, None)
    {
        // A first start after today's report time: the first report is tomorrow's.
        memory.last_report = Some(Local::now().date_naive());
    }
    let mut sup = Supervisor {
        tmux: ctx.tmux.clone(),
        config_stamp: mtime(&team.path),
        events: EventLog::in_dir(&team.logs),
        board: Board::new(&team.operator),
        memory,
        memory_path,
        team,
        dirty: false,
        board_stamp: None,
        in_flight: HashMap::new(),
        outcomes: mpsc::channel(),
        known_panes: HashSet::new(),
        status_format: format,
        status_shown: String::new(),
        options: HashMap::new(),
        dead_seen: HashMap::new(),
        all_missing: false,
        counts_written: None,
        nudge,
        interrupted: HashMap::new(),
        retry_after: HashMap::new(),
        last_refusal: HashMap::new(),
    };
    let unconfirmed: Vec<(String, (String, String))> = std::mem::take(&mut sup.memory.pending)
        .into_iter()
        .collect();
    for (agent, text) in std::mem::take(&mut sup.memory.pending_text) {
        sup.interrupted.insert(agent, (text, Instant::now()));
    }
    for (agent, (kind, what)) in unconfirmed {
        // The last supervisor stopped while typing this: it may or may not have arrived.
        // Never typed twice; put on record so the operator can check.
        let kind_event = match kind.as_str() {
            "wake" => Some((Kind::Wake, "entry")),
            "dispatch" => Some((Kind::Dispatch, "text")),
            _ => None,
        };
        if let Some((k, key)) = kind_event {
            sup.log(&event(k, &agent).with(key, &what).with("confirmed", "no"));
        }
        say(&format!(
            "the last supervisor stopped while delivering a {kind} to {agent} ({what}); it is not sent again: check `atlas peek {agent}`"
        ));
        sup.dirty = true;
    }
    say(&format!(
        "supervisor for session `{}`: {} agents, config {}",
        sup.team.session,
        sup.team.agents().count(),
        sup.team.path.display()
    ));
    loop {
        let _ = rx.recv_timeout(TICK);
        while rx.try_recv().is_ok() {}
        let result = sup.tick(Local::now());
        // Only a look that found no agent (or failed) asks whether the session is still there.
        if (result.is_err() || sup.all_missing)
            && !sup.tmux.has_session(&sup.team.session).unwrap_or(false)
        {
            say("the session is gone; the supervisor stops");
            supervisor::remove_counts(&sup.team.logs);
            return Ok(Exit::Success);
        }
        if let Err(e) = result {
            // The session now belongs to another team: not ours to supervise.
            if let Some(TmuxError::NotOurs(n)) = e.downcast_ref::<TmuxError>() {
                say(&format!("{n}; the supervisor stops"));
                return Ok(Exit::Failure);
            }
            say(&format!("error: {e:#}"));
        }
    }
}

fn say(msg: &str) {
    // The supervisor's window may be gone (the pane closed): it goes on without it.
    let _ = crate::outln!("{} {msg}", Local::now().format("%H:%M:%S"));
}

fn mtime(p: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn event(kind: Kind, agent: &str) -> Event {
    Event::now(kind, agent)
}

impl Supervisor {
    fn log(&self, e: &Event) {
        let _ = self.events.append(e);
    }

    fn tick(&mut self, now: DateTime<Local>) -> Result<()> {
        self.reload_config();
        self.collect_outcomes();
        let obs = state::observe_team(&self.tmux, &self.team, now)?;
        self.all_missing = obs.iter().all(|o| o.state == State::Missing);
        self.install_hooks(&obs);
        self.refresh_board();

        let mut writes: Vec<Cmd> = Vec::new();
        self.finish_interrupted(&obs, &mut writes);
        for o in &obs {
            let Some(agent) = self.team.agent(&o.agent).cloned() else {
                continue;
            };
            let was_dead = self.memory.states.get(&agent.name).map(String::as_str) == Some("dead");
            self.track_state(o, &mut writes);
            match o.state {
                State::Dead => self.on_dead(&agent, o, was_dead, now, &mut writes),
                State::Idle => self.on_idle(&agent, now),
                State::Limited => self.on_limited(&agent, o, now),
                State::Failed => {}
                _ => {
                    self.dead_seen.remove(&agent.name);
                }
            }
            if o.state != State::Failed && self.memory.failed.remove(&agent.name) {
                self.dirty = true; // someone restarted it by hand
            }
            if o.state != State::Limited && o.state != State::Idle && o.state != State::Busy {
                if self.memory.limits.remove(&agent.name).is_some() {
                    self.dirty = true;
                }
            }
        }
        self.run_due_restarts(now);
        self.update_status(&obs, &mut writes);
        if !writes.is_empty() {
            let _ = self.tmux.run_batch(&writes);
        }
        self.maybe_report(now);
        if self.dirty {
            self.memory.save(&self.memory_path)?;
            self.dirty = false;
        }
        Ok(())
    }

    /// A delivery a killed supervisor typed but never submitted sits in the agent's input
    /// line: recognised as ours (never a person's draft), it is submitted now — finishing
    /// that delivery, not repeating it. Given up after a minute or once the input is empty.
    fn finish_interrupted(&mut self, obs: &[Observation], writes: &mut Vec<Cmd>) {
        if self.interrupted.is_empty() {
            return;
        }
        for o in obs {
            let Some((text, since)) = self.interrupted.get(&o.agent) else {
                continue;
            };
            let ours = o
                .draft
                .as_deref()
                .is_some_and(|d| supervisor::draft_is_ours(d, text));
            if ours {
                if let Some(p) = &o.pane {
                    writes.push(tcmd!["send-keys", "-t", p.as_str(), "Enter"]);
                    say(&format!(
                        "{} still had the last supervisor's unsent directive on its input line: submitted it",
                        o.agent
                    ));
                }
                self.interrupted.remove(&o.agent);
            } else if since.elapsed() > Duration::from_secs(60)
                || (o.input_visible && o.draft.is_none())
            {
                self.interrupted.remove(&o.agent);
            }
        }
    }

    fn reload_config(&mut self) {
        let stamp = mtime(&self.team.path);
        if stamp == self.config_stamp {
            return;
        }
        self.config_stamp = stamp;
        match crate::config::load(&self.team.path) {
            Ok(t) if t.session == self.team.session => {
                say("config changed; reloaded");
                self.team = t;
            }
            Ok(_) => say("config changed its session name; keeping the old config until restarted"),
            Err(e) => say(&format!(
                "config changed but cannot be used, keeping the old one: {e:#}"
            )),
        }
    }

    /// Set the pane-died hook on every window of the session whenever panes change.
    fn install_hooks(&mut self, obs: &[Observation]) {
        let panes: HashSet<String> = obs.iter().filter_map(|o| o.pane.clone()).collect();
        if panes == self.known_panes {
            return;
        }
        self.known_panes = panes;
        let Ok(all) = self.tmux.panes(&self.team.session) else {
            return;
        };
        let hook = format!("wait-for -S {}", channel(&self.team.session));
        let mut windows: Vec<&str> = all.iter().map(|p| p.window_id.as_str()).collect();
        windows.sort_unstable();
        windows.dedup();
        let cmds: Vec<Cmd> = windows
            .iter()
            .map(|w| tcmd!["set-hook", "-w", "-t", *w, "pane-died", hook.as_str()])
            .collect();
        let _ = self.tmux.run_batch(&cmds);
    }

    fn refresh_board(&mut self) {
        let stamp = std::fs::metadata(&self.team.coordination)
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?)));
        if stamp.is_some() && stamp == self.board_stamp {
            return;
        }
        self.board_stamp = stamp;
        match cache::board(
            &self.team.coordination,
            &self.team.logs.join(CACHE_FILE),
            &self.team.operator,
        ) {
            Ok((b, _)) => self.board = b,
            Err(e) => say(&format!(
                "cannot read the coordination file {}: {e}",
                self.team.coordination.display()
            )),
        }
    }

    fn track_state(&mut self, o: &Observation, writes: &mut Vec<Cmd>) {
        let now_word = o.state.as_str().to_string();
        let before = self.memory.states.get(&o.agent).cloned();
        if before.as_deref() != Some(now_word.as_str()) {
            let mut e = event(Kind::State, &o.agent)
                .with("from", before.as_deref().unwrap_or("unknown"))
                .with("to", &now_word);
            if let (State::Dead, Some(s)) = (o.state, o.exit_status) {
                e = e.with("status", s);
            }
            self.log(&e);
            self.memory.states.insert(o.agent.clone(), now_word.clone());
            self.dirty = true;
        }
        if let Some(p) = &o.pane {
            if self.options.get(p) != Some(&now_word) && o.state != State::Missing {
                writes.push(tcmd![
                    "set-option",
                    "-p",
                    "-t",
                    p.as_str(),
                    "@atlas_state",
                    now_word.as_str()
                ]);
                self.options.insert(p.clone(), now_word);
            }
        }
    }

    /// The exit status and process id of a dead pane (one `list-panes`; the state
    /// observation already nudged tmux to collect unreaped statuses).
    fn death_of(&self, pane: &str) -> (Option<i32>, Option<u32>) {
        let info = self
            .tmux
            .panes(&self.team.session)
            .ok()
            .and_then(|ps| ps.into_iter().find(|p| p.id == pane));
        match info {
            Some(i) => (i.dead_status.or(i.dead_signal.map(|s| 128 + s)), i.pid),
            None => (None, None),
        }
    }

    /// When the pane's current run began (`@atlas_epoch`, set by `up` and the operator's
    /// restart), in Unix seconds; 0 when unknown.
    fn epoch_of(&self, pane: &str) -> i64 {
        self.tmux
            .run(&tcmd![
                "show-options",
                "-p",
                "-qv",
                "-t",
                pane,
                crate::layout::OPT_EPOCH
            ])
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .map_or(0, |ms| ms / 1000)
    }

    /// `continuing`: the agent was already dead at the previous look.
    fn on_dead(
        &mut self,
        agent: &Agent,
        o: &Observation,
        continuing: bool,
        now: DateTime<Local>,
        writes: &mut Vec<Cmd>,
    ) {
        let Some(pane) = o.pane.clone() else { return };
        if self.memory.restart_at.contains_key(&agent.name) {
            return; // a restart is already scheduled
        }
        if continuing
            && self
                .memory
                .handled
                .get(&agent.name)
                .is_some_and(|d| d.starts_with(&format!("{pane}:")))
        {
            return; // the same death, seen again
        }
        let (known, pid) = self.death_of(&pane);
        let mut status = o.exit_status.or(known);
        let death = format!("{pane}:{}", pid.map_or("?".into(), |p| p.to_string()));
        if self.memory.handled.get(&agent.name) == Some(&death) {
            return;
        }
        if status.is_none() {
            // Give tmux a moment to learn the exit status, but not past the 2 s bound.
            let first = *self
                .dead_seen
                .entry(agent.name.clone())
                .or_insert_with(Instant::now);
            if first.elapsed() < Duration::from_millis(700) {
                return;
            }
            status = None;
        }
        self.dead_seen.remove(&agent.name);
        self.memory.handled.insert(agent.name.clone(), death);
        self.dirty = true;
        let status_word = status.map_or("unknown".to_string(), |s| s.to_string());
        self.log(
            &event(Kind::Death, &agent.name)
                .with("status", &status_word)
                .with("pane", &pane),
        );
        let epoch = self.epoch_of(&pane);
        let recent = self.memory.record_death(
            &agent.name,
            now.timestamp(),
            self.team.supervisor.restart_window,
            epoch,
        );
        match supervisor::on_death(agent.restart, status, recent, &self.team.supervisor) {
            DeathAction::Leave => {
                say(&format!(
                    "{} exited (status {status_word}); restart policy `{}` leaves it",
                    agent.name,
                    agent.restart.as_str()
                ));
            }
            DeathAction::Restart(delay) => {
                let due = now.timestamp_millis() + delay.as_millis() as i64;
                self.memory.restart_at.insert(agent.name.clone(), due);
                say(&format!(
                    "{} died (status {status_word}); restarting in {}",
                    agent.name,
                    crate::duration::format(delay)
                ));
            }
            DeathAction::Fail => {
                self.memory.failed.insert(agent.name.clone());
                writes.push(tcmd![
                    "set-option",
                    "-p",
                    "-t",
                    pane.as_str(),
                    "@atlas_state",
                    "failed"
                ]);
                self.options.insert(pane.clone(), "failed".into());
                let window = crate::duration::format(self.team.supervisor.restart_window);
                self.log(
                    &event(Kind::Failed, &agent.name)
                        .with("crashes", recent)
                        .with("window", &window)
                        .with("status", &status_word),
                );
                let entry = NewEntry {
                    time: now.naive_local(),
                    from: agent.name.clone(),
                    to: vec![self.team.operator.clone()],
                    status: Some("FAILED".into()),
                    task: Some(format!(
                        "{} crashed {recent} times in {window}; the supervisor stopped restarting it",
                        agent.name
                    )),
                    output: Vec::new(),
                    notes: Some(format!(
                        "Last exit status: {status_word}. See `atlas logs {0}`; `atlas restart {0}` brings it back.",
                        agent.name
                    )),
                    re: None,
                    extra: Vec::new(),
                };
                if let Err(e) = coord::append(&self.team.coordination, &entry) {
                    say(&format!("cannot write the FAILED entry: {e:#}"));
                }
                say(&format!(
                    "{} crashed {recent} times in {window}: marked failed",
                    agent.name
                ));
            }
        }
    }

    fn run_due_restarts(&mut self, now: DateTime<Local>) {
        let due: Vec<String> = self
            .memory
            .restart_at
            .iter()
            .filter(|(_, t)| **t <= now.timestamp_millis())
            .map(|(a, _)| a.clone())
            .collect();
        for name in due {
            self.memory.restart_at.remove(&name);
            self.dirty = true;
            let Some(agent) = self.team.agent(&name).cloned() else {
                continue;
            };
            let Ok(panes) = self.tmux.panes(&self.team.session) else {
                continue;
            };
            let Some(p) = panes.iter().find(|p| p.agent == name) else {
                continue;
            };
            if !p.dead || p.stopped {
                continue; // someone brought it back already, or stopped it on purpose
            }
            match crate::cmd::restart::restart_agent(
                &self.tmux,
                &self.team,
                &agent,
                p,
                false,
                "supervisor",
            ) {
                Ok(old) => {
                    // What outlived the respawn ends on its own thread (SIGKILL after a
                    // grace period), so the loop goes on looking at the team.
                    if !old.is_empty() {
                        std::thread::spawn(move || {
                            crate::proctree::terminate(&old, crate::proctree::GRACE)
                        });
                    }
                    self.memory.brief.insert(name.clone());
                    self.memory.handled.remove(&name);
                    self.options.remove(&p.id);
                    say(&format!("restarted {name} with its resume command"));
                }
                Err(e) => say(&format!("cannot restart {name}: {e:#}")),
            }
        }
    }

    fn on_idle(&mut self, agent: &Agent, now: DateTime<Local>) {
        if self.in_flight.contains_key(&agent.name)
            || self
                .retry_after
                .get(&agent.name)
                .is_some_and(|t| Instant::now() < *t)
        {
            return;
        }
        if self.memory.limits.remove(&agent.name).is_some() {
            self.dirty = true;
        }
        let name = agent.name.clone();
        let cfg = self.team.supervisor.clone();
        let config = self.team.path.to_string_lossy().into_owned();
        if self.memory.brief.remove(&name) {
            self.dirty = true;
            let inbox = self.inbox_summary(&name);
            let recent = self.recent_entries(&name);
            let text = supervisor::fill(
                &cfg.brief_template,
                &[
                    ("agent", &name),
                    ("inbox", &inbox),
                    ("recent", &recent),
                    ("config", &config),
                ],
            );
            self.deliver(agent, text, Purpose::Brief);
            return;
        }
        if cfg.wake_on_handoff {
            let inbox: Vec<coord::Entry> = self.board.inbox(&name).into_iter().cloned().collect();
            let count = inbox.len().to_string();
            if let Some(e) = inbox
                .iter()
                .find(|e| !self.memory.was_woken(&name, &wake_key(e)))
            {
                let key = wake_key(e);
                self.memory.mark_woken(&name, &key);
                self.dirty = true;
                let text = supervisor::fill(
                    &cfg.wake_template,
                    &[
                        ("agent", &name),
                        ("id", &e.id),
                        ("from", &e.from),
                        ("status", e.status.as_deref().unwrap_or("none")),
                        ("task", e.task.as_deref().unwrap_or("")),
                        ("count", &count),
                        ("config", &config),
                    ],
                );
                self.deliver(
                    agent,
                    text,
                    Purpose::Wake {
                        key,
                        id: e.id.clone(),
                    },
                );
                return;
            }
            if !inbox.is_empty() {
                return; // inbox work first, even when every entry was already woken for
            }
        } else if self.board.inbox_len(&name) > 0 {
            return;
        }
        let at = now
            .naive_local()
            .with_nanosecond(0)
            .unwrap_or(now.naive_local());
        match queue::update(&self.team.queues, &name, |q| q.hand_out_next(at)) {
            Ok(Some(item)) => {
                let text = supervisor::fill(
                    &cfg.dispatch_template,
                    &[("agent", &name), ("text", &item), ("config", &config)],
                );
                self.deliver(agent, text, Purpose::Dispatch { text: item, at });
            }
            Ok(None) => {}
            Err(e) => say(&format!("cannot read {name}'s queue: {e:#}")),
        }
    }

    fn on_limited(&mut self, agent: &Agent, o: &Observation, now: DateTime<Local>) {
        let name = agent.name.clone();
        let cfg = &self.team.supervisor;
        match self.memory.limits.get(&name).copied() {
            None => {
                let due = supervisor::limit_due(o.reset_at, now, cfg);
                self.memory
                    .limits
                    .insert(name.clone(), (now.timestamp(), due.timestamp()));
                self.dirty = true;
                let reset = o.reset_at.map_or("unknown".to_string(), |t| {
                    t.format("%Y-%m-%d %H:%M").to_string()
                });
                self.log(
                    &event(Kind::Limit, &name)
                        .with("reset", &reset)
                        .with("due", due.format("%H:%M:%S")),
                );
                say(&format!(
                    "{name} hit a usage limit (reset {reset}); will tell it to continue at {}",
                    due.format("%H:%M:%S")
                ));
            }
            Some((seen, due)) if now.timestamp() >= due && !self.in_flight.contains_key(&name) => {
                let next = now + chrono::Duration::from_std(cfg.limit_retry).unwrap_or_default();
                self.memory
                    .limits
                    .insert(name.clone(), (seen, next.timestamp()));
                self.dirty = true;
                let text = supervisor::fill(&cfg.resume_template, &[("agent", &name)]);
                self.deliver(agent, text, Purpose::Resume);
            }
            Some(_) => {}
        }
    }

    fn deliver(&mut self, agent: &Agent, text: String, purpose: Purpose) {
        self.in_flight.insert(agent.name.clone(), Instant::now());
        // On record before anything is typed: a supervisor killed mid-delivery finds it on
        // its next start and says so (it never types it again).
        self.memory
            .pending
            .insert(agent.name.clone(), purpose.describe());
        let _ = self.memory.save(&self.memory_path);
        let tmux = self.tmux.clone();
        let team = self.team.clone();
        let agent = agent.clone();
        let tx = self.outcomes.0.clone();
        let nudge = self.nudge.clone();
        let events = self.events.clone();
        std::thread::spawn(move || {
            // A panic in a delivery must still report back (as a failure that typed
            // nothing is not known, so it is treated as typed: never sent again).
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                // The supervisor never types into a busy agent, even one whose program
                // would queue the message.
                let opts = SendOptions {
                    only_idle: true,
                    ..SendOptions::default()
                };
                deliver::send(&tmux, &team, &agent, &text, &opts)
            }))
            .unwrap_or_else(|_| {
                Err(DeliveryError::NotSubmitted {
                    agent: agent.name.clone(),
                    submits: 0,
                })
            });
            // Logged here, at once, so a supervisor killed right after a delivery still has
            // it on record.
            // Submitted (or submitted with its outcome unknown: on record as unconfirmed).
            let unconfirmed = result.as_ref().is_err_and(DeliveryError::maybe_delivered);
            if result.is_ok() || unconfirmed {
                let e = match &purpose {
                    Purpose::Wake { id, .. } => {
                        Some(event(Kind::Wake, &agent.name).with("entry", id))
                    }
                    Purpose::Dispatch { text, .. } => {
                        Some(event(Kind::Dispatch, &agent.name).with("text", text))
                    }
                    Purpose::Resume => {
                        Some(event(Kind::Limit, &agent.name).with("action", "resume"))
                    }
                    Purpose::Brief => None,
                };
                if let Some(mut e) = e {
                    if unconfirmed {
                        e = e.with("confirmed", "no");
                    }
                    let _ = events.append(&e);
                }
            }
            let _ = tx.send(Outcome {
                agent: agent.name.clone(),
                purpose,
                result,
            });
            // Wake the loop so the outcome is on record at once.
            let _ = nudge.send(());
        });
    }

    fn collect_outcomes(&mut self) {
        // A delivery that never reports back must not keep its agent waiting for ever.
        let stuck: Vec<String> = self
            .in_flight
            .iter()
            .filter(|(_, t)| t.elapsed() > DELIVERY_WATCHDOG)
            .map(|(a, _)| a.clone())
            .collect();
        for a in stuck {
            self.in_flight.remove(&a);
            say(&format!(
                "a delivery to {a} has not finished after {}s; not waiting for it any longer",
                DELIVERY_WATCHDOG.as_secs()
            ));
        }
        while let Ok(o) = self.outcomes.1.try_recv() {
            self.in_flight.remove(&o.agent);
            if self.memory.pending.remove(&o.agent).is_some() {
                self.dirty = true;
            }
            self.memory.pending_text.remove(&o.agent);
            if o.result.is_ok() {
                self.last_refusal.remove(&o.agent);
                self.retry_after.remove(&o.agent);
            }
            match (&o.purpose, &o.result) {
                (Purpose::Wake { id, .. }, Ok(_)) => {
                    say(&format!("woke {} for {id}", o.agent));
                }
                (Purpose::Dispatch { text, .. }, Ok(_)) => {
                    say(&format!("handed {} its next queued item: {text}", o.agent));
                }
                (Purpose::Brief, Ok(_)) => {
                    say(&format!("briefed {} after its restart", o.agent));
                }
                (Purpose::Resume, Ok(_)) => {
                    say(&format!(
                        "told {} to continue after its usage limit",
                        o.agent
                    ));
                }
                (p, Err(e)) => {
                    let typed = !e.nothing_typed();
                    let msg = format!("could not deliver to {}: {e}", o.agent);
                    if self.last_refusal.get(&o.agent) != Some(&msg) {
                        say(&msg);
                        self.last_refusal.insert(o.agent.clone(), msg);
                    }
                    self.retry_after
                        .insert(o.agent.clone(), Instant::now() + REFUSAL_RETRY);
                    if typed {
                        continue; // something was typed: never type it again
                    }
                    // Nothing was typed: try again later.
                    match p {
                        Purpose::Wake { key, .. } => {
                            self.memory.unmark_woken(&o.agent, key);
                            self.dirty = true;
                        }
                        Purpose::Dispatch { text, at } => {
                            let (text, at) = (text.clone(), *at);
                            let _ =
                                queue::update(&self.team.queues, &o.agent, |q| q.unhand(&text, at));
                        }
                        Purpose::Brief => {
                            self.memory.brief.insert(o.agent.clone());
                            self.dirty = true;
                        }
                        Purpose::Resume => {}
                    }
                }
            }
        }
    }

    fn inbox_summary(&self, agent: &str) -> String {
        let inbox = self.board.inbox(agent);
        if inbox.is_empty() {
            return "nothing".into();
        }
        inbox
            .iter()
            .map(|e| {
                format!(
                    "{} ({}): {}",
                    e.id,
                    e.status.as_deref().unwrap_or("-"),
                    e.task.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The agent's own last three entries (a full read of the file; only after a restart).
    fn recent_entries(&self, agent: &str) -> String {
        let Ok(f) = File::open(&self.team.coordination) else {
            return "no entries yet".into();
        };
        let mut last: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        let _ = coord::Reader::new(std::io::BufReader::new(f)).visit(|ev| {
            if let coord::Event::Entry(e) = ev {
                if e.from() == agent {
                    let en = e.to_entry();
                    last.push_back(format!(
                        "{} ({}): {}",
                        en.id,
                        en.status.as_deref().unwrap_or("-"),
                        en.task.as_deref().unwrap_or("")
                    ));
                    if last.len() > 3 {
                        last.pop_front();
                    }
                }
            }
        });
        if last.is_empty() {
            "no entries yet".into()
        } else {
            last.into_iter().collect::<Vec<_>>().join("; ")
        }
    }

    fn update_status(&mut self, obs: &[Observation], writes: &mut Vec<Cmd>) {
        let mut counts = Counts {
            inbox: self.board.inbox_total(),
            attention: self.board.attention_len(),
            operator: self.board.inbox_len(&self.team.operator),
            ..Counts::default()
        };
        for o in obs {
            match o.state {
                State::Missing | State::Dead | State::Failed => counts.down += 1,
                State::Waiting => counts.waiting += 1,
                _ => {}
            }
        }
        let pair = (counts.down, counts.waiting);
        if self.counts_written != Some(pair) {
            match supervisor::write_counts(&self.team.logs, pair.0, pair.1) {
                Ok(()) => self.counts_written = Some(pair),
                Err(e) => say(&format!("cannot write the status counts: {e}")),
            }
        }
        let text = status::render(&self.status_format, &counts);
        if text != self.status_shown {
            writes.push(tcmd![
                "set-option",
                "-t",
                session_target(&self.team.session),
                "@atlas_status",
                text.as_str()
            ]);
            self.status_shown = text;
        }
    }

    fn maybe_report(&mut self, now: DateTime<Local>) {
        if !supervisor::report_due(now, self.team.supervisor.report_at, self.memory.last_report) {
            return;
        }
        self.memory.last_report = Some(now.date_naive());
        self.dirty = true;
        match crate::cmd::report::write_morning_report(&self.team, now) {
            Ok(path) => say(&format!("wrote the morning report {}", path.display())),
            Err(e) => say(&format!("cannot write the morning report: {e:#}")),
        }
    }
}

/// What identifies an inbox entry for "never wake twice": its id and task.
fn wake_key(e: &coord::Entry) -> String {
    format!("{}\u{1f}{}", e.key(), e.task.as_deref().unwrap_or(""))
}

use chrono::Timelike;
