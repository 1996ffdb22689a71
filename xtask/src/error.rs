//! The one error type of xtask: a sentence for the person reading the terminal.

use std::fmt;

/// A failure, already worded for the terminal.
///
/// xtask never inspects an error after creating it, so a message is all it holds.
#[derive(Debug)]
pub struct Error(String);

impl Error {
    /// Wraps a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The result of every fallible step in xtask.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Prefixes an error with what was being attempted, `anyhow::Context`-style.
pub trait Context<T> {
    /// Wraps the error as `what: error`.
    fn context(self, what: impl fmt::Display) -> Result<T>;

    /// Like [`Context::context`], building the prefix only on failure.
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::new(format!("{what}: {e}")))
    }

    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::new(format!("{}: {e}", what())))
    }
}

/// Returns early with an [`Error`] built from a format string.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::new(format!($($arg)*)))
    };
}
pub(crate) use bail;
