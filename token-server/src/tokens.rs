//! Issuing and checking the HS256 tokens.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The claims of every token this server signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The openId the token was issued to.
    pub(crate) sub: String,
    /// The token id, `t` followed by the issue number.
    pub(crate) jti: String,
    /// Issued at, in Unix seconds.
    pub(crate) iat: u64,
    /// The advertised expiry (`iat` plus the reported `expiresIn`), in Unix seconds.
    pub(crate) exp: u64,
    /// When the server really stops accepting the token, in Unix milliseconds.
    ///
    /// It differs from `exp` only under a lifetime override; milliseconds let a test ask for a
    /// one-second token without it dying early because `iat` was rounded down.
    pub(crate) valid_until_ms: u64,
}

impl Claims {
    /// The issue number inside `jti`, which revocation compares against.
    pub(crate) fn serial(&self) -> Option<u64> {
        self.jti.strip_prefix('t')?.parse().ok()
    }
}

/// Who a token says it belongs to, read without trusting it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Identity {
    /// The `sub` claim.
    #[serde(rename = "sub")]
    pub(crate) open_id: String,
    /// The `jti` claim, if any.
    #[serde(rename = "jti")]
    pub(crate) token_id: Option<String>,
}

impl Identity {
    /// The claimed identity of any JWT-shaped `token`, signed by whoever.
    ///
    /// Only counters use it, so that a stale token from an earlier server process is still
    /// counted for the user it names.
    pub(crate) fn unverified(token: &str) -> Option<Self> {
        jsonwebtoken::dangerous::insecure_decode_claims(token).ok()
    }
}

impl From<&Claims> for Identity {
    fn from(claims: &Claims) -> Self {
        Self {
            open_id: claims.sub.clone(),
            token_id: Some(claims.jti.clone()),
        }
    }
}

/// The signing secret and the counter behind token ids.
pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issued: AtomicU64,
}

impl TokenKeys {
    /// Keys over a fresh random secret, so tokens die with the process.
    pub(crate) fn generate() -> Result<Self, Error> {
        let mut secret = [0_u8; 32];
        getrandom::fill(&mut secret).map_err(Error::random)?;

        let encoding = EncodingKey::from_secret(&secret).expect("a 32-byte secret is not empty");
        let decoding = DecodingKey::from_secret(&secret).expect("a 32-byte secret is not empty");

        // Expiry is checked against `valid_until_ms` by the caller, because `exp` is what the
        // server advertises, not what it enforces.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims = HashSet::new();

        Ok(Self {
            encoding,
            decoding,
            validation,
            issued: AtomicU64::new(0),
        })
    }

    /// Takes the next issue number (the first is 1).
    pub(crate) fn next_serial(&self) -> u64 {
        self.issued.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The issue number of the latest token handed out so far (0 before the first).
    pub(crate) fn last_serial(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    /// Signs `claims` into a compact JWT.
    pub(crate) fn sign(&self, claims: &Claims) -> jsonwebtoken::errors::Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The claims of `token` if this process signed it, whether or not it is still valid.
    pub(crate) fn verify_signature(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

impl fmt::Debug for TokenKeys {
    // Written by hand so the secret never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issued", &self.last_serial())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(jti: &str) -> Claims {
        Claims {
            sub: "alice".to_owned(),
            jti: jti.to_owned(),
            iat: 1,
            exp: 2,
            valid_until_ms: 2000,
        }
    }

    #[test]
    fn a_signed_token_verifies_to_the_same_claims() {
        let keys = TokenKeys::generate().expect("randomness is available in tests");
        let token = keys.sign(&claims("t1")).expect("HS256 signing cannot fail");

        assert_eq!(keys.verify_signature(&token), Some(claims("t1")));
    }

    #[test]
    fn a_token_from_another_process_is_rejected() {
        let ours = TokenKeys::generate().expect("randomness is available in tests");
        let theirs = TokenKeys::generate().expect("randomness is available in tests");
        let token = theirs
            .sign(&claims("t1"))
            .expect("HS256 signing cannot fail");

        assert_eq!(ours.verify_signature(&token), None);
    }

    #[test]
    fn a_token_from_another_process_still_names_its_user() {
        let theirs = TokenKeys::generate().expect("randomness is available in tests");
        let token = theirs
            .sign(&claims("t7"))
            .expect("HS256 signing cannot fail");

        let identity = Identity::unverified(&token);

        let expected = Identity {
            open_id: "alice".to_owned(),
            token_id: Some("t7".to_owned()),
        };
        assert_eq!(identity, Some(expected));
        assert_eq!(Identity::unverified("garbage"), None);
    }

    #[test]
    fn serials_count_up_from_one() {
        let keys = TokenKeys::generate().expect("randomness is available in tests");

        assert_eq!(keys.last_serial(), 0);
        assert_eq!(keys.next_serial(), 1);
        assert_eq!(keys.next_serial(), 2);
        assert_eq!(claims("t42").serial(), Some(42));
        assert_eq!(claims("x42").serial(), None);
    }
}
