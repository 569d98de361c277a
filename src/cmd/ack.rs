//! `atlas ack (ID… | --all) [--agent A]`: answer inbox entries with an `ACK` entry each.
//!
//! The operator's inbox only shrinks when someone answers what is in it; `ack` is that
//! answer, for many entries at once. Each ACK entry goes from the inbox's owner to the
//! entry's sender with `Status: ACK`, the entry's task and `Re:` its id (DESIGN §2: an entry
//! is answered for R when R writes a later entry naming it in `Re:`). All of them go into
//! the coordination file under one lock, in one write ([`crate::coord::append_many`]), and
//! the supervisor is nudged so the status line drops at once.

use std::collections::HashSet;

use anyhow::Result;
use chrono::{NaiveDateTime, Timelike};

use super::Ctx;
use crate::cli::AckArgs;
use crate::config::Team;
use crate::coord::{self, Entry, NewEntry, Status, normalize_id};
use crate::error::{Exit, usage};

/// Which entries of an inbox to acknowledge.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// All of them.
    All,
    /// These ids (as `atlas inbox` prints them; `## ` and `->` are accepted).
    Ids(&'a [String]),
}

/// What [`acknowledge`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acked {
    /// Whose inbox.
    pub who: String,
    /// The acknowledged entries' ids, oldest first.
    pub ids: Vec<String>,
    /// How many entries are left in the inbox.
    pub left: usize,
}

/// The entries of `inbox` that `which` names, oldest first, or why not: every id must be
/// in the inbox (else nothing is acknowledged).
pub fn select<'e>(inbox: &[&'e Entry], which: Which<'_>, who: &str) -> Result<Vec<&'e Entry>> {
    let ids = match which {
        Which::All => return Ok(inbox.to_vec()),
        Which::Ids(ids) => ids,
    };
    let mut wanted: Vec<String> = Vec::new();
    for id in ids {
        let key = normalize_id(id);
        if key.is_empty() {
            return Err(usage(
                "an empty ID; give the header text after `## `, as `atlas inbox` prints it",
            ));
        }
        if !inbox.iter().any(|e| e.key() == key) {
            return Err(usage(format!(
                "`{}` is not in {who}'s inbox (answered already, or no such entry); nothing was acknowledged; `atlas inbox {who}` lists what is there",
                id.trim()
            )));
        }
        wanted.push(key);
    }
    let wanted: HashSet<String> = wanted.into_iter().collect();
    Ok(inbox
        .iter()
        .copied()
        .filter(|e| wanted.contains(&e.key()))
        .collect())
}

/// The ACK entry that answers `e` for `who`, written at `time`.
pub fn ack_entry(who: &str, e: &Entry, time: NaiveDateTime) -> NewEntry {
    NewEntry {
        time,
        from: who.to_string(),
        to: vec![e.from.clone()],
        status: Some(Status::Ack.as_str().to_string()),
        task: e.task.clone(),
        output: Vec::new(),
        notes: None,
        re: Some(e.id.clone()),
        extra: Vec::new(),
    }
}

/// Acknowledge entries of `who`'s inbox (one locked append for all of them).
pub fn acknowledge(team: &Team, who: &str, which: Which<'_>) -> Result<Acked> {
    if !team.knows(who) {
        return Err(super::handoff::unknown_name(team, "--agent", who));
    }
    let board = super::inbox::read_board(&team.coordination, &team.operator)?;
    let inbox = board.inbox(who);
    let chosen = select(&inbox, which, who)?;
    let now = chrono::Local::now().naive_local();
    let time = now.with_nanosecond(0).unwrap_or(now);
    let entries: Vec<NewEntry> = chosen.iter().map(|e| ack_entry(who, e, time)).collect();
    coord::append_many(&team.coordination, &entries)?;
    Ok(Acked {
        who: who.to_string(),
        ids: chosen.iter().map(|e| e.id.clone()).collect(),
        left: inbox.len() - chosen.len(),
    })
}

/// Tell the team's supervisor, if one runs, to look again now (the status line then drops
/// at once instead of at its next tick). Failing to reach it changes nothing.
pub fn nudge_supervisor(ctx: &Ctx, team: &Team) {
    let channel = super::watch::channel(&team.session);
    let _ = ctx
        .tmux
        .run(&crate::tcmd!["wait-for", "-S", channel.as_str()]);
}

/// Run `atlas ack`.
pub fn run(ctx: &Ctx, args: &AckArgs) -> Result<Exit> {
    let team = ctx.team()?;
    let who = args
        .agent
        .as_deref()
        .map_or_else(|| team.operator.clone(), |a| a.trim().to_string());
    let which = if args.all {
        Which::All
    } else {
        Which::Ids(&args.ids)
    };
    let acked = acknowledge(&team, &who, which)?;
    if acked.ids.is_empty() {
        crate::outln!("{who}'s inbox is empty; nothing to acknowledge")?;
        return Ok(Exit::Success);
    }
    nudge_supervisor(ctx, &team);
    for id in &acked.ids {
        crate::outln!("acknowledged {}", super::inbox::clean(id))?;
    }
    let n = acked.ids.len();
    crate::outln!(
        "{n} entr{} acknowledged; {who}'s inbox: {} left",
        if n == 1 { "y" } else { "ies" },
        acked.left
    )?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::{Board, parse_str};

    const FILE: &str = "## [2026-04-11 01:14] Orpheus → human\nStatus: BLOCKED\nTask: brand kit\n\n## [2026-04-11 01:15] Atlas -> human\nStatus: DONE\nTask: batch\n\n## [2026-04-11 01:16] Atlas → Prometheus\nTask: other\n";

    fn board(text: &str) -> Board {
        let mut b = Board::new("human");
        for e in parse_str(text).entries {
            b.add(e);
        }
        b
    }

    #[test]
    fn selects_by_id_in_any_accepted_spelling() {
        let b = board(FILE);
        let inbox = b.inbox("human");
        let ids = vec!["## [2026-04-11 01:15] Atlas → human".to_string()];
        let got = select(&inbox, Which::Ids(&ids), "human").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, "[2026-04-11 01:15] Atlas -> human");
        assert_eq!(select(&inbox, Which::All, "human").unwrap().len(), 2);
    }

    #[test]
    fn an_id_not_in_the_inbox_refuses_the_lot() {
        let b = board(FILE);
        let inbox = b.inbox("human");
        let ids = vec![
            "[2026-04-11 01:14] Orpheus → human".to_string(),
            "[2026-04-11 01:16] Atlas → Prometheus".to_string(),
        ];
        let e = select(&inbox, Which::Ids(&ids), "human").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("`[2026-04-11 01:16] Atlas → Prometheus` is not in human's inbox"),
            "{e}"
        );
    }

    #[test]
    fn ack_entries_answer_what_they_name() {
        let b = board(FILE);
        let inbox = b.inbox("human");
        let t = chrono::NaiveDate::from_ymd_opt(2026, 4, 11)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap();
        let mut text = FILE.to_string();
        for e in &inbox {
            text.push('\n');
            text.push_str(&coord::render(&ack_entry("human", e, t)));
        }
        let after = board(&text);
        assert!(after.inbox("human").is_empty());
        // The ACKs are not actionable: nobody's inbox grows.
        assert!(after.inbox("Orpheus").is_empty());
        assert!(after.inbox("Atlas").is_empty());
        assert_eq!(after.inbox_len("Prometheus"), 1);
        let p = parse_str(&text);
        let ack = &p.entries[3];
        assert_eq!(ack.status.as_deref(), Some("ACK"));
        assert_eq!(ack.task.as_deref(), Some("brand kit"));
        assert_eq!(
            ack.re.as_deref(),
            Some("[2026-04-11 01:14] Orpheus → human")
        );
    }
}
