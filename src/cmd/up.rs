//! `atlas up`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas up`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::UpArgs) -> Result<Exit> {
    super::not_yet("up")
}
