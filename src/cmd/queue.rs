//! `atlas queue add AGENT TEXT` / `atlas queue ls [--json]`: work queues the supervisor
//! hands out (see [`crate::queue`] for the file format).

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::cli::QueueCommand;
use crate::error::{Exit, usage};
use crate::queue::{self, ItemState};

/// One row of `atlas queue ls --json`.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The agent.
    pub agent: String,
    /// The item.
    pub text: String,
    /// `waiting` or `handed_out`.
    pub state: ItemState,
    /// When it was handed out (`YYYY-MM-DD HH:MM:SS`, local), or null.
    pub handed_out_at: Option<String>,
}

/// Run `atlas queue`.
pub fn run(ctx: &Ctx, cmd: &QueueCommand) -> Result<Exit> {
    let team = ctx.team()?;
    match cmd {
        QueueCommand::Add { agent, text } => {
            let agent = team.require_agent(agent)?;
            let text = text.join(" ");
            if text.trim().is_empty() {
                return Err(usage(
                    "the work item is empty; say what the agent should do",
                ));
            }
            queue::update(&team.queues, &agent.name, |q| q.add(&text))?;
            crate::outln!(
                "queued for {}: {} ({})",
                agent.name,
                text.trim(),
                queue::path(&team.queues, &agent.name).display()
            )?;
        }
        QueueCommand::Ls(args) => {
            let queues = queue::load_all(&team.queues, team.agents().map(|a| a.name.as_str()))?;
            let rows: Vec<Row> = queues
                .iter()
                .flat_map(|q| {
                    q.items().map(|i| Row {
                        agent: q.agent.clone(),
                        text: i.text.clone(),
                        state: i.state,
                        handed_out_at: i
                            .handed_out_at
                            .map(|t| t.format(queue::TIME_FORMAT).to_string()),
                    })
                })
                .collect();
            if args.json {
                crate::outln!("{}", serde_json::to_string_pretty(&rows)?)?;
            } else if rows.is_empty() {
                crate::outln!("no queued work; add some with: atlas queue add AGENT TEXT")?;
            } else {
                for r in &rows {
                    let state = match &r.handed_out_at {
                        Some(t) => format!("handed out {t}"),
                        None if r.state == ItemState::HandedOut => "handed out".into(),
                        None => "waiting".into(),
                    };
                    crate::outln!("{:<14} {:<30} {}", r.agent, state, r.text)?;
                }
            }
        }
    }
    Ok(Exit::Success)
}
