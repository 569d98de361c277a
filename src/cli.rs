//! The command line, as clap-derive types. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Run a team of AI coding agents in tmux, coordinated through one markdown file.
///
/// atlas reads the team from atlas.toml (found from --config, $ATLAS_CONFIG, atlas.toml in
/// this folder or a parent, or the @atlas_config option of the tmux session it runs in).
#[derive(Debug, Parser)]
#[command(
    name = "atlas",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The team config file (default: $ATLAS_CONFIG, then atlas.toml here or in a parent).
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The tmux server's socket name, as tmux's own -L.
    #[arg(short = 'L', global = true, value_name = "NAME")]
    pub socket_name: Option<String>,

    /// The tmux server's socket path, as tmux's own -S.
    #[arg(short = 'S', global = true, value_name = "PATH")]
    pub socket_path: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a starter atlas.toml: the 13-agent team.
    Init(InitArgs),
    /// Create the session, windows and agent panes; start what is missing.
    Up(UpArgs),
    /// Stop the team's tmux session.
    Down(DownArgs),
    /// Attach to the team's session (switch the client when inside tmux); with AGENT, go to
    /// its window and pane.
    Attach(AttachArgs),
    /// The teams running on this tmux server: session, config, agents up and down, inbox.
    #[command(
        long_about = "The teams running on this tmux server: session, config, agents up and down, inbox.\n\nEvery session with the option @atlas_config is a team. For each: its session, its config file, how many agents the config names, how many of them run (up: a live pane, not stopped) and how many do not (down: no pane, dead, failed or stopped), and the sum of its inboxes. A config that no longer exists or does not parse is shown with what is wrong, and the other teams are still listed. --json: an array of {session, config, agents, up, down, inbox}; inbox is null when it cannot be read, and a row whose config cannot be used has one more key, error, saying why."
    )]
    Teams(JsonArgs),
    /// Stop one agent: its program ends, its pane stays; `restart` or `up` brings it back.
    #[command(
        long_about = "Stop one agent: its program ends, its pane stays, marked stopped.\n\nThe program gets SIGTERM (its process group), then SIGKILL if it is still there after 5 seconds. A stopped agent is not a crash: the supervisor neither counts nor restarts it, the status line does not count it as down, and `atlas ls` shows it as `stopped`. `atlas restart AGENT` or `atlas up` brings it back."
    )]
    Stop(StopArgs),
    /// One row per agent: name, window, pane, state, inbox count, last activity.
    Ls(JsonArgs),
    /// Deliver a directive as if typed, then submit it.
    Send(SendArgs),
    /// Restart an agent in its pane with its resume command.
    Restart(RestartArgs),
    /// Show the last lines on an agent's screen.
    Peek(PeekArgs),
    /// Show an agent's log, escape codes removed.
    Logs(LogsArgs),
    /// Append an entry to the coordination file.
    Handoff(HandoffArgs),
    /// Answer inbox entries (the operator's by default) with an ACK entry each.
    #[command(
        long_about = "Answer inbox entries (the operator's by default) with an ACK entry each.\n\nEach ACK entry goes from the inbox's owner to the entry's sender, with `Status: ACK`, the entry's task and `Re:` its id, so the entry leaves the inbox (and the status line's counts) at once. All of them are appended under one lock, in one write. An ID that is not in the inbox refuses the lot: nothing is written.",
        override_usage = "atlas ack (ID... | --all) [--agent A]"
    )]
    Ack(AckArgs),
    /// An agent's inbox, oldest first.
    Inbox(InboxArgs),
    /// The status-line segment: inbox total, needs attention, agents down or waiting.
    Status(StatusArgs),
    /// The morning report: what happened in a window of time.
    Report(ReportArgs),
    /// Validate the config and lint the coordination file.
    Check,
    /// The supervisor (normally started by `atlas up` in its own window).
    Watch(WatchArgs),
    /// Work queues the supervisor hands out.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Open the tmux menu of actions (bound to a key by the plugin).
    Menu(MenuArgs),
    /// The built-in demo agent: a small program that behaves like an AI agent's TUI.
    DemoAgent(DemoAgentArgs),
    /// Report an agent's state from its own hooks (agent from $ATLAS_AGENT).
    Signal(SignalArgs),
    /// Print agent-program hook settings that call `atlas signal`.
    Hooks(HooksArgs),
    /// Internal: copy a pane's output to its daily log file (run by pipe-pane).
    #[command(hide = true)]
    PipeLog(PipeLogArgs),
    /// Internal: the plugin's helpers (jump, prompt, version checks).
    #[command(hide = true)]
    Plugin(PluginArgs),
}

/// `atlas init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to write atlas.toml in (created when missing; default: here).
    pub dir: Option<PathBuf>,
    /// Make every agent the built-in demo agent (no AI tool needed).
    #[arg(long)]
    pub demo: bool,
    /// Overwrite an existing atlas.toml.
    #[arg(long)]
    pub force: bool,
}

/// `atlas up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Attach to the session afterwards (or switch to it when already inside tmux).
    #[arg(long)]
    pub attach: bool,
}

/// `atlas down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Also remove the agents' git worktrees (`worktree = true`); refused, before anything
    /// stops, while any of them has uncommitted changes. Their branches are kept.
    #[arg(long)]
    pub remove_worktrees: bool,
}

/// `atlas attach`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Go to this agent's window and pane.
    pub agent: Option<String>,
}

/// `atlas stop`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The agent to stop.
    pub agent: String,
}

/// A command whose only flag is `--json`.
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `atlas send`.
#[derive(Debug, Args)]
#[command(
    override_usage = "atlas send (AGENT | --window W | --all) [--when-idle [--timeout D]] [--] TEXT..."
)]
pub struct SendArgs {
    /// The agent, then the directive's words (joined by spaces); with --all or --window only
    /// the words. A lone `-` reads the directive from stdin.
    #[arg(value_name = "WORDS", required = true, num_args = 1..)]
    pub words: Vec<String>,
    /// Send to every agent.
    #[arg(long, conflicts_with = "window")]
    pub all: bool,
    /// Send to every agent of this window.
    #[arg(long, value_name = "W")]
    pub window: Option<String>,
    /// Wait until the agent is idle before delivering.
    #[arg(long)]
    pub when_idle: bool,
    /// How long --when-idle waits at most (e.g. 90s, 10m).
    #[arg(long, value_name = "D", default_value = "10m", requires = "when_idle")]
    pub timeout: String,
}

impl SendArgs {
    /// The agent named (None with --all or --window) and the directive's words.
    pub fn target(&self) -> (Option<&str>, &[String]) {
        if self.all || self.window.is_some() {
            (None, &self.words)
        } else {
            let agent = self.words.first().map(String::as_str);
            (agent, self.words.get(1..).unwrap_or(&[]))
        }
    }
}

/// `atlas restart`.
#[derive(Debug, Args)]
pub struct RestartArgs {
    /// The agent to restart.
    pub agent: String,
    /// Start it with its `command` instead of its `resume` command.
    #[arg(long)]
    pub fresh: bool,
}

/// `atlas peek`.
#[derive(Debug, Args)]
pub struct PeekArgs {
    /// The agent to look at.
    pub agent: String,
    /// How many lines (trailing blank lines are dropped first).
    #[arg(short = 'n', default_value_t = 20)]
    pub lines: usize,
}

/// `atlas logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The agent whose log to show.
    pub agent: String,
    /// How many lines from the end.
    #[arg(short = 'n', default_value_t = 50)]
    pub lines: usize,
    /// Keep following, across restarts and days.
    #[arg(short = 'f', long)]
    pub follow: bool,
}

/// `atlas handoff`.
#[derive(Debug, Args)]
pub struct HandoffArgs {
    /// Who writes the entry (an agent or the operator).
    #[arg(long, value_name = "A")]
    pub from: String,
    /// Recipients, comma separated or repeated.
    #[arg(long, value_name = "B", required = true, value_delimiter = ',')]
    pub to: Vec<String>,
    /// DONE, IN_PROGRESS, BLOCKED, FAILED, REVISION, APPROVED, ACK or INFO.
    #[arg(long, value_name = "S")]
    pub status: String,
    /// What the entry is about.
    #[arg(long, value_name = "T")]
    pub task: String,
    /// A path produced (repeatable).
    #[arg(long, value_name = "P")]
    pub output: Vec<String>,
    /// Free text.
    #[arg(long, value_name = "N")]
    pub notes: Option<String>,
    /// The id of the entry this answers.
    #[arg(long, value_name = "ID")]
    pub re: Option<String>,
}

/// `atlas ack`.
#[derive(Debug, Args)]
pub struct AckArgs {
    /// The entries' ids: the header text after `## `, as `atlas inbox` prints it
    /// (e.g. "[2026-04-11 01:14] Orpheus → human").
    #[arg(
        value_name = "ID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub ids: Vec<String>,
    /// Every entry of the inbox.
    #[arg(long)]
    pub all: bool,
    /// Whose inbox (default: the operator's); the ACK entries are written in this name.
    #[arg(long, value_name = "A")]
    pub agent: Option<String>,
}

/// `atlas inbox`.
#[derive(Debug, Args)]
pub struct InboxArgs {
    /// The agent (or the operator).
    pub agent: String,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `atlas status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The segment's format, with named placeholders such as {inbox}, {attention}, {down},
    /// {waiting}.
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
}

/// `atlas report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The window's length, back from --to (e.g. 12h).
    #[arg(long, value_name = "DURATION", conflicts_with = "from")]
    pub since: Option<String>,
    /// The window's start: `2026-04-11 01:14` or RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// The window's end (default: now).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Write the report to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print one JSON document instead of markdown.
    #[arg(long)]
    pub json: bool,
}

/// `atlas watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {}

/// `atlas queue`.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Add a work item to an agent's queue.
    Add {
        /// The agent.
        agent: String,
        /// The work item; words are joined by spaces.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        text: Vec<String>,
    },
    /// List queued work.
    Ls(JsonArgs),
}

/// `atlas menu`.
#[derive(Debug, Args)]
pub struct MenuArgs {
    /// Print the tmux command instead of running it.
    #[arg(long)]
    pub print: bool,
    /// Which menu: the main one, or the agent chooser for an action.
    #[arg(long, value_name = "ACTION", conflicts_with = "entry")]
    pub pick: Option<String>,
    /// The menu of one entry of the operator's inbox (acknowledge it, read the inbox, go
    /// to its sender); ID as `atlas inbox` prints it.
    #[arg(long, value_name = "ID")]
    pub entry: Option<String>,
    /// The tmux client to show the menu on (default: tmux's choice).
    #[arg(long, value_name = "CLIENT")]
    pub client: Option<String>,
    /// The pane the menu was opened from (`%N`).
    #[arg(long, value_name = "PANE")]
    pub pane: Option<String>,
    /// Internal: what the plugin's key already knows, `POPUP|WIDTH|HEIGHT|CONFIG`.
    #[arg(long, hide = true)]
    pub context: Option<String>,
}

/// `atlas demo-agent`.
#[derive(Debug, Args)]
pub struct DemoAgentArgs {
    /// Seconds of pretend work per directive ($ATLAS_DEMO_WORK overrides).
    #[arg(long, default_value_t = 3.0)]
    pub work: f64,
    /// Seconds in the starting state before the prompt ($ATLAS_DEMO_START overrides).
    #[arg(long, default_value_t = 1.0)]
    pub start_delay: f64,
    /// Record mode (for delivery tests): append each submitted message to FILE, exactly as
    /// received, followed by 0x1E and a newline; no work, no handoff.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

/// `atlas signal`.
#[derive(Debug, Args)]
pub struct SignalArgs {
    /// busy, idle, waiting, limited, starting, or clear.
    pub state: String,
    /// The agent (default: $ATLAS_AGENT).
    #[arg(long)]
    pub agent: Option<String>,
}

/// `atlas hooks`.
#[derive(Debug, Args)]
pub struct HooksArgs {
    /// The agent program: claude.
    pub tool: String,
}

/// `atlas pipe-log`.
#[derive(Debug, Args)]
pub struct PipeLogArgs {
    /// The logs folder.
    #[arg(long)]
    pub dir: PathBuf,
    /// The agent.
    #[arg(long)]
    pub agent: String,
}

/// `atlas plugin`.
#[derive(Debug, Args)]
pub struct PluginArgs {
    /// What to do.
    pub action: String,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}
