//! Which API answers mean "the token was rejected": a status, or a business code in the body.
//!
//! Many backends answer an expired token with HTTP 200 and `{"code": 40001}`; a status alone
//! cannot tell, so a rule names the status it applies to, the body field and the values that
//! mean rejection. Every edge shares these rules: the browser reads the body of a copy of the
//! response, the mini-program edge reads the `data` that `wx.request` already parsed.

use crate::reply::Field;

/// One body rule: under `status` (any status when `None`), the body field at `path` holding
/// one of `values` means the token was rejected.
///
/// ```
/// use token_fetch_core::{AuthErrorRule, Field};
///
/// let rule = AuthErrorRule::new(Some(200), "code", vec![Field::Number(40001.0)]);
/// assert!(rule.applies_to(200));
/// assert!(rule.matches(&Field::Text("40001".into())));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AuthErrorRule {
    status: Option<u16>,
    path: Vec<String>,
    values: Vec<Field>,
}

impl AuthErrorRule {
    /// A rule for the body field `field`, a key or a dotted path such as `error.code`.
    pub fn new(status: Option<u16>, field: &str, values: Vec<Field>) -> Self {
        Self {
            status,
            path: field.split('.').map(str::to_owned).collect(),
            values,
        }
    }

    /// The keys leading to the field, outermost first.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// Whether the rule looks at answers with `status`.
    pub fn applies_to(&self, status: u16) -> bool {
        self.status.is_none_or(|wanted| wanted == status)
    }

    /// Whether `value`, found at the rule's path, is one of the rule's values.
    pub fn matches(&self, value: &Field) -> bool {
        self.values.iter().any(|expected| same(expected, value))
    }
}

/// Two JSON values are the same when equal, or when both read as the same finite number: a
/// server may send `40001` or `"40001"`, as it may send `code` either way in a token answer.
fn same(expected: &Field, actual: &Field) -> bool {
    if expected == actual && !matches!(actual, Field::Absent | Field::Other) {
        return true;
    }
    match (expected.as_number(), actual.as_number()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The statuses and body rules by which a client recognises a rejected token.
///
/// ```
/// use token_fetch_core::{AuthErrorRule, Field, Rejection};
///
/// let rule = AuthErrorRule::new(Some(200), "code", vec![Field::Number(40001.0)]);
/// let rejection = Rejection::new(vec![401], vec![rule]);
/// assert!(rejection.is_rejection(401, |_| Field::Absent));
/// assert!(rejection.needs_body(200));
/// assert!(rejection.is_rejection(200, |_| Field::Number(40001.0)));
/// assert!(!rejection.is_rejection(200, |_| Field::Number(0.0)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    statuses: Vec<u16>,
    rules: Vec<AuthErrorRule>,
}

impl Rejection {
    /// Rejection by any of `statuses`, or by any of the body `rules`.
    pub fn new(statuses: Vec<u16>, rules: Vec<AuthErrorRule>) -> Self {
        Self { statuses, rules }
    }

    /// Whether `status` alone says the token was rejected.
    pub fn by_status(&self, status: u16) -> bool {
        self.statuses.contains(&status)
    }

    /// Whether an answer with `status` can only be judged by reading its body.
    pub fn needs_body(&self, status: u16) -> bool {
        !self.by_status(status) && self.rules.iter().any(|rule| rule.applies_to(status))
    }

    /// Judges an answer with `status`; `field_at` gives the body's value at a path, and is
    /// only called when a body rule applies to the status.
    pub fn is_rejection(&self, status: u16, mut field_at: impl FnMut(&[String]) -> Field) -> bool {
        self.by_status(status)
            || self
                .rules
                .iter()
                .filter(|rule| rule.applies_to(status))
                .any(|rule| rule.matches(&field_at(rule.path())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn business(values: &[f64]) -> AuthErrorRule {
        let values = values.iter().copied().map(Field::Number).collect();
        AuthErrorRule::new(Some(200), "code", values)
    }

    #[test]
    fn a_business_code_under_its_status_is_a_rejection() {
        let rejection = Rejection::new(vec![401], vec![business(&[401.0, 40001.0])]);
        let body = |code: Field| move |_: &[String]| code.clone();

        assert!(rejection.is_rejection(200, body(Field::Number(40001.0))));
        assert!(rejection.is_rejection(200, body(Field::Text("401".into()))));
        assert!(!rejection.is_rejection(200, body(Field::Number(0.0))));
        assert!(!rejection.is_rejection(200, body(Field::Absent)));
        assert!(!rejection.is_rejection(500, body(Field::Number(40001.0))));
    }

    #[test]
    fn a_rejecting_status_needs_no_body() {
        let rejection = Rejection::new(vec![401], vec![business(&[40001.0])]);
        let mut looked = false;
        assert!(rejection.is_rejection(401, |_| {
            looked = true;
            Field::Absent
        }));
        assert!(!looked, "the body is not read for a refreshOn status");
        assert!(!rejection.needs_body(401));
        assert!(!rejection.needs_body(204));
        assert!(rejection.needs_body(200));
    }

    #[test]
    fn a_rule_without_a_status_applies_to_every_status() {
        let rule = AuthErrorRule::new(None, "error.code", vec![Field::Text("expired".into())]);
        assert_eq!(rule.path(), ["error", "code"]);
        let rejection = Rejection::new(Vec::new(), vec![rule]);
        for status in [200, 403, 500] {
            assert!(rejection.needs_body(status));
            assert!(rejection.is_rejection(status, |path| {
                assert_eq!(path, ["error", "code"]);
                Field::Text("expired".into())
            }));
        }
        assert!(!rejection.is_rejection(200, |_| Field::Text("Expired".into())));
    }

    #[test]
    fn values_compare_as_numbers_or_exactly() {
        let rule = AuthErrorRule::new(
            None,
            "code",
            vec![Field::Text("40001".into()), Field::Bool(true), Field::Null],
        );
        assert!(rule.matches(&Field::Number(40001.0)));
        assert!(rule.matches(&Field::Text(" 40001 ".into())));
        assert!(rule.matches(&Field::Bool(true)));
        assert!(rule.matches(&Field::Null));
        assert!(!rule.matches(&Field::Bool(false)));
        assert!(!rule.matches(&Field::Absent));
        assert!(!rule.matches(&Field::Other));
        assert!(!rule.matches(&Field::Number(f64::NAN)));
    }

    #[test]
    fn no_rules_means_statuses_only() {
        let rejection = Rejection::new(vec![401, 419], Vec::new());
        assert!(rejection.is_rejection(419, |_| unreachable!("no rule reads the body")));
        assert!(!rejection.is_rejection(200, |_| unreachable!("no rule reads the body")));
        assert!(!rejection.needs_body(200));
    }

    /// Property tests; proptest's randomness does not build for wasm32, so host only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            /// A status no rule names and no refreshOn lists is never a rejection, whatever
            /// the body holds, and its body is never read.
            #[test]
            fn other_statuses_are_never_rejections(status in 100u16..600, code in any::<f64>()) {
                prop_assume!(status != 200 && status != 401);
                let rejection = Rejection::new(vec![401], vec![business(&[code])]);
                prop_assert!(!rejection.needs_body(status));
                prop_assert!(!rejection.is_rejection(status, |_| Field::Number(code)));
            }
        }
    }
}
