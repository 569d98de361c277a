//! Which team a tmux session belongs to (DESIGN §4).
//!
//! `atlas up` records the config that made a session in the session option
//! `@atlas_config`. A session belongs to that config and to no other: every command that
//! acts on a session first checks that it is the team's own, and refuses — naming both
//! configs and what to do — when another config owns it, or when no config does (a session
//! made by hand that happens to have the team's name). The check reads the option from a
//! tmux call the command makes anyway (`#{@atlas_config}` is a field of
//! [`crate::tmux::PaneInfo::FORMAT`]) wherever it can.
//!
//! A refusal exits 1: the config itself is valid (`atlas check` accepts it); what stops the
//! command is what runs on this tmux server at the moment.

use std::fmt;
use std::path::Path;

use crate::config::Team;
use crate::tmux::PaneInfo;

/// The session option that names a session's owner.
pub const OPTION: &str = "@atlas_config";

/// The team's session is another config's, or was not made by atlas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOurs {
    /// The session's name.
    pub session: String,
    /// Its `@atlas_config` ("" when unset).
    pub owner: String,
    /// This team's config.
    pub ours: String,
}

impl fmt::Display for NotOurs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            session,
            owner,
            ours,
        } = self;
        if owner.is_empty() {
            write!(
                f,
                "the tmux session `{session}` was not started by atlas for this team (it has no \
                 {OPTION}), so atlas leaves it alone; give this team a session of its own with \
                 `session = \"…\"` in [team] of {ours}, or rename that session \
                 (`tmux rename-session -t ={session} NEW`)"
            )
        } else {
            write!(
                f,
                "the tmux session `{session}` belongs to another team (config {owner}), not to \
                 this one (config {ours}), so atlas leaves it alone; give this team a session of \
                 its own with `session = \"…\"` in [team] of {ours}, or run atlas with \
                 --config {owner} to act on that team"
            )
        }
    }
}

impl std::error::Error for NotOurs {}

/// Whether a session's recorded `@atlas_config` names the config at `ours`: the same path,
/// or the same file reached another way (a symlinked folder).
pub fn is_ours(ours: &Path, recorded: &str) -> bool {
    if recorded.is_empty() {
        return false;
    }
    if Path::new(recorded) == ours {
        return true;
    }
    match (std::fs::canonicalize(ours), std::fs::canonicalize(recorded)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Ok when `recorded` (the team's session's `@atlas_config`) names the team's config.
pub fn check(team: &Team, recorded: &str) -> Result<(), NotOurs> {
    if is_ours(&team.path, recorded) {
        return Ok(());
    }
    Err(NotOurs {
        session: team.session.clone(),
        owner: recorded.to_string(),
        ours: team.path.display().to_string(),
    })
}

/// [`check`] from listed panes: the first pane of the team's session says who owns it. Ok
/// when none is listed (the session does not run: there is nothing to refuse).
pub fn check_panes<'a>(
    team: &Team,
    panes: impl IntoIterator<Item = &'a PaneInfo>,
) -> Result<(), NotOurs> {
    match panes.into_iter().find(|p| p.session == team.session) {
        Some(p) => check(team, &p.config),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn team(path: &Path) -> Team {
        crate::config::parse(
            "[team]\nsession = \"s\"\n[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n",
            path,
            &|_, _| true,
        )
        .unwrap()
    }

    fn pane(session: &str, config: &str) -> PaneInfo {
        let mut p = PaneInfo::parse("%1\t@1\tw\tA\t0\t\t\t1\t0\t1\t\tx\ty").unwrap();
        p.session = session.into();
        p.config = config.into();
        p
    }

    #[test]
    fn a_session_is_its_recorder_s() {
        let t = team(Path::new("/b/atlas.toml"));
        assert!(check(&t, "/b/atlas.toml").is_ok());
        let e = check(&t, "/a/atlas.toml").unwrap_err().to_string();
        assert!(
            e.contains("belongs to another team (config /a/atlas.toml)")
                && e.contains("(config /b/atlas.toml)")
                && e.contains("session = "),
            "{e}"
        );
        let e = check(&t, "").unwrap_err().to_string();
        assert!(
            e.contains("not started by atlas") && e.contains("rename-session"),
            "{e}"
        );
    }

    #[test]
    fn panes_of_other_sessions_do_not_count() {
        let t = team(Path::new("/b/atlas.toml"));
        assert!(check_panes(&t, &[]).is_ok());
        assert!(check_panes(&t, &[pane("other", "")]).is_ok());
        assert!(check_panes(&t, &[pane("other", ""), pane("s", "/b/atlas.toml")]).is_ok());
        assert!(check_panes(&t, &[pane("s", "/a/atlas.toml")]).is_err());
    }

    #[test]
    fn the_same_file_by_another_path_is_ours() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("atlas.toml"), "").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let via_link: PathBuf = link.join("atlas.toml");
        assert!(is_ours(
            &via_link,
            &real.join("atlas.toml").to_string_lossy()
        ));
        assert!(!is_ours(
            &via_link,
            &d.path().join("nope.toml").to_string_lossy()
        ));
    }
}
