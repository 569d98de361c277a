//! atlas: run a team of AI coding agents in tmux, coordinated through one markdown file.
//!
//! The library holds everything; the `atlas` binary is a thin shell over [`cmd::main`].
//! The pure core — config ([`config`]), coordination file ([`coord`]), state detection
//! ([`state`]), the tmux argument lists ([`layout`]), status and report rendering — does no
//! I/O. The shell — [`tmux::Tmux`], file appends, the supervisor loop — is small.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod coord;
pub mod deliver;
pub mod demo;
pub mod duration;
pub mod error;
pub mod escape;
pub mod events;
pub mod launch;
pub mod layout;
pub mod menu;
pub mod owner;
pub mod plugin;
pub mod proctree;
pub mod queue;
pub mod report;
pub mod state;
pub mod status;
pub mod supervisor;
pub mod tmux;
pub mod tmux_value;
pub mod worktree;
