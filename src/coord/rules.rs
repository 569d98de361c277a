//! The rules (DESIGN §2): actionable, answered, inbox, needs attention.
//!
//! A [`Board`] takes entries in file order and keeps only the *pending* ones: actionable
//! entries that some recipient has not answered yet. Everything else is dropped as soon as
//! it is read, so a file of a million entries costs memory for its open questions only.
//!
//! - An entry is actionable unless its status is `APPROVED`, `ACK` or `INFO`.
//! - An entry E from S to R is answered for R by a later entry from R that names E in
//!   `Re:` (E being the latest entry above it with that id), or by a later entry from R
//!   without `Re:` addressed to S. Each recipient answers for itself.
//! - An inbox is the actionable entries addressed to a name and not answered for it,
//!   oldest first; needs attention is the operator's inbox plus every `BLOCKED` or
//!   `FAILED` entry still in someone's inbox.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{Entry, Status};

/// One entry still waiting for an answer from some of its recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The entry (in a slim board, without task, output, notes, re and extra keys).
    pub entry: Entry,
    /// The recipients that have not answered it yet, in header order.
    pub open: Vec<String>,
    /// Whether it is the latest entry with its id so far (what `Re:` names).
    pub latest: bool,
}

/// The rules engine: feed it entries in file order with [`Board::add`], then ask.
#[derive(Debug, Clone)]
pub struct Board {
    operator: String,
    slim: bool,
    next: u64,
    entries: usize,
    pending: BTreeMap<u64, Pending>,
    /// Normalized id → the pending entry that is the latest with that id.
    by_id: HashMap<String, u64>,
    /// Recipient → sender → pending entries from that sender still open for that
    /// recipient.
    by_pair: HashMap<String, HashMap<String, BTreeSet<u64>>>,
}

/// What a board is saved as (see [`Board::snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The operator's name.
    pub operator: String,
    /// Whether the entries were kept slim.
    pub slim: bool,
    /// How many entries were added.
    pub entries: usize,
    /// The pending entries, oldest first.
    pub pending: Vec<Pending>,
}

impl Board {
    /// An empty board; `operator` is the name a person uses in the file.
    pub fn new(operator: &str) -> Board {
        Board {
            operator: operator.to_string(),
            slim: false,
            next: 0,
            entries: 0,
            pending: BTreeMap::new(),
            by_id: HashMap::new(),
            by_pair: HashMap::new(),
        }
    }

    /// An empty board that keeps only what counting needs: pending entries lose their
    /// task, output, notes, `Re:` and extra keys (for `atlas status` and its cache).
    pub fn slim(operator: &str) -> Board {
        Board {
            slim: true,
            ..Board::new(operator)
        }
    }

    /// The operator's name.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// How many entries were added.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Add the next entry of the file (file order).
    pub fn add(&mut self, mut entry: Entry) {
        self.entries += 1;
        let key = entry.key();
        // 1. `Re:` answers the latest entry above with that id, for the writer.
        if let Some(re) = &entry.re {
            let target = self.by_id.get(&super::normalize_id(re)).copied();
            if let Some(seq) = target {
                self.answer(seq, &entry.from);
            }
        } else {
            // 2. Without `Re:`, it answers everything its recipients sent its writer.
            for to in &entry.to {
                let seqs = self
                    .by_pair
                    .get_mut(&entry.from)
                    .and_then(|m| m.remove(to.as_str()))
                    .unwrap_or_default();
                for seq in seqs {
                    self.answer(seq, &entry.from);
                }
            }
        }
        // 3. It hides any earlier entry with the same id from later `Re:`s.
        if let Some(seq) = self.by_id.remove(&key)
            && let Some(p) = self.pending.get_mut(&seq)
        {
            p.latest = false;
        }
        // 4. It waits for answers if it asks something.
        if !entry.is_actionable() {
            return;
        }
        let seq = self.next;
        self.next += 1;
        let mut open: Vec<String> = Vec::with_capacity(entry.to.len());
        for to in &entry.to {
            if !open.contains(to) {
                open.push(to.clone());
            }
        }
        for to in &open {
            self.by_pair
                .entry(to.clone())
                .or_default()
                .entry(entry.from.clone())
                .or_default()
                .insert(seq);
        }
        if self.slim {
            entry.task = None;
            entry.output = Vec::new();
            entry.notes = None;
            entry.extra = Vec::new();
            entry.re = None;
        }
        self.by_id.insert(key, seq);
        self.pending.insert(
            seq,
            Pending {
                entry,
                open,
                latest: true,
            },
        );
    }

    /// Mark pending entry `seq` answered by `who`.
    fn answer(&mut self, seq: u64, who: &str) {
        let Some(p) = self.pending.get_mut(&seq) else {
            return;
        };
        let Some(i) = p.open.iter().position(|n| n == who) else {
            return;
        };
        p.open.remove(i);
        if let Some(set) = self
            .by_pair
            .get_mut(who)
            .and_then(|m| m.get_mut(p.entry.from.as_str()))
        {
            set.remove(&seq);
        }
        if p.open.is_empty() {
            let latest = p.latest;
            let key = p.entry.key();
            self.pending.remove(&seq);
            if latest && self.by_id.get(&key) == Some(&seq) {
                self.by_id.remove(&key);
            }
        }
    }

    /// `name`'s inbox: actionable entries addressed to it and not answered for it, oldest
    /// first.
    pub fn inbox(&self, name: &str) -> Vec<&Entry> {
        self.pending
            .values()
            .filter(|p| p.open.iter().any(|n| n == name))
            .map(|p| &p.entry)
            .collect()
    }

    /// The operator's inbox plus every `BLOCKED` or `FAILED` entry still in someone's
    /// inbox, oldest first, each once.
    pub fn needs_attention(&self) -> Vec<&Entry> {
        self.pending
            .values()
            .filter(|p| {
                p.open.contains(&self.operator)
                    || matches!(
                        p.entry.status_kind(),
                        Some(Status::Blocked | Status::Failed)
                    )
            })
            .map(|p| &p.entry)
            .collect()
    }

    /// How many entries each name has in its inbox (names with an empty inbox are left
    /// out).
    pub fn inbox_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for p in self.pending.values() {
            for n in &p.open {
                *counts.entry(n.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The sum of all inboxes (an entry counts once per recipient that owes an answer).
    pub fn inbox_total(&self) -> usize {
        self.pending.values().map(|p| p.open.len()).sum()
    }

    /// The pending entries, oldest first, each with the recipients that still owe an
    /// answer.
    pub fn pending(&self) -> impl Iterator<Item = (&Entry, &[String])> {
        self.pending.values().map(|p| (&p.entry, p.open.as_slice()))
    }

    /// The board's state, to save and [`Board::restore`] later.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            operator: self.operator.clone(),
            slim: self.slim,
            entries: self.entries,
            pending: self.pending.values().cloned().collect(),
        }
    }

    /// A board in the state a [`Snapshot`] saved.
    pub fn restore(snapshot: Snapshot) -> Board {
        let mut b = if snapshot.slim {
            Board::slim(&snapshot.operator)
        } else {
            Board::new(&snapshot.operator)
        };
        b.entries = snapshot.entries;
        for p in snapshot.pending {
            let seq = b.next;
            b.next += 1;
            for to in &p.open {
                b.by_pair
                    .entry(to.clone())
                    .or_default()
                    .entry(p.entry.from.clone())
                    .or_default()
                    .insert(seq);
            }
            if p.latest {
                b.by_id.insert(p.entry.key(), seq);
            }
            b.pending.insert(seq, p);
        }
        b
    }
}
