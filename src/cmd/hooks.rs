//! `atlas hooks claude`: the Claude Code settings snippet whose hooks call `atlas signal`.
//!
//! Merge it into `.claude/settings.json` (project) or `~/.claude/settings.json` (user). Each
//! hook does nothing outside an atlas pane (`$ATLAS_AGENT` unset).

use anyhow::Result;
use serde_json::{Value, json};

use super::Ctx;
use crate::cli::HooksArgs;
use crate::error::{self, Exit};

fn hook(atlas: &str, state: &str) -> Value {
    json!({
        "type": "command",
        "command": format!("test -z \"$ATLAS_AGENT\" || {atlas} signal {state}"),
    })
}

/// The Claude Code settings (`hooks` section) calling `atlas signal` through `atlas`.
pub fn claude(atlas: &str) -> Value {
    let group = |state: &str| json!([{ "hooks": [hook(atlas, state)] }]);
    json!({
        "hooks": {
            "SessionStart": group("idle"),
            "UserPromptSubmit": group("busy"),
            "Notification": [
                { "matcher": "permission_prompt|elicitation_dialog", "hooks": [hook(atlas, "waiting")] },
                { "matcher": "idle_prompt", "hooks": [hook(atlas, "idle")] },
            ],
            "Stop": group("idle"),
        }
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
