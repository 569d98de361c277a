//! Agent states (DESIGN §4): what each agent is doing, read from its pane.
//!
//! - [`presets`]: the built-in screen patterns of each agent program (`claude`, `codex`,
//!   `gemini`, `aider`, `shell`, `demo`), merged with the team's overrides and compiled.
//! - [`detect`]: the pure core — what a screen says ([`detect::read_screen`]), the reset time
//!   of a usage limit, and how pane, screen, memory and an agent's own signal combine into one
//!   [`Observation`] ([`detect::decide`]).
//! - [`observe`]: the thin shell — one `list-panes` and one batched `capture-pane` for the
//!   whole team, plus the write-back of the little memory kept in pane options.
//!
//! The rules (stillness, signal precedence) are written down in docs/STATES-AND-DELIVERY.md.

use std::fmt;

use chrono::{DateTime, Local};
use serde::Serialize;

use crate::tmux::PaneInfo;

pub mod detect;
pub mod observe;
pub mod presets;
pub mod styled;

pub use detect::{Memory, Signal};
pub use observe::{observe_agent, observe_team};
pub use presets::Preset;

/// What an agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// No pane.
    Missing,
    /// Just started; not yet showing its prompt.
    Starting,
    /// Working.
    Busy,
    /// Asking the operator something (a permission prompt, a selection menu).
    Waiting,
    /// Ready for a directive.
    Idle,
    /// Hit a usage limit.
    Limited,
    /// Exited (its pane kept by remain-on-exit).
    Dead,
    /// Crashed too often; the supervisor stopped restarting it.
    Failed,
    /// Stopped by the operator (`atlas stop`): not a crash, left alone by the supervisor
    /// until `atlas restart` or `atlas up` brings it back.
    Stopped,
    /// Running; not told apart (only from [`from_pane`], which reads no screen).
    Running,
}

impl State {
    /// Every state, in the order of the word list of `atlas signal`'s help.
    pub const ALL: [State; 10] = [
        State::Missing,
        State::Starting,
        State::Busy,
        State::Waiting,
        State::Idle,
        State::Limited,
        State::Dead,
        State::Failed,
        State::Stopped,
        State::Running,
    ];

    /// The word shown in `atlas ls` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Missing => "missing",
            State::Starting => "starting",
            State::Busy => "busy",
            State::Waiting => "waiting",
            State::Idle => "idle",
            State::Limited => "limited",
            State::Dead => "dead",
            State::Failed => "failed",
            State::Stopped => "stopped",
            State::Running => "running",
        }
    }

    /// The state a word names.
    pub fn parse(word: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// Whether an agent's own hook may report this state with `atlas signal`.
    pub fn signalable(self) -> bool {
        matches!(
            self,
            State::Starting | State::Busy | State::Waiting | State::Idle | State::Limited
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The coarse state of an agent from its pane alone (no screen reading).
pub fn from_pane(pane: Option<&PaneInfo>) -> State {
    match pane {
        None => State::Missing,
        Some(p) if p.stopped => State::Stopped,
        Some(p) if p.state_option == "failed" => State::Failed,
        Some(p) if p.dead => State::Dead,
        Some(_) => State::Running,
    }
}

/// Where a state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The pane itself (missing, dead, failed, stopped).
    Pane,
    /// A preset pattern matched the screen.
    Screen,
    /// No pattern matched; the stillness rule decided.
    Stillness,
    /// The agent's own hook (`atlas signal`).
    Signal,
}

/// One agent's state as observed now: everything `atlas ls`, delivery and the supervisor need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The agent's name.
    pub agent: String,
    /// Its window (from the config).
    pub window: String,
    /// Its pane id (`%N`), if it has a pane.
    pub pane: Option<String>,
    /// The state.
    pub state: State,
    /// What decided the state.
    pub source: Source,
    /// Since when the agent has been in this state (as far as atlas has watched it).
    pub since: Option<DateTime<Local>>,
    /// The exit status, when dead and known.
    pub exit_status: Option<i32>,
    /// When a usage limit resets, when limited and the screen says.
    pub reset_at: Option<DateTime<Local>>,
    /// Text on the agent's input line that was not submitted (None: empty or not visible).
    pub draft: Option<String>,
    /// Whether the preset found the agent's input line on the screen.
    pub input_visible: bool,
    /// Whether the pane is in a mode (copy mode).
    pub in_mode: bool,
    /// When the screen last changed (as far as atlas has watched it).
    pub last_change: Option<DateTime<Local>>,
    /// A hash of the whole visible screen (0 when there is no pane).
    pub screen_hash: u64,
    /// The pid of the pane's program (`#{pane_pid}`), when it has a pane.
    pub pid: Option<u32>,
}
