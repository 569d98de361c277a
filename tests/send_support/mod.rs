//! A team of demo agents on a private tmux server, started with `atlas up`, for the delivery
//! and `ls` tests.
//!
//! [`Kind::Record`] agents run `atlas demo-agent --record rec-NAME.log` (every submitted
//! message appended as its exact bytes + "\x1e\n"); [`Kind::Demo`] agents run the demo agent
//! proper (short start and work times), which obeys `/ask`, `/limit`, `/exit`. Both use the
//! `demo` preset. tests/send_support/recorder.py is an independent recorder (Python, raw
//! mode) drawing the same screen, used to check that atlas does not depend on the demo
//! agent's own input handling.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{Server, output, stderr, wait_for};

/// What runs in each agent's pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `atlas demo-agent --record FILE`.
    Record,
    /// `atlas demo-agent` (work 1 s).
    Demo,
    /// tests/send_support/recorder.py FILE.
    Python,
}

/// A running team of recorders.
pub struct Rig {
    /// The private server.
    pub server: Server,
    /// The team's folder (atlas.toml, logs, records).
    pub dir: tempfile::TempDir,
}

/// The recorder script.
pub fn recorder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/send_support/recorder.py")
}

impl Rig {
    /// Agents `names` of one kind in one window `w`.
    pub fn new(kind: Kind, names: &[&str]) -> Rig {
        Rig::with_windows(kind, &[("w", names)])
    }

    /// Agents of one kind in several windows.
    pub fn with_windows(kind: Kind, windows: &[(&str, &[&str])]) -> Rig {
        let server = Server::new();
        let dir = tempfile::tempdir().unwrap();
        let mut toml = format!(
            "[team]\nsession = \"t{}\"\n\n[defaults]\npreset = \"demo\"\n\
             env = {{ ATLAS_DEMO_START = \"0.1\", ATLAS_DEMO_WORK = \"1\" }}\n\n\
             [supervisor]\nenabled = false\n\n",
            std::process::id()
        );
        for (w, names) in windows {
            toml.push_str(&format!(
                "[[windows]]\nname = \"{w}\"\nlayout = \"tiled\"\nagents = [\n"
            ));
            for n in *names {
                let log = dir.path().join(format!("rec-{n}.log"));
                let command = match kind {
                    Kind::Record => format!("atlas demo-agent --record {}", log.display()),
                    Kind::Demo => "atlas demo-agent".to_string(),
                    Kind::Python => format!("python3 {} {}", recorder().display(), log.display()),
                };
                toml.push_str(&format!(
                    "  {{ name = \"{n}\", command = \"{command}\" }},\n"
                ));
            }
            toml.push_str("]\n\n");
        }
        std::fs::write(dir.path().join("atlas.toml"), toml).unwrap();
        let rig = Rig { server, dir };
        let o = output(rig.atlas().arg("up"));
        assert!(o.status.success(), "atlas up failed: {}", stderr(&o));
        for (_, names) in windows {
            for n in *names {
                rig.wait_prompt(n);
            }
        }
        rig
    }

    /// An `atlas` command on this server, in the team's folder.
    pub fn atlas(&self) -> Command {
        self.server.atlas(self.dir.path())
    }

    /// The pane of an agent.
    pub fn pane(&self, agent: &str) -> String {
        wait_for(Duration::from_secs(5), "the agent's pane", || {
            self.server.agent_pane(agent)
        })
    }

    /// Wait until the agent's bottom line is an empty prompt.
    pub fn wait_prompt(&self, agent: &str) {
        let pane = self.pane(agent);
        wait_for(Duration::from_secs(10), "an empty demo> prompt", || {
            let screen = self.server.capture(&pane);
            let last = screen.lines().rev().find(|l| !l.trim().is_empty())?;
            (last.trim_end() == "demo>").then_some(())
        });
    }

    /// The messages an agent's recorder received, in order.
    pub fn records(&self, agent: &str) -> Vec<Vec<u8>> {
        let data =
            std::fs::read(self.dir.path().join(format!("rec-{agent}.log"))).unwrap_or_default();
        let mut out = Vec::new();
        let mut rest = &data[..];
        while let Some(i) = rest.windows(2).position(|w| w == b"\x1e\n") {
            out.push(rest[..i].to_vec());
            rest = &rest[i + 2..];
        }
        assert!(
            rest.is_empty(),
            "a partial record: {:?}",
            String::from_utf8_lossy(rest)
        );
        out
    }

    /// Type keys into an agent's pane literally, as a person would (no submit).
    pub fn type_keys(&self, agent: &str, text: &str) {
        let pane = self.pane(agent);
        self.server
            .run(&["send-keys", "-t", &pane, "-l", "--", text]);
    }
}
