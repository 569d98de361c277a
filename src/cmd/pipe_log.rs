//! `atlas pipe-log`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas pipe-log`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::PipeLogArgs) -> Result<Exit> {
    super::not_yet("pipe-log")
}
