//! The tmux plugin's core (DESIGN §5): options, key bindings, the status segment, pane
//! borders — as text and argument lists, with no I/O.
//!
//! `atlas.tmux` only finds (or builds) the binary and runs `atlas plugin init`, which reads
//! every global option in one tmux call and applies the result in one more: a tmux config
//! script fed to `source-file -`. A script, not an argument vector, because key bindings
//! hold command lists in braces (`{ … }`), and only there does `command-prompt` put the
//! typed text into an argument *after* parsing — so what the operator types arrives
//! literally, never parsed as tmux syntax.
//!
//! Quoting layers are spelled out by function: [`conf_quote`] for tmux's command parser,
//! [`format_escape`] for text tmux expands as a format (`run-shell` commands, menu items),
//! [`crate::escape::sh_quote`] for the shell `run-shell` starts.

use std::collections::BTreeMap;

use crate::escape::sh_quote;

/// The placeholder users put in `status-left`/`status-right`.
pub const STATUS_PLACEHOLDER: &str = "#{atlas_status}";

/// Option: the atlas binary to use (default: found on PATH or built in the plugin folder).
pub const OPT_BIN: &str = "@atlas-bin";
/// Option: the `--format` of the `atlas status` fallback (default: atlas's own).
pub const OPT_STATUS_FORMAT: &str = "@atlas-status-format";
/// Option: popup width (default 80%).
pub const OPT_POPUP_WIDTH: &str = "@atlas-popup-width";
/// Option: popup height (default 75%).
pub const OPT_POPUP_HEIGHT: &str = "@atlas-popup-height";
/// Option: `off` keeps `atlas up` from setting pane borders on the team's windows.
pub const OPT_PANE_BORDERS: &str = "@atlas-pane-borders";

/// Kept by the plugin: the binary the bindings run.
pub const STATE_BIN: &str = "@atlas_bin";
/// Kept by the plugin: `on` when tmux has popups (display-popup), else `off`.
pub const STATE_POPUP: &str = "@atlas_popup";
/// Kept by the plugin: the keys it bound (space separated), so a changed key is unbound.
pub const STATE_KEYS: &str = "@atlas_plugin_keys";
/// Kept by the supervisor: the status segment's text.
pub const STATE_STATUS: &str = "@atlas_status";
/// Where a prompt's first substitution lands (`%1`).
pub const PROMPT1: &str = "@atlas_prompt1";
/// Where a prompt's second substitution lands (`%2`; see [`prompt_text`]).
pub const PROMPT2: &str = "@atlas_prompt2";

/// Default popup width.
pub const DEFAULT_POPUP_WIDTH: &str = "80%";
/// Default popup height.
pub const DEFAULT_POPUP_HEIGHT: &str = "75%";

/// What a plugin key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// Open the atlas menu.
    Menu,
    /// Restart the agent in the current pane (after a confirmation).
    Restart,
    /// Prompt for a directive and send it to the current pane's agent.
    Send,
    /// Go to the next agent that needs attention.
    Jump,
}

/// One key option: its name, default, and action.
#[derive(Debug, Clone, Copy)]
pub struct KeyOption {
    /// The `@atlas-key-*` option.
    pub option: &'static str,
    /// The key bound when the option is unset (in the prefix table).
    pub default: &'static str,
    /// What the key does.
    pub action: KeyAction,
    /// One line for the docs.
    pub doc: &'static str,
}

/// The plugin's keys. Defaults avoid every key tmux 3.3 binds by default in the prefix
/// table and TPM's `I`, `U` and `M-u`.
pub const KEYS: &[KeyOption] = &[
    KeyOption {
        option: "@atlas-key-menu",
        default: "A",
        action: KeyAction::Menu,
        doc: "open the atlas menu",
    },
    KeyOption {
        option: "@atlas-key-restart",
        default: "R",
        action: KeyAction::Restart,
        doc: "restart the agent in the current pane (asks first)",
    },
    KeyOption {
        option: "@atlas-key-send",
        default: "S",
        action: KeyAction::Send,
        doc: "send a directive to the current pane's agent",
    },
    KeyOption {
        option: "@atlas-key-jump",
        default: "J",
        action: KeyAction::Jump,
        doc: "jump to the next agent that needs attention",
    },
];

/// Read `show-options` output (`NAME VALUE` lines, values quoted as tmux quotes them) into
/// a map. Array options (`name[0]`) are kept under their full name.
pub fn parse_show_options(out: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in out.lines() {
        let (name, raw) = match line.split_once(' ') {
            Some((n, r)) => (n, r),
            None => (line, ""),
        };
        if name.is_empty() {
            continue;
        }
        map.insert(name.to_string(), unquote_value(raw));
    }
    map
}

/// Undo tmux's quoting of an option value in `show-options` output: surrounding `"…"` or
/// `'…'`, then C-style backslash escapes (`\"`, `\\`, `\$`, `\n`, octal `\ooo`, …).
pub fn unquote_value(raw: &str) -> String {
    let inner = if raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')))
    {
        &raw[1..raw.len() - 1]
    } else {
        raw
    };
    let bytes = inner.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' || i + 1 >= bytes.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let n = bytes[i + 1];
        i += 2;
        match n {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'v' => out.push(11),
            b'f' => out.push(12),
            b's' => out.push(b' '),
            b'0'..=b'7' => {
                let mut v = u32::from(n - b'0');
                let mut k = 0;
                while k < 2 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                    v = v * 8 + u32::from(bytes[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `list-commands` output shows popups that run a command without a shell
/// (`display-popup` with `-T`, tmux 3.3+).
pub fn has_popup(list_commands: &str) -> bool {
    list_commands
        .lines()
        .any(|l| l.starts_with("display-popup ") && l.contains("-T"))
}

/// Text for a place tmux expands as a format: `#` doubled (control characters are kept;
/// use [`crate::escape::tmux_text`] for text from agents or files).
pub fn format_escape(s: &str) -> String {
    s.replace('#', "##")
}

/// One argument for tmux's command parser (config files, `source-file`, command strings):
/// double-quoted with `\`, `"` and `$` escaped; control characters dropped.
pub fn conf_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One word for tmux's command parser: as is when it is plainly safe (letters, digits and
/// `_-./:@=+,%`, not starting with `%`), else [`conf_quote`]d.
pub fn conf_word(s: &str) -> String {
    let safe = !s.is_empty()
        && !s.starts_with('%')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@=+,%".contains(c));
    if safe { s.to_string() } else { conf_quote(s) }
}

/// A shell command line from words, each quoted for `/bin/sh`.
pub fn sh_line<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| sh_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shell text that starts the atlas binary on the server that runs the command:
/// `'BIN' -S #{q:socket_path}`, for `run-shell` (which expands the format; `q:` quotes
/// the value for the shell), with the
/// binary's `#` doubled.
pub fn run_shell_atlas(bin: &str) -> String {
    format!("{} -S #{{q:socket_path}}", format_escape(&sh_quote(bin)))
}

/// The segment that replaces [`STATUS_PLACEHOLDER`]: the supervisor-kept
/// `#{@atlas_status}`, else the output of `atlas status` (run as a status job, on this
/// server, with the session's `@atlas_config` when it has one).
pub fn status_segment(bin: &str, format: Option<&str>) -> String {
    let mut tail = vec!["status".to_string()];
    if let Some(f) = format.filter(|f| !f.is_empty()) {
        tail.push("--format".into());
        tail.push(f.to_string());
    }
    // Inside a conditional branch: `#`, `,` and `}` escaped (the job's command is
    // expanded as a format too, which turns them back); `%` four times, as the status
    // line, and then the job's command again, go through strftime (`100%H` would show
    // the hour).
    let esc = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '%' => out.push_str("%%%%"),
                '#' => out.push_str("##"),
                ',' => out.push_str("#,"),
                '}' => out.push_str("#}"),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out
    };
    format!(
        "#{{?#{{{STATE_STATUS}}},#{{{STATE_STATUS}}},#({} -S #{{q:socket_path}} #{{?@atlas_config,-c #{{q:@atlas_config}},}} {})}}",
        esc(&sh_quote(bin)),
        esc(&sh_line(&tail))
    )
}

/// `value` with every [`STATUS_PLACEHOLDER`] replaced by `segment`, or `None` when it has
/// none (so a second run changes nothing).
pub fn interpolate_status(value: &str, segment: &str) -> Option<String> {
    value
        .contains(STATUS_PLACEHOLDER)
        .then(|| value.replace(STATUS_PLACEHOLDER, segment))
}

/// The format `atlas up` gives `pane-border-format` on the team's windows: the agent's name
/// (bold) and its state, coloured by state (busy yellow, idle green, waiting bold magenta,
/// limited cyan, starting blue, dead and failed bold red); without a kept state, `dead` or
/// `running` from the pane itself. Other panes show their index and title. Only tmux's own
/// values appear (`#{…}` results are never expanded again), so nothing here can run.
pub fn pane_border_format() -> String {
    const COLOURS: &[(&str, &str)] = &[
        ("#{==:#{@atlas_state},busy}", "#[fg=yellow]"),
        ("#{==:#{@atlas_state},idle}", "#[fg=green]"),
        ("#{==:#{@atlas_state},waiting}", "#[fg=magenta#,bold]"),
        ("#{==:#{@atlas_state},limited}", "#[fg=cyan]"),
        ("#{==:#{@atlas_state},starting}", "#[fg=blue]"),
        ("#{==:#{@atlas_state},stopped}", "#[dim]"),
        ("#{m:dead*,#{@atlas_state}}", "#[fg=red#,bold]"),
        ("#{==:#{@atlas_state},failed}", "#[fg=red#,bold]"),
        ("pane_dead", "#[fg=red#,bold]"),
    ];
    let mut colour = String::new();
    for (test, style) in COLOURS.iter().rev() {
        colour = format!("#{{?{test},{style},{colour}}}");
    }
    format!(
        "#{{?@atlas_agent, #[bold]#{{@atlas_agent}}#[nobold] {colour}#{{?@atlas_state,#{{@atlas_state}},#{{?pane_dead,dead,running}}}}#[default] , #{{pane_index}} #{{pane_title}} }}"
    )
}

/// The tmux commands `atlas up` runs on one of the team's windows to show pane borders
/// (unless `@atlas-pane-borders` is `off`). `window` is a window target (`@N`).
pub fn pane_border_commands(window: &str) -> Vec<crate::tmux::Cmd> {
    vec![
        crate::tcmd![
            "set-option",
            "-w",
            "-t",
            window,
            "pane-border-status",
            "top"
        ],
        crate::tcmd![
            "set-option",
            "-w",
            "-t",
            window,
            "pane-border-format",
            pane_border_format()
        ],
    ]
}

/// Whether the `@atlas-pane-borders` value asks for borders (anything but `off`/`no`/`0`).
pub fn pane_borders_enabled(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "off" | "no" | "0" | "false"
    )
}

/// The text a prompt produced, from the two options its template set: `%1` in
/// [`PROMPT1`] and `%2` in [`PROMPT2`].
///
/// tmux 3.3 hands the template the typed text twice, so a `%%` or `%2` the operator typed
/// is itself replaced in the first copy; the second lands untouched in `%2`. Where tmux
/// hands it once, `%2` stays literally `%2` and `%1` holds the text.
pub fn prompt_text(p1: Option<&str>, p2: Option<&str>) -> Option<String> {
    match (p1, p2) {
        (_, Some(t)) if t != "%2" => Some(t.to_string()),
        (Some(t), _) => Some(t.to_string()),
        (None, Some(t)) => Some(t.to_string()),
        (None, None) => None,
    }
}

/// The tmux command (config syntax) that prompts for text and hands it to
/// `atlas plugin ACTION …`: the text goes into [`PROMPT1`]/[`PROMPT2`] as an argument
/// (never parsed), then `run_shell` runs. `run_shell` must not contain `%`.
pub fn prompt_command(prompt: &str, run_shell: &str) -> String {
    format!(
        "command-prompt -p {} {{ set-option -g {PROMPT1} \"%1\" ; set-option -g {PROMPT2} \"%2\" ; run-shell -b {} }}",
        conf_quote(prompt),
        conf_quote(run_shell)
    )
}

/// The plugin's own message option (what `atlas.tmux` last said).
pub const STATE_MESSAGE: &str = "@atlas_plugin_message";

/// A popup size option's value if `display-popup` takes it, else the default (so a typo
/// in `@atlas-popup-width` never turns into a tmux error when a view opens).
pub fn popup_size(value: Option<&str>, default: &str) -> String {
    match value.map(str::trim) {
        Some(v) if crate::tmux_value::popup_size_ok(v) => v.to_string(),
        _ => default.to_string(),
    }
}

/// What is wrong with the `@atlas-*` options that reach tmux, one sentence each (empty
/// when nothing is): popup sizes `display-popup` would refuse, a binary path that tmux's
/// prompt templates would change.
pub fn option_problems(options: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, default) in [
        (OPT_POPUP_WIDTH, DEFAULT_POPUP_WIDTH),
        (OPT_POPUP_HEIGHT, DEFAULT_POPUP_HEIGHT),
    ] {
        if let Some(v) = options
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            if !crate::tmux_value::popup_size_ok(v) {
                out.push(format!(
                    "{name} is `{v}`; expected a size like 80% (1-100%) or 100 (cells); using {default}"
                ));
            }
        }
    }
    if let Some(bin) = options.get(OPT_BIN).filter(|b| !b.trim().is_empty()) {
        let percent_digit = bin
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'%' && w[1].is_ascii_digit());
        if percent_digit || bin.chars().any(char::is_control) {
            out.push(format!(
                "{OPT_BIN} is `{}`, a path tmux would change (`%` before a digit, or a control character); install atlas elsewhere",
                bin.escape_debug()
            ));
        }
    }
    out
}

/// What `atlas plugin init` knows when it builds the script.
#[derive(Debug, Clone)]
pub struct InitInput {
    /// The atlas binary (absolute).
    pub bin: String,
    /// Global options (`show-options -g`), unquoted.
    pub options: BTreeMap<String, String>,
    /// Whether tmux has popups.
    pub popup: bool,
    /// `list-keys -T prefix` output, to tell whether an old key is still atlas's.
    pub prefix_keys: String,
}

/// The key an option asks for: `None` for `none`; the default when unset or empty.
pub fn key_for(options: &BTreeMap<String, String>, k: &KeyOption) -> Option<String> {
    let v = options.get(k.option).map(|s| s.trim()).unwrap_or("");
    if v.is_empty() {
        Some(k.default.to_string())
    } else if v.eq_ignore_ascii_case("none") {
        None
    } else {
        Some(v.to_string())
    }
}

/// What the plugin's keys say in a session where no team runs (one line, no commas: it
/// sits in a format conditional).
pub const NO_TEAM_HERE: &str = "atlas: no team runs in this session; start one with atlas up in its folder (atlas init writes one)";

/// The tmux command a key runs (config syntax).
pub fn key_command(action: KeyAction, bin: &str) -> String {
    let atlas = run_shell_atlas(bin);
    let here = "--client #{q:client_name} --pane #{q:pane_id}";
    // In a team's session: this pane is not an agent; elsewhere: no team runs here.
    let no_agent = format!(
        "display-message \"#{{?@atlas_config,{},{}}}\"",
        "atlas: this pane runs no atlas agent", NO_TEAM_HERE
    );
    match action {
        KeyAction::Menu => format!(
            "run-shell -b {}",
            conf_quote(&format!(
                "{atlas} menu {here} --context {}",
                crate::menu::CONTEXT_ARG
            ))
        ),
        KeyAction::Jump => format!(
            "run-shell -b {}",
            conf_quote(&format!("{atlas} plugin jump {here}"))
        ),
        KeyAction::Restart => format!(
            "if-shell -F \"#{{@atlas_agent}}\" {{ confirm-before -p \"atlas: restart #{{@atlas_agent}}? (y/n)\" {{ run-shell -b {} }} }} {{ {no_agent} }}",
            conf_quote(&format!("{atlas} plugin restart {here}"))
        ),
        KeyAction::Send => format!(
            "if-shell -F \"#{{@atlas_agent}}\" {{ {} }} {{ {no_agent} }}",
            prompt_command(
                "atlas: send to #{@atlas_agent}:",
                &format!("{atlas} plugin send {here}")
            )
        ),
    }
}

/// Whether `list-keys -T prefix` output binds `key` to an atlas command.
pub fn bound_to_atlas(prefix_keys: &str, key: &str) -> bool {
    prefix_keys.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(t) = words.iter().position(|w| *w == "-T") else {
            return false;
        };
        let Some(k) = words.get(t + 2) else {
            return false;
        };
        let k = k.strip_prefix('\\').unwrap_or(k);
        let k = k.trim_matches('"');
        k == key && line.contains("atlas")
    })
}

/// The whole init script (tmux config syntax, one command per line), for `source-file -`.
pub fn init_script(input: &InitInput) -> String {
    let mut lines = Vec::new();
    let set = |name: &str, value: &str| format!("set-option -g {name} {}", conf_quote(value));
    lines.push(set(STATE_BIN, &input.bin));
    lines.push(set(STATE_POPUP, if input.popup { "on" } else { "off" }));

    let mut bound = Vec::new();
    for k in KEYS {
        if let Some(key) = key_for(&input.options, k) {
            lines.push(format!(
                "bind-key -T prefix {} {}",
                conf_quote(&key),
                key_command(k.action, &input.bin)
            ));
            bound.push(key);
        }
    }
    let before = input
        .options
        .get(STATE_KEYS)
        .map(String::as_str)
        .unwrap_or("");
    for old in before.split_whitespace() {
        if !bound.iter().any(|b| b == old) && bound_to_atlas(&input.prefix_keys, old) {
            lines.push(format!("unbind-key -T prefix {}", conf_quote(old)));
        }
    }
    lines.push(set(STATE_KEYS, &bound.join(" ")));

    let segment = status_segment(
        &input.bin,
        input.options.get(OPT_STATUS_FORMAT).map(String::as_str),
    );
    for name in ["status-left", "status-right"] {
        if let Some(v) = input.options.get(name)
            && let Some(new) = interpolate_status(v, &segment)
        {
            lines.push(set(name, &new));
        }
    }
    let mut script = lines.join("\n");
    script.push('\n');
    script
}

/// The `version = "…"` of the `[package]` section of a Cargo.toml.
pub fn cargo_version(cargo_toml: &str) -> Option<String> {
    let mut in_package = false;
    for line in cargo_toml.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[package]";
            continue;
        }
        if in_package && let Some(rest) = t.strip_prefix("version") {
            let rest = rest.trim_start().strip_prefix('=')?.trim();
            return Some(rest.trim_matches('"').to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_show_options_values() {
        let out = "@a \"x y\"\n@b \"q\\\"u\\$o#{t}e's\"\n@c \\~home\n@e ''\nstatus-right \"#{?window_bigger,[#{window_offset_x}#,#{window_offset_y}] ,}\\\"#{=21:pane_title}\\\" %H:%M\"\n";
        let m = parse_show_options(out);
        assert_eq!(m["@a"], "x y");
        assert_eq!(m["@b"], "q\"u$o#{t}e's");
        assert_eq!(m["@c"], "~home");
        assert_eq!(m["@e"], "");
        assert_eq!(
            m["status-right"],
            "#{?window_bigger,[#{window_offset_x}#,#{window_offset_y}] ,}\"#{=21:pane_title}\" %H:%M"
        );
        assert_eq!(unquote_value("\"a\\\\b\\303\\251\""), "a\\bé");
    }

    #[test]
    fn conf_word_quotes_only_when_needed() {
        assert_eq!(conf_word("display-popup"), "display-popup");
        assert_eq!(conf_word("80%"), "80%");
        assert_eq!(conf_word("%4"), "\"%4\"");
        assert_eq!(conf_word("a b"), "\"a b\"");
        assert_eq!(conf_word("#x"), "\"#x\"");
        assert_eq!(conf_word(""), "\"\"");
    }

    #[test]
    fn conf_quote_escapes_parser_specials() {
        assert_eq!(
            conf_quote("a \"b\" $HOME \\ #{x}\x07"),
            "\"a \\\"b\\\" \\$HOME \\\\ #{x}\""
        );
    }

    #[test]
    fn status_is_interpolated_once() {
        let seg = status_segment("/opt/atlas", None);
        assert_eq!(
            seg,
            "#{?#{@atlas_status},#{@atlas_status},#(/opt/atlas -S #{q:socket_path} #{?@atlas_config,-c #{q:@atlas_config},} status)}"
        );
        let once = interpolate_status("x #{atlas_status} y #{atlas_status}", &seg).unwrap();
        assert_eq!(once.matches("@atlas_status},#{@atlas_status}").count(), 2);
        assert!(interpolate_status(&once, &seg).is_none());
    }

    #[test]
    fn status_segment_escapes_the_job() {
        let seg = status_segment("/a#b/atlas", Some("{inbox}, {down}"));
        assert!(
            seg.starts_with("#{?#{@atlas_status},#{@atlas_status},#('/a##b/atlas' -S "),
            "{seg}"
        );
        assert!(
            seg.ends_with(" status --format '{inbox#}#, {down#}')}"),
            "{seg}"
        );
        // strftime runs on the status line, then on the job's command: `%` survives both.
        let seg = status_segment("/opt/atlas", Some("{inbox} 100%H"));
        assert!(
            seg.ends_with(" status --format '{inbox#} 100%%%%H')}"),
            "{seg}"
        );
    }

    #[test]
    fn keys_default_none_and_custom() {
        let mut o = BTreeMap::new();
        assert_eq!(key_for(&o, &KEYS[0]).as_deref(), Some("A"));
        o.insert("@atlas-key-menu".into(), "none".into());
        assert_eq!(key_for(&o, &KEYS[0]), None);
        o.insert("@atlas-key-menu".into(), "M-a".into());
        assert_eq!(key_for(&o, &KEYS[0]).as_deref(), Some("M-a"));
    }

    #[test]
    fn defaults_avoid_tmux_and_tpm_keys() {
        // tmux 3.3's default prefix table and TPM's keys.
        let taken = "C-b C-o C-z Space ! \" # $ % & ' ( ) , - . / 0 1 2 3 4 5 6 7 8 9 : ; < = > ? C D E L M [ ] c d f i l m n o p q r s t w x z { } ~ PPage Up Down Left Right M-1 M-2 M-3 M-4 M-5 M-n M-o M-p M-Up M-Down M-Left M-Right C-Up C-Down C-Left C-Right I U M-u";
        for k in KEYS {
            assert!(
                !taken.split(' ').any(|t| t == k.default),
                "{} defaults to a taken key",
                k.option
            );
        }
    }

    #[test]
    fn init_script_binds_unbinds_and_remembers() {
        let mut options = BTreeMap::new();
        options.insert("@atlas-key-menu".to_string(), "B".to_string());
        options.insert("@atlas-key-jump".to_string(), "none".to_string());
        options.insert(STATE_KEYS.to_string(), "A R S J".to_string());
        options.insert(
            "status-right".to_string(),
            "#{atlas_status} %H:%M".to_string(),
        );
        let input = InitInput {
            bin: "/opt/atlas".into(),
            options,
            popup: true,
            prefix_keys: "bind-key -T prefix A run-shell -b \"'/opt/atlas' menu\"\nbind-key -T prefix J display-message mine\n".into(),
        };
        let s = init_script(&input);
        assert!(s.contains("bind-key -T prefix \"B\" run-shell -b"), "{s}");
        assert!(s.contains("unbind-key -T prefix \"A\""), "{s}");
        assert!(!s.contains("unbind-key -T prefix \"J\""), "{s}");
        assert!(
            s.contains("set-option -g @atlas_plugin_keys \"B R S\""),
            "{s}"
        );
        assert!(
            s.contains("set-option -g status-right \"#{?#{@atlas_status}"),
            "{s}"
        );
        assert!(!s.contains("status-left"));
        assert!(s.contains("set-option -g @atlas_popup \"on\""));
    }

    #[test]
    fn prompt_text_prefers_the_untouched_copy() {
        assert_eq!(
            prompt_text(Some("a x b"), Some("a %% b")).as_deref(),
            Some("a %% b")
        );
        assert_eq!(
            prompt_text(Some("hello"), Some("%2")).as_deref(),
            Some("hello")
        );
        assert_eq!(prompt_text(None, None), None);
    }

    #[test]
    fn prompt_command_has_no_pane_ids() {
        let c = prompt_command("p:", "'/x' -S #{q:socket_path} plugin send --agent A");
        assert!(c.starts_with("command-prompt -p \"p:\" { set-option -g @atlas_prompt1 \"%1\""));
        assert_eq!(c.matches('%').count(), 2);
    }

    #[test]
    fn pane_borders_colour_by_state() {
        let f = pane_border_format();
        assert!(f.contains("#{?#{==:#{@atlas_state},busy},#[fg=yellow],"));
        assert!(f.contains("#{?#{m:dead*,#{@atlas_state}},#[fg=red#,bold],"));
        assert!(f.contains("#{?pane_dead,dead,running}"));
        assert_eq!(f.matches("#{").count(), f.matches('}').count());
        assert!(pane_borders_enabled("on"));
        assert!(!pane_borders_enabled("off"));
    }

    #[test]
    fn bad_option_values_are_named_and_replaced() {
        let mut o = BTreeMap::new();
        assert!(option_problems(&o).is_empty());
        o.insert(OPT_POPUP_WIDTH.to_string(), "abc".to_string());
        o.insert(OPT_POPUP_HEIGHT.to_string(), "60%".to_string());
        o.insert(OPT_BIN.to_string(), "/opt/100%1/atlas".to_string());
        let p = option_problems(&o);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("@atlas-popup-width is `abc`"), "{p:?}");
        assert!(p[1].contains("@atlas-bin"), "{p:?}");
        assert_eq!(popup_size(Some("abc"), "80%"), "80%");
        assert_eq!(popup_size(Some("60%"), "75%"), "60%");
        assert_eq!(popup_size(None, "75%"), "75%");
    }

    #[test]
    fn cargo_version_reads_package() {
        let t =
            "[package]\nname = \"atlas\"\nversion = \"0.1.0\"\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(cargo_version(t).as_deref(), Some("0.1.0"));
    }

    #[test]
    fn bound_to_atlas_reads_list_keys() {
        let keys = "bind-key    -T prefix       \\#                    list-buffers\nbind-key -r -T prefix A run-shell -b \"'/x/atlas' menu\"\n";
        assert!(bound_to_atlas(keys, "A"));
        assert!(!bound_to_atlas(keys, "#"));
        assert!(!bound_to_atlas(keys, "B"));
    }
}
