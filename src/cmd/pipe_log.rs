//! `atlas pipe-log --dir D --agent NAME` (hidden): what `pipe-pane` runs. Copies the pane's
//! output to `D/NAME-YYYY-MM-DD.log`, appending, and moves to a new file at local midnight.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{Local, NaiveDate};

use super::Ctx;
use crate::cli::PipeLogArgs;
use crate::error::Exit;

/// The log file of an agent for a day.
pub fn log_path(dir: &Path, agent: &str, day: NaiveDate) -> PathBuf {
    dir.join(format!("{agent}-{}.log", day.format("%Y-%m-%d")))
}

/// Run `atlas pipe-log`.
pub fn run(_ctx: &Ctx, args: &PipeLogArgs) -> Result<Exit> {
    std::fs::create_dir_all(&args.dir)?;
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let mut current: Option<(NaiveDate, File)> = None;
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        let today = Local::now().date_naive();
        if current.as_ref().is_none_or(|(d, _)| *d != today) {
            let f = OpenOptions::new().create(true).append(true).open(log_path(
                &args.dir,
                &args.agent,
                today,
            ))?;
            current = Some((today, f));
        }
        if let Some((_, f)) = current.as_mut() {
            f.write_all(&buf[..n])?;
        }
    }
    Ok(Exit::Success)
}
