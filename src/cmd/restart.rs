//! `atlas restart`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas restart`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::RestartArgs) -> Result<Exit> {
    super::not_yet("restart")
}
