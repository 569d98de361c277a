//! `atlas check`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas check`.
pub fn run(_ctx: &Ctx) -> Result<Exit> {
    super::not_yet("check")
}
