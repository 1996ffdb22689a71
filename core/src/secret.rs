//! The token itself, wrapped so that it cannot leak through `Debug`.

use std::fmt;

/// A bearer token.
///
/// Its `Debug` output never shows the value, so a token cannot reach a log line or a panic
/// message by accident; only [`Secret::expose`] hands the text out, for the one header that
/// needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token text, for the `Authorization` header and for storage.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token can be sent as `Authorization: Bearer <token>`: it is not empty and
    /// holds only visible ASCII.
    ///
    /// Bearer tokens (RFC 6750's `b64token`, JWTs, and the opaque forms servers issue) never
    /// hold spaces, control characters or other text; `fetch` refuses a header with a line
    /// break or a character beyond Latin-1, so such a token would fail every call it went with.
    pub fn is_sendable(&self) -> bool {
        !self.0.is_empty() && self.0.bytes().all(|b| b.is_ascii_graphic())
    }

    /// The `Authorization` header value for this token.
    pub fn bearer(&self) -> String {
        let mut value = String::with_capacity(7 + self.0.len());
        value.push_str("Bearer ");
        value.push_str(&self.0);
        value
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_token() {
        let secret = Secret::new("eyJ.very-secret.sig");
        let printed = format!("{secret:?} {:?}", Some(&secret));
        assert!(!printed.contains("very-secret"), "{printed}");
        assert_eq!(secret.bearer(), "Bearer eyJ.very-secret.sig");
    }

    #[test]
    fn only_visible_ascii_tokens_can_be_sent() {
        for good in ["eyJ.a-b_c.d~e+f/g==", "1|laravel", "x"] {
            assert!(Secret::new(good).is_sendable(), "{good:?}");
        }
        for bad in [
            "",
            " ",
            "two words",
            "line\nbreak",
            "tab\there",
            "trailing ",
            "токен",
            "Zoë",
            "nul\0",
        ] {
            assert!(!Secret::new(bad).is_sendable(), "{bad:?}");
        }
    }
}
