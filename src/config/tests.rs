use super::*;

fn parse_ok(text: &str) -> Team {
    match parse(text, Path::new("/team/atlas.toml"), &|_, _| true) {
        Ok(t) => t,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn parse_err(text: &str) -> ConfigError {
    match parse(text, Path::new("/team/atlas.toml"), &|_, _| true) {
        Ok(_) => panic!("config was accepted:\n{text}"),
        Err(e) => e,
    }
}

fn one_problem(text: &str) -> Problem {
    let e = parse_err(text);
    assert_eq!(e.problems.len(), 1, "problems: {e}");
    e.problems[0].clone()
}

const BASE: &str = r#"
[defaults]
command = "claude"
resume = "claude --continue"
preset = "claude"
restart = "on-failure"
env = { A = "1" }

[[windows]]
name = "ceo"
agents = [ { name = "Atlas", role = "chief of staff" } ]
"#;

#[test]
fn defaults_are_inherited() {
    let t = parse_ok(BASE);
    let a = t.agent("Atlas").unwrap();
    assert_eq!(a.command, ["claude"]);
    assert_eq!(a.resume, ["claude", "--continue"]);
    assert_eq!(a.preset, "claude");
    assert_eq!(a.restart, RestartPolicy::OnFailure);
    assert_eq!(a.env.get("A").map(String::as_str), Some("1"));
    assert_eq!(a.cwd, Path::new("/team"));
    assert_eq!(a.window, "ceo");
    assert_eq!(t.session, "atlas");
    assert_eq!(t.operator, "human");
    assert_eq!(t.coordination, Path::new("/team/coordination.md"));
    assert_eq!(t.logs, Path::new("/team/logs"));
    assert_eq!(t.windows[0].layout, "main-vertical");
    assert_eq!(t.supervisor, Supervisor::default());
}

#[test]
fn agent_fields_override_defaults() {
    let t = parse_ok(&format!(
        "{BASE}\n[[windows]]\nname = \"w\"\nlayout = \"tiled\"\nagents = [ {{ name = \"X\", command = \"codex --full-auto\", cwd = \"sub/dir\", env = {{ B = \"2\", A = \"3\" }}, restart = \"always\", preset = \"codex\" }} ]\n"
    ));
    let x = t.agent("X").unwrap();
    assert_eq!(x.command, ["codex", "--full-auto"]);
    // An agent with its own command resumes with it, not with the default's resume.
    assert_eq!(x.resume, ["codex", "--full-auto"]);
    assert_eq!(x.cwd, Path::new("/team/sub/dir"));
    assert_eq!(x.env.get("A").map(String::as_str), Some("3"));
    assert_eq!(x.env.get("B").map(String::as_str), Some("2"));
    assert_eq!(x.restart, RestartPolicy::Always);
    assert_eq!(x.preset, "codex");
    assert_eq!(t.windows[1].layout, "tiled");
}

#[test]
fn resume_defaults_to_command() {
    let t = parse_ok(
        "[defaults]\ncommand = \"aider --yes\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n",
    );
    let a = t.agent("A").unwrap();
    assert_eq!(a.resume, ["aider", "--yes"]);
    assert_eq!(a.preset, "aider", "preset guessed from the program");
}

#[test]
fn preset_overrides_layer() {
    let t = parse_ok(&format!(
        "{BASE}\n[presets.claude]\nbusy = [\"thinking\"]\n\n[[windows]]\nname = \"w\"\nagents = [{{ name = \"Y\", idle = [\"^> $\"] }}]\n"
    ));
    let y = t.agent("Y").unwrap();
    let builtin = PresetSpec {
        busy: Some(vec!["esc to interrupt".into()]),
        idle: Some(vec!["❯".into()]),
        submit_delay: Some("100ms".into()),
        ..PresetSpec::default()
    };
    let spec = t.preset_spec(y, &builtin);
    assert_eq!(spec.busy, Some(vec!["thinking".to_string()]));
    assert_eq!(spec.idle, Some(vec!["^> $".to_string()]));
    assert_eq!(spec.submit_delay.as_deref(), Some("100ms"));
}

#[test]
fn unparsable_toml_names_line_and_column() {
    let p = one_problem("[team]\nsession = \"a\n");
    assert_eq!(p.line, 2);
    assert!(p.column >= 1);
}

#[test]
fn unknown_key_is_refused_with_its_place() {
    let p = one_problem(&format!("{BASE}\n[supervisor]\nenabld = true\n"));
    assert_eq!((p.line, p.column), (14, 1));
    assert!(p.message.contains("unknown key `enabld`"), "{}", p.message);
    assert!(
        p.message.contains("enabled"),
        "lists what is expected: {}",
        p.message
    );

    let p = one_problem(
        "[[windows]]\nname = \"w\"\nagents = [{ name = \"A\", command = \"x\", colour = \"red\" }]\n",
    );
    assert_eq!(p.line, 3);
    assert!(p.message.contains("colour"), "{}", p.message);
}

#[test]
fn duplicate_agent_is_refused() {
    let p = one_problem(&format!(
        "{BASE}\n[[windows]]\nname = \"w\"\nagents = [ {{ name = \"Atlas\" }} ]\n"
    ));
    assert_eq!(p.line, 15);
    assert_eq!(p.column, 21);
    assert!(
        p.message.contains("second agent named `Atlas`"),
        "{}",
        p.message
    );
    assert!(p.message.contains("line 11"), "{}", p.message);
}

#[test]
fn duplicate_window_is_refused() {
    let p = one_problem(&format!(
        "{BASE}\n[[windows]]\nname = \"ceo\"\nagents = [ {{ name = \"B\" }} ]\n"
    ));
    assert_eq!(p.line, 14);
    assert!(
        p.message.contains("second window named `ceo`"),
        "{}",
        p.message
    );
}

#[test]
fn bad_names_are_refused() {
    for bad in [
        "has space",
        "",
        "a.b",
        "x:y",
        "ünï",
        "abcdefghijabcdefghijabcdefghijabc",
        "-x",
        "--help",
    ] {
        let e = parse_err(&format!(
            "[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"w\"\nagents = [{{ name = \"{bad}\" }}]\n"
        ));
        assert!(e.to_string().contains("agent name"), "{bad}: {e}");
        let e = parse_err(&format!(
            "[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"{bad}\"\nagents = [{{ name = \"A\" }}]\n"
        ));
        assert!(e.to_string().contains("window name"), "{bad}: {e}");
    }
    let e = parse_err(
        "[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"0\"\nagents = [{ name = \"A\" }]\n",
    );
    assert!(e.to_string().contains("all digits"), "{e}");
    assert!(parse(
        "[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"ok_-9\"\nagents = [{ name = \"A-b_9\" }]\n",
        Path::new("/t/atlas.toml"),
        &|_, _| true
    )
    .is_ok());
}

#[test]
fn reports_to_must_name_an_agent() {
    let p = one_problem(&format!(
        "{BASE}\n[[windows]]\nname = \"w\"\nagents = [ {{ name = \"B\", reports_to = \"Nobody\" }} ]\n"
    ));
    assert_eq!(p.line, 15);
    assert!(
        p.message.contains("`Nobody`, which names no agent"),
        "{}",
        p.message
    );
    assert!(
        p.message.contains("Atlas"),
        "lists the agents: {}",
        p.message
    );
    // The operator is a fine boss.
    parse_ok(&format!(
        "{BASE}\n[[windows]]\nname = \"w\"\nagents = [ {{ name = \"B\", reports_to = \"human\" }} ]\n"
    ));
}

#[test]
fn empty_window_is_refused() {
    let p = one_problem(&format!(
        "{BASE}\n[[windows]]\nname = \"empty\"\nagents = []\n"
    ));
    assert!(
        p.message.contains("window `empty` has no agents"),
        "{}",
        p.message
    );
    assert_eq!(p.line, 13);
    let p = one_problem(&format!("{BASE}\n[[windows]]\nname = \"empty\"\n"));
    assert!(p.message.contains("has no agents"), "{}", p.message);
}

#[test]
fn no_windows_is_refused() {
    let p = one_problem("[team]\nsession = \"x\"\n");
    assert!(p.message.contains("no [[windows]]"), "{}", p.message);
}

#[test]
fn missing_command_is_refused() {
    let p = one_problem("[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n");
    assert!(p.message.contains("has no command"), "{}", p.message);
}

#[test]
fn bad_values_are_refused() {
    let e = parse_err(&format!(
        "{BASE}\n[supervisor]\nrestart_window = \"soon\"\nreport_at = \"25:00\"\n"
    ));
    assert_eq!(e.problems.len(), 2, "{e}");
    assert!(e.to_string().contains("not a duration"), "{e}");
    assert!(e.to_string().contains("report_at"), "{e}");
    let p = one_problem(
        "[defaults]\ncommand = \"x\"\nrestart = \"sometimes\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n",
    );
    assert!(
        p.message.contains("always, on-failure or never"),
        "{}",
        p.message
    );
    let p = one_problem(
        "[defaults]\ncommand = \"x\"\npreset = \"nope\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n",
    );
    assert!(p.message.contains("unknown preset `nope`"), "{}", p.message);
    let p = one_problem(
        "[defaults]\ncommand = \"x 'unclosed\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n",
    );
    assert!(p.message.contains("quotes"), "{}", p.message);
    let p = one_problem(
        "[presets.mine]\nbusy = [\"(unclosed\"]\n[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\", preset = \"mine\" }]\n",
    );
    assert!(p.message.contains("not a valid regex"), "{}", p.message);
}

#[test]
fn session_names_tmux_cannot_use_are_refused() {
    for bad in [
        "a.b",
        "a:b",
        "",
        "-x",
        "$1",
        "a#{pid}",
        "#(touch x)",
        "=x",
        "@1",
        "%1",
        "{last}",
        "~x",
        "tab\\tx",
        "a\\\\;",
        "a$b",
        "a\u{2028}b",
        "a\u{378}b",
        "a\u{ffff}b",
        "a\u{200b}b",
    ] {
        let e = parse_err(&format!("[team]\nsession = \"{bad}\"\n{BASE}"));
        assert!(e.to_string().contains("session name"), "{bad}: {e}");
        assert_eq!(e.problems[0].line, 2);
    }
    let t = parse_ok(&format!("[team]\nsession = \"my team ✓\"\n{BASE}"));
    assert_eq!(t.session, "my team ✓");
    for ok in [
        "ünï",
        "日本語",
        "a'b",
        "q\"x",
        "a;",
        "*",
        "😀x",
        "é\u{301}",
        "a%b!",
    ] {
        let t = parse_ok(&format!(
            "[team]\nsession = {}\n{BASE}",
            toml::Value::String(ok.into())
        ));
        assert_eq!(t.session, ok);
    }
}

#[test]
fn errors_name_file_line_column() {
    let e = parse_err("[team]\nsesion = \"x\"\n");
    let text = e.to_string();
    assert!(
        text.starts_with("/team/atlas.toml:2:1: unknown key `sesion`"),
        "{text}"
    );
}

#[test]
fn several_problems_are_all_reported_in_file_order() {
    let e = parse_err(&format!(
        "{BASE}\n[[windows]]\nname = \"w\"\nagents = [ {{ name = \"Atlas\" }}, {{ name = \"Q\", reports_to = \"Z\" }} ]\n"
    ));
    assert_eq!(e.problems.len(), 2, "{e}");
    assert!(e.problems[0].column < e.problems[1].column);
}

#[test]
fn command_not_on_path_is_a_warning_naming_the_agent() {
    let t = parse(BASE, Path::new("/team/atlas.toml"), &|p, _| p != "claude").unwrap();
    assert_eq!(t.warnings.len(), 1);
    assert!(t.warnings[0].contains("`Atlas`"), "{:?}", t.warnings);
    assert!(t.warnings[0].contains("claude"), "{:?}", t.warnings);
}

#[test]
fn byte_order_mark_and_crlf_are_fine() {
    let text = format!("\u{feff}{}", BASE.replace('\n', "\r\n"));
    let t = parse_ok(&text);
    assert_eq!(t.agents().count(), 1);
}

#[test]
fn supervisor_settings_are_read() {
    let t = parse_ok(&format!(
        "{BASE}\n[supervisor]\nenabled = false\nreport_at = \"\"\nmax_restarts = 2\nrestart_window = \"1m\"\nbackoff_max = \"5s\"\nlimit_retry = \"90s\"\n"
    ));
    let s = &t.supervisor;
    assert!(!s.enabled);
    assert_eq!(s.report_at, None);
    assert_eq!(s.max_restarts, 2);
    assert_eq!(s.restart_window, Duration::from_secs(60));
    assert_eq!(s.backoff_max, Duration::from_secs(5));
    assert_eq!(s.limit_retry, Duration::from_secs(90));
}

#[test]
fn discovery_finds_the_nearest_parent() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(dir.path().join("atlas.toml"), BASE).unwrap();
    // SAFETY-free: only reads the environment; ATLAS_CONFIG is not set by the test runner.
    if std::env::var_os("ATLAS_CONFIG").is_none() {
        assert_eq!(discover(None, &sub), Some(dir.path().join("atlas.toml")));
    }
    assert_eq!(
        discover(Some(Path::new("x/../my.toml")), &sub),
        Some(sub.join("my.toml"))
    );
}

#[test]
fn a_program_missing_for_many_agents_is_one_warning_listing_them() {
    let text = crate::cmd::init::starter_config(false);
    let t = parse(&text, Path::new("/team/atlas.toml"), &|p, _| p != "claude").unwrap();
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = &t.warnings[0];
    assert!(w.starts_with("13 agents (Atlas, Prometheus, "), "{w}");
    assert!(
        w.contains("the command `claude` is not found on PATH"),
        "{w}"
    );
}

#[test]
fn a_duration_without_a_unit_is_an_error_at_its_value() {
    let e = parse_err(&format!(
        "{BASE}\n[supervisor]\nbackoff_max = \"30\"\nlimit_retry = 90\n"
    ));
    assert_eq!(e.problems.len(), 2, "{e}");
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let backoff_line = BASE.lines().count() + 3;
    assert!(
        lines[0].starts_with(&format!(
            "/team/atlas.toml:{backoff_line}:15: backoff_max: `30` has no unit"
        )),
        "{text}"
    );
    assert!(lines[0].contains("30s, 30m or 30h"), "{text}");
    assert!(
        lines[1].starts_with(&format!(
            "/team/atlas.toml:{}:15: limit_retry: `90` has no unit",
            backoff_line + 1
        )),
        "{text}"
    );
    // A bare zero is unambiguous.
    let t = parse_ok(&format!("{BASE}\n[supervisor]\nbackoff_max = \"0\"\n"));
    assert_eq!(t.supervisor.backoff_max, Duration::ZERO);
}

#[test]
fn a_submit_delay_without_a_unit_is_an_error_at_its_value() {
    let p = one_problem(
        "[defaults]\ncommand = \"x\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\", submit_delay = \"150\" }]\n",
    );
    assert_eq!((p.line, p.column), (5, 40), "{p:?}");
    assert!(
        p.message.starts_with("submit_delay: `150` has no unit"),
        "{p:?}"
    );
}

#[test]
fn layouts_tmux_cannot_read_are_refused_with_their_place() {
    // `grid` crashes the tmux 3.3a server: refused before tmux sees it.
    let p = one_problem(&format!(
        "{BASE}\n[[windows]]\nname = \"w\"\nlayout = \"grid\"\nagents = [{{ name = \"A\" }}]\n"
    ));
    assert_eq!((p.line, p.column), (15, 10), "{p:?}");
    assert!(
        p.message
            .contains("window `w`: layout `grid` is not a tmux layout"),
        "{p:?}"
    );
    for name in crate::tmux_value::LAYOUT_NAMES {
        assert!(p.message.contains(name), "{p:?}");
    }
    // A layout string: checked, with its checksum.
    let two = crate::tmux_value::with_checksum("100x30,0,0{50x30,0,0,49x30,51,0}");
    let text = |layout: &str, agents: &str| {
        format!("{BASE}\n[[windows]]\nname = \"w\"\nlayout = \"{layout}\"\nagents = [{agents}]\n")
    };
    let t = parse_ok(&text(&two, "{ name = \"A\" }, { name = \"B\" }"));
    assert_eq!(t.window("w").unwrap().layout, two);
    let p = one_problem(&text(
        &two,
        "{ name = \"A\" }, { name = \"B\" }, { name = \"C\" }",
    ));
    assert!(
        p.message.contains("room for 2 panes but the window has 3"),
        "{p:?}"
    );
    let mut bad = two.clone();
    bad.replace_range(..4, "0000");
    let p = one_problem(&text(&bad, "{ name = \"A\" }"));
    assert!(p.message.contains("checksum is `0000`"), "{p:?}");
}

#[test]
fn a_config_path_tmux_cannot_carry_is_refused() {
    let e = parse(BASE, Path::new("/te\nam/atlas.toml"), &|_, _| true).unwrap_err();
    assert!(e.to_string().contains("control character"), "{e}");
}
