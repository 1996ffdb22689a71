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
fn values_that_could_never_work_are_refused() {
    assert_names(&rejected(&[("openId", "".into())]), "openId", "non-empty");
    assert_names(
        &rejected(&[("refreshOn", js_sys::Array::of1(&200.into()).into())]),
        "refreshOn",
        "400 to 599",
    );
    assert_names(
        &rejected(&[("timeoutMs", 1.5.into())]),
        "timeoutMs",
        "whole number",
    );
    let wildcard = rejected(&[("apiOrigins", strings(&["https://*.example.com"]))]);
    assert_names(&wildcard, "apiOrigins[0]", "wildcard");
    let with_user = rejected(&[("apiOrigins", strings(&["https://u:p@api.example.com"]))]);
    assert_names(&with_user, "apiOrigins[0]", "user:password");
    let array = TokenClient::new(js_sys::Array::new().into()).expect_err("refused");
    assert_eq!(text(&array, "field"), "options");
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

#[wasm_bindgen_test]
fn a_wrong_transport_is_refused() {
    assert_names(
        &rejected(&[("transport", "xhr".into())]),
        "transport",
        "'fetch'",
    );
    // The web build leaves the mini-program transport out; pkg-wx has it, and the Node
    // harness in wx/ checks its options.
    assert_names(
        &rejected(&[("transport", "wx".into())]),
        "transport",
        "pkg-wx",
    );
}

#[wasm_bindgen_test]
fn credential_and_open_id_exclude_each_other_and_credential_is_checked() {
    let code = object(&[("param", "code".into()), ("value", "c".into())]);
    assert_names(
        &rejected(&[("credential", code)]),
        "credential",
        "together with openId",
    );
    let without_open_id = |credential: JsValue| {
        rejected(&[("openId", JsValue::UNDEFINED), ("credential", credential)])
    };
    assert_names(
        &without_open_id("code".into()),
        "credential",
        "{ param, value }",
    );
    let empty = object(&[("param", "".into()), ("value", "c".into())]);
    assert_names(&without_open_id(empty), "credential.param", "non-empty");
    let no_value = object(&[("param", "code".into())]);
    assert_names(&without_open_id(no_value), "credential.value", "function");
    let extra = object(&[
        ("param", "code".into()),
        ("value", "c".into()),
        ("scope", "x".into()),
    ]);
    assert_names(
        &without_open_id(extra),
        "credential.scope",
        "not a known option",
    );
    assert_names(
        &rejected(&[("openId", JsValue::UNDEFINED)]),
        "openId",
        "required",
    );
}

#[wasm_bindgen_test]
fn is_auth_error_rules_are_checked_field_by_field() {
    let rule = |entries: &[(&str, JsValue)]| object(entries);
    let good = rule(&[
        ("status", 200.into()),
        ("field", "code".into()),
        (
            "values",
            js_sys::Array::of2(&401.into(), &"40001".into()).into(),
        ),
    ]);
    assert_names(
        &rejected(&[("isAuthError", "code".into())]),
        "isAuthError",
        "must be an object",
    );
    let no_values = rule(&[
        ("field", "code".into()),
        ("values", js_sys::Array::new().into()),
    ]);
    assert_names(
        &rejected(&[("isAuthError", no_values)]),
        "isAuthError.values",
        "non-empty array",
    );
    let odd_value = rule(&[
        ("field", "code".into()),
        ("values", js_sys::Array::of1(&JsValue::TRUE).into()),
    ]);
    assert_names(
        &rejected(&[("isAuthError", odd_value)]),
        "isAuthError.values",
        "numbers or strings",
    );
    let bad_status = rule(&[
        ("status", 700.into()),
        ("field", "code".into()),
        ("values", js_sys::Array::of1(&1.into()).into()),
    ]);
    let list = js_sys::Array::of2(&good, &bad_status);
    assert_names(
        &rejected(&[("isAuthError", list.into())]),
        "isAuthError[1].status",
        "100 to 599",
    );
    let bad_path = rule(&[
        ("field", "error..code".into()),
        ("values", js_sys::Array::of1(&1.into()).into()),
    ]);
    assert_names(
        &rejected(&[("isAuthError", bad_path)]),
        "isAuthError.field",
        "body field",
    );
    let unknown = rule(&[
        ("field", "code".into()),
        ("values", js_sys::Array::of1(&1.into()).into()),
        ("statusCode", 200.into()),
    ]);
    assert_names(
        &rejected(&[("isAuthError", unknown)]),
        "isAuthError.statusCode",
        "not a known option",
    );
    let accepted = object(&[
        ("tokenUrl", JsValue::from_str(&url("/token"))),
        ("openId", "u".into()),
        ("isAuthError", good),
    ]);
    assert!(TokenClient::new(accepted).is_ok());
}

#[wasm_bindgen_test]
async fn client_request_belongs_to_the_mini_program_transport() {
    let client = client(&open_id("request"), &[]);
    let error = wait(client.request(object(&[("url", url("/api/echo").into())])))
        .await
        .expect_err("client.request is for transport 'wx'");
    assert_names(&error, "transport", "client.fetch");
}
