//! `logs/events.log`: one plain-text line per event (DESIGN §3).
//!
//! `TIME EVENT AGENT DETAIL…` — TIME in RFC 3339 with the local offset, EVENT one of
//! [`Kind`], DETAIL `key=value` pairs with values quoted when they hold spaces or quotes.
//! Lines are appended with one write each, so concurrent writers never interleave.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Local, SecondsFormat};

/// The file name inside the logs folder.
pub const FILE_NAME: &str = "events.log";

/// The kinds of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An agent's pane was created.
    Spawn,
    /// An agent's program exited.
    Death,
    /// An agent was restarted.
    Restart,
    /// An agent crashed too often and is no longer restarted.
    Failed,
    /// An idle agent was woken for an inbox entry.
    Wake,
    /// A queued item was handed out.
    Dispatch,
    /// An agent hit a usage limit (or was resumed after it).
    Limit,
    /// An agent's state changed.
    State,
}

impl Kind {
    /// All kinds.
    pub const ALL: [Kind; 8] = [
        Kind::Spawn,
        Kind::Death,
        Kind::Restart,
        Kind::Failed,
        Kind::Wake,
        Kind::Dispatch,
        Kind::Limit,
        Kind::State,
    ];

    /// The word in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Spawn => "spawn",
            Kind::Death => "death",
            Kind::Restart => "restart",
            Kind::Failed => "failed",
            Kind::Wake => "wake",
            Kind::Dispatch => "dispatch",
            Kind::Limit => "limit",
            Kind::State => "state",
        }
    }

    /// The kind a word names.
    pub fn parse(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it happened.
    pub time: DateTime<FixedOffset>,
    /// What happened.
    pub kind: Kind,
    /// To whom (`-` when no agent).
    pub agent: String,
    /// `key=value` details, in order.
    pub detail: Vec<(String, String)>,
}

impl Event {
    /// A new event stamped now.
    pub fn now(kind: Kind, agent: &str) -> Event {
        Event {
            time: Local::now().fixed_offset(),
            kind,
            agent: agent.to_string(),
            detail: Vec::new(),
        }
    }

    /// Add a detail.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl ToString) -> Event {
        self.detail.push((key.to_string(), value.to_string()));
        self
    }

    /// A detail's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.detail
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The line for the log (without the newline).
    pub fn render(&self) -> String {
        let mut s = format!(
            "{} {} {}",
            self.time.to_rfc3339_opts(SecondsFormat::Secs, false),
            self.kind,
            if self.agent.is_empty() {
                "-"
            } else {
                &self.agent
            }
        );
        for (k, v) in &self.detail {
            s.push(' ');
            s.push_str(k);
            s.push('=');
            s.push_str(&quote(v));
        }
        s
    }

    /// Read one line of the log; `None` for a line that is not an event.
    pub fn parse(line: &str) -> Option<Event> {
        let line = line.trim_end_matches(['\r', '\n']);
        let mut parts = line.splitn(4, ' ');
        let time = DateTime::parse_from_rfc3339(parts.next()?).ok()?;
        let kind = Kind::parse(parts.next()?)?;
        let agent = parts.next()?.to_string();
        let detail = parse_detail(parts.next().unwrap_or(""));
        Some(Event {
            time,
            kind,
            agent,
            detail,
        })
    }
}

fn quote(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\\');
    if plain {
        return v.to_string();
    }
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {}
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn parse_detail(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ' ' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => value.push('\n'),
                            Some('t') => value.push('\t'),
                            Some(o) => value.push(o),
                            None => {}
                        },
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ' ' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        out.push((key, value));
    }
    out
}

/// The events log of a team.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
}

impl EventLog {
    /// The log inside a logs folder.
    pub fn in_dir(logs: &Path) -> EventLog {
        EventLog {
            path: logs.join(FILE_NAME),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one event (one write, so lines never interleave).
    pub fn append(&self, event: &Event) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let mut line = event.render();
        line.push('\n');
        f.write_all(line.as_bytes())
    }

    /// Every event in the file, in order (unreadable lines skipped); empty if no file.
    pub fn read_all(&self) -> std::io::Result<Vec<Event>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.lines().filter_map(Event::parse).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let t = DateTime::parse_from_rfc3339("2026-04-11T01:14:05+02:00").unwrap();
        let e = Event {
            time: t,
            kind: Kind::Wake,
            agent: "Orpheus".into(),
            detail: vec![
                ("entry".into(), "[2026-04-11 01:14] Atlas → Orpheus".into()),
                ("status".into(), "1".into()),
                ("note".into(), "a \"quoted\"\\ thing\nnext".into()),
            ],
        };
        let line = e.render();
        assert_eq!(
            line,
            "2026-04-11T01:14:05+02:00 wake Orpheus entry=\"[2026-04-11 01:14] Atlas → Orpheus\" status=1 note=\"a \\\"quoted\\\"\\\\ thing\\nnext\""
        );
        assert_eq!(Event::parse(&line).unwrap(), e);
    }

    #[test]
    fn skips_garbage() {
        assert!(Event::parse("hello world").is_none());
        assert!(Event::parse("2026-04-11T01:14:05+02:00 explode X").is_none());
    }
}
