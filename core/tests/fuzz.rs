//! Fuzzing the two parsers that take outside input: the token endpoint's answer and the values
//! found in storage. Property tests with many cases each (see [`CASES`]): whatever comes in,
//! nothing panics, and every input that is not a good grant or a usable stored token becomes
//! a typed [`RefreshFailure`] or counts as no token.
//!
//! The browser edge parses the body with `JSON.parse` and hands the core the three fields; here
//! `serde_json` stands in for `JSON.parse`, and [`reply_from_json`] maps its values the way the
//! edge's `field_from_js` maps JS values.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{Map, Value};
use token_fetch_core::{Field, Grant, Next, RefreshFailure, Secret, Session, Stored, TokenReply};

/// Inputs per parser property.
const CASES: u32 = 20_000;

/// Sequences for the session property, each of up to 40 steps.
const SEQUENCES: u32 = 5_000;

/// Every reason a refresh can fail, as JS code sees them in `TokenRefreshError.reason`.
const TAGS: [&str; 8] = [
    "network",
    "timeout",
    "status",
    "not-json",
    "code",
    "missing-token",
    "bad-expires-in",
    "no-credential",
];

/// A JSON value as the edge hands it to the core.
fn field(value: Option<&Value>) -> Field {
    match value {
        None => Field::Absent,
        Some(Value::Null) => Field::Null,
        Some(Value::Bool(flag)) => Field::Bool(*flag),
        Some(Value::Number(number)) => Field::Number(number.as_f64().unwrap_or(f64::NAN)),
        Some(Value::String(text)) => Field::Text(text.clone()),
        Some(Value::Array(_) | Value::Object(_)) => Field::Other,
    }
}

/// The token endpoint's body, judged the way the browser edge and the core judge it.
fn reply_from_json(body: &str) -> Result<TokenReply, RefreshFailure> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) else {
        return Err(RefreshFailure::NotJson);
    };
    let token = match object.get("token") {
        Some(Value::String(token)) => Some(Secret::new(token.clone())),
        _ => None,
    };
    Ok(TokenReply {
        code: field(object.get("code")),
        token,
        expires_in: field(object.get("expiresIn")),
    })
}

fn judge(body: &str, received_at: u64, leeway: u64) -> Result<Grant, RefreshFailure> {
    reply_from_json(body)?.into_grant(received_at, leeway)
}

/// A field read as a number the way a server might mean it: a JSON number, or a string
/// holding one; written apart from the core, to check it.
fn meant_number(value: Option<&Value>) -> Option<f64> {
    let number = match value? {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    number.is_finite().then_some(number)
}

/// Values servers put in `code`, `token` and `expiresIn`, good ones and typical mistakes.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::from(0)),
        Just(Value::from(-1)),
        Just(Value::from(3600)),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-1e4f64..1e6).prop_map(Value::from),
        "[ ]?-?[0-9]{0,8}(\\.[0-9]{0,3})?(e[+-]?[0-9]{1,3})?[ ]?".prop_map(Value::from),
        prop::sample::select(vec![
            "0",
            "-0",
            "+0",
            "0x0",
            "0.0",
            "NaN",
            "Infinity",
            "-Infinity",
            "inf",
            "1e400",
            "",
            " ",
            "60s",
            "3600",
            "1_000",
            "١٢٣",
        ])
        .prop_map(Value::from),
        "[A-Za-z0-9._~+/=-]{1,48}".prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
        Just(Value::Array(vec![Value::from(0)])),
        Just(Value::Object(Map::new())),
    ]
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    field_value().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A body shaped like a token response: each of the three keys present or not, with any of
/// the usual values, plus stray keys.
fn token_object() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(0.9, field_value()),
        prop::option::weighted(0.9, field_value()),
        prop::option::weighted(0.9, field_value()),
        prop::collection::btree_map("[a-zA-Z]{1,8}", any_json(), 0..3),
    )
        .prop_map(|(code, token, expires_in, extra)| {
            let mut object: Map<String, Value> = extra.into_iter().collect();
            for (key, value) in [("code", code), ("token", token), ("expiresIn", expires_in)] {
                match value {
                    Some(value) => object.insert(key.to_owned(), value),
                    None => object.remove(key),
                };
            }
            Value::Object(object)
        })
}

/// Token response bodies as text: well-formed, cut short, with a byte changed, or anything.
fn body_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => token_object().prop_map(|value| value.to_string()),
        1 => any_json().prop_map(|value| value.to_string()),
        1 => (token_object(), any::<prop::sample::Index>()).prop_map(|(value, cut)| {
            let text = value.to_string();
            let mut end = cut.index(text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        }),
        1 => (token_object(), any::<prop::sample::Index>(), any::<char>()).prop_map(
            |(value, at, replacement)| {
                let mut chars: Vec<char> = value.to_string().chars().collect();
                let at = at.index(chars.len());
                chars[at] = replacement;
                chars.into_iter().collect()
            }
        ),
        1 => ".{0,64}",
        1 => Just("<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Whatever the token endpoint answers: a grant only from code 0, a token that can be
    /// sent and a positive lifetime, expiring exactly `expiresIn` after arrival; otherwise a
    /// typed failure, named in the order code, token, expiresIn, whose message carries no
    /// token.
    #[test]
    fn any_token_response_becomes_a_grant_or_a_typed_failure(
        body in body_text(),
        received_at in 0u64..4_102_444_800_000,
        leeway in 0u64..1_000_000_000,
    ) {
        let parsed = serde_json::from_str::<Value>(&body).ok();
        let object = parsed.as_ref().and_then(Value::as_object);
        match judge(&body, received_at, leeway) {
            Ok(grant) => {
                let object = object.expect("a grant comes from a JSON object");
                prop_assert_eq!(meant_number(object.get("code")), Some(0.0));
                prop_assert_eq!(
                    object.get("token").and_then(Value::as_str),
                    Some(grant.token().expose())
                );
                prop_assert!(grant.token().is_sendable());
                let seconds = meant_number(object.get("expiresIn")).expect("a lifetime");
                prop_assert!(seconds > 0.0);
                let lifetime_ms = (seconds * 1000.0) as u64;
                prop_assert_eq!(grant.expires_at_ms(), received_at.saturating_add(lifetime_ms));
                prop_assert!(grant.refresh_at_ms() >= received_at);
                prop_assert!(grant.refresh_at_ms() <= grant.expires_at_ms());
                prop_assert!(!grant.needs_refresh(received_at));
            }
            Err(failure) => {
                prop_assert!(TAGS.contains(&failure.tag()));
                let message = failure.to_string();
                prop_assert!(message.starts_with("token refresh failed: "), "{}", message);
                let Some(object) = object else {
                    prop_assert_eq!(failure, RefreshFailure::NotJson);
                    return Ok(());
                };
                let token = object.get("token").and_then(Value::as_str);
                match &failure {
                    RefreshFailure::Code(code) => {
                        prop_assert_ne!(meant_number(object.get("code")), Some(0.0));
                        prop_assert_eq!(code, &field(object.get("code")));
                    }
                    RefreshFailure::MissingToken => {
                        prop_assert_eq!(meant_number(object.get("code")), Some(0.0));
                        prop_assert!(!token.map(Secret::new).is_some_and(|t| t.is_sendable()));
                    }
                    RefreshFailure::BadExpiresIn => {
                        prop_assert!(token.map(Secret::new).is_some_and(|t| t.is_sendable()));
                        let seconds = meant_number(object.get("expiresIn"));
                        prop_assert!(seconds.is_none_or(|s| (s * 1000.0) as u64 == 0));
                    }
                    other => prop_assert!(false, "judging a body cannot fail with {:?}", other),
                }
                if let Some(token) = token.filter(|t| t.len() >= 8) {
                    if !matches!(failure, RefreshFailure::Code(_)) {
                        prop_assert!(!message.contains(token), "{}", message);
                    }
                }
            }
        }
    }
}

/// What other code, or another version, may have left under the token's storage key.
fn stored_token() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.9,
        prop_oneof![
            "[A-Za-z0-9_-]{8,24}\\.[A-Za-z0-9_-]{8,24}\\.[A-Za-z0-9_-]{8,24}",
            Just(String::new()),
            Just("undefined".to_owned()),
            Just("null".to_owned()),
            "\"[A-Za-z0-9]{4,12}\"",
            "[ \\t\\r\\n]{1,3}",
            "[A-Za-z0-9]{1,8}[ \\t\\r\\n\\u{0}][A-Za-z0-9]{1,8}",
            "\\PC{1,16}",
            ".{0,32}",
        ],
    )
}

/// What may be under the expiry key: epoch milliseconds, past or future, and garbage.
fn stored_expiry() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.9,
        prop_oneof![
            (0u64..8_000_000_000_000).prop_map(|ms| ms.to_string()),
            any::<u64>().prop_map(|ms| ms.to_string()),
            "[0-9]{20,40}",
            "[ ]?-?[0-9]{1,16}(\\.[0-9]{1,3})?(e[+-]?[0-9]{1,3})?[ ]?",
            prop::sample::select(vec![
                "",
                "abc",
                "1e400",
                "NaN",
                "Infinity",
                "0x10",
                "+7",
                "Thu Dec 03 2026 10:00:00 GMT",
                "2026-12-03T10:00:00Z",
                "１２３",
            ])
            .prop_map(str::to_owned),
            ".{0,24}",
        ],
    )
}

/// The rule for stored values, written apart from the session: a token is used only if it
/// can be sent, and until the leeway before an expiry written as plain decimal digits.
fn usable_until(token: Option<&str>, expiry: Option<&str>, leeway: u64) -> Option<u64> {
    let sendable = token.is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()));
    if !sendable {
        return None;
    }
    let digits = expiry?.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<u64>().ok()?.saturating_sub(leeway))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Whatever storage holds: a stored token is sent only while it can be sent and its
    /// expiry, read as epoch milliseconds, is more than the leeway away; anything else makes
    /// the next call refresh first.
    #[test]
    fn any_stored_pair_is_used_only_when_sendable_and_unexpired(
        token in stored_token(),
        expiry in stored_expiry(),
        now in 0u64..8_000_000_000_000,
        leeway in 0u64..1_000_000_000,
    ) {
        let mut session = Session::new(leeway);
        session.adopt_stored(Stored {
            token: token.clone().map(Secret::new),
            expires_at: expiry.clone(),
        });
        let until = usable_until(token.as_deref(), expiry.as_deref(), leeway);
        match session.next(now) {
            Next::Send(ticket) => {
                prop_assert!(until.is_some_and(|until| now < until));
                prop_assert_eq!(Some(ticket.token().expose()), token.as_deref());
                prop_assert!(ticket.token().is_sendable());
            }
            Next::Refresh => prop_assert!(until.is_none_or(|until| now >= until)),
            Next::Wait(_) => prop_assert!(false, "no refresh was started"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(SEQUENCES))]

    /// Storage changing under a session that is refreshing, rejecting and logging out in any
    /// order: no panic, a call waits exactly while a refresh is under way, and no token that
    /// cannot be sent is ever handed out.
    #[test]
    fn any_sequence_of_storage_changes_and_refreshes_keeps_the_session_sound(
        steps in prop::collection::vec(
            (0u8..6, stored_token(), stored_expiry(), 0u64..10_000_000), 1..40),
    ) {
        let mut session = Session::new(300_000);
        let mut now = 1_000_000u64;
        let mut refresh = None;
        let mut last = None;
        for (step, token, expiry, advance) in steps {
            now += advance;
            match step {
                0 => session.adopt_stored(Stored {
                    token: token.map(Secret::new),
                    expires_at: expiry,
                }),
                1 if refresh.is_none() => refresh = Some(session.begin_refresh()),
                2 => {
                    if let Some(id) = refresh.take() {
                        let outcome = match token {
                            Some(token) => TokenReply {
                                code: Field::Number(0.0),
                                token: Some(Secret::new(token)),
                                expires_in: Field::Number(3600.0),
                            }
                            .into_grant(now, 300_000),
                            None => Err(RefreshFailure::Status(500)),
                        };
                        let finished = session.finish_refresh(id, outcome);
                        if let Ok(ticket) = finished.result {
                            prop_assert!(ticket.token().is_sendable());
                        }
                    }
                }
                3 => {
                    if let Some(ticket) = last.take() {
                        session.rejected(&ticket);
                    }
                }
                4 => {
                    session.clear();
                    refresh = None;
                }
                _ => {}
            }
            match session.next(now) {
                Next::Send(ticket) => {
                    prop_assert!(!session.is_refreshing());
                    prop_assert!(ticket.token().is_sendable());
                    last = Some(ticket);
                }
                Next::Wait(id) => prop_assert_eq!(Some(id), refresh),
                Next::Refresh => prop_assert!(!session.is_refreshing()),
            }
        }
    }
}
