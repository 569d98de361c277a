//! The built-in state-detection presets, and how a team's overrides are layered on them.
//!
//! A preset is a [`PresetSpec`]: regex lists for `busy`, `waiting`, `idle` and `limited`, an
//! `input` regex whose named group `draft` captures text left on the input line, and the
//! `submit_delay`. Every regex is matched against the *tail* of the screen (its last
//! [`crate::state::detect::TAIL_LINES`] lines, trailing blank lines dropped, joined by `\n`)
//! in multi-line mode, so `^` and `$` are line anchors and `\z` is the bottom line's end.
//! Patterns that must sit near the bottom say so themselves (`(?:\n[^\n]*){0,6}\z`: "within
//! the last seven lines"), which keeps old output higher up from deciding anything.
//!
//! The patterns were built from real screens of each program (see the fixtures under
//! tests/fixtures/screens/ and docs/STATES-AND-DELIVERY.md). A UI change of an agent program
//! is fixed in atlas.toml (`[presets.claude] busy = [...]`), not by a release.

use std::time::Duration;

use regex::Regex;

use crate::config::{Agent, PresetSpec, Team};
use crate::duration;

/// A pattern list, as string slices.
type List = &'static [&'static str];

struct Builtin {
    name: &'static str,
    busy: List,
    waiting: List,
    idle: List,
    limited: List,
    input: &'static str,
    submit_delay: &'static str,
    /// The key that puts a message in the program's own queue while it works ("" when it
    /// has none: atlas then refuses to type into a busy agent, or waits with --when-idle).
    queue_key: &'static str,
    /// Pane titles (set by the program) that mean it works.
    busy_title: List,
    /// Whether a hidden cursor means it works.
    busy_cursor_hidden: bool,
    /// Screens of a program still starting (not overridable; not part of PresetSpec).
    starting: List,
    /// It draws its prompt before it reads keys, just after it started (not overridable).
    slow_start: bool,
}

/// Claude Code (`claude`), from screens of Claude Code 2.1.332 captured by
/// scripts/capture-screens.py (tests/fixtures/screens/claude@2.1.332_*).
const CLAUDE: Builtin = Builtin {
    name: "claude",
    busy: &[
        // The spinner line ("✢ Crunching…", "* Gallivanting… (17s · ↓ 69 tokens)") above the
        // input box; tips and hints may sit between. A finished turn's line ("✻ Baked for
        // 6s · done 5:15 PM") has no "…".
        r"^[·✢✳✶✻✽✺✹*][ \t]+[^\n]*…[^\n]*\n(?:[^\n]*\n){0,6}?[─━]{8,}[^\n]*\n❯",
        // The footer below the box while it works: "⏸ manual mode on · esc to interrupt"
        // (gone while a draft is typed; the spinner line stays).
        r"(?i)·[ \t]*esc to interrupt\b[^\n]*(?:\n[^\n]*){0,2}\z",
        // Older versions: "✻ Thinking… (12s · ↑ 1.2k tokens · esc to interrupt)".
        r"(?i)\([^\n]*\b(?:esc|ctrl\+c) to interrupt\b[^\n]*(?:\n[^\n]*){0,15}\z",
    ],
    waiting: &[
        // A menu's footer is the bottom line while a permission or selection menu is open
        // ("Esc to cancel · Tab to amend", "Enter to confirm · Esc to cancel").
        r"(?i)^[ \t]*(?:Esc to cancel|Enter to confirm|Enter to select)\b[^\n]*\z",
        // "Do you want to proceed?" directly followed by its first option.
        r"(?i)^[ \t]*Do you (?:want|trust)[^\n]*\?[ \t]*\n(?:[ \t]*\n)?[ \t]*(?:❯[ \t]*)?1\.[ \t]",
        // A selected numbered option (indented, unlike a sent prompt) near the bottom.
        r"^[ \t]+❯ \d+\. [^\n]*(?:\n[^\n]*){0,6}\z",
    ],
    // The input box: a rule, the `❯` line (the prompt may be followed by a no-break space),
    // and the box's lower rule; or the older rounded box.
    idle: &[
        r"^[─━]{8,}[^\n]*\n❯(?:[ \t\u{a0}][^\n]*)?\n(?:[^\n]*\n){0,12}?[─━]{8,}",
        r"^╭─{8,}╮[^\n]*\n│[ \t\u{a0}]*>[ \t\u{a0}]",
    ],
    limited: &[
        // A subscription's limit, in the footer: "⚠ Usage limit reached · limit resets
        // 11:30pm" (Claude Code continues by itself at the reset).
        r"(?i)^[ \t]*(?:⚠[ \t]*)?Usage limit reached · limit resets (?P<reset>[^\n·(]*?)[ \t]*(?:\([^)\n]*\))?[ \t]*(?:\n[^\n]*){0,4}\z",
        // The same as the last message above the box: "You've hit your 5-hour limit ·
        // resets Dec 8, 12:49am (UTC)"; its own lines below it are indented.
        r"(?i)(?:hit your|usage)[^\n]*?limit[^\n]*?· resets (?P<reset>[^\n·(]*?)[ \t]*(?:\([^)\n]*\))?[ \t]*\n(?:[ \t]+[^\n]*\n|[ \t]*\n){0,16}?[─━]{8,}[^\n]*\n❯",
        // Older versions: "Claude usage limit reached. Your limit will reset at 3pm".
        r"(?i)(?:limit reached|hit your [^\n]*?limit)[^\n]*?\breset(?:s| at)[ \t]+(?:at[ \t]+)?(?P<reset>\d{1,2}(?::\d{2})?[ \t]?(?:[ap]m)?)[^\n]*(?:\n[^\n]*){0,9}\z",
        // An API key's 429 (reset unknown), as the last message above the box.
        r"(?i)^●[ \t]*API Error:[^\n]*\b429\b[^\n]*\n(?:[ \t]+[^\n]*\n|[ \t]*\n){0,16}?[─━]{8,}[^\n]*\n❯",
        // A rate limit it retries by itself: "✻ 429 Rate limited · retrying in 7s ·
        // attempt 3/10" above the box.
        r"(?i)^[·✢✳✶✻✽✺✹*][ \t]+[^\n]*(?:429|rate.?limit|usage limit|overloaded|API error)[^\n]*retrying in (?P<reset>\d+[ \t]*s)\b[^\n]*\n(?:[^\n]*\n){0,6}?[─━]{8,}[^\n]*\n❯",
    ],
    // The last `❯` line at the left edge is the input line. Its dim placeholders are not
    // drafts: `Try "…"`, "Press up to edit queued messages", "Resend your message to try
    // again", "Once fixed, resend your message", "Run /rewind to go back".
    input: r#"^(?:❯|│[ \t]*>)[ \t\u{a0}]*(?:(?:Try "[^"\n]*"|Press (?:up|Enter) to [^\n]*|Resend your message to try again|Once fixed, resend your message|Run /rewind to go back)[ \t\u{a0}]*(?:│[ \t]*)?$|(?P<draft>[^\n]*?)[ \t\u{a0}]*(?:│[ \t]*)?$)"#,
    submit_delay: "200ms",
    queue_key: "Enter",
    busy_title: &[],
    busy_cursor_hidden: false,
    starting: &[],
    slow_start: false,
};

/// OpenAI Codex CLI (`codex`), from screens of Codex 0.171.0 captured by
/// scripts/capture-screens.py (tests/fixtures/screens/codex@0.171.0_*).
const CODEX: Builtin = Builtin {
    name: "codex",
    // "◦ Working (0s • esc to interrupt)" above the composer until the first token; while an
    // answer streams, or pauses, only the pane title says it (see busy_title).
    busy: &[r"(?i)\([^\n]*\b(?:esc|esc esc) to interrupt\b[^\n]*(?:\n[^\n]*){0,15}\z"],
    waiting: &[
        // The approval prompt: "Would you like to run the following command?" … "Press enter
        // to confirm or esc to cancel".
        r"(?i)^[ \t▌]*(?:Would you like to [^\n]*\?|Allow command\?)[^\n]*(?:\n[^\n]*){0,14}\z",
        r"(?i)press enter to confirm or esc to cancel[^\n]*(?:\n[^\n]*){0,2}\z",
        // The folder-trust menu and other numbered menus: "› 1. Trust and continue" …
        // "enter continue · esc back".
        r"(?i)^[ \t]*enter (?:continue|to continue|to select|to confirm)\b[^\n]*(?:\n[^\n]*){0,1}\z",
        r"^›[ \t]+1\. [^\n]*\n(?:[^\n]*\n){0,4}?[ \t]+2\. ",
    ],
    // The composer, with the footer below it.
    idle: &[r"^›(?:[ \t\u{a0}][^\n]*)?(?:\n[^\n]*){0,4}\z"],
    limited: &[
        // "■ You’ve hit your usage limit. Upgrade to Pro (…), visit … to purchase more credits
        // or try again at 11:30 PM." (another day: "at Dec 8th, 2026 1:56 AM."), wrapped, as
        // the last message above the composer (which only its footer follows).
        r"(?i)^■ You(?:'|’)ve hit your usage limit\b(?:[^\n]|\n[^›•■\n])*?try again (?:at|in) (?P<reset>[^\n]*?)\.?[ \t]*\n(?:[ \t]*\n)*›[^\n]*(?:\n[^\n]*){0,4}\z",
        r"(?i)^■ You(?:'|’)ve hit your usage limit\b(?:[^\n]|\n[^›•■\n])*\n(?:[ \t]*\n)*›[^\n]*(?:\n[^\n]*){0,4}\z",
    ],
    // The last `›` line at the left edge is the composer (sent prompts above it start with
    // `›` too); its dim placeholder and example prompts are not drafts.
    input: r"^›[ \t\u{a0}]*(?:(?:Ask Codex to do anything|Explain this codebase|Summarize recent commits|Implement \{feature\}|Find and fix a bug in @filename|Write tests for @filename|Improve documentation in @filename|Run /review on my current changes|Use /skills to list available skills)[ \t]*$|(?P<draft>[^\n]*?)[ \t\u{a0}]*$)",
    // Codex reads text typed in one burst as a paste, and an Enter inside it as a newline.
    submit_delay: "300ms",
    // Enter while it works interrupts ("steers") the turn; Tab queues the message.
    queue_key: "Tab",
    // The pane title starts with a braille spinner while it works ("⠴ Fake title | work").
    busy_title: &[r"^[\u{2800}-\u{28ff}] "],
    busy_cursor_hidden: false,
    starting: &[],
    slow_start: false,
};

/// Google Gemini CLI (`gemini`), from screens of Gemini CLI 0.61.0 captured by
/// scripts/capture-screens.py (tests/fixtures/screens/gemini@0.61.0_*).
const GEMINI: Builtin = Builtin {
    name: "gemini",
    // "⠏ Thinking... (esc to cancel, 16s)" for the whole turn, pauses and tool runs included.
    busy: &[r"(?i)\(esc to cancel, [^\n)]*\)"],
    waiting: &[
        r"(?i)^[│ \t]*(?:Allow execution(?: of[^\n]*)?\?|Apply this change\?|Do you want to proceed\?|Waiting for user confirmation|Do you trust the files in this folder\?|Enter Gemini API Key)",
        // Its menus are boxed lists with the selected option marked: "│ ● 1. Allow once",
        // "● 1. Keep trying" (a usage limit), "● 1. Trust folder", "● 2. Use Gemini API Key".
        r"^[│ \t]*● \d+\. [^\n]*(?:\n[^\n]*){0,14}\z",
        r"(?i)\(Use Enter to select\)",
    ],
    // The input box: " >   Type your message or @path/to/file" above the workspace footer.
    idle: &[r"^[│ \t]*>[ \t\u{a0}]+[^\n]*(?:\n[^\n]*){0,4}\z"],
    limited: &[
        // After a usage-limit menu's "2. Stop": "✕ [API Error: You exceeded your current quota
        // … Suggested retry after 3600s.]" as the last message (only its own indented lines,
        // its "ℹ" note, the rule and the input box below it).
        r"(?i)^✕ \[API Error:[^\n]*(?:quota|rate.?limit|usage limit|exhausted)[^\n]*(?:\n[ \tℹ─│][^\n]*|\n)*?\n[ \t]+Suggested retry after (?P<reset>\d+(?:\.\d+)?s)[^\n]*(?:\n[ \tℹ─│][^\n]*|\n)*\z",
        r"(?i)^✕ \[API Error:[^\n]*(?:quota|rate.?limit|usage limit|exhausted)[^\n]*(?:\n[ \tℹ─│][^\n]*|\n)*\z",
        r"(?i)(?:quota|limit|capacity)[^\n]*?(?:reset after|resets? (?:at|in)) (?P<reset>\d[0-9:.hms ]*(?:[ap]m)?)[^\n]*(?:\n[^\n]*){0,6}\z",
    ],
    input: r"^[│ \t]*>[ \t\u{a0}]+(?:Type your message or @path/to/file[ \t]*(?:│[ \t]*)?$|(?P<draft>[^\n]*?)[ \t]*(?:│[ \t]*)?$)",
    // An Enter within ~10 ms of the text is not a submit.
    submit_delay: "150ms",
    // Enter while it works queues the message ("Queued (press ↑ to edit):").
    queue_key: "Enter",
    // The pane title: "✦  Working… (cwd)" while it works, "◇  Ready (cwd)" when not.
    busy_title: &[r"^✦ "],
    busy_cursor_hidden: false,
    starting: &[],
    slow_start: true,
};

/// Aider (`aider`), from screens of Aider 0.86.2 captured by scripts/capture-screens.py
/// (tests/fixtures/screens/aider@0.86.2_*).
const AIDER: Builtin = Builtin {
    name: "aider",
    // "░█  Waiting for openai/fake" before the first token; while the answer streams or pauses
    // only the hidden cursor says it works (busy_cursor_hidden).
    busy: &[r"(?i)^[^\n]*Waiting for [^\n]*\z"],
    // "Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]:", "Add file to the chat? …".
    waiting: &[r"(?i)\(Y\)es/\(N\)o[^\n]*\z"],
    // The prompt: a line "> " (or "ask> ", "architect> " …) right below a rule; a pasted
    // draft adds "> " lines below it.
    idle: &[r"^─{8,}\n(?:[a-z-]+)?>(?:[ \t\u{a0}][^\n]*)?(?:\n>[ \t\u{a0}][^\n]*)*\z"],
    limited: &[
        // A rate limit it waits out by itself: "litellm.RateLimitError: …", "The API provider
        // has rate limited you. …", "Retrying in 32.0 seconds...", its spinner below.
        r"(?i)Retrying in (?P<reset>\d+(?:\.\d+)? seconds?)\.\.\.[ \t]*(?:\n[^\n]*)?\z",
        // When it gave up, or a hard limit ("Insufficient credits with the API provider"),
        // as the last message above the prompt: no reset time.
        r"(?i)^(?:The API provider has rate limited you|Insufficient credits with the API provider|[^\n]*(?:RateLimitError|quota exceeded|rate limit exceeded))[^\n]*(?:\n[ \t]*)*\n─{8,}[^\n]*\n(?:[a-z-]+)?>[^\n]*\z",
    ],
    input: r"^─{8,}\n(?:[a-z-]+)?>[ \t\u{a0}]?(?P<draft>[^\n]*)\z",
    submit_delay: "100ms",
    // Text typed while it works is not shown, and an Enter in it is a prompt of its own after
    // the answer: atlas never types into a busy Aider (it refuses, or waits with --when-idle).
    queue_key: "",
    busy_title: &[],
    busy_cursor_hidden: true,
    starting: &[],
    slow_start: false,
};

/// Any interactive program at a shell-like prompt (`shell`).
const SHELL: Builtin = Builtin {
    name: "shell",
    busy: &[],
    waiting: &[],
    // A prompt character followed by the space a prompt ends with, on the bottom line.
    idle: &[r"^[^\n]*[$#%❯›>][ \u{a0}]+\z"],
    limited: &[],
    input: r"^[^\n]*?[$#%❯›][ \u{a0}](?P<draft>[^\n]*)\z",
    submit_delay: "50ms",
    queue_key: "",
    busy_title: &[],
    busy_cursor_hidden: false,
    starting: &[],
    slow_start: false,
};

/// The built-in demo agent (`atlas demo-agent`), exactly as docs/DEMO-AGENT.md draws it.
const DEMO: Builtin = Builtin {
    name: "demo",
    // The busy line is always the bottom line while it works.
    busy: &[r"esc to interrupt[^\n]*\z"],
    // The menu is the bottom three lines while it is open.
    waiting: &[r"^Do you want to proceed\?[^\n]*\n[^\n]*1\. Yes[^\n]*\n[^\n]*2\. No[^\n]*\z"],
    idle: &[r"^demo> [^\n]*\z"],
    // Limited while the limit line is the last message (directly above the prompt).
    limited: &[
        r"^Usage limit reached · resets (?P<reset>\d{1,2}:\d{2})[^\n]*\ndemo> [^\n]*\z",
        r"^Usage limit reached[^\n]*\ndemo> [^\n]*\z",
    ],
    input: r"^demo> (?P<draft>[^\n]*)\z",
    submit_delay: "100ms",
    queue_key: "",
    busy_title: &[],
    busy_cursor_hidden: false,
    starting: &[r"^Starting demo agent…[^\n]*\z"],
    slow_start: false,
};

const ALL: [&Builtin; 6] = [&CLAUDE, &CODEX, &GEMINI, &AIDER, &SHELL, &DEMO];

fn strings(list: List) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// The built-in spec of a preset, if atlas knows it (names as in
/// [`crate::config::BUILTIN_PRESETS`]).
pub fn builtin(name: &str) -> Option<PresetSpec> {
    let b = ALL.iter().find(|b| b.name == name)?;
    Some(PresetSpec {
        busy: Some(strings(b.busy)),
        waiting: Some(strings(b.waiting)),
        idle: Some(strings(b.idle)),
        limited: Some(strings(b.limited)),
        input: Some(b.input.to_string()),
        submit_delay: Some(b.submit_delay.to_string()),
        queue_key: Some(b.queue_key.to_string()),
        busy_title: Some(strings(b.busy_title)),
        busy_cursor_hidden: Some(b.busy_cursor_hidden),
    })
}

/// A preset ready to read screens: every pattern compiled (multi-line mode).
#[derive(Debug, Clone)]
pub struct Preset {
    /// The preset's name.
    pub name: String,
    /// Screens that mean the agent works.
    pub busy: Vec<Regex>,
    /// Screens that mean it asks the operator something.
    pub waiting: Vec<Regex>,
    /// Screens that mean it is ready for a directive.
    pub idle: Vec<Regex>,
    /// Screens that mean it hit a usage limit (group `reset`: when it ends).
    pub limited: Vec<Regex>,
    /// The input line (group `draft`: text typed but not submitted).
    pub input: Option<Regex>,
    /// Screens of a program still starting (built-in only).
    pub starting: Vec<Regex>,
    /// The pause between the text and the submit key.
    pub submit_delay: Duration,
    /// The key that queues a message while the program works (`Enter` or `Tab`); None when
    /// the program has no queue.
    pub queue_key: Option<String>,
    /// Pane titles that mean the program works.
    pub busy_title: Vec<Regex>,
    /// Whether a hidden cursor means the program works.
    pub busy_cursor_hidden: bool,
    /// Whether the program is known to draw its prompt before it reads keys, just after it
    /// started (built-in knowledge of a preset name: `gemini`). `send` then waits for its
    /// screen to stand still a while before typing (docs/STATES-AND-DELIVERY.md).
    pub slow_start: bool,
}

fn compile(pattern: &str, what: &str, preset: &str) -> anyhow::Result<Regex> {
    Regex::new(&format!("(?m){pattern}")).map_err(|e| {
        crate::error::usage(format!(
            "the `{what}` pattern `{pattern}` of preset `{preset}` is not a valid regex ({}); fix it in atlas.toml",
            e.to_string().lines().last().unwrap_or("").trim()
        ))
    })
}

fn compile_all(list: &Option<Vec<String>>, what: &str, preset: &str) -> anyhow::Result<Vec<Regex>> {
    list.iter()
        .flatten()
        .map(|p| compile(p, what, preset))
        .collect()
}

impl Preset {
    /// Compile a spec. `name` picks the built-in `starting` screens and `slow_start`, if any.
    pub fn compile(name: &str, spec: &PresetSpec) -> anyhow::Result<Preset> {
        let known = ALL.iter().find(|b| b.name == name);
        let starting = known.map(|b| b.starting).unwrap_or(&[]);
        let submit_delay = match &spec.submit_delay {
            Some(d) => duration::parse(d).map_err(|e| {
                crate::error::usage(format!("submit_delay of preset `{name}`: {e}"))
            })?,
            None => Duration::from_millis(100),
        };
        Ok(Preset {
            name: name.to_string(),
            busy: compile_all(&spec.busy, "busy", name)?,
            waiting: compile_all(&spec.waiting, "waiting", name)?,
            idle: compile_all(&spec.idle, "idle", name)?,
            limited: compile_all(&spec.limited, "limited", name)?,
            input: spec
                .input
                .as_deref()
                .map(|p| compile(p, "input", name))
                .transpose()?,
            starting: starting
                .iter()
                .map(|p| compile(p, "starting", name))
                .collect::<anyhow::Result<_>>()?,
            submit_delay,
            queue_key: spec.queue_key.clone().filter(|k| !k.is_empty()),
            busy_title: compile_all(&spec.busy_title, "busy_title", name)?,
            busy_cursor_hidden: spec.busy_cursor_hidden.unwrap_or(false),
            slow_start: known.is_some_and(|b| b.slow_start),
        })
    }

    /// A built-in preset, unchanged.
    pub fn builtin(name: &str) -> Option<Preset> {
        builtin(name).and_then(|spec| Preset::compile(name, &spec).ok())
    }

    /// The preset an agent uses: the built-in one of its name (if any), then the team's
    /// `[presets.NAME]`, then the agent's own overrides.
    pub fn for_agent(team: &Team, agent: &Agent) -> anyhow::Result<Preset> {
        let base = builtin(&agent.preset).unwrap_or_default();
        let spec = team.preset_spec(agent, &base);
        Preset::compile(&agent.preset, &spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_compiles() {
        for name in crate::config::BUILTIN_PRESETS {
            let p = Preset::builtin(name).unwrap_or_else(|| panic!("preset {name}"));
            assert!(!p.idle.is_empty(), "{name} has idle patterns");
            assert!(p.input.is_some(), "{name} has an input pattern");
        }
        assert!(builtin("nope").is_none());
    }

    /// The built-in patterns as docs/STATES-AND-DELIVERY.md lists them.
    fn markdown() -> String {
        let mut out = String::new();
        let list = |out: &mut String, what: &str, l: List| {
            if l.is_empty() {
                out.push_str(&format!("- `{what}`: none\n"));
                return;
            }
            out.push_str(&format!("- `{what}`:\n"));
            for p in l {
                out.push_str(&format!("  - `` {p} ``\n"));
            }
        };
        for b in ALL {
            out.push_str(&format!("### `{}`\n\n", b.name));
            list(&mut out, "waiting", b.waiting);
            list(&mut out, "limited", b.limited);
            list(&mut out, "busy", b.busy);
            list(&mut out, "idle", b.idle);
            if !b.busy_title.is_empty() {
                list(&mut out, "busy_title", b.busy_title);
            }
            if b.busy_cursor_hidden {
                out.push_str("- `busy_cursor_hidden`: true (a hidden cursor means busy)\n");
            }
            out.push_str(&format!("- `input`:\n  - `` {} ``\n", b.input));
            out.push_str(&format!("- `submit_delay`: {}\n", b.submit_delay));
            out.push_str(&format!(
                "- `queue_key`: {}\n",
                if b.queue_key.is_empty() {
                    "none (a busy agent is refused, or waited for with `--when-idle`)".to_string()
                } else {
                    format!("`{}`", b.queue_key)
                }
            ));
            if !b.starting.is_empty() {
                list(&mut out, "starting (built in, not overridable)", b.starting);
            }
            out.push('\n');
        }
        out
    }

    /// The doc lists exactly the built-in patterns. `ATLAS_BLESS=1 cargo test --lib
    /// docs_list` rewrites that part of the doc after a preset changed.
    #[test]
    fn docs_list_the_builtin_patterns() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/STATES-AND-DELIVERY.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let (begin, end) = ("<!-- presets:begin -->\n", "<!-- presets:end -->");
        let a = doc.find(begin).expect("the begin marker") + begin.len();
        let b = doc.find(end).expect("the end marker");
        let want = markdown();
        if doc[a..b] != want {
            if std::env::var("ATLAS_BLESS").is_ok() {
                std::fs::write(path, format!("{}{want}{}", &doc[..a], &doc[b..])).unwrap();
            } else {
                panic!(
                    "docs/STATES-AND-DELIVERY.md lists other patterns than the code; rerun with ATLAS_BLESS=1"
                );
            }
        }
    }

    #[test]
    fn every_limited_reset_group_is_named_reset() {
        for b in ALL {
            if let Ok(input) = Regex::new(b.input) {
                assert!(input.capture_names().flatten().any(|n| n == "draft"));
            }
            for l in b.limited {
                let r = Regex::new(l).unwrap();
                for n in r.capture_names().flatten() {
                    assert_eq!(n, "reset", "{}: {l}", b.name);
                }
            }
        }
    }
}
