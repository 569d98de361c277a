#!/usr/bin/env bash
# atlas: run a team of AI coding agents in tmux — the tmux plugin (TPM runs this file).
#
# Finds the `atlas` binary of this plugin's version (on PATH or built in this folder),
# building it with cargo in the background when it is missing or stale, then lets
# `atlas plugin init` read the @atlas-* options, bind the keys and fill in the status
# segment in one batched tmux call. Safe to run again: TPM does so on every reload.

CURRENT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

source "$CURRENT_DIR/plugin/variables.sh"
source "$CURRENT_DIR/plugin/helpers.sh"

build_in_background() {
	local cargo="$1" log="$CURRENT_DIR/$atlas_build_log"
	mkdir -p "$CURRENT_DIR/target"
	if [ -f "$CURRENT_DIR/target/.atlas-building" ] &&
		kill -0 "$(cat "$CURRENT_DIR/target/.atlas-building" 2>/dev/null)" 2>/dev/null; then
		display_message "atlas: still building the atlas binary (log: $log)"
		return
	fi
	display_message "atlas: building the atlas binary with cargo in the background (1–3 minutes; log: $log)"
	(
		echo $BASHPID >"$CURRENT_DIR/target/.atlas-building"
		cd "$CURRENT_DIR" || exit 1
		if "$cargo" build --release >"$log" 2>&1; then
			rm -f "$CURRENT_DIR/target/.atlas-building"
			display_message "atlas: built $CURRENT_DIR/target/release/atlas"
			ATLAS_PLUGIN_BUILT=1 "$CURRENT_DIR/atlas.tmux"
		else
			rm -f "$CURRENT_DIR/target/.atlas-building"
			display_message "atlas: building the atlas binary failed; see $log"
		fi
	) </dev/null >/dev/null 2>&1 &
	disown 2>/dev/null || true
}

# init_with BIN VERSION: run BIN's `plugin init` for this tmux server; exit 3 means BIN is
# another version.
init_with() {
	if [ -n "$TMUX" ]; then
		"$1" -S "${TMUX%%,*}" plugin init --bin "$1" --expect-version "$2"
	else
		"$1" plugin init --bin "$1" --expect-version "$2"
	fi
}

main() {
	local version candidate rc out cargo
	version="$(plugin_version "$CURRENT_DIR")"
	# atlas on PATH first, then the one built here. Each checks its own version and, when
	# it is the right one, applies everything: one process, two tmux calls.
	for candidate in $(path_atlas) "$CURRENT_DIR/target/release/atlas"; do
		[ -x "$candidate" ] || continue
		out="$(init_with "$candidate" "$version" 2>&1)"
		rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 3 ] && continue
		# An older binary may not know the flags: then its --version tells.
		if [ "$("$candidate" --version 2>/dev/null)" = "atlas $version" ]; then
			display_message "atlas: $candidate plugin init failed: ${out:-exit $rc}"
			return "$rc"
		fi
	done
	cargo="$(find_cargo)"
	if [ -n "$ATLAS_PLUGIN_BUILT" ]; then
		display_message "atlas: the atlas binary built in $CURRENT_DIR does not load; see $CURRENT_DIR/$atlas_build_log"
	elif [ -n "$cargo" ]; then
		build_in_background "$cargo"
	else
		display_message "atlas: the atlas binary $version is not installed and cargo is missing: install Rust from https://rustup.rs (curl --proto '=https' -sSf https://sh.rustup.rs | sh), then reload tmux (prefix + I)"
	fi
}

main
