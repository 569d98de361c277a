//! Agent states (DESIGN §4).
//!
//! This first version knows `missing`, `dead` (with the exit status) and `running`; the
//! screen-reading presets refine `running` into `starting`, `busy`, `waiting`, `idle` and
//! `limited`.

use std::fmt;

use serde::Serialize;

use crate::tmux::PaneInfo;

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
    /// Running; not yet told apart (no screen reading).
    Running,
}

impl State {
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
            State::Running => "running",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The coarse state of an agent from its pane alone.
pub fn from_pane(pane: Option<&PaneInfo>) -> State {
    match pane {
        None => State::Missing,
        Some(p) if p.dead => State::Dead,
        Some(_) => State::Running,
    }
}
