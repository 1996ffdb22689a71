//! The token endpoint's answer, `{"code":0,"token":"…","expiresIn":3600}`, and what it grants.

use std::fmt;

use crate::error::RefreshFailure;
use crate::grant::Grant;
use crate::number;
use crate::secret::Secret;

/// One JSON value read from a token response, as loosely typed as the servers that send it.
///
/// The edge parses the body with the platform's own JSON parser and hands the core the fields
/// it needs in this form, so the core needs no JSON parser of its own.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// The key is not in the object.
    Absent,
    /// The value is `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (JSON numbers are doubles in JS).
    Number(f64),
    /// A string.
    Text(String),
    /// An object or an array.
    Other,
}

impl Field {
    /// The value as a finite number: a JSON number, or a string holding one.
    pub(crate) fn as_number(&self) -> Option<f64> {
        let number = match self {
            Self::Number(number) => *number,
            Self::Text(text) => number::parse_f64(text.trim())?,
            _ => return None,
        };
        number.is_finite().then_some(number)
    }
}

impl Field {
    /// Appends the value as a message shows it: numbers plain, text quoted.
    pub(crate) fn push_to(&self, out: &mut String) {
        match self {
            Self::Absent => out.push_str("(none)"),
            Self::Null => out.push_str("null"),
            Self::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Self::Number(value) => number::push_f64(out, *value),
            Self::Text(text) => push_quoted(out, text),
            Self::Other => out.push_str("(an object)"),
        }
    }
}

/// Appends `text` in double quotes, with quotes, backslashes and control characters escaped.
fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                out.push_str("\\u{");
                let mut rest = u32::from(c);
                let mut digits = [b'0'; 6];
                let mut at = digits.len();
                loop {
                    at -= 1;
                    digits[at] = b"0123456789abcdef"[(rest % 16) as usize];
                    rest /= 16;
                    if rest == 0 {
                        break;
                    }
                }
                for &digit in &digits[at..] {
                    out.push(char::from(digit));
                }
                out.push('}');
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Written as a message shows it; see [`Field::push_to`].
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.push_to(&mut out);
        f.write_str(&out)
    }
}

/// The fields of a token response that the core judges.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenReply {
    /// `code`: 0 means success, anything else failure, whatever the HTTP status said.
    pub code: Field,
    /// `token`, when it is a string; any other value counts as missing, and so does a string
    /// that cannot go in an `Authorization` header.
    pub token: Option<Secret>,
    /// `expiresIn`, the lifetime in seconds from the moment the answer arrived.
    pub expires_in: Field,
}

impl TokenReply {
    /// Judges the reply that arrived at `received_at_ms` (epoch milliseconds).
    ///
    /// # Errors
    /// The [`RefreshFailure`] that names the first thing wrong, checked in the order code,
    /// token, expiresIn.
    pub fn into_grant(self, received_at_ms: u64, leeway_ms: u64) -> Result<Grant, RefreshFailure> {
        if self.code.as_number() != Some(0.0) {
            return Err(RefreshFailure::Code(self.code));
        }
        let token = match self.token {
            Some(token) if token.is_sendable() => token,
            _ => return Err(RefreshFailure::MissingToken),
        };
        let seconds = self
            .expires_in
            .as_number()
            .ok_or(RefreshFailure::BadExpiresIn)?;
        // `as` saturates, so an absurd lifetime becomes u64::MAX milliseconds, not a wrap.
        let lifetime_ms = (seconds * 1000.0) as u64;
        if seconds <= 0.0 || lifetime_ms == 0 {
            return Err(RefreshFailure::BadExpiresIn);
        }
        Ok(Grant::issued(token, received_at_ms, lifetime_ms, leeway_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: Field, token: Option<&str>, expires_in: Field) -> TokenReply {
        TokenReply {
            code,
            token: token.map(Secret::new),
            expires_in,
        }
    }

    #[test]
    fn a_good_reply_grants_a_token_expiring_expires_in_after_arrival() {
        let grant = reply(Field::Number(0.0), Some("abc"), Field::Number(3600.0))
            .into_grant(1_000_000, 300_000)
            .expect("a good reply");
        assert_eq!(grant.token().expose(), "abc");
        assert_eq!(grant.expires_at_ms(), 1_000_000 + 3_600_000);
        assert_eq!(grant.refresh_at_ms(), 1_000_000 + 3_300_000);
    }

    #[test]
    fn code_strings_and_numeric_strings_are_read_as_numbers() {
        let grant = reply(Field::Text("0".into()), Some("t"), Field::Text("60".into()))
            .into_grant(0, 10_000)
            .expect("numeric strings");
        assert_eq!(grant.expires_at_ms(), 60_000);
    }

    #[test]
    fn a_nonzero_code_fails_even_with_a_token() {
        let failure = reply(Field::Number(-1.0), Some("t"), Field::Number(60.0))
            .into_grant(0, 0)
            .expect_err("code -1");
        assert_eq!(failure, RefreshFailure::Code(Field::Number(-1.0)));
        let missing = reply(Field::Absent, Some("t"), Field::Number(60.0)).into_grant(0, 0);
        assert_eq!(missing, Err(RefreshFailure::Code(Field::Absent)));
    }

    #[test]
    fn missing_empty_or_unsendable_tokens_fail() {
        for token in [None, Some(""), Some("a b"), Some("t\n"), Some("токен")] {
            let failure = reply(Field::Number(0.0), token, Field::Number(60.0)).into_grant(0, 0);
            assert_eq!(failure, Err(RefreshFailure::MissingToken));
        }
    }

    #[test]
    fn bad_expires_in_values_fail() {
        let bad = [
            Field::Absent,
            Field::Null,
            Field::Bool(true),
            Field::Number(0.0),
            Field::Number(-5.0),
            Field::Number(f64::INFINITY),
            Field::Number(f64::NAN),
            Field::Number(1e-9),
            Field::Text("soon".into()),
            Field::Text("1e400".into()),
            Field::Other,
        ];
        for expires_in in bad {
            let failure = reply(Field::Number(0.0), Some("t"), expires_in.clone()).into_grant(0, 0);
            assert_eq!(failure, Err(RefreshFailure::BadExpiresIn), "{expires_in:?}");
        }
    }

    #[test]
    fn a_huge_lifetime_saturates_instead_of_wrapping() {
        let grant = reply(Field::Number(0.0), Some("t"), Field::Number(1e300))
            .into_grant(5, 0)
            .expect("huge but valid");
        assert_eq!(grant.expires_at_ms(), u64::MAX);
    }

    /// Property tests; proptest's randomness does not build for wasm32, so host only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn any_field() -> impl Strategy<Value = Field> {
            prop_oneof![
                Just(Field::Absent),
                Just(Field::Null),
                any::<bool>().prop_map(Field::Bool),
                any::<f64>().prop_map(Field::Number),
                (-1e6f64..1e7).prop_map(Field::Number),
                ".*".prop_map(Field::Text),
                "-?[0-9]{0,12}(\\.[0-9]{0,4})?".prop_map(Field::Text),
                Just(Field::Other),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            /// Whatever the server sends, judging it never panics, and a grant is only ever made
            /// from code 0, a non-empty token and a positive lifetime, expiring after arrival.
            #[test]
            fn any_reply_is_judged_without_panicking(
                code in any_field(),
                token in proptest::option::of(".{0,40}"),
                expires_in in any_field(),
                received_at in 0u64..4_000_000_000_000,
                leeway in 0u64..10_000_000,
            ) {
                let reply = reply(code.clone(), token.as_deref(), expires_in);
                match reply.into_grant(received_at, leeway) {
                    Ok(grant) => {
                        prop_assert_eq!(code.as_number(), Some(0.0));
                        prop_assert!(grant.token().is_sendable());
                        prop_assert!(grant.expires_at_ms() > received_at);
                        prop_assert!(grant.refresh_at_ms() >= received_at);
                        prop_assert!(grant.refresh_at_ms() <= grant.expires_at_ms());
                    }
                    Err(failure) => prop_assert!(!failure.to_string().is_empty()),
                }
            }

            /// The refresh point keeps at least half of a token's life, however large the leeway,
            /// so a short-lived token is used before it is refreshed again.
            #[test]
            fn a_fresh_grant_is_never_due_for_refresh_at_once(
                seconds in 1u32..100_000,
                leeway in 0u64..u64::MAX / 4,
                received_at in 0u64..4_000_000_000_000,
            ) {
                let grant = reply(Field::Number(0.0), Some("t"), Field::Number(f64::from(seconds)))
                    .into_grant(received_at, leeway)
                    .expect("valid reply");
                prop_assert!(!grant.needs_refresh(received_at));
            }
        }
    }
}
