//! Ending an agent's whole process tree (DESIGN §4: stopping or restarting an agent ends the
//! pane's whole process tree, SIGKILL after a grace period for programs that ignore
//! SIGTERM).
//!
//! tmux starts a pane's program as the leader of a new session (`forkpty`), so everything the
//! program starts — its children, their children, a wrapper's real program — carries the
//! pane process's id as its session id, even after the leader has died and they were handed
//! to init. [`tree`] finds them all from `/proc` (by parentage, process group and session);
//! [`terminate`] sends SIGTERM and SIGHUP, waits, and sends SIGKILL to what is left. Only a
//! program that starts a new session of its own on purpose (a daemon) escapes; the presets
//! of programs known to do that start them so they do not (docs/STATES-AND-DELIVERY.md).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// How long a program has to exit after SIGTERM before SIGKILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// One process as `/proc/PID/stat` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proc {
    /// Its id.
    pub pid: u32,
    /// Its parent's.
    pub ppid: u32,
    /// Its process group.
    pub pgrp: u32,
    /// Its session.
    pub session: u32,
}

/// Parse `/proc/PID/stat` (the command name may hold spaces and parentheses).
pub fn parse_stat(text: &str) -> Option<Proc> {
    let pid = text.split_whitespace().next()?.parse().ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let _state = f.next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgrp = f.next()?.parse().ok()?;
    let session = f.next()?.parse().ok()?;
    Some(Proc {
        pid,
        ppid,
        pgrp,
        session,
    })
}

/// Every process of the machine (empty where there is no `/proc`).
pub fn all() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|t| parse_stat(&t))
        .collect()
}

/// The processes of the trees rooted at `roots` (pure): the roots that exist, their
/// descendants, and every process in a process group or session a root leads (alive or not).
pub fn tree_of(procs: &[Proc], roots: &[u32]) -> BTreeSet<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for p in procs {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut out = BTreeSet::new();
    let mut stack: Vec<u32> = Vec::new();
    for p in procs {
        if roots.contains(&p.pid) || roots.contains(&p.session) || roots.contains(&p.pgrp) {
            stack.push(p.pid);
        }
    }
    while let Some(pid) = stack.pop() {
        if pid <= 1 || !out.insert(pid) {
            continue;
        }
        if let Some(c) = children.get(&pid) {
            stack.extend(c);
        }
    }
    out.remove(&std::process::id());
    out
}

/// The processes of the trees rooted at `roots` now.
pub fn tree(roots: &[u32]) -> BTreeSet<u32> {
    tree_of(&all(), roots)
}

/// The processes of a pane whose program has (or had) process id `pid` (pure). For a dead
/// pane, `pid` names no process of the pane any more: its leftovers are found by their
/// session and process group; and if some process has that id now, the id was given to
/// another program (an id still used as a session or group id is never given out again, so
/// the pane has no leftovers then), and nothing is returned.
pub fn pane_tree_of(procs: &[Proc], pid: u32, dead: bool) -> BTreeSet<u32> {
    if dead && procs.iter().any(|p| p.pid == pid) {
        return BTreeSet::new();
    }
    tree_of(procs, &[pid])
}

/// [`pane_tree_of`] now.
pub fn pane_tree(pid: u32, dead: bool) -> BTreeSet<u32> {
    pane_tree_of(&all(), pid, dead)
}

/// How long ago a process started (None: no such process, or no `/proc`).
pub fn age(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22, counted after the command name: clock ticks since boot.
    let start: u64 = stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // SAFETY: sysconf only reads a system value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        return None;
    }
    let secs = uptime - start as f64 / hz as f64;
    Some(Duration::from_secs_f64(secs.max(0.0)))
}

fn alive(pid: u32) -> bool {
    // A zombie has exited: it only waits for its parent to read its status.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(t) => t
            .rfind(')')
            .and_then(|i| t[i + 1..].split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

fn signal(pid: u32, sig: i32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a positive pid only sends a signal.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// The set grown by what its processes started (pure): every process whose parent is in
/// it, or whose session or process group is one of `ids` — the sessions and groups of the
/// set's processes when the end began. A shell that ignores SIGTERM goes on starting
/// children during the grace; they are the set's too.
pub fn grown(procs: &[Proc], set: &BTreeSet<u32>, ids: &BTreeSet<u32>) -> BTreeSet<u32> {
    let mut out = set.clone();
    loop {
        let before = out.len();
        for p in procs {
            if p.pid > 1
                && p.pid != std::process::id()
                && (out.contains(&p.ppid) || ids.contains(&p.session) || ids.contains(&p.pgrp))
            {
                out.insert(p.pid);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The sessions and process groups whose members belong to the set being ended (pure): those
/// a process of the set leads, and those of its processes whose leader is gone (a dead
/// pane's leftovers; an id still in use is never given to a new process) — never `me`'s.
/// A process of the set that merely belongs to a group or session (or a pid reused meanwhile
/// by another program) does not bring in the rest of it.
pub fn end_ids(procs: &[Proc], pids: &BTreeSet<u32>, me: Option<&Proc>) -> BTreeSet<u32> {
    let live: BTreeSet<u32> = procs.iter().map(|p| p.pid).collect();
    procs
        .iter()
        .filter(|p| pids.contains(&p.pid))
        .flat_map(|p| [p.session, p.pgrp])
        .filter(|id| pids.contains(id) || !live.contains(id))
        .filter(|id| *id > 1 && me.is_none_or(|m| *id != m.session && *id != m.pgrp))
        .collect()
}

/// End these processes and whatever they start meanwhile: SIGTERM and SIGHUP, then SIGKILL
/// to those still running after `grace`. Returns the pids that had to be killed. Waits
/// (bounded) until all are gone.
pub fn terminate(pids: &BTreeSet<u32>, grace: Duration) -> Vec<u32> {
    let procs = all();
    // Never the caller's own session or group (a tree given by hand may hold a child of
    // the caller, which shares them): only a pane's, or ones its programs made.
    let me = procs.iter().find(|p| p.pid == std::process::id());
    let ids = end_ids(&procs, pids, me);
    let mut set: BTreeSet<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
    set = grown(&procs, &set, &ids);
    set.retain(|p| alive(*p));
    if set.is_empty() {
        return Vec::new();
    }
    let mut signalled = BTreeSet::new();
    let started = Instant::now();
    loop {
        set = grown(&all(), &set, &ids);
        set.retain(|p| alive(*p));
        for &p in set.difference(&signalled) {
            signal(p, libc::SIGTERM);
            signal(p, libc::SIGHUP);
        }
        signalled.extend(set.iter().copied());
        if set.is_empty() || started.elapsed() >= grace {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut killed = BTreeSet::new();
    let started = Instant::now();
    while !set.is_empty() && started.elapsed() < Duration::from_secs(2) {
        for &p in &set {
            signal(p, libc::SIGKILL);
            killed.insert(p);
        }
        std::thread::sleep(Duration::from_millis(10));
        set = grown(&all(), &set, &ids);
        set.retain(|p| alive(*p));
    }
    killed.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u32, ppid: u32, pgrp: u32, session: u32) -> Proc {
        Proc {
            pid,
            ppid,
            pgrp,
            session,
        }
    }

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let s = "4242 (my (odd) prog) S 100 4242 4242 34816 4242 4194560 0 0";
        assert_eq!(parse_stat(s), Some(p(4242, 100, 4242, 4242)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_tree_holds_children_and_orphans_of_the_same_session() {
        let procs = [
            p(1, 0, 1, 1),
            p(100, 1, 100, 100),   // tmux server
            p(200, 100, 200, 200), // the pane's program (session leader)
            p(201, 200, 200, 200), // its child
            p(202, 201, 202, 200), // a grandchild in its own process group
            p(203, 1, 203, 200),   // an orphan of the session (its parent died)
            p(300, 100, 300, 300), // another pane
            p(400, 1, 400, 400),   // a daemon that made its own session
        ];
        let t = tree_of(&procs, &[200]);
        assert_eq!(t.into_iter().collect::<Vec<_>>(), [200, 201, 202, 203]);
        // The leader is gone (a dead pane): its session's processes are still found.
        let without: Vec<Proc> = procs.iter().copied().filter(|x| x.pid != 200).collect();
        let t = tree_of(&without, &[200]);
        assert_eq!(t.into_iter().collect::<Vec<_>>(), [201, 202, 203]);
        assert!(tree_of(&procs, &[999]).is_empty());
        // A dead pane whose id now names another program: nothing of it is touched.
        assert!(pane_tree_of(&procs, 300, true).is_empty());
        assert_eq!(pane_tree_of(&without, 200, true).len(), 3);
        assert_eq!(pane_tree_of(&procs, 200, false).len(), 4);
    }

    #[test]
    fn a_process_age_is_read_from_proc() {
        let me = age(std::process::id()).expect("our own age");
        assert!(me < Duration::from_secs(3600), "{me:?}");
        let init = age(1).expect("init's age");
        assert!(init >= me, "init started before us: {init:?} < {me:?}");
    }

    #[test]
    fn the_set_grows_by_what_its_processes_start() {
        let procs = [
            p(200, 100, 200, 200), // the program
            p(210, 200, 200, 200), // a child it started after the end began
            p(211, 1, 211, 200),   // an orphan of its session in a group of its own
            p(212, 211, 211, 999), // a child of that orphan, in a session of its own
            p(300, 100, 300, 300), // another pane
        ];
        let set = BTreeSet::from([200]);
        let ids = BTreeSet::from([200]);
        assert_eq!(
            grown(&procs, &set, &ids).into_iter().collect::<Vec<_>>(),
            [200, 210, 211, 212]
        );
    }

    #[test]
    fn only_groups_and_sessions_the_set_leads_or_left_behind_are_ended() {
        let procs = [
            p(10, 1, 10, 10),      // the caller's session leader (a login shell)
            p(11, 10, 11, 10),     // the caller
            p(12, 11, 12, 10),     // a child of the caller, in a group of its own
            p(203, 1, 203, 200),   // a dead pane's leftover (leader 200 is gone)
            p(300, 100, 300, 300), // a live pane's program
            p(301, 300, 300, 300), // its child
            p(400, 1, 500, 500),   // a reused pid: belongs to someone's group and session
            p(500, 1, 500, 500),   // that someone
        ];
        let me = procs[1];
        let set = BTreeSet::from([12, 203, 301, 400]);
        let ids = end_ids(&procs, &set, Some(&me));
        // 12 leads its group (not the caller's session); 203 leads its group and was left in
        // session 200; 301's group and session are led by 300, which is not in the set; 400
        // leads nothing.
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), [12, 200, 203]);
        let set = BTreeSet::from([300, 301]);
        assert_eq!(
            end_ids(&procs, &set, Some(&me))
                .into_iter()
                .collect::<Vec<_>>(),
            [300]
        );
    }

    #[test]
    fn a_program_that_ignores_sigterm_is_killed_after_the_grace() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sh")
            .args(["-c", "trap '' TERM HUP; sleep 30 & wait"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        // Wait for its `sleep` child to exist.
        let deadline = Instant::now() + Duration::from_secs(5);
        while tree(&[pid]).len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let pids = tree(&[pid]);
        assert!(pids.len() >= 2, "{pids:?}");
        let killed = terminate(&pids, Duration::from_millis(300));
        assert!(killed.contains(&pid), "the shell ignores TERM: {killed:?}");
        let _ = child.wait();
        assert!(pids.iter().all(|p| !alive(*p)), "all gone");
    }
}
