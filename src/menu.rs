//! The atlas menu (DESIGN §3 `atlas menu`, §5): which items it shows and the tmux
//! `display-menu` argument vector, built without I/O.
//!
//! The main menu lists the actions and the operator's inbox; each action that needs an
//! agent opens a second menu, the agent chooser (`atlas menu --pick ACTION`), and each
//! inbox entry opens the entry's menu (`atlas menu --entry ID`: acknowledge it, read the
//! inbox, go to its sender). "Acknowledge all" acknowledges exactly the entries the menu
//! listed (by id), after asking. Views (peek,
//! logs, inbox, report) open in a popup that runs `atlas` directly, without a shell, where
//! tmux has popups, and in a split pane otherwise.
//!
//! Escaping: tmux expands menu labels and item commands as formats when the menu opens,
//! so labels pass through [`crate::escape::tmux_text`] (text from agents or files: `#`
//! doubled, control characters removed) and commands through
//! [`crate::plugin::format_escape`]. Popup arguments are not expanded again.

use crate::escape::tmux_text;
use crate::plugin::{
    conf_quote, conf_word, format_escape, prompt_command, run_shell_atlas, sh_line,
};

/// An action of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send a directive (a prompt).
    Send,
    /// Restart the agent (asks first).
    Restart,
    /// Its screen, in a popup.
    Peek,
    /// Its log, followed, in a popup.
    Logs,
    /// Its inbox, in a popup.
    Inbox,
    /// Go to its pane.
    Jump,
    /// Queue work for it (a prompt).
    Queue,
}

impl Action {
    /// Every action, in menu order.
    pub const ALL: [Action; 7] = [
        Action::Send,
        Action::Restart,
        Action::Peek,
        Action::Logs,
        Action::Inbox,
        Action::Jump,
        Action::Queue,
    ];

    /// The word used on the command line (`--pick WORD`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Restart => "restart",
            Action::Peek => "peek",
            Action::Logs => "logs",
            Action::Inbox => "inbox",
            Action::Jump => "jump",
            Action::Queue => "queue",
        }
    }

    /// Parse a `--pick` word.
    pub fn parse(word: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == word)
    }

    /// The main menu's label.
    pub fn label(self) -> &'static str {
        match self {
            Action::Send => "Send a directive…",
            Action::Restart => "Restart an agent…",
            Action::Peek => "Peek at an agent…",
            Action::Logs => "Follow an agent's log…",
            Action::Inbox => "Inbox…",
            Action::Jump => "Jump to an agent…",
            Action::Queue => "Queue work…",
        }
    }

    /// The main menu's shortcut key.
    pub fn key(self) -> &'static str {
        match self {
            Action::Send => "s",
            Action::Restart => "r",
            Action::Peek => "p",
            Action::Logs => "l",
            Action::Inbox => "i",
            Action::Jump => "j",
            Action::Queue => "w",
        }
    }
}

/// One line of a menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A choice: label (plain text), key, tmux command (plain; escaped when rendered).
    Item {
        /// What the operator reads.
        label: String,
        /// Its shortcut key ("" for none).
        key: String,
        /// The tmux command it runs.
        command: String,
    },
    /// A line that cannot be chosen (shown dimmed).
    Note(String),
    /// A separator.
    Separator,
}

/// A menu: a title and lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// Shown in the border.
    pub title: String,
    /// The lines, top to bottom.
    pub lines: Vec<Line>,
}

impl Menu {
    /// The `display-menu` argument vector (without `tmux` and server flags).
    pub fn to_args(&self, client: Option<&str>, pane: Option<&str>) -> Vec<String> {
        let mut args = vec!["display-menu".to_string()];
        if let Some(c) = client {
            args.extend(["-c".to_string(), c.to_string()]);
        }
        if let Some(p) = pane {
            args.extend(["-t".to_string(), p.to_string()]);
        }
        args.extend([
            "-x".into(),
            "C".into(),
            "-y".into(),
            "C".into(),
            "-T".into(),
            format!("#[align=centre] {} ", tmux_text(&self.title)),
            // A first item that cannot be chosen (a note) is written `-text`: after `--`, tmux
            // does not read it as a flag.
            "--".into(),
        ]);
        for line in &self.lines {
            match line {
                Line::Item {
                    label,
                    key,
                    command,
                } => {
                    let mut l = tmux_text(label);
                    if l.starts_with('-') || l.is_empty() {
                        l.insert(0, ' ');
                    }
                    args.push(l);
                    args.push(key.clone());
                    args.push(format_escape(command));
                }
                Line::Note(text) => {
                    args.push(format!("-{}", tmux_text(text)));
                    args.push(String::new());
                    args.push(String::new());
                }
                Line::Separator => args.push(String::new()),
            }
        }
        args
    }
}

/// An agent as the menu sees it: from its pane's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPane {
    /// The agent's name (`@atlas_agent`).
    pub name: String,
    /// Its pane id (`%N`).
    pub pane: String,
    /// `@atlas_state`, or `dead` when the pane is dead and no state is kept.
    pub state: String,
}

/// A line of the operator's inbox for the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLine {
    /// The entry's id (what `atlas ack` takes).
    pub id: String,
    /// Who wrote it.
    pub from: String,
    /// Its status, if any.
    pub status: Option<String>,
    /// Its task.
    pub task: String,
}

/// The format a key binding expands to pass [`Context`] (`--context`), and that the menu
/// reads otherwise: popup support, popup size, the session's team config.
pub const CONTEXT_FORMAT: &str =
    "#{@atlas_popup}|#{@atlas-popup-width}|#{@atlas-popup-height}|#{@atlas_config}";

/// [`CONTEXT_FORMAT`] as one shell word for a key's `run-shell` (each value `q:`-quoted,
/// the separators escaped).
pub const CONTEXT_ARG: &str =
    "#{q:@atlas_popup}\\|#{q:@atlas-popup-width}\\|#{q:@atlas-popup-height}\\|#{q:@atlas_config}";

/// What the menu needs to know from tmux; empty fields are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `@atlas_popup`: `on`/`off`.
    pub popup: Option<bool>,
    /// `@atlas-popup-width`.
    pub width: Option<String>,
    /// `@atlas-popup-height`.
    pub height: Option<String>,
    /// `@atlas_config` (the last field, so it may hold `|`).
    pub config: Option<String>,
}

impl Context {
    /// Parse [`CONTEXT_FORMAT`] as expanded.
    pub fn parse(s: &str) -> Context {
        let mut f = s.splitn(4, '|');
        let mut next = || {
            f.next()
                .map(str::trim_end)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let popup = next().and_then(|p| match p.as_str() {
            "on" => Some(true),
            "off" => Some(false),
            _ => None,
        });
        Context {
            popup,
            width: next(),
            height: next(),
            config: next(),
        }
    }

    /// Each field of `self`, else of `other`.
    pub fn or(self, other: Context) -> Context {
        Context {
            popup: self.popup.or(other.popup),
            width: self.width.or(other.width),
            height: self.height.or(other.height),
            config: self.config.or(other.config),
        }
    }

    /// As `--context` text.
    pub fn render(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            match self.popup {
                Some(true) => "on",
                Some(false) => "off",
                None => "",
            },
            self.width.as_deref().unwrap_or(""),
            self.height.as_deref().unwrap_or(""),
            self.config.as_deref().unwrap_or("")
        )
    }
}

/// Where and how the menu's commands run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// The atlas binary (absolute).
    pub bin: String,
    /// Server flags for atlas started outside `run-shell` (popups, splits): `-S PATH`.
    pub server_flags: Vec<String>,
    /// The team config, when known (passed as `-c` to views).
    pub config: Option<String>,
    /// The client the menu is for.
    pub client: Option<String>,
    /// The pane the key was pressed in.
    pub pane: Option<String>,
    /// Whether tmux has popups.
    pub popup: bool,
    /// Popup width.
    pub popup_width: String,
    /// Popup height.
    pub popup_height: String,
    /// The team's operator (for the inbox).
    pub operator: Option<String>,
}

impl Env {
    /// `atlas` with server flags and config, then `args`: an argument vector.
    pub fn atlas_argv(&self, args: &[&str]) -> Vec<String> {
        let mut v = vec![self.bin.clone()];
        v.extend(self.server_flags.iter().cloned());
        if let Some(c) = &self.config {
            v.extend(["-c".to_string(), c.clone()]);
        }
        v.extend(args.iter().map(|s| s.to_string()));
        v
    }

    /// A `run-shell -b` command running `atlas ARGS` on this server (args shell-quoted;
    /// they must not contain `%`, as prompt templates substitute it).
    pub fn run_shell(&self, args: &[&str]) -> String {
        let mut line = run_shell_atlas(&self.bin);
        if let Some(c) = &self.config {
            line.push_str(" -c ");
            line.push_str(&format_escape(&crate::escape::sh_quote(c)));
        }
        if !args.is_empty() {
            line.push(' ');
            line.push_str(&format_escape(&sh_line(args)));
        }
        format!("run-shell -b {}", conf_quote(&line))
    }

    /// A command that shows `atlas ARGS` in a popup (no shell in between), or in a split
    /// pane when tmux has no popups. `follow` views run until interrupted; others stay
    /// on screen until closed (Escape in a popup, Enter in a split).
    pub fn view(&self, title: &str, args: &[&str], follow: bool) -> String {
        if self.popup {
            let mut v: Vec<String> = vec!["display-popup".into()];
            if follow {
                v.push("-E".into());
            }
            v.extend([
                "-w".into(),
                self.popup_width.clone(),
                "-h".into(),
                self.popup_height.clone(),
                "-T".into(),
                format!(" {} (Esc closes) ", tmux_text(title)),
                "--".into(),
            ]);
            v.extend(self.atlas_argv(args));
            v.iter().map(|a| conf_word(a)).collect::<Vec<_>>().join(" ")
        } else {
            let mut v: Vec<String> = vec!["split-window".into(), "-v".into(), "-l".into()];
            v.push("40%".into());
            if let Some(p) = &self.pane {
                v.extend(["-t".into(), p.clone()]);
            }
            v.push("--".into());
            // `hold` runs the command (server flags and config passed on), then waits.
            let mut full = vec![
                self.bin.clone(),
                "plugin".into(),
                "hold".into(),
                "--".into(),
            ];
            full.extend(self.server_flags.iter().cloned());
            if let Some(c) = &self.config {
                full.extend(["-c".to_string(), c.clone()]);
            }
            full.extend(args.iter().map(|s| s.to_string()));
            v.extend(full);
            v.iter().map(|a| conf_word(a)).collect::<Vec<_>>().join(" ")
        }
    }
}

/// The main menu: the actions, the morning report, the next agent needing attention,
/// and the operator's inbox (up to `max_inbox` entries; left out when `None`, i.e. it
/// could not be read).
pub fn main_menu(env: &Env, inbox: Option<&[InboxLine]>, max_inbox: usize) -> Menu {
    let mut lines = Vec::new();
    for a in Action::ALL {
        lines.push(Line::Item {
            label: a.label().into(),
            key: a.key().into(),
            command: pick_command(env, a),
        });
    }
    lines.push(Line::Separator);
    lines.push(Line::Item {
        label: "Next agent needing attention".into(),
        key: "n".into(),
        command: env.run_shell(&jump_args(env)),
    });
    lines.push(Line::Item {
        label: "Morning report (last 12h)".into(),
        key: "R".into(),
        command: env.view("atlas report", &["report", "--since", "12h"], false),
    });
    if let (Some(op), Some(inbox)) = (&env.operator, inbox) {
        lines.push(Line::Separator);
        if inbox.is_empty() {
            lines.push(Line::Note(format!("Inbox of {op}: empty")));
        } else {
            lines.push(Line::Note(format!("Inbox of {op}: {}", inbox.len())));
            for (i, e) in inbox.iter().take(max_inbox).enumerate() {
                let status = e.status.as_deref().unwrap_or("—");
                lines.push(Line::Item {
                    label: truncate(&format!("{} · {status} · {}", e.from, e.task), 60),
                    key: if i < 9 {
                        (i + 1).to_string()
                    } else {
                        String::new()
                    },
                    command: menu_command(env, &["--entry", e.id.as_str()]),
                });
            }
            if inbox.len() > max_inbox {
                lines.push(Line::Note(format!("… {} more", inbox.len() - max_inbox)));
            }
            lines.push(Line::Item {
                label: "Read the inbox".into(),
                key: "o".into(),
                command: env.view(&format!("atlas inbox {op}"), &["inbox", op], false),
            });
            let n = inbox.len();
            let ids: Vec<&str> = inbox.iter().map(|e| e.id.as_str()).collect();
            lines.push(Line::Item {
                label: format!(
                    "Acknowledge {}",
                    if n == 1 {
                        "it".to_string()
                    } else {
                        format!("all {n}")
                    }
                ),
                key: "a".into(),
                command: format!(
                    "confirm-before -p {} {{ {} }}",
                    conf_quote(&format!(
                        "atlas: acknowledge {} of {op}'s inbox? (y/n)",
                        if n == 1 {
                            "the entry".to_string()
                        } else {
                            format!("all {n} entries")
                        }
                    )),
                    ack_command(env, &ids)
                ),
            });
        }
    }
    Menu {
        title: "atlas".into(),
        lines,
    }
}

fn jump_args(env: &Env) -> Vec<&str> {
    let mut v = vec!["plugin", "jump"];
    if let Some(c) = &env.client {
        v.extend(["--client", c.as_str()]);
    }
    if let Some(p) = &env.pane {
        v.extend(["--pane", p.as_str()]);
    }
    v
}

/// The command that opens the agent chooser for `action`.
pub fn pick_command(env: &Env, action: Action) -> String {
    menu_command(env, &["--pick", action.as_str()])
}

/// The command that opens another atlas menu (`atlas menu WHICH…`), passing on what this
/// one knows.
fn menu_command(env: &Env, which: &[&str]) -> String {
    let context = Context {
        popup: Some(env.popup),
        width: Some(env.popup_width.clone()),
        height: Some(env.popup_height.clone()),
        config: env.config.clone(),
    }
    .render();
    let mut args = vec!["menu"];
    args.extend_from_slice(which);
    args.extend(["--context", &context]);
    if let Some(c) = &env.client {
        args.extend(["--client", c.as_str()]);
    }
    if let Some(p) = &env.pane {
        args.extend(["--pane", p.as_str()]);
    }
    env.run_shell(&args)
}

/// The command that acknowledges these entries of the operator's inbox (`atlas ack`, by
/// the plugin's helper, which says on the client how it went).
pub fn ack_command(env: &Env, ids: &[&str]) -> String {
    let mut args = vec!["plugin", "ack"];
    if let Some(c) = &env.client {
        args.extend(["--client", c.as_str()]);
    }
    for id in ids {
        args.extend(["--id", id]);
    }
    env.run_shell(&args)
}

/// The menu of one entry of the operator's inbox: what it says, then acknowledge it, read
/// the inbox, or go to its sender (`sender_pane`, when the sender is an agent with a pane).
pub fn entry_menu(env: &Env, entry: &InboxLine, sender_pane: Option<&str>) -> Menu {
    let op = env.operator.as_deref().unwrap_or("operator");
    let mut lines = vec![Line::Note(truncate(
        &format!(
            "{} · {}",
            entry.status.as_deref().unwrap_or("no status"),
            entry.task
        ),
        60,
    ))];
    lines.push(Line::Note(truncate(&entry.id, 60)));
    lines.push(Line::Separator);
    lines.push(Line::Item {
        label: "Acknowledge".into(),
        key: "a".into(),
        command: ack_command(env, &[entry.id.as_str()]),
    });
    lines.push(Line::Item {
        label: "Read the inbox".into(),
        key: "o".into(),
        command: env.view(&format!("atlas inbox {op}"), &["inbox", op], false),
    });
    if let Some(p) = sender_pane {
        lines.push(Line::Item {
            label: format!("Go to {}", entry.from),
            key: "j".into(),
            command: action_command(env, Action::Jump, &entry.from, Some(p)),
        });
    }
    Menu {
        title: format!("atlas: {} → {op}", entry.from),
        lines,
    }
}

/// The agent chooser: one item per agent (with its state), running `action` on it.
/// `current` is the agent of the pane the key was pressed in, marked and listed first.
pub fn pick_menu(env: &Env, action: Action, agents: &[AgentPane], current: Option<&str>) -> Menu {
    let mut ordered: Vec<&AgentPane> = agents.iter().collect();
    if let Some(cur) = current {
        ordered.sort_by_key(|a| a.name != cur);
    }
    let mut lines = Vec::new();
    if action == Action::Inbox
        && let Some(op) = &env.operator
    {
        lines.push(Line::Item {
            label: format!("{op} (operator)"),
            key: "0".into(),
            command: action_command(env, action, op, None),
        });
    }
    const KEYS: &str = "123456789abcdefghijkmnoprstuvwxyz";
    for (i, a) in ordered.iter().enumerate() {
        let mark = if Some(a.name.as_str()) == current {
            " (this pane)"
        } else {
            ""
        };
        lines.push(Line::Item {
            label: format!("{:<16} {}{mark}", a.name, a.state),
            key: KEYS
                .chars()
                .nth(i)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            command: action_command(env, action, &a.name, Some(&a.pane)),
        });
    }
    if agents.is_empty() {
        lines.push(Line::Note(
            "no agents running — start them with atlas up".into(),
        ));
    }
    Menu {
        title: format!("atlas: {}", action.as_str()),
        lines,
    }
}

/// The tmux command that runs `action` on the agent `name` (pane `pane` when it has one).
pub fn action_command(env: &Env, action: Action, name: &str, pane: Option<&str>) -> String {
    match action {
        Action::Send => prompt_command(
            &format!("atlas: send to {name}:"),
            &prompt_run(env, "send", name),
        ),
        Action::Queue => prompt_command(
            &format!("atlas: queue for {name}:"),
            &prompt_run(env, "queue", name),
        ),
        Action::Restart => format!(
            "confirm-before -p {} {{ {} }}",
            conf_quote(&format!("atlas: restart {name}? (y/n)")),
            env.run_shell(&["plugin", "restart", "--agent", name])
        ),
        Action::Peek => env.view(
            &format!("atlas peek {name}"),
            &["peek", name, "-n", "200"],
            false,
        ),
        Action::Logs => env.view(
            &format!("atlas logs -f {name}"),
            &["logs", name, "-f"],
            true,
        ),
        Action::Inbox => env.view(&format!("atlas inbox {name}"), &["inbox", name], false),
        Action::Jump => match pane {
            Some(p) => {
                let p = conf_quote(p);
                let mut c = format!("select-window -t {p} ; select-pane -t {p} ; switch-client");
                if let Some(cl) = &env.client {
                    c.push_str(&format!(" -c {}", conf_quote(cl)));
                }
                c.push_str(&format!(" -t {p}"));
                c
            }
            None => format!(
                "display-message {}",
                conf_quote(&format!("atlas: {name} has no pane"))
            ),
        },
    }
}

/// The `run-shell` text (not yet quoted) a prompt runs: `atlas plugin ACTION --agent NAME`,
/// on the server found from `#{socket_path}`. No `%` in it (templates substitute `%`).
fn prompt_run(env: &Env, action: &str, name: &str) -> String {
    let mut line = run_shell_atlas(&env.bin);
    if let Some(c) = &env.config {
        line.push_str(" -c ");
        line.push_str(&format_escape(&crate::escape::sh_quote(c)));
    }
    line.push(' ');
    line.push_str(&sh_line(&["plugin", action, "--agent", name]));
    line.push_str(" --client #{q:client_name}");
    line
}

/// `s` cut to `max` characters, with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(popup: bool) -> Env {
        Env {
            bin: "/opt/atlas".into(),
            server_flags: vec!["-S".into(), "/tmp/tmux-0/default".into()],
            config: Some("/team/atlas.toml".into()),
            client: Some("/dev/pts/3".into()),
            pane: Some("%4".into()),
            popup,
            popup_width: "80%".into(),
            popup_height: "75%".into(),
            operator: Some("human".into()),
        }
    }

    fn agents() -> Vec<AgentPane> {
        vec![
            AgentPane {
                name: "Atlas".into(),
                pane: "%1".into(),
                state: "busy".into(),
            },
            AgentPane {
                name: "Orpheus".into(),
                pane: "%2".into(),
                state: "waiting".into(),
            },
        ]
    }

    #[test]
    fn main_menu_lists_actions_and_escapes_inbox() {
        let inbox = vec![InboxLine {
            id: "[2026-04-11 01:14] Orpheus → human".into(),
            from: "Orpheus".into(),
            status: Some("BLOCKED".into()),
            task: "#(touch /tmp/x)\x1b[31m".into(),
        }];
        let m = main_menu(&env(true), Some(&inbox), 5);
        let args = m.to_args(Some("/dev/pts/3"), Some("%4"));
        assert_eq!(args[0], "display-menu");
        assert_eq!(&args[1..5], &["-c", "/dev/pts/3", "-t", "%4"]);
        for a in Action::ALL {
            assert!(args.iter().any(|x| x == a.label()), "{a:?}");
        }
        let label = args.iter().find(|a| a.contains("touch")).unwrap();
        assert_eq!(label, "Orpheus · BLOCKED · ##(touch /tmp/x)[31m");
        // Every `#` in a command is doubled for the menu's expansion.
        let pick = args.iter().find(|a| a.contains("--pick")).unwrap();
        assert!(pick.contains("-S ##{q:socket_path}"), "{pick}");
        assert!(args.iter().any(|a| a == "-Inbox of human: 1"));
        let without = main_menu(&env(true), None, 5).to_args(None, None);
        assert!(!without.iter().any(|a| a.contains("Inbox of")));
    }

    fn line(id: &str, from: &str) -> InboxLine {
        InboxLine {
            id: id.into(),
            from: from.into(),
            status: Some("DONE".into()),
            task: "batch #3".into(),
        }
    }

    fn item<'a>(m: &'a Menu, key: &str) -> (&'a str, &'a str) {
        m.lines
            .iter()
            .find_map(|l| match l {
                Line::Item {
                    label,
                    key: k,
                    command,
                } if k == key => Some((label.as_str(), command.as_str())),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no item with key {key}: {m:?}"))
    }

    #[test]
    fn inbox_entries_open_their_menu_and_all_can_be_acknowledged() {
        let inbox = vec![
            line("[2026-04-11 01:14] Orpheus → human", "Orpheus"),
            line("[2026-04-11 01:15:02] Atlas → human", "Atlas"),
        ];
        let m = main_menu(&env(true), Some(&inbox), 5);
        let (_, open) = item(&m, "1");
        assert!(open.starts_with("run-shell -b "), "{open}");
        assert!(
            open.contains("menu --entry '[2026-04-11 01:14] Orpheus → human' --context"),
            "{open}"
        );
        let (label, all) = item(&m, "a");
        assert_eq!(label, "Acknowledge all 2");
        assert!(
            all.starts_with("confirm-before -p \"atlas: acknowledge all 2 entries of human's inbox? (y/n)\" { run-shell -b"),
            "{all}"
        );
        assert!(
            all.contains("plugin ack --client /dev/pts/3 --id '[2026-04-11 01:14] Orpheus → human' --id '[2026-04-11 01:15:02] Atlas → human'"),
            "{all}"
        );
        let (_, read) = item(&m, "o");
        assert!(read.ends_with("inbox human"), "{read}");
    }

    #[test]
    fn the_entry_menu_acknowledges_one_and_goes_to_its_sender() {
        let e = line("[2026-04-11 01:14] Orpheus → human", "Orpheus");
        let m = entry_menu(&env(true), &e, Some("%7"));
        assert_eq!(m.title, "atlas: Orpheus → human");
        let (_, ack) = item(&m, "a");
        assert!(
            ack.contains(
                "plugin ack --client /dev/pts/3 --id '[2026-04-11 01:14] Orpheus → human'"
            ),
            "{ack}"
        );
        let (label, go) = item(&m, "j");
        assert_eq!(label, "Go to Orpheus");
        assert!(go.contains("select-pane -t \"%7\""), "{go}");
        // The task is shown, escaped for tmux.
        let args = m.to_args(None, None);
        let first = args.iter().position(|a| a == "-DONE · batch ##3").unwrap();
        assert_eq!(
            args[first - 1],
            "--",
            "a leading note is not a flag: {args:?}"
        );
        let m = entry_menu(&env(true), &e, None);
        assert!(
            !m.lines
                .iter()
                .any(|l| matches!(l, Line::Item { key, .. } if key == "j"))
        );
    }

    #[test]
    fn pick_menu_puts_current_first_and_builds_actions() {
        let m = pick_menu(&env(true), Action::Peek, &agents(), Some("Orpheus"));
        match &m.lines[0] {
            Line::Item { label, command, .. } => {
                assert!(label.starts_with("Orpheus"));
                assert!(label.ends_with("(this pane)"));
                assert!(
                    command.starts_with("display-popup -w 80% -h 75%"),
                    "{command}"
                );
                assert!(command.contains(" -- /opt/atlas -S /tmp/tmux-0/default -c /team/atlas.toml peek Orpheus -n 200"), "{command}");
            }
            l => panic!("{l:?}"),
        }
    }

    #[test]
    fn views_fall_back_to_a_split() {
        let c = action_command(&env(false), Action::Inbox, "Atlas", Some("%1"));
        assert!(
            c.starts_with("split-window -v -l 40% -t \"%4\" -- /opt/atlas plugin hold -- -S"),
            "{c}"
        );
        assert!(!c.contains("sh -c"));
    }

    #[test]
    fn logs_popup_closes_with_the_command() {
        let c = action_command(&env(true), Action::Logs, "Atlas", Some("%1"));
        assert!(c.starts_with("display-popup -E "));
        assert!(c.ends_with(" logs Atlas -f"), "{c}");
    }

    #[test]
    fn send_prompt_keeps_pane_ids_out_of_the_template() {
        let c = action_command(&env(true), Action::Send, "Orpheus", Some("%12"));
        assert!(c.starts_with("command-prompt -p \"atlas: send to Orpheus:\" {"));
        assert_eq!(c.matches('%').count(), 2, "{c}");
        assert!(c.contains("plugin send --agent Orpheus"));
    }

    #[test]
    fn restart_asks_first() {
        let c = action_command(&env(true), Action::Restart, "Atlas", Some("%1"));
        assert!(c.starts_with("confirm-before -p \"atlas: restart Atlas? (y/n)\" { run-shell -b"));
    }

    #[test]
    fn jump_targets_the_pane_id() {
        let c = action_command(&env(true), Action::Jump, "Atlas", Some("%1"));
        assert_eq!(
            c,
            "select-window -t \"%1\" ; select-pane -t \"%1\" ; switch-client -c \"/dev/pts/3\" -t \"%1\""
        );
    }

    #[test]
    fn actions_parse() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::parse("nope"), None);
    }

    #[test]
    fn context_round_trips_and_merges() {
        let c = Context::parse("on|80%|75%|/a|b/atlas.toml");
        assert_eq!(c.popup, Some(true));
        assert_eq!(c.config.as_deref(), Some("/a|b/atlas.toml"));
        assert_eq!(Context::parse(&c.render()), c);
        let empty = Context::parse("|||");
        assert_eq!(empty, Context::default());
        assert_eq!(empty.or(c.clone()), c);
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
