//! `atlas ls`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas ls`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::JsonArgs) -> Result<Exit> {
    super::not_yet("ls")
}
