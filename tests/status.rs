//! `atlas status` and its incremental cache: appends are read incrementally, and a file
//! rewritten, truncated or replaced is read afresh; the segment never runs agents' text;
//! agents down and waiting come from one `list-panes` on a private tmux server.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use atlas::coord::cache::{self, Outcome};
use atlas::coord::{self, Board, NewEntry};
use common::{Server, output, stderr, stdout, wait_for};

fn entry(i: usize, from: &str, to: &str, status: &str, re: Option<String>) -> NewEntry {
    let time = chrono::NaiveDate::from_ymd_opt(2026, 4, 11)
        .unwrap()
        .and_hms_opt(1, 0, 0)
        .unwrap()
        + chrono::Duration::seconds(i as i64);
    NewEntry {
        time,
        from: from.into(),
        to: vec![to.into()],
        status: Some(status.into()),
        task: Some(format!("task {i}")),
        output: vec![],
        notes: Some(format!("notes for {i}\nsecond line")),
        re,
        extra: vec![],
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    file: PathBuf,
    cache: PathBuf,
}

impl Fixture {
    /// A coordination file with `n` entries: a chain of handoffs between A, B and C,
    /// some to the operator, some BLOCKED.
    fn new(n: usize) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("coordination.md");
        let cache = dir.path().join("logs").join(".status-cache.json");
        let f = Fixture {
            _dir: dir,
            file,
            cache,
        };
        for i in 0..n {
            f.append(i);
        }
        f
    }

    fn append(&self, i: usize) {
        let names = ["A", "B", "C", "human"];
        let status = ["DONE", "BLOCKED", "REVISION", "ACK", "DONE"][i % 5];
        coord::append(
            &self.file,
            &entry(i, names[i % 3], names[(i * 7 + 1) % 4], status, None),
        )
        .unwrap();
    }

    fn read(&self) -> (Board, Outcome) {
        cache::board(&self.file, &self.cache, "human").unwrap()
    }

    /// The board read in full, without any cache.
    fn full(&self) -> Board {
        let text = std::fs::read_to_string(&self.file).unwrap_or_default();
        let mut b = Board::new("human");
        for e in coord::parse_str(&text).entries {
            b.add(e);
        }
        b
    }

    fn assert_agrees(&self, b: &Board) {
        let full = self.full();
        assert_eq!(b.inbox_counts(), full.inbox_counts());
        let lines = |v: Vec<&coord::Entry>| v.iter().map(|e| e.line).collect::<Vec<_>>();
        assert_eq!(lines(b.needs_attention()), lines(full.needs_attention()));
        assert_eq!(lines(b.inbox("human")), lines(full.inbox("human")));
    }
}

fn is_fresh(o: &Outcome, why: &str) -> bool {
    matches!(o, Outcome::Fresh(r) if r.contains(why))
}

#[test]
fn cold_then_incremental_after_appends() {
    let f = Fixture::new(60);
    let (b, o) = f.read();
    assert!(is_fresh(&o, "no cache"), "{o:?}");
    f.assert_agrees(&b);
    let len = std::fs::metadata(&f.file).unwrap().len();
    for i in 60..70 {
        f.append(i);
        let (b, o) = f.read();
        match o {
            Outcome::Resumed { offset } => assert!(offset > len / 2, "{offset}"),
            other => panic!("expected an incremental read, got {other:?}"),
        }
        f.assert_agrees(&b);
    }
    // Nothing appended: still incremental, same answer.
    let (b, o) = f.read();
    assert!(matches!(o, Outcome::Resumed { .. }), "{o:?}");
    f.assert_agrees(&b);
}

#[test]
fn an_appended_reply_answers_cached_entries() {
    let f = Fixture::new(0);
    coord::append(&f.file, &entry(0, "A", "human", "BLOCKED", None)).unwrap();
    coord::append(&f.file, &entry(1, "B", "C", "DONE", None)).unwrap();
    let (b, _) = f.read();
    assert_eq!(b.inbox("human").len(), 1);
    assert_eq!(b.needs_attention().len(), 1);
    // A reply from the operator by Re:, then C answers B without Re:.
    let id = entry(0, "A", "human", "BLOCKED", None).id();
    coord::append(&f.file, &entry(2, "human", "A", "ACK", Some(id))).unwrap();
    coord::append(&f.file, &entry(3, "C", "B", "ACK", None)).unwrap();
    let (b, o) = f.read();
    assert!(matches!(o, Outcome::Resumed { .. }), "{o:?}");
    assert_eq!(b.inbox_total(), 0);
    f.assert_agrees(&b);
}

#[test]
fn a_continued_last_entry_is_read_again() {
    let f = Fixture::new(3);
    let _ = f.read();
    // Someone adds a line to the last entry by hand.
    let mut file = OpenOptions::new().append(true).open(&f.file).unwrap();
    file.write_all(b"Status: BLOCKED\n").unwrap();
    drop(file);
    let (b, o) = f.read();
    assert!(matches!(o, Outcome::Resumed { .. }), "{o:?}");
    f.assert_agrees(&b);
    assert_eq!(
        b.needs_attention().last().unwrap().line,
        f.full().needs_attention().last().unwrap().line
    );
}

#[test]
fn a_truncated_file_is_read_afresh() {
    let f = Fixture::new(40);
    let _ = f.read();
    let text = std::fs::read_to_string(&f.file).unwrap();
    let cut = text.match_indices("\n## [").nth(10).unwrap().0 + 1;
    // Truncate in place (same inode).
    let file = OpenOptions::new().write(true).open(&f.file).unwrap();
    file.set_len(cut as u64).unwrap();
    drop(file);
    let (b, o) = f.read();
    assert!(is_fresh(&o, "truncated"), "{o:?}");
    f.assert_agrees(&b);
    // Truncated, then appended past the old offset again: still noticed.
    let _ = f.read();
    let file = OpenOptions::new().write(true).open(&f.file).unwrap();
    file.set_len(0).unwrap();
    drop(file);
    for i in 100..160 {
        f.append(i);
    }
    let (b, o) = f.read();
    assert!(matches!(o, Outcome::Fresh(_)), "{o:?}");
    f.assert_agrees(&b);
}

#[test]
fn a_replaced_file_is_read_afresh() {
    let f = Fixture::new(30);
    let _ = f.read();
    // An editor's save: a new file renamed over the old one, same text plus an edit.
    let text =
        std::fs::read_to_string(&f.file)
            .unwrap()
            .replacen("Status: BLOCKED", "Status: INFO", 1);
    let tmp = f.file.with_extension("swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &f.file).unwrap();
    let (b, o) = f.read();
    assert!(is_fresh(&o, "replaced"), "{o:?}");
    f.assert_agrees(&b);
}

#[test]
fn a_file_rewritten_in_place_is_read_afresh() {
    // Near the start (inside the hashed head), same length, with an append after it.
    let f = Fixture::new(30);
    let _ = f.read();
    let text = std::fs::read_to_string(&f.file).unwrap();
    let edited = text.replacen("Status: DONE", "Status: INFO", 1);
    assert_eq!(edited.len(), text.len());
    let mut file = OpenOptions::new().write(true).open(&f.file).unwrap();
    file.write_all(edited.as_bytes()).unwrap();
    drop(file);
    f.append(30);
    let (b, o) = f.read();
    assert!(is_fresh(&o, "rewritten"), "{o:?}");
    f.assert_agrees(&b);

    // In the middle of a big file (outside both hashed windows), same length, no append:
    // the new modification time gives it away.
    let f = Fixture::new(300);
    let _ = f.read();
    let text = std::fs::read_to_string(&f.file).unwrap();
    let mid = text.len() / 2;
    let at = mid + text[mid..].find("Status: DONE").unwrap();
    let mut edited = text.clone();
    edited.replace_range(at..at + 12, "Status: INFO");
    let mut file = OpenOptions::new().write(true).open(&f.file).unwrap();
    file.write_all(edited.as_bytes()).unwrap();
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    drop(file);
    let (b, o) = f.read();
    assert!(is_fresh(&o, "rewritten"), "{o:?}");
    f.assert_agrees(&b);
}

#[test]
fn a_missing_file_is_empty_and_a_broken_cache_is_ignored() {
    let f = Fixture::new(0);
    let (b, o) = f.read();
    assert_eq!(o, Outcome::Missing);
    assert_eq!(b.inbox_total(), 0);
    for i in 0..5 {
        f.append(i);
    }
    std::fs::create_dir_all(f.cache.parent().unwrap()).unwrap();
    std::fs::write(&f.cache, "{not json").unwrap();
    let (b, o) = f.read();
    assert!(is_fresh(&o, "no cache"), "{o:?}");
    f.assert_agrees(&b);
    let (_, o) = cache::board(&f.file, &f.cache, "someone-else").unwrap();
    assert!(is_fresh(&o, "operator"), "{o:?}");
}

// ----------------------------------------------------------------------------------------
// The command.

fn team(dir: &Path, session: &str) {
    std::fs::write(
        dir.join("atlas.toml"),
        format!(
            "[team]\nsession = \"{session}\"\n[defaults]\ncommand = \"sleep 1000\"\n[supervisor]\nenabled = false\n[[windows]]\nname = \"w\"\nagents = [{{ name = \"A\" }}, {{ name = \"B\" }}, {{ name = \"C\" }}]\n"
        ),
    )
    .unwrap();
}

fn status(server: &Server, dir: &Path, format: &str) -> String {
    let o = output(server.atlas(dir).args(["status", "--format", format]));
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim_end_matches('\n').to_string()
}

fn handoff(server: &Server, dir: &Path, args: &[&str]) {
    let o = output(server.atlas(dir).arg("handoff").args(args));
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn status_counts_and_never_runs_agent_text() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), "st");
    // No file yet, no tmux server: not an error; the team is not running, so its three
    // agents are down, and the segment says so.
    assert_eq!(
        status(
            &server,
            dir.path(),
            "{inbox} {attention} {operator} {down} {waiting}"
        ),
        "0 0 0 3 0 · not running"
    );
    let marker = dir.path().join("pwned");
    let task = format!("#(touch {})", marker.display());
    handoff(
        &server,
        dir.path(),
        &[
            "--from", "A", "--to", "human", "--status", "DONE", "--task", &task,
        ],
    );
    handoff(
        &server,
        dir.path(),
        &[
            "--from", "B", "--to", "C", "--status", "BLOCKED", "--task", "stuck",
        ],
    );
    assert_eq!(
        status(&server, dir.path(), "{inbox}/{attention}/{operator}"),
        "2/2/1"
    );
    assert!(dir.path().join("logs/.status-cache.json").exists());
    handoff(
        &server,
        dir.path(),
        &[
            "--from", "C", "--to", "B", "--status", "ACK", "--task", "on it",
        ],
    );
    assert_eq!(
        status(&server, dir.path(), "{inbox}/{attention}/{operator}"),
        "1/1/1"
    );
    // The format's own text is escaped too: nothing runs, whatever it says.
    assert_eq!(
        status(&server, dir.path(), "#(touch x) {inbox}"),
        "##(touch x) 1"
    );
    assert!(!marker.exists());
    // The default format works without a server.
    let line = status(&server, dir.path(), atlas::status::DEFAULT_FORMAT);
    assert!(line.contains('1'), "{line}");
}

#[test]
fn status_counts_agents_down_and_waiting() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    team(dir.path(), "st2");
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "up failed: {}", stderr(&o));
    let a = wait_for(Duration::from_secs(10), "pane of A", || {
        server.agent_pane("A")
    });
    let b = wait_for(Duration::from_secs(10), "pane of B", || {
        server.agent_pane("B")
    });
    wait_for(Duration::from_secs(10), "all running", || {
        (status(&server, dir.path(), "{down} {waiting}") == "0 0").then_some(())
    });
    server.run(&["set-option", "-p", "-t", &b, "@atlas_state", "waiting"]);
    server.run(&["kill-pane", "-t", &a]);
    wait_for(Duration::from_secs(10), "A down, B waiting", || {
        (status(&server, dir.path(), "{down} {waiting}") == "1 1").then_some(())
    });
    let c = wait_for(Duration::from_secs(10), "pane of C", || {
        server.agent_pane("C")
    });
    server.run(&["set-option", "-p", "-t", &c, "@atlas_state", "failed"]);
    assert_eq!(status(&server, dir.path(), "{down} {waiting}"), "2 1");
}

/// After `atlas down` the team is down, whatever the supervisor last wrote: every agent
/// counts in `↓`, and the segment says the team is not running.
#[test]
fn status_after_down_shows_every_agent_down() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("atlas.toml"),
        "[team]\nsession = \"st3\"\n[defaults]\ncommand = \"sleep 1000\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }, { name = \"B\" }, { name = \"C\" }]\n",
    )
    .unwrap();
    // A second session keeps the server up after the team's is gone.
    server.run(&["new-session", "-d", "-s", "other", "-x", "80", "-y", "24"]);
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "up failed: {}", stderr(&o));
    // The supervisor keeps its counts file.
    let counts = dir.path().join("logs/.supervisor-counts");
    wait_for(Duration::from_secs(10), "the supervisor's counts", || {
        counts.exists().then_some(())
    });
    wait_for(Duration::from_secs(10), "all running", || {
        (status(&server, dir.path(), atlas::status::DEFAULT_FORMAT) == "✉ 0 ⚑ 0 ↓ 0 ? 0")
            .then_some(())
    });
    let o = output(server.atlas(dir.path()).arg("down"));
    assert!(o.status.success(), "down failed: {}", stderr(&o));
    assert_eq!(
        status(&server, dir.path(), atlas::status::DEFAULT_FORMAT),
        "✉ 0 ⚑ 0 ↓ 3 ? 0 · not running"
    );
    // A counts file a supervisor left behind, with a pid that is alive but is not that
    // supervisor (this test's own), is not believed either.
    std::fs::write(&counts, format!("{}:1 0 0\n", std::process::id())).unwrap();
    assert_eq!(status(&server, dir.path(), "{down}"), "3 · not running");
    // No server at all.
    server.run(&["kill-server"]);
    assert_eq!(
        status(&server, dir.path(), atlas::status::DEFAULT_FORMAT),
        "✉ 0 ⚑ 0 ↓ 3 ? 0 · not running"
    );
}
