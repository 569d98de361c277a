//! `atlas send`: deliver a directive to one agent, a window's agents, or all of them.
//!
//! A thin shell over [`crate::deliver::send`]; a broadcast runs one thread per agent and
//! prints one result line per agent (exit 1 if any failed).

use std::io::Read;

use anyhow::Result;

use super::Ctx;
use crate::cli::SendArgs;
use crate::config::Agent;
use crate::deliver::{self, Delivered, DeliveryError, SendOptions};
use crate::error::{self, Exit, Silent};

/// The directive's text: the words joined by spaces, or standard input for a lone `-` (one
/// trailing newline dropped).
pub fn directive(words: &[String], stdin: &mut dyn Read) -> Result<String> {
    let text = if words.len() == 1 && words[0] == "-" {
        let mut buf = Vec::new();
        stdin.read_to_end(&mut buf)?;
        let mut text = String::from_utf8(buf)
            .map_err(|_| error::usage("the text on standard input is not UTF-8"))?;
        if text.ends_with('\n') {
            text.pop();
        }
        text
    } else {
        words.join(" ")
    };
    if text.is_empty() {
        return Err(error::usage(
            "the directive is empty; give the text to send",
        ));
    }
    Ok(text)
}

fn line(result: &Result<Delivered, DeliveryError>, agent: &str) -> String {
    match result {
        Ok(d) if d.queued => format!("{agent}: delivered to {} (queued: it was busy)", d.pane),
        Ok(d) => format!("{agent}: delivered to {}", d.pane),
        // Nothing typed: "not delivered"; typed: the error says what is known.
        Err(e) if e.nothing_typed() => format!("{agent}: not delivered: {e}"),
        Err(e) => format!("{agent}: {e}"),
    }
}

/// Run `atlas send`.
pub fn run(ctx: &Ctx, args: &SendArgs) -> Result<Exit> {
    let team = ctx.team()?;
    ctx.check_owner(&team)?;
    let (agent_name, words) = args.target();
    if agent_name.is_some() && words.is_empty() {
        return Err(error::usage(
            "no directive given; usage: atlas send AGENT [--] TEXT... (or - to read it from stdin)",
        ));
    }
    let text = directive(words, &mut std::io::stdin().lock())?;
    let mut opts = SendOptions::default();
    if args.when_idle {
        opts.when_idle = Some(
            crate::duration::parse(&args.timeout)
                .map_err(|e| error::usage(format!("--timeout: {e}")))?,
        );
    }
    let targets: Vec<&Agent> = if args.all {
        team.agents().collect()
    } else if let Some(w) = &args.window {
        let window = team.window(w).ok_or_else(|| {
            let names: Vec<&str> = team.windows.iter().map(|w| w.name.as_str()).collect();
            error::usage(format!(
                "no window named `{w}` in {}; the windows are: {}",
                team.path.display(),
                names.join(", ")
            ))
        })?;
        window.agents.iter().collect()
    } else {
        vec![team.require_agent(agent_name.unwrap_or_default())?]
    };

    if !args.all && args.window.is_none() {
        let agent = targets[0];
        return match deliver::send(&ctx.tmux, &team, agent, &text, &opts) {
            Ok(d) => {
                crate::outln!("{}", line(&Ok(d), &agent.name))?;
                Ok(Exit::Success)
            }
            Err(e) => Err(anyhow::anyhow!("not delivered: {e}")),
        };
    }

    let results: Vec<(String, Result<Delivered, DeliveryError>)> = targets
        .iter()
        .map(|a| a.name.clone())
        .zip(deliver::send_many(&ctx.tmux, &team, &targets, &text, &opts))
        .collect();
    let mut failed = false;
    for (agent, r) in &results {
        failed |= r.is_err();
        crate::outln!("{}", line(r, agent))?;
    }
    if failed {
        return Err(Silent(Exit::Failure).into());
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> (Option<String>, Vec<String>) {
        let mut argv = vec!["atlas", "send"];
        argv.extend_from_slice(args);
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
        let crate::cli::Command::Send(a) = cli.command else {
            panic!("not send")
        };
        let (agent, words) = a.target();
        (agent.map(str::to_string), words.to_vec())
    }

    #[test]
    fn agent_words_and_double_dash() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse(&["A", "hi", "there"]),
            (Some("A".into()), s(&["hi", "there"]))
        );
        assert_eq!(parse(&["A", "--", "-x"]), (Some("A".into()), s(&["-x"])));
        assert_eq!(
            parse(&["A", "--", "--", "x"]),
            (Some("A".into()), s(&["--", "x"]))
        );
        assert_eq!(parse(&["A", "-"]), (Some("A".into()), s(&["-"])));
        assert_eq!(parse(&["--all", "--", "-rf"]), (None, s(&["-rf"])));
        assert_eq!(parse(&["--all", "hi"]), (None, s(&["hi"])));
        assert_eq!(
            parse(&["--window", "w", "hi", "you"]),
            (None, s(&["hi", "you"]))
        );
        assert_eq!(
            parse(&["A", "--when-idle", "--", "x"]),
            (Some("A".into()), s(&["x"]))
        );
    }

    #[test]
    fn words_are_joined_and_stdin_loses_one_newline() {
        let mut none: &[u8] = b"";
        assert_eq!(
            directive(&["a".into(), "b".into()], &mut none).unwrap(),
            "a b"
        );
        let mut input: &[u8] = b"line 1\nline 2\n\n";
        assert_eq!(
            directive(&["-".into()], &mut input).unwrap(),
            "line 1\nline 2\n"
        );
        let mut empty: &[u8] = b"\n";
        assert!(directive(&["-".into()], &mut empty).is_err());
    }
}
