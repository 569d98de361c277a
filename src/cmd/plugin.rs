//! `atlas plugin`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas plugin`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::PluginArgs) -> Result<Exit> {
    super::not_yet("plugin")
}
