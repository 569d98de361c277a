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

# plugin_version DIR: the version in DIR/Cargo.toml's [package] section (pure bash).
plugin_version() {
	local line in_package=0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in
		"[package]"*) in_package=1 ;;
		"["*) in_package=0 ;;
		version*=*)
			if [ "$in_package" = 1 ]; then
				line="${line#*\"}"
				echo "${line%%\"*}"
				return
			fi
			;;
		esac
	done <"$1/Cargo.toml"
}

# path_atlas: every `atlas` on PATH, in order (no processes started).
path_atlas() {
	local dir IFS=:
	for dir in $PATH; do
		[ -x "${dir:-.}/atlas" ] && echo "${dir:-.}/atlas"
	done
}

# find_cargo: the cargo command, also where rustup puts it when PATH lacks it.
find_cargo() {
	if command -v cargo >/dev/null 2>&1; then
		command -v cargo
	elif [ -x "$HOME/.cargo/bin/cargo" ]; then
		echo "$HOME/.cargo/bin/cargo"
	fi
}
