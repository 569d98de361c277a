//! `atlas report`.

use anyhow::Result;

use super::Ctx;
use crate::error::Exit;

/// Run `atlas report`.
pub fn run(_ctx: &Ctx, _args: &crate::cli::ReportArgs) -> Result<Exit> {
    super::not_yet("report")
}

/// Write the morning report to `reports/morning-YYYY-MM-DD.md` (called by the supervisor at
/// `[supervisor].report_at`). Not built yet: fails, and the supervisor says so.
pub fn write_morning_report(
    _team: &crate::config::Team,
    _now: chrono::DateTime<chrono::Local>,
) -> Result<std::path::PathBuf> {
    anyhow::bail!("the report is not built yet")
}
