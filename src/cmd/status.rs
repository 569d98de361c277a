//! `atlas status`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas status`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::StatusArgs) -> Result<Exit> {
    super::not_yet("status")
}
