//! `atlas signal`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas signal`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::SignalArgs) -> Result<Exit> {
    super::not_yet("signal")
}
