//! The rules (DESIGN §2): actionable, answered, inbox, needs attention.
//!
//! A [`Board`] takes entries in file order and keeps only the *pending* ones: actionable
//! entries that some recipient has not answered yet. Everything else is dropped as soon as
//! it is read, so a file of a million entries costs memory for its open questions only.
//! Fed with [`Board::add_view`] straight from the [`super::Reader`], a pending entry is
//! kept as its text and turned into an [`Entry`] only when someone asks for it.
//!
//! - An entry is actionable unless its status is `APPROVED`, `ACK` or `INFO`.
//! - An entry E from S to R is answered for R by a later entry from R that names E in
//!   `Re:` (E being the latest entry above it with that id), or by a later entry from R
//!   without `Re:` addressed to S. Each recipient answers for itself.
//! - An inbox is the actionable entries addressed to a name and not answered for it,
//!   oldest first; needs attention is the operator's inbox plus every `BLOCKED` or
//!   `FAILED` entry still in someone's inbox.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::hash::{Fx, id_hash, re_hash, same_id};
use super::parse::{EntryView, Event, Reader, recipients};
use super::{Entry, Status};

type Name = u32;

/// One entry still waiting for an answer from some of its recipients.
#[derive(Debug, Clone)]
struct Pending {
    line: usize,
    from: Name,
    open: Vec<Name>,
    kind: Option<Status>,
    key: u64,
    latest: bool,
    /// The entry's text as read (when it came from the reader).
    text: Option<Box<str>>,
    entry: OnceCell<Entry>,
}

impl Pending {
    fn entry(&self) -> &Entry {
        self.entry.get_or_init(|| {
            let text = self.text.as_deref().unwrap_or("");
            materialize(text, self.line)
        })
    }

    fn id(&self) -> &str {
        match self.entry.get() {
            Some(e) => &e.id,
            None => {
                let text = self.text.as_deref().unwrap_or("");
                let first = text.split('\n').next().unwrap_or("");
                first.trim_end().get(3..).unwrap_or("")
            }
        }
    }
}

/// Read an entry back from its text (the header line first), numbering it `line`.
fn materialize(text: &str, line: usize) -> Entry {
    let mut out = None;
    let _ = Reader::resume(text.as_bytes(), 0, line.saturating_sub(1)).visit(|ev| {
        if let (Event::Entry(e), None) = (ev, &out) {
            out = Some(e.to_entry());
        }
    });
    out.unwrap_or_else(|| Entry {
        id: String::new(),
        line,
        time: chrono::NaiveDateTime::default(),
        from: String::new(),
        to: Vec::new(),
        status: None,
        task: None,
        output: Vec::new(),
        notes: None,
        re: None,
        extra: Vec::new(),
    })
}

/// The rules engine: feed it entries in file order with [`Board::add_view`] (or
/// [`Board::add`]), then ask.
#[derive(Debug, Clone)]
pub struct Board {
    operator: Name,
    names: HashMap<Box<str>, Name, Fx>,
    name_list: Vec<Box<str>>,
    next: u64,
    entries: usize,
    pending: BTreeMap<u64, Pending>,
    /// Id hash → the pending entry that is the latest with that id.
    by_id: HashMap<u64, u64, Fx>,
    /// (recipient, sender) → pending entries from that sender still open for that
    /// recipient.
    by_pair: HashMap<(Name, Name), BTreeSet<u64>, Fx>,
    scratch: Vec<Name>,
}

/// One pending entry as saved in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPending {
    /// The entry's text.
    pub text: String,
    /// Its header's line number.
    pub line: usize,
    /// The recipients that have not answered it yet.
    pub open: Vec<String>,
    /// Whether it is the latest entry with its id so far.
    pub latest: bool,
}

/// What a board is saved as (see [`Board::snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The operator's name.
    pub operator: String,
    /// How many entries were added.
    pub entries: usize,
    /// The pending entries, oldest first.
    pub pending: Vec<SavedPending>,
}

/// What the rules need of an entry, however it arrived.
struct Facts<'a, I> {
    from: &'a str,
    to: I,
    kind: Option<Status>,
    actionable: bool,
    key: u64,
    re: Option<&'a str>,
}

impl Board {
    /// An empty board; `operator` is the name a person uses in the file.
    pub fn new(operator: &str) -> Board {
        let mut b = Board {
            operator: 0,
            names: HashMap::default(),
            name_list: Vec::new(),
            next: 0,
            entries: 0,
            pending: BTreeMap::new(),
            by_id: HashMap::default(),
            by_pair: HashMap::default(),
            scratch: Vec::new(),
        };
        b.operator = b.intern(operator);
        b
    }

    fn intern(&mut self, name: &str) -> Name {
        if let Some(&n) = self.names.get(name) {
            return n;
        }
        let n = Name::try_from(self.name_list.len()).unwrap_or(Name::MAX);
        self.names.insert(name.into(), n);
        self.name_list.push(name.into());
        n
    }

    fn name(&self, n: Name) -> &str {
        self.name_list.get(n as usize).map_or("", |s| s)
    }

    /// The operator's name.
    pub fn operator(&self) -> &str {
        self.name(self.operator)
    }

    /// How many entries were added.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Add the next entry of the file (file order), as the reader hands it over. Only a
    /// pending entry's text is copied.
    pub fn add_view(&mut self, e: &EntryView<'_>) {
        let status = e.status();
        let kind = status.as_deref().and_then(Status::parse);
        let re = e.re();
        let facts = Facts {
            from: e.from(),
            to: e.to(),
            kind,
            actionable: kind.is_none_or(Status::is_actionable),
            key: id_hash(e.header.time_text, e.header.from, e.to()),
            re: re.as_deref(),
        };
        let (text, line) = (e.text, e.line);
        self.apply(facts, line, || (Some(text.into()), OnceCell::new()));
    }

    /// Add the next entry of the file (file order).
    pub fn add(&mut self, entry: Entry) {
        let key = id_hash(
            entry.time_text(),
            &entry.from,
            entry.to.iter().map(String::as_str),
        );
        let kind = entry.status_kind();
        let line = entry.line;
        let re = entry.re.clone();
        let to = entry.to.clone();
        let facts = Facts {
            from: &entry.from.clone(),
            to: to.iter().map(String::as_str),
            kind,
            actionable: entry.is_actionable(),
            key,
            re: re.as_deref(),
        };
        self.apply(facts, line, move || (None, OnceCell::from(entry)));
    }

    fn apply<'a, I: Iterator<Item = &'a str>>(
        &mut self,
        facts: Facts<'a, I>,
        line: usize,
        keep: impl FnOnce() -> (Option<Box<str>>, OnceCell<Entry>),
    ) {
        self.entries += 1;
        let from = self.intern(facts.from);
        let mut to = std::mem::take(&mut self.scratch);
        to.clear();
        for t in facts.to {
            let n = self.intern(t);
            if !to.contains(&n) {
                to.push(n);
            }
        }
        // 1. `Re:` answers the latest entry above with that id, for the writer.
        if let Some(re) = facts.re {
            if let Some(&seq) = re_hash(re).and_then(|h| self.by_id.get(&h))
                && self.pending.get(&seq).is_some_and(|p| same_id(p.id(), re))
            {
                self.answer(seq, from);
            }
        } else {
            // 2. Without `Re:`, it answers everything its recipients sent its writer.
            for &t in &to {
                if let Some(seqs) = self.by_pair.remove(&(from, t)) {
                    for seq in seqs {
                        self.answer(seq, from);
                    }
                }
            }
        }
        // 3. It hides any earlier entry with the same id from later `Re:`s.
        if let Some(seq) = self.by_id.remove(&facts.key)
            && let Some(p) = self.pending.get_mut(&seq)
        {
            p.latest = false;
        }
        // 4. It waits for answers if it asks something.
        if facts.actionable {
            let seq = self.next;
            self.next += 1;
            for &t in &to {
                self.by_pair.entry((t, from)).or_default().insert(seq);
            }
            self.by_id.insert(facts.key, seq);
            let (text, entry) = keep();
            self.pending.insert(
                seq,
                Pending {
                    line,
                    from,
                    open: to.clone(),
                    kind: facts.kind,
                    key: facts.key,
                    latest: true,
                    text,
                    entry,
                },
            );
        }
        self.scratch = to;
    }

    /// Mark pending entry `seq` answered by `who`.
    fn answer(&mut self, seq: u64, who: Name) {
        let Some(p) = self.pending.get_mut(&seq) else {
            return;
        };
        let Some(i) = p.open.iter().position(|&n| n == who) else {
            return;
        };
        p.open.remove(i);
        if let Some(set) = self.by_pair.get_mut(&(who, p.from)) {
            set.remove(&seq);
        }
        if p.open.is_empty() {
            let key = p.key;
            self.pending.remove(&seq);
            if self.by_id.get(&key) == Some(&seq) {
                self.by_id.remove(&key);
            }
        }
    }

    fn wants(&self, p: &Pending) -> bool {
        p.open.contains(&self.operator) || matches!(p.kind, Some(Status::Blocked | Status::Failed))
    }

    /// `name`'s inbox: actionable entries addressed to it and not answered for it, oldest
    /// first.
    pub fn inbox(&self, name: &str) -> Vec<&Entry> {
        let Some(&n) = self.names.get(name) else {
            return Vec::new();
        };
        self.pending
            .values()
            .filter(|p| p.open.contains(&n))
            .map(Pending::entry)
            .collect()
    }

    /// How many entries `name`'s inbox holds (without reading them back).
    pub fn inbox_len(&self, name: &str) -> usize {
        let Some(&n) = self.names.get(name) else {
            return 0;
        };
        self.pending
            .values()
            .filter(|p| p.open.contains(&n))
            .count()
    }

    /// The operator's inbox plus every `BLOCKED` or `FAILED` entry still in someone's
    /// inbox, oldest first, each once.
    pub fn needs_attention(&self) -> Vec<&Entry> {
        self.pending
            .values()
            .filter(|p| self.wants(p))
            .map(Pending::entry)
            .collect()
    }

    /// How many entries need attention (without reading them back).
    pub fn attention_len(&self) -> usize {
        self.pending.values().filter(|p| self.wants(p)).count()
    }

    /// How many entries each name has in its inbox (names with an empty inbox are left
    /// out).
    pub fn inbox_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for p in self.pending.values() {
            for &n in &p.open {
                *counts.entry(self.name(n).to_string()).or_insert(0) += 1;
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
    pub fn pending(&self) -> impl Iterator<Item = (&Entry, Vec<&str>)> {
        self.pending
            .values()
            .map(|p| (p.entry(), p.open.iter().map(|&n| self.name(n)).collect()))
    }

    /// The board's state, to save and [`Board::restore`] later.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            operator: self.operator().to_string(),
            entries: self.entries,
            pending: self
                .pending
                .values()
                .map(|p| SavedPending {
                    text: match &p.text {
                        Some(t) => t.to_string(),
                        None => super::render::render(p.entry()),
                    },
                    line: p.line,
                    open: p.open.iter().map(|&n| self.name(n).to_string()).collect(),
                    latest: p.latest,
                })
                .collect(),
        }
    }

    /// A board in the state a [`Snapshot`] saved (entries whose text no longer reads as
    /// an entry are dropped).
    pub fn restore(snapshot: Snapshot) -> Board {
        let mut b = Board::new(&snapshot.operator);
        b.entries = snapshot.entries;
        for saved in snapshot.pending {
            let first = saved.text.split('\n').next().unwrap_or("");
            let Ok(h) = super::parse::parse_header(first.trim_end().get(3..).unwrap_or("")) else {
                continue;
            };
            let key = id_hash(h.time_text, h.from, recipients(h.to_text));
            let from = b.intern(h.from);
            let entry = materialize(&saved.text, saved.line);
            let kind = entry.status_kind();
            let open: Vec<Name> = saved.open.iter().map(|n| b.intern(n)).collect();
            let seq = b.next;
            b.next += 1;
            for &t in &open {
                b.by_pair.entry((t, from)).or_default().insert(seq);
            }
            if saved.latest {
                b.by_id.insert(key, seq);
            }
            b.pending.insert(
                seq,
                Pending {
                    line: saved.line,
                    from,
                    open,
                    kind,
                    key,
                    latest: saved.latest,
                    text: Some(saved.text.into_boxed_str()),
                    entry: OnceCell::from(entry),
                },
            );
        }
        b
    }
}
