//! The failure catalogue: the cases hand-written refresh interceptors keep getting wrong, one
//! test per numbered scenario (issue 4), each against token-server's test controls. A test
//! that follows a numbered one, without a number, covers the rest of the fault's kind.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Array, Function, Reflect, Uint8Array};
use token_fetch::TokenClient;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{Request, RequestInit};

wasm_bindgen_test_configure!(run_in_browser);

/// A client for a new user that has already made one call, so it holds token `t1`.
async fn logged_in(test: &str, extra: &[(&str, JsValue)]) -> (String, TokenClient) {
    let user = open_id(test);
    let client = client(&user, extra);
    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
    (user, client)
}

fn get_call(client: &TokenClient, path: &str) -> js_sys::Promise {
    call(client, &url(path).into(), &JsValue::UNDEFINED)
}

/// Scenario 1.
#[wasm_bindgen_test]
async fn five_parallel_gets_with_an_expired_token_share_one_slow_refresh() {
    let (user, client) = logged_in("s1", &[]).await;
    let keys = Keys::for_user(&user);
    let past = (js_sys::Date::now() - 1_000.0) as u64;
    storage()
        .set_item(&keys.expires_at, &past.to_string())
        .expect("storage");
    token_faults(
        &user,
        1,
        object(&[("kind", "delay".into()), ("ms", 300.into())]),
    )
    .await;

    let promises = (0..5).map(|_| get_call(&client, "/api/echo")).collect();
    let mut seen = Vec::new();
    for outcome in settle_all(promises).await {
        let response = as_response(outcome);
        assert_eq!(response.status(), 200);
        seen.push(text(&json(&response).await, "tokenId"));
    }

    let stats = counters(&user).await;
    assert_eq!(
        number(&stats, "tokenCalls"),
        2.0,
        "one at login, one for all five"
    );
    let new = token_ids(&stats)[1].clone();
    assert_eq!(seen, vec![new.clone(); 5], "all five carry the new token");
    assert_eq!(number(&stats, "unauthorized"), 0.0);
    assert_eq!(number(&get(&stats, "requestsByToken"), &new), 5.0);
}

/// Scenario 2.
#[wasm_bindgen_test]
async fn a_401_that_arrives_during_a_refresh_shares_it_and_each_call_replays_once() {
    let (user, client) = logged_in("s2", &[]).await;
    // The routes of A and B are each visited once, so no preflight stands in the timing below.
    get_path(&client, "/api/a").await;
    get_path(&client, "/api/b").await;
    revoke(&user).await;
    token_faults(
        &user,
        1,
        object(&[("kind", "delay".into()), ("ms", 200.into())]),
    )
    .await;
    // B goes first and is held 200 ms by the server; A follows 100 ms later and is answered
    // at once. So, counted from A's 401 (t = 0): the refresh takes 200 ms and B's 401, sent
    // with the old token, comes at 100 ms, in the middle of it.
    api_delay(&user, 1, 200).await;
    let b = get_call(&client, "/api/b");
    sleep(100).await;
    let a = get_call(&client, "/api/a");

    let a = as_response(wait(a).await);
    let b = as_response(wait(b).await);
    assert_eq!((a.status(), b.status()), (200, 200));

    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0, "one refresh for both");
    assert_eq!(number(&stats, "unauthorized"), 2.0);
    let new = token_ids(&stats)[1].clone();
    assert_eq!(text(&json(&a).await, "tokenId"), new);
    assert_eq!(text(&json(&b).await, "tokenId"), new);

    let events = events(&stats);
    let rejected_a = find(&events, "unauthorized", "/api/a");
    let rejected_b = find(&events, "unauthorized", "/api/b");
    let refresh = events
        .iter()
        .rfind(|e| e.kind == "token")
        .expect("the refresh");
    assert!(
        rejected_a.t < rejected_b.t && rejected_b.t < refresh.t,
        "B's 401 came while the refresh was under way: {events:?}"
    );
    for path in ["/api/a", "/api/b"] {
        let replays: Vec<_> = events
            .iter()
            .filter(|e| e.path == path && e.t > rejected_a.t)
            .filter(|e| e.kind == "api")
            .collect();
        assert_eq!(replays.len(), 1, "{path} replayed once: {events:?}");
        assert_eq!(replays[0].token_id.as_deref(), Some(new.as_str()));
        assert!(
            replays[0].t >= refresh.t,
            "{path} replayed after the refresh"
        );
    }
}

fn find<'a>(events: &'a [Event], kind: &str, path: &str) -> &'a Event {
    let mut matching = events.iter().filter(|e| e.kind == kind && e.path == path);
    let event = matching
        .next()
        .unwrap_or_else(|| panic!("no {kind} {path}: {events:?}"));
    assert!(
        matching.next().is_none(),
        "one {kind} {path} only: {events:?}"
    );
    event
}

/// Scenario 3.
#[wasm_bindgen_test]
async fn a_call_started_during_a_refresh_goes_out_once_after_it_with_the_new_token() {
    let (user, client) = logged_in("s3", &[]).await;
    get_path(&client, "/api/c").await;
    revoke(&user).await;
    token_faults(
        &user,
        1,
        object(&[("kind", "delay".into()), ("ms", 300.into())]),
    )
    .await;
    let a = get_call(&client, "/api/a");
    // The server counts a token call when it arrives: from then on the refresh is under way.
    until_token_calls(&user, 2.0).await;
    let c = get_call(&client, "/api/c");

    let c = as_response(wait(c).await);
    assert_eq!(c.status(), 200);
    assert_eq!(as_response(wait(a).await).status(), 200);

    let stats = counters(&user).await;
    let new = token_ids(&stats)[1].clone();
    assert_eq!(text(&json(&c).await, "tokenId"), new);
    assert_eq!(number(&stats, "unauthorized"), 1.0, "only A's old token");
    let events = events(&stats);
    let refresh = events
        .iter()
        .rfind(|e| e.kind == "token")
        .expect("the refresh");
    let rejected_a = find(&events, "unauthorized", "/api/a");
    let later: Vec<_> = events
        .iter()
        .filter(|e| e.path == "/api/c" && e.t > rejected_a.t)
        .collect();
    assert_eq!(later.len(), 1, "C reached the server once: {events:?}");
    assert_eq!(later[0].kind, "api", "C got no 401");
    assert_eq!(later[0].token_id.as_deref(), Some(new.as_str()));
    assert!(later[0].t >= refresh.t, "C went out after the refresh");
}

/// Scenario 4.
#[wasm_bindgen_test]
async fn three_401s_then_a_failing_refresh_reject_with_its_error_and_replay_nothing() {
    let faults = [
        (
            object(&[("kind", "status".into()), ("status", 500.into())]),
            "status",
        ),
        (
            object(&[("kind", "code".into()), ("code", (-1).into())]),
            "code",
        ),
        (object(&[("kind", "hang".into())]), "timeout"),
    ];
    for (fault, reason) in faults {
        // The call's own timeout is far above the refresh's: a TimeoutError would mean a call
        // waited for something other than the failed refresh.
        let extra = [
            ("refreshTimeoutMs", 400.into()),
            ("timeoutMs", 8_000.into()),
        ];
        let (user, client) = logged_in("s4", &extra).await;
        let lost = Recorder::new();
        client.on_session_lost(lost.function.clone());
        revoke(&user).await;
        token_faults(&user, 1, fault).await;

        let started = js_sys::Date::now();
        let promises = (0..3).map(|_| get_call(&client, "/api/echo")).collect();
        for outcome in settle_all(promises).await {
            let error = outcome.expect_err("every call rejects");
            assert_eq!(text(&error, "name"), "TokenRefreshError", "{reason}");
            assert_eq!(text(&error, "reason"), reason, "{}", message(&error));
        }
        assert!(js_sys::Date::now() - started < 8_000.0, "{reason}");
        assert_eq!(lost.count(), 1, "{reason}: session lost once");
        assert_eq!(text(&lost.calls.get(0), "reason"), reason);
        let keys = Keys::for_user(&user);
        assert_eq!(storage().get_item(&keys.token).expect("storage"), None);
        assert_eq!(client.expires_at(), None);

        let stats = counters(&user).await;
        assert_eq!(number(&stats, "unauthorized"), 3.0, "{reason}");
        assert_eq!(number(&stats, "tokenCalls"), 2.0, "{reason}: one refresh");
        assert_eq!(
            number(&stats, "apiRequests"),
            1.0,
            "{reason}: none replayed"
        );

        let response = get_path(&client, "/api/echo").await;
        assert_eq!(response.status(), 200, "{reason}: the client recovers");
        let stats = counters(&user).await;
        assert_eq!(number(&stats, "tokenCalls"), 3.0);
        let newest = token_ids(&stats).last().cloned();
        assert_eq!(
            Some(text(&json(&response).await, "tokenId")),
            newest,
            "{reason}"
        );
    }
}

/// Scenario 5.
#[wasm_bindgen_test]
async fn a_token_endpoint_on_an_api_origin_answering_401_is_called_once_and_never_retried() {
    // With no token yet.
    let user = open_id("s5");
    token_faults(&user, 1, object(&[("kind", "unauthorized".into())])).await;
    let client = client(&user, &[]);
    let error = wait(get_call(&client, "/api/echo"))
        .await
        .expect_err("the refresh fails");
    assert_eq!(text(&error, "name"), "TokenRefreshError");
    assert_eq!(text(&error, "reason"), "status");
    assert_eq!(number(&error, "status"), 401.0);
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 1.0);
    assert_eq!(number(&stats, "apiRequests"), 0.0);

    // And after an API call was answered 401: the original call gets the refresh error, not
    // its own 401.
    let (user, client) = logged_in("s5b", &[]).await;
    revoke(&user).await;
    token_faults(&user, 1, object(&[("kind", "unauthorized".into())])).await;
    let error = wait(get_call(&client, "/api/echo"))
        .await
        .expect_err("the refresh fails");
    assert_eq!(text(&error, "name"), "TokenRefreshError");
    assert_eq!(number(&error, "status"), 401.0);
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0, "login, then one refresh");
    assert_eq!(number(&stats, "unauthorized"), 1.0, "no replay");
}

/// Sets `globalThis.fetch` to `replacement` until dropped, as pages that route every request
/// through a client do.
struct GlobalFetch {
    original: JsValue,
}

impl GlobalFetch {
    fn replace_with(replacement: &Function) -> Self {
        let global = js_sys::global();
        let original = get(&global, "fetch");
        Reflect::set(&global, &"fetch".into(), replacement).expect("set fetch");
        Self { original }
    }
}

impl Drop for GlobalFetch {
    fn drop(&mut self) {
        Reflect::set(&js_sys::global(), &"fetch".into(), &self.original).expect("restore fetch");
    }
}

#[wasm_bindgen_test]
async fn a_page_whose_global_fetch_is_client_fetch_neither_loops_nor_queues_the_refresh() {
    let user = open_id("globalfetch");
    let client = client(&user, &[("refreshTimeoutMs", 3_000.into())]);
    let mut other = other_origin();
    other.push_str("/api/echo");

    // The test's own control requests go out with the page's real fetch, so the replacement
    // is in place only around the client's calls.
    let replaced = GlobalFetch::replace_with(&client.fetch());
    // A call to the API: the token request and the send go to the network, once each.
    let login = wait(get_call(&client, "/api/echo")).await;
    // A call to another origin is passed on, not back into the client.
    let passed = wait(call(&client, &other.into(), &JsValue::UNDEFINED)).await;
    drop(replaced);
    assert_eq!(as_response(login).status(), 200);
    assert_eq!(as_response(passed).status(), 401);

    // A refresh whose endpoint answers 401 fails as such, instead of waiting for itself.
    revoke(&user).await;
    token_faults(&user, 1, object(&[("kind", "unauthorized".into())])).await;
    let replaced = GlobalFetch::replace_with(&client.fetch());
    let failed = wait(get_call(&client, "/api/echo")).await;
    drop(replaced);
    let error = failed.expect_err("the refresh fails");
    assert_eq!(text(&error, "reason"), "status", "{}", message(&error));
    assert_eq!(number(&error, "status"), 401.0);

    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0);
    assert_eq!(number(&stats, "apiRequests"), 1.0);
    assert_eq!(number(&stats, "unauthorized"), 1.0);
}

/// Scenario 6.
#[wasm_bindgen_test]
async fn a_get_with_t1_answered_401_is_replayed_with_exactly_t2_and_one_401_in_all() {
    let (user, client) = logged_in("s6", &[]).await;
    let t1 = wait(client.token())
        .await
        .expect("t1")
        .as_string()
        .expect("text");
    revoke(&user).await;

    let response = get_path(&client, "/api/echo").await;
    assert_eq!(response.status(), 200);
    let echo = json(&response).await;
    let t2 = wait(client.token())
        .await
        .expect("t2")
        .as_string()
        .expect("text");
    assert_ne!(t1, t2);
    let stats = counters(&user).await;
    let ids = token_ids(&stats);
    assert_eq!(ids.len(), 2, "one refresh");
    assert_eq!(jti(&t1), ids[0]);
    assert_eq!(jti(&t2), ids[1]);
    assert_eq!(
        text(&echo, "tokenId"),
        ids[1],
        "the replay carried Bearer T2"
    );
    assert_eq!(number(&stats, "unauthorized"), 1.0);
    let rejected: Vec<_> = events(&stats)
        .into_iter()
        .filter(|e| e.kind == "unauthorized")
        .collect();
    assert_eq!(rejected[0].token_id.as_deref(), Some(ids[0].as_str()));

    // A caller's own stale Authorization header does not stand in for T2 either.
    let mut stale = String::from("Bearer ");
    stale.push_str(&t1);
    let headers = object(&[("Authorization", stale.into())]);
    let init = object(&[("headers", headers)]);
    let stale_call = as_response(wait(call(&client, &url("/api/echo").into(), &init)).await);
    assert_eq!(stale_call.status(), 200);
    assert_eq!(text(&json(&stale_call).await, "tokenId"), ids[1]);
    assert_eq!(number(&counters(&user).await, "unauthorized"), 1.0);
}

/// POSTs `init` (or `request`) once T1 is revoked, returning the echo of the replay.
async fn replayed_echo(user: &str, client: &TokenClient, input: JsValue, init: JsValue) -> JsValue {
    let before = number(&counters(user).await, "unauthorized");
    revoke(user).await;
    let response = as_response(wait(call(client, &input, &init)).await);
    assert_eq!(response.status(), 200);
    assert_eq!(
        number(&counters(user).await, "unauthorized"),
        before + 1.0,
        "the first send was answered 401"
    );
    json(&response).await
}

/// Scenario 7.
#[wasm_bindgen_test]
async fn json_and_form_data_posts_are_replayed_with_identical_bytes_and_content_type() {
    let (user, client) = logged_in("s7", &[]).await;

    let headers = object(&[("Content-Type", "application/json".into())]);
    let init = object(&[
        ("method", "POST".into()),
        ("headers", headers),
        ("body", r#"{"n":1}"#.into()),
    ]);
    let echo = replayed_echo(&user, &client, url("/api/echo").into(), init).await;
    assert_eq!(echo_bytes(&echo), br#"{"n":1}"#.to_vec());
    assert_eq!(text(&echo, "contentType"), "application/json");

    // FormData with a file, in a Request made by the caller: its Content-Type names the
    // boundary, and the body must be that form framed by that boundary, byte for byte.
    let file = [0u8, 1, 2, 0xfe, 0xff, b'\r', b'\n'];
    let form = form_with_file(&file);
    let request_init = RequestInit::new();
    request_init.set_method("POST");
    request_init.set_body(&form);
    let request =
        Request::new_with_str_and_init(&url("/api/echo"), &request_init).expect("Request");
    let content_type = request
        .headers()
        .get("Content-Type")
        .expect("header")
        .expect("a multipart Content-Type");
    let echo = replayed_echo(&user, &client, request.into(), JsValue::UNDEFINED).await;
    assert_eq!(text(&echo, "contentType"), content_type);
    assert_eq!(echo_bytes(&echo), multipart(&content_type, &file));

    // FormData given as `init.body`, as axios does: the boundary is the browser's choice.
    let init = object(&[("method", "POST".into()), ("body", form.into())]);
    let echo = replayed_echo(&user, &client, url("/api/echo").into(), init).await;
    let content_type = text(&echo, "contentType");
    assert_eq!(echo_bytes(&echo), multipart(&content_type, &file));
}

/// A form with a text field `name` = `Zoë` and a file field `file` named `data.bin`.
fn form_with_file(bytes: &[u8]) -> web_sys::FormData {
    let form = web_sys::FormData::new().expect("FormData");
    form.append_with_str("name", "Zoë").expect("field");
    let parts = Array::of1(&Uint8Array::from(bytes));
    let file = web_sys::Blob::new_with_u8_array_sequence(&parts).expect("Blob");
    form.append_with_blob_and_filename("file", &file, "data.bin")
        .expect("file field");
    form
}

/// The multipart/form-data encoding of [`form_with_file`] under the boundary that
/// `content_type` names, as every engine writes it.
fn multipart(content_type: &str, file: &[u8]) -> Vec<u8> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"));
    let mut body = Vec::new();
    for part in [
        "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nZoë\r\n",
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
    ] {
        body.extend_from_slice(part.replace("{b}", boundary).as_bytes());
    }
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--");
    body.extend_from_slice(boundary.as_bytes());
    body.extend_from_slice(b"--\r\n");
    body
}

#[wasm_bindgen_test]
async fn every_kind_of_body_is_replayed_byte_for_byte_with_its_content_type() {
    let (user, client) = logged_in("bodies", &[]).await;
    let all_bytes: Vec<u8> = (0..=255).collect();
    let params = web_sys::UrlSearchParams::new_with_str("a=1&b=x y&c=é").expect("params");
    let blob_parts = Array::of1(&Uint8Array::from(&all_bytes[..]));
    let blob_options = web_sys::BlobPropertyBag::new();
    blob_options.set_type("image/png");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&blob_parts, &blob_options)
        .expect("Blob");
    // A view into the middle of a larger buffer: only the view's bytes are the body.
    let view = Uint8Array::from(&all_bytes[..]).subarray(10, 20);

    let cases: [(&str, JsValue, Vec<u8>, Option<&str>); 5] = [
        (
            "text",
            "plain words".into(),
            b"plain words".to_vec(),
            Some("text/plain;charset=UTF-8"),
        ),
        (
            "URLSearchParams",
            params.into(),
            b"a=1&b=x+y&c=%C3%A9".to_vec(),
            Some("application/x-www-form-urlencoded;charset=UTF-8"),
        ),
        ("Blob", blob.into(), all_bytes.clone(), Some("image/png")),
        (
            "ArrayBuffer",
            Uint8Array::from(&all_bytes[..]).buffer().into(),
            all_bytes.clone(),
            None,
        ),
        (
            "Uint8Array view",
            view.into(),
            all_bytes[10..20].to_vec(),
            None,
        ),
    ];
    for (kind, body, bytes, content_type) in cases {
        let init = object(&[("method", "PUT".into()), ("body", body)]);
        let echo = replayed_echo(&user, &client, url("/api/echo").into(), init).await;
        assert_eq!(text(&echo, "method"), "PUT", "{kind}");
        assert_eq!(echo_bytes(&echo), bytes, "{kind}");
        assert_eq!(
            get(&echo, "contentType").as_string().as_deref(),
            content_type,
            "{kind}"
        );
    }
}

/// Scenario 8.
#[wasm_bindgen_test]
async fn a_client_clock_55_s_ahead_refreshes_once_per_token_and_never_loops() {
    let user = open_id("s8");
    control(
        "lifetime",
        object(&[
            ("openId", user.as_str().into()),
            ("reportedSeconds", 60.into()),
        ]),
    )
    .await;
    let clock = FakeClock::ahead_by(55_000.0);
    let client = client(&user, &[("refreshLeewaySeconds", 10.into())]);

    // Nothing below panics while the clock is patched, so a failure cannot leave it patched
    // for the tests after this one.
    let before = js_sys::Date::now();
    let login = try_echo(&client, "/api/echo").await;
    let after = js_sys::Date::now();
    let keys = Keys::for_user(&user);
    let stored = storage().get_item(&keys.expires_at);
    let mut calls = Vec::new();
    for _ in 0..20 {
        calls.push(try_echo(&client, "/api/echo").await);
    }
    // 45 s later by the client's clock: still before the refresh point (60 - 10 s).
    clock.set(55_000.0 + 45_000.0);
    for _ in 0..5 {
        calls.push(try_echo(&client, "/api/echo").await);
    }
    let before_refresh = counters(&user).await;
    // 55 s later: inside the leeway, so exactly one refresh, then the new token is used.
    clock.set(55_000.0 + 55_000.0);
    for _ in 0..20 {
        calls.push(try_echo(&client, "/api/echo").await);
    }
    drop(clock);

    assert_eq!(login.map(|(status, _)| status), Ok(200));
    // From expiresIn at arrival on the client's own clock, not from the token's `exp`, which
    // by this clock would already be 55 s gone.
    let stored: f64 = stored
        .expect("storage")
        .expect("an expiry")
        .parse()
        .expect("epoch ms");
    assert!(
        stored >= (before + 60_000.0).floor() && stored <= after + 60_000.0,
        "{stored} from {before}..{after}"
    );
    let statuses: Vec<_> = calls
        .iter()
        .map(|call| call.as_ref().map(|c| c.0))
        .collect();
    assert_eq!(statuses, vec![Ok(200); 45]);
    assert_eq!(number(&before_refresh, "tokenCalls"), 1.0);
    let stats = counters(&user).await;
    assert_eq!(number(&stats, "tokenCalls"), 2.0, "one refresh, no loop");
    assert_eq!(number(&stats, "tokensIssued"), 2.0);
    assert_eq!(number(&stats, "unauthorized"), 0.0);
    let ids = token_ids(&stats);
    let by_token = get(&stats, "requestsByToken");
    assert_eq!(number(&by_token, &ids[0]), 26.0);
    assert_eq!(number(&by_token, &ids[1]), 20.0);
}

/// Scenario 9.
#[wasm_bindgen_test]
async fn a_past_or_garbage_stored_expiry_counts_as_expired_and_the_next_call_refreshes_first() {
    let (user, client) = logged_in("s9", &[]).await;
    let keys = Keys::for_user(&user);
    let past = ((js_sys::Date::now() - 1_000.0) as u64).to_string();
    let values = [
        past.as_str(),
        "abc",
        "",
        "1e400",
        "Thu Dec 03 2026 10:00:00 GMT",
        "2026-12-03T10:00:00Z",
        "-5",
        "-1733200000000",
    ];
    for (index, value) in values.iter().enumerate() {
        storage()
            .set_item(&keys.expires_at, value)
            .expect("storage");
        let response = get_path(&client, "/api/echo").await;
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
        assert_eq!(
            Some(text(&json(&response).await, "tokenId")),
            token_ids(&stats).last().cloned(),
            "{value:?}: sent with the new token"
        );
        let rewritten = storage().get_item(&keys.expires_at).expect("storage");
        assert!(
            rewritten.is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit())),
            "{value:?} was replaced"
        );
    }
}

#[wasm_bindgen_test]
async fn a_stored_token_that_cannot_go_in_a_header_counts_as_missing() {
    let (user, client) = logged_in("badtoken", &[]).await;
    let keys = Keys::for_user(&user);
    let far = ((js_sys::Date::now() + 3_600_000.0) as u64).to_string();
    let tokens = ["токен", "two words", "line\nbreak", " ", "tab\there"];
    for (index, token) in tokens.iter().enumerate() {
        storage().set_item(&keys.token, token).expect("storage");
        storage().set_item(&keys.expires_at, &far).expect("storage");
        let response = as_response(wait(get_call(&client, "/api/echo")).await);
        assert_eq!(response.status(), 200, "{token:?}");
        let stats = counters(&user).await;
        assert_eq!(
            number(&stats, "tokenCalls"),
            2.0 + index as f64,
            "{token:?} was replaced by a refresh"
        );
        assert_eq!(number(&stats, "unauthorized"), 0.0, "{token:?}");
    }
}

/// Scenario 10.
#[wasm_bindgen_test]
async fn failing_or_missing_session_storage_keeps_the_token_in_memory_with_one_warning() {
    // A throwing setItem (private mode, quota), a throwing getItem (storage blocked), and no
    // sessionStorage at all.
    for setup in ["setItem throws", "getItem throws", "no sessionStorage"] {
        let user = open_id("s10");
        let warnings = Recorder::new();
        let throwing = match setup {
            "setItem throws" => Some(BrokenStorage::new("setItem")),
            "getItem throws" => Some(BrokenStorage::new("getItem")),
            _ => None,
        };
        let hidden = (setup == "no sessionStorage").then(NoSessionStorage::new);
        let client = client(&user, &[("onWarning", warnings.function.clone().into())]);
        // Login, two calls on the token from memory, then a refresh (after a 401) and two more;
        // nothing here panics while storage is patched.
        let mut first = Vec::new();
        for _ in 0..3 {
            first.push(try_echo(&client, "/api/echo").await);
        }
        revoke(&user).await;
        let mut second = Vec::new();
        for _ in 0..3 {
            second.push(try_echo(&client, "/api/echo").await);
        }
        drop((throwing, hidden));

        let stats = counters(&user).await;
        let ids = token_ids(&stats);
        assert_eq!(first, vec![Ok((200, ids[0].clone())); 3], "{setup}");
        assert_eq!(second, vec![Ok((200, ids[1].clone())); 3], "{setup}");
        assert_eq!(number(&stats, "tokenCalls"), 2.0, "{setup}: login, refresh");
        assert_eq!(number(&stats, "unauthorized"), 1.0, "{setup}");
        assert_eq!(warnings.count(), 1, "{setup}: one warning in all");
        assert_eq!(
            text(&warnings.calls.get(0), "name"),
            "StorageUnavailableWarning"
        );
        let keys = Keys::for_user(&user);
        assert_eq!(
            storage().get_item(&keys.token).expect("storage"),
            None,
            "{setup}: nothing half-written"
        );
    }
}

/// Scenario 11.
#[wasm_bindgen_test]
async fn a_401_from_another_origin_is_the_caller_s_answer_with_no_token_and_no_refresh() {
    let user = open_id("s11");
    let client = client(&user, &[]);
    let mut other = other_origin();
    other.push_str("/api/echo");
    let promise = call(&client, &other.as_str().into(), &JsValue::UNDEFINED);
    assert_eq!(as_response(wait(promise).await).status(), 401);
    assert_eq!(number(&counters(&user).await, "tokenCalls"), 0.0);

    // With a token at hand, in each form `fetch` takes. The other origin is the same
    // token-server under another name, so a token sent there would be accepted, and counted.
    get_path(&client, "/api/echo").await;
    let inputs: [JsValue; 3] = [
        other.as_str().into(),
        web_sys::Url::new(&other).expect("URL").into(),
        Request::new_with_str(&other).expect("Request").into(),
    ];
    for input in inputs {
        let promise = call(&client, &input, &JsValue::UNDEFINED);
        assert_eq!(as_response(wait(promise).await).status(), 401);
    }
    let stats = counters(&user).await;
    assert_eq!(
        number(&stats, "tokenCalls"),
        1.0,
        "no refresh for their 401s"
    );
    assert_eq!(number(&stats, "apiRequests"), 1.0, "the login call only");
    assert_eq!(
        number(&stats, "unauthorized"),
        0.0,
        "no token of this user reached it"
    );
}
