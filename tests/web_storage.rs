//! Where the token lives: sessionStorage as epoch milliseconds, and memory when storage fails.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn expiry_is_stored_as_epoch_ms_from_the_answer_s_arrival() {
    let user = open_id("expiry");
    let client = client(&user, &[]);
    let before = js_sys::Date::now();
    get_path(&client, "/api/echo").await;
    let after = js_sys::Date::now();
    let keys = Keys::for_user(&user);
    let stored = storage()
        .get_item(&keys.expires_at)
        .expect("storage")
        .expect("an expiry");
    let expires_at: f64 = stored.parse().expect("epoch milliseconds");
    // token-server's default lifetime is 3600 s.
    assert!(
        expires_at >= before + 3_600_000.0 - 1.0,
        "{expires_at} vs {before}"
    );
    assert!(
        expires_at <= after + 3_600_000.0 + 1.0,
        "{expires_at} vs {after}"
    );
    let token = storage()
        .get_item(&keys.token)
        .expect("storage")
        .expect("a token");
    assert_eq!(
        token.split('.').count(),
        3,
        "the token is stored as is, unquoted"
    );
    assert_eq!(client.expires_at(), Some(expires_at));
}

#[wasm_bindgen_test]
async fn a_stored_valid_token_is_used_without_a_token_call() {
    let user = open_id("reuse");
    let first = client(&user, &[]);
    get_path(&first, "/api/echo").await;
    // A new client on the same page (as after a reload) finds the token in storage.
    let second = client(&user, &[]);
    get_path(&second, "/api/echo").await;
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 1.0);
}

#[wasm_bindgen_test]
async fn a_past_or_garbage_stored_expiry_counts_as_expired() {
    let user = open_id("garbage");
    let client = client(&user, &[]);
    get_path(&client, "/api/echo").await;
    let keys = Keys::for_user(&user);
    let past = (js_sys::Date::now() - 1_000.0) as u64;
    let past = past.to_string();
    let values = [
        past.as_str(),
        "abc",
        "",
        "1e400",
        "Thu Dec 03 2026 10:00:00 GMT",
        "-5",
    ];
    for (index, value) in values.iter().enumerate() {
        storage()
            .set_item(&keys.expires_at, value)
            .expect("storage");
        get_path(&client, "/api/echo").await;
        let stats = counters(&user).await;
        assert_eq!(
            number(&stats, "tokenCalls"),
            2.0 + index as f64,
            "{value:?} counts as expired"
        );
        assert_eq!(
            number(&stats, "unauthorized"),
            0.0,
            "{value:?}: refreshed first"
        );
    }
}

#[wasm_bindgen_test]
async fn logout_clears_storage_and_the_next_call_asks_again() {
    let user = open_id("logout");
    let client = client(&user, &[]);
    get_path(&client, "/api/echo").await;
    client.clear();
    let keys = Keys::for_user(&user);
    assert_eq!(storage().get_item(&keys.token).expect("storage"), None);
    assert_eq!(storage().get_item(&keys.expires_at).expect("storage"), None);
    assert_eq!(client.expires_at(), None);
    get_path(&client, "/api/echo").await;
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 2.0);
}

/// Replaces `Storage.prototype[method]` with a function that throws, until dropped.
struct BrokenStorage {
    method: &'static str,
    original: JsValue,
}

impl BrokenStorage {
    fn new(method: &'static str) -> Self {
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

#[wasm_bindgen_test]
async fn a_throwing_set_item_keeps_the_token_in_memory_and_warns_once() {
    let user = open_id("quota");
    let warnings = Recorder::new();
    let broken = BrokenStorage::new("setItem");
    let client = client(&user, &[("onWarning", warnings.function.clone().into())]);
    for _ in 0..3 {
        let response = get_path(&client, "/api/echo").await;
        assert_eq!(response.status(), 200);
    }
    drop(broken);
    let stats = counters(&user).await;
    assert_eq!(
        number(&stats, "tokenCalls"),
        1.0,
        "later calls carry the token from memory"
    );
    assert_eq!(number(&stats, "unauthorized"), 0.0);
    assert_eq!(warnings.count(), 1);
    assert_eq!(
        text(&warnings.calls.get(0), "name"),
        "StorageUnavailableWarning"
    );
    let keys = Keys::for_user(&user);
    assert_eq!(
        storage().get_item(&keys.token).expect("storage"),
        None,
        "nothing half-written"
    );
}

/// Hides `globalThis.sessionStorage`, as a host without it would be, until dropped.
struct NoSessionStorage {
    /// The global's own property descriptor, if it had one (WebIDL puts a global's
    /// attributes on the global object itself).
    own: JsValue,
}

impl NoSessionStorage {
    fn new() -> Self {
        let global: js_sys::Object = js_sys::global();
        let own = js_sys::Object::get_own_property_descriptor(&global, &"sessionStorage".into());
        let hidden = object(&[
            ("value", JsValue::UNDEFINED),
            ("configurable", JsValue::TRUE),
        ]);
        js_sys::Object::define_property(&global, &"sessionStorage".into(), hidden.unchecked_ref());
        Self { own }
    }
}

impl Drop for NoSessionStorage {
    fn drop(&mut self) {
        let global: js_sys::Object = js_sys::global();
        if self.own.is_undefined() {
            Reflect::delete_property(&global, &"sessionStorage".into()).expect("restore");
        } else {
            js_sys::Object::define_property(
                &global,
                &"sessionStorage".into(),
                self.own.unchecked_ref(),
            );
        }
    }
}

#[wasm_bindgen_test]
async fn a_missing_session_storage_keeps_the_token_in_memory_and_warns_once() {
    let user = open_id("nostorage");
    let warnings = Recorder::new();
    let hidden = NoSessionStorage::new();
    assert!(get(&js_sys::global(), "sessionStorage").is_undefined());

    let client = client(&user, &[("onWarning", warnings.function.clone().into())]);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get_path(&client, "/api/echo").await.status());
    }
    drop(hidden);
    assert!(
        !get(&js_sys::global(), "sessionStorage").is_undefined(),
        "restored"
    );

    assert_eq!(statuses, vec![200, 200, 200]);
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 1.0);
    assert_eq!(warnings.count(), 1);
}
