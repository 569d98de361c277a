//! `atlas init`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas init`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::InitArgs) -> Result<Exit> {
    super::not_yet("init")
}
