//! `atlas handoff`: append an entry to the coordination file.

use anyhow::Result;
use chrono::Timelike;

use super::Ctx;
use crate::config::Team;
use crate::coord::{self, NewEntry, Status};
use crate::error::{Exit, usage};

/// A usage error for a name that is neither an agent nor the operator.
pub fn unknown_name(team: &Team, flag: &str, name: &str) -> anyhow::Error {
    let names: Vec<&str> = team.agents().map(|a| a.name.as_str()).collect();
    usage(format!(
        "{flag} `{name}` is not an agent of the team nor the operator; use one of: {}, {}",
        names.join(", "),
        team.operator
    ))
}

/// Run `atlas handoff`.
pub fn run(ctx: &Ctx, args: &crate::cli::HandoffArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let from = args.from.trim();
    if !team.knows(from) {
        return Err(unknown_name(&team, "--from", from));
    }
    let to: Vec<String> = args
        .to
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if to.is_empty() {
        return Err(usage("--to names no recipient; give at least one name"));
    }
    if let Some(bad) = to.iter().find(|t| !team.knows(t)) {
        return Err(unknown_name(&team, "--to", bad));
    }
    let Some(status) = Status::parse(&args.status) else {
        return Err(usage(format!(
            "--status `{}` is not a status atlas knows; use one of: {}",
            args.status,
            Status::allowed()
        )));
    };
    if args.task.trim().is_empty() {
        return Err(usage(
            "--task is empty; say in a few words what the entry is about",
        ));
    }
    let now = chrono::Local::now().naive_local();
    let time = now.with_nanosecond(0).unwrap_or(now);
    let entry = NewEntry {
        time,
        from: from.to_string(),
        to,
        status: Some(status.as_str().to_string()),
        task: Some(args.task.clone()),
        output: args.output.clone(),
        notes: args.notes.clone(),
        re: args.re.clone(),
        extra: Vec::new(),
    };
    let id = coord::append(&team.coordination, &entry)?;
    crate::outln!("{id}")?;
    Ok(Exit::Success)
}
