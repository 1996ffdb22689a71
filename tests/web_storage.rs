//! Where the token lives: sessionStorage as epoch milliseconds.
//!
//! Garbage in storage and failing or missing storage are scenarios 9 and 10 of the failure
//! catalogue (`web_catalogue.rs`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
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
