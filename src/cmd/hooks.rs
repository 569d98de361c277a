//! `atlas hooks claude`: the Claude Code settings snippet whose hooks call `atlas signal`.
//!
//! atlas wires these hooks itself into every `claude` agent it starts (`--settings`, merged
//! with the user's own settings), so this is only for running Claude Code by other means.
//! Each hook does nothing outside an atlas pane (`$ATLAS_AGENT` unset).

use anyhow::Result;
use serde_json::Value;

use super::Ctx;
use crate::cli::HooksArgs;
use crate::error::{self, Exit};

/// The Claude Code settings (`hooks` section) calling `atlas signal` through `atlas` (the
/// same hooks atlas wires itself into the `claude` agents it starts; see
/// [`crate::launch::claude_settings`]).
pub fn claude(atlas: &str) -> Value {
    crate::launch::claude_settings(&|state: &str| {
        format!("test -z \"$ATLAS_AGENT\" || {atlas} signal {state}")
    })
}

/// Run `atlas hooks`.
pub fn run(_ctx: &Ctx, args: &HooksArgs) -> Result<Exit> {
    if args.tool != "claude" {
        return Err(error::usage(format!(
            "no hooks for `{}`; atlas knows the hooks of: claude",
            args.tool
        )));
    }
    // The running binary, by absolute path, so the hooks work whether or not it is on PATH.
    let atlas = std::env::current_exe()
        .ok()
        .map(|p| crate::escape::sh_quote(&p.to_string_lossy()))
        .unwrap_or_else(|| "atlas".to_string());
    crate::outln!("{}", serde_json::to_string_pretty(&claude(&atlas))?)?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_hooks_call_signal() {
        let v = claude("atlas");
        let cmd = |event: &str, i: usize| {
            v["hooks"][event][i]["hooks"][0]["command"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(cmd("UserPromptSubmit", 0).ends_with("atlas signal busy"));
        assert!(cmd("Stop", 0).ends_with("atlas signal idle"));
        assert!(cmd("Notification", 0).ends_with("atlas signal waiting"));
        assert!(cmd("SessionStart", 0).ends_with("atlas signal idle"));
        assert!(cmd("Stop", 0).starts_with("test -z \"$ATLAS_AGENT\" || "));
    }
}
