//! Options are checked at construction, and the token stays out of errors and `Debug`.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use token_fetch::TokenClient;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rejected(entries: &[(&str, JsValue)]) -> JsValue {
    let mut all = vec![
        ("tokenUrl", JsValue::from_str(&url("/token"))),
        ("openId", "u".into()),
    ];
    all.retain(|(key, _)| !entries.iter().any(|(k, _)| k == key));
    all.extend(entries.iter().cloned());
    TokenClient::new(object(&all)).expect_err("bad options are refused")
}

fn assert_names(error: &JsValue, field: &str, words: &str) {
    assert_eq!(text(error, "name"), "TokenClientOptionsError");
    assert_eq!(text(error, "field"), field);
    let message = text(error, "message");
    assert!(
        message.contains(field) && message.contains(words),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn a_token_url_that_is_not_a_url_is_refused() {
    assert_names(
        &rejected(&[("tokenUrl", "not a url".into())]),
        "tokenUrl",
        "absolute",
    );
    assert_names(
        &rejected(&[("tokenUrl", "ftp://x/token".into())]),
        "tokenUrl",
        "http",
    );
    assert_names(&rejected(&[("tokenUrl", 5.into())]), "tokenUrl", "required");
}

#[wasm_bindgen_test]
fn a_negative_leeway_is_refused() {
    let error = rejected(&[("refreshLeewaySeconds", (-1).into())]);
    assert_names(&error, "refreshLeewaySeconds", "0 or more");
}

#[wasm_bindgen_test]
fn an_empty_api_origin_list_is_refused() {
    assert_names(
        &rejected(&[("apiOrigins", strings(&[]))]),
        "apiOrigins",
        "empty",
    );
    let with_path = rejected(&[("apiOrigins", strings(&["https://api.example.com/v1"]))]);
    assert_names(&with_path, "apiOrigins[0]", "without a path");
}

#[wasm_bindgen_test]
fn an_unknown_key_is_refused_by_name() {
    let error = rejected(&[("refreshLeeway", 5.into())]);
    assert_names(&error, "refreshLeeway", "not a known option");
    let nested = rejected(&[("storageKeys", object(&[("tokn", "x".into())]))]);
    assert_names(&nested, "storageKeys.tokn", "not a known option");
}

#[wasm_bindgen_test]
fn other_wrong_fields_are_named() {
    assert_names(&rejected(&[("openId", 42.into())]), "openId", "required");
    assert_names(
        &rejected(&[("timeoutMs", 0.into())]),
        "timeoutMs",
        "milliseconds",
    );
    assert_names(
        &rejected(&[("refreshOn", strings(&["401"]))]),
        "refreshOn",
        "whole numbers",
    );
    assert_names(
        &rejected(&[("onWarning", "warn".into())]),
        "onWarning",
        "function",
    );
    let same = object(&[("token", "k".into()), ("expiresAt", "k".into())]);
    assert_names(
        &rejected(&[("storageKeys", same)]),
        "storageKeys",
        "different",
    );
    let not_object = TokenClient::new("tokenUrl".into()).expect_err("refused");
    assert_eq!(text(&not_object, "field"), "options");
}

#[wasm_bindgen_test]
async fn the_token_is_in_no_error_message_and_no_debug_output() {
    let user = open_id("secret");
    let client = client(&user, &[]);
    let token = wait(client.token())
        .await
        .expect("a token")
        .as_string()
        .expect("a string");
    assert_eq!(token.split('.').count(), 3);
    let debug = format!("{client:?}");
    assert!(!debug.contains(&token), "Debug shows no token");
    assert!(debug.contains("redacted"));

    // A refresh failure after a token existed: its message does not carry the old token.
    token_faults(
        &user,
        1,
        object(&[("kind", "code".into()), ("code", 40001.into())]),
    )
    .await;
    revoke(&user).await;
    let error = wait(call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED))
        .await
        .expect_err("refresh fails");
    assert!(!message(&error).contains(&token));
    assert!(!format!("{error:?}").contains(&token));
}

#[wasm_bindgen_test]
async fn client_fetch_is_the_same_function_each_time_and_works_unbound() {
    let user = open_id("bound");
    let client = client(&user, &[]);
    assert_eq!(JsValue::from(client.fetch()), JsValue::from(client.fetch()));
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
}
