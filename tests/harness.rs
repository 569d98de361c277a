//! The harness keeps the user's tmux out of reach and cleans up after itself: servers that
//! tests (and atlas, for them) start have their sockets in a private folder, removed when
//! the server is dropped; nothing lands in the user's socket folder; a call that reaches a
//! default server is caught.

mod common;

use std::process::Command;

use common::{Server, check_guard, our_sockets, output, socket_dir, stderr, user_socket_dir};

#[test]
fn sockets_of_servers_tests_start_are_removed_and_never_in_the_users_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("atlas.toml"),
        "[team]\nsession = \"h\"\n[defaults]\ncommand = \"cat\"\npreset = \"shell\"\n[[windows]]\nname = \"w\"\nagents = [{ name = \"A\" }]\n",
    )
    .unwrap();
    // One server started by tmux, one by `atlas up` (with its supervisor, which talks to it).
    let by_tmux = Server::new();
    by_tmux.run(&["new-session", "-d", "-s", "x", "-x", "80", "-y", "24"]);
    let by_atlas = Server::new();
    let o = output(by_atlas.atlas(dir.path()).arg("up"));
    assert!(o.status.success(), "{}", stderr(&o));
    let sockets = [by_tmux.socket(), by_atlas.socket()];
    for s in &sockets {
        assert!(s.exists(), "{}", s.display());
        assert!(!s.starts_with(user_socket_dir()), "{}", s.display());
    }
    assert_eq!(our_sockets(&user_socket_dir()), Vec::<String>::new());
    drop(by_tmux);
    drop(by_atlas);
    for s in &sockets {
        assert!(!s.exists(), "{} left behind", s.display());
    }
    assert_eq!(our_sockets(&user_socket_dir()), Vec::<String>::new());
}

#[test]
fn a_call_that_reaches_a_default_server_is_caught() {
    // A scratch TMUX_TMPDIR of its own, so the other tests' guard is not tripped.
    let scratch = tempfile::tempdir().unwrap();
    assert!(check_guard(scratch.path()).is_ok());
    let tmux = || {
        let mut c = Command::new("tmux");
        c.args(["-f", "/dev/null"])
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("TMUX_TMPDIR", scratch.path());
        c
    };
    let o = output(tmux().args(["new-session", "-d", "-s", "oops"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let e = check_guard(scratch.path()).unwrap_err();
    assert!(e.contains("reached the default tmux server"), "{e}");
    let _ = output(tmux().arg("kill-server"));
    let _ = std::fs::remove_file(socket_dir(scratch.path()).join("default"));
    assert!(check_guard(scratch.path()).is_ok());
}
