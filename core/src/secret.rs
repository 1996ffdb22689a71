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
}
