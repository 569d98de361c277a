//! `atlas handoff`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas handoff`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::HandoffArgs) -> Result<Exit> {
    super::not_yet("handoff")
}
