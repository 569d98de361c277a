# atlas tmux plugin: small shell helpers (sourced by atlas.tmux).

# get_tmux_option NAME DEFAULT: a global option's value, or DEFAULT when unset or empty.
get_tmux_option() {
	local value
	value="$(tmux show-option -gqv "$1")"
	if [ -z "$value" ]; then
		echo "$2"
	else
		echo "$value"
	fi
}

# display_message TEXT: show TEXT on the attached client (`#` doubled: paths may hold it),
# and keep it in @atlas_plugin_message, for when no client was there to see it.
display_message() {
	local text="${1//#/##}"
	tmux set-option -g "$atlas_message_option" "$1" \; display-message "$text" 2>/dev/null
}

# plugin_version DIR: the version in DIR/Cargo.toml's [package] section.
plugin_version() {
	awk '
		/^\[/ { in_package = ($0 == "[package]") }
		in_package && /^version[ \t]*=/ {
			sub(/^version[ \t]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit
		}
	' "$1/Cargo.toml" 2>/dev/null
}

# binary_version BIN: the version BIN reports (`atlas 0.1.0` → 0.1.0), empty if it fails.
binary_version() {
	local out
	out="$("$1" --version 2>/dev/null)" || return 0
	echo "${out##* }"
}

# find_cargo: the cargo command, also where rustup puts it when PATH lacks it.
find_cargo() {
	if command -v cargo >/dev/null 2>&1; then
		command -v cargo
	elif [ -x "$HOME/.cargo/bin/cargo" ]; then
		echo "$HOME/.cargo/bin/cargo"
	fi
}

# find_atlas DIR VERSION [CONFIGURED]: the first atlas binary of the right version —
# CONFIGURED (@atlas-bin), then DIR/target/release/atlas, then atlas on PATH.
find_atlas() {
	local dir="$1" want="$2" candidate
	for candidate in "$3" "$dir/target/release/atlas" "$(command -v atlas 2>/dev/null)"; do
		[ -n "$candidate" ] && [ -x "$candidate" ] || continue
		if [ "$(binary_version "$candidate")" = "$want" ]; then
			echo "$candidate"
			return 0
		fi
	done
	return 1
}
