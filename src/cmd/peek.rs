//! `atlas peek AGENT [-n N]`: the last lines on an agent's screen.

use anyhow::Result;

use super::Ctx;
use crate::cli::PeekArgs;
use crate::error::Exit;

/// The last `n` lines of a screen, after dropping trailing blank lines.
pub fn last_lines(screen: &str, n: usize) -> Vec<&str> {
    let mut lines: Vec<&str> = screen.lines().collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let start = lines.len().saturating_sub(n);
    lines[start..].to_vec()
}

/// Run `atlas peek`.
pub fn run(ctx: &Ctx, args: &PeekArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let agent = team.require_agent(&args.agent)?;
    let pane = super::require_pane(ctx, &team, &agent.name)?;
    let screen = ctx.tmux.capture(&pane.id)?;
    for l in last_lines(&screen, args.lines) {
        crate::outln!("{}", l.trim_end())?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_trailing_blank_lines_first() {
        let s = "a\nb\nc\n\n  \n\n";
        assert_eq!(last_lines(s, 2), ["b", "c"]);
        assert_eq!(last_lines(s, 10), ["a", "b", "c"]);
        assert!(last_lines("\n\n", 3).is_empty());
    }
}
