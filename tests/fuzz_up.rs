//! Nothing atlas sends can crash or wedge tmux (DESIGN §4), driven with random input.
//!
//! - `atlas_up_with_random_configs_never_loses_the_server`: random team configs (1–3
//!   windows of 1–9 agents) — layouts
//!   (the five names, garbage that crashes tmux 3.3a, valid and broken layout strings),
//!   hostile session, window and agent names — each checked with `atlas check`, brought up
//!   with `atlas up` and taken down with `atlas down` on one private server that also runs a
//!   session of its own. After each: the server is the same process and still has that
//!   session. `check` and `up` agree on every config (a config `check` accepts starts; one
//!   it refuses never reaches tmux), and `down` leaves only the server's own session.
//! - `layout_strings_atlas_accepts_tmux_accepts`: random layout strings, well-formed and
//!   mutated, with their checksums fixed so tmux's parser reads them, given to tmux's
//!   `select-layout` on a window with a random number of panes: every one atlas accepts,
//!   tmux accepts too, and the server lives.
//!
//! Cases: `ATLAS_FUZZ_CASES` (default 150 configs, 600 layout strings), from the seed
//! `ATLAS_FUZZ_SEED` (default a fixed one, so a run repeats). Each test prints
//! its figures (configs tried, accepted, refused, servers lost, hostile names tried).

mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::Path;

use atlas::tmux_value::{self, LAYOUT_NAMES};
use common::{Server, output, stderr, stdout};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// The runner: `cases` cases from seed `ATLAS_FUZZ_SEED` (a number; default a fixed one, so
/// a run is repeatable).
fn runner(cases: u32) -> TestRunner {
    let seed: u64 = std::env::var("ATLAS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0a71a5);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn cases(default: u32) -> u32 {
    std::env::var("ATLAS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A tiny deterministic generator for layout trees (the seed comes from proptest).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A well-formed layout body (without checksum) of a `w`×`h` cell: a pane, or a split into
/// 2–3 cells, left-right or top-bottom, nested up to `depth`. Returns (body, panes).
fn layout_body(rng: &mut Rng, w: u32, h: u32, x: u32, y: u32, depth: u32) -> (String, usize) {
    let id = if rng.below(2) == 0 {
        format!(",{}", rng.below(100))
    } else {
        String::new()
    };
    let head = format!("{w}x{h},{x},{y}");
    let lr = rng.below(2) == 0;
    let along = if lr { w } else { h };
    let k = 2 + rng.below(2) as u32;
    if depth == 0 || rng.below(3) == 0 || along < 2 * k + 1 {
        return (format!("{head}{id}"), 1);
    }
    // k cells along the split, one column/row between each.
    let mut sizes = Vec::new();
    let mut left = along - (k - 1);
    for i in 0..k {
        let s = if i == k - 1 {
            left
        } else {
            1 + rng.below(u64::from(left - (k - 1 - i))) as u32
        };
        sizes.push(s);
        left -= s;
    }
    let mut parts = Vec::new();
    let mut panes = 0;
    let mut off = 0;
    for s in sizes {
        let (cw, ch, cx, cy) = if lr {
            (s, h, x + off, y)
        } else {
            (w, s, x, y + off)
        };
        let (b, n) = layout_body(rng, cw, ch, cx, cy, depth - 1);
        parts.push(b);
        panes += n;
        off += s + 1;
    }
    let (open, close) = if lr { ('{', '}') } else { ('[', ']') };
    (format!("{head}{open}{}{close}", parts.join(",")), panes)
}

/// A random layout string: well-formed, or mutated (a character changed, dropped or
/// added, a size off by one), with its checksum recomputed unless `keep_bad_sum`.
fn layout_string(seed: u64, mutate: u8, keep_bad_sum: bool) -> (String, usize) {
    let mut rng = Rng(seed | 1);
    let big = rng.below(20) == 0;
    let (w, h) = if big {
        (1 + rng.below(10_500) as u32, 1 + rng.below(10_500) as u32)
    } else {
        (1 + rng.below(240) as u32, 1 + rng.below(70) as u32)
    };
    let (mut body, panes) = layout_body(&mut rng, w, h, 0, 0, 3);
    if mutate > 0 && !body.is_empty() {
        let at = rng.below(body.len() as u64) as usize;
        let chars = b"0123456789x,{}[]";
        let c = char::from(chars[rng.below(chars.len() as u64) as usize]);
        match mutate % 4 {
            0 => body.replace_range(at..=at, &c.to_string()),
            1 => {
                body.remove(at);
            }
            2 => body.insert(at, c),
            _ => {
                // A size off by one.
                if let Some(p) = body[at..].find(|c: char| c.is_ascii_digit()) {
                    let i = at + p;
                    let d = body.as_bytes()[i];
                    let n = if d == b'9' { b'8' } else { d + 1 };
                    body.replace_range(i..=i, &char::from(n).to_string());
                }
            }
        }
    }
    let s = tmux_value::with_checksum(&body);
    if keep_bad_sum {
        let mut s = s;
        s.replace_range(0..4, "beef");
        return (s, panes);
    }
    (s, panes)
}

/// Session names that have bitten, or could bite, tmux or atlas.
const HOSTILE_SESSIONS: &[&str] = &[
    "",
    " ",
    "a.b",
    "a:b",
    "-x",
    "=x",
    "$1",
    "@1",
    "%1",
    "~x",
    "{last}",
    "!",
    "a#{pid}",
    "#(touch /tmp/atlas-fuzz-pwned)",
    "semi;",
    ";",
    "a;b",
    "a\\;",
    "q\"uote",
    "it's",
    "\\",
    "tab\tx",
    "new\nline",
    "ünï ✓",
    "*",
    "?",
    "[a]",
    "a b",
    "..",
    "0",
    "1",
    "#",
    "##",
    "%%",
    "%",
    "\u{200b}",
    "\u{7f}",
    "--",
    "--help",
    "a,b}c",
    "#[fg=red]x",
    "$(id)",
    "`id`",
    "a\u{0}b",
];

const VALID_NAMES: &[&str] = &["w", "main", "a-b", "_x", "W9", "crew", "x_y-z", "0a"];

const HOSTILE_NAMES: &[&str] = &[
    "-x",
    "--help",
    "a.b",
    "",
    "a b",
    "#x",
    "x:y",
    "ünï",
    "abcdefghijabcdefghijabcdefghijabc",
    "%1",
    "a;",
    "$x",
    "{x}",
    "0",
    "12",
];

const GARBAGE_LAYOUTS: &[&str] = &[
    "grid",
    "main",
    "even",
    "t",
    "",
    "tiled ",
    "Tiled",
    "main_vertical",
    "zzzz,1x1,0,0",
    "ab",
    "0000,",
    "ffff,10x10,0,0",
    "#{pid}",
    "1234",
];

#[derive(Debug, Clone)]
enum LayoutPick {
    Name(usize),
    Garbage(usize),
    Random(String),
    Custom { seed: u64, extra: u8, mutate: u8 },
    Default,
}

#[derive(Debug, Clone)]
struct WindowSpec {
    name: String,
    layout: LayoutPick,
    agents: Vec<String>,
}

#[derive(Debug, Clone)]
struct TeamSpec {
    session: String,
    windows: Vec<WindowSpec>,
}

fn session_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..HOSTILE_SESSIONS.len()).prop_map(|i| HOSTILE_SESSIONS[i].to_string()),
        1 => "[ -~üé✓\\t]{0,24}",
        5 => "[a-z]{1,8}",
        1 => (1usize..300).prop_map(|n| "L".repeat(n)),
    ]
    .prop_filter("not the server's own session", |s| s != "sentinel")
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        10 => (0..VALID_NAMES.len()).prop_map(|i| VALID_NAMES[i].to_string()),
        5 => "[A-Za-z][A-Za-z0-9_-]{0,10}",
        1 => (0..HOSTILE_NAMES.len()).prop_map(|i| HOSTILE_NAMES[i].to_string()),
    ]
}

fn layout() -> impl Strategy<Value = LayoutPick> {
    // `extra`: 1 = a cell per agent, 2 = one cell more, 0 = one too few.
    let extra = prop_oneof![4 => Just(1u8), 2 => Just(2u8), 1 => Just(0u8)];
    let mutate = prop_oneof![4 => Just(0u8), 1 => 1u8..5];
    prop_oneof![
        6 => (0..LAYOUT_NAMES.len()).prop_map(LayoutPick::Name),
        2 => (0..GARBAGE_LAYOUTS.len()).prop_map(LayoutPick::Garbage),
        1 => "[a-z0-9,x{}\\[\\]-]{0,20}".prop_map(LayoutPick::Random),
        6 => (any::<u64>(), extra, mutate)
            .prop_map(|(seed, extra, mutate)| LayoutPick::Custom { seed, extra, mutate }),
        2 => Just(LayoutPick::Default),
    ]
}

fn team_spec() -> impl Strategy<Value = TeamSpec> {
    let agents = prop_oneof![
        4 => prop::collection::vec(name(), 1..4),
        1 => prop::collection::vec(name(), 4..10),
    ];
    let window = (name(), layout(), agents).prop_map(|(name, layout, agents)| WindowSpec {
        name,
        layout,
        agents,
    });
    (session_name(), prop::collection::vec(window, 1..4)).prop_map(|(session, mut windows)| {
        // Names from the pools repeat; a repeat is a config error of its own (tested
        // elsewhere), so valid names are made unique, as a real team's are.
        fn unique(seen: &mut BTreeSet<String>, n: &mut String) {
            if !hostile(n) {
                let base = n.clone();
                let mut k = 1;
                while !seen.insert(n.clone()) {
                    k += 1;
                    *n = format!("{base}{k}");
                }
            }
        }
        let mut seen = BTreeSet::new();
        for w in &mut windows {
            unique(&mut seen, &mut w.name);
        }
        let mut seen = BTreeSet::new();
        for w in &mut windows {
            for a in &mut w.agents {
                unique(&mut seen, a);
            }
        }
        TeamSpec { session, windows }
    })
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The config text, and the layout values used (for the report of a failure).
fn config_text(spec: &TeamSpec) -> String {
    let mut t = format!(
        "[team]\nsession = {}\n[defaults]\ncommand = \"cat\"\npreset = \"shell\"\n[supervisor]\nenabled = false\n",
        toml_str(&spec.session)
    );
    for w in &spec.windows {
        t.push_str(&format!("\n[[windows]]\nname = {}\n", toml_str(&w.name)));
        let layout = match &w.layout {
            LayoutPick::Name(i) => Some(LAYOUT_NAMES[*i].to_string()),
            LayoutPick::Garbage(i) => Some(GARBAGE_LAYOUTS[*i].to_string()),
            LayoutPick::Random(s) => Some(s.clone()),
            LayoutPick::Custom {
                seed,
                extra,
                mutate,
            } => {
                // A layout with room for the window's agents, more or less.
                let mut found = None;
                for k in 0..200u64 {
                    let (s, panes) = layout_string(seed.wrapping_add(k), *mutate, false);
                    let want = w.agents.len() + usize::from(*extra) - 1;
                    if panes == want.max(1) || k == 199 {
                        found = Some(s);
                        break;
                    }
                }
                found
            }
            LayoutPick::Default => None,
        };
        if let Some(l) = layout {
            t.push_str(&format!("layout = {}\n", toml_str(&l)));
        }
        let agents: Vec<String> = w
            .agents
            .iter()
            .map(|a| format!("{{ name = {} }}", toml_str(a)))
            .collect();
        t.push_str(&format!("agents = [{}]\n", agents.join(", ")));
    }
    t
}

/// Whether tmux 3.3a's server crashes on `select-layout VALUE`: not a layout name (nor a
/// unique prefix of one), and not read by its `sscanf("%hx,")` (the error path that then
/// crashes).
fn crashes_tmux_3_3a(value: &str) -> bool {
    let prefixed = LAYOUT_NAMES.iter().filter(|n| n.starts_with(value)).count();
    if LAYOUT_NAMES.contains(&value) || (!value.is_empty() && prefixed == 1) {
        return false;
    }
    let v = value.trim_start().trim_start_matches(['+', '-']);
    !v.starts_with(|c: char| c.is_ascii_hexdigit())
}

/// Whether a name is hostile: anything beyond letters, digits, `_` and `-`, a leading
/// `-`, all digits, empty or long.
fn hostile(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_digit())
        || name.len() > 32
        || name.starts_with('-')
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

struct Alive {
    pid: u32,
}

fn start_sentinel(server: &Server) -> Alive {
    server.run(&[
        "new-session",
        "-d",
        "-s",
        "sentinel",
        "-x",
        "120",
        "-y",
        "40",
    ]);
    Alive {
        pid: server.pid().expect("server pid"),
    }
}

/// The server is the same process and its own session is still there.
fn alive(server: &Server, a: &Alive) -> bool {
    server.pid() == Some(a.pid)
        && server
            .try_run(&["has-session", "-t", "=sentinel"])
            .is_some()
}

#[test]
fn atlas_up_with_random_configs_never_loses_the_server() {
    let server = Server::new();
    let dir = tempfile::tempdir().unwrap();
    let pwned = Path::new("/tmp/atlas-fuzz-pwned");
    let _ = std::fs::remove_file(pwned);
    let sentinel = RefCell::new(start_sentinel(&server));
    let (tried, accepted, lost) = (Cell::new(0u32), Cell::new(0u32), Cell::new(0u32));
    let deadly_configs = Cell::new(0u32);
    let hostile_sessions: RefCell<BTreeSet<String>> = RefCell::default();
    let hostile_windows: RefCell<BTreeSet<String>> = RefCell::default();
    let hostile_agents: RefCell<BTreeSet<String>> = RefCell::default();
    let hostile_started: RefCell<BTreeSet<String>> = RefCell::default();
    let mut runner = runner(cases(150));
    let result = runner.run(&team_spec(), |spec| {
        tried.set(tried.get() + 1);
        if hostile(&spec.session) {
            hostile_sessions.borrow_mut().insert(spec.session.clone());
        }
        for w in &spec.windows {
            if hostile(&w.name) {
                hostile_windows.borrow_mut().insert(w.name.clone());
            }
            for a in &w.agents {
                if hostile(a) {
                    hostile_agents.borrow_mut().insert(a.clone());
                }
            }
        }
        let text = config_text(&spec);
        let deadly = text.lines().any(|l| {
            l.strip_prefix("layout = ")
                .and_then(|v| toml::from_str::<toml::Value>(&format!("v = {v}")).ok())
                .and_then(|t| t.get("v").and_then(|v| v.as_str().map(crashes_tmux_3_3a)))
                .unwrap_or(false)
        });
        deadly_configs.set(deadly_configs.get() + u32::from(deadly));
        std::fs::write(dir.path().join("atlas.toml"), &text).unwrap();
        let check = output(server.atlas(dir.path()).arg("check"));
        let up = output(server.atlas(dir.path()).arg("up"));
        let mut problem = None;
        if !alive(&server, &sentinel.borrow()) {
            lost.set(lost.get() + 1);
            problem = Some("the tmux server was lost".to_string());
            let _ = server.try_run(&["kill-server"]);
            *sentinel.borrow_mut() = start_sentinel(&server);
        } else {
            match (check.status.code(), up.status.code()) {
                (Some(0), Some(0)) => {
                    accepted.set(accepted.get() + 1);
                    if hostile(&spec.session) {
                        hostile_started.borrow_mut().insert(spec.session.clone());
                    }
                    let windows = server
                        .try_run(&[
                            "list-windows",
                            "-t",
                            &format!("={}:", spec.session),
                            "-F",
                            "#{window_name}",
                        ])
                        .unwrap_or_default();
                    if windows.lines().count() != spec.windows.len() {
                        problem = Some(format!("windows made: {windows:?}"));
                    }
                    let down = output(server.atlas(dir.path()).arg("down"));
                    let sessions = server
                        .try_run(&["list-sessions", "-F", "#{session_name}"])
                        .unwrap_or_default();
                    if !down.status.success() || sessions.trim() != "sentinel" {
                        problem = Some(format!(
                            "down: {} {}; sessions left: {sessions:?}",
                            stdout(&down),
                            stderr(&down)
                        ));
                    }
                }
                (Some(2), Some(2)) => {
                    let e = stderr(&up);
                    if !e.contains("atlas.toml:") {
                        problem = Some(format!("a refusal without file:line:col: {e}"));
                    }
                }
                (c, u) => {
                    problem = Some(format!(
                        "check exit {c:?} ({}{}) but up exit {u:?} ({})",
                        stdout(&check),
                        stderr(&check),
                        stderr(&up)
                    ));
                }
            }
        }
        if pwned.exists() {
            problem = Some("a name ran a command".into());
        }
        // Whatever happened, leave only the server's own session.
        let sessions = server
            .try_run(&["list-sessions", "-F", "#{session_id} #{session_name}"])
            .unwrap_or_default();
        for l in sessions.lines() {
            if let Some((id, name)) = l.split_once(' ') {
                if name != "sentinel" {
                    let _ = server.try_run(&["kill-session", "-t", id]);
                }
            }
        }
        match problem {
            Some(p) => Err(TestCaseError::fail(format!("{p}\nconfig:\n{text}"))),
            None => Ok(()),
        }
    });
    let (tried, accepted, lost) = (tried.get(), accepted.get(), lost.get());
    eprintln!(
        "fuzz up: {tried} configs tried, {accepted} started, {} refused ({} with a layout that \
         crashes tmux 3.3a), {lost} servers lost; hostile names tried: {} session ({} of them \
         started and stopped), {} window, {} agent",
        tried - accepted - lost,
        deadly_configs.get(),
        hostile_sessions.borrow().len(),
        hostile_started.borrow().len(),
        hostile_windows.borrow().len(),
        hostile_agents.borrow().len(),
    );
    assert_eq!(lost, 0, "servers lost");
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn layout_strings_atlas_accepts_tmux_accepts() {
    let server = Server::new();
    let sentinel = start_sentinel(&server);
    // Windows of 1 to 4 panes to lay out.
    let mut windows = Vec::new();
    for n in 1..=4 {
        let id = server
            .run(&[
                "new-window",
                "-d",
                "-t",
                "=sentinel:",
                "-P",
                "-F",
                "#{window_id}",
            ])
            .trim()
            .to_string();
        for _ in 1..n {
            server.run(&["split-window", "-d", "-t", &id]);
            server.run(&["select-layout", "-t", &id, "tiled"]);
        }
        windows.push(id);
    }
    let (tried, ours, theirs, stricter) = (
        Cell::new(0u32),
        Cell::new(0u32),
        Cell::new(0u32),
        Cell::new(0u32),
    );
    let mut runner = runner(cases(150) * 4);
    let strategy = (any::<u64>(), 0u8..6, 1usize..=4, prop::bool::weighted(0.1));
    let result = runner.run(&strategy, |(seed, mutate, panes, bad_sum)| {
        tried.set(tried.get() + 1);
        let (layout, _) = layout_string(seed, mutate.saturating_sub(1), bad_sum);
        let atlas_ok = tmux_value::check_layout(&layout, panes).is_ok();
        let window = &windows[panes - 1];
        let tmux_ok = server
            .try_run(&["select-layout", "-t", window, &layout])
            .is_some();
        if !alive(&server, &sentinel) {
            return Err(TestCaseError::fail(format!(
                "the server was lost on {layout}"
            )));
        }
        ours.set(ours.get() + u32::from(atlas_ok));
        theirs.set(theirs.get() + u32::from(tmux_ok));
        stricter.set(stricter.get() + u32::from(tmux_ok && !atlas_ok));
        if tmux_ok && !atlas_ok && std::env::var_os("ATLAS_FUZZ_SHOW").is_some() {
            eprintln!(
                "stricter: {layout} ({panes} panes): {}",
                tmux_value::check_layout(&layout, panes).unwrap_err()
            );
        }
        if atlas_ok && !tmux_ok {
            return Err(TestCaseError::fail(format!(
                "atlas accepts {layout} for {panes} panes, tmux refuses it"
            )));
        }
        Ok(())
    });
    let (tried, ours, theirs, stricter) = (tried.get(), ours.get(), theirs.get(), stricter.get());
    eprintln!(
        "fuzz layouts: {tried} layout strings tried; atlas accepted {ours}, tmux {theirs}; \
         {stricter} tmux takes but atlas refuses (sizes beyond tmux's limits, 0-wide cells, \
         errors inside cells tmux would close); servers lost: 0"
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// One agent whose tmux command cannot fit in one tmux message (a 20,000-byte `env` value)
/// is refused before anything starts; a team of long names and paths that fits only in
/// several messages starts.
#[test]
fn a_command_too_big_for_tmux_is_refused_and_a_big_batch_is_split() {
    let server = Server::new();
    let sentinel = start_sentinel(&server);
    let dir = tempfile::tempdir().unwrap();
    let team = |env: &str, agents: usize| {
        let names: Vec<String> = (0..agents)
            .map(|i| format!("{{ name = \"agent-with-a-long-name-{i:02}\" }}"))
            .collect();
        std::fs::write(
            dir.path().join("atlas.toml"),
            format!(
                "[team]\nsession = \"{}\"\n[defaults]\ncommand = \"cat\"\npreset = \"shell\"\nenv = {{ BIG = \"{env}\" }}\n\
                 [supervisor]\nenabled = false\n[[windows]]\nname = \"w\"\nlayout = \"tiled\"\nagents = [{}]\n",
                "S".repeat(200),
                names.join(", ")
            ),
        )
        .unwrap();
    };
    team(&"x".repeat(20_000), 2);
    let o = output(server.atlas(dir.path()).arg("up"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than tmux takes in one message"),
        "{}",
        stderr(&o)
    );
    assert!(alive(&server, &sentinel));
    let sessions = server.run(&["list-sessions", "-F", "#{session_name}"]);
    assert_eq!(sessions.trim(), "sentinel");
    // 12 agents, each command with a 1,000-byte value: about 25 KiB in all.
    team(&"y".repeat(1000), 12);
    let o = output(server.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let panes = server.run(&[
        "list-panes",
        "-s",
        "-t",
        &format!("={}:", "S".repeat(200)),
        "-F",
        "#{@atlas_agent}",
    ]);
    assert_eq!(
        panes.lines().filter(|l| !l.is_empty()).count(),
        12,
        "{panes}"
    );
    assert!(alive(&server, &sentinel));
}
