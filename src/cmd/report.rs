//! `atlas report`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas report`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::ReportArgs) -> Result<Exit> {
    super::not_yet("report")
}
