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
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::hash::{Fx, id_hash, re_hash};
use super::parse::{EntryView, Event, read_block, recipients};
use super::{Entry, Status};

/// A name's number on a board.
pub(crate) type Name = u32;

/// What the rules need of an entry, names interned and hashes computed.
pub(crate) struct Ids<'a> {
    /// The sender.
    pub from: Name,
    /// The recipients, each once, in header order.
    pub to: &'a [Name],
    /// The status, if known.
    pub kind: Option<Status>,
    /// Whether the entry asks something.
    pub actionable: bool,
    /// The id's hash.
    pub key: u64,
    /// `Re:`: absent, or present with the hash of the id it names (if it names one).
    pub re: Option<Option<u64>>,
}

/// The recipients that still owe an answer: up to three inline, more on the heap.
#[derive(Debug, Clone, Default)]
struct Open {
    n: u8,
    inline: [Name; 3],
    spill: Vec<Name>,
}

impl Open {
    fn from_names(names: &[Name]) -> Open {
        let mut o = Open::default();
        if names.len() <= o.inline.len() {
            o.inline[..names.len()].copy_from_slice(names);
            o.n = u8::try_from(names.len()).unwrap_or(0);
        } else {
            o.spill = names.to_vec();
        }
        o
    }

    fn as_slice(&self) -> &[Name] {
        if self.spill.is_empty() {
            &self.inline[..usize::from(self.n)]
        } else {
            &self.spill
        }
    }

    fn contains(&self, n: Name) -> bool {
        self.as_slice().contains(&n)
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remove `n`; whether it was there.
    fn remove(&mut self, n: Name) -> bool {
        if !self.spill.is_empty() {
            let Some(i) = self.spill.iter().position(|&x| x == n) else {
                return false;
            };
            self.spill.remove(i);
            return true;
        }
        let len = usize::from(self.n);
        let Some(i) = self.inline[..len].iter().position(|&x| x == n) else {
            return false;
        };
        self.inline.copy_within(i + 1..len, i);
        self.n -= 1;
        true
    }
}

/// One entry still waiting for an answer from some of its recipients.
#[derive(Debug, Clone)]
struct Pending {
    seq: u64,
    line: usize,
    from: Name,
    open: Open,
    kind: Option<Status>,
    key: u64,
    latest: bool,
    /// Where the entry's text is in the board's arena (when it came from the reader), or
    /// in the window being read (see [`Board::settle`]).
    text: Option<(usize, usize)>,
    /// `text` is in the window being read, not in the arena.
    windowed: bool,
    entry: OnceCell<Box<Entry>>,
}

/// Where an entry's text is, for [`Board::apply_ids`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum TextAt<'a> {
    /// Nowhere (the entry is given whole).
    Nowhere,
    /// Here (UTF-8): copied if the entry waits for answers.
    Here(&'a [u8]),
    /// At this place (start, length) in the window being read, not checked for UTF-8 yet:
    /// kept by [`Board::settle`] if the entry still waits for answers by then.
    Window(usize, usize),
}

/// Hand the entry whose text is `text` (one block: its header line first, numbered
/// `line`) to `f`. (No [`super::Reader`]: its read buffer would be set up for every entry.)
fn with_entry(text: &str, line: usize, mut f: impl FnMut(&EntryView<'_>)) {
    // One block: up to the next header, as the reader would cut it.
    let text = memchr::memmem::find(text.as_bytes(), b"\n## [").map_or(text, |i| &text[..=i]);
    let mut nl = Vec::new();
    let mut seen = false;
    read_block(text, 0, line, false, &mut nl, &mut |ev| {
        if let Event::Entry(e) = ev
            && !std::mem::replace(&mut seen, true)
        {
            f(e);
        }
    });
}

/// Read an entry back from its text (the header line first), numbering it `line`.
fn materialize(text: &str, line: usize) -> Entry {
    let mut out = None;
    with_entry(text, line, |e| out = Some(e.to_entry()));
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
    /// Seq → pending entry (seqs grow in file order).
    pending: HashMap<u64, Pending, Fx>,
    /// The texts of pending entries, one after the other (compacted as entries go).
    /// (UTF-8: every text put in is a `str`'s bytes.)
    arena: Vec<u8>,
    arena_live: usize,
    /// Id hash → the pending entry that is the latest with that id.
    by_id: HashMap<u64, u64, Fx>,
    /// (recipient, sender) → pending entries from that sender still open for that
    /// recipient.
    by_pair: HashMap<(Name, Name), Vec<u64>, Fx>,
    scratch: Vec<Name>,
    /// The pending entries whose text is still in the window being read.
    windowed: Vec<u64>,
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
            pending: HashMap::default(),
            arena: Vec::new(),
            arena_live: 0,
            by_id: HashMap::default(),
            by_pair: HashMap::default(),
            scratch: Vec::new(),
            windowed: Vec::new(),
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
        let (status, re) = e.status_and_re();
        let kind = status.as_deref().and_then(Status::parse);
        let facts = Facts {
            from: e.from(),
            to: e.to(),
            kind,
            actionable: kind.is_none_or(Status::is_actionable),
            key: id_hash(e.header.time_text, e.header.from, e.to()),
            re: re.as_deref(),
        };
        self.apply(facts, e.line, TextAt::Here(e.text.as_bytes()), None);
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
        self.apply(facts, line, TextAt::Nowhere, Some(entry));
    }

    fn apply<'a, I: Iterator<Item = &'a str>>(
        &mut self,
        facts: Facts<'a, I>,
        line: usize,
        text: TextAt<'_>,
        entry: Option<Entry>,
    ) {
        let from = self.intern(facts.from);
        let mut to = std::mem::take(&mut self.scratch);
        to.clear();
        for t in facts.to {
            let n = self.intern(t);
            if !to.contains(&n) {
                to.push(n);
            }
        }
        let re = facts.re.map(re_hash);
        self.apply_ids(
            Ids {
                from,
                to: &to,
                kind: facts.kind,
                actionable: facts.actionable,
                key: facts.key,
                re,
            },
            line,
            text,
            entry,
        );
        self.scratch = to;
    }

    /// Intern a name (for [`Board::apply_ids`]).
    pub(crate) fn name_id(&mut self, name: &str) -> Name {
        self.intern(name)
    }

    /// Add the next entry of the file, its names interned and its hashes computed (see
    /// [`super::fast`]). `to` holds no name twice.
    pub(crate) fn apply_ids(
        &mut self,
        facts: Ids<'_>,
        line: usize,
        text: TextAt<'_>,
        entry: Option<Entry>,
    ) {
        self.entries += 1;
        let from = facts.from;
        let to = facts.to;
        // 1. `Re:` answers the latest entry above with that id, for the writer.
        if let Some(re) = facts.re {
            if let Some(&seq) = re.and_then(|h| self.by_id.get(&h)) {
                self.answer(seq, from);
            }
        } else {
            // 2. Without `Re:`, it answers everything its recipients sent its writer.
            for &t in to {
                let Some(list) = self.by_pair.get_mut(&(from, t)) else {
                    continue;
                };
                let mut seqs = std::mem::take(list);
                for &seq in &seqs {
                    self.answer_from(seq, from, false);
                }
                seqs.clear();
                if let Some(list) = self.by_pair.get_mut(&(from, t)) {
                    *list = seqs;
                }
            }
        }
        // 3. It hides any earlier entry with the same id from later `Re:`s, and 4. waits
        // for answers if it asks something (then it is the one a `Re:` names).
        let seq = self.next;
        let hidden = if facts.actionable {
            self.by_id.insert(facts.key, seq)
        } else {
            self.by_id.remove(&facts.key)
        };
        if let Some(old) = hidden
            && let Some(p) = self.pending.get_mut(&old)
        {
            p.latest = false;
        }
        if facts.actionable {
            self.next += 1;
            for &t in to {
                self.by_pair.entry((t, from)).or_default().push(seq);
            }
            let (text, windowed) = match text {
                TextAt::Nowhere => (None, false),
                TextAt::Here(t) => {
                    let start = self.arena.len();
                    self.arena.extend_from_slice(t);
                    self.arena_live += t.len();
                    (Some((start, t.len())), false)
                }
                TextAt::Window(start, len) => {
                    self.windowed.push(seq);
                    (Some((start, len)), true)
                }
            };
            self.pending.insert(
                seq,
                Pending {
                    seq,
                    line,
                    from,
                    open: Open::from_names(to),
                    kind: facts.kind,
                    key: facts.key,
                    latest: true,
                    text,
                    windowed,
                    entry: entry.map_or_else(OnceCell::new, |e| OnceCell::from(Box::new(e))),
                },
            );
        }
    }

    /// Mark pending entry `seq` answered by `who`.
    fn answer(&mut self, seq: u64, who: Name) {
        self.answer_from(seq, who, true);
    }

    /// [`Board::answer`]; `listed` says whether `seq` is still in its `by_pair` list (the
    /// caller may have taken the list).
    fn answer_from(&mut self, seq: u64, who: Name, listed: bool) {
        let Some(p) = self.pending.get_mut(&seq) else {
            return;
        };
        if !p.open.remove(who) {
            return;
        }
        if listed
            && let Some(list) = self.by_pair.get_mut(&(who, p.from))
            && let Some(i) = list.iter().position(|&s| s == seq)
        {
            list.swap_remove(i);
        }
        if p.open.is_empty() {
            let key = p.key;
            if let Some((_, len)) = p.text
                && !p.windowed
            {
                self.arena_live -= len;
            }
            self.pending.remove(&seq);
            if self.by_id.get(&key) == Some(&seq) {
                self.by_id.remove(&key);
            }
            self.compact();
        }
    }

    /// Move the live texts to the front of the arena once most of it is dead (in place:
    /// the memory is reused, not given back and asked for again).
    fn compact(&mut self) {
        if self.arena.len() < (1 << 20) || self.arena.len() < 4 * self.arena_live {
            return;
        }
        let mut live: Vec<(usize, usize, u64)> = self
            .pending
            .values()
            .filter(|p| !p.windowed)
            .filter_map(|p| p.text.map(|(start, len)| (start, len, p.seq)))
            .collect();
        live.sort_unstable();
        let mut at = 0;
        for (start, len, seq) in live {
            self.arena.copy_within(start..start + len, at);
            if let Some(p) = self.pending.get_mut(&seq) {
                p.text = Some((at, len));
            }
            at += len;
        }
        self.arena.truncate(at);
    }

    /// Keep the texts of the entries read from `window` (see [`TextAt::Window`]) that
    /// still wait for answers, before the window goes; invalid UTF-8 is replaced, as the
    /// reader does.
    pub(crate) fn settle(&mut self, window: &[u8]) {
        for seq in std::mem::take(&mut self.windowed) {
            let Some(p) = self.pending.get_mut(&seq) else {
                continue;
            };
            let Some((start, len)) = p.text.filter(|_| p.windowed) else {
                continue;
            };
            let bytes = window.get(start..start + len);
            debug_assert!(bytes.is_some(), "a pending text outside its window");
            let bytes = bytes.unwrap_or_default();
            let text = String::from_utf8_lossy(bytes);
            let at = self.arena.len();
            self.arena.extend_from_slice(text.as_bytes());
            self.arena_live += text.len();
            p.text = Some((at, text.len()));
            p.windowed = false;
        }
    }

    fn entry_of<'a>(&'a self, p: &'a Pending) -> &'a Entry {
        p.entry.get_or_init(|| {
            let text = p
                .text
                .and_then(|(start, len)| self.arena.get(start..start + len))
                .and_then(|t| std::str::from_utf8(t).ok())
                .unwrap_or("");
            Box::new(materialize(text, p.line))
        })
    }

    fn text_of<'a>(&'a self, p: &'a Pending) -> Option<&'a str> {
        p.text
            .and_then(|(start, len)| self.arena.get(start..start + len))
            .and_then(|t| std::str::from_utf8(t).ok())
    }

    /// The pending entries in file order.
    fn ordered(&self) -> Vec<&Pending> {
        let mut v: Vec<&Pending> = self.pending.values().collect();
        v.sort_unstable_by_key(|p| p.seq);
        v
    }

    fn wants(&self, p: &Pending) -> bool {
        p.open.contains(self.operator) || matches!(p.kind, Some(Status::Blocked | Status::Failed))
    }

    /// `name`'s inbox: actionable entries addressed to it and not answered for it, oldest
    /// first.
    pub fn inbox(&self, name: &str) -> Vec<&Entry> {
        let Some(&n) = self.names.get(name) else {
            return Vec::new();
        };
        self.ordered()
            .into_iter()
            .filter(|p| p.open.contains(n))
            .map(|p| self.entry_of(p))
            .collect()
    }

    /// How many entries `name`'s inbox holds (without reading them back).
    pub fn inbox_len(&self, name: &str) -> usize {
        let Some(&n) = self.names.get(name) else {
            return 0;
        };
        self.pending.values().filter(|p| p.open.contains(n)).count()
    }

    /// The operator's inbox plus every `BLOCKED` or `FAILED` entry still in someone's
    /// inbox, oldest first, each once.
    pub fn needs_attention(&self) -> Vec<&Entry> {
        self.ordered()
            .into_iter()
            .filter(|p| self.wants(p))
            .map(|p| self.entry_of(p))
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
            for &n in p.open.as_slice() {
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
        self.ordered().into_iter().map(|p| {
            (
                self.entry_of(p),
                p.open.as_slice().iter().map(|&n| self.name(n)).collect(),
            )
        })
    }

    /// The board's state, to save and [`Board::restore`] later.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            operator: self.operator().to_string(),
            entries: self.entries,
            pending: self
                .ordered()
                .into_iter()
                .map(|p| SavedPending {
                    text: match self.text_of(p) {
                        Some(t) => t.to_string(),
                        None => super::render::render(self.entry_of(p)),
                    },
                    line: p.line,
                    open: p
                        .open
                        .as_slice()
                        .iter()
                        .map(|&n| self.name(n).to_string())
                        .collect(),
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
            // Only the status is read now; the entry is read whole when someone asks.
            let mut kind = None;
            with_entry(&saved.text, saved.line, |e| {
                kind = e.status_and_re().0.and_then(|s| Status::parse(&s));
            });
            let open: Vec<Name> = saved.open.iter().map(|n| b.intern(n)).collect();
            let seq = b.next;
            b.next += 1;
            for &t in &open {
                b.by_pair.entry((t, from)).or_default().push(seq);
            }
            if saved.latest {
                b.by_id.insert(key, seq);
            }
            let start = b.arena.len();
            b.arena.extend_from_slice(saved.text.as_bytes());
            b.arena_live += saved.text.len();
            b.pending.insert(
                seq,
                Pending {
                    seq,
                    line: saved.line,
                    from,
                    open: Open::from_names(&open),
                    kind,
                    key,
                    latest: saved.latest,
                    text: Some((start, saved.text.len())),
                    windowed: false,
                    entry: OnceCell::new(),
                },
            );
        }
        b
    }
}
