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
			"$CURRENT_DIR/atlas.tmux"
		else
			rm -f "$CURRENT_DIR/target/.atlas-building"
			display_message "atlas: building the atlas binary failed; see $log"
		fi
	) </dev/null >/dev/null 2>&1 &
	disown 2>/dev/null || true
}

main() {
	local version bin cargo
	version="$(plugin_version "$CURRENT_DIR")"
	if bin="$(find_atlas "$CURRENT_DIR" "$version" "$(get_tmux_option "$atlas_bin_option" "$atlas_bin_default")")"; then
		# The server this file runs for (TPM runs it inside tmux), named explicitly.
		if [ -n "$TMUX" ]; then
			"$bin" -S "${TMUX%%,*}" plugin init --bin "$bin"
		else
			"$bin" plugin init --bin "$bin"
		fi
		return
	fi
	cargo="$(find_cargo)"
	if [ -n "$cargo" ]; then
		build_in_background "$cargo"
	else
		display_message "atlas: the atlas binary $version is not installed and cargo is missing: install Rust from https://rustup.rs (curl --proto '=https' -sSf https://sh.rustup.rs | sh), then reload tmux (prefix + I)"
	fi
}

main
