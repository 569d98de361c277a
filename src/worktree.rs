//! The agents' own git worktrees (`worktree = true`, DESIGN §1): each agent works on its
//! own branch `atlas/NAME` in `worktrees/NAME` next to the config, so agents that edit the
//! same repository never trip over each other's changes.
//!
//! `atlas up` creates what is missing before any pane starts ([`ensure`]); restarts keep
//! the worktree (it is the agent's cwd); only `atlas down --remove-worktrees` removes them
//! ([`remove`]), and it refuses while any has uncommitted changes ([`changes`]). The
//! branches are never deleted: the agents' commits stay in the repository. `atlas check`
//! and `atlas up` say clearly when an agent's cwd is not in a git repository
//! ([`problems`]).
//!
//! Everything here runs `git` (with `-C DIR`, in the C locale); the decisions about what to
//! say are made from its answers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, Result};

use crate::config::{Agent, Team, Worktree};

/// `git -C dir ARGS…`, its output (an error only when git cannot be run at all).
fn git(dir: &Path, args: &[&str]) -> Result<Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::anyhow!(
                    "git is not installed, and `worktree = true` needs it; install git (Debian/Ubuntu: `sudo apt-get install git`) or set worktree = false"
                )
            } else {
                anyhow::anyhow!("cannot run git in {}: {e}", dir.display())
            }
        })
}

/// What git printed on stderr, on one line.
fn said(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    let text = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    text.strip_prefix("fatal: ").unwrap_or(&text).to_string()
}

fn stdout_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim_end().to_string()
}

/// The top folder of the repository `dir` is in, or why there is none (git's words).
pub fn repo_root(dir: &Path) -> Result<std::result::Result<PathBuf, String>> {
    if !dir.is_dir() {
        return Ok(Err(format!("{} is not a folder", dir.display())));
    }
    let o = git(dir, &["rev-parse", "--show-toplevel"])?;
    if o.status.success() {
        Ok(Ok(PathBuf::from(stdout_line(&o))))
    } else {
        Ok(Err(said(&o)))
    }
}

/// Why the team's worktrees cannot be made, one sentence per cwd (agents that share one
/// are named together): a cwd that is not in a git repository, a repository without a
/// commit; an error when git is missing.
pub fn problems(team: &Team) -> Result<Vec<String>> {
    let mut by_dir: Vec<(&Path, Vec<&str>)> = Vec::new();
    for a in team.agents() {
        if let Some(w) = &a.worktree {
            match by_dir.iter_mut().find(|(d, _)| *d == w.repo_dir) {
                Some((_, names)) => names.push(&a.name),
                None => by_dir.push((&w.repo_dir, vec![&a.name])),
            }
        }
    }
    let mut out = Vec::new();
    for (dir, names) in by_dir {
        let who = match names.as_slice() {
            [one] => format!("agent `{one}`"),
            many => format!("{} agents ({})", many.len(), many.join(", ")),
        };
        match repo_root(dir)? {
            Err(why) => out.push(format!(
                "{who}: `worktree = true` needs the cwd {} to be in a git repository, and it is not ({why}); run `git init` there and make a first commit, point `cwd` at a repository, or set worktree = false",
                dir.display()
            )),
            Ok(root) if !has_commit(&root)? => out.push(format!(
                "{who}: the repository {} has no commit yet, and a worktree starts from one; make a first commit, then run `atlas up` again",
                root.display()
            )),
            Ok(_) => {}
        }
    }
    Ok(out)
}

/// Whether the repository at `root` has a current commit to start worktrees from.
fn has_commit(root: &Path) -> Result<bool> {
    Ok(
        git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?
            .status
            .success(),
    )
}

/// What [`ensure`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured {
    /// The worktree was there already.
    Kept,
    /// It was made, on a new branch.
    Created,
    /// It was made, on the branch `atlas/NAME` that already existed.
    Reattached,
}

/// The `.git` folder shared by all worktrees of the repository at `dir`.
fn common_dir(dir: &Path) -> Result<Option<PathBuf>> {
    let o = git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )?;
    Ok(o.status.success().then(|| PathBuf::from(stdout_line(&o))))
}

/// Make the agent's worktree if it is missing (on branch `atlas/NAME`, from the
/// repository's current commit, or on that branch when it exists already). A folder in its
/// place that is not a worktree of that repository is refused, never touched.
pub fn ensure(agent: &Agent, w: &Worktree) -> Result<Ensured> {
    let root = repo_root(&w.repo_dir)?.map_err(|why| {
        crate::error::usage(format!(
            "agent `{}`: `worktree = true` needs the cwd {} to be in a git repository, and it is not ({why}); run `git init` there and make a first commit, point `cwd` at a repository, or set worktree = false",
            agent.name,
            w.repo_dir.display()
        ))
    })?;
    let common = common_dir(&root)?;
    if w.path.exists() {
        let ours = common.is_some() && common_dir(&w.path)? == common;
        let top = repo_root(&w.path)?.ok();
        if ours && top.as_deref().map(normal) == Some(normal(&w.path)) {
            return Ok(Ensured::Kept);
        }
        anyhow::bail!(
            "agent `{}`: {} exists but is not a git worktree of {}; move it away (atlas never touches it), then run `atlas up` again",
            agent.name,
            w.path.display(),
            root.display()
        );
    }
    // A worktree whose folder was deleted by hand is still registered: forget it first.
    let _ = git(&root, &["worktree", "prune"])?;
    if !has_commit(&root)? {
        anyhow::bail!(
            "agent `{}`: the repository {} has no commit yet, and a worktree starts from one; make a first commit, then run `atlas up` again",
            agent.name,
            root.display()
        );
    }
    let branch_ref = format!("refs/heads/{}", w.branch);
    let exists = git(&root, &["rev-parse", "--verify", "--quiet", &branch_ref])?
        .status
        .success();
    if let Some(parent) = w.path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let path = w.path.to_string_lossy().into_owned();
    let o = if exists {
        git(&root, &["worktree", "add", &path, &w.branch])?
    } else {
        git(&root, &["worktree", "add", "-b", &w.branch, &path, "HEAD"])?
    };
    if !o.status.success() {
        anyhow::bail!(
            "agent `{}`: cannot create its worktree {} on branch {}: {}",
            agent.name,
            w.path.display(),
            w.branch,
            said(&o)
        );
    }
    if let Some(common) = &common {
        exclude(&root, common, &w.path);
    }
    Ok(if exists {
        Ensured::Reattached
    } else {
        Ensured::Created
    })
}

/// `p` without `.`/`..` and with symlinks resolved when it exists (git prints real paths).
fn normal(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| crate::config::normalize(p))
}

/// When the worktrees folder is inside the repository's own working tree, list it in the
/// repository's `info/exclude` (once), so `git status` there does not show the agents'
/// worktrees as untracked files. Best effort: nothing depends on it.
fn exclude(root: &Path, common: &Path, worktree: &Path) {
    let Some(folder) = worktree.parent() else {
        return;
    };
    let Ok(rel) = normal(folder)
        .strip_prefix(normal(root))
        .map(Path::to_path_buf)
    else {
        return;
    };
    if rel.as_os_str().is_empty() {
        return;
    }
    let line = format!("/{}/", rel.to_string_lossy());
    let file = common.join("info").join("exclude");
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    if text.lines().any(|l| l.trim() == line) {
        return;
    }
    let _ = std::fs::create_dir_all(common.join("info"));
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&format!("# the agents' git worktrees (atlas)\n{line}\n"));
    let _ = std::fs::write(&file, new);
}

/// The uncommitted changes in a worktree, as `git status --porcelain` lists them
/// (`M src/a.rs`, `?? notes.txt`); empty when clean or when it does not exist.
pub fn changes(w: &Worktree) -> Result<Vec<String>> {
    if !w.path.exists() {
        return Ok(Vec::new());
    }
    let o = git(&w.path, &["status", "--porcelain", "--untracked-files=all"])?;
    if !o.status.success() {
        anyhow::bail!(
            "cannot tell whether the worktree {} has uncommitted changes: {}",
            w.path.display(),
            said(&o)
        );
    }
    Ok(String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// Remove a (clean) worktree; its branch stays. Nothing to do when it does not exist.
pub fn remove(w: &Worktree) -> Result<bool> {
    if !w.path.exists() {
        return Ok(false);
    }
    let root = match repo_root(&w.repo_dir)? {
        Ok(r) => r,
        Err(why) => anyhow::bail!(
            "cannot remove the worktree {}: its repository (from {}) is gone ({why})",
            w.path.display(),
            w.repo_dir.display()
        ),
    };
    let path = w.path.to_string_lossy().into_owned();
    let o = git(&root, &["worktree", "remove", &path])?;
    if !o.status.success() {
        anyhow::bail!(
            "cannot remove the worktree {}: {}",
            w.path.display(),
            said(&o)
        );
    }
    Ok(true)
}

/// The sentence that refuses to remove worktrees with uncommitted changes: each worktree
/// with (up to `max` of) its files.
pub fn refusal(dirty: &[(&Agent, Vec<String>)], max: usize) -> String {
    let each: Vec<String> = dirty
        .iter()
        .map(|(a, files)| {
            let path = a
                .worktree
                .as_ref()
                .map_or_else(String::new, |w| w.path.display().to_string());
            let mut shown: Vec<String> = files.iter().take(max).cloned().collect();
            if files.len() > max {
                shown.push(format!("and {} more", files.len() - max));
            }
            format!("{path} ({}: {})", a.name, shown.join(", "))
        })
        .collect();
    format!(
        "refusing to remove worktrees with uncommitted changes: {}; commit or stash them (or `atlas down` without --remove-worktrees keeps the worktrees); nothing was stopped or removed",
        each.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str) -> Agent {
        let team = crate::config::parse(
            &format!("[defaults]\ncommand = \"x\"\nworktree = true\n[[windows]]\nname = \"w\"\nagents = [{{ name = \"{name}\" }}]\n"),
            Path::new("/team/atlas.toml"),
            &|_, _| true,
        )
        .unwrap();
        team.agent(name).unwrap().clone()
    }

    #[test]
    fn a_worktree_agent_works_in_worktrees_name_on_atlas_name() {
        let a = agent("Orpheus");
        let w = a.worktree.as_ref().unwrap();
        assert_eq!(w.path, Path::new("/team/worktrees/Orpheus"));
        assert_eq!(w.branch, "atlas/Orpheus");
        assert_eq!(w.repo_dir, Path::new("/team"));
        assert_eq!(a.cwd, w.path);
    }

    #[test]
    fn the_refusal_names_each_worktree_and_its_files() {
        let a = agent("Orpheus");
        let files: Vec<String> = (0..12).map(|i| format!("?? f{i}")).collect();
        let text = refusal(&[(&a, files)], 10);
        assert!(
            text.starts_with("refusing to remove worktrees with uncommitted changes: /team/worktrees/Orpheus (Orpheus: ?? f0, "),
            "{text}"
        );
        assert!(text.contains("?? f9, and 2 more)"), "{text}");
    }
}
