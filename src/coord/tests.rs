//! Unit tests of the coordination core: every form the reader accepts, the rules case by
//! case, and the round trip of what atlas writes.

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::*;

fn t(h: u32, m: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 4, 11)
        .unwrap()
        .and_hms_opt(h, m, s)
        .unwrap()
}

const SAMPLE: &str = "# Coordination\n\nSome preamble text.\nStatus: not a key here\n\n## [2026-04-11 01:14] Orpheus → Prometheus\nStatus: DONE\nTask: 3 IG captions for batch-2026-04-10\nOutput: content/drafts/2026-04-10/captions-batch-3.md\nNotes: used hook variant B for the tRPC post, CTR-optimised\n";

#[test]
fn reads_the_design_example() {
    let p = parse_str(SAMPLE);
    assert!(p.malformed.is_empty() && p.warnings.is_empty(), "{p:?}");
    assert_eq!(p.entries.len(), 1);
    let e = &p.entries[0];
    assert_eq!(e.id, "[2026-04-11 01:14] Orpheus → Prometheus");
    assert_eq!(e.line, 6);
    assert_eq!(e.time, t(1, 14, 0));
    assert_eq!(e.time_text(), "2026-04-11 01:14");
    assert_eq!(e.from, "Orpheus");
    assert_eq!(e.to, vec!["Prometheus"]);
    assert_eq!(e.status.as_deref(), Some("DONE"));
    assert_eq!(e.status_kind(), Some(Status::Done));
    assert_eq!(
        e.task.as_deref(),
        Some("3 IG captions for batch-2026-04-10")
    );
    assert_eq!(
        e.output,
        vec!["content/drafts/2026-04-10/captions-batch-3.md"]
    );
    assert_eq!(
        e.notes.as_deref(),
        Some("used hook variant B for the tRPC post, CTR-optimised")
    );
    assert!(e.is_actionable());
}

#[test]
fn reads_ascii_arrow_seconds_and_several_recipients() {
    let p =
        parse_str("## [2026-04-11 01:14:07] Atlas -> Prometheus,Athena ,  Apollo\nstatus: info\n");
    let e = &p.entries[0];
    assert_eq!(e.time, t(1, 14, 7));
    assert_eq!(e.to, vec!["Prometheus", "Athena", "Apollo"]);
    assert_eq!(
        e.id,
        "[2026-04-11 01:14:07] Atlas -> Prometheus,Athena ,  Apollo"
    );
    assert_eq!(e.status_kind(), Some(Status::Info));
    assert!(!e.is_actionable());
}

#[test]
fn continuation_lines_blank_lines_and_trailing_space() {
    let text = "## [2026-04-11 01:14] A → B\nNotes: first   \n  second\n\nthird\t\nStatus: DONE\n";
    let e = &parse_str(text).entries[0];
    assert_eq!(e.notes.as_deref(), Some("first\n  second\nthird"));
    assert_eq!(e.status.as_deref(), Some("DONE"));
}

#[test]
fn crlf_bom_and_invalid_utf8() {
    let text = "\u{feff}## [2026-04-11 01:14] A → B\r\nStatus: BLOCKED\r\nTask: x\r\n";
    let e = &parse_str(text).entries[0];
    assert_eq!(e.status.as_deref(), Some("BLOCKED"));
    assert_eq!(e.task.as_deref(), Some("x"));
    let p = parse::parse_bytes(b"## [2026-04-11 01:14] A \xff\xfe \xe2\x86\x92 B\nTask: a\xc3b\n");
    assert_eq!(p.entries.len(), 1);
    assert_eq!(p.entries[0].task.as_deref(), Some("a\u{fffd}b"));
}

#[test]
fn unknown_keys_and_statuses_are_kept() {
    let text = "## [2026-04-11 01:14] A → B\nStatus: WAITING_ON_LEGAL\nPriority: high\nX-Ticket: 42\n  more\n";
    let e = &parse_str(text).entries[0];
    assert_eq!(e.status.as_deref(), Some("WAITING_ON_LEGAL"));
    assert_eq!(e.status_kind(), None);
    assert!(e.is_actionable());
    assert_eq!(
        e.extra,
        vec![
            ("Priority".to_string(), "high".to_string()),
            ("X-Ticket".to_string(), "42\n  more".to_string())
        ]
    );
}

#[test]
fn output_lists_and_repeats() {
    let text = "## [2026-04-11 01:14] A → B\nOutput: a.md, b.md,\n  c.md\nOutput: d.md\noutput:\n";
    let e = &parse_str(text).entries[0];
    assert_eq!(e.output, vec!["a.md", "b.md", "c.md", "d.md"]);
}

#[test]
fn colon_words_that_are_not_keys_continue() {
    let text = "## [2026-04-11 01:14] A → B\nNotes: see\nhttp://example.com/x\nNote that: this continues\n12: also\n";
    let e = &parse_str(text).entries[0];
    assert_eq!(
        e.notes.as_deref(),
        Some("see\nhttp://example.com/x\nNote that: this continues\n12: also")
    );
    assert!(e.extra.is_empty());
}

#[test]
fn malformed_headers_are_skipped_not_glued() {
    let text = "## [2026-04-11 01:14] A → B\nStatus: DONE\n## [2026-13-11 01:14] A → B\nStatus: BLOCKED\nTask: lost\n## [2026-04-11 01:15] A B\n## [2026-04-11 01:16]  → B\n## [2026-04-11 01:17] A →\n## [2026-04-11 01:18] A → B → C\n## [2026-04-11 01:19] A → B,,C\n## [yesterday] A → B\n## [2026-04-11 01:20] C → D\nStatus: ACK\n";
    let p = parse_str(text);
    assert_eq!(p.entries.len(), 2);
    assert_eq!(p.entries[0].status.as_deref(), Some("DONE"));
    assert_eq!(p.entries[0].task, None);
    assert_eq!(p.entries[1].from, "C");
    assert_eq!(p.entries[1].line, 12);
    let lines: Vec<usize> = p.malformed.iter().map(|m| m.line).collect();
    assert_eq!(lines, vec![3, 6, 7, 8, 9, 10, 11]);
    assert!(
        p.malformed[0].reason.contains("timestamp"),
        "{:?}",
        p.malformed[0]
    );
    assert!(p.malformed[1].reason.contains("arrow"));
    assert!(p.malformed[2].reason.contains("sender"));
    assert!(p.malformed[3].reason.contains("recipient"));
    assert!(p.malformed[4].reason.contains("more than one arrow"));
    assert!(p.malformed[5].reason.contains("empty recipient"));
}

#[test]
fn stray_text_and_duplicate_keys_warn() {
    let text = "## [2026-04-11 01:14] A → B\nstray words\nStatus: DONE\nStatus: ACK\n";
    let p = parse_str(text);
    assert_eq!(p.entries[0].status.as_deref(), Some("ACK"));
    let lines: Vec<usize> = p.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![2, 4]);
}

#[test]
fn headers_in_prose_and_markdown_headings() {
    let text = "## Notes for everyone\n## [2026-04-11 01:14] A → B\nNotes: x\n## Not a header, a heading\n";
    let p = parse_str(text);
    assert_eq!(
        p.entries[0].notes.as_deref(),
        Some("x\n## Not a header, a heading")
    );
    assert!(p.malformed.is_empty());
}

#[test]
fn reader_streams_entries_with_offsets_and_resumes() {
    let text = format!(
        "{SAMPLE}\n## [bad] x\n## [2026-04-11 02:00] Prometheus → Orpheus\nStatus: APPROVED\n"
    );
    let mut seen = Vec::new();
    let (end, lines) = Reader::new(text.as_bytes())
        .visit(|ev| match ev {
            Event::Entry(e) => seen.push((e.offset, e.line, e.id.to_string())),
            Event::Malformed(m) => seen.push((0, m.line, m.text)),
            Event::Warning(_) => {}
        })
        .unwrap();
    assert_eq!(end, text.len() as u64);
    assert_eq!(lines, text.lines().count());
    let first = text.find("## [2026").unwrap() as u64;
    let second = text.find("## [2026-04-11 02:00]").unwrap() as u64;
    assert_eq!(seen[0].0, first);
    assert_eq!(seen[1], (0, 12, "## [bad] x".to_string()));
    assert_eq!(seen[2].0, second);
    assert_eq!(seen[2].1, 13);
    // Resuming at the second entry reads it with the same line number.
    let line = text[..second as usize].matches('\n').count();
    let mut again = Vec::new();
    Reader::resume(&text.as_bytes()[second as usize..], second, line)
        .visit(|ev| {
            if let Event::Entry(e) = ev {
                again.push((e.offset, e.line));
            }
        })
        .unwrap();
    assert_eq!(again, vec![(second, 13)]);
}

/// A reader that returns at most `n` bytes per read, to cross chunk boundaries anywhere.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn big_files_read_the_same_across_buffer_refills() {
    let mut text = String::from("\u{feff}preamble\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "## [2026-04-11 01:{:02}] A{} → B\nStatus: DONE\nNotes: {}\n\n",
            i % 60,
            i,
            "x".repeat(i % 300)
        ));
    }
    let whole = parse_str(&text);
    assert_eq!(whole.entries.len(), 3000);
    for step in [1, 3, 4096] {
        let mut entries = Vec::new();
        Reader::new(Trickle(text.as_bytes(), step))
            .visit(|ev| {
                if let Event::Entry(e) = ev {
                    entries.push(e.to_entry());
                }
            })
            .unwrap();
        assert_eq!(entries, whole.entries, "step {step}");
    }
}

#[test]
fn normalized_ids() {
    assert_eq!(
        normalize_id("## [2026-04-11 01:14]  Orpheus ->Prometheus,Athena "),
        "[2026-04-11 01:14] Orpheus → Prometheus, Athena"
    );
    assert_eq!(normalize_id("  free text "), "free text");
}

// ----------------------------------------------------------------------------------------
// Rules

fn board(text: &str, operator: &str) -> Board {
    let mut b = Board::new(operator);
    for e in parse_str(text).entries {
        b.add(e);
    }
    b
}

fn ids(entries: &[&Entry]) -> Vec<usize> {
    entries.iter().map(|e| e.line).collect()
}

#[test]
fn actionable_statuses() {
    for (s, want) in [
        ("DONE", true),
        ("in_progress", true),
        ("Blocked", true),
        ("FAILED", true),
        ("REVISION", true),
        ("APPROVED", false),
        ("ack", false),
        ("INFO", false),
        ("SOMETHING", true),
    ] {
        let text = format!("## [2026-04-11 01:14] A → B\nStatus: {s}\n");
        assert_eq!(parse_str(&text).entries[0].is_actionable(), want, "{s}");
    }
    let e = &parse_str("## [2026-04-11 01:14] A → B\nTask: x\n").entries[0];
    assert!(e.is_actionable());
}

#[test]
fn the_seed_review_loop() {
    let text = "\
## [2026-04-11 01:14] Orpheus → Prometheus
Status: DONE
Task: captions

## [2026-04-11 01:20] Prometheus → Orpheus
Status: REVISION
Task: shorter hooks please

## [2026-04-11 01:40] Orpheus → Prometheus
Status: DONE
Task: captions v2

## [2026-04-11 01:45] Prometheus → Orpheus
Status: APPROVED
Task: ship it
";
    let lines: Vec<usize> = parse_str(text).entries.iter().map(|e| e.line).collect();
    let mut b = Board::new("human");
    for (i, e) in parse_str(text).entries.into_iter().enumerate() {
        b.add(e);
        let (p, o) = (ids(&b.inbox("Prometheus")), ids(&b.inbox("Orpheus")));
        match i {
            0 => assert_eq!((p, o), (vec![lines[0]], vec![])),
            1 => assert_eq!((p, o), (vec![], vec![lines[1]])),
            2 => assert_eq!((p, o), (vec![lines[2]], vec![])),
            _ => assert_eq!((p, o), (vec![], vec![])),
        }
    }
    assert_eq!(b.inbox_total(), 0);
}

#[test]
fn answered_by_re_only_for_the_named_entry() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: one
## [2026-04-11 01:01] A → B
Task: two
## [2026-04-11 01:02] B → A
Status: DONE
Re: [2026-04-11 01:00] A → B
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![3]);
    assert!(b.inbox("A").len() == 1, "the DONE itself waits for A");
}

#[test]
fn re_matches_across_arrow_spellings() {
    let text = "\
## [2026-04-11 01:00] A -> B, C
Task: one
## [2026-04-11 01:02] B → A
Status: ACK
Re: [2026-04-11 01:00] A → B,C
";
    let b = board(text, "human");
    assert!(b.inbox("B").is_empty());
    assert_eq!(ids(&b.inbox("C")), vec![1]);
}

#[test]
fn re_names_the_latest_entry_with_that_id() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: first
## [2026-04-11 01:00] A → B
Task: second, same id
## [2026-04-11 01:05] B → A
Status: ACK
Re: [2026-04-11 01:00] A → B
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![1]);
}

#[test]
fn re_to_a_shadowing_non_actionable_entry_answers_nothing() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: first
## [2026-04-11 01:00] A → B
Status: INFO
## [2026-04-11 01:05] B → A
Status: ACK
Re: [2026-04-11 01:00] A → B
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![1]);
}

#[test]
fn a_reply_without_re_answers_everything_from_its_addressee() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: one
## [2026-04-11 01:01] C → B
Task: from C
## [2026-04-11 01:02] A → B
Task: two
## [2026-04-11 01:03] B → A
Status: ACK
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![3]);
    assert!(b.inbox("A").is_empty(), "ACK is not actionable");
}

#[test]
fn a_reply_with_re_answers_only_what_it_names() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: one
## [2026-04-11 01:01] A → B
Task: two
## [2026-04-11 01:02] B → A
Status: INFO
Re: [2026-04-11 01:01] A → B
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![1]);
}

#[test]
fn an_answer_from_someone_else_does_not_count() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: one
## [2026-04-11 01:02] C → A
Status: DONE
Re: [2026-04-11 01:00] A → B
## [2026-04-11 01:03] C → A
Status: DONE
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![1]);
    assert_eq!(ids(&b.inbox("A")), vec![3, 6]);
}

#[test]
fn an_earlier_entry_is_not_an_answer() {
    let text = "\
## [2026-04-11 01:00] B → A
Status: INFO
## [2026-04-11 01:01] A → B
Task: one
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![3]);
}

#[test]
fn several_recipients_answer_each_for_itself() {
    let text = "\
## [2026-04-11 01:00] Atlas → Prometheus, Athena, Apollo
Status: IN_PROGRESS
Task: weekly plan
## [2026-04-11 01:10] Prometheus → Atlas
Status: ACK
## [2026-04-11 01:20] Athena → Atlas
Status: DONE
Re: [2026-04-11 01:00] Atlas → Prometheus, Athena, Apollo
";
    let b = board(text, "human");
    assert!(b.inbox("Prometheus").is_empty());
    assert!(b.inbox("Athena").is_empty());
    assert_eq!(ids(&b.inbox("Apollo")), vec![1]);
    assert_eq!(ids(&b.inbox("Atlas")), vec![6]);
    let counts = b.inbox_counts();
    assert_eq!(counts.get("Apollo"), Some(&1));
    assert_eq!(counts.get("Atlas"), Some(&1));
    assert_eq!(b.inbox_total(), 2);
}

#[test]
fn a_reply_to_several_answers_each_addressee() {
    let text = "\
## [2026-04-11 01:00] A → C
Task: from A
## [2026-04-11 01:01] B → C
Task: from B
## [2026-04-11 01:02] C → A, B
Status: DONE
";
    let b = board(text, "human");
    assert!(b.inbox("C").is_empty());
    assert_eq!(ids(&b.inbox("A")), vec![5]);
    assert_eq!(ids(&b.inbox("B")), vec![5]);
}

#[test]
fn needs_attention_is_the_operator_inbox_plus_blocked_and_failed() {
    let text = "\
## [2026-04-11 01:00] A → human
Status: DONE
## [2026-04-11 01:01] A → B
Status: BLOCKED
## [2026-04-11 01:02] C → D
Status: failed
## [2026-04-11 01:03] C → D
Status: DONE
## [2026-04-11 01:04] E → F
Status: BLOCKED
## [2026-04-11 01:05] F → E
Status: ACK
";
    let b = board(text, "human");
    assert_eq!(ids(&b.needs_attention()), vec![1, 3, 5]);
    assert_eq!(ids(&b.inbox("human")), vec![1]);
}

#[test]
fn inbox_is_oldest_first_in_file_order_not_time_order() {
    let text = "\
## [2026-04-11 09:00] A → B
Task: later time, earlier in file
## [2026-04-11 01:00] C → B
Task: earlier time
";
    let b = board(text, "human");
    assert_eq!(ids(&b.inbox("B")), vec![1, 3]);
}

#[test]
fn snapshots_restore_the_same_rules() {
    let text = "\
## [2026-04-11 01:00] A → B
Task: first
## [2026-04-11 01:00] A → B
Task: second, same id
## [2026-04-11 01:01] C → B, D
Status: BLOCKED
";
    let b = board(text, "human");
    let mut restored = Board::restore(b.snapshot());
    let mut original = b.clone();
    let more = "\
## [2026-04-11 01:05] B → A
Status: ACK
Re: [2026-04-11 01:00] A → B
## [2026-04-11 01:06] D → C
Status: DONE
";
    for e in parse_str(more).entries {
        original.add(e.clone());
        restored.add(e);
    }
    assert_eq!(ids(&original.inbox("B")), ids(&restored.inbox("B")));
    assert_eq!(ids(&restored.inbox("B")), vec![1, 5]);
    assert_eq!(original.inbox_counts(), restored.inbox_counts());
    assert_eq!(
        ids(&original.needs_attention()),
        ids(&restored.needs_attention())
    );
}

// ----------------------------------------------------------------------------------------
// Rendering and the round trip

fn new_entry() -> NewEntry {
    NewEntry {
        time: t(1, 14, 5),
        from: "Orpheus".into(),
        to: vec!["Prometheus".into(), "Atlas".into()],
        status: Some("DONE".into()),
        task: Some("3 IG captions".into()),
        output: vec!["a.md".into(), "b, c.md".into()],
        notes: Some(
            "line one\nStatus: not a key\n## [2026-04-11 01:00] X → Y\n\n  indented \\\n\\back"
                .into(),
        ),
        re: Some("[2026-04-11 01:00] Prometheus → Orpheus".into()),
        extra: vec![],
    }
}

#[test]
fn renders_the_usual_entry_plainly() {
    let mut n = new_entry();
    n.output = vec!["a.md".into()];
    n.notes = Some("fine".into());
    assert_eq!(
        render(&n),
        "## [2026-04-11 01:14:05] Orpheus → Prometheus, Atlas\nStatus: DONE\nTask: 3 IG captions\nOutput: a.md\nNotes: fine\nRe: [2026-04-11 01:00] Prometheus → Orpheus\n"
    );
}

#[test]
fn escapes_what_would_break_the_format() {
    let n = new_entry();
    let text = render(&n);
    assert!(text.contains("\n\\Status: not a key\n"), "{text}");
    assert!(text.contains("\n\\## [2026-04-11 01:00] X → Y\n"), "{text}");
    assert!(text.contains("\n\\\n"), "{text}");
    assert!(text.contains("Output: \\b, c.md\n"), "{text}");
    let p = parse_str(&text);
    assert_eq!(p.entries.len(), 1, "{text}");
    assert_same(&p.entries[0], &n);
}

fn assert_same(e: &Entry, n: &NewEntry) {
    assert_eq!(e.id, n.id());
    assert_eq!(e.time, n.time);
    assert_eq!(e.from, n.from);
    assert_eq!(e.to, n.to);
    assert_eq!(e.status, n.status);
    assert_eq!(e.task, n.task);
    assert_eq!(e.output, n.output);
    assert_eq!(e.notes, n.notes);
    assert_eq!(e.re, n.re);
    assert_eq!(e.extra, n.extra);
}

#[test]
fn names_that_cannot_be_written_are_refused() {
    let mut n = new_entry();
    n.from = "A, B".into();
    assert!(n.problem().is_some());
    let mut n = new_entry();
    n.to = vec![];
    assert!(n.problem().is_some());
    let mut n = new_entry();
    n.extra = vec![("not a key".into(), "x".into())];
    assert!(n.problem().is_some());
    assert!(new_entry().problem().is_none());
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,12}"
}

fn text() -> impl Strategy<Value = String> {
    // Mostly awkward text: newlines, backslashes, white space, keys, headers.
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("\\".to_string()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        Just("\r".to_string()),
        Just(",".to_string()),
        Just("## [".to_string()),
        Just("Status: ".to_string()),
        Just("\u{a0}".to_string()),
        Just("→".to_string()),
        "[a-z:]{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

fn key() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_-]{0,8}".prop_filter("known keys are not extra", |k| {
        !["status", "task", "output", "notes", "re"].contains(&k.to_ascii_lowercase().as_str())
    })
}

prop_compose! {
    fn arb_new_entry()(
        secs in 0i64..4_000_000_000,
        from in name(),
        to in prop::collection::vec(name(), 1..4),
        status in prop::option::of(text()),
        task in prop::option::of(text()),
        output in prop::collection::vec(text(), 0..3),
        notes in prop::option::of(text()),
        re in prop::option::of(text()),
        extra in prop::collection::vec((key(), text()), 0..3),
    ) -> NewEntry {
        let time = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
        NewEntry { time, from, to, status, task, output, notes, re, extra }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn what_atlas_writes_reads_back(entries in prop::collection::vec(arb_new_entry(), 1..4)) {
        let mut text = String::from("preamble\n");
        for n in &entries {
            text.push('\n');
            text.push_str(&render(n));
        }
        let p = parse_str(&text);
        prop_assert!(p.malformed.is_empty(), "{:?}", p.malformed);
        prop_assert_eq!(p.entries.len(), entries.len());
        for (e, n) in p.entries.iter().zip(&entries) {
            prop_assert_eq!(&e.id, &n.id());
            prop_assert_eq!(e.time, n.time);
            prop_assert_eq!(&e.from, &n.from);
            prop_assert_eq!(&e.to, &n.to);
            prop_assert_eq!(&e.status, &n.status);
            prop_assert_eq!(&e.task, &n.task);
            prop_assert_eq!(&e.output, &n.output);
            prop_assert_eq!(&e.notes, &n.notes);
            prop_assert_eq!(&e.re, &n.re);
            prop_assert_eq!(&e.extra, &n.extra);
        }
        // And an entry as read renders back to itself.
        for e in &p.entries {
            let again = parse_str(&render(e));
            let mut e2 = again.entries[0].clone();
            e2.line = e.line;
            prop_assert_eq!(&e2, e);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(prop_oneof![
        any::<u8>(),
        Just(b'\n'),
        Just(b'\\'),
        Just(b':'),
        Just(b' '),
    ], 0..512), header in any::<bool>()) {
        let mut bytes = bytes;
        if header {
            let mut v = b"## [2026-04-11 01:14] A -> B\nStatus: ".to_vec();
            v.extend_from_slice(&bytes);
            bytes = v;
        }
        let p = parse::parse_bytes(&bytes);
        let mut b = Board::new("human");
        let mut lint = Lint::new(None);
        let _ = Reader::new(&bytes[..]).visit(|ev| {
            lint.event(&ev);
            if let Event::Entry(e) = ev {
                b.add_view(e);
            }
        });
        let _ = b.needs_attention();
        prop_assert_eq!(b.entries(), p.entries.len());
        // Whatever was read renders back to itself.
        for e in &p.entries {
            let again = parse_str(&render(e));
            prop_assert_eq!(again.entries.len(), 1);
            let mut got = again.entries[0].clone();
            got.line = e.line;
            prop_assert_eq!(&got, e);
        }
    }

    #[test]
    fn add_and_add_view_agree(steps in prop::collection::vec((0usize..4, 0usize..4, 0usize..8, 0usize..6, 0usize..3), 1..40)) {
        let names = ["A", "B", "C", "human"];
        let statuses = ["DONE", "BLOCKED", "ACK", "INFO", "FAILED", "REVISION", "APPROVED", "ODD"];
        let mut text = String::new();
        let mut ids: Vec<String> = Vec::new();
        for (i, (f, t, s, r, extra_to)) in steps.iter().enumerate() {
            let mut to = vec![names[*t]];
            if *extra_to > 0 { to.push(names[(*t + *extra_to) % 4]); }
            let id = format!("[2026-04-11 01:{:02}] {} → {}", i % 3, names[*f], to.join(", "));
            text.push_str(&format!("## {id}\nStatus: {}\n", statuses[*s]));
            if *r < ids.len() && *r < 4 {
                text.push_str(&format!("Re: {}\n", ids[ids.len() - 1 - *r]));
            }
            ids.push(id);
        }
        let mut owned = Board::new("human");
        for e in parse_str(&text).entries { owned.add(e); }
        let mut viewed = Board::new("human");
        Reader::new(text.as_bytes()).visit(|ev| if let Event::Entry(e) = ev { viewed.add_view(e) }).unwrap();
        let restored = Board::restore(viewed.snapshot());
        for b in [&viewed, &restored] {
            prop_assert_eq!(owned.inbox_counts(), b.inbox_counts());
            for n in names {
                prop_assert_eq!(owned.inbox(n), b.inbox(n));
                prop_assert_eq!(owned.inbox_len(n), b.inbox_len(n));
            }
            prop_assert_eq!(owned.needs_attention(), b.needs_attention());
            prop_assert_eq!(owned.attention_len(), b.attention_len());
        }
    }

    #[test]
    fn arbitrary_header_like_lines_never_panic(s in "## \\[[0-9: -]{0,22}\\][^\n]{0,30}\n[^\n]{0,20}") {
        let _ = parse_str(&s);
    }
}

#[test]
fn the_rules_fast_path_reads_what_the_full_reading_reads() {
    let text = "## [2026-04-11 01:00] A → B\nstatus: done\nRE: [2026-04-11 00:59] B → A\nNotes: x\nRe: [2026-04-11 00:58]  B -> A\n  continued\n\nSTATUS: blocked\nstray\nStatus:x\n";
    let mut checked = false;
    Reader::new(text.as_bytes())
        .warnings(false)
        .visit(|ev| {
            if let Event::Entry(e) = ev {
                let (status, re) = e.status_and_re();
                let owned = e.to_entry();
                assert_eq!(status.as_deref(), owned.status.as_deref());
                assert_eq!(re.as_deref(), owned.re.as_deref());
                assert_eq!(status.as_deref(), Some("blocked\nstray\nStatus:x"));
                assert_eq!(
                    re.as_deref(),
                    Some("[2026-04-11 00:58]  B -> A\n  continued")
                );
                checked = true;
            }
        })
        .unwrap();
    assert!(checked);
}
