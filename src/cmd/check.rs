//! `atlas check`: validate the config and lint the coordination file.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;

use anyhow::{Context, Result};

use super::Ctx;
use crate::coord::{Lint, Reader, Severity};
use crate::error::Exit;

/// Run `atlas check`.
pub fn run(ctx: &Ctx) -> Result<Exit> {
    let team = ctx.team_checked()?;
    for w in &team.warnings {
        crate::errln!("atlas: warning: {w}");
    }
    let mut problems = crate::worktree::problems(&team)?;
    if let Some(last) = problems.pop() {
        for p in problems {
            crate::errln!("atlas: {p}");
        }
        return Err(crate::error::usage(last));
    }
    let mut out = std::io::stdout().lock();
    let agents = team.agents().count();
    writeln!(
        out,
        "{}: ok ({agents} agent{} in {} window{})",
        team.path.display(),
        if agents == 1 { "" } else { "s" },
        team.windows.len(),
        if team.windows.len() == 1 { "" } else { "s" },
    )?;
    let worktrees: Vec<_> = team.agents().filter_map(|a| a.worktree.as_ref()).collect();
    if !worktrees.is_empty() {
        let made = worktrees.iter().filter(|w| w.path.exists()).count();
        writeln!(
            out,
            "{}: {} agent{} in their own git worktrees ({made} made, {} to be made by `atlas up`)",
            team.dir.join(crate::config::WORKTREES_DIR).display(),
            worktrees.len(),
            if worktrees.len() == 1 { "" } else { "s" },
            worktrees.len() - made
        )?;
    }
    let mut names: HashSet<String> = team.agents().map(|a| a.name.clone()).collect();
    names.insert(team.operator.clone());
    let mut lint = Lint::new(Some(names));
    let path = &team.coordination;
    match File::open(path) {
        Ok(file) => {
            Reader::new(file)
                .visit(|ev| lint.event(&ev))
                .with_context(|| format!("cannot read the coordination file {}", path.display()))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            writeln!(out, "{}: not written yet (no entries)", path.display())?;
            return Ok(Exit::Success);
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the coordination file {}", path.display()));
        }
    }
    for f in &lint.findings {
        let what = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            out,
            "{}:{}: {what}: {}",
            path.display(),
            f.line,
            super::inbox::clean(&f.message)
        )?;
    }
    let (errors, warnings) = (lint.errors(), lint.warnings());
    writeln!(
        out,
        "{}: {} entries, {errors} error{}, {warnings} warning{}",
        path.display(),
        lint.entries,
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    )?;
    Ok(if errors > 0 {
        Exit::Failure
    } else {
        Exit::Success
    })
}
