//! Delivering a directive to an agent as if typed, and making sure it was submitted
//! (DESIGN §4). The supervisor calls [`send`] in-process; `atlas send` is a thin shell on it.
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
//! 4. atlas waits for the text to show on the screen, then for the preset's `submit_delay`,
//!    then sends the submit key on its own.
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
use crate::state::observe::{capture, observe_agent};
use crate::state::{Observation, Preset, Source, State};
use crate::tcmd;
use crate::tmux::{Tmux, TmuxError};

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
    /// The preset could not be built.
    #[error("{0}")]
    Preset(String),
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
        State::Waiting if waiting_allowed => Ok(Verdict::Wait),
        State::Waiting => Err(DeliveryError::Waiting { agent }),
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

/// The tmux commands (and standard input) that put `text` on a pane's input line, without
/// submitting it.
pub fn type_cmds(pane: &str, text: &str) -> (Vec<crate::tmux::Cmd>, Option<Vec<u8>>, Method) {
    if is_literal(text) {
        (
            vec![tcmd!["send-keys", "-t", pane, "-l", "--", text]],
            None,
            Method::Literal,
        )
    } else {
        let name = unique_buffer();
        (
            vec![
                tcmd!["load-buffer", "-b", name.as_str(), "-"],
                tcmd![
                    "paste-buffer",
                    "-p",
                    "-r",
                    "-d",
                    "-b",
                    name.as_str(),
                    "-t",
                    pane
                ],
            ],
            Some(text.as_bytes().to_vec()),
            Method::Paste,
        )
    }
}

/// Deliver `text` to `agent` and verify it was submitted. See the module comment.
pub fn send(
    tmux: &Tmux,
    team: &Team,
    agent: &Agent,
    text: &str,
    opts: &SendOptions,
) -> Result<Delivered, DeliveryError> {
    let started = Instant::now();
    if text.is_empty() {
        return Err(DeliveryError::Empty);
    }
    let preset =
        Preset::for_agent(team, agent).map_err(|e| DeliveryError::Preset(e.to_string()))?;
    let observe = || {
        observe_agent(tmux, team, agent, &preset, Local::now()).map_err(|e| {
            match e.downcast::<TmuxError>() {
                Ok(t) => DeliveryError::Tmux(t),
                Err(e) => DeliveryError::Preset(e.to_string()),
            }
        })
    };
    let deadline = opts.when_idle.map(|d| started + d);
    loop {
        // With --when-idle, wait without the lock so other senders are not held up.
        if deadline.is_some() {
            let obs = observe()?;
            if judge(&obs, true)? == Verdict::Wait {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(DeliveryError::Timeout {
                        agent: agent.name.clone(),
                        state: obs.state,
                        waited: started.elapsed(),
                    });
                }
                std::thread::sleep(opts.poll);
                continue;
            }
        }
        let guard = lock(team, &agent.name)?;
        let obs = observe()?;
        let verdict = judge(&obs, deadline.is_some())?;
        let Verdict::Go { queued } = verdict else {
            drop(guard);
            continue;
        };
        let Some(pane) = obs.pane.clone() else {
            return Err(DeliveryError::Missing {
                agent: agent.name.clone(),
            });
        };
        let result = type_and_submit(tmux, &preset, &obs, &pane, text, opts, queued);
        drop(guard);
        return result.map(|(method, submits)| Delivered {
            agent: agent.name.clone(),
            pane,
            method,
            submits,
            queued,
            elapsed: started.elapsed(),
        });
    }
}

fn type_and_submit(
    tmux: &Tmux,
    preset: &Preset,
    obs: &Observation,
    pane: &str,
    text: &str,
    opts: &SendOptions,
    queued: bool,
) -> Result<(Method, u32), DeliveryError> {
    if obs.in_mode {
        // Out of copy mode first; if it left by itself meanwhile, that is fine too.
        let _ = tmux.run(&tcmd!["send-keys", "-t", pane, "-X", "cancel"]);
    }
    let before = obs.screen_hash;
    let (cmds, input, method) = type_cmds(pane, text);
    if let Err(e) = tmux.run_batch_input(&cmds, input.as_deref()) {
        if method == Method::Paste {
            if let Some(name) = cmds.first().and_then(|c| c.get(2)) {
                let _ = tmux.run(&tcmd!["delete-buffer", "-b", name.as_str()]);
            }
        }
        return Err(e.into());
    }
    let typed_at = Instant::now();

    // Wait for the text to show (bounded: longer for long text).
    let echo_limit = Duration::from_millis(1000) + Duration::from_millis((text.len() / 20) as u64);
    let mut typed = before;
    while typed_at.elapsed() < echo_limit {
        let h = screen_hash(&capture(tmux, pane)?);
        if h != before {
            typed = h;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if let Some(rest) = preset.submit_delay.checked_sub(typed_at.elapsed()) {
        std::thread::sleep(rest);
    }

    let mut submits = 0;
    let mut draft_visible = true;
    for _ in 0..opts.attempts.max(1) {
        // The submit key again only while the text visibly sits on the input line; else
        // just watch the screen for one more window.
        if submits == 0 || draft_visible {
            tmux.run(&tcmd!["send-keys", "-t", pane, "Enter"])?;
            submits += 1;
        }
        let window_end = Instant::now() + opts.verify_window;
        loop {
            std::thread::sleep(Duration::from_millis(5));
            let (screen, dead) = look(tmux, pane)?;
            let h = screen_hash(&screen);
            let r = read_screen(preset, &screen);
            let changed = h != before && h != typed;
            // The agent reacted: it works, asks something, hit its limit, or exited.
            let reacted = matches!(r.state, Some(State::Busy | State::Waiting | State::Limited))
                && !(queued && r.state == Some(State::Busy))
                && h != before;
            let input_empty = r.input_visible && r.draft.is_none() && changed;
            if dead || reacted || input_empty || (preset.input.is_none() && changed) {
                return Ok((method, submits));
            }
            draft_visible = r.draft.is_some();
            if Instant::now() >= window_end {
                break;
            }
        }
    }
    Err(DeliveryError::NotSubmitted {
        agent: obs.agent.clone(),
        submits,
    })
}

/// The pane's screen and whether its program has exited, in one tmux invocation.
fn look(tmux: &Tmux, pane: &str) -> Result<(String, bool), TmuxError> {
    let out = tmux.run_batch(&[
        crate::state::observe::capture_cmd(pane),
        tcmd!["display-message", "-p", "-t", pane, "#{pane_dead}"],
    ])?;
    let body = out.strip_suffix('\n').unwrap_or(&out);
    let (screen, dead) = body.rsplit_once('\n').unwrap_or(("", body));
    Ok((screen.to_string(), dead.trim() == "1"))
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
        let (cmds, input, m) = type_cmds("%3", "-rf;");
        assert_eq!(m, Method::Literal);
        assert!(input.is_none());
        assert_eq!(
            cmds,
            vec![tcmd!["send-keys", "-t", "%3", "-l", "--", "-rf;"]]
        );
        // The trailing `;` is escaped when the batch is built.
        let args = crate::tmux::batch_args(&cmds);
        assert_eq!(args.last().map(String::as_str), Some("-rf\\;"));
    }

    #[test]
    fn several_lines_are_one_bracketed_paste_from_stdin() {
        let (cmds, input, m) = type_cmds("%3", "a\nb");
        assert_eq!(m, Method::Paste);
        assert_eq!(input.as_deref(), Some(&b"a\nb"[..]));
        assert_eq!(cmds[0][0], "load-buffer");
        assert_eq!(cmds[0].last().map(String::as_str), Some("-"));
        assert_eq!(
            cmds[1][..5],
            tcmd!["paste-buffer", "-p", "-r", "-d", "-b"][..]
        );
        assert_eq!(cmds[0][2], cmds[1][5], "the same unique buffer");
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
    }
}
