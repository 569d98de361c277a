//! `atlas hooks`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas hooks`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::HooksArgs) -> Result<Exit> {
    super::not_yet("hooks")
}
