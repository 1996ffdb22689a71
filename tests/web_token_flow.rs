//! The token on the wire: who gets it, when it is fetched, one refresh for many, replay once.
//!
//! The failure catalogue (`web_catalogue.rs`) pins the parallel, cross-origin, 401 and body
//! cases; these are the plain paths around them.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::Response;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn api_requests_carry_the_token_after_one_token_call() {
    let user = open_id("carry");
    let client = client(&user, &[]);
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
    let echo = json(&response).await;
    assert_eq!(text(&echo, "openId"), user);
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 1.0);
    assert_eq!(number(&stats, "unauthorized"), 0.0);
    assert_eq!(
        text(&echo, "tokenId"),
        get(&get(&stats, "tokenIds"), "0")
            .as_string()
            .expect("one token")
    );
}

#[wasm_bindgen_test]
async fn paths_that_the_url_parser_reads_as_another_host_get_no_token() {
    // The test page's own origin is made an API origin, so that a plain path would carry the
    // token; each of these inputs only looks like a path, and goes to the server under another
    // name (localhost), which is not an API origin.
    let user = open_id("lookalike");
    let page = js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .and_then(|location| js_sys::Reflect::get(&location, &"origin".into()))
        .ok()
        .and_then(|origin| origin.as_string())
        .expect("the test page has an origin");
    let origins = strings(&[server(), &page]);
    let client = client(&user, &[("apiOrigins", origins)]);
    let host = other_origin().replace("http://", "");
    for prefix in ["/\\", "/\t/", "/\n/"] {
        let mut input = String::from(prefix);
        input.push_str(&host);
        input.push_str("/api/echo");
        let promise = call(&client, &input.as_str().into(), &JsValue::UNDEFINED);
        let response: Response = wait(promise).await.expect("a response").unchecked_into();
        assert_eq!(response.status(), 401, "{input:?} carried no token");
    }
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 0.0);

    let response = get_path(&client, "/api/echo").await;
    assert_eq!(
        response.status(),
        200,
        "the server's own origin still gets the token"
    );
}

#[wasm_bindgen_test]
async fn a_token_inside_the_leeway_is_refreshed_before_the_request() {
    let user = open_id("leeway");
    let client = client(&user, &[("refreshLeewaySeconds", 120.into())]);
    get_path(&client, "/api/echo").await;
    // The stored expiry is what the check reads at send time: move it into the leeway, as if
    // the tab had slept for most of the token's life.
    let keys = Keys::for_user(&user);
    let soon = (js_sys::Date::now() + 60_000.0) as u64;
    storage()
        .set_item(&keys.expires_at, &soon.to_string())
        .expect("storage");
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0);
    assert_eq!(
        number(&stats, "unauthorized"),
        0.0,
        "the server never saw the old token late"
    );
}

#[wasm_bindgen_test]
async fn a_replay_answered_401_again_settles_with_that_401() {
    let user = open_id("twice");
    // Every token is dead on arrival: the first send and its one replay both get 401.
    control(
        "lifetime",
        object(&[("openId", user.as_str().into()), ("validSeconds", 0.into())]),
    )
    .await;
    let client = client(&user, &[]);
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 401);
    let stats = counters(&user).await;
    assert_eq!(
        number(&stats, "tokenCalls"),
        2.0,
        "one refresh for the replay, no loop"
    );
    assert_eq!(number(&stats, "unauthorized"), 2.0);
}

#[wasm_bindgen_test]
async fn a_request_object_is_sent_with_its_method_and_body() {
    let user = open_id("request");
    let client = client(&user, &[]);
    let init = web_sys::RequestInit::new();
    init.set_method("PUT");
    init.set_body(&"plain words".into());
    let request = web_sys::Request::new_with_str_and_init(&url("/api/echo"), &init).expect("req");
    let promise = call(&client, &request.into(), &JsValue::UNDEFINED);
    let response: Response = wait(promise).await.expect("a response").unchecked_into();
    let echo = json(&response).await;
    assert_eq!(text(&echo, "method"), "PUT");
    assert_eq!(text(&echo, "body"), "plain words");
    assert_eq!(text(&echo, "contentType"), "text/plain;charset=UTF-8");
}

/// Adds `<base href>` to the test page until dropped.
struct BaseElement(JsValue);

impl BaseElement {
    fn new(href: &str) -> Self {
        let add = js_sys::Function::new_with_args(
            "href",
            "const base = document.createElement('base'); base.href = href; \
             document.head.prepend(base); return base;",
        );
        Self(
            add.call1(&JsValue::UNDEFINED, &href.into())
                .expect("a base element"),
        )
    }
}

impl Drop for BaseElement {
    fn drop(&mut self) {
        let remove = js_sys::Function::new_with_args("base", "base.remove();");
        remove.call1(&JsValue::UNDEFINED, &self.0).expect("removed");
    }
}

#[wasm_bindgen_test]
async fn a_path_goes_where_the_page_s_base_sends_it_and_the_token_only_to_an_api_origin() {
    // The page's own origin is an API origin, but a `<base href>` sends its paths to another
    // origin (localhost), which is not: that request must carry no token.
    let user = open_id("base");
    let page = get(&get(&js_sys::global(), "location"), "origin")
        .as_string()
        .expect("the test page has an origin");
    let client = client(&user, &[("apiOrigins", strings(&[server(), &page]))]);
    let mut elsewhere = other_origin();
    elsewhere.push('/');
    let base = BaseElement::new(&elsewhere);
    let promise = call(&client, &"/api/echo".into(), &JsValue::UNDEFINED);
    let response: Response = wait(promise).await.expect("a response").unchecked_into();
    drop(base);
    assert_eq!(response.status(), 401, "no token went to the base's origin");
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 0.0);

    // With the base on the API server, the same path carries the token.
    let mut api = server().to_owned();
    api.push('/');
    let base = BaseElement::new(&api);
    let promise = call(&client, &"/api/echo".into(), &JsValue::UNDEFINED);
    let response: Response = wait(promise).await.expect("a response").unchecked_into();
    drop(base);
    assert_eq!(response.status(), 200);
    assert_eq!(text(&json(&response).await, "openId"), user);
}

#[wasm_bindgen_test]
async fn a_request_made_in_another_realm_keeps_its_url_method_and_body() {
    let user = open_id("realm");
    let client = client(&user, &[]);
    let make = js_sys::Function::new_with_args(
        "url",
        "const frame = document.createElement('iframe'); document.body.append(frame); \
         const request = new frame.contentWindow.Request(url, { method: 'POST', body: 'from a frame' }); \
         return request;",
    );
    let request = make
        .call1(&JsValue::UNDEFINED, &url("/api/echo").into())
        .expect("a request");
    let promise = call(&client, &request, &JsValue::UNDEFINED);
    let response: Response = wait(promise).await.expect("a response").unchecked_into();
    assert_eq!(response.status(), 200);
    let echo = json(&response).await;
    assert_eq!(text(&echo, "method"), "POST");
    assert_eq!(text(&echo, "body"), "from a frame");
    assert_eq!(text(&echo, "openId"), user);
}
