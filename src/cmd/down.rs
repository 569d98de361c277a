//! `atlas down`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas down`.
pub fn run(_ctx: &Ctx) -> Result<Exit> {
    super::not_yet("down")
}
