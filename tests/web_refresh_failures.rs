//! A failed refresh: every waiting call rejects with one typed error, the session-lost event
//! fires once, the token is cleared, and the client stays usable.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Three calls wait for a refresh that fails with `fault`; checks what they and the client saw.
async fn three_calls_fail(test: &str, fault: JsValue, reason: &str) -> (String, JsValue) {
    let user = open_id(test);
    token_faults(&user, 1, fault).await;
    let lost = Recorder::new();
    let client = client(&user, &[("refreshTimeoutMs", 400.into())]);
    client.on_session_lost(lost.function.clone());

    let promises = (0..3).map(|_| call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED));
    let outcomes = settle_all(promises.collect()).await;
    let mut first = JsValue::UNDEFINED;
    for outcome in outcomes {
        let error = outcome.expect_err("every waiting call rejects");
        assert_eq!(
            text(&error, "name"),
            "TokenRefreshError",
            "{}",
            message(&error)
        );
        assert_eq!(text(&error, "reason"), reason, "{}", message(&error));
        assert!(error.is_instance_of::<js_sys::Error>());
        first = error;
    }
    assert_eq!(
        lost.count(),
        1,
        "session lost once for the failure, not once per call"
    );
    assert_eq!(text(&lost.calls.get(0), "reason"), reason);
    let keys = Keys::for_user(&user);
    assert_eq!(storage().get_item(&keys.token).expect("storage"), None);

    // The fault is used up: the next call starts a fresh refresh and succeeds.
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0, "one failed, one good");
    assert_eq!(
        number(&stats, "apiRequests"),
        1.0,
        "nothing went out before the good token"
    );
    (user, first)
}

#[wasm_bindgen_test]
async fn a_token_endpoint_answering_500_fails_with_its_status() {
    let fault = object(&[("kind", "status".into()), ("status", 500.into())]);
    let (_, error) = three_calls_fail("s500", fault, "status").await;
    assert_eq!(number(&error, "status"), 500.0);
    assert!(text(&error, "message").contains("HTTP 500"));
}

#[wasm_bindgen_test]
async fn code_minus_one_under_http_200_fails_naming_the_code() {
    let fault = object(&[("kind", "code".into()), ("code", (-1).into())]);
    let (_, error) = three_calls_fail("code", fault, "code").await;
    assert_eq!(number(&error, "code"), -1.0);
    assert!(
        text(&error, "message").contains("code -1"),
        "{}",
        message(&error)
    );
}

#[wasm_bindgen_test]
async fn a_body_that_is_not_json_fails_as_not_json() {
    let fault = object(&[("kind", "malformed".into())]);
    three_calls_fail("malformed", fault, "not-json").await;
}

#[wasm_bindgen_test]
async fn a_missing_token_fails_as_missing_token() {
    let fault = object(&[("kind", "missing-token".into())]);
    three_calls_fail("notoken", fault, "missing-token").await;
}

#[wasm_bindgen_test]
async fn bad_expires_in_values_fail_as_bad_expires_in() {
    for (index, value) in [
        JsValue::from_str("soon"),
        (-5).into(),
        0.into(),
        JsValue::NULL,
    ]
    .into_iter()
    .enumerate()
    {
        let fault = object(&[("kind", "bad-expires-in".into()), ("value", value)]);
        let mut name = String::from("badexp");
        name.push_str(&index.to_string());
        three_calls_fail(&name, fault, "bad-expires-in").await;
    }
}

#[wasm_bindgen_test]
async fn a_token_endpoint_that_hangs_fails_as_timeout_within_the_refresh_timeout() {
    let fault = object(&[("kind", "hang".into())]);
    let started = js_sys::Date::now();
    three_calls_fail("hang", fault, "timeout").await;
    assert!(
        js_sys::Date::now() - started < 5_000.0,
        "settled soon after the 400 ms timeout"
    );
}

#[wasm_bindgen_test]
async fn an_unreachable_token_endpoint_fails_as_network() {
    let user = open_id("network");
    // Port 9 (discard) on loopback is closed on these machines: the connection is refused.
    let client = client(
        &user,
        &[
            ("tokenUrl", "http://127.0.0.1:9/token".into()),
            ("apiOrigins", strings(&[server()])),
        ],
    );
    let promise = call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED);
    let error = wait(promise).await.expect_err("no token");
    assert_eq!(text(&error, "name"), "TokenRefreshError");
    assert_eq!(text(&error, "reason"), "network");
}

#[wasm_bindgen_test]
async fn an_empty_openid_fails_before_any_request() {
    let user = open_id("empty");
    let empty = js_sys::Function::new_no_args("return ''");
    let client = client(&user, &[("openId", empty.into())]);
    let promise = call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED);
    let error = wait(promise).await.expect_err("no credential");
    assert_eq!(text(&error, "reason"), "no-credential");
}
