//! Delivering a directive to an agent as if typed, and making sure it was submitted
//! (DESIGN §4). The supervisor calls [`send`] (one agent) or [`send_many`] (a broadcast, one
//! pipeline for all) in-process; `atlas send` is a thin shell on them.
//!
//! The algorithm (docs/STATES-AND-DELIVERY.md has the long form):
//! 1. Sends to one agent are serialised by an exclusive lock on `logs/.locks/NAME.lock`,
//!    held across processes for the whole delivery.
//! 2. The agent is observed under the lock. atlas refuses — before typing anything — an agent
//!    that is missing, dead, failed, showing a menu or question, or holding an unsent draft on
//!    its input line; a busy agent is typed into only when its program shows its input line
//!    while it works (Claude Code queues such messages), else `--when-idle` is needed.
//! 3. The pane is taken out of copy mode. A short single line without control characters is
//!    typed literally (`send-keys -l --`); anything else (several lines, tabs, long text) goes
//!    in as one bracketed paste: `load-buffer -b UNIQUE -` fed on tmux's standard input (tmux
//!    streams it in pieces, so there is no size limit) and `paste-buffer -p -r -d`.
//! 4. atlas waits (bounded) for the text to show on the screen, then for the preset's
//!    `submit_delay` counted from the typing, then sends the submit key on its own.
//! 5. The submission is verified on the screen: the input line is empty again, or the agent
//!    turned busy. While the text still sits on the input line the submit key is retried, up
//!    to [`SendOptions::attempts`] times. Only then is the directive reported delivered.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Local;
use thiserror::Error;

use crate::config::{Agent, Team};
use crate::state::detect::{read_screen, screen_hash};
use crate::state::observe::{PresetCache, look_many, observe_agent, observe_agents};
use crate::state::{Observation, Preset, Source, State};
use crate::tcmd;
use crate::tmux::{Cmd, Tmux, TmuxError};

/// Single lines up to this many bytes are typed literally; longer text is pasted (tmux's
/// messages are limited to about 16 KB).
pub const LITERAL_MAX: usize = 1024;

/// How a delivery behaves.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// Wait at most this long for the agent to be idle before delivering (`--when-idle`).
    pub when_idle: Option<Duration>,
    /// How long to watch the screen after each submit key.
    pub verify_window: Duration,
    /// How many times the submit key may be sent.
    pub attempts: u32,
    /// How often to look again while waiting for idle.
    pub poll: Duration,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            when_idle: None,
            verify_window: Duration::from_millis(1500),
            attempts: 3,
            poll: Duration::from_millis(100),
        }
    }
}

/// How the text went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `send-keys -l`.
    Literal,
    /// One bracketed paste of a tmux buffer.
    Paste,
}

/// A directive delivered and seen submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The agent.
    pub agent: String,
    /// Its pane.
    pub pane: String,
    /// How the text went in.
    pub method: Method,
    /// How many times the submit key was sent.
    pub submits: u32,
    /// Whether the agent was busy and its program queued the message.
    pub queued: bool,
    /// From the call to the verified submission.
    pub elapsed: Duration,
}

/// Why a directive was not delivered. Every variant but [`DeliveryError::NotSubmitted`]
/// means nothing was typed.
#[derive(Debug, Error)]
pub enum DeliveryError {
    /// The agent has no pane.
    #[error("{agent} has no pane; start it with `atlas up` (nothing was typed)")]
    Missing {
        /// The agent.
        agent: String,
    },
    /// The agent's program exited.
    #[error("{agent} has exited{}; restart it with `atlas restart {agent}` (nothing was typed)", status.map(|s| format!(" with status {s}")).unwrap_or_default())]
    Dead {
        /// The agent.
        agent: String,
        /// Its exit status, when known.
        status: Option<i32>,
    },
    /// The operator stopped the agent (`atlas stop`).
    #[error(
        "{agent} is stopped (atlas stop); bring it back with `atlas restart {agent}` or `atlas up` (nothing was typed)"
    )]
    Stopped {
        /// The agent.
        agent: String,
    },
    /// The supervisor gave up on the agent.
    #[error(
        "{agent} crashed too often and the supervisor stopped restarting it; see `atlas logs {agent}`, then `atlas restart {agent}` (nothing was typed)"
    )]
    Failed {
        /// The agent.
        agent: String,
    },
    /// A menu or question is open on the agent's screen.
    #[error(
        "{agent} is showing a question or selection menu; answer it in its pane first (nothing was typed)"
    )]
    Waiting {
        /// The agent.
        agent: String,
    },
    /// Someone left text on the agent's input line.
    #[error(
        "{agent} has unsent text on its input line ({draft:?}); submit or clear it in its pane first (nothing was typed)"
    )]
    Draft {
        /// The agent.
        agent: String,
        /// The text found.
        draft: String,
    },
    /// The agent is busy (or starting) and its input line cannot be seen.
    #[error(
        "{agent} is {state} and its input line is not visible; try again later or use --when-idle (nothing was typed)"
    )]
    Busy {
        /// The agent.
        agent: String,
        /// Its state.
        state: State,
    },
    /// `--when-idle` ran out of time.
    #[error("{agent} was still {state} after waiting {}s for it to be idle (nothing was typed)", waited.as_secs())]
    Timeout {
        /// The agent.
        agent: String,
        /// Its last state.
        state: State,
        /// How long atlas waited.
        waited: Duration,
    },
    /// The text was typed but the screen never showed it submitted.
    #[error(
        "the text was typed into {agent} but the screen never showed it submitted after {submits} submit key(s); look at its pane (`atlas peek {agent}`)"
    )]
    NotSubmitted {
        /// The agent.
        agent: String,
        /// How many times the submit key was sent.
        submits: u32,
    },
    /// Empty text.
    #[error("the directive is empty; give the text to send")]
    Empty,
    /// The lock file could not be used.
    #[error("cannot take the send lock {}: {source}; check that the logs folder is writable", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// Anything else: a preset whose patterns do not compile, an internal failure.
    #[error("{0}")]
    Other(String),
    /// tmux failed.
    #[error(transparent)]
    Tmux(#[from] TmuxError),
}

impl DeliveryError {
    /// Whether the agent's input was left untouched.
    pub fn nothing_typed(&self) -> bool {
        !matches!(
            self,
            DeliveryError::NotSubmitted { .. } | DeliveryError::Tmux(_)
        )
    }
}

/// The lock file that serialises sends to one agent.
pub fn lock_path(team: &Team, agent: &str) -> PathBuf {
    team.logs.join(".locks").join(format!("{agent}.lock"))
}

/// Take the agent's send lock (blocks while another process delivers to it). Released when
/// the file is dropped.
pub fn lock(team: &Team, agent: &str) -> Result<File, DeliveryError> {
    let path = lock_path(team, agent);
    let err = |source| DeliveryError::Lock {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(err)?;
    file.lock().map_err(err)?;
    Ok(file)
}

/// Whether text goes in literally (one short line, no control characters).
pub fn is_literal(text: &str) -> bool {
    text.len() <= LITERAL_MAX && !text.chars().any(char::is_control)
}

/// What to do with an agent as observed.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Type now (queued: the agent is busy but shows its input line).
    Go { queued: bool },
    /// Not now; with --when-idle, look again.
    Wait,
}

fn judge(obs: &Observation, waiting_allowed: bool) -> Result<Verdict, DeliveryError> {
    let agent = obs.agent.clone();
    let draft = |obs: &Observation| match &obs.draft {
        Some(d) => Err(DeliveryError::Draft {
            agent: obs.agent.clone(),
            draft: d.clone(),
        }),
        None => Ok(()),
    };
    match obs.state {
        State::Missing => Err(DeliveryError::Missing { agent }),
        State::Dead => Err(DeliveryError::Dead {
            agent,
            status: obs.exit_status,
        }),
        State::Failed => Err(DeliveryError::Failed { agent }),
        State::Stopped => Err(DeliveryError::Stopped { agent }),
        State::Waiting if waiting_allowed => Ok(Verdict::Wait),
        State::Waiting => Err(DeliveryError::Waiting { agent }),
        // A limited agent is at its prompt (the supervisor tells it to continue after the
        // reset); --when-idle waits for the limit to end.
        State::Limited if waiting_allowed => Ok(Verdict::Wait),
        State::Idle | State::Limited => draft(obs).map(|()| Verdict::Go { queued: false }),
        _ if waiting_allowed => Ok(Verdict::Wait),
        State::Busy if obs.source == Source::Screen && obs.input_visible => {
            draft(obs).map(|()| Verdict::Go { queued: true })
        }
        state => Err(DeliveryError::Busy { agent, state }),
    }
}

fn unique_buffer() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "atlas-send-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The tmux commands (and standard input) that put `text` on the input line of each pane,
/// without submitting it: `send-keys -l --` per pane for a short plain line; else one buffer
/// loaded from stdin, pasted (bracketed) into each pane, then deleted.
pub fn typing_batch(
    panes: &[&str],
    text: &str,
    buffer: &str,
) -> (Vec<Cmd>, Option<Vec<u8>>, Method) {
    if is_literal(text) {
        let cmds = panes
            .iter()
            .map(|p| tcmd!["send-keys", "-t", *p, "-l", "--", text])
            .collect();
        return (cmds, None, Method::Literal);
    }
    let mut cmds = vec![tcmd!["load-buffer", "-b", buffer, "-"]];
    for p in panes {
        cmds.push(tcmd!["paste-buffer", "-p", "-r", "-b", buffer, "-t", *p]);
    }
    cmds.push(tcmd!["delete-buffer", "-b", buffer]);
    (cmds, Some(text.as_bytes().to_vec()), Method::Paste)
}

/// Deliver `text` to `agent` and verify it was submitted. See the module comment.
pub fn send(
    tmux: &Tmux,
    team: &Team,
    agent: &Agent,
    text: &str,
    opts: &SendOptions,
) -> Result<Delivered, DeliveryError> {
    send_many(tmux, team, &[agent], text, opts)
        .pop()
        .unwrap_or(Err(DeliveryError::Empty))
}

/// Deliver the same `text` to several agents at once; one result per agent, in order.
///
/// Without `--when-idle` all of them go through one pipeline: every lock taken (in the
/// order given, so two broadcasts cannot deadlock), one observation of all panes, one tmux
/// invocation typing into all, one submit batch, one verification loop — a broadcast to 13
/// agents costs about what one send costs. With `--when-idle` each agent waits on its own
/// thread.
pub fn send_many(
    tmux: &Tmux,
    team: &Team,
    agents: &[&Agent],
    text: &str,
    opts: &SendOptions,
) -> Vec<Result<Delivered, DeliveryError>> {
    let started = Instant::now();
    if text.is_empty() {
        return agents.iter().map(|_| Err(DeliveryError::Empty)).collect();
    }
    if opts.when_idle.is_some() && agents.len() > 1 {
        return std::thread::scope(|s| {
            let handles: Vec<_> = agents
                .iter()
                .map(|a| s.spawn(move || send(tmux, team, a, text, opts)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(DeliveryError::Other("the delivery thread panicked".into()))
                    })
                })
                .collect()
        });
    }
    let mut cache = PresetCache::default();
    let mut results: Vec<Option<Result<Delivered, DeliveryError>>> =
        agents.iter().map(|_| None).collect();
    let mut jobs: Vec<(usize, &Agent, Preset)> = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        match cache.get(team, agent) {
            Ok(p) => jobs.push((i, agent, p)),
            Err(e) => results[i] = Some(Err(DeliveryError::Other(e.to_string()))),
        }
    }
    let deadline = opts.when_idle.map(|d| started + d);
    loop {
        // With --when-idle (one agent), wait without the lock so other senders go on.
        if let (Some(deadline), Some((i, agent, preset))) = (deadline, jobs.first()) {
            match observe_agent(tmux, team, agent, preset, Local::now()) {
                Err(e) => {
                    results[*i] = Some(Err(anyhow_to_delivery(e)));
                    break;
                }
                Ok(obs) => match judge(&obs, true) {
                    Err(e) => {
                        results[*i] = Some(Err(e));
                        break;
                    }
                    Ok(Verdict::Wait) => {
                        if Instant::now() >= deadline {
                            results[*i] = Some(Err(DeliveryError::Timeout {
                                agent: agent.name.clone(),
                                state: obs.state,
                                waited: started.elapsed(),
                            }));
                            break;
                        }
                        std::thread::sleep(opts.poll);
                        continue;
                    }
                    Ok(Verdict::Go { .. }) => {}
                },
            }
        }
        let waited = deliver_locked(
            tmux,
            team,
            &jobs,
            text,
            opts,
            deadline.is_some(),
            started,
            &mut results,
        );
        if !waited {
            break;
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(DeliveryError::Empty)))
        .collect()
}

fn anyhow_to_delivery(e: anyhow::Error) -> DeliveryError {
    match e.downcast::<TmuxError>() {
        Ok(t) => DeliveryError::Tmux(t),
        Err(e) => DeliveryError::Other(e.to_string()),
    }
}

/// One agent on its way through the pipeline.
struct Job<'a> {
    slot: usize,
    agent: &'a Agent,
    preset: &'a Preset,
    pane: String,
    queued: bool,
    before: u64,
    typed: u64,
    submits: u32,
    saw_draft: bool,
    draft_visible: bool,
    window_end: Option<Instant>,
    attempts_left: u32,
}

/// Take the locks, observe, refuse or type, submit and verify. Returns true when the (only)
/// agent was not ready and --when-idle should look again.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn deliver_locked(
    tmux: &Tmux,
    team: &Team,
    jobs: &[(usize, &Agent, Preset)],
    text: &str,
    opts: &SendOptions,
    waiting_ok: bool,
    started: Instant,
    results: &mut [Option<Result<Delivered, DeliveryError>>],
) -> bool {
    let mut guards = Vec::new();
    let mut locked: Vec<&(usize, &Agent, Preset)> = Vec::new();
    for job in jobs {
        match lock(team, &job.1.name) {
            Ok(g) => {
                guards.push(g);
                locked.push(job);
            }
            Err(e) => results[job.0] = Some(Err(e)),
        }
    }
    let pairs: Vec<(&Agent, &Preset)> = locked.iter().map(|(_, a, p)| (*a, p)).collect();
    let (observations, memory) = match observe_agents(tmux, team, &pairs, Local::now()) {
        Ok(o) => o,
        Err(e) => {
            for (slot, _, _) in &locked {
                results[*slot] = Some(Err(DeliveryError::Tmux(clone_tmux_error(&e))));
            }
            return false;
        }
    };

    // Judge each agent; build the typing batch for those that go.
    let (mut cmds, method) = (memory, method_of(text));
    let buffer = unique_buffer();
    let mut running: Vec<Job> = Vec::new();
    let mut cancel = Vec::new();
    for ((slot, agent, preset), obs) in locked.iter().zip(&observations) {
        match judge(obs, waiting_ok) {
            Err(e) => results[*slot] = Some(Err(e)),
            Ok(Verdict::Wait) => return true,
            Ok(Verdict::Go { queued }) => {
                let Some(pane) = obs.pane.clone() else {
                    results[*slot] = Some(Err(DeliveryError::Missing {
                        agent: agent.name.clone(),
                    }));
                    continue;
                };
                if obs.in_mode {
                    cancel.push(tcmd!["send-keys", "-t", pane.as_str(), "-X", "cancel"]);
                }
                running.push(Job {
                    slot: *slot,
                    agent,
                    preset,
                    pane,
                    queued,
                    before: obs.screen_hash,
                    typed: obs.screen_hash,
                    submits: 0,
                    saw_draft: false,
                    draft_visible: true,
                    window_end: None,
                    attempts_left: opts.attempts.max(1),
                });
            }
        }
    }
    if running.is_empty() {
        let _ = tmux.run_batch(&cmds);
        return false;
    }
    // Out of copy mode first; a pane that left by itself meanwhile is fine too.
    for c in &cancel {
        let _ = tmux.run(c);
    }
    let panes: Vec<&str> = running.iter().map(|j| j.pane.as_str()).collect();
    let (typing, input, _) = typing_batch(&panes, text, &buffer);
    cmds.extend(typing);
    if let Err(e) = tmux.run_batch_input(&cmds, input.as_deref()) {
        if method == Method::Paste {
            let _ = tmux.run(&tcmd!["delete-buffer", "-b", buffer.as_str()]);
        }
        for j in &running {
            results[j.slot] = Some(Err(DeliveryError::Tmux(clone_tmux_error(&e))));
        }
        return false;
    }
    let typed_at = Instant::now();

    // Wait (bounded) for the text to show on each screen.
    let echo_limit = Duration::from_millis(1000) + Duration::from_millis((text.len() / 20) as u64);
    loop {
        // A busy agent's screen changes by itself: for it, wait until the text itself
        // shows on its input line.
        let waiting: Vec<&str> = running
            .iter()
            .filter(|j| j.typed == j.before || (j.queued && !j.saw_draft))
            .map(|j| j.pane.as_str())
            .collect();
        if waiting.is_empty() || typed_at.elapsed() >= echo_limit {
            break;
        }
        std::thread::sleep(Duration::from_millis(4));
        let Ok(looks) = look_many(tmux, &waiting) else {
            continue;
        };
        for j in &mut running {
            if let Some(l) = looks.get(&j.pane) {
                j.typed = screen_hash(&l.screen);
                j.saw_draft |= read_screen(j.preset, &l.screen).draft.is_some();
            }
        }
    }

    // Submit each after its preset's delay, verify, and retry the submit key while the text
    // still sits on the input line.
    while !running.is_empty() {
        let now = Instant::now();
        let due: Vec<usize> = running
            .iter()
            .enumerate()
            .filter(|(_, j)| {
                j.window_end.is_none_or(|end| now >= end)
                    && j.attempts_left > 0
                    && typed_at + j.preset.submit_delay <= now
                    && (j.submits == 0 || j.draft_visible)
            })
            .map(|(i, _)| i)
            .collect();
        if !due.is_empty() {
            let enter: Vec<Cmd> = due
                .iter()
                .map(|&i| tcmd!["send-keys", "-t", running[i].pane.as_str(), "Enter"])
                .collect();
            if let Err(e) = tmux.run_batch(&enter) {
                for &i in &due {
                    results[running[i].slot] = Some(Err(DeliveryError::Tmux(clone_tmux_error(&e))));
                }
                running = running
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| !due.contains(i))
                    .map(|(_, j)| j)
                    .collect();
                continue;
            }
            let end = Instant::now() + opts.verify_window;
            for &i in &due {
                running[i].submits += 1;
                running[i].attempts_left -= 1;
                running[i].window_end = Some(end);
            }
        }
        // A job whose text never showed and whose window ran out without a draft on
        // screen spends an attempt watching.
        for j in &mut running {
            if j.submits > 0
                && !j.draft_visible
                && j.window_end.is_some_and(|end| Instant::now() >= end)
            {
                j.attempts_left = j.attempts_left.saturating_sub(1);
                j.window_end = Some(Instant::now() + opts.verify_window);
            }
        }
        let (done, pending): (Vec<Job>, Vec<Job>) = running.into_iter().partition(|j| {
            j.submits > 0
                && j.attempts_left == 0
                && j.window_end.is_some_and(|end| Instant::now() >= end)
        });
        for j in done {
            results[j.slot] = Some(Err(DeliveryError::NotSubmitted {
                agent: j.agent.name.clone(),
                submits: j.submits,
            }));
        }
        running = pending;
        let submitted: Vec<&str> = running
            .iter()
            .filter(|j| j.submits > 0)
            .map(|j| j.pane.as_str())
            .collect();
        if submitted.is_empty() {
            // Wait for the first submit to be due.
            let next = running
                .iter()
                .map(|j| typed_at + j.preset.submit_delay)
                .min()
                .unwrap_or_else(Instant::now);
            if let Some(d) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
            continue;
        }
        std::thread::sleep(Duration::from_millis(4));
        let looks = match look_many(tmux, &submitted) {
            Ok(l) => l,
            Err(_) => {
                // A pane went away: look at each alone; the gone ones fail.
                let mut looks = std::collections::HashMap::new();
                let mut gone = Vec::new();
                for p in &submitted {
                    match look_many(tmux, &[p]) {
                        Ok(mut one) => looks.extend(one.drain()),
                        Err(e) => gone.push(((*p).to_string(), e)),
                    }
                }
                for (p, e) in gone {
                    if let Some(j) = running.iter().find(|j| j.pane == p) {
                        results[j.slot] = Some(Err(DeliveryError::Tmux(e)));
                    }
                    running.retain(|j| j.pane != p);
                }
                looks
            }
        };
        let mut still = Vec::new();
        for mut j in running {
            let Some(l) = looks.get(&j.pane) else {
                still.push(j);
                continue;
            };
            let h = screen_hash(&l.screen);
            let r = read_screen(j.preset, &l.screen);
            let changed = h != j.before && h != j.typed;
            // The agent reacted: it works, asks something, hit its limit, or exited.
            let reacted = matches!(r.state, Some(State::Busy | State::Waiting | State::Limited))
                && !(j.queued && r.state == Some(State::Busy))
                && h != j.before;
            let input_empty =
                r.input_visible && r.draft.is_none() && changed && (!j.queued || j.saw_draft);
            if j.submits > 0
                && (l.dead || reacted || input_empty || (j.preset.input.is_none() && changed))
            {
                results[j.slot] = Some(Ok(Delivered {
                    agent: j.agent.name.clone(),
                    pane: j.pane.clone(),
                    method,
                    submits: j.submits,
                    queued: j.queued,
                    elapsed: started.elapsed(),
                }));
            } else {
                j.draft_visible = r.draft.is_some();
                still.push(j);
            }
        }
        running = still;
    }
    drop(guards);
    false
}

fn method_of(text: &str) -> Method {
    if is_literal(text) {
        Method::Literal
    } else {
        Method::Paste
    }
}

fn clone_tmux_error(e: &TmuxError) -> TmuxError {
    TmuxError::Failed {
        command: "tmux".into(),
        stderr: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(state: State, source: Source) -> Observation {
        Observation {
            agent: "A".into(),
            window: "w".into(),
            pane: Some("%1".into()),
            state,
            source,
            since: None,
            exit_status: Some(2),
            reset_at: None,
            draft: None,
            input_visible: true,
            in_mode: false,
            last_change: None,
            screen_hash: 0,
        }
    }

    #[test]
    fn literal_only_for_short_plain_lines() {
        assert!(is_literal(
            "hello; Enter C-c #{x} $(y) `z` 'q' \"w\" 日本 🎉"
        ));
        assert!(!is_literal("a\nb"));
        assert!(!is_literal("a\tb"));
        assert!(!is_literal(&"x".repeat(LITERAL_MAX + 1)));
    }

    #[test]
    fn literal_text_is_one_send_keys_with_double_dash() {
        let (cmds, input, m) = typing_batch(&["%3", "%4"], "-rf;", "b");
        assert_eq!(m, Method::Literal);
        assert!(input.is_none());
        assert_eq!(cmds[0], tcmd!["send-keys", "-t", "%3", "-l", "--", "-rf;"]);
        assert_eq!(cmds[1], tcmd!["send-keys", "-t", "%4", "-l", "--", "-rf;"]);
        // The trailing `;` is escaped when the batch is built.
        let args = crate::tmux::batch_args(&cmds[..1]);
        assert_eq!(args.last().map(String::as_str), Some("-rf\\;"));
    }

    #[test]
    fn several_lines_are_one_bracketed_paste_from_stdin() {
        let (cmds, input, m) = typing_batch(&["%3", "%4"], "a\nb", "buf");
        assert_eq!(m, Method::Paste);
        assert_eq!(input.as_deref(), Some(&b"a\nb"[..]));
        assert_eq!(cmds[0], tcmd!["load-buffer", "-b", "buf", "-"]);
        assert_eq!(
            cmds[1],
            tcmd!["paste-buffer", "-p", "-r", "-b", "buf", "-t", "%3"]
        );
        assert_eq!(
            cmds[2],
            tcmd!["paste-buffer", "-p", "-r", "-b", "buf", "-t", "%4"]
        );
        assert_eq!(cmds[3], tcmd!["delete-buffer", "-b", "buf"]);
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            judge(&obs(State::Missing, Source::Pane), false),
            Err(DeliveryError::Missing { .. })
        ));
        assert!(matches!(
            judge(&obs(State::Dead, Source::Pane), true),
            Err(DeliveryError::Dead {
                status: Some(2),
                ..
            })
        ));
        assert!(matches!(
            judge(&obs(State::Waiting, Source::Screen), false),
            Err(DeliveryError::Waiting { .. })
        ));
        assert_eq!(
            judge(&obs(State::Waiting, Source::Screen), true).unwrap(),
            Verdict::Wait
        );
        let mut d = obs(State::Idle, Source::Screen);
        d.draft = Some("half".into());
        assert!(matches!(judge(&d, false), Err(DeliveryError::Draft { .. })));
        assert_eq!(
            judge(&obs(State::Idle, Source::Screen), false).unwrap(),
            Verdict::Go { queued: false }
        );
        assert_eq!(
            judge(&obs(State::Busy, Source::Screen), false).unwrap(),
            Verdict::Go { queued: true }
        );
        let mut hidden = obs(State::Busy, Source::Screen);
        hidden.input_visible = false;
        assert!(matches!(
            judge(&hidden, false),
            Err(DeliveryError::Busy { .. })
        ));
        assert!(matches!(
            judge(&obs(State::Busy, Source::Stillness), false),
            Err(DeliveryError::Busy { .. })
        ));
        assert_eq!(judge(&hidden, true).unwrap(), Verdict::Wait);
        assert_eq!(
            judge(&obs(State::Limited, Source::Screen), false).unwrap(),
            Verdict::Go { queued: false }
        );
        assert_eq!(
            judge(&obs(State::Limited, Source::Screen), true).unwrap(),
            Verdict::Wait
        );
    }
}
