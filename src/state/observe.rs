//! The thin shell of state detection: read panes and screens from tmux, decide with
//! [`super::detect::decide`], and write back the little memory kept in pane options.
//!
//! The whole team costs two tmux invocations — one `list-panes` (pane facts and memory
//! options), one batched `capture-pane` (every screen, separated by a `display-message -p`
//! marker line) — plus one `set-option` batch when some memory changed.

use std::collections::HashMap;

use chrono::{DateTime, Local};

use super::Observation;
use super::detect::{self, Memory, PaneView};
use super::presets::Preset;
use crate::config::{Agent, PresetSpec, Team};
use crate::tcmd;
use crate::tmux::{Cmd, PaneInfo, Tmux, TmuxError, session_target};

/// One pane as listed, with the memory kept in its options.
#[derive(Debug, Clone)]
pub struct Listed {
    /// What list-panes says about it.
    pub info: PaneInfo,
    /// atlas's memory (screen hash, last state, signal).
    pub memory: Memory,
}

/// The list-panes format: [`PaneInfo::FORMAT`], then the memory options.
pub fn format() -> String {
    format!(
        "{}\t#{{{}}}\t#{{{}}}\t#{{{}}}\t#{{{}}}",
        PaneInfo::FORMAT,
        detect::OPT_SCREEN,
        detect::OPT_SEEN,
        detect::OPT_OBS,
        detect::OPT_SIGNAL
    )
}

/// Parse one line printed with [`format()`].
pub fn parse_listed(line: &str) -> Option<Listed> {
    // The memory fields are the last four (they hold no tabs); the rest is PaneInfo's.
    let mut f = line.rsplitn(5, '\t');
    let signal = f.next()?;
    let obs = f.next()?;
    let seen = f.next()?;
    let screen = f.next()?;
    let info = PaneInfo::parse(f.next()?)?;
    Some(Listed {
        info,
        memory: Memory::parse(screen, seen, obs, signal),
    })
}

/// The agent panes of a session (empty when the server or session is not running).
pub fn list(tmux: &Tmux, session: &str) -> Result<Vec<Listed>, TmuxError> {
    let cmd = tcmd![
        "list-panes",
        "-s",
        "-t",
        session_target(session),
        "-F",
        format()
    ];
    let listed = |out: String| -> Vec<Listed> {
        out.lines()
            .filter_map(parse_listed)
            .filter(|l| !l.info.agent.is_empty())
            .collect()
    };
    match tmux.run(&cmd) {
        Ok(out) => {
            let panes = listed(out);
            // tmux 3.3a may show a pane dead before it has reaped the process, with no exit
            // status; any child of the server that exits (`run-shell true`) makes it collect
            // every status. Only then is the list read again.
            let unknown = panes.iter().any(|l| {
                l.info.dead && l.info.dead_status.is_none() && l.info.dead_signal.is_none()
            });
            if unknown {
                if let Ok(out) = tmux.run_batch(&[tcmd!["run-shell", "true"], cmd.clone()]) {
                    return Ok(listed(out));
                }
            }
            Ok(panes)
        }
        Err(TmuxError::NoServer(_) | TmuxError::NoSession(_)) => Ok(Vec::new()),
        Err(TmuxError::Failed { stderr, .. }) if stderr.contains("can't find") => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The command that captures a pane's screen for state reading: plain text, wrapped lines
/// joined, trailing spaces kept (`demo> ` stays `demo> `).
pub fn capture_cmd(pane: &str) -> Cmd {
    tcmd!["capture-pane", "-p", "-J", "-t", pane]
}

/// Capture one pane's screen.
pub fn capture(tmux: &Tmux, pane: &str) -> Result<String, TmuxError> {
    tmux.run(&capture_cmd(pane))
}

/// A pane's screen as captured, and whether its program has exited.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Look {
    /// The visible screen.
    pub screen: String,
    /// Whether the pane is dead.
    pub dead: bool,
    /// The pane's title.
    pub title: String,
    /// Whether the pane's cursor is visible (`#{cursor_flag}`; many TUIs hide it while they
    /// work).
    pub cursor: bool,
}

/// Capture several panes in one tmux invocation; pane id → screen (and death, and title).
/// Each capture is followed by a `display-message -p` marker line carrying `#{pane_dead}` and
/// the pane's title.
pub fn look_many(tmux: &Tmux, panes: &[&str]) -> Result<HashMap<String, Look>, TmuxError> {
    let mut out = HashMap::new();
    if panes.is_empty() {
        return Ok(out);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let marker = format!("atlas-capture-end-{}-{nanos} ", std::process::id());
    let mut cmds = Vec::new();
    for p in panes {
        cmds.push(capture_cmd(p));
        cmds.push(tcmd![
            "display-message",
            "-p",
            "-t",
            *p,
            format!("{marker}#{{pane_dead}} #{{cursor_flag}} #{{pane_title}}")
        ]);
    }
    let text = tmux.run_batch(&cmds)?;
    let mut it = panes.iter();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.trim_end_matches('\n').strip_prefix(&marker) {
            let mut f = rest.splitn(3, ' ');
            let (dead, cursor, title) = (
                f.next().unwrap_or(""),
                f.next().unwrap_or("1"),
                f.next().unwrap_or(""),
            );
            if let Some(p) = it.next() {
                out.insert(
                    (*p).to_string(),
                    Look {
                        screen: std::mem::take(&mut current),
                        dead: dead == "1",
                        title: title.to_string(),
                        cursor: cursor != "0",
                    },
                );
            }
        } else {
            current.push_str(line);
        }
    }
    Ok(out)
}

/// Capture several panes in one tmux invocation; pane id → screen.
pub fn capture_many(tmux: &Tmux, panes: &[&str]) -> Result<HashMap<String, String>, TmuxError> {
    Ok(look_many(tmux, panes)?
        .into_iter()
        .map(|(k, v)| (k, v.screen))
        .collect())
}

/// The tmux commands that write a decision's memory to a pane's options.
pub fn update_cmds(pane: &str, updates: &[(String, String)]) -> Vec<Cmd> {
    updates
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                tcmd!["set-option", "-p", "-u", "-t", pane, k.as_str()]
            } else {
                tcmd!["set-option", "-p", "-t", pane, k.as_str(), v.as_str()]
            }
        })
        .collect()
}

/// The command that removes `@atlas_signal` from a pane only while it still holds `old`
/// (checked inside the tmux server, so a fresh signal set meanwhile by a hook survives).
pub fn expire_signal_cmd(pane: &str, old: &str) -> Cmd {
    tcmd![
        "if-shell",
        "-F",
        "-t",
        pane,
        format!("#{{==:#{{{}}},{old}}}", detect::OPT_SIGNAL),
        format!("set-option -p -u -t {pane} {}", detect::OPT_SIGNAL)
    ]
}

/// Compiled presets, shared between agents with the same effective spec.
#[derive(Debug, Default)]
pub struct PresetCache {
    compiled: Vec<(String, PresetSpec, Preset)>,
}

impl PresetCache {
    /// The preset of an agent, compiled once per distinct spec.
    pub fn get(&mut self, team: &Team, agent: &Agent) -> anyhow::Result<Preset> {
        let base = super::presets::builtin(&agent.preset).unwrap_or_default();
        let spec = team.preset_spec(agent, &base);
        if let Some((_, _, p)) = self
            .compiled
            .iter()
            .find(|(n, s, _)| *n == agent.preset && *s == spec)
        {
            return Ok(p.clone());
        }
        let p = Preset::compile(&agent.preset, &spec)?;
        self.compiled.push((agent.preset.clone(), spec, p.clone()));
        Ok(p)
    }
}

/// The pane of an agent among listed panes: its live pane, else a dead one.
pub fn pane_of<'a>(listed: &'a [Listed], agent: &str) -> Option<&'a Listed> {
    let mut mine = listed.iter().filter(|l| l.info.agent == agent);
    let first = mine.clone().find(|l| !l.info.dead);
    first.or_else(|| mine.next())
}

/// Observe every agent of the team: two tmux invocations (plus one when memory changed).
pub fn observe_team(
    tmux: &Tmux,
    team: &Team,
    now: DateTime<Local>,
) -> anyhow::Result<Vec<Observation>> {
    let mut cache = PresetCache::default();
    let agents: Vec<&Agent> = team.agents().collect();
    let presets = agents
        .iter()
        .map(|a| cache.get(team, a))
        .collect::<anyhow::Result<Vec<Preset>>>()?;
    let pairs: Vec<(&Agent, &Preset)> = agents.iter().copied().zip(presets.iter()).collect();
    let (obs, writes) = observe_agents(tmux, team, &pairs, now)?;
    // Memory is a hint for the next observer; failing to write it changes nothing now.
    let _ = tmux.run_batch(&writes);
    Ok(obs)
}

/// Observe some agents of the team (each with its compiled preset): two tmux invocations.
/// The memory writes are returned, not run, so a caller can batch them with its own work.
pub fn observe_agents(
    tmux: &Tmux,
    team: &Team,
    agents: &[(&Agent, &Preset)],
    now: DateTime<Local>,
) -> Result<(Vec<Observation>, Vec<Cmd>), TmuxError> {
    let listed = list(tmux, &team.session)?;
    crate::owner::check_panes(team, listed.iter().map(|l| &l.info))?;
    let panes: Vec<&str> = agents
        .iter()
        .filter_map(|(a, _)| pane_of(&listed, &a.name).map(|l| l.info.id.as_str()))
        .collect();
    let looks = match look_many(tmux, &panes) {
        Ok(l) => l,
        // A pane went away between the two calls: look at each one alone.
        Err(_) => {
            let mut looks = HashMap::new();
            for p in &panes {
                if let Ok(mut one) = look_many(tmux, &[p]) {
                    looks.extend(one.drain());
                }
            }
            looks
        }
    };
    let mut out = Vec::new();
    let mut writes = Vec::new();
    for (agent, preset) in agents {
        let l = pane_of(&listed, &agent.name);
        let view = l.and_then(|l| {
            looks.get(&l.info.id).map(|look| PaneView {
                info: &l.info,
                screen: look.screen.as_str(),
                title: look.title.as_str(),
                cursor: look.cursor,
                memory: l.memory,
            })
        });
        let d = detect::decide(&agent.name, &agent.window, view.as_ref(), preset, now);
        if let Some(p) = &d.observation.pane {
            writes.extend(update_cmds(p, &d.updates));
            if let Some(old) = &d.expired_signal {
                writes.push(expire_signal_cmd(p, old));
            }
        }
        out.push(d.observation);
    }
    Ok((out, writes))
}

/// Observe one agent: list its session's panes, capture its screen, decide, remember.
pub fn observe_agent(
    tmux: &Tmux,
    team: &Team,
    agent: &Agent,
    preset: &Preset,
    now: DateTime<Local>,
) -> anyhow::Result<Observation> {
    let (mut obs, writes) = observe_agents(tmux, team, &[(agent, preset)], now)?;
    // Memory is a hint for the next observer; failing to write it changes nothing now.
    let _ = tmux.run_batch(&writes);
    obs.pop()
        .ok_or_else(|| anyhow::anyhow!("no observation of {}", agent.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listed_lines_with_memory() {
        let line = "%3\t@1\tcontent\tOrpheus\t0\t\t\t4242\t0\t1700000000\t\t\tteam\tabc\t1700000000000\tidle 1700000000000\tbusy 1700000000001 abc";
        let l = parse_listed(line).unwrap();
        assert_eq!(l.info.id, "%3");
        assert_eq!(l.memory.screen, Some((0xabc, 1_700_000_000_000)));
        assert_eq!(
            l.memory.obs,
            Some((super::super::State::Idle, 1_700_000_000_000))
        );
        assert_eq!(l.memory.signal.unwrap().state, super::super::State::Busy);
        // Options unset: empty memory.
        let bare = "%3\t@1\tcontent\tOrpheus\t0\t\t\t4242\t0\t1700000000\t\t\tteam\t\t\t\t";
        assert_eq!(parse_listed(bare).unwrap().memory, Memory::default());
    }

    #[test]
    fn an_expired_signal_is_removed_only_if_unchanged() {
        let c = expire_signal_cmd("%4", "busy 12 abc");
        assert_eq!(
            c,
            tcmd![
                "if-shell",
                "-F",
                "-t",
                "%4",
                "#{==:#{@atlas_signal},busy 12 abc}",
                "set-option -p -u -t %4 @atlas_signal"
            ]
        );
    }

    #[test]
    fn updates_set_and_unset() {
        let cmds = update_cmds(
            "%1",
            &[("@a".into(), "1".into()), ("@b".into(), String::new())],
        );
        assert_eq!(cmds[0], tcmd!["set-option", "-p", "-t", "%1", "@a", "1"]);
        assert_eq!(cmds[1], tcmd!["set-option", "-p", "-u", "-t", "%1", "@b"]);
    }
}
