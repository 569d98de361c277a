//! `atlas queue`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas queue`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::QueueCommand) -> Result<Exit> {
    super::not_yet("queue")
}
