//! Delivering a directive to an agent as if typed, and making sure it was submitted
//! (DESIGN §4). The supervisor calls [`send`] (one agent) or [`send_many`] (a broadcast, one
//! pipeline for all) in-process; `atlas send` is a thin shell on them.
//!
//! The algorithm (docs/STATES-AND-DELIVERY.md has the long form):
//! 1. Sends to one agent are serialised by an exclusive lock on `logs/.locks/NAME.lock`,
//!    held across processes for the whole delivery (waited for at most
//!    [`SendOptions::lock_wait`]).
//! 2. The agent is observed under the lock. atlas refuses — before typing anything — an agent
//!    that is missing, dead, failed, showing a menu or question, whose input line is not on
//!    its screen, or holding an unsent draft on its input line (a "draft" drawn dim or grey is
//!    a placeholder, see [`crate::state::styled`]). A busy agent is typed into only when its
//!    program queues messages (the preset's `queue_key`: Claude Code and Gemini CLI queue on
//!    Enter, Codex on Tab) and its input line is visible; else it is refused, or waited for
//!    with `--when-idle`. The supervisor never types into a busy agent
//!    ([`SendOptions::only_idle`]).
//! 3. The pane is taken out of copy mode. The text goes in as one bracketed paste, whatever
//!    its length: `load-buffer -b UNIQUE -` fed on tmux's standard input (tmux streams it in
//!    pieces, so there is no size limit), `paste-buffer -p -r`, `delete-buffer`. Never as
//!    keys: programs read some typed keys as commands (see [`typing_batch`]).
//! 4. What happens next is decided by [`Submission`], a pure machine fed the screen: it waits
//!    (bounded) for the text to show on the input line, then for the preset's `submit_delay`,
//!    then asks for the submit key — sent on its own. It then watches the screen: the input
//!    line empty again (or the agent turned busy, opened a menu, hit a limit, exited) is a
//!    submission. The submit key is sent again only while the screen still shows exactly the
//!    text as typed, so no key ever lands in an empty input; every wait has a deadline.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Local;
use thiserror::Error;

use crate::config::{Agent, Team};
use crate::state::detect::{read_pane, screen_hash};
use crate::state::observe::{PresetCache, look_many, observe_agent, observe_agents};
use crate::state::{Observation, Preset, State};
use crate::tcmd;
use crate::tmux::{Cmd, Tmux, TmuxError};

/// How a delivery behaves.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// Wait at most this long for the agent to be idle before delivering (`--when-idle`).
    pub when_idle: Option<Duration>,
    /// How long to watch the screen after each submit key before sending it again.
    pub verify_window: Duration,
    /// How many times the submit key may be sent.
    pub attempts: u32,
    /// How often to look again while waiting for idle.
    pub poll: Duration,
    /// Refuse a busy agent even when its program would queue the message (the supervisor).
    pub only_idle: bool,
    /// How long to wait for another delivery to the same agent to finish.
    pub lock_wait: Duration,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            when_idle: None,
            verify_window: Duration::from_millis(1500),
            attempts: 3,
            poll: Duration::from_millis(100),
            only_idle: false,
            lock_wait: Duration::from_secs(30),
        }
    }
}

impl SendOptions {
    /// The longest a delivery can take once the agent's lock is held and it was judged ready:
    /// the echo of `len` bytes, the submit delay, and every submit key's window.
    pub fn bound(&self, len: usize, submit_delay: Duration) -> Duration {
        echo_limit(len) + submit_delay + self.verify_window * self.attempts.max(1)
    }
}

/// How long the typed text may take to show on the screen.
pub fn echo_limit(len: usize) -> Duration {
    // Generous: a program on a loaded machine (three Pythons starting on two cores) may take
    // over a second to draw what was typed; a send that sees it sooner goes on at once.
    Duration::from_millis(3000) + Duration::from_millis((len / 20) as u64)
}

/// A directive delivered and seen submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The agent.
    pub agent: String,
    /// Its pane.
    pub pane: String,
    /// How many times the submit key was sent.
    pub submits: u32,
    /// Whether the agent was busy and its program queued the message.
    pub queued: bool,
    /// From the call to the verified submission.
    pub elapsed: Duration,
}

/// Why a directive was not delivered (or could not be confirmed). [`DeliveryError::nothing_typed`]
/// says whether the agent's input was left untouched.
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
    /// The agent's input line is not on its screen (a dialog atlas does not know, or output
    /// covering it).
    #[error(
        "{agent}'s input line is not on its screen (it may show a dialog atlas does not know); look at its pane with `atlas peek {agent}` (nothing was typed)"
    )]
    NoInput {
        /// The agent.
        agent: String,
    },
    /// The agent is busy (or starting) and its program does not queue messages (or the
    /// caller asked for an idle agent).
    #[error("{agent} is {state}{why}; try again later or use --when-idle (nothing was typed)")]
    Busy {
        /// The agent.
        agent: String,
        /// Its state.
        state: State,
        /// Why it cannot take the message now.
        why: String,
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
    /// The text was typed but never showed on the agent's input line: no submit key sent.
    #[error(
        "the text was typed into {agent} but never showed on its input line, so no submit key was sent; look at its pane (`atlas peek {agent}`)"
    )]
    NoEcho {
        /// The agent.
        agent: String,
    },
    /// The program exited while the text was being typed, before a submit key was sent.
    #[error("{agent} exited while the text was being typed; nothing was submitted")]
    Exited {
        /// The agent.
        agent: String,
    },
    /// The text was typed but stayed on the input line through every submit key.
    #[error(
        "the text was typed into {agent} but stayed on its input line after {submits} submit key(s): not delivered; it is still there (`atlas peek {agent}`)"
    )]
    NotSubmitted {
        /// The agent.
        agent: String,
        /// How many times the submit key was sent.
        submits: u32,
    },
    /// The submit key was sent, the text left the input line, but the screen then showed
    /// neither an input line nor a state atlas knows: the outcome is not known.
    #[error(
        "the text was typed into {agent} and submitted, but its screen then showed neither its input line nor a state atlas knows, so the delivery is not confirmed; look at its pane (`atlas peek {agent}`)"
    )]
    Unverified {
        /// The agent.
        agent: String,
        /// How many times the submit key was sent.
        submits: u32,
    },
    /// Another delivery to the agent held its lock too long.
    #[error(
        "another delivery to {agent} has been running for more than {}s; try again later (nothing was typed)", waited.as_secs()
    )]
    LockTimeout {
        /// The agent.
        agent: String,
        /// How long atlas waited.
        waited: Duration,
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
    /// Whether the agent's input was left untouched (nothing typed).
    pub fn nothing_typed(&self) -> bool {
        !matches!(
            self,
            DeliveryError::NoEcho { .. }
                | DeliveryError::Exited { .. }
                | DeliveryError::NotSubmitted { .. }
                | DeliveryError::Unverified { .. }
                | DeliveryError::Tmux(_)
        )
    }

    /// Whether the text may have reached the program (submitted, outcome unknown).
    pub fn maybe_delivered(&self) -> bool {
        matches!(self, DeliveryError::Unverified { .. })
    }
}

/// The lock file that serialises sends to one agent.
pub fn lock_path(team: &Team, agent: &str) -> PathBuf {
    team.logs.join(".locks").join(format!("{agent}.lock"))
}

/// Take the agent's send lock, waiting at most `wait` while another process delivers to it.
/// Released when the file is dropped.
pub fn lock(team: &Team, agent: &str, wait: Duration) -> Result<File, DeliveryError> {
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
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= wait {
                    return Err(DeliveryError::LockTimeout {
                        agent: agent.to_string(),
                        waited: started.elapsed(),
                    });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(err(e)),
        }
    }
}

/// What to do with an agent as observed.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Type now (queued: the agent is busy and its program queues the message).
    Go { queued: bool },
    /// Not now; with --when-idle, look again.
    Wait,
}

/// How a delivery may treat the agent: wait for it (`--when-idle`), queue into it when busy.
#[derive(Debug, Clone, Copy)]
struct Policy {
    waiting_allowed: bool,
    only_idle: bool,
}

fn judge(obs: &Observation, preset: &Preset, policy: Policy) -> Result<Verdict, DeliveryError> {
    let agent = obs.agent.clone();
    let wait_or = |e: DeliveryError| {
        if policy.waiting_allowed {
            Ok(Verdict::Wait)
        } else {
            Err(e)
        }
    };
    let has_input = preset.input.is_some();
    // Ready to type: the input line is there (for presets that can see it) and empty.
    let ready = |obs: &Observation, queued: bool| {
        if has_input && !obs.input_visible {
            return wait_or(DeliveryError::NoInput {
                agent: obs.agent.clone(),
            });
        }
        match &obs.draft {
            Some(d) => Err(DeliveryError::Draft {
                agent: obs.agent.clone(),
                draft: d.clone(),
            }),
            None => Ok(Verdict::Go { queued }),
        }
    };
    match obs.state {
        State::Missing => Err(DeliveryError::Missing { agent }),
        State::Dead => Err(DeliveryError::Dead {
            agent,
            status: obs.exit_status,
        }),
        State::Failed => Err(DeliveryError::Failed { agent }),
        State::Stopped => Err(DeliveryError::Stopped { agent }),
        State::Waiting => wait_or(DeliveryError::Waiting { agent }),
        // A limited agent is at its prompt (the supervisor tells it to continue after the
        // reset); --when-idle waits for the limit to end.
        State::Limited if policy.waiting_allowed => Ok(Verdict::Wait),
        State::Idle | State::Limited => ready(obs, false),
        _ if policy.waiting_allowed => Ok(Verdict::Wait),
        State::Busy if !policy.only_idle && preset.queue_key.is_some() && obs.input_visible => {
            ready(obs, true)
        }
        state => Err(DeliveryError::Busy {
            agent,
            state,
            why: if policy.only_idle || state != State::Busy {
                String::new()
            } else if preset.queue_key.is_none() {
                " and its program does not queue messages".into()
            } else {
                " and its input line is not visible".into()
            },
        }),
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

/// The tmux commands (and their standard input) that put `text` on the input line of each
/// pane, without submitting it: one buffer loaded from stdin, pasted (bracketed, when the
/// program asked for that) into each pane, then deleted. Always a paste, even for one short
/// line: keys typed one by one are read as commands where a paste is not — a `?` typed into
/// an empty input opens Codex's and Gemini CLI's shortcut help and is lost, and Gemini drops
/// a `?` anywhere in a burst typed into an empty input; a leading `!` typed into Gemini CLI
/// turns on its shell mode.
pub fn typing_batch(panes: &[&str], text: &str, buffer: &str) -> (Vec<Cmd>, Vec<u8>) {
    let mut cmds = vec![tcmd!["load-buffer", "-b", buffer, "-"]];
    for p in panes {
        cmds.push(tcmd!["paste-buffer", "-p", "-r", "-b", buffer, "-t", *p]);
    }
    cmds.push(tcmd!["delete-buffer", "-b", buffer]);
    (cmds, text.as_bytes().to_vec())
}

// ---------------------------------------------------------------------------------------
// The submission machine (pure).

/// What one look at the screen says, as [`Submission`] needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Seen {
    /// A hash of the visible screen.
    pub hash: u64,
    /// Whether the pane is dead.
    pub dead: bool,
    /// The state a preset pattern read (None: no pattern matched).
    pub state: Option<State>,
    /// Whether the input line is on the screen.
    pub input_visible: bool,
    /// The text on it, if any.
    pub draft: Option<String>,
}

/// What the caller should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Look again.
    Wait,
    /// Send the submit key now, then call [`Submission::submitted`].
    Submit,
    /// Submitted.
    Delivered,
    /// Typed, but never showed on the input line (no submit key sent).
    NoEcho,
    /// The program exited before a submit key was sent.
    Exited,
    /// Still on the input line after every submit key.
    NotSubmitted,
    /// Submitted, but the screen confirms nothing.
    Unverified,
}

/// One delivery after its text was typed: waits for the echo, asks for the submit key, and
/// judges each look at the screen until it knows the outcome — or its deadline passes.
#[derive(Debug, Clone)]
pub struct Submission {
    queued: bool,
    has_input: bool,
    before: u64,
    /// The text typed, as words (white space collapsed), to tell it on the screen.
    text: String,
    /// A screen with the text partly shown, and when it was first seen (it must stand
    /// still a moment before it counts as the echo).
    settling: Option<(u64, Instant)>,
    typed_at: Instant,
    echo_deadline: Instant,
    submit_delay: Duration,
    /// The screen with the text typed (its hash, and the draft read on it).
    echo: Option<(u64, Option<String>)>,
    submits: u32,
    attempts: u32,
    window: Duration,
    last_submit: Option<Instant>,
    deadline: Option<Instant>,
}

impl Submission {
    /// A submission whose text (of `len` bytes) was typed at `typed_at` into a screen that
    /// hashed to `before`. `queued`: the agent is busy and its program queues the message.
    pub fn new(
        preset: &Preset,
        opts: &SendOptions,
        before: u64,
        queued: bool,
        text: &str,
        typed_at: Instant,
    ) -> Submission {
        Submission {
            queued,
            has_input: preset.input.is_some(),
            before,
            text: words(text),
            settling: None,
            typed_at,
            echo_deadline: typed_at + echo_limit(text.len()),
            submit_delay: preset.submit_delay,
            echo: None,
            submits: 0,
            attempts: opts.attempts.max(1),
            window: opts.verify_window,
            last_submit: None,
            deadline: None,
        }
    }

    /// How many submit keys were sent.
    pub fn submits(&self) -> u32 {
        self.submits
    }

    /// The submit key was sent at `now`.
    pub fn submitted(&mut self, now: Instant) {
        self.submits += 1;
        self.last_submit = Some(now);
        if self.deadline.is_none() {
            self.deadline = Some(now + self.window * self.attempts);
        }
    }

    /// When it is worth looking again at the latest (for the caller's sleep).
    pub fn next_due(&self) -> Option<Instant> {
        if self.echo.is_some() && self.submits == 0 {
            return Some(self.typed_at + self.submit_delay);
        }
        None
    }

    /// Judge one look at the screen.
    pub fn step(&mut self, seen: &Seen, now: Instant) -> Step {
        let Some((echo_hash, echo_draft)) = self.echo.clone() else {
            if seen.dead {
                return Step::Exited;
            }
            // The text shows: on the input line, or (a program drawing several lines of
            // input without the prompt at the bottom) as a changed screen without it. A busy
            // screen changes by itself, so a queued message must show on the input line.
            let shown = if self.has_input {
                seen.draft.is_some()
                    || (!self.queued && seen.hash != self.before && !seen.input_visible)
            } else {
                seen.hash != self.before
            };
            if shown {
                // The whole text on the input line (or its end, where a long line scrolls):
                // the echo. Anything else — the start of it while the program still draws,
                // a placeholder for a paste — must first stand still a moment.
                let whole = seen
                    .draft
                    .as_deref()
                    .is_some_and(|d| shows_the_end_of(d, &self.text));
                let settled = match self.settling {
                    Some((h, t)) if h == seen.hash => now.saturating_duration_since(t) >= SETTLE,
                    _ => {
                        self.settling = Some((seen.hash, now));
                        false
                    }
                };
                if whole || settled || now >= self.echo_deadline {
                    self.echo = Some((seen.hash, seen.draft.clone()));
                    return self.step(seen, now);
                }
                return Step::Wait;
            }
            if now >= self.echo_deadline {
                // A preset that cannot see an input line: submit anyway, as typed.
                if !self.has_input && !self.queued {
                    self.echo = Some((seen.hash, None));
                    return self.step(seen, now);
                }
                return Step::NoEcho;
            }
            return Step::Wait;
        };
        if self.submits == 0 {
            if seen.dead {
                return Step::Exited;
            }
            return if now >= self.typed_at + self.submit_delay {
                Step::Submit
            } else {
                Step::Wait
            };
        }
        if seen.dead {
            return Step::Delivered; // it read the submit key, and exited
        }
        let as_typed = seen.hash == echo_hash;
        let ours_still = self.has_input && seen.draft.is_some() && seen.draft == echo_draft;
        let retry_or_fail = |s: &Self| {
            let due = s
                .last_submit
                .is_none_or(|t| now.saturating_duration_since(t) >= s.window);
            if !due {
                Step::Wait
            } else if s.submits < s.attempts {
                Step::Submit
            } else {
                Step::NotSubmitted
            }
        };
        if self.has_input {
            if seen.input_visible && seen.draft.is_none() && !as_typed {
                return Step::Delivered; // the input line is empty again
            }
            if ours_still || as_typed {
                return retry_or_fail(self);
            }
            if !self.queued
                && matches!(
                    seen.state,
                    Some(State::Busy | State::Waiting | State::Limited)
                )
            {
                return Step::Delivered; // it works on it, asks about it, or hit a limit
            }
            if let Some(d) = seen.draft.as_deref().filter(|_| seen.input_visible) {
                if part_of(d, &self.text) {
                    // Some of our text is still there, changed: not submitted, and a submit
                    // key now would send a text other than the one given.
                    return if self.deadline.is_some_and(|dl| now >= dl) {
                        Step::NotSubmitted
                    } else {
                        Step::Wait
                    };
                }
                // Other text than ours on the input line: ours left it (the rest is a hint
                // atlas does not know).
                return Step::Delivered;
            }
        } else {
            if seen.hash != self.before {
                return Step::Delivered;
            }
            if as_typed {
                return retry_or_fail(self);
            }
        }
        if self.deadline.is_some_and(|d| now >= d) {
            Step::Unverified
        } else {
            Step::Wait
        }
    }
}

/// Two looks this far apart with the same screen: it stands still.
const STILL: Duration = Duration::from_millis(120);
/// A program started less than this ago is young: its screen must stand still longer.
const YOUNG: Duration = Duration::from_secs(10);
/// How long a young program's screen must stand still before it is typed into.
const YOUNG_STILL: Duration = Duration::from_millis(600);
/// A screen that changed less than this ago (tmux's activity time, in whole seconds) may
/// still be drawing: it is looked at twice.
const RECENT: Duration = Duration::from_secs(2);
/// How long a send waits for an idle program's screen to stand still before typing.
const STILL_WAIT: Duration = Duration::from_secs(2);

/// How long a partly shown text must stand still on the screen to count as typed.
const SETTLE: Duration = Duration::from_millis(150);

/// Text as words: white space collapsed, a leading `…` (a cut-off line) dropped.
fn words(text: &str) -> String {
    text.trim()
        .trim_start_matches('…')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a draft on the screen is the whole text, or its end (an input line that scrolls
/// shows the end of a long text).
fn shows_the_end_of(draft: &str, text: &str) -> bool {
    let d = words(draft);
    !d.is_empty() && (d == text || (d.chars().count() >= 8 && text.ends_with(&d)))
}

/// Whether a draft is the text typed, changed a little: a few characters dropped, added
/// or changed, the rest — at least four fifths of the longer of the two — the same at its
/// start and end. Short texts and hints that merely share some words are not.
fn part_of(draft: &str, text: &str) -> bool {
    let d: Vec<char> = words(draft).chars().collect();
    let t: Vec<char> = text.chars().collect();
    if d.len().min(t.len()) < 6 {
        return false;
    }
    let prefix = d.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let suffix = d[prefix..]
        .iter()
        .rev()
        .zip(t[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    (prefix + suffix) * 5 >= d.len().max(t.len()) * 4
}

/// Read one look for the machine.
fn seen(preset: &Preset, look: &crate::state::observe::Look) -> Seen {
    let (screen, dead) = (look.screen.as_str(), look.dead);
    let r = read_pane(preset, screen, &look.title, look.cursor);
    // An open menu has no input line to read (what looks like one is the transcript's):
    // no key ever goes into it because "our text is still there".
    let menu = r.state == Some(State::Waiting);
    Seen {
        hash: screen_hash(screen),
        dead,
        state: r.state,
        input_visible: r.input_visible && !menu,
        draft: if menu { None } else { r.draft },
    }
}

// ---------------------------------------------------------------------------------------
// The shell: tmux, locks, the loop.

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
    let policy = Policy {
        waiting_allowed: opts.when_idle.is_some(),
        only_idle: opts.only_idle,
    };
    let deadline = opts.when_idle.map(|d| started + d);
    loop {
        // With --when-idle (one agent), wait without the lock so other senders go on.
        if let (Some(deadline), Some((i, agent, preset))) = (deadline, jobs.first()) {
            match observe_agent(tmux, team, agent, preset, Local::now()) {
                Err(e) => {
                    results[*i] = Some(Err(anyhow_to_delivery(e)));
                    break;
                }
                Ok(obs) => match judge(&obs, preset, policy) {
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
        let wait_again =
            deliver_locked(tmux, team, &jobs, text, opts, policy, started, &mut results);
        if !wait_again {
            break;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            if let Some((i, agent, _)) = jobs.first() {
                results[*i] = Some(Err(DeliveryError::Timeout {
                    agent: agent.name.clone(),
                    state: State::Busy,
                    waited: started.elapsed(),
                }));
            }
            break;
        }
        std::thread::sleep(opts.poll);
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

/// Clear drafts that are only placeholders drawn faint (one styled capture of the panes that
/// seem to hold a draft).
fn confirm_drafts(tmux: &Tmux, observations: &mut [Observation], presets: &[&Preset]) {
    let suspects: Vec<usize> = observations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.draft.is_some() && o.pane.is_some())
        .map(|(i, _)| i)
        .collect();
    if suspects.is_empty() {
        return;
    }
    let cmds: Vec<Cmd> = suspects
        .iter()
        .filter_map(|&i| observations[i].pane.as_deref())
        .map(|p| tcmd!["capture-pane", "-p", "-J", "-e", "-t", p])
        .collect();
    for (&i, cmd) in suspects.iter().zip(&cmds) {
        if let Ok(styled) = tmux.run(cmd) {
            if crate::state::styled::draft_is_faint(presets[i], &styled) {
                observations[i].draft = None;
            }
        }
    }
}

/// One agent on its way through the pipeline.
struct Job<'a> {
    slot: usize,
    agent: &'a Agent,
    preset: &'a Preset,
    pane: String,
    key: String,
    queued: bool,
    machine: Submission,
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
    policy: Policy,
    started: Instant,
    results: &mut [Option<Result<Delivered, DeliveryError>>],
) -> bool {
    let mut guards = Vec::new();
    let mut locked: Vec<&(usize, &Agent, Preset)> = Vec::new();
    for job in jobs {
        match lock(team, &job.1.name, opts.lock_wait) {
            Ok(g) => {
                guards.push(g);
                locked.push(job);
            }
            Err(e) => results[job.0] = Some(Err(e)),
        }
    }
    let pairs: Vec<(&Agent, &Preset)> = locked.iter().map(|(_, a, p)| (*a, p)).collect();
    // A program at its prompt whose screen has just changed may still be drawing (one
    // that has just started, or resumed a conversation, eats keys typed now): look again
    // until its screen stands still, for a bounded time.
    let settle_by = Instant::now() + STILL_WAIT;
    let mut before: Option<(Vec<u64>, Instant)> = None;
    // A program started moments ago may draw its prompt before it reads keys (Gemini CLI
    // resuming a conversation drops what is typed in its first ~0.3 s, and may blank its
    // screen once more): young. Only presets that say so (`slow_start`) are watched.
    let young = |o: &Observation| {
        o.pid
            .and_then(crate::proctree::age)
            .is_some_and(|a| a < YOUNG)
    };
    let slow: std::collections::HashSet<&str> = pairs
        .iter()
        .filter(|(_, p)| p.slow_start)
        .map(|(a, _)| a.name.as_str())
        .collect();
    let (mut observations, mut memory) = loop {
        let now = Local::now();
        let (observations, memory) = match observe_agents(tmux, team, &pairs, now) {
            Ok(o) => o,
            Err(e) => {
                for (slot, _, _) in &locked {
                    results[*slot] = Some(Err(DeliveryError::Tmux(clone_tmux_error(&e))));
                }
                return false;
            }
        };
        // The agents watched (of presets that draw before they read): those at their
        // prompt, and young ones still starting.
        let watched: Vec<&Observation> = observations
            .iter()
            .filter(|o| {
                slow.contains(o.agent.as_str())
                    && (matches!(o.state, State::Idle | State::Limited)
                        || (o.state == State::Starting && young(o)))
            })
            .collect();
        let hashes: Vec<u64> = watched.iter().map(|o| o.screen_hash).collect();
        let starting = watched.iter().any(|o| o.state == State::Starting);
        // Whether any of them changed lately (tmux's activity time has whole seconds:
        // "lately" is the last two), or is starting.
        let lately = starting
            || watched.iter().any(|o| {
                o.last_change
                    .is_some_and(|t| (now - t).to_std().unwrap_or_default() < RECENT)
            });
        let need = if watched.iter().any(|o| young(o)) {
            YOUNG_STILL
        } else {
            STILL
        };
        // Still: the same screens as a look `need` ago, none of them starting.
        let still = !starting
            && match &before {
                Some((h, t)) if *h == hashes => t.elapsed() >= need,
                _ => false,
            };
        if !lately || still || Instant::now() >= settle_by {
            break (observations, memory);
        }
        let _ = tmux.run_batch(&memory);
        if before.as_ref().is_none_or(|(h, _)| *h != hashes) {
            before = Some((hashes, Instant::now()));
        }
        std::thread::sleep(STILL);
    };
    // A program that hides its cursor while it works also hides it for a moment on every
    // redraw at its prompt: a busy reading of such a program is looked at once more before
    // it refuses the send.
    let again = |o: &Observation, p: &Preset| {
        p.busy_cursor_hidden && o.state == State::Busy && !policy.waiting_allowed
    };
    if observations
        .iter()
        .zip(&pairs)
        .any(|(o, (_, p))| again(o, p))
    {
        std::thread::sleep(STILL);
        if let Ok((second, more)) = observe_agents(tmux, team, &pairs, Local::now()) {
            for ((o, s), (_, p)) in observations.iter_mut().zip(second).zip(&pairs) {
                if again(o, p) {
                    *o = s;
                }
            }
            // The newer look's memory replaces the older one's.
            memory = more;
        }
    }
    let presets: Vec<&Preset> = locked.iter().map(|(_, _, p)| p).collect();
    confirm_drafts(tmux, &mut observations, &presets);

    // Judge each agent; build the typing batch for those that go.
    let mut cmds = memory;
    let buffer = unique_buffer();
    let mut running: Vec<Job> = Vec::new();
    let mut cancel = Vec::new();
    let typed_at = Instant::now();
    for ((slot, agent, preset), obs) in locked.iter().zip(&observations) {
        match judge(obs, preset, policy) {
            Err(e) => results[*slot] = Some(Err(e)),
            Ok(Verdict::Wait) => {
                let _ = tmux.run_batch(&cmds);
                return true;
            }
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
                let key = if queued {
                    preset.queue_key.clone().unwrap_or_else(|| "Enter".into())
                } else {
                    "Enter".into()
                };
                running.push(Job {
                    slot: *slot,
                    agent,
                    preset,
                    pane,
                    key,
                    queued,
                    machine: Submission::new(preset, opts, obs.screen_hash, queued, text, typed_at),
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
    let (typing, input) = typing_batch(&panes, text, &buffer);
    cmds.extend(typing);
    if let Err(e) = tmux.run_batch_input(&cmds, Some(&input)) {
        let _ = tmux.run(&tcmd!["delete-buffer", "-b", buffer.as_str()]);
        for j in &running {
            results[j.slot] = Some(Err(DeliveryError::Tmux(clone_tmux_error(&e))));
        }
        return false;
    }
    // The machines were made before typing: their clocks start now.
    let typed_at = Instant::now();
    for j in &mut running {
        j.machine = Submission::new(j.preset, opts, j.machine.before, j.queued, text, typed_at);
    }

    // Watch, submit, verify: every machine has a deadline, so this loop ends.
    while !running.is_empty() {
        let panes: Vec<&str> = running.iter().map(|j| j.pane.as_str()).collect();
        let looks = match look_many(tmux, &panes) {
            Ok(l) => l,
            Err(_) => {
                // A pane went away: look at each alone; the gone ones fail.
                let mut looks = std::collections::HashMap::new();
                let mut gone = Vec::new();
                for p in &panes {
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
        let now = Instant::now();
        let mut submit: Vec<usize> = Vec::new();
        let mut still = Vec::new();
        for (i, mut j) in running.into_iter().enumerate() {
            let Some(l) = looks.get(&j.pane) else {
                still.push(j);
                continue;
            };
            let step = j.machine.step(&seen(j.preset, l), now);
            let agent = j.agent.name.clone();
            let done = match step {
                Step::Wait => None,
                Step::Submit => {
                    submit.push(i);
                    None
                }
                Step::Delivered => Some(Ok(Delivered {
                    agent,
                    pane: j.pane.clone(),
                    submits: j.machine.submits(),
                    queued: j.queued,
                    elapsed: started.elapsed(),
                })),
                Step::NoEcho => Some(Err(DeliveryError::NoEcho { agent })),
                Step::Exited => Some(Err(DeliveryError::Exited { agent })),
                Step::NotSubmitted => Some(Err(DeliveryError::NotSubmitted {
                    agent,
                    submits: j.machine.submits(),
                })),
                Step::Unverified => Some(Err(DeliveryError::Unverified {
                    agent,
                    submits: j.machine.submits(),
                })),
            };
            match done {
                Some(r) => results[j.slot] = Some(r),
                None => {
                    // Keep the index of a job that submits now.
                    if submit.last() == Some(&i) {
                        submit.pop();
                        submit.push(still.len());
                    }
                    still.push(j);
                }
            }
        }
        running = still;
        if !submit.is_empty() {
            let keys: Vec<Cmd> = submit
                .iter()
                .map(|&i| {
                    tcmd![
                        "send-keys",
                        "-t",
                        running[i].pane.as_str(),
                        running[i].key.as_str()
                    ]
                })
                .collect();
            let sent = tmux.run_batch(&keys);
            let now = Instant::now();
            match sent {
                Ok(_) => {
                    for &i in &submit {
                        running[i].machine.submitted(now);
                    }
                }
                Err(e) => {
                    for &i in &submit {
                        results[running[i].slot] =
                            Some(Err(DeliveryError::Tmux(clone_tmux_error(&e))));
                    }
                    let mut k = 0;
                    running.retain(|_| {
                        k += 1;
                        !submit.contains(&(k - 1))
                    });
                }
            }
        }
        if running.is_empty() {
            break;
        }
        // Sleep until the next submit is due, or briefly to watch the screen.
        let now = Instant::now();
        let pause = running
            .iter()
            .filter_map(|j| j.machine.next_due())
            .map(|t| t.saturating_duration_since(now))
            .min()
            .unwrap_or(Duration::from_millis(10))
            .clamp(Duration::from_millis(2), Duration::from_millis(10));
        std::thread::sleep(pause);
    }
    drop(guards);
    false
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
    use crate::state::Source;

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
            pid: None,
        }
    }

    #[test]
    fn one_short_line_is_pasted_too_never_typed_as_keys() {
        let (cmds, input) = typing_batch(&["%3"], "? -rf; Enter C-c #{x}", "b");
        assert_eq!(input, b"? -rf; Enter C-c #{x}");
        assert_eq!(cmds[0], tcmd!["load-buffer", "-b", "b", "-"]);
        assert_eq!(
            cmds[1],
            tcmd!["paste-buffer", "-p", "-r", "-b", "b", "-t", "%3"]
        );
        assert!(!cmds.iter().any(|c| format!("{c:?}").contains("send-keys")));
    }

    #[test]
    fn several_lines_are_one_bracketed_paste_from_stdin() {
        let (cmds, input) = typing_batch(&["%3", "%4"], "a\nb", "buf");
        assert_eq!(input, b"a\nb");
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

    fn policy(waiting_allowed: bool, only_idle: bool) -> Policy {
        Policy {
            waiting_allowed,
            only_idle,
        }
    }

    #[test]
    fn refusals() {
        let claude = Preset::builtin("claude").unwrap();
        let aider = Preset::builtin("aider").unwrap();
        let now = policy(false, false);
        let when_idle = policy(true, false);
        assert!(matches!(
            judge(&obs(State::Missing, Source::Pane), &claude, now),
            Err(DeliveryError::Missing { .. })
        ));
        assert!(matches!(
            judge(&obs(State::Dead, Source::Pane), &claude, when_idle),
            Err(DeliveryError::Dead {
                status: Some(2),
                ..
            })
        ));
        assert!(matches!(
            judge(&obs(State::Waiting, Source::Screen), &claude, now),
            Err(DeliveryError::Waiting { .. })
        ));
        assert_eq!(
            judge(&obs(State::Waiting, Source::Screen), &claude, when_idle).unwrap(),
            Verdict::Wait
        );
        let mut d = obs(State::Idle, Source::Screen);
        d.draft = Some("half".into());
        assert!(matches!(
            judge(&d, &claude, now),
            Err(DeliveryError::Draft { .. })
        ));
        assert_eq!(
            judge(&obs(State::Idle, Source::Screen), &claude, now).unwrap(),
            Verdict::Go { queued: false }
        );
        // An idle-looking screen without the input line (an unknown dialog): never typed into.
        let mut hidden = obs(State::Idle, Source::Stillness);
        hidden.input_visible = false;
        assert!(matches!(
            judge(&hidden, &claude, now),
            Err(DeliveryError::NoInput { .. })
        ));
        assert_eq!(judge(&hidden, &claude, when_idle).unwrap(), Verdict::Wait);
        // Busy: queued where the program queues (Claude Code), refused where it does not
        // (Aider), and by the supervisor (only idle).
        assert_eq!(
            judge(&obs(State::Busy, Source::Screen), &claude, now).unwrap(),
            Verdict::Go { queued: true }
        );
        assert_eq!(
            judge(&obs(State::Busy, Source::Signal), &claude, now).unwrap(),
            Verdict::Go { queued: true }
        );
        assert!(matches!(
            judge(&obs(State::Busy, Source::Screen), &aider, now),
            Err(DeliveryError::Busy { .. })
        ));
        assert!(matches!(
            judge(
                &obs(State::Busy, Source::Screen),
                &claude,
                policy(false, true)
            ),
            Err(DeliveryError::Busy { .. })
        ));
        let mut busy_hidden = obs(State::Busy, Source::Screen);
        busy_hidden.input_visible = false;
        assert!(matches!(
            judge(&busy_hidden, &claude, now),
            Err(DeliveryError::Busy { .. })
        ));
        assert_eq!(
            judge(&busy_hidden, &claude, when_idle).unwrap(),
            Verdict::Wait
        );
        assert_eq!(
            judge(&obs(State::Limited, Source::Screen), &claude, now).unwrap(),
            Verdict::Go { queued: false }
        );
        assert_eq!(
            judge(&obs(State::Limited, Source::Screen), &claude, when_idle).unwrap(),
            Verdict::Wait
        );
    }

    // -- the submission machine ------------------------------------------------------------

    const T: Duration = Duration::from_millis(1);

    fn machine(preset: &str, queued: bool) -> (Submission, Instant) {
        let p = Preset::builtin(preset).unwrap();
        let t0 = Instant::now();
        (
            Submission::new(&p, &SendOptions::default(), 1, queued, "hello", t0),
            t0,
        )
    }

    fn look(hash: u64, state: Option<State>, input: bool, draft: Option<&str>) -> Seen {
        Seen {
            hash,
            dead: false,
            state,
            input_visible: input,
            draft: draft.map(str::to_string),
        }
    }

    #[test]
    fn submits_once_the_text_shows_then_sees_the_input_empty() {
        let (mut m, t0) = machine("claude", false);
        let empty = look(1, Some(State::Idle), true, None);
        let typed = look(2, Some(State::Idle), true, Some("hello"));
        assert_eq!(m.step(&empty, t0 + T), Step::Wait, "no echo yet");
        assert_eq!(m.step(&typed, t0 + T), Step::Wait, "the submit delay first");
        assert_eq!(
            m.step(&typed, t0 + Duration::from_millis(250)),
            Step::Submit
        );
        m.submitted(t0 + Duration::from_millis(250));
        assert_eq!(m.step(&typed, t0 + Duration::from_millis(260)), Step::Wait);
        let after = look(3, Some(State::Busy), true, None);
        assert_eq!(
            m.step(&after, t0 + Duration::from_millis(300)),
            Step::Delivered
        );
        assert_eq!(m.submits(), 1);
    }

    #[test]
    fn no_echo_means_no_submit_key_at_all() {
        let (mut m, t0) = machine("claude", false);
        let empty = look(1, Some(State::Idle), true, None);
        assert_eq!(m.step(&empty, t0 + Duration::from_millis(500)), Step::Wait);
        assert_eq!(m.step(&empty, t0 + Duration::from_secs(4)), Step::NoEcho);
    }

    #[test]
    fn the_key_is_sent_again_only_while_the_text_still_sits_there() {
        let (mut m, t0) = machine("aider", false);
        let typed = look(2, Some(State::Idle), true, Some("hello"));
        assert_eq!(
            m.step(&typed, t0 + Duration::from_millis(200)),
            Step::Submit
        );
        m.submitted(t0 + Duration::from_millis(200));
        // Still there, but the window has not passed: wait.
        assert_eq!(m.step(&typed, t0 + Duration::from_millis(900)), Step::Wait);
        let t = t0 + Duration::from_millis(1800);
        assert_eq!(m.step(&typed, t), Step::Submit);
        m.submitted(t);
        let t = t + Duration::from_millis(1600);
        assert_eq!(m.step(&typed, t), Step::Submit);
        m.submitted(t);
        let t = t + Duration::from_millis(1600);
        assert_eq!(m.step(&typed, t), Step::NotSubmitted);
        assert_eq!(m.submits(), 3);
    }

    #[test]
    fn an_unknown_screen_after_the_submit_ends_unverified_at_the_deadline() {
        let (mut m, t0) = machine("gemini", false);
        let typed = look(2, Some(State::Idle), true, Some("hello"));
        assert_eq!(
            m.step(&typed, t0 + Duration::from_millis(200)),
            Step::Submit
        );
        m.submitted(t0 + Duration::from_millis(200));
        let dialog = look(9, None, false, None);
        let mut t = t0 + Duration::from_millis(210);
        while m.step(&dialog, t) == Step::Wait {
            t += Duration::from_millis(100);
            assert!(t < t0 + Duration::from_secs(6), "bounded");
        }
        assert_eq!(m.step(&dialog, t), Step::Unverified);
        assert_eq!(
            m.submits(),
            1,
            "no key pressed into a screen atlas cannot read"
        );
    }

    #[test]
    fn a_queued_message_needs_its_own_echo_and_an_empty_input() {
        let (mut m, t0) = machine("claude", true);
        // The busy screen changes by itself: not an echo.
        let busy = look(5, Some(State::Busy), true, None);
        assert_eq!(m.step(&busy, t0 + T), Step::Wait);
        let typed = look(6, Some(State::Busy), true, Some("hello"));
        assert_eq!(
            m.step(&typed, t0 + Duration::from_millis(250)),
            Step::Submit
        );
        m.submitted(t0 + Duration::from_millis(250));
        // Busy with our text still there is not a submission.
        let still = look(7, Some(State::Busy), true, Some("hello"));
        assert_eq!(m.step(&still, t0 + Duration::from_millis(300)), Step::Wait);
        let queued = look(8, Some(State::Busy), true, None);
        assert_eq!(
            m.step(&queued, t0 + Duration::from_millis(400)),
            Step::Delivered
        );
    }

    #[test]
    fn a_text_still_being_drawn_is_not_the_echo_and_a_mangled_one_is_not_submitted() {
        // As Gemini CLI drew "what was the word?" just after it started: first a part.
        let p = Preset::builtin("gemini").unwrap();
        let t0 = Instant::now();
        let text = "what was the word?";
        let mut m = Submission::new(&p, &SendOptions::default(), 1, false, text, t0);
        let part = look(2, Some(State::Idle), true, Some("what was the"));
        assert_eq!(m.step(&part, t0 + Duration::from_millis(160)), Step::Wait);
        let whole = look(3, Some(State::Idle), true, Some(text));
        assert_eq!(
            m.step(&whole, t0 + Duration::from_millis(170)),
            Step::Submit
        );
        m.submitted(t0 + Duration::from_millis(170));
        // After the key, the input holds a changed part of it: never "delivered", and no
        // key that would send the changed text.
        let mangled = look(4, Some(State::Idle), true, Some("what was the word"));
        let mut t = t0 + Duration::from_millis(200);
        loop {
            let step = m.step(&mangled, t);
            assert_ne!(step, Step::Submit);
            assert_ne!(step, Step::Delivered);
            if step == Step::NotSubmitted {
                break;
            }
            t += Duration::from_millis(100);
            assert!(t < t0 + Duration::from_secs(6), "bounded");
        }
    }

    #[test]
    fn a_changed_text_is_ours_but_a_hint_or_a_short_word_is_not() {
        assert!(part_of("what was the word", "what was the word?"));
        assert!(part_of("  what was the wrd? ", "what was the word?"));
        assert!(part_of(
            "please fix the tests in src/main.rsx",
            "please fix the tests in src/main.rs"
        ));
        // A hint that shares letters or words with a short or a longer text.
        assert!(!part_of("Type a message…", "y"));
        assert!(!part_of(
            "run the tests",
            "run the tests now, and then the linter"
        ));
        assert!(!part_of("Ask Codex to do anything", "do anything you like"));
    }

    #[test]
    fn a_menu_after_the_submit_is_never_given_another_key() {
        // A menu that opened while the transcript still shows the text as sent.
        let p = Preset::builtin("gemini").unwrap();
        let look = crate::state::observe::Look {
            screen: include_str!("../tests/fixtures/screens/gemini@0.61.0_waiting_1.txt")
                .to_string(),
            dead: false,
            title: String::new(),
            cursor: false,
        };
        // As read alone, the transcript's ` > …` line looks like a draft on an input line.
        let r = read_pane(&p, &look.screen, "", false);
        assert!(
            r.draft.is_some() || r.input_visible,
            "the fixture shows the trap"
        );
        let s = seen(&p, &look);
        assert_eq!(s.state, Some(State::Waiting));
        assert_eq!(s.draft, None);
        assert!(!s.input_visible);
    }

    #[test]
    fn a_program_that_exits_before_the_submit_took_nothing() {
        let (mut m, t0) = machine("claude", false);
        let mut dead = look(1, None, false, None);
        dead.dead = true;
        assert_eq!(m.step(&dead, t0 + T), Step::Exited);
    }

    #[test]
    fn several_lines_that_push_the_prompt_up_count_as_shown() {
        let (mut m, t0) = machine("demo", false);
        let pushed = look(4, None, false, None);
        // No input line to read the text on: the changed screen must stand still first.
        assert_eq!(m.step(&pushed, t0 + Duration::from_millis(150)), Step::Wait);
        assert_eq!(
            m.step(&pushed, t0 + Duration::from_millis(310)),
            Step::Submit
        );
        m.submitted(t0 + Duration::from_millis(310));
        let prompt = look(5, Some(State::Idle), true, None);
        assert_eq!(
            m.step(&prompt, t0 + Duration::from_millis(400)),
            Step::Delivered
        );
    }
}
