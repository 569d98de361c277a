//! `atlas demo-agent`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas demo-agent`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::DemoAgentArgs) -> Result<Exit> {
    super::not_yet("demo-agent")
}
