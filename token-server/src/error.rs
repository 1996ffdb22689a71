//! The one error the library can return.

use std::fmt;

/// Why an [`app`](crate::app) could not be built.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Random(getrandom::Error),
}

impl Error {
    /// The operating system would not hand out random bytes for the signing secret.
    pub(crate) fn random(source: getrandom::Error) -> Self {
        Self {
            kind: ErrorKind::Random(source),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Random(source) => {
                write!(
                    f,
                    "cannot gather random bytes for the signing secret: {source}"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Random(source) => Some(source),
        }
    }
}
