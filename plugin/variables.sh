# atlas tmux plugin: option names and their defaults, in one place.
# (The Rust side, `atlas plugin init`, reads the same names: src/plugin.rs.)

# The atlas binary the keys and status segment run; empty: the one atlas.tmux found.
atlas_bin_option="@atlas-bin"
atlas_bin_default=""

# Keys (prefix table); `none` unbinds.
atlas_key_menu_option="@atlas-key-menu"
atlas_key_menu_default="A"
atlas_key_restart_option="@atlas-key-restart"
atlas_key_restart_default="R"
atlas_key_send_option="@atlas-key-send"
atlas_key_send_default="S"
atlas_key_jump_option="@atlas-key-jump"
atlas_key_jump_default="J"

# The status segment: `#{atlas_status}` in status-left/status-right.
atlas_status_format_option="@atlas-status-format"
atlas_status_format_default=""

# Popups opened from the menu.
atlas_popup_width_option="@atlas-popup-width"
atlas_popup_width_default="80%"
atlas_popup_height_option="@atlas-popup-height"
atlas_popup_height_default="75%"

# Pane borders on the team's windows (set by `atlas up`); `off` to keep yours.
atlas_pane_borders_option="@atlas-pane-borders"
atlas_pane_borders_default="on"

# The plugin's last message (building, missing cargo…), kept for `tmux show -gv`.
atlas_message_option="@atlas_plugin_message"

# Where a plugin build writes its log (inside the plugin folder).
atlas_build_log="target/atlas-build.log"
