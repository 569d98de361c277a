//! `atlas inbox`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas inbox`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::InboxArgs) -> Result<Exit> {
    super::not_yet("inbox")
}
