//! Every call settles exactly once: abort and timeout hold while waiting for a refresh and
//! during the replay.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

fn with_signal(controller: &AbortController) -> JsValue {
    object(&[("signal", controller.signal().into())])
}

#[wasm_bindgen_test]
async fn an_abort_while_waiting_for_a_refresh_rejects_and_sends_nothing() {
    let user = open_id("abortwait");
    token_faults(
        &user,
        1,
        object(&[("kind", "delay".into()), ("ms", 600.into())]),
    )
    .await;
    let client = client(&user, &[]);
    let controller = AbortController::new().expect("controller");
    let waiting = call(&client, &url("/api/echo").into(), &with_signal(&controller));
    let other = call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED);
    sleep(100).await;
    controller.abort();

    let error = wait(waiting).await.expect_err("aborted");
    assert_eq!(text(&error, "name"), "AbortError", "{}", message(&error));
    let response: web_sys::Response =
        wasm_bindgen::JsCast::unchecked_into(wait(other).await.expect("the other call goes on"));
    assert_eq!(response.status(), 200);
    sleep(100).await;
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 1.0);
    assert_eq!(
        number(&stats, "apiRequests"),
        1.0,
        "the aborted call sent nothing"
    );
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_rejects_at_once_without_a_token_call() {
    let user = open_id("preabort");
    let client = client(&user, &[]);
    let controller = AbortController::new().expect("controller");
    controller.abort();
    let error = wait(call(
        &client,
        &url("/api/echo").into(),
        &with_signal(&controller),
    ))
    .await
    .expect_err("aborted");
    assert_eq!(text(&error, "name"), "AbortError");
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 0.0);
    assert_eq!(number(&stats, "apiRequests"), 0.0);
}

#[wasm_bindgen_test]
async fn a_custom_abort_reason_is_what_the_call_rejects_with() {
    let user = open_id("reason");
    let client = client(&user, &[]);
    let controller = AbortController::new().expect("controller");
    let promise = call(&client, &url("/api/echo").into(), &with_signal(&controller));
    controller.abort_with_reason(&"user left the page".into());
    let error = wait(promise).await.expect_err("aborted");
    assert_eq!(error.as_string().as_deref(), Some("user left the page"));
}

#[wasm_bindgen_test]
async fn a_call_waiting_on_a_slow_refresh_times_out_with_a_timeout_error() {
    let user = open_id("timeout");
    token_faults(
        &user,
        1,
        object(&[("kind", "delay".into()), ("ms", 1500.into())]),
    )
    .await;
    let client = client(&user, &[("timeoutMs", 300.into())]);
    let started = js_sys::Date::now();
    let error = wait(call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED))
        .await
        .expect_err("timed out");
    assert_eq!(text(&error, "name"), "TimeoutError", "{}", message(&error));
    assert!(
        js_sys::Date::now() - started < 1_400.0,
        "settled before the refresh did"
    );
    // The shared refresh was not cut short by the caller's timeout: the next call uses it.
    sleep(1_400).await;
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 1.0);
}

#[wasm_bindgen_test]
async fn the_timeout_holds_during_the_replay() {
    let user = open_id("replaytimeout");
    let client = client(&user, &[("timeoutMs", 500.into())]);
    get_path(&client, "/api/echo").await;
    revoke(&user).await;
    // The 401 and the replay each take 300 ms: the call's 500 ms run out during the replay.
    let delay = object(&[
        ("openId", user.as_str().into()),
        ("count", 2.into()),
        ("ms", 300.into()),
    ]);
    control("api-delay", delay).await;
    let error = wait(call(&client, &url("/api/echo").into(), &JsValue::UNDEFINED))
        .await
        .expect_err("timed out");
    assert_eq!(text(&error, "name"), "TimeoutError");
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "unauthorized"), 1.0);
    assert_eq!(
        number(&stats, "tokenCalls"),
        2.0,
        "the refresh happened; the replay ran late"
    );
}
