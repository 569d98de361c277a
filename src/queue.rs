//! Work queues: one plain, human-editable markdown checklist per agent,
//! `queues/NAME.md`.
//!
//! ```text
//! # Work queue: Orpheus
//!
//! - [x] draft 3 IG captions (handed out 2026-04-11 01:14:05)
//! - [ ] write the launch thread
//! ```
//!
//! `- [ ] TEXT` waits; `- [x] TEXT (handed out TIME)` was handed out by the supervisor at
//! TIME (local, `YYYY-MM-DD HH:MM:SS`). Any other line is kept as it is. People may edit the
//! file freely: reorder, delete, tick an item by hand (`- [x]` without a time counts as
//! handed out, time unknown). Writers take an exclusive lock on the file and replace it
//! whole, so the supervisor and `atlas queue add` never lose each other's changes.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use serde::Serialize;

/// Time format of the "handed out" mark.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Whether an item waits or was handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Not handed out yet.
    Waiting,
    /// Handed out (to the agent).
    HandedOut,
}

/// One item of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What to do.
    pub text: String,
    /// Waiting or handed out.
    pub state: ItemState,
    /// When it was handed out, if known.
    pub handed_out_at: Option<NaiveDateTime>,
    /// Its line in the file (1-based).
    pub line: usize,
}

/// One queue file, as lines (items and anything else a person wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// The agent.
    pub agent: String,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Item(Item),
    Other(String),
}

const MARK: &str = " (handed out ";

/// Make an item's text fit on one checklist line.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_item(line: &str, n: usize) -> Option<Item> {
    let t = line.trim_start();
    let rest = t.strip_prefix("- [").or_else(|| t.strip_prefix("* ["))?;
    let mut chars = rest.chars();
    let mark = chars.next()?;
    let rest = chars.as_str().strip_prefix("] ")?;
    match mark {
        ' ' => Some(Item {
            text: rest.trim_end().to_string(),
            state: ItemState::Waiting,
            handed_out_at: None,
            line: n,
        }),
        'x' | 'X' => {
            let rest = rest.trim_end();
            let (text, at) = match rest.rfind(MARK) {
                Some(i) if rest.ends_with(')') => {
                    let stamp = &rest[i + MARK.len()..rest.len() - 1];
                    match NaiveDateTime::parse_from_str(stamp, TIME_FORMAT) {
                        Ok(t) => (&rest[..i], Some(t)),
                        Err(_) => (rest, None),
                    }
                }
                _ => (rest, None),
            };
            Some(Item {
                text: text.to_string(),
                state: ItemState::HandedOut,
                handed_out_at: at,
                line: n,
            })
        }
        _ => None,
    }
}

impl Queue {
    /// An empty queue.
    pub fn new(agent: &str) -> Queue {
        Queue {
            agent: agent.to_string(),
            lines: Vec::new(),
        }
    }

    /// Read a queue file's text.
    pub fn parse(agent: &str, text: &str) -> Queue {
        let lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| match parse_item(l, i + 1) {
                Some(item) => Line::Item(item),
                None => Line::Other(l.to_string()),
            })
            .collect();
        Queue {
            agent: agent.to_string(),
            lines,
        }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if self.lines.is_empty() {
            s.push_str(&format!("# Work queue: {}\n\n", self.agent));
        }
        for l in &self.lines {
            match l {
                Line::Other(o) => s.push_str(o),
                Line::Item(i) => match (i.state, i.handed_out_at) {
                    (ItemState::Waiting, _) => s.push_str(&format!("- [ ] {}", i.text)),
                    (ItemState::HandedOut, Some(t)) => {
                        s.push_str(&format!("- [x] {}{MARK}{})", i.text, t.format(TIME_FORMAT)))
                    }
                    (ItemState::HandedOut, None) => s.push_str(&format!("- [x] {}", i.text)),
                },
            }
            s.push('\n');
        }
        s
    }

    /// The items, in file order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.lines.iter().filter_map(|l| match l {
            Line::Item(i) => Some(i),
            Line::Other(_) => None,
        })
    }

    /// Add an item at the end.
    pub fn add(&mut self, text: &str) {
        if self.lines.is_empty() {
            self.lines
                .push(Line::Other(format!("# Work queue: {}", self.agent)));
            self.lines.push(Line::Other(String::new()));
        }
        let n = self.lines.len() + 1;
        self.lines.push(Line::Item(Item {
            text: one_line(text),
            state: ItemState::Waiting,
            handed_out_at: None,
            line: n,
        }));
    }

    /// The next waiting item, if any.
    pub fn next_waiting(&self) -> Option<&Item> {
        self.items().find(|i| i.state == ItemState::Waiting)
    }

    /// Put an item handed out at `at` back to waiting (its delivery was refused before
    /// anything was typed).
    pub fn unhand(&mut self, text: &str, at: NaiveDateTime) {
        for l in &mut self.lines {
            if let Line::Item(i) = l {
                if i.state == ItemState::HandedOut && i.text == text && i.handed_out_at == Some(at)
                {
                    i.state = ItemState::Waiting;
                    i.handed_out_at = None;
                    return;
                }
            }
        }
    }

    /// Mark the first waiting item handed out at `at`; returns its text.
    pub fn hand_out_next(&mut self, at: NaiveDateTime) -> Option<String> {
        for l in &mut self.lines {
            if let Line::Item(i) = l {
                if i.state == ItemState::Waiting {
                    i.state = ItemState::HandedOut;
                    i.handed_out_at = Some(at);
                    return Some(i.text.clone());
                }
            }
        }
        None
    }
}

/// The queue file of an agent.
pub fn path(dir: &Path, agent: &str) -> PathBuf {
    dir.join(format!("{agent}.md"))
}

/// Read an agent's queue (empty when there is no file).
pub fn load(dir: &Path, agent: &str) -> Result<Queue> {
    match std::fs::read_to_string(path(dir, agent)) {
        Ok(t) => Ok(Queue::parse(agent, &t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Queue::new(agent)),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path(dir, agent).display())),
    }
}

/// Change an agent's queue under an exclusive lock: read, apply `f`, write back whole.
/// Returns what `f` returned.
pub fn update<T>(dir: &Path, agent: &str, f: impl FnOnce(&mut Queue) -> T) -> Result<T> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let p = path(dir, agent);
    let mut file: File = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&p)
        .with_context(|| format!("cannot open {}", p.display()))?;
    file.lock()
        .with_context(|| format!("cannot lock {}", p.display()))?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let mut q = Queue::parse(agent, &text);
    let out = f(&mut q);
    let new = q.render();
    if new != text {
        file.seek(SeekFrom::Start(0))?;
        file.set_len(0)?;
        file.write_all(new.as_bytes())?;
        file.sync_data().ok();
    }
    Ok(out)
}

/// Every agent's queue in `dir`, for the given agent names (in that order).
pub fn load_all<'a>(dir: &Path, agents: impl IntoIterator<Item = &'a str>) -> Result<Vec<Queue>> {
    agents.into_iter().map(|a| load(dir, a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, TIME_FORMAT).unwrap()
    }

    #[test]
    fn round_trips_and_keeps_other_lines() {
        let text = "# Work queue: Orpheus\n\nsome note\n- [x] first (handed out 2026-04-11 01:14:05)\n- [ ] second\n- [X] by hand\n";
        let q = Queue::parse("Orpheus", text);
        assert_eq!(q.render(), text.replace("[X]", "[x]"));
        let items: Vec<&Item> = q.items().collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].text, "first");
        assert_eq!(items[0].handed_out_at, Some(at("2026-04-11 01:14:05")));
        assert_eq!(items[1].state, ItemState::Waiting);
        assert_eq!(items[1].line, 5);
        assert_eq!(items[2].state, ItemState::HandedOut);
        assert_eq!(items[2].handed_out_at, None);
    }

    #[test]
    fn hands_out_in_order_once() {
        let mut q = Queue::new("A");
        q.add("one");
        q.add("two\nlines");
        assert_eq!(q.next_waiting().unwrap().text, "one");
        assert_eq!(
            q.hand_out_next(at("2026-01-01 00:00:00")).as_deref(),
            Some("one")
        );
        assert_eq!(
            q.hand_out_next(at("2026-01-01 00:00:01")).as_deref(),
            Some("two lines")
        );
        assert_eq!(q.hand_out_next(at("2026-01-01 00:00:02")), None);
        let again = Queue::parse("A", &q.render());
        assert!(again.items().all(|i| i.state == ItemState::HandedOut));
    }

    #[test]
    fn update_is_read_modify_write() {
        let d = tempfile::tempdir().unwrap();
        update(d.path(), "A", |q| q.add("x")).unwrap();
        update(d.path(), "A", |q| q.add("y")).unwrap();
        let q = load(d.path(), "A").unwrap();
        let texts: Vec<&str> = q.items().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["x", "y"]);
        assert!(load(d.path(), "B").unwrap().items().next().is_none());
    }
}
