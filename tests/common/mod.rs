//! What every browser test needs: the token-server the test command started, its control
//! API, and short ways to build JS values and call the client as JS code would.

#![allow(dead_code, missing_docs)]

use js_sys::{Array, Function, Object, Promise, Reflect};
use token_fetch::TokenClient;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// The token-server started by `cargo xtask test`, baked in at build time.
pub fn server() -> &'static str {
    match option_env!("TOKEN_SERVER_URL") {
        Some(url) => url,
        None => {
            panic!("TOKEN_SERVER_URL is not set: run the browser tests through `cargo xtask test`")
        }
    }
}

/// The same server under another origin: `localhost` instead of `127.0.0.1`.
pub fn other_origin() -> String {
    server().replace("127.0.0.1", "localhost")
}

pub fn url(path: &str) -> String {
    let mut url = server().to_owned();
    url.push_str(path);
    url
}

/// An openId no other test uses, so that the server's counters are this test's own.
pub fn open_id(test: &str) -> String {
    let mut id = String::from(test);
    id.push('-');
    id.push_str(&((js_sys::Math::random() * 1e12) as u64).to_string());
    id
}

pub fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        Reflect::set(&object, &JsValue::from_str(key), value).expect("set on a plain object");
    }
    object.into()
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).expect("get on an object")
}

pub fn number(target: &JsValue, key: &str) -> f64 {
    get(target, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

pub fn text(target: &JsValue, key: &str) -> String {
    get(target, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

pub fn strings(list: &[&str]) -> JsValue {
    list.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

pub async fn wait(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let global: Object = js_sys::global().unchecked_into();
        let set_timeout: Function = Reflect::get(&global, &"setTimeout".into())
            .expect("setTimeout")
            .unchecked_into();
        set_timeout
            .call2(&global, &resolve, &JsValue::from(ms))
            .expect("setTimeout call");
    });
    wait(promise).await.expect("a timer resolves");
}

/// A plain `fetch`, outside any client.
pub async fn raw_fetch(url: &str, init: &RequestInit) -> Response {
    let request = Request::new_with_str_and_init(url, init).expect("a valid request");
    let global = js_sys::global();
    let fetch: Function = get(&global, "fetch").unchecked_into();
    let promise: Promise = fetch
        .call1(&global, &request)
        .expect("fetch")
        .unchecked_into();
    wait(promise)
        .await
        .expect("the test server answers")
        .unchecked_into()
}

pub async fn json(response: &Response) -> JsValue {
    wait(response.json().expect("json()"))
        .await
        .expect("a JSON body")
}

/// Calls a control route of the test server (`/__control/…`) with a JSON body.
pub async fn control(path: &str, body: JsValue) -> JsValue {
    let init = RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().expect("headers");
    headers
        .set("Content-Type", "application/json")
        .expect("header");
    init.set_headers(&headers);
    let text: String = js_sys::JSON::stringify(&body).expect("JSON").into();
    init.set_body(&JsValue::from_str(&text));
    let mut route = String::from("/__control/");
    route.push_str(path);
    let response = raw_fetch(&url(&route), &init).await;
    assert_eq!(
        response.status(),
        200,
        "control {path} answered {}",
        response.status()
    );
    json(&response).await
}

/// The server's counters for one openId.
pub async fn counters(open_id: &str) -> JsValue {
    let mut route = String::from("/__control/counters?openId=");
    route.push_str(&String::from(js_sys::encode_uri_component(open_id)));
    let response = raw_fetch(&url(&route), &RequestInit::new()).await;
    assert_eq!(response.status(), 200);
    json(&response).await
}

/// Queues `count` faults of the given kind on the token endpoint, for `open_id`.
pub async fn token_faults(open_id: &str, count: u32, fault: JsValue) {
    let body = object(&[
        ("openId", open_id.into()),
        ("count", count.into()),
        ("fault", fault),
    ]);
    control("token-faults", body).await;
}

pub async fn revoke(open_id: &str) {
    control("revoke", object(&[("openId", open_id.into())])).await;
}

/// The storage keys a test's client uses, distinct for each test.
pub struct Keys {
    pub token: String,
    pub expires_at: String,
}

impl Keys {
    pub fn for_user(open_id: &str) -> Self {
        let mut token = String::from(open_id);
        token.push_str(".token");
        let mut expires_at = String::from(open_id);
        expires_at.push_str(".expiresAt");
        Self { token, expires_at }
    }

    pub fn js(&self) -> JsValue {
        object(&[
            ("token", self.token.as_str().into()),
            ("expiresAt", self.expires_at.as_str().into()),
        ])
    }
}

pub fn storage() -> web_sys::Storage {
    let value = get(&js_sys::global(), "sessionStorage");
    value.unchecked_into()
}

/// A client for `open_id` against the test server, with `extra` options on top.
pub fn client(open_id: &str, extra: &[(&str, JsValue)]) -> TokenClient {
    let keys = Keys::for_user(open_id);
    let mut entries = vec![
        ("tokenUrl", JsValue::from_str(&url("/token"))),
        ("openId", JsValue::from_str(open_id)),
        ("storageKeys", keys.js()),
    ];
    entries.extend(extra.iter().cloned());
    TokenClient::new(object(&entries)).unwrap_or_else(|error| {
        panic!("options rejected: {}", message(&error));
    })
}

pub fn message(error: &JsValue) -> String {
    let mut text = get(error, "name").as_string().unwrap_or_default();
    text.push_str(": ");
    text.push_str(&get(error, "message").as_string().unwrap_or_default());
    text
}

/// `client.fetch(input, init)`, called unbound, as axios calls it.
pub fn call(client: &TokenClient, input: &JsValue, init: &JsValue) -> Promise {
    let fetch = client.fetch();
    fetch
        .call2(&JsValue::UNDEFINED, input, init)
        .expect("client.fetch returns")
        .unchecked_into()
}

/// `client.fetch(url)` to a path on the test server, expecting a Response.
pub async fn get_path(client: &TokenClient, path: &str) -> Response {
    let promise = call(client, &url(path).into(), &JsValue::UNDEFINED);
    match wait(promise).await {
        Ok(response) => response.unchecked_into(),
        Err(error) => panic!("client.fetch({path}) rejected: {}", message(&error)),
    }
}

/// `client.fetch(url)` to a path on the test server: its status and the echo's `tokenId`, or
/// the error's message. For code that must not panic while it has patched a global.
pub async fn try_echo(client: &TokenClient, path: &str) -> Result<(u16, String), String> {
    let promise = call(client, &url(path).into(), &JsValue::UNDEFINED);
    let response: Response = wait(promise)
        .await
        .map_err(|error| message(&error))?
        .unchecked_into();
    let body = wait(response.json().map_err(|error| message(&error))?)
        .await
        .map_err(|error| message(&error))?;
    let token_id = get(&body, "tokenId").as_string().unwrap_or_default();
    Ok((response.status(), token_id))
}

/// Awaits every promise, returning each outcome.
pub async fn settle_all(promises: Vec<Promise>) -> Vec<Result<JsValue, JsValue>> {
    let mut outcomes = Vec::new();
    for promise in promises {
        outcomes.push(wait(promise).await);
    }
    outcomes
}

/// A JS function that counts its calls and keeps its arguments.
pub struct Recorder {
    pub calls: Array,
    pub function: Function,
}

impl Recorder {
    pub fn new() -> Self {
        let calls = Array::new();
        let function =
            Function::new_with_args("calls", "return function (arg) { calls.push(arg); }")
                .call1(&JsValue::UNDEFINED, &calls)
                .expect("make recorder")
                .unchecked_into();
        Self { calls, function }
    }

    pub fn count(&self) -> u32 {
        self.calls.length()
    }
}

/// Queues `count` delays of `ms` on `/api` answers for `open_id`, applied in arrival order.
pub async fn api_delay(open_id: &str, count: u32, ms: u32) {
    let body = object(&[
        ("openId", open_id.into()),
        ("count", count.into()),
        ("ms", ms.into()),
    ]);
    control("api-delay", body).await;
}

/// The ids (`t1`, `t2`, …) of the tokens issued to the counters' user, in order.
pub fn token_ids(stats: &JsValue) -> Vec<String> {
    let list: Array = get(stats, "tokenIds").unchecked_into();
    list.iter()
        .map(|id| id.as_string().expect("token ids are strings"))
        .collect()
}

/// One request as the server's counters record it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Milliseconds since the server started, taken when the request was answered.
    pub t: f64,
    /// `token`, `api` or `unauthorized`.
    pub kind: String,
    pub token_id: Option<String>,
    pub path: String,
}

/// The requests the server recorded for the counters' user, in the order they were answered.
pub fn events(stats: &JsValue) -> Vec<Event> {
    let list: Array = get(stats, "events").unchecked_into();
    list.iter()
        .map(|event| Event {
            t: number(&event, "t"),
            kind: text(&event, "kind"),
            token_id: get(&event, "tokenId").as_string(),
            path: text(&event, "path"),
        })
        .collect()
}

/// Waits until the server has counted `calls` token calls for `open_id` (a call is counted
/// when it arrives, before any injected delay), so a test knows a refresh is under way.
pub async fn until_token_calls(open_id: &str, calls: f64) {
    for _ in 0..200 {
        if number(&counters(open_id).await, "tokenCalls") >= calls {
            return;
        }
        sleep(10).await;
    }
    panic!("the server never saw token call {calls}");
}

/// The `jti` claim of a token-server JWT: the id the echo reports as `tokenId`.
pub fn jti(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let mut base64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while base64.len() % 4 != 0 {
        base64.push('=');
    }
    let atob: Function = get(&js_sys::global(), "atob").unchecked_into();
    let json = atob
        .call1(&JsValue::UNDEFINED, &base64.into())
        .expect("base64 payload");
    let claims = js_sys::JSON::parse(&json.as_string().expect("text")).expect("JSON claims");
    text(&claims, "jti")
}

/// The bytes the echo received, from its `bodyBase64`.
pub fn echo_bytes(echo: &JsValue) -> Vec<u8> {
    let atob: Function = get(&js_sys::global(), "atob").unchecked_into();
    let binary = atob
        .call1(&JsValue::UNDEFINED, &get(echo, "bodyBase64"))
        .expect("base64 body")
        .as_string()
        .expect("a binary string");
    binary.chars().map(|c| c as u8).collect()
}

/// The outcome of `client.fetch` as a Response, or a panic naming the error.
pub fn as_response(outcome: Result<JsValue, JsValue>) -> Response {
    match outcome {
        Ok(response) => response.unchecked_into(),
        Err(error) => panic!("client.fetch rejected: {}", message(&error)),
    }
}

/// Replaces `Storage.prototype[method]` with a function that throws, until dropped.
pub struct BrokenStorage {
    method: &'static str,
    original: JsValue,
}

impl BrokenStorage {
    pub fn new(method: &'static str) -> Self {
        let prototype = get(&get(&js_sys::global(), "Storage"), "prototype");
        let original = get(&prototype, method);
        let throwing = Function::new_no_args(
            "throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')",
        );
        Reflect::set(&prototype, &method.into(), &throwing).expect("patch Storage");
        Self { method, original }
    }
}

impl Drop for BrokenStorage {
    fn drop(&mut self) {
        let prototype = get(&get(&js_sys::global(), "Storage"), "prototype");
        Reflect::set(&prototype, &self.method.into(), &self.original).expect("restore Storage");
    }
}

/// Hides `globalThis.sessionStorage`, as a host without it would be, until dropped.
pub struct NoSessionStorage {
    /// The global's own property descriptor, if it had one (WebIDL puts a global's
    /// attributes on the global object itself).
    own: JsValue,
}

impl NoSessionStorage {
    pub fn new() -> Self {
        let global: Object = js_sys::global();
        let own = Object::get_own_property_descriptor(&global, &"sessionStorage".into());
        let hidden = object(&[
            ("value", JsValue::UNDEFINED),
            ("configurable", JsValue::TRUE),
        ]);
        Object::define_property(&global, &"sessionStorage".into(), hidden.unchecked_ref());
        Self { own }
    }
}

impl Drop for NoSessionStorage {
    fn drop(&mut self) {
        let global: Object = js_sys::global();
        if self.own.is_undefined() {
            Reflect::delete_property(&global, &"sessionStorage".into()).expect("restore");
        } else {
            Object::define_property(&global, &"sessionStorage".into(), self.own.unchecked_ref());
        }
    }
}

/// A scripted `Date.now` that runs `offset` milliseconds ahead of the real clock, until
/// dropped: a clock that is off, or jumps, is what a browser cannot arrange.
pub struct FakeClock {
    control: JsValue,
}

impl FakeClock {
    pub fn ahead_by(offset_ms: f64) -> Self {
        let install = Function::new_no_args(
            "const real = Date.now; let offset = 0;
             Date.now = function () { return real.call(Date) + offset; };
             return {
               set(ms) { offset = ms; },
               restore() { Date.now = real; },
             };",
        );
        let control = install
            .call0(&JsValue::UNDEFINED)
            .expect("install the clock");
        let clock = Self { control };
        clock.set(offset_ms);
        clock
    }

    pub fn set(&self, offset_ms: f64) {
        let set: Function = get(&self.control, "set").unchecked_into();
        set.call1(&self.control, &offset_ms.into())
            .expect("set the offset");
    }
}

impl Drop for FakeClock {
    fn drop(&mut self) {
        let restore: Function = get(&self.control, "restore").unchecked_into();
        restore.call0(&self.control).expect("restore Date.now");
    }
}
