//! `isAuthError`: a token rejected by a business code under HTTP 200 is refreshed and replayed.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The rule of a backend that answers an expired token with HTTP 200 and code 40001.
fn business_rule() -> JsValue {
    object(&[
        ("status", 200.into()),
        ("field", "code".into()),
        ("values", Array::of2(&401.into(), &40001.into()).into()),
    ])
}

/// Makes the server answer `user`'s rejected tokens with HTTP 200 and `{"code": 40001}`.
async fn answer_rejections_with_a_business_code(user: &str) {
    let body = object(&[
        ("openId", user.into()),
        ("status", 200.into()),
        ("code", 40001.into()),
    ]);
    control("api-rejection", body).await;
}

#[wasm_bindgen_test]
async fn a_business_code_under_http_200_refreshes_and_replays_once() {
    let user = open_id("business");
    let client = client(&user, &[("isAuthError", business_rule())]);
    get_path(&client, "/api/echo").await;
    answer_rejections_with_a_business_code(&user).await;
    revoke(&user).await;

    let response = get_path(&client, "/api/echo").await;

    assert_eq!(response.status(), 200);
    let echo = json(&response).await;
    assert_eq!(
        text(&echo, "openId"),
        user,
        "the caller reads the replay's body"
    );
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0);
    assert_eq!(number(&stats, "unauthorized"), 1.0);
    assert_eq!(number(&stats, "apiRequests"), 2.0);
    assert_eq!(
        text(&echo, "tokenId"),
        get(&get(&stats, "tokenIds"), "1").as_string().expect("t2")
    );
}

#[wasm_bindgen_test]
async fn without_a_rule_the_business_answer_is_the_callers() {
    let user = open_id("no-rule");
    let client = client(&user, &[]);
    get_path(&client, "/api/echo").await;
    answer_rejections_with_a_business_code(&user).await;
    revoke(&user).await;

    let response = get_path(&client, "/api/echo").await;

    assert_eq!(response.status(), 200);
    assert_eq!(number(&json(&response).await, "code"), 40001.0);
    let stats = counters(&user).await;
    assert_eq!(
        number(&stats, "tokenCalls"),
        1.0,
        "no refresh without isAuthError"
    );
}

#[wasm_bindgen_test]
async fn a_rule_for_another_field_or_value_leaves_answers_alone() {
    let user = open_id("other-value");
    let rule = object(&[
        ("status", 200.into()),
        ("field", "code".into()),
        ("values", Array::of1(&40002.into()).into()),
    ]);
    let client = client(&user, &[("isAuthError", rule)]);
    get_path(&client, "/api/echo").await;
    answer_rejections_with_a_business_code(&user).await;
    revoke(&user).await;

    let response = get_path(&client, "/api/echo").await;

    assert_eq!(number(&json(&response).await, "code"), 40001.0);
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 1.0);
}

#[wasm_bindgen_test]
async fn a_credential_goes_in_the_query_parameter_it_names() {
    let user = open_id("param");
    let as_open_id = object(&[("param", "openId".into()), ("value", user.as_str().into())]);
    let by_open_id = client(
        &user,
        &[("openId", JsValue::UNDEFINED), ("credential", as_open_id)],
    );
    let echo = json(&get_path(&by_open_id, "/api/echo").await).await;
    assert_eq!(text(&echo, "openId"), user);

    // This server takes openIds, not codes: sent as `?code=`, the credential is refused.
    let other = open_id("param-code");
    let as_code = object(&[("param", "code".into()), ("value", other.as_str().into())]);
    let by_code = client(
        &other,
        &[("openId", JsValue::UNDEFINED), ("credential", as_code)],
    );
    let error = wait(by_code.token()).await.expect_err("no openId was sent");
    assert_eq!(text(&error, "reason"), "code");
    assert_eq!(number(&error, "code"), -1.0);
}
