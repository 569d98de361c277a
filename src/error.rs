//! The few errors that carry meaning: usage/config errors exit 2, the rest exit 1.

use std::fmt;

/// Exit codes, as DESIGN §3: 0 success, 1 a failure at run time, 2 a usage or config error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything went well.
    Success = 0,
    /// A failure at run time.
    Failure = 1,
    /// A usage or config error.
    Usage = 2,
}

/// An error that makes atlas exit with code 2: bad input from the user (a bad config, an
/// unknown agent, a malformed flag value).
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Build a usage error (exit 2) as an `anyhow::Error`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// An error whose message was already shown; exit quietly with the given code.
#[derive(Debug)]
pub struct Silent(pub Exit);

impl fmt::Display for Silent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}", self.0 as i32)
    }
}

impl std::error::Error for Silent {}

/// The exit code an error maps to.
pub fn exit_code(err: &anyhow::Error) -> Exit {
    if let Some(s) = err.downcast_ref::<Silent>() {
        return s.0;
    }
    if err.downcast_ref::<UsageError>().is_some()
        || err.downcast_ref::<crate::config::ConfigError>().is_some()
    {
        return Exit::Usage;
    }
    Exit::Failure
}

/// Whether an error is a broken pipe (output closed early, e.g. `atlas logs | head`): not a
/// failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            // JSON written straight to stdout fails as a serde_json error.
            || e.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}
