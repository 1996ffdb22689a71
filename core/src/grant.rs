//! A token with its expiry, and the arithmetic that says when to refresh it.

use crate::secret::Secret;

/// A token and the moments, in epoch milliseconds, when it should be refreshed and when it
/// expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    token: Secret,
    expires_at_ms: u64,
    refresh_at_ms: u64,
}

impl Grant {
    /// A token just issued with the given lifetime.
    ///
    /// It is refreshed `leeway_ms` before expiry, but never in the first half of its life: a
    /// server that issues tokens shorter than the leeway would otherwise be asked again on
    /// every request.
    pub fn issued(token: Secret, received_at_ms: u64, lifetime_ms: u64, leeway_ms: u64) -> Self {
        let expires_at_ms = received_at_ms.saturating_add(lifetime_ms);
        // Halve the lifetime that fits before u64::MAX, not the one asked for.
        let leeway_ms = leeway_ms.min((expires_at_ms - received_at_ms) / 2);
        Self {
            token,
            expires_at_ms,
            refresh_at_ms: expires_at_ms - leeway_ms,
        }
    }

    /// A token read back from storage, whose lifetime is no longer known: the full leeway
    /// applies.
    pub fn stored(token: Secret, expires_at_ms: u64, leeway_ms: u64) -> Self {
        let refresh_at_ms = expires_at_ms.saturating_sub(leeway_ms);
        Self {
            token,
            expires_at_ms,
            refresh_at_ms,
        }
    }

    /// The token.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// When the token expires, in epoch milliseconds.
    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }

    /// From when on the token should be refreshed before use, in epoch milliseconds.
    pub fn refresh_at_ms(&self) -> u64 {
        self.refresh_at_ms
    }

    /// Whether a request sent at `now_ms` should get a new token first.
    pub fn needs_refresh(&self, now_ms: u64) -> bool {
        now_ms >= self.refresh_at_ms
    }
}

/// Reads the stored expiry, written by [`format_expires_at`]: epoch milliseconds in decimal.
///
/// Anything else (missing, empty, not a plain non-negative integer, such as `"abc"`,
/// `"1e400"`, `"-5"` or a date string) gives `None`, which the session treats as expired.
pub fn parse_expires_at(stored: Option<&str>) -> Option<u64> {
    let text = stored?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Writes an expiry for storage, the form [`parse_expires_at`] reads.
pub fn format_expires_at(expires_at_ms: u64) -> String {
    let mut out = String::with_capacity(13);
    crate::number::push_u64(&mut out, expires_at_ms);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_refreshed_leeway_before_expiry() {
        let grant = Grant::issued(Secret::new("t"), 1_000, 3_600_000, 300_000);
        assert_eq!(grant.expires_at_ms(), 3_601_000);
        assert!(!grant.needs_refresh(3_300_999));
        assert!(grant.needs_refresh(3_301_000));
    }

    #[test]
    fn a_leeway_longer_than_half_the_life_is_cut_to_half() {
        let grant = Grant::issued(Secret::new("t"), 0, 60_000, 300_000);
        assert_eq!(grant.refresh_at_ms(), 30_000);
    }

    #[test]
    fn a_stored_token_takes_the_whole_leeway() {
        let grant = Grant::stored(Secret::new("t"), 100_000, 300_000);
        assert_eq!(grant.refresh_at_ms(), 0);
        assert!(grant.needs_refresh(0));
    }

    #[test]
    fn stored_expiries_that_are_not_plain_integers_are_rejected() {
        for bad in [
            "",
            " ",
            "abc",
            "1e400",
            "-5",
            "12.5",
            "Tue, 01 Dec 2026",
            "0x10",
            "+7",
        ] {
            assert_eq!(parse_expires_at(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(parse_expires_at(None), None);
        assert_eq!(parse_expires_at(Some("99999999999999999999999")), None);
        assert_eq!(
            parse_expires_at(Some(" 1733200000000 ")),
            Some(1_733_200_000_000)
        );
    }

    /// Property tests; proptest's randomness does not build for wasm32, so host only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            #[test]
            fn only_plain_digit_strings_parse(text in ".*") {
                let trimmed = text.trim();
                match parse_expires_at(Some(&text)) {
                    Some(value) => {
                        prop_assert!(trimmed.bytes().all(|b| b.is_ascii_digit()));
                        prop_assert_eq!(Some(value), trimmed.parse::<u64>().ok());
                    }
                    None => prop_assert!(
                        trimmed.is_empty()
                            || !trimmed.bytes().all(|b| b.is_ascii_digit())
                            || trimmed.parse::<u64>().is_err()
                    ),
                }
            }

            #[test]
            fn stored_expiries_round_trip(expires_at in any::<u64>()) {
                prop_assert_eq!(parse_expires_at(Some(&format_expires_at(expires_at))),
                    Some(expires_at));
            }

            #[test]
            fn refresh_point_lies_between_issue_and_expiry(
                received_at in any::<u64>(), lifetime in 1u64.., leeway in any::<u64>()
            ) {
                let grant = Grant::issued(Secret::new("t"), received_at, lifetime, leeway);
                prop_assert!(grant.refresh_at_ms() <= grant.expires_at_ms());
                prop_assert!(grant.refresh_at_ms() >= received_at);
            }
        }
    }
}
