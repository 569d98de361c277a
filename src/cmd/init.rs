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

/// The session name `atlas init` writes for a team in `dir`: the folder's name, made a name
/// tmux keeps as written and atlas accepts — letters and digits kept, every other run of
/// characters one `-` (so no `:` or `.`, which tmux replaces, no `#`, which it expands, no
/// leading `-`, `=`, `$`, `@`, `%`, `~` or `{`, which targets read as special), at most 32
/// characters; `atlas` when nothing is left. Two teams in differently named folders thus
/// never share a session by default.
pub fn session_name_for(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = String::new();
    for c in raw.chars() {
        if c.is_alphanumeric() || c == '_' {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name: String = name.chars().take(32).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() || config::session_name_problem(&name).is_some() {
        return "atlas".into();
    }
    name
}

/// The text of the starter atlas.toml, for a team whose session is named `session`. With
/// `demo`, every agent runs the built-in demo agent, so the whole team works without any
/// AI tool installed.
pub fn starter_config_for(demo: bool, session: &str) -> String {
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
    let session_line = format!("session = {}", toml::Value::String(session.to_string()));
    s.push_str(&format!(
        "[team]\n{session_line:<35} # tmux session name, from the folder's; one per team\n"
    ));
    s.push_str(
        "coordination = \"coordination.md\"    # the coordination file, relative to this file\n\
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
         worktree = false                    # true: each agent in its own git worktree, branch atlas/NAME\n\
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

/// [`starter_config_for`] with the session `atlas`.
pub fn starter_config(demo: bool) -> String {
    starter_config_for(demo, "atlas")
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
    let text = starter_config_for(args.demo, &session_name_for(&dir));
    // Never write a config atlas itself would refuse.
    config::parse(&text, &path, &|_, _| true)?;
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
    fn the_session_is_named_after_the_folder_and_valid() {
        let name = |d: &str| session_name_for(Path::new(d));
        assert_eq!(name("/home/me/my-team"), "my-team");
        assert_eq!(name("/home/me/Client.Work: v2"), "Client-Work-v2");
        assert_eq!(name("/tmp/.tmpAbC123"), "tmpAbC123");
        assert_eq!(name("/x/-dash"), "dash");
        assert_eq!(name("/x/#(rm -rf ~)"), "rm-rf");
        assert_eq!(name("/x/=$@%~{}"), "atlas");
        assert_eq!(name("/x/ünï ✓"), "ünï");
        assert_eq!(name("/"), "atlas");
        assert_eq!(name("/x/...."), "atlas");
        assert_eq!(name(&format!("/x/{}", "a".repeat(40))), "a".repeat(32));
        for d in ["/a/b", "/x/#(x)", "/x/ünï ✓", "/", "/x/-a.b:c"] {
            assert!(config::session_name_problem(&name(d)).is_none(), "{d}");
        }
        let text = starter_config_for(true, &name("/home/me/Client.Work: v2"));
        let t = config::parse(&text, Path::new("/t/atlas.toml"), &|_, _| true).unwrap();
        assert_eq!(t.session, "Client-Work-v2");
    }

    #[test]
    fn starter_team_has_13_agents_in_5_windows() {
        for demo in [false, true] {
            let team = config::parse(
                &starter_config(demo),
                Path::new("/t/atlas.toml"),
                &|_, _| true,
            )
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
