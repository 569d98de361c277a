//! The incremental cache behind `atlas status`: read only what was appended since last
//! time.
//!
//! The cache (a small JSON file, normally `logs/.status-cache.json`) holds the rules'
//! pending state after every entry but the last, the byte offset and line where that last
//! entry starts, and a fingerprint of the file: device and inode, its length and
//! modification time when saved, and hashes of the first and of the last 4 KiB before the
//! offset. Next time, reading resumes at the offset (so the last entry, which an append may
//! have continued, is read again) unless the fingerprint says the file was replaced (another
//! inode: an editor's save), truncated (shorter than the offset), rewritten (a hashed
//! window differs, or the same length with another modification time); then it is read
//! afresh. An in-place edit that keeps the length, both windows and the modification time
//! is the one change it cannot see.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::parse::{Event, Reader};
use super::rules::{Board, Snapshot};

/// The cache format's version; a cache of another version is ignored.
pub const VERSION: u32 = 1;

/// How many bytes each fingerprint window covers.
pub const WINDOW: u64 = 4096;

/// What is saved between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {
    /// [`VERSION`].
    pub version: u32,
    /// The coordination file.
    pub path: PathBuf,
    /// Its device.
    pub dev: u64,
    /// Its inode.
    pub ino: u64,
    /// Its length when saved.
    pub len: u64,
    /// Its modification time when saved (nanoseconds since the epoch).
    pub mtime: i128,
    /// Where reading resumes: the start of the last entry.
    pub offset: u64,
    /// The number of lines before `offset`.
    pub line: usize,
    /// Hash of the bytes `[0, min(WINDOW, offset))`.
    pub head: u64,
    /// Hash of the bytes `[offset - WINDOW, offset)` (from 0 when shorter).
    pub tail: u64,
    /// The rules' state after every entry before `offset`.
    pub board: Snapshot,
}

/// How a read went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Read from the start, and why.
    Fresh(String),
    /// Read from the cached offset on.
    Resumed {
        /// Where reading started.
        offset: u64,
    },
    /// There is no coordination file (an empty board).
    Missing,
}

/// A file's identity and size, as `stat` gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Length in bytes.
    pub len: u64,
    /// Modification time (nanoseconds since the epoch).
    pub mtime: i128,
}

impl FileStat {
    fn of(meta: &std::fs::Metadata) -> FileStat {
        FileStat {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }
}

/// FNV-1a, 64 bits: stable across builds, which is all a fingerprint needs.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Whether the cache can be used for this file, and if not why (pure: the caller reads
/// the windows with `window`, given an offset and a length).
pub fn check(
    cache: &Cache,
    path: &Path,
    operator: &str,
    stat: FileStat,
    window: &mut dyn FnMut(u64, u64) -> Option<Vec<u8>>,
) -> Result<(), String> {
    if cache.version != VERSION {
        return Err("the cache has another version".into());
    }
    if cache.path != path || cache.board.operator != operator {
        return Err("the cache is for another file or operator".into());
    }
    if (cache.dev, cache.ino) != (stat.dev, stat.ino) {
        return Err("the file was replaced (another inode)".into());
    }
    if stat.len < cache.offset || stat.len < cache.len {
        return Err("the file was truncated".into());
    }
    if stat.len == cache.len && stat.mtime != cache.mtime {
        return Err("the file was rewritten (same length, new modification time)".into());
    }
    let (head, tail) = windows(cache.offset, window).ok_or("the file could not be read")?;
    if head != cache.head || tail != cache.tail {
        return Err("the file was rewritten (its text before the last entry changed)".into());
    }
    Ok(())
}

fn windows(offset: u64, window: &mut dyn FnMut(u64, u64) -> Option<Vec<u8>>) -> Option<(u64, u64)> {
    let head = window(0, offset.min(WINDOW))?;
    let start = offset.saturating_sub(WINDOW);
    let tail = window(start, offset - start)?;
    Some((fnv1a(&head), fnv1a(&tail)))
}

fn read_window(file: &File, offset: u64, len: u64) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; usize::try_from(len).ok()?];
    file.read_exact_at(&mut buf, offset).ok()?;
    Some(buf)
}

/// Load the cache file (`None` when missing or unreadable).
pub fn load(cache_path: &Path) -> Option<Cache> {
    let bytes = std::fs::read(cache_path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Save the cache file atomically (a temporary file renamed into place); failures are
/// ignored: the cache is only an optimisation.
pub fn save(cache_path: &Path, cache: &Cache) {
    let Ok(json) = serde_json::to_vec(cache) else {
        return;
    };
    if let Some(dir) = cache_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = cache_path.with_extension(format!("tmp.{}", std::process::id()));
    if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, cache_path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Add the entry whose text is `text` (header line first, numbered `line`).
fn add_text(board: &mut Board, text: &str, line: usize) {
    let reader = Reader::resume(text.as_bytes(), 0, line.saturating_sub(1)).warnings(false);
    let _ = reader.visit(|ev| {
        if let Event::Entry(e) = ev {
            board.add_view(e);
        }
    });
}

/// The rules' state for the whole coordination file, read through the cache at
/// `cache_path` (which is then brought up to date).
pub fn board(
    coordination: &Path,
    cache_path: &Path,
    operator: &str,
) -> std::io::Result<(Board, Outcome)> {
    let mut file = match File::open(coordination) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Board::new(operator), Outcome::Missing));
        }
        Err(e) => return Err(e),
    };
    let stat = FileStat::of(&file.metadata()?);
    let (mut board, start, start_line, outcome) = match load(cache_path) {
        None => (
            Board::new(operator),
            0,
            0,
            Outcome::Fresh("no cache".into()),
        ),
        Some(c) => {
            let mut window = |off, len| read_window(&file, off, len);
            match check(&c, coordination, operator, stat, &mut window) {
                Ok(()) => (
                    Board::restore(c.board),
                    c.offset,
                    c.line,
                    Outcome::Resumed { offset: c.offset },
                ),
                Err(why) => (Board::new(operator), 0, 0, Outcome::Fresh(why)),
            }
        }
    };
    file.seek(SeekFrom::Start(start))?;
    // Every entry but the last goes into the board as it is read; the last is held back,
    // so the cache can save the state before it and read it again next time.
    let mut held = String::new();
    let mut held_at: Option<(u64, usize)> = None;
    let reader = Reader::resume(&file, start, start_line).warnings(false);
    reader.visit(|ev| {
        if let Event::Entry(e) = ev {
            if let Some((_, line)) = held_at {
                add_text(&mut board, &held, line);
            }
            held.clear();
            held.push_str(e.text);
            held_at = Some((e.offset, e.line));
        }
    })?;
    let (offset, line) = held_at.map_or((start, start_line), |(at, line)| (at, line - 1));
    let mut window = |off, len| read_window(&file, off, len);
    if let Some((head, tail)) = windows(offset, &mut window) {
        let cache = Cache {
            version: VERSION,
            path: coordination.to_path_buf(),
            dev: stat.dev,
            ino: stat.ino,
            len: stat.len,
            mtime: stat.mtime,
            offset,
            line,
            head,
            tail,
            board: board.snapshot(),
        };
        save(cache_path, &cache);
    }
    if let Some((_, line)) = held_at {
        add_text(&mut board, &held, line);
    }
    Ok((board, outcome))
}
