//! `atlas send`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas send`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::SendArgs) -> Result<Exit> {
    super::not_yet("send")
}
