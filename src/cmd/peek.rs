//! `atlas peek`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas peek`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::PeekArgs) -> Result<Exit> {
    super::not_yet("peek")
}
