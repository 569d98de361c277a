//! The status-line segment (`atlas status`): counts filled into a format of named
//! placeholders, escaped for tmux.
//!
//! Placeholders: `{inbox}` (the sum of every inbox), `{attention}` (entries that need
//! attention), `{operator}` (the operator's inbox), `{down}` (agents whose pane is missing
//! or dead, or marked failed; not those the operator stopped), `{waiting}` (agents asking the operator something). `{{`
//! and `}}` are literal braces; an unknown placeholder is kept as written. The result is
//! escaped with [`crate::escape::tmux_text`] (`#` doubled, control characters removed), so
//! nothing in it is run or styled by tmux: put styles around the segment in your tmux
//! config, not inside the format.

use crate::config::Team;
use crate::tmux::PaneInfo;

/// The format used when none is given.
pub const DEFAULT_FORMAT: &str = "✉ {inbox} ⚑ {attention} ↓ {down} ? {waiting}";

/// What the segment ends with when the team's session is not running (and the format
/// speaks of agents: `{down}` or `{waiting}`).
pub const NOT_RUNNING: &str = " · not running";

/// The numbers a segment can show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// The sum of every inbox.
    pub inbox: usize,
    /// Entries that need attention.
    pub attention: usize,
    /// The operator's inbox.
    pub operator: usize,
    /// Agents down: no pane, a dead pane, or marked failed.
    pub down: usize,
    /// Agents waiting for the operator.
    pub waiting: usize,
}

/// Whether a format uses the placeholders that need tmux (`{down}`, `{waiting}`).
pub fn needs_panes(format: &str) -> bool {
    format.contains("{down}") || format.contains("{waiting}")
}

/// Count agents down and waiting from one `list-panes` of the session.
pub fn agent_counts(team: &Team, panes: &[PaneInfo]) -> (usize, usize) {
    let mut down = 0;
    let mut waiting = 0;
    for agent in team.agents() {
        match panes.iter().find(|p| p.agent == agent.name) {
            None => down += 1,
            // Stopped on purpose (`atlas stop`): not down, nothing to attend to.
            Some(p) if p.stopped => {}
            Some(p) if p.dead || p.state_option == "failed" || p.state_option == "dead" => {
                down += 1;
            }
            Some(p) if p.state_option == "waiting" => waiting += 1,
            Some(_) => {}
        }
    }
    (down, waiting)
}

/// The segment for a team whose session is not running: every one of its `agents` is
/// down, none waiting, and — when the format speaks of agents — [`NOT_RUNNING`] at the end.
pub fn render_not_running(format: &str, counts: &Counts, agents: usize) -> String {
    let counts = Counts {
        down: agents,
        waiting: 0,
        ..*counts
    };
    let mut text = render(format, &counts);
    if needs_panes(format) {
        text.push_str(NOT_RUNNING);
    }
    text
}

/// The segment: `format` with its placeholders filled, escaped for tmux.
pub fn render(format: &str, counts: &Counts) -> String {
    let mut out = String::with_capacity(format.len() + 8);
    let mut rest = format;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("{{") {
            out.push('{');
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix("}}") {
            out.push('}');
            rest = r;
            continue;
        }
        if rest.starts_with('}') {
            out.push('}');
            rest = &rest[1..];
            continue;
        }
        let value = rest.find('}').and_then(|end| {
            let v = match &rest[1..end] {
                "inbox" => counts.inbox,
                "attention" => counts.attention,
                "operator" => counts.operator,
                "down" => counts.down,
                "waiting" => counts.waiting,
                _ => return None,
            };
            Some((v, end))
        });
        match value {
            Some((v, end)) => {
                out.push_str(&v.to_string());
                rest = &rest[end + 1..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    crate::escape::tmux_text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts() -> Counts {
        Counts {
            inbox: 7,
            attention: 2,
            operator: 1,
            down: 3,
            waiting: 4,
        }
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            render("{inbox}/{attention}/{operator}/{down}/{waiting}", &counts()),
            "7/2/1/3/4"
        );
        assert_eq!(render(DEFAULT_FORMAT, &counts()), "✉ 7 ⚑ 2 ↓ 3 ? 4");
    }

    #[test]
    fn braces_and_unknown_placeholders_stay() {
        assert_eq!(
            render("{{inbox}} {nope} {inbox", &counts()),
            "{inbox} {nope} {inbox"
        );
        assert_eq!(render("}{}", &counts()), "}{}");
    }

    #[test]
    fn nothing_runs_in_tmux() {
        assert_eq!(render("#(touch X) {inbox}", &counts()), "##(touch X) 7");
        assert_eq!(render("a\x1b[31mb\n", &counts()), "a[31mb");
    }

    #[test]
    fn a_team_not_running_is_all_down_and_says_so() {
        assert_eq!(
            render_not_running(DEFAULT_FORMAT, &counts(), 13),
            "✉ 7 ⚑ 2 ↓ 13 ? 0 · not running"
        );
        assert_eq!(render_not_running("{inbox}", &counts(), 13), "7");
    }

    #[test]
    fn knows_which_formats_need_tmux() {
        assert!(needs_panes(DEFAULT_FORMAT));
        assert!(!needs_panes("{inbox} {attention}"));
    }
}
