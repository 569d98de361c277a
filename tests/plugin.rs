//! The tmux plugin end to end, on private tmux servers: installed by Debian's TPM from a
//! clone of this repository, loaded, reloaded; its keys, status segment, menus, popups and
//! prompts driven through a real tmux client (a second private server's pane attached to
//! the first), so what tmux draws can be read back with `capture-pane`.

mod common;
#[path = "send_support/mod.rs"]
mod send_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Server, atlas_bin, output, stderr, stdout, wait_for};

const TPM: &str = "/usr/share/tmux-plugin-manager";
const WAIT: Duration = Duration::from_secs(10);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn debug_dir() -> PathBuf {
    atlas_bin().parent().unwrap().to_path_buf()
}

/// A tmux command on `server` with the given environment for the server it may start.
fn tmux_env(server: &Server, home: &Path, path: &str) -> Command {
    let mut c = server.tmux();
    c.env("HOME", home)
        .env("PATH", path)
        .env("ATLAS_FORBID_DEFAULT_SERVER", "1")
        .env_remove("ATLAS_CONFIG");
    c
}

/// Start `server` with one session, HOME and PATH as given.
fn start(server: &Server, home: &Path, path: &str, session: &str) {
    let o = output(tmux_env(server, home, path).args([
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "120",
        "-y",
        "30",
    ]));
    assert!(o.status.success(), "tmux start failed: {}", stderr(&o));
}

/// A client attached to `inner`'s session, running in a pane of a second private server.
struct Client {
    outer: Server,
    name: String,
}

impl Client {
    fn attach(inner: &Server, session: &str) -> Client {
        let outer = Server::new();
        let attach = format!("env -u TMUX tmux -L {} attach -t ={session}", inner.name);
        outer.run(&[
            "new-session",
            "-d",
            "-s",
            "o",
            "-x",
            "120",
            "-y",
            "35",
            &attach,
        ]);
        let name = wait_for(WAIT, "the client to attach", || {
            let out = inner.try_run(&["list-clients", "-F", "#{client_name}"])?;
            out.lines().next().map(str::to_string)
        });
        Client { outer, name }
    }

    fn screen(&self) -> String {
        self.outer.capture("o")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "o"];
        args.extend_from_slice(keys);
        self.outer.run(&args);
    }

    fn type_text(&self, text: &str) {
        // `;` at the end of an argument is tmux's separator: send it on its own.
        for part in text.split_inclusive(';') {
            self.outer.run(&[
                "send-keys",
                "-t",
                "o",
                "-l",
                "--",
                part.trim_end_matches(';'),
            ]);
            if part.ends_with(';') {
                self.outer.run(&["send-keys", "-t", "o", "-l", "--", "\\;"]);
            }
        }
    }

    fn wait_screen(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Options and prefix keys: what a reload must leave unchanged.
fn snapshot(server: &Server) -> String {
    let opts = server.run(&["show-options", "-g"]);
    let keys = server.run(&["list-keys", "-T", "prefix"]);
    format!("{opts}\n{keys}")
}

fn option(server: &Server, name: &str) -> String {
    server
        .run(&["show-options", "-gqv", name])
        .trim_end_matches('\n')
        .to_string()
}

/// A clone of this repository with the working tree's plugin files committed on top, so
/// what is tested is what is being written.
fn clone_repo(into: &Path) -> PathBuf {
    let dst = into.join("atlas");
    let root = repo_root();
    let o = output(Command::new("git").args([
        "clone",
        "-q",
        root.to_str().unwrap(),
        dst.to_str().unwrap(),
    ]));
    assert!(o.status.success(), "git clone failed: {}", stderr(&o));
    for f in [
        "atlas.tmux",
        "Cargo.toml",
        "plugin/helpers.sh",
        "plugin/variables.sh",
    ] {
        fs::copy(root.join(f), dst.join(f)).unwrap();
    }
    let git = |args: &[&str]| {
        let o = output(
            Command::new("git")
                .current_dir(&dst)
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args(args),
        );
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    };
    git(&["add", "-A"]);
    git(&["commit", "-q", "--allow-empty", "-m", "working tree"]);
    dst
}

fn path_with_debug() -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", debug_dir().display())
}

#[test]
fn atlas_tmux_is_executable_in_git() {
    let o =
        output(
            Command::new("git")
                .current_dir(repo_root())
                .args(["ls-files", "-s", "atlas.tmux"]),
        );
    assert!(stdout(&o).starts_with("100755 "), "{}", stdout(&o));
    let text = fs::read_to_string(repo_root().join("atlas.tmux")).unwrap();
    assert!(text.starts_with("#!/usr/bin/env bash\n"));
}

#[test]
fn tpm_installs_loads_and_reloads_the_plugin() {
    if !Path::new(TPM).join("tpm").exists() {
        println!("skipped: TPM is not installed (apt-get install -y tmux-plugin-manager)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let src = clone_repo(home.path());
    let plugins = home.path().join("plugins");
    let conf = home.path().join(".tmux.conf");
    let base_conf = format!(
        "set-environment -g TMUX_PLUGIN_MANAGER_PATH '{}/'\n\
         set -g @plugin '{}'\n\
         set -g status-left '[#{{session_name}}] #{{atlas_status}}'\n\
         set -g status-right '#{{atlas_status}} | #{{atlas_status}} | %H:%M'\n\
         run '{TPM}/tpm'\n",
        plugins.display(),
        src.display()
    );
    fs::write(&conf, &base_conf).unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    server.run(&["source-file", conf.to_str().unwrap()]);
    // TPM's install script, run inside the server as prefix + I does, then the reload.
    server.run(&["run-shell", &format!("{TPM}/bin/install_plugins")]);
    assert!(
        plugins.join("atlas/atlas.tmux").exists(),
        "TPM did not clone the plugin into {}",
        plugins.display()
    );
    server.run(&["source-file", conf.to_str().unwrap()]);

    // Bound, set, interpolated.
    let bin = option(&server, "@atlas_bin");
    assert_eq!(Path::new(&bin), atlas_bin().as_path());
    assert_eq!(option(&server, "@atlas_plugin_keys"), "A R S J");
    let keys = server.run(&["list-keys", "-T", "prefix"]);
    for k in ["A", "R", "S", "J"] {
        assert!(
            keys.lines()
                .any(|l| l.split_whitespace().nth(3) == Some(k) && l.contains(&bin)),
            "prefix {k} is not bound to atlas:\n{keys}"
        );
    }
    // TPM's own keys are still there.
    assert!(keys.contains("install_plugins"));
    let right = option(&server, "status-right");
    assert!(!right.contains("#{atlas_status}"), "{right}");
    assert_eq!(
        right
            .matches("#{?#{@atlas_status},#{@atlas_status},#(")
            .count(),
        2
    );
    assert!(right.ends_with(" | %H:%M"));
    let left = option(&server, "status-left");
    assert!(
        left.starts_with("[#{session_name}] #{?#{@atlas_status}"),
        "{left}"
    );

    // Reloading twice changes nothing.
    let first = snapshot(&server);
    server.run(&["source-file", conf.to_str().unwrap()]);
    server.run(&["source-file", conf.to_str().unwrap()]);
    assert_eq!(first, snapshot(&server));

    // A changed key unbinds the old one; `none` unbinds.
    fs::write(
        &conf,
        format!("set -g @atlas-key-menu B\nset -g @atlas-key-jump none\n{base_conf}"),
    )
    .unwrap();
    server.run(&["source-file", conf.to_str().unwrap()]);
    let keys = server.run(&["list-keys", "-T", "prefix"]);
    let bound = |k: &str| {
        keys.lines()
            .any(|l| l.split_whitespace().nth(3) == Some(k) && l.contains(&bin))
    };
    assert!(bound("B") && bound("R") && bound("S"), "{keys}");
    assert!(!bound("A") && !bound("J"), "{keys}");
    assert_eq!(option(&server, "@atlas_plugin_keys"), "B R S");
}

/// A plugin folder (the files atlas.tmux needs) outside the repository.
fn plugin_copy(into: &Path) -> PathBuf {
    let dir = into.join("atlas-plugin");
    fs::create_dir_all(dir.join("plugin")).unwrap();
    for f in [
        "atlas.tmux",
        "Cargo.toml",
        "plugin/helpers.sh",
        "plugin/variables.sh",
    ] {
        fs::copy(repo_root().join(f), dir.join(f)).unwrap();
    }
    dir
}

#[test]
fn builds_the_binary_in_the_background_when_missing() {
    let home = tempfile::tempdir().unwrap();
    let dir = plugin_copy(home.path());
    // A stand-in cargo: "builds" by copying the test binary, as a release build would.
    let fake = home.path().join("fakebin");
    fs::create_dir_all(&fake).unwrap();
    let cargo = fake.join("cargo");
    fs::write(
        &cargo,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"build --release\" ] || exit 2\nmkdir -p target/release && cp '{}' target/release/atlas\n",
            atlas_bin().display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&cargo)
        .status()
        .unwrap();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", fake.display());
    let server = Server::new();
    start(&server, home.path(), &path, "work");
    server.run(&["run-shell", dir.join("atlas.tmux").to_str().unwrap()]);
    let built = dir.join("target/release/atlas");
    let bin = wait_for(WAIT, "the background build to load the plugin", || {
        let b = option(&server, "@atlas_bin");
        (!b.is_empty()).then_some(b)
    });
    assert_eq!(Path::new(&bin), built.as_path());
    let msg = option(&server, "@atlas_plugin_message");
    assert!(msg.contains("built"), "{msg}");
    assert!(server.run(&["list-keys", "-T", "prefix"]).contains(&bin));
}

#[test]
fn without_cargo_says_how_to_install_rust() {
    let home = tempfile::tempdir().unwrap();
    let dir = plugin_copy(home.path());
    let server = Server::new();
    start(&server, home.path(), "/usr/local/bin:/usr/bin:/bin", "work");
    server.run(&["run-shell", dir.join("atlas.tmux").to_str().unwrap()]);
    let msg = option(&server, "@atlas_plugin_message");
    assert!(msg.contains("rustup.rs"), "{msg}");
    assert!(option(&server, "@atlas_bin").is_empty());
}

/// A team on `server`: a session of agent panes (running `cat`), its config and a
/// coordination file whose only entry to the operator has a task that would run a
/// command if tmux expanded it.
struct Team {
    dir: tempfile::TempDir,
    config: PathBuf,
    touched: PathBuf,
    session: String,
    panes: Vec<String>,
}

fn team(server: &Server, home: &Path) -> Team {
    let dir = tempfile::tempdir().unwrap();
    let session = format!("team{}", server.name.rsplit('-').next().unwrap());
    let config = dir.path().join("atlas.toml");
    fs::write(
        &config,
        format!(
            "[team]\nsession = \"{session}\"\noperator = \"human\"\n\n[defaults]\ncommand = \"cat\"\npreset = \"shell\"\n\n[[windows]]\nname = \"crew\"\nagents = [ {{ name = \"Atlas\" }}, {{ name = \"Orpheus\" }}, {{ name = \"Hermes\" }} ]\n\n# These tests set @atlas_state by hand; no supervisor may overwrite it.\n[supervisor]\nenabled = false\n"
        ),
    )
    .unwrap();
    let touched = dir.path().join("pwned");
    fs::write(
        dir.path().join("coordination.md"),
        format!(
            "## [2026-04-11 01:14] Orpheus → human\nStatus: BLOCKED\nTask: #(touch {})\n",
            touched.display()
        ),
    )
    .unwrap();
    let path = path_with_debug();
    let mut c = tmux_env(server, home, &path);
    c.args([
        "new-session",
        "-d",
        "-s",
        &session,
        "-n",
        "crew",
        "-x",
        "120",
        "-y",
        "30",
        "cat",
    ]);
    assert!(output(&mut c).status.success());
    server.run(&["split-window", "-t", &format!("={session}:"), "cat"]);
    server.run(&["split-window", "-t", &format!("={session}:"), "cat"]);
    let panes: Vec<String> = server
        .run(&[
            "list-panes",
            "-s",
            "-t",
            &format!("={session}:"),
            "-F",
            "#{pane_id}",
        ])
        .lines()
        .map(str::to_string)
        .collect();
    for (p, name) in panes.iter().zip(["Atlas", "Orpheus", "Hermes"]) {
        server.run(&["set-option", "-p", "-t", p, "@atlas_agent", name]);
    }
    server.run(&[
        "set-option",
        "-t",
        &format!("={session}:"),
        "@atlas_config",
        config.to_str().unwrap(),
    ]);
    Team {
        dir,
        config,
        touched,
        session,
        panes,
    }
}

/// Load the plugin (as TPM would) into `server`.
fn load_plugin(server: &Server) {
    server.run(&[
        "run-shell",
        repo_root().join("atlas.tmux").to_str().unwrap(),
    ]);
    assert!(
        !option(server, "@atlas_bin").is_empty(),
        "plugin did not load"
    );
}

/// Whether `atlas inbox` works yet (it is built by another part of the project).
fn inbox_works(server: &Server, t: &Team) -> bool {
    let o = output(server.atlas(t.dir.path()).args([
        "-c",
        t.config.to_str().unwrap(),
        "inbox",
        "human",
        "--json",
    ]));
    if !o.status.success() {
        println!(
            "skipped the inbox checks: `atlas inbox` fails here: {}",
            stderr(&o).trim()
        );
    }
    o.status.success()
}

#[test]
fn menu_print_shows_the_tmux_command() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    let t = team(&server, home.path());
    load_plugin(&server);
    let o = output(server.atlas(t.dir.path()).args([
        "menu",
        "--print",
        "--client",
        "/dev/pts/99",
        "--pane",
        &t.panes[1],
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(
        &lines[..4],
        &["tmux", "-L", server.name.as_str(), "display-menu"]
    );
    let at = |s: &str| lines.iter().position(|l| l == s);
    assert_eq!(lines[at("-c").unwrap() + 1], "/dev/pts/99");
    assert_eq!(lines[at("-t").unwrap() + 1], t.panes[1]);
    for (label, key) in [
        ("Send a directive…", "s"),
        ("Restart an agent…", "r"),
        ("Peek at an agent…", "p"),
        ("Follow an agent's log…", "l"),
        ("Inbox…", "i"),
        ("Jump to an agent…", "j"),
        ("Queue work…", "w"),
    ] {
        let i = at(label).unwrap_or_else(|| panic!("no {label} in {lines:#?}"));
        assert_eq!(lines[i + 1], key);
        assert!(
            lines[i + 2].starts_with("run-shell -b "),
            "{}",
            lines[i + 2]
        );
        assert!(lines[i + 2].contains(" menu --pick "), "{}", lines[i + 2]);
    }
    if inbox_works(&server, &t) {
        let label = lines
            .iter()
            .find(|l| l.contains("touch"))
            .expect("the inbox entry in the menu");
        assert_eq!(
            label,
            &format!("Orpheus · BLOCKED · ##(touch {})", t.touched.display())
        );
    }

    // The agent chooser: this pane's agent first, views in a popup running atlas directly.
    let o = output(server.atlas(t.dir.path()).args([
        "menu",
        "--print",
        "--pick",
        "peek",
        "--pane",
        &t.panes[1],
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    let first = lines.iter().position(|l| l.starts_with("Orpheus")).unwrap();
    assert!(lines[first].ends_with("(this pane)"));
    assert!(lines.iter().position(|l| l.starts_with("Atlas")).unwrap() > first);
    let cmd = &lines[first + 2];
    assert!(cmd.starts_with("display-popup "), "{cmd}");
    assert!(
        cmd.ends_with(&format!(
            "-- {} -L {} -c {} peek Orpheus -n 200",
            atlas_bin().display(),
            server.name,
            t.config.display()
        )),
        "{cmd}"
    );

    // Without popups, views open in a split pane that waits for Enter (`plugin hold`).
    server.run(&["set", "-g", "@atlas_popup", "off"]);
    let o = output(server.atlas(t.dir.path()).args([
        "menu",
        "--print",
        "--pick",
        "inbox",
        "--pane",
        &t.panes[1],
    ]));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    let op = lines.iter().position(|l| l == "human (operator)").unwrap();
    assert_eq!(
        lines[op + 2],
        format!(
            "split-window -v -l 40% -t \"{}\" -- {} plugin hold -- -L {} -c {} inbox human",
            t.panes[1],
            atlas_bin().display(),
            server.name,
            t.config.display()
        )
    );
    let mut hold = server.atlas(t.dir.path());
    hold.args([
        "plugin",
        "hold",
        "--",
        "-L",
        &server.name,
        "-c",
        t.config.to_str().unwrap(),
        "inbox",
        "human",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped());
    let mut child = hold.spawn().unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"\n").unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("#(touch "), "{text}");
    assert!(text.ends_with("[atlas: press Enter to close]"), "{text}");

    let o = output(
        server
            .atlas(t.dir.path())
            .args(["menu", "--print", "--pick", "dance"]),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown menu action `dance`"));
    assert!(!t.touched.exists());
}

#[test]
fn untrusted_text_is_shown_never_run() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    let t = team(&server, home.path());
    server.run(&["set", "-g", "status-right", "<#{atlas_status}>"]);
    server.run(&["set", "-g", "status-interval", "1"]);
    server.run(&["set", "-g", "status-right-length", "200"]);
    load_plugin(&server);
    let client = Client::attach(&server, &t.session);

    // The status line: the segment the supervisor keeps is shown as text.
    let marker = t.dir.path().join("status-pwned");
    server.run(&[
        "set",
        "-g",
        "@atlas_status",
        &format!("#(touch {}) 2 waiting", marker.display()),
    ]);
    client.wait_screen("the status segment", |s| {
        s.lines().last().is_some_and(|l| l.contains("2 waiting>"))
    });
    let screen = client.screen();
    assert!(screen.contains("<#(touch "), "{screen}");

    // The menu, opened with its key.
    client.keys(&["C-b", "A"]);
    let screen = client.wait_screen("the menu", |s| s.contains("Send a directive"));
    let inbox = inbox_works(&server, &t);
    if inbox {
        assert!(
            screen.contains("Orpheus · BLOCKED · #(touch"),
            "menu lacks the entry:\n{screen}"
        );
        // The entry's own menu shows its task as text too.
        client.keys(&["1"]);
        client.wait_screen("the entry's menu", |s| {
            s.contains("atlas: Orpheus → human") && s.contains("BLOCKED · #(touch")
        });
        // Its popup: `atlas inbox human`.
        client.keys(&["o"]);
        client.wait_screen("the inbox popup", |s| {
            s.contains("atlas inbox human") && s.matches("#(touch").count() >= 1
        });
        client.keys(&["Escape"]);
    } else {
        client.keys(&["Escape"]);
    }
    std::thread::sleep(Duration::from_millis(1500)); // two status refreshes
    assert!(!marker.exists(), "the status line ran a command");
    assert!(!t.touched.exists(), "the menu or popup ran a command");
}

#[test]
fn prompt_text_arrives_literally() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    // The plugin's own prompt command, with a run-shell that does nothing, so the options it
    // fills can be read back.
    let cmd = atlas::plugin::prompt_command("type:", "true");
    let script = format!("bind-key -T prefix X {cmd}\n");
    let mut c = server.tmux();
    c.args(["source-file", "-"])
        .stdin(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let client = Client::attach(&server, "work");
    let text =
        r#"a "b" $HOME ~x \n \\ %1 %2 %% %%% #{pane_id} #(touch /tmp/x) 'q' -dash {x} ; end"#;
    client.keys(&["C-b", "X"]);
    client.wait_screen("the prompt", |s| s.contains("type:"));
    client.type_text(text);
    client.keys(&["Enter"]);
    let got = wait_for(WAIT, "the prompt's options", || {
        let out = server.run(&["show-options", "-g"]);
        let opts = atlas::plugin::parse_show_options(&out);
        atlas::plugin::prompt_text(
            opts.get("@atlas_prompt1").map(String::as_str),
            opts.get("@atlas_prompt2").map(String::as_str),
        )
    });
    assert_eq!(got, text);
}

#[test]
fn jump_goes_to_the_next_agent_needing_attention() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    let t = team(&server, home.path());
    load_plugin(&server);
    server.run(&[
        "set-option",
        "-p",
        "-t",
        &t.panes[0],
        "@atlas_state",
        "busy",
    ]);
    server.run(&[
        "set-option",
        "-p",
        "-t",
        &t.panes[1],
        "@atlas_state",
        "idle",
    ]);
    server.run(&[
        "set-option",
        "-p",
        "-t",
        &t.panes[2],
        "@atlas_state",
        "waiting",
    ]);
    server.run(&["select-pane", "-t", &t.panes[0]]);
    let client = Client::attach(&server, "work");
    let o = output(server.atlas(t.dir.path()).args([
        "plugin",
        "jump",
        "--client",
        &client.name,
        "--pane",
        &t.panes[0],
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let here = wait_for(WAIT, "the client to move", || {
        let p = server.try_run(&["display-message", "-p", "-c", &client.name, "#{pane_id}"])?;
        let p = p.trim().to_string();
        (p == t.panes[2]).then_some(p)
    });
    assert_eq!(here, t.panes[2]);
    let session = server.run(&[
        "display-message",
        "-p",
        "-c",
        &client.name,
        "#{session_name}",
    ]);
    assert_eq!(session.trim(), t.session);
}

#[test]
fn send_and_restart_keys_act_on_the_current_pane_agent() {
    let rig = send_support::Rig::new(send_support::Kind::Record, &["Rec"]);
    let server = &rig.server;
    load_plugin(server);
    let pane = rig.pane("Rec");
    let session = server.run(&["display-message", "-p", "-t", &pane, "#{session_name}"]);
    server.run(&["set-option", "-s", "escape-time", "0"]);
    let client = Client::attach(server, session.trim());
    client.outer.run(&["set-option", "-s", "escape-time", "0"]);

    // The send key: a prompt; what is typed arrives as typed.
    let text = r#"ship it: "quotes" $HOME %% %1 #{pane_id} #(touch /tmp/x) \n ; done"#;
    client.keys(&["C-b", "S"]);
    client.wait_screen("the send prompt", |s| s.contains("atlas: send to Rec:"));
    client.type_text(text);
    client.keys(&["Enter"]);
    wait_for(WAIT, "the directive to be recorded", || {
        (!rig.records("Rec").is_empty()).then_some(())
    });
    assert_eq!(rig.records("Rec"), vec![text.as_bytes().to_vec()]);
    client.wait_screen("the sent message", |s| s.contains("atlas: sent to Rec"));

    // The restart key asks first, then restarts the agent in its pane.
    let pid = |p: &str| server.run(&["display-message", "-p", "-t", p, "#{pane_pid}"]);
    let before = pid(&pane);
    client.keys(&["C-b", "R"]);
    client.wait_screen("the restart question", |s| {
        s.contains("atlas: restart Rec? (y/n)")
    });
    client.keys(&["y"]);
    wait_for(WAIT, "a new process in the pane", || {
        (pid(&pane) != before).then_some(())
    });
}

#[test]
fn status_falls_back_to_atlas_status_without_a_supervisor() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    let t = team(&server, home.path());
    server.run(&["set", "-g", "status-right", "<#{atlas_status}>"]);
    server.run(&["set", "-g", "status-right-length", "100"]);
    server.run(&["set", "-g", "status-interval", "1"]);
    // Commas and braces in the format survive the conditional the segment sits in.
    server.run(&[
        "set",
        "-g",
        "@atlas-status-format",
        "in={inbox}, att={attention} {{x}} 100%H",
    ]);
    load_plugin(&server);
    let client = Client::attach(&server, &t.session);
    client.wait_screen("the atlas status output", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("<in=1, att=1 {x} 100%H>"))
    });
    assert!(!t.touched.exists());
}

#[test]
fn menu_chooser_prompt_queues_work_literally() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    let t = team(&server, home.path());
    server.run(&["set-option", "-s", "escape-time", "0"]);
    load_plugin(&server);
    server.run(&["select-pane", "-t", &t.panes[2]]);
    let client = Client::attach(&server, &t.session);
    client.outer.run(&["set-option", "-s", "escape-time", "0"]);
    client.keys(&["C-b", "A"]);
    client.wait_screen("the menu", |s| s.contains("Queue work…"));
    client.keys(&["w"]);
    client.wait_screen("the chooser", |s| s.contains("atlas: queue"));
    // This pane's agent (Hermes) is first: key 1.
    client.keys(&["1"]);
    client.wait_screen("the queue prompt", |s| {
        s.contains("atlas: queue for Hermes:")
    });
    let text = r#"-dash "q" $HOME %% %1 %2 #{pane_id} #(touch /tmp/x) ; end"#;
    client.type_text(text);
    client.keys(&["Enter"]);
    let items = wait_for(WAIT, "the queued item", || {
        let o = output(server.atlas(t.dir.path()).args([
            "-c",
            t.config.to_str().unwrap(),
            "queue",
            "ls",
            "--json",
        ]));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
        let items = v.as_array()?.clone();
        (!items.is_empty()).then_some(items)
    });
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["agent"], "Hermes");
    assert_eq!(items[0]["text"], text);
    client.wait_screen("the queued message", |s| {
        s.contains("atlas: queued for Hermes")
    });
}

#[test]
fn a_key_tmux_does_not_know_is_named_and_the_rest_still_loads() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    server.run(&["set", "-g", "@atlas-key-send", "NotAKey"]);
    server.run(&["set", "-g", "status-left", "#{atlas_status}"]);
    let _ = server.try_run(&[
        "run-shell",
        repo_root().join("atlas.tmux").to_str().unwrap(),
    ]);
    let msg = option(&server, "@atlas_plugin_message");
    assert!(
        msg.contains("@atlas-key-send is `NotAKey`, which tmux does not know as a key"),
        "{msg}"
    );
    let keys = server.run(&["list-keys", "-T", "prefix"]);
    assert!(
        keys.lines()
            .any(|l| l.contains(" A ") && l.contains(" menu ")),
        "{keys}"
    );
    assert!(option(&server, "status-left").starts_with("#{?#{@atlas_status}"));
}

#[test]
fn default_keys_take_none_of_tmux_or_tpm() {
    let server = Server::new();
    server.run(&["new-session", "-d", "-s", "k"]);
    let keys = server.run(&["list-keys", "-T", "prefix"]);
    let taken: Vec<&str> = keys
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let t = w.iter().position(|x| *x == "-T")?;
            w.get(t + 2).copied()
        })
        .chain(["I", "U", "M-u"])
        .collect();
    assert!(taken.len() > 50, "{keys}");
    for k in atlas::plugin::KEYS {
        assert!(
            !taken.contains(&k.default),
            "{} defaults to {}, which is taken",
            k.option,
            k.default
        );
    }
}

#[test]
fn the_menu_acknowledges_an_inbox_entry() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    let t = team(&server, home.path());
    server.run(&["set-option", "-s", "escape-time", "0"]);
    load_plugin(&server);
    let client = Client::attach(&server, &t.session);
    client.outer.run(&["set-option", "-s", "escape-time", "0"]);
    client.keys(&["C-b", "A"]);
    client.wait_screen("the inbox in the menu", |s| {
        s.contains("Inbox of human: 1") && s.contains("Acknowledge it")
    });
    // The entry's own menu: what it says, and how to answer it.
    client.keys(&["1"]);
    let s = client.wait_screen("the entry's menu", |s| {
        s.contains("atlas: Orpheus → human") && s.contains("Go to Orpheus")
    });
    assert!(s.contains("BLOCKED · #(touch"), "{s}");
    client.keys(&["a"]);
    client.wait_screen("the acknowledgement", |s| {
        s.contains("atlas: acknowledged 1 entry; human's inbox: 0 left")
    });
    let text = fs::read_to_string(t.dir.path().join("coordination.md")).unwrap();
    assert!(
        text.contains("## [")
            && text.contains("] human → Orpheus\nStatus: ACK\n")
            && text.contains("Re: [2026-04-11 01:14] Orpheus → human\n"),
        "{text}"
    );
    assert!(!t.touched.exists(), "the task's #(…) was run");
    client.keys(&["C-b", "A"]);
    client.wait_screen("an empty inbox", |s| s.contains("Inbox of human: empty"));
}

/// In a session where no team runs, every key and the menu say so in one line, with how to
/// start one — no menu of actions that can only fail, no raw "… returned 1".
#[test]
fn outside_a_team_keys_and_menu_say_so_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::new();
    start(&server, home.path(), &path_with_debug(), "work");
    server.run(&["set-option", "-g", "display-time", "20000"]);
    load_plugin(&server);
    let client = Client::attach(&server, "work");
    for (key, says) in [
        (
            "A",
            "atlas: no team runs here; start one with `atlas up` in its folder",
        ),
        (
            "J",
            "atlas: no team runs here; start one with `atlas up` in its folder",
        ),
        (
            "R",
            "atlas: no team runs in this session; start one with atlas up in its folder",
        ),
        (
            "S",
            "atlas: no team runs in this session; start one with atlas up in its folder",
        ),
    ] {
        client.keys(&["C-b", key]);
        let screen = client.wait_screen(&format!("the message of key {key}"), |s| {
            s.lines().last().is_some_and(|l| l.contains(says))
        });
        assert!(!screen.contains("returned"), "{key}: {screen}");
        assert!(!screen.contains("Peek at an agent"), "{key}: {screen}");
        // Any key clears the message.
        client.keys(&["Escape"]);
        client.wait_screen("the message to go", |s| {
            !s.lines().last().is_some_and(|l| l.contains("no team runs"))
        });
    }
    // The chooser, asked for directly (as the menu's items do), says the same.
    let pane = server.run(&["display-message", "-p", "-t", "=work:", "#{pane_id}"]);
    let o = output(server.atlas(home.path()).args([
        "menu",
        "--print",
        "--pick",
        "peek",
        "--pane",
        pane.trim(),
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("display-message"), "{text}");
    assert!(text.contains("no team runs here"), "{text}");
    // A popup size tmux would refuse is named when the plugin loads.
    server.run(&["set-option", "-g", "@atlas-popup-width", "wide"]);
    load_plugin(&server);
    let msg = option(&server, "@atlas_plugin_message");
    assert!(msg.contains("@atlas-popup-width is `wide`"), "{msg}");
}
