//! One module per subcommand, and the dispatch between them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::{self, Team};
use crate::error::{self, Exit};
use crate::tmux::{Server, Tmux};

pub mod ack;
pub mod attach;
pub mod check;
pub mod demo_agent;
pub mod down;
pub mod handoff;
pub mod hooks;
pub mod inbox;
pub mod init;
pub mod logs;
pub mod ls;
pub mod menu;
pub mod peek;
pub mod pipe_log;
pub mod plugin;
pub mod queue;
pub mod report;
pub mod restart;
pub mod send;
pub mod signal;
pub mod status;
pub mod stop;
pub mod teams;
pub mod up;
pub mod watch;

/// Print a line on standard output and return the `io::Result` (where `println!` would
/// panic): a closed pipe (`atlas ls | head -1`) then ends the command quietly, as
/// [`main`] treats a broken pipe as success.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::write_line(&mut ::std::io::stdout().lock(), format_args!($($arg)*))
    };
}

/// Print a line on standard error, ignoring failure (where `eprintln!` would panic when
/// stderr is a closed pipe): there is nowhere left to report it.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        let _ = $crate::cmd::write_line(&mut ::std::io::stderr().lock(), format_args!($($arg)*));
    }};
}

/// Write `args` and a newline to `out`.
pub fn write_line(
    out: &mut impl std::io::Write,
    args: std::fmt::Arguments<'_>,
) -> std::io::Result<()> {
    out.write_fmt(args)?;
    out.write_all(b"\n")
}

/// What every command gets: the global flags, resolved.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `--config`, if given.
    pub config_flag: Option<PathBuf>,
    /// The tmux server atlas talks to.
    pub tmux: Tmux,
    /// The folder atlas was started in.
    pub cwd: PathBuf,
}

impl Ctx {
    /// Build from the parsed command line.
    pub fn new(cli: &Cli) -> Ctx {
        let server = match (&cli.socket_name, &cli.socket_path) {
            (_, Some(p)) => Server::Path(p.clone()),
            (Some(n), None) => Server::Name(n.clone()),
            (None, None) => Server::Default,
        };
        Ctx {
            config_flag: cli.config.clone(),
            tmux: Tmux::new(server),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    /// The config file's path, found as DESIGN §1 says.
    pub fn config_path(&self) -> Result<PathBuf> {
        if let Some(p) = config::discover(self.config_flag.as_deref(), &self.cwd) {
            return Ok(p);
        }
        // Last resort: the session option of the tmux session we run inside.
        if std::env::var_os("TMUX").is_some() {
            let mut cmd = crate::tcmd!["display-message", "-p"];
            if let Ok(pane) = std::env::var("TMUX_PANE") {
                cmd.extend(crate::tcmd!["-t", pane]);
            }
            cmd.push("#{@atlas_config}".into());
            if let Ok(out) = self.tmux.run(&cmd) {
                let p = out.trim();
                if !p.is_empty() {
                    return Ok(PathBuf::from(p));
                }
            }
        }
        Err(error::usage(format!(
            "no {} found in {} or its parents; run `atlas init` to write one, or pass --config FILE",
            config::FILE_NAME,
            self.cwd.display()
        )))
    }

    /// The team config, read and validated (its programs are not looked for on PATH: see
    /// [`Ctx::team_checked`]).
    pub fn team(&self) -> Result<Team> {
        config::load_unchecked(&self.config_path()?)
    }

    /// Refuse (exit 1) to act on the team's session when it is not the team's own — another
    /// config's, or made by hand (see [`crate::owner`]). One tmux call; nothing to refuse
    /// when the session does not run. Commands that list panes anyway check those instead
    /// ([`crate::owner::check_panes`]), which costs nothing.
    pub fn check_owner(&self, team: &Team) -> Result<()> {
        if let Some(recorded) = self.tmux.session_config(&team.session)? {
            crate::owner::check(team, &recorded)?;
        }
        Ok(())
    }

    /// [`Ctx::team`], with a warning in `team.warnings` for each agent whose program is not
    /// on PATH (for `up` and `check`, which print them).
    pub fn team_checked(&self) -> Result<Team> {
        config::load(&self.config_path()?)
    }
}

/// Parse the command line, run it, and turn the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) => {
            if error::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let code = error::exit_code(&err);
            if err.downcast_ref::<error::Silent>().is_none() {
                crate::errln!("atlas: {err:#}");
            }
            ExitCode::from(code as u8)
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: &Cli) -> Result<Exit> {
    let ctx = Ctx::new(cli);
    match &cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Up(a) => up::run(&ctx, a),
        Command::Down(a) => down::run(&ctx, a),
        Command::Attach(a) => attach::run(&ctx, a),
        Command::Teams(a) => teams::run(&ctx, a),
        Command::Stop(a) => stop::run(&ctx, a),
        Command::Ls(a) => ls::run(&ctx, a),
        Command::Send(a) => send::run(&ctx, a),
        Command::Restart(a) => restart::run(&ctx, a),
        Command::Peek(a) => peek::run(&ctx, a),
        Command::Logs(a) => logs::run(&ctx, a),
        Command::Handoff(a) => handoff::run(&ctx, a),
        Command::Ack(a) => ack::run(&ctx, a),
        Command::Inbox(a) => inbox::run(&ctx, a),
        Command::Status(a) => status::run(&ctx, a),
        Command::Report(a) => report::run(&ctx, a),
        Command::Check => check::run(&ctx),
        Command::Watch(a) => watch::run(&ctx, a),
        Command::Queue(a) => queue::run(&ctx, a),
        Command::Menu(a) => menu::run(&ctx, a),
        Command::DemoAgent(a) => demo_agent::run(&ctx, a),
        Command::Signal(a) => signal::run(&ctx, a),
        Command::Hooks(a) => hooks::run(&ctx, a),
        Command::PipeLog(a) => pipe_log::run(&ctx, a),
        Command::Plugin(a) => plugin::run(&ctx, a),
    }
}

/// The pane of an agent, or an error saying it is missing (exit 1) and what to do.
/// Refuses when the session is not the team's own.
pub fn require_pane(ctx: &Ctx, team: &Team, agent: &str) -> Result<crate::tmux::PaneInfo> {
    let panes = ctx.tmux.panes(&team.session)?;
    crate::owner::check_panes(team, &panes)?;
    panes.into_iter().find(|p| p.agent == agent).ok_or_else(|| {
        anyhow::anyhow!(
            "agent `{agent}` has no pane in session `{}`; run `atlas up` to start it",
            team.session
        )
    })
}
