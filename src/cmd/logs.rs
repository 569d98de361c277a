//! `atlas logs`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas logs`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::LogsArgs) -> Result<Exit> {
    super::not_yet("logs")
}
