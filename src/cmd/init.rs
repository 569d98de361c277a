//! `atlas init [DIR] [--demo] [--force]`: write the starter team.

use std::path::Path;

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::InitArgs;
use crate::config;
use crate::error::{Exit, usage};

/// The starter team's windows: (window, lead, lead's role, [(helper, role)]).
/// A lead and its helpers: (window, lead, lead's role, [(helper, role)]).
type Branch = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const TEAM: &[Branch] = &[
    (
        "content",
        "Prometheus",
        "content lead",
        &[("Orpheus", "copywriter"), ("Hephaestus", "video")],
    ),
    (
        "revenue",
        "Athena",
        "revenue lead",
        &[("Plutus", "pricing and offers"), ("Tyche", "outreach")],
    ),
    (
        "intel",
        "Apollo",
        "research lead",
        &[("Argus", "market watch"), ("Mnemosyne", "knowledge base")],
    ),
    (
        "trading",
        "Hermes",
        "trading lead",
        &[("Kairos", "signals"), ("Nike", "execution")],
    ),
];

/// The text of the starter atlas.toml. With `demo`, every agent runs the built-in demo
/// agent, so the whole team works without any AI tool installed.
pub fn starter_config(demo: bool) -> String {
    let defaults = if demo {
        "command = \"atlas demo-agent\"             # the built-in demo agent (no AI tool needed)\n\
         resume = \"atlas demo-agent\"\n\
         preset = \"demo\"\n"
    } else {
        "command = \"claude\"                       # how to start the agent (split with shell-words, no shell)\n\
         resume = \"claude --continue\"             # how to bring it back after a crash\n\
         preset = \"claude\"                        # state detection: claude, codex, gemini, aider, shell, demo\n"
    };
    let mut s = String::new();
    s.push_str("# atlas team config — see `atlas --help` and the README's config reference.\n\n");
    s.push_str(
        "[team]\n\
         session = \"atlas\"                   # tmux session name\n\
         coordination = \"coordination.md\"    # the coordination file, relative to this file\n\
         logs = \"logs\"                       # pane logs and the event log\n\
         reports = \"reports\"                 # morning reports\n\
         operator = \"human\"                  # the name a person uses in the coordination file\n\n",
    );
    s.push_str(
        "[defaults]                          # every agent inherits these unless it sets its own\n",
    );
    s.push_str(defaults);
    s.push_str(
        "cwd = \".\"\n\
         restart = \"on-failure\"              # always | on-failure | never\n\n",
    );
    s.push_str(
        "[[windows]]\n\
         name = \"ceo\"\n\
         agents = [ { name = \"Atlas\", role = \"chief of staff\" } ]\n",
    );
    for (window, lead, lead_role, helpers) in TEAM {
        s.push_str(&format!(
            "\n[[windows]]\nname = \"{window}\"\nlayout = \"main-vertical\"\nagents = [\n  \
             {{ name = \"{lead}\", role = \"{lead_role}\", reports_to = \"Atlas\" }},\n"
        ));
        for (name, role) in *helpers {
            s.push_str(&format!(
                "  {{ name = \"{name}\", role = \"{role}\", reports_to = \"{lead}\" }},\n"
            ));
        }
        s.push_str("]\n");
    }
    s.push_str(
        "\n[supervisor]\n\
         enabled = true\n\
         wake_on_handoff = true              # wake an idle agent when a handoff reaches it\n\
         report_at = \"05:00\"                 # morning report time (\"\" = never)\n\
         max_restarts = 5                    # crashes within restart_window before `failed`\n\
         restart_window = \"10m\"\n\
         backoff_max = \"30s\"\n\
         limit_retry = \"15m\"\n",
    );
    s
}

/// Run `atlas init`.
pub fn run(ctx: &Ctx, args: &InitArgs) -> Result<Exit> {
    let dir = match &args.dir {
        Some(d) => config::absolute(d, &ctx.cwd),
        None => ctx.cwd.clone(),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(config::FILE_NAME);
    if path.exists() && !args.force {
        return Err(usage(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        )));
    }
    let text = starter_config(args.demo);
    // Never write a config atlas itself would refuse.
    config::parse(&text, &path, &|_| true)?;
    write_atomic(&path, &text)?;
    crate::outln!("wrote {}", path.display())?;
    let quoted = crate::escape::sh_quote(&path.to_string_lossy());
    crate::outln!("start the team with: atlas up --config {quoted} --attach")?;
    Ok(Exit::Success)
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_team_has_13_agents_in_5_windows() {
        for demo in [false, true] {
            let team = config::parse(&starter_config(demo), Path::new("/t/atlas.toml"), &|_| true)
                .unwrap();
            assert_eq!(team.agents().count(), 13);
            let windows: Vec<&str> = team.windows.iter().map(|w| w.name.as_str()).collect();
            assert_eq!(windows, ["ceo", "content", "revenue", "intel", "trading"]);
            assert_eq!(
                team.agent("Orpheus").unwrap().reports_to.as_deref(),
                Some("Prometheus")
            );
            assert_eq!(
                team.agent("Prometheus").unwrap().reports_to.as_deref(),
                Some("Atlas")
            );
            for w in &team.windows[1..] {
                assert_eq!(w.agents.len(), 3);
            }
            let a = team.agent("Nike").unwrap();
            if demo {
                assert_eq!(a.command, ["atlas", "demo-agent"]);
                assert_eq!(a.preset, "demo");
            } else {
                assert_eq!(a.command, ["claude"]);
                assert_eq!(a.resume, ["claude", "--continue"]);
            }
        }
    }
}
