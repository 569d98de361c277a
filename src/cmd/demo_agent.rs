//! `atlas demo-agent`: the terminal shell around [`crate::demo::Agent`].
//!
//! It owns what the pure core cannot: the terminal (raw mode through libc termios, bracketed
//! paste on, both undone on exit and on SIGTERM/SIGHUP/SIGINT/SIGQUIT), a `poll(2)` loop so the
//! busy line ticks every second and a lone Esc is told from an escape sequence, the output
//! file, the record file, and the handoff (`<this binary> handoff …`). The screen it draws is
//! line-oriented: finished lines scroll up, and only the bottom line(s) — prompt, busy line or
//! question — are redrawn in place.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::Ctx;
use crate::demo::{self, Agent, Effect, HandoffOutcome, Identity, InputParser, Now, Settings};
use crate::error::{Exit, usage};

/// How long a lone ESC waits for the rest of a sequence before it counts as the Esc key.
const ESC_WAIT: Duration = Duration::from_millis(50);

/// Run `atlas demo-agent`.
pub fn run(ctx: &Ctx, args: &crate::cli::DemoAgentArgs) -> Result<Exit> {
    let work = seconds("--work", args.work, "ATLAS_DEMO_WORK")?;
    let start_delay = seconds("--start-delay", args.start_delay, "ATLAS_DEMO_START")?;
    let record = args
        .record
        .as_ref()
        .map(|p| crate::config::absolute(p, &ctx.cwd));
    let home = Home::find(ctx);
    let settings = Settings {
        work,
        start_delay,
        record: record.is_some(),
    };
    let agent = Agent::new(home.identity.clone(), settings, Instant::now());

    install_signal_handlers();
    let term = Terminal::setup();
    let outcome = event_loop(agent, &home, record.as_deref(), term.is_tty());
    drop(term);
    let code = outcome?;
    let _ = std::io::stdout().flush();
    if code == 0 {
        Ok(Exit::Success)
    } else {
        std::process::exit(i32::from(code));
    }
}

/// A duration in seconds: from the environment variable when set, else from the flag.
fn seconds(flag: &str, value: f64, var: &str) -> Result<Duration> {
    let (v, from) = match std::env::var(var) {
        Ok(s) if !s.trim().is_empty() => {
            let v = s.trim().parse::<f64>().map_err(|_| {
                usage(format!(
                    "${var} must be a number of seconds, like 0.3, not `{s}`"
                ))
            })?;
            (v, format!("${var}"))
        }
        _ => (value, flag.to_string()),
    };
    if !v.is_finite() || !(0.0..=86_400.0).contains(&v) {
        return Err(usage(format!(
            "{from} must be a number of seconds from 0 to 86400, not {v}"
        )));
    }
    Ok(Duration::from_secs_f64(v))
}

/// Who the agent is and where it keeps its files.
struct Home {
    identity: Identity,
    /// The team config, when the agent runs in a team (then it hands off).
    config: Option<PathBuf>,
    /// Output files go to `<base>/out/<NAME>/` (the config's folder, or the current one).
    base: PathBuf,
}

impl Home {
    /// From $ATLAS_AGENT and the config ($ATLAS_CONFIG or --config); standalone as `demo`,
    /// reporting to `human`, when either is missing or unusable.
    fn find(ctx: &Ctx) -> Home {
        let name = std::env::var("ATLAS_AGENT")
            .ok()
            .filter(|n| !n.trim().is_empty());
        let config = ctx.config_flag.clone().or_else(|| {
            std::env::var_os("ATLAS_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let config = config.map(|c| crate::config::absolute(&c, &ctx.cwd));
        let standalone = |why: String, base: PathBuf| Home {
            identity: Identity {
                name: "demo".into(),
                role: String::new(),
                reports_to: "human".into(),
                standalone: Some(format!(
                    "Standalone: {why}; running as demo, reporting to human, without handoffs."
                )),
            },
            config: None,
            base,
        };
        let Some(name) = name else {
            return standalone("$ATLAS_AGENT is not set".into(), ctx.cwd.clone());
        };
        let Some(config) = config else {
            return standalone("$ATLAS_CONFIG is not set".into(), ctx.cwd.clone());
        };
        let team = match crate::config::load(&config) {
            Ok(t) => t,
            Err(e) => {
                let first = format!("{e:#}");
                let first = first.lines().next().unwrap_or_default().to_string();
                return standalone(
                    format!("the team config cannot be used ({first})"),
                    ctx.cwd.clone(),
                );
            }
        };
        let Some(agent) = team.agent(&name) else {
            return standalone(
                format!("no agent {name} in {}", config.display()),
                team.dir.clone(),
            );
        };
        Home {
            identity: Identity {
                name: agent.name.clone(),
                role: agent.role.clone(),
                reports_to: agent
                    .reports_to
                    .clone()
                    .unwrap_or_else(|| team.operator.clone()),
                standalone: None,
            },
            config: Some(config),
            base: team.dir.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The loop

fn now() -> Now {
    Now {
        mono: Instant::now(),
        local: chrono::Local::now().naive_local(),
    }
}

/// Run until the agent exits; its exit status.
fn event_loop(mut agent: Agent, home: &Home, record: Option<&Path>, tty: bool) -> Result<u8> {
    let mut parser = if tty {
        InputParser::new()
    } else {
        InputParser::for_pipe()
    };
    let mut screen = Screen::default();
    let mut input_open = true;
    let mut pending_since: Option<Instant> = None;
    let mut buf = [0u8; 8192];
    {
        let cols = columns();
        screen.draw(&agent.bottom(Instant::now(), cols), cols)?;
    }
    loop {
        let start = Instant::now();
        let mut timeout = agent.next_tick(start);
        if let Some(since) = pending_since {
            let left = ESC_WAIT.saturating_sub(start.saturating_duration_since(since));
            timeout = Some(timeout.map_or(left, |t| t.min(left)));
        }
        let readable = if input_open {
            poll_stdin(timeout)
        } else {
            std::thread::sleep(timeout.unwrap_or(Duration::from_secs(1)));
            false
        };
        let mut keys = Vec::new();
        let mut closed = false;
        if readable {
            match read_stdin(&mut buf) {
                Ok(0) => closed = true,
                Ok(n) => keys = parser.feed(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => closed = true,
            }
        }
        if parser.has_pending() {
            let since = *pending_since.get_or_insert_with(Instant::now);
            if !readable && since.elapsed() >= ESC_WAIT {
                keys.extend(parser.flush());
                pending_since = None;
            }
        } else {
            pending_since = None;
        }
        let now = now();
        // The clock first, so a start or a job that ended is over before the keys are read.
        let mut effects = agent.tick(&now);
        for key in keys {
            effects.extend(agent.key(key, &now));
        }
        if closed {
            if tty {
                // The terminal went away: nobody is left to talk to.
                return Ok(0);
            }
            input_open = false;
        }
        if !input_open {
            effects.extend(agent.input_closed());
        }
        for effect in effects {
            match effect {
                Effect::Line(line) => screen.line(&line)?,
                Effect::Record(text) => {
                    if let Some(path) = record
                        && let Err(e) = append_record(path, &text)
                    {
                        screen.line(&demo::sanitize(&format!(
                            "Recording failed: cannot append to {}: {e}",
                            path.display()
                        )))?;
                    }
                }
                Effect::Finish(text) => {
                    let done = finish(home, &text);
                    screen.line(&done)?;
                }
                Effect::Exit(code) => {
                    screen.clear()?;
                    return Ok(code);
                }
            }
        }
        {
            let cols = columns();
            screen.draw(&agent.bottom(Instant::now(), cols), cols)?;
        }
    }
}

/// Append one recorded message and its separator in one write.
fn append_record(path: &Path, text: &str) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(text.len() + 2);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(demo::RECORD_SEPARATOR);
    bytes.push(b'\n');
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(&bytes)
}

/// Do what a finished directive leaves behind: the output file and the handoff. The Done
/// line (or what went wrong).
fn finish(home: &Home, text: &str) -> String {
    let local = chrono::Local::now().naive_local();
    let name = &home.identity.name;
    let dir = home.base.join("out").join(name);
    let path = match write_output(&dir, name, text, local) {
        Ok(p) => p,
        Err(e) => {
            return demo::sanitize(&format!(
                "Failed: cannot write the output file in {}: {e}",
                dir.display()
            ));
        }
    };
    let rel = path
        .strip_prefix(&home.base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.clone())
        .to_string_lossy()
        .into_owned();
    let outcome = match &home.config {
        None => HandoffOutcome::Standalone,
        Some(config) => handoff(home, config, text, &rel),
    };
    demo::done_line(&rel, &outcome)
}

/// Write the output file under `dir`, never over an existing one; its path.
fn write_output(
    dir: &Path,
    name: &str,
    text: &str,
    local: chrono::NaiveDateTime,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let file = demo::output_file_name(local, text);
    let doc = demo::output_document(name, text, local);
    let stem = file.trim_end_matches(".md").to_string();
    for n in 1..1000 {
        let candidate = if n == 1 {
            dir.join(&file)
        } else {
            dir.join(format!("{stem}-{n}.md"))
        };
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                f.write_all(doc.as_bytes())?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "too many output files with this name",
    ))
}

/// Run `<this binary> handoff …` to the agent's boss (with `--re` when the directive asked
/// for an answer to an entry).
fn handoff(home: &Home, config: &Path, text: &str, rel: &str) -> HandoffOutcome {
    let to = &home.identity.reports_to;
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return HandoffOutcome::Failed(format!("cannot find the atlas binary: {e}")),
    };
    // `--flag=value` so a value starting with `-` is never read as a flag.
    let mut cmd = Command::new(exe);
    cmd.arg("handoff")
        .arg(format!("--from={}", home.identity.name))
        .arg(format!("--to={to}"))
        .arg("--status=DONE")
        .arg(format!("--task={}", demo::task(text)))
        .arg(format!("--output={rel}"));
    // A woken lead answers the entry it was woken for: passing it upward answers it.
    if let Some(re) = demo::reply_to(text) {
        cmd.arg(format!("--re={re}"));
    }
    let out = cmd
        .env("ATLAS_CONFIG", config)
        .current_dir(&home.base)
        .stdin(Stdio::null())
        .output();
    match out {
        Err(e) => HandoffOutcome::Failed(format!("cannot run atlas handoff: {e}")),
        Ok(o) if o.status.success() => HandoffOutcome::Done(to.clone()),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let last = err
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty())
                .map(|l| l.strip_prefix("atlas: ").unwrap_or(l).to_string())
                .unwrap_or_else(|| format!("atlas handoff exited with {}", o.status));
            HandoffOutcome::Failed(demo::first_chars(&last, 300).to_string())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The screen

/// The bottom block (prompt, busy line or question) drawn last, redrawn in place.
#[derive(Default)]
struct Screen {
    /// The bottom block's lines on screen; the cursor is at the end of the last one.
    drawn: Vec<String>,
    /// Terminal rows they take (a line wider than the terminal wraps).
    rows: usize,
}

impl Screen {
    fn erase_sequence(&self) -> String {
        match self.rows {
            0 => String::new(),
            1 => "\r\x1b[K".into(),
            n => format!("\r\x1b[{}A\x1b[J", n - 1),
        }
    }

    /// Print a finished line above the bottom block (the block is drawn again by `draw`).
    fn line(&mut self, line: &str) -> Result<()> {
        let out = format!("{}{line}\r\n", self.erase_sequence());
        self.drawn.clear();
        self.rows = 0;
        write_out(&out)
    }

    /// Draw the bottom block on a `cols`-wide terminal, unless it is on screen already.
    fn draw(&mut self, lines: &[String], cols: usize) -> Result<()> {
        if self.drawn == lines {
            return Ok(());
        }
        let out = format!("{}{}", self.erase_sequence(), lines.join("\r\n"));
        self.drawn = lines.to_vec();
        self.rows = demo::rows(lines, cols);
        write_out(&out)
    }

    /// Remove the bottom block (before exiting).
    fn clear(&mut self) -> Result<()> {
        let out = self.erase_sequence();
        self.drawn.clear();
        self.rows = 0;
        write_out(&out)
    }
}

fn write_out(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The terminal's width in columns (80 when unknown).
fn columns() -> usize {
    for fd in [libc::STDOUT_FILENO, libc::STDIN_FILENO] {
        // SAFETY: TIOCGWINSZ fills a winsize we own; a failure leaves it zeroed.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
        if r == 0 && ws.ws_col > 0 {
            return usize::from(ws.ws_col);
        }
    }
    80
}

// ---------------------------------------------------------------------------------------------
// The terminal

/// Wait until stdin is readable or `timeout` passes (None: forever). Interrupted by a signal
/// counts as not readable.
fn poll_stdin(timeout: Option<Duration>) -> bool {
    let ms = match timeout {
        None => -1,
        // Round up, so the loop does not wake just before a deadline and spin.
        Some(d) => i32::try_from(d.as_micros().div_ceil(1000)).unwrap_or(i32::MAX),
    };
    let mut fds = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut fds, 1, ms) };
    r > 0 && fds.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
}

/// Read what is there (unbuffered, so poll sees everything not yet read); `Ok(0)` at end of
/// input.
fn read_stdin(buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        // SAFETY: reads into a buffer we own, at most its length.
        let n = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
        if let Ok(n) = usize::try_from(n) {
            return Ok(n);
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// The terminal settings found at start, restored on exit and by the signal handler.
static SAVED: OnceLock<libc::termios> = OnceLock::new();

/// Bracketed paste off.
const PASTE_OFF: &[u8] = b"\x1b[?2004l";
/// Bracketed paste on.
const PASTE_ON: &[u8] = b"\x1b[?2004h";

/// Raw mode and bracketed paste while it lives.
struct Terminal {
    tty: bool,
}

impl Terminal {
    /// Put stdin in raw mode (when it is a terminal) and turn bracketed paste on.
    fn setup() -> Terminal {
        // SAFETY: plain termios calls on fd 0 with a struct we own.
        unsafe {
            if libc::isatty(libc::STDIN_FILENO) != 1 {
                return Terminal { tty: false };
            }
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 {
                return Terminal { tty: false };
            }
            let _ = SAVED.set(t);
            let mut raw = t;
            raw.c_iflag &= !(libc::ICRNL
                | libc::INLCR
                | libc::IGNCR
                | libc::IXON
                | libc::ISTRIP
                | libc::BRKINT);
            raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw);
            libc::write(
                libc::STDOUT_FILENO,
                PASTE_ON.as_ptr().cast(),
                PASTE_ON.len(),
            );
        }
        Terminal { tty: true }
    }

    fn is_tty(&self) -> bool {
        self.tty
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if self.tty {
            restore_terminal();
        }
    }
}

/// Put the terminal back as found and turn bracketed paste off. Async-signal-safe: only
/// `tcsetattr` and `write`.
fn restore_terminal() {
    if let Some(t) = SAVED.get() {
        // SAFETY: async-signal-safe calls on fds 0 and 1 with data that lives forever.
        unsafe {
            libc::write(
                libc::STDOUT_FILENO,
                PASTE_OFF.as_ptr().cast(),
                PASTE_OFF.len(),
            );
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
        }
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    restore_terminal();
    // SAFETY: back to the default action, then die of the same signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Restore the terminal before dying of SIGTERM, SIGHUP, SIGINT or SIGQUIT.
fn install_signal_handlers() {
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT] {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}
