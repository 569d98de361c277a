//! `atlas menu`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas menu`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::MenuArgs) -> Result<Exit> {
    super::not_yet("menu")
}
