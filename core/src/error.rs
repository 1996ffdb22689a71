//! The one error type of token-fetch, with its kinds as data.

use std::fmt;

use crate::number;
use crate::reply::Field;

/// Why a token refresh failed.
///
/// Every call that waited for the refresh receives the same reason, and the session-lost event
/// carries it once.
#[derive(Clone, Debug, PartialEq)]
pub enum RefreshFailure {
    /// The token request never got an answer (offline, DNS, CORS, connection reset).
    Network,
    /// The token request took longer than the refresh timeout.
    Timeout,
    /// The token endpoint answered with a status outside 200 to 299.
    Status(u16),
    /// The token endpoint's body is not JSON, or not a JSON object.
    NotJson,
    /// The body's `code` is not 0 (or is missing); the value is kept as the server sent it.
    Code(Field),
    /// The body has no `token`, or none that can be sent: an empty one, or one holding spaces,
    /// control characters or non-ASCII text.
    MissingToken,
    /// The body's `expiresIn` is missing, not a number, not finite or not positive.
    BadExpiresIn,
    /// The credential (the openId, or whatever the credential function gives) is empty, or
    /// the function that provides it threw.
    NoCredential,
}

impl RefreshFailure {
    /// A short kebab-case tag for the reason, stable across versions, for JS code to switch on.
    pub fn tag(&self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Status(_) => "status",
            Self::NotJson => "not-json",
            Self::Code(_) => "code",
            Self::MissingToken => "missing-token",
            Self::BadExpiresIn => "bad-expires-in",
            Self::NoCredential => "no-credential",
        }
    }
}

impl RefreshFailure {
    /// Appends the message, `token refresh failed: …`.
    fn push_message(&self, out: &mut String) {
        out.push_str("token refresh failed: ");
        match self {
            Self::Network => out.push_str("the token request got no answer (network error)"),
            Self::Timeout => out.push_str("the token request timed out"),
            Self::Status(status) => {
                out.push_str("the token endpoint answered HTTP ");
                number::push_u64(out, u64::from(*status));
            }
            Self::NotJson => out.push_str("the token endpoint's answer is not a JSON object"),
            Self::Code(Field::Absent) => out.push_str("the token endpoint's answer has no code"),
            Self::Code(code) => {
                out.push_str("the token endpoint answered code ");
                code.push_to(out);
            }
            Self::MissingToken => out.push_str("the token endpoint's answer has no usable token"),
            Self::BadExpiresIn => {
                out.push_str("the token endpoint's expiresIn is missing or not a positive number")
            }
            Self::NoCredential => out.push_str("no credential (openId) to ask for a token with"),
        }
    }
}

/// The message, built without `core::fmt` (see [`Error::message`]).
impl fmt::Display for RefreshFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.push_message(&mut out);
        f.write_str(&out)
    }
}

/// What went wrong, as data: JS code tells the kinds apart by the `name` of the error object.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// A token refresh this call needed failed.
    Refresh(RefreshFailure),
    /// The call took longer than its timeout, counting any wait for a refresh and the replay.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// A replay was needed but the request body was a one-shot stream that could not be kept.
    BodyNotReplayable,
    /// An option given to the client is wrong; `field` names it.
    InvalidOption {
        /// The option's name as the caller spells it, such as `tokenUrl` or `apiOrigins[1]`.
        field: String,
        /// What is wrong with it, as a lowercase phrase.
        problem: String,
    },
}

/// The error of every token-fetch operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind) -> Self {
        Self { kind }
    }

    /// An invalid option, naming the field and what is wrong with it.
    pub fn invalid_option(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidOption {
            field: field.into(),
            problem: problem.into(),
        })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The `name` the error carries in JS, one per kind.
    pub fn name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Refresh(_) => "TokenRefreshError",
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::Aborted => "AbortError",
            ErrorKind::BodyNotReplayable => "BodyNotReplayableError",
            ErrorKind::InvalidOption { .. } => "TokenClientOptionsError",
        }
    }

    /// The message, a lowercase sentence without a full stop.
    ///
    /// Built by appending text rather than through `core::fmt`, whose formatting code the
    /// WebAssembly build would otherwise carry for these few messages.
    pub fn message(&self) -> String {
        let mut out = String::new();
        match &self.kind {
            ErrorKind::Refresh(failure) => failure.push_message(&mut out),
            ErrorKind::Timeout => out.push_str("the request timed out"),
            ErrorKind::Aborted => out.push_str("the request was aborted"),
            ErrorKind::BodyNotReplayable => out.push_str(
                "the token was rejected and the request must be sent again, but its body was a \
                 one-shot stream that could not be kept; send a string, bytes, Blob or FormData",
            ),
            ErrorKind::InvalidOption { field, problem } => {
                out.push_str("invalid token-fetch option ");
                out.push_str(field);
                out.push_str(": ");
                out.push_str(problem);
            }
        }
        out
    }

    /// The refresh failure behind this error, if it is one.
    pub fn refresh_failure(&self) -> Option<&RefreshFailure> {
        match &self.kind {
            ErrorKind::Refresh(failure) => Some(failure),
            _ => None,
        }
    }
}

impl From<RefreshFailure> for Error {
    fn from(failure: RefreshFailure) -> Self {
        Self::new(ErrorKind::Refresh(failure))
    }
}

/// The same text as [`Error::message`].
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_name() {
        let kinds = [
            ErrorKind::Refresh(RefreshFailure::Network),
            ErrorKind::Timeout,
            ErrorKind::Aborted,
            ErrorKind::BodyNotReplayable,
            ErrorKind::InvalidOption {
                field: "x".into(),
                problem: "y".into(),
            },
        ];
        let mut names: Vec<_> = kinds.into_iter().map(|k| Error::new(k).name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 5);
    }

    #[test]
    fn refresh_messages_name_what_happened() {
        let status = Error::from(RefreshFailure::Status(503)).to_string();
        assert_eq!(
            status,
            "token refresh failed: the token endpoint answered HTTP 503"
        );
        let code = Error::from(RefreshFailure::Code(Field::Number(-1.0))).to_string();
        assert_eq!(
            code,
            "token refresh failed: the token endpoint answered code -1"
        );
        let text = Error::from(RefreshFailure::Code(Field::Text("E42".into()))).to_string();
        assert_eq!(
            text,
            "token refresh failed: the token endpoint answered code \"E42\""
        );
    }

    #[test]
    fn option_errors_name_the_field() {
        let error = Error::invalid_option("tokenUrl", "is not an absolute http(s) URL");
        assert_eq!(error.name(), "TokenClientOptionsError");
        assert_eq!(
            error.to_string(),
            "invalid token-fetch option tokenUrl: is not an absolute http(s) URL"
        );
    }
}
