//! `atlas watch`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas watch`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::WatchArgs) -> Result<Exit> {
    super::not_yet("watch")
}
