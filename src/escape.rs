//! Making untrusted text safe for tmux and the shell.
//!
//! Anything that came from agents or files (tasks, notes, names in the coordination file,
//! screen text) is escaped before tmux sees it in a format-expanded place — status line,
//! menus, `display-message`, `run-shell`, `pipe-pane` — so `#(rm -rf ~)` is shown, never run.

/// Text for a format-expanded tmux string: `#` doubled, control characters removed.
pub fn tmux_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("##"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for a command that tmux expands both as a format and with strftime (`pipe-pane`):
/// `#` and `%` doubled.
pub fn tmux_strftime(s: &str) -> String {
    s.replace('#', "##").replace('%', "%%")
}

/// A value for a tmux argument that tmux expands as a format but that is not shown as
/// text (a folder for `new-window -c` or `respawn-pane -c`): `#` doubled, nothing else
/// changed, so `/work/C#` stays `/work/C#` and `#(…)` in a folder's name is never run.
pub fn tmux_format(s: &str) -> String {
    s.replace('#', "##")
}

/// Quote one word for `/bin/sh`.
pub fn sh_quote(s: &str) -> String {
    shell_words::quote(s).into_owned()
}

/// An argument for tmux's own command-line parser: a trailing `;` would end the command,
/// so it is escaped as `\;` (which tmux turns back into `;`).
pub fn tmux_arg(s: &str) -> String {
    if let Some(head) = s.strip_suffix(';') {
        let mut out = String::with_capacity(s.len() + 1);
        out.push_str(head);
        out.push_str("\\;");
        out
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_hashes_and_drops_controls() {
        assert_eq!(tmux_text("#(touch x)\x1b[31m"), "##(touch x)[31m");
        assert_eq!(tmux_text("a\tb\nc"), "abc");
    }

    #[test]
    fn strftime_escapes_percent() {
        assert_eq!(tmux_strftime("/tmp/100%#x"), "/tmp/100%%##x");
    }

    #[test]
    fn trailing_semicolon_is_escaped() {
        assert_eq!(tmux_arg("a;"), "a\\;");
        assert_eq!(tmux_arg("a\\;"), "a\\\\;");
        assert_eq!(tmux_arg("a;b"), "a;b");
    }
}
