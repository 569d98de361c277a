//! The tmux commands that build and repair the team's session, as argument lists.
