//! The report as markdown: a first-line marker with the window, a title, the figures of
//! the window, then one section per part of the [`Report`], each left out when empty and
//! each opened by one line of counts.

use std::fmt::Write;

use chrono::{NaiveDateTime, Timelike};

use super::{Activity, EntryItem, Report, SLOTS, Timeline};

/// How many characters of a task or notes value the markdown shows (the JSON has all).
const MAX_TEXT: usize = 200;

/// How many unreadable blocks the markdown lists (the JSON has all).
const MAX_MALFORMED: usize = 50;

/// The report as markdown (ends with one newline).
pub fn render_markdown(r: &Report) -> String {
    let mut s = String::new();
    let w = r.window;
    let _ = writeln!(s, "{}", w.marker());
    let _ = writeln!(s, "# Morning report: {} to {}", time(w.from), time(w.to));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Window: {}, from {} (included) to {} (excluded).",
        span(w.seconds()),
        time(w.from),
        time(w.to)
    );
    let t = &r.totals;
    let _ = writeln!(
        s,
        "{}, {} produced, {} failed or blocked, {}, {}, {} handed out from queues.",
        count(t.entries, "entry", "entries"),
        t.produced,
        t.troubles,
        count(t.crashes, "crash", "crashes"),
        count(t.restarts, "restart", "restarts"),
        count(t.dispatched, "item", "items"),
    );
    let before = s.len();
    attention(&mut s, r);
    produced(&mut s, r);
    failures(&mut s, r);
    agents(&mut s, r);
    if let Some(tl) = &r.timeline {
        timeline(&mut s, tl, r);
    }
    queues(&mut s, r);
    malformed(&mut s, r);
    if s.len() == before {
        let _ = writeln!(s);
        let _ = writeln!(s, "Nothing happened in this window, and nothing needs you.");
    }
    s
}

fn attention(s: &mut String, r: &Report) {
    let a = &r.attention;
    if a.entries.is_empty() && a.agents.is_empty() {
        return;
    }
    section(s, "Needs your attention");
    let _ = writeln!(
        s,
        "{}, {}.",
        count(a.entries.len(), "entry", "entries"),
        count(a.agents.len(), "agent", "agents")
    );
    let _ = writeln!(s);
    for e in &a.entries {
        entry_line(s, e, "");
        notes(s, e);
    }
    for ag in &a.agents {
        let mut extra = String::new();
        for (k, v) in &ag.detail {
            let _ = write!(extra, "{}{}={}", sep(&extra), clean(k), clean(v));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({extra})")
        };
        let _ = writeln!(
            s,
            "- {} is **{}** since {}{}.",
            clean(&ag.agent),
            ag.state.as_str(),
            time(ag.since),
            extra
        );
    }
}

fn sep(s: &str) -> &'static str {
    if s.is_empty() { "" } else { ", " }
}

fn produced(s: &mut String, r: &Report) {
    if r.produced.is_empty() {
        return;
    }
    section(s, "Produced");
    let outputs: usize = r.produced.iter().map(|p| p.outputs.len()).sum();
    let missing: usize = r
        .produced
        .iter()
        .flat_map(|p| &p.outputs)
        .filter(|o| !o.exists)
        .count();
    let _ = writeln!(
        s,
        "{}, {}, {} missing.",
        count(r.produced.len(), "entry", "entries"),
        count(outputs, "output", "outputs"),
        missing
    );
    let _ = writeln!(s);
    for p in &r.produced {
        entry_line(s, &p.entry, "");
        for o in &p.outputs {
            let mark = if o.exists { "" } else { " — **missing**" };
            let _ = writeln!(s, "  - {}{}", code(&o.path), mark);
        }
    }
}

fn failures(s: &mut String, r: &Report) {
    let f = &r.failures;
    if f.entries.is_empty() && f.agents.is_empty() {
        return;
    }
    section(s, "Failed or blocked");
    let blocked = f
        .entries
        .iter()
        .filter(|t| status_is(&t.entry, "BLOCKED"))
        .count();
    let open = f.entries.iter().filter(|t| t.open).count();
    let _ = writeln!(
        s,
        "{} blocked, {} failed, {} still open; {} stopped after crashing too often.",
        blocked,
        f.entries.len() - blocked,
        open,
        count(f.agents.len(), "agent", "agents"),
    );
    let _ = writeln!(s);
    for t in &f.entries {
        let mark = if t.open { " (open)" } else { " (answered)" };
        entry_line(s, &t.entry, mark);
        notes(s, &t.entry);
    }
    for g in &f.agents {
        let _ = writeln!(
            s,
            "- {} crashed too often and was stopped at {}.",
            clean(&g.agent),
            time(g.time)
        );
    }
}

fn status_is(e: &EntryItem, word: &str) -> bool {
    e.status
        .as_deref()
        .is_some_and(|st| st.trim().eq_ignore_ascii_case(word))
}

fn agents(s: &mut String, r: &Report) {
    if r.agents.is_empty() {
        return;
    }
    section(s, "Per agent");
    let known = r
        .agents
        .iter()
        .filter(|a| a.time_in_state.is_some())
        .count();
    let _ = writeln!(
        s,
        "{}, {} with states from the events log.",
        count(r.agents.len(), "agent", "agents"),
        known
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| agent | written | received | restarts | crashes | busy | idle | waiting | dead | limited | now | inbox |"
    );
    let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|");
    for a in &r.agents {
        let times: Vec<String> = [
            Activity::Busy,
            Activity::Idle,
            Activity::Waiting,
            Activity::Dead,
            Activity::Limited,
        ]
        .into_iter()
        .map(|x| {
            a.time_in_state.map_or("–".to_string(), |t| {
                // A failed agent is dead too: the column counts both.
                let extra = if x == Activity::Dead {
                    t.get(Activity::Failed)
                } else {
                    0
                };
                span(t.get(x) + extra)
            })
        })
        .collect();
        let now = match (a.state, a.since) {
            (Some(st), Some(since)) => format!("{} since {}", st.as_str(), time(since)),
            _ => "unknown".to_string(),
        };
        let failed = if a.failed > 0 {
            format!(" (failed {}×)", a.failed)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {}{} | {} | {} | {} |",
            cell(&a.name),
            a.written,
            a.received,
            a.restarts,
            a.crashes,
            failed,
            times.join(" | "),
            now,
            a.inbox,
        );
    }
}

fn timeline(s: &mut String, tl: &Timeline, r: &Report) {
    section(s, "Timeline");
    let _ = writeln!(
        s,
        "{}, one character = {}.",
        count(tl.rows.len(), "agent", "agents"),
        span_f(tl.slot_seconds)
    );
    let _ = writeln!(s);
    let width = tl
        .rows
        .iter()
        .map(|row| fenced(&row.agent).chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let w = r.window;
    let total = w.seconds();
    let long = total >= 24 * 3600;
    let mut ruler = " ".repeat(width);
    for k in (0..SLOTS).step_by(12) {
        let at = w.from + chrono::TimeDelta::seconds(total * k as i64 / SLOTS as i64);
        let label = if long {
            at.format("%m-%d").to_string()
        } else {
            at.format("%H:%M").to_string()
        };
        let _ = write!(ruler, "{label:<12}");
    }
    let _ = writeln!(s, "```text");
    let _ = writeln!(s, "{}", ruler.trim_end());
    for row in &tl.rows {
        let name = fenced(&row.agent);
        let pad = width - name.chars().count();
        let _ = writeln!(s, "{name}{}{}", " ".repeat(pad), row.cells);
    }
    let _ = writeln!(s, "```");
    let _ = writeln!(s);
    let legend: Vec<String> = tl
        .legend
        .iter()
        .map(|l| format!("`{}` {}", l.symbol, l.state.as_str()))
        .collect();
    let _ = writeln!(s, "Legend: {}.", legend.join(", "));
    let _ = writeln!(
        s,
        "A slot shows failed, dead, waiting or limited if that happened in it at all, else the state that filled most of it."
    );
}

fn queues(s: &mut String, r: &Report) {
    let q = &r.queues;
    if q.handed_out.is_empty() && q.waiting.is_empty() {
        return;
    }
    section(s, "Queues");
    let _ = writeln!(
        s,
        "{} handed out, {} still waiting.",
        q.handed_out.len(),
        q.waiting.len()
    );
    if !q.handed_out.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Handed out:");
        let _ = writeln!(s);
        for h in &q.handed_out {
            let _ = writeln!(
                s,
                "- {} to {}: {}",
                time(h.handed_out_at),
                clean(&h.agent),
                short(&h.text)
            );
        }
    }
    if !q.waiting.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Still waiting:");
        let _ = writeln!(s);
        for w in &q.waiting {
            let _ = writeln!(s, "- {}: {}", clean(&w.agent), short(&w.text));
        }
    }
}

fn malformed(s: &mut String, r: &Report) {
    if r.malformed.is_empty() {
        return;
    }
    section(s, "Could not read");
    let _ = writeln!(
        s,
        "{} of the coordination file could not be read (skipped; `atlas check` lists them too).",
        count(r.malformed.len(), "block", "blocks")
    );
    let _ = writeln!(s);
    for m in r.malformed.iter().take(MAX_MALFORMED) {
        let _ = writeln!(
            s,
            "- line {}: {} — {}",
            m.line,
            code(&m.text),
            clean(&m.reason)
        );
    }
    if r.malformed.len() > MAX_MALFORMED {
        let _ = writeln!(
            s,
            "- … and {} more (see `atlas report --json` or `atlas check`).",
            r.malformed.len() - MAX_MALFORMED
        );
    }
}

/// `- `ID` (line N): STATUS — task` + `mark`.
fn entry_line(s: &mut String, e: &EntryItem, mark: &str) {
    let status = e.status.as_deref().map_or("no status".to_string(), clean);
    let task = e
        .task
        .as_deref()
        .map_or(String::new(), |t| format!(" — {}", short(t)));
    let _ = writeln!(
        s,
        "- {} (line {}): {}{}{}",
        code(&e.id),
        e.line,
        status,
        task,
        mark
    );
}

fn notes(s: &mut String, e: &EntryItem) {
    if let Some(n) = &e.notes {
        let _ = writeln!(s, "  Notes: {}", short(n));
    }
}

fn section(s: &mut String, title: &str) {
    let _ = writeln!(s);
    let _ = writeln!(s, "## {title}");
    let _ = writeln!(s);
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A time as people write it in the coordination file: seconds only when not zero.
pub(super) fn time(t: NaiveDateTime) -> String {
    if t.second() == 0 {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A length of time: `45s`, `12m`, `12m 30s`, `3h`, `3h 5m`, `0`.
pub(super) fn span(secs: i64) -> String {
    let secs = secs.max(0);
    if secs == 0 {
        "0".to_string()
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        match secs % 60 {
            0 => format!("{}m", secs / 60),
            r => format!("{}m {r}s", secs / 60),
        }
    } else {
        match (secs % 3600) / 60 {
            0 => format!("{}h", secs / 3600),
            m => format!("{}h {m}m", secs / 3600),
        }
    }
}

fn span_f(secs: f64) -> String {
    if secs.fract() == 0.0 {
        span(secs as i64)
    } else {
        format!("{secs:.1}s")
    }
}

/// Text on one line: control characters dropped, runs of white space (line breaks
/// included) made one space.
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`clean`], cut at [`MAX_TEXT`] characters with `…`.
fn short(text: &str) -> String {
    let c = clean(text);
    if c.chars().count() <= MAX_TEXT {
        c
    } else {
        let mut s: String = c.chars().take(MAX_TEXT).collect();
        s.push('…');
        s
    }
}

/// An inline code span that holds any text (the fence is longer than any run of
/// backticks inside).
fn code(text: &str) -> String {
    let t = clean(text);
    let mut longest = 0;
    let mut run = 0;
    for c in t.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || t.starts_with(' ') || t.ends_with(' ') {
        format!("{fence} {t} {fence}")
    } else {
        format!("{fence}{t}{fence}")
    }
}

/// A table cell: `|` escaped.
fn cell(text: &str) -> String {
    clean(text).replace('|', "\\|")
}

/// Text inside a fenced block: backticks made quotes so the fence cannot close.
fn fenced(text: &str) -> String {
    clean(text).replace('`', "'")
}
