//! One-time login codes, as `wx.login()` hands out and code2session consumes.

use std::collections::HashMap;
use std::fmt::Write as _;

/// How long a code stays exchangeable, as WeChat documents.
pub(crate) const CODE_LIFETIME_MS: u64 = 5 * 60 * 1000;

/// The outstanding codes and the openId each stands for.
#[derive(Debug, Default)]
pub(crate) struct LoginCodes {
    by_code: HashMap<String, Pending>,
}

#[derive(Debug)]
struct Pending {
    open_id: String,
    expires_ms: u64,
}

impl LoginCodes {
    /// Creates a code for `open_id`, valid for [`CODE_LIFETIME_MS`] from `now_ms`.
    pub(crate) fn issue(&mut self, open_id: &str, now_ms: u64) -> Result<String, getrandom::Error> {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes)?;
        let code = bytes
            .iter()
            .fold(String::with_capacity(32), |mut text, byte| {
                let _ = write!(text, "{byte:02x}");
                text
            });

        // Unused codes would otherwise pile up under a long benchmark; sweeping only now and
        // then keeps each login cheap.
        if self.by_code.len() % 1024 == 1023 {
            self.by_code
                .retain(|_, pending| pending.expires_ms > now_ms);
        }

        let pending = Pending {
            open_id: open_id.to_owned(),
            expires_ms: now_ms + CODE_LIFETIME_MS,
        };
        self.by_code.insert(code.clone(), pending);
        Ok(code)
    }

    /// The openId behind `code` if it is still exchangeable, without using it up.
    pub(crate) fn peek(&self, code: &str, now_ms: u64) -> Option<&str> {
        self.by_code
            .get(code)
            .filter(|pending| pending.expires_ms > now_ms)
            .map(|pending| pending.open_id.as_str())
    }

    /// Uses up `code`, giving its openId if it was still exchangeable.
    pub(crate) fn take(&mut self, code: &str, now_ms: u64) -> Option<String> {
        self.by_code
            .remove(code)
            .filter(|pending| pending.expires_ms > now_ms)
            .map(|pending| pending.open_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_exchangeable_once() {
        let mut codes = LoginCodes::default();
        let code = codes
            .issue("alice", 0)
            .expect("randomness is available in tests");

        assert_eq!(code.len(), 32);
        assert_eq!(codes.peek(&code, 1), Some("alice"));
        assert_eq!(codes.take(&code, 1).as_deref(), Some("alice"));
        assert_eq!(codes.take(&code, 1), None);
    }

    #[test]
    fn a_code_expires_after_five_minutes() {
        let mut codes = LoginCodes::default();
        let code = codes
            .issue("alice", 0)
            .expect("randomness is available in tests");

        assert_eq!(codes.peek(&code, CODE_LIFETIME_MS), None);
        assert_eq!(codes.take(&code, CODE_LIFETIME_MS), None);
    }
}
