//! The `/__control/` routes of a server started with `--test-controls`.

mod common;

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use common::{jwt_parts, start_with_controls};

#[tokio::test]
async fn a_global_revoke_invalidates_every_earlier_token_but_not_later_ones() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    let (bob, _) = server.token("bob").await;

    let reply = server.control("/__control/revoke", json!({})).await;

    assert_eq!(
        reply,
        json!({"ok": true, "openId": null, "revokedThrough": "t2"})
    );
    assert_eq!(server.api_status(&alice).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.api_status(&bob).await, StatusCode::UNAUTHORIZED);
    let (fresh, _) = server.token("alice").await;
    assert_eq!(server.api_status(&fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn a_scoped_revoke_only_touches_that_open_id() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    let (bob, _) = server.token("bob").await;

    server
        .control("/__control/revoke", json!({"openId": "alice"}))
        .await;

    assert_eq!(server.api_status(&alice).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.api_status(&bob).await, StatusCode::OK);
    let (fresh, _) = server.token("alice").await;
    assert_eq!(server.api_status(&fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn a_revoke_scoped_by_query_parameter_works_without_a_body() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    let (bob, _) = server.token("bob").await;

    let request = server
        .client
        .post(server.url("/__control/revoke?openId=bob"));
    let (status, _) = server.send(request).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.api_status(&alice).await, StatusCode::OK);
    assert_eq!(server.api_status(&bob).await, StatusCode::UNAUTHORIZED);
}

async fn queue_fault(server: &common::Server, fault: Value) {
    let reply = server
        .control(
            "/__control/token-faults",
            json!({"count": 1, "fault": fault}),
        )
        .await;
    assert_eq!(reply["queued"], 1);
}

#[tokio::test]
async fn a_status_fault_answers_that_status() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "status", "status": 503})).await;

    let faulted = server.get("/token?openId=alice").await;

    assert_eq!(
        faulted,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"code": 503, "message": "injected fault"})
        )
    );
    server.token("alice").await;
}

#[tokio::test]
async fn a_code_fault_answers_200_with_that_code_and_no_token() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "code", "code": -1})).await;

    let faulted = server.get("/token?openId=alice").await;

    let expected =
        json!({"code": -1, "token": null, "expiresIn": 3600, "message": "injected fault"});
    assert_eq!(faulted, (StatusCode::OK, expected));
}

#[tokio::test]
async fn a_malformed_fault_answers_a_body_that_is_not_json() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "malformed"})).await;

    let response = server
        .client
        .get(server.url("/token?openId=alice"))
        .send()
        .await
        .expect("an answer");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get(CONTENT_TYPE)
            .map(|value| value.as_bytes()),
        Some(&b"application/json"[..])
    );
    let text = response.text().await.expect("a body");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "{text} parsed as JSON"
    );
}

#[tokio::test]
async fn a_hang_fault_holds_the_request_until_the_client_gives_up() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "hang"})).await;

    let started = Instant::now();
    let error = server
        .client
        .get(server.url("/token?openId=alice"))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("a hung request never answers");

    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.token("alice").await;
}

#[tokio::test]
async fn a_delay_fault_answers_normally_after_the_delay() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "delay", "ms": 300})).await;

    let started = Instant::now();
    let (token, body) = server.token("alice").await;

    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(body["expiresIn"], 3600);
    assert_eq!(server.api_status(&token).await, StatusCode::OK);
}

#[tokio::test]
async fn a_missing_token_fault_answers_code_zero_without_a_token() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "missing-token"})).await;

    let faulted = server.get("/token?openId=alice").await;

    assert_eq!(
        faulted,
        (StatusCode::OK, json!({"code": 0, "expiresIn": 3600}))
    );
}

#[tokio::test]
async fn a_bad_expires_in_fault_answers_a_working_token_with_that_value() {
    let server = start_with_controls().await;
    for value in [json!("soon"), json!(-5), json!(null)] {
        queue_fault(&server, json!({"kind": "bad-expires-in", "value": value})).await;

        let (status, body) = server.get("/token?openId=alice").await;

        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["code"], 0);
        assert_eq!(body["expiresIn"], value);
        let token = body["token"].as_str().expect("a token is still issued");
        assert_eq!(server.api_status(token).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn an_unauthorized_fault_answers_401() {
    let server = start_with_controls().await;
    queue_fault(&server, json!({"kind": "unauthorized"})).await;

    let (status, _) = server.get("/token?openId=alice").await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn faults_run_in_order_count_down_and_stay_in_their_scope() {
    let server = start_with_controls().await;
    let fault =
        |code| json!({"openId": "alice", "count": 2, "fault": {"kind": "code", "code": code}});
    server.control("/__control/token-faults", fault(-2)).await;
    let reply = server.control("/__control/token-faults", fault(-3)).await;
    assert_eq!(reply, json!({"ok": true, "openId": "alice", "queued": 4}));

    server.token("bob").await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(server.get("/token?openId=alice").await.1["code"].clone());
    }

    assert_eq!(
        codes,
        [json!(-2), json!(-2), json!(-3), json!(-3), json!(0)]
    );
}

#[tokio::test]
async fn a_control_with_a_bad_body_is_refused_with_400() {
    let server = start_with_controls().await;

    for (path, body) in [
        (
            "/__control/token-faults",
            json!({"fault": {"kind": "explode"}}),
        ),
        (
            "/__control/token-faults",
            json!({"fault": {"kind": "status", "status": 42}}),
        ),
        (
            "/__control/token-faults",
            json!({"fault": {"kind": "hang"}, "cuont": 2}),
        ),
        ("/__control/api-delay", json!({"ms": 10_000_000})),
        ("/__control/lifetime", json!({"validSeconds": -1})),
        ("/__control/api-rejection", json!({"status": 99, "code": 1})),
        ("/__control/api-rejection", json!({"status": 200})),
    ] {
        let (status, reply) = server
            .send(server.client.post(server.url(path)).json(&body))
            .await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert_eq!(reply["code"], 400);
        assert!(reply["message"].is_string());
    }
}

#[tokio::test]
async fn an_api_delay_lets_a_revoke_overtake_a_request_in_flight() {
    let server = start_with_controls().await;
    let (token, _) = server.token("alice").await;
    server
        .control(
            "/__control/api-delay",
            json!({"openId": "alice", "count": 1, "ms": 400}),
        )
        .await;

    let started = Instant::now();
    let in_flight = server
        .client
        .get(server.url("/api/profile"))
        .bearer_auth(&token)
        .send();
    let in_flight = tokio::spawn(in_flight);
    tokio::time::sleep(Duration::from_millis(100)).await;
    server
        .control("/__control/revoke", json!({"openId": "alice"}))
        .await;
    let answer = in_flight
        .await
        .expect("the task runs")
        .expect("the server answers");

    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(started.elapsed() >= Duration::from_millis(400));
    let (fresh, _) = server.token("alice").await;
    let started = Instant::now();
    assert_eq!(server.api_status(&fresh).await, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "the delay was used up"
    );
}

#[tokio::test]
async fn an_api_rejection_answers_rejected_tokens_of_its_scope_with_a_business_code() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    let (bob, _) = server.token("bob").await;
    let reply = server
        .control(
            "/__control/api-rejection",
            json!({"openId": "alice", "status": 200, "code": 40001}),
        )
        .await;
    assert_eq!(
        reply,
        json!({"ok": true, "openId": "alice", "status": 200, "code": 40001})
    );
    server.control("/__control/revoke", json!({})).await;

    let (status, body) = server.api(Method::GET, "/api/profile", &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["code"], 40001);
    assert!(body.get("ok").is_none(), "no API answer: {body}");
    let (status, body) = server.api(Method::GET, "/api/profile", &bob).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "bob keeps the plain 401");
    assert_eq!(body["code"], 401);

    let counters = server.counters(Some("alice")).await;
    assert_eq!(
        counters["unauthorized"], 1,
        "a business rejection still counts"
    );
    assert_eq!(counters["apiRequests"], 0);
    let (fresh, _) = server.token("alice").await;
    let (status, body) = server.api(Method::GET, "/api/profile", &fresh).await;
    assert_eq!((status, body["ok"].clone()), (StatusCode::OK, json!(true)));

    server
        .control("/__control/reset", json!({"openId": "alice"}))
        .await;
    server.control("/__control/revoke", json!({})).await;
    assert_eq!(server.api_status(&fresh).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_short_real_validity_expires_tokens_before_their_reported_lifetime() {
    let server = start_with_controls().await;
    let reply = server
        .control(
            "/__control/lifetime",
            json!({"openId": "alice", "reportedSeconds": 120, "validSeconds": 1}),
        )
        .await;
    assert_eq!(
        reply,
        json!({"ok": true, "openId": "alice", "reportedSeconds": 120, "validSeconds": 1.0})
    );

    let (token, body) = server.token("alice").await;
    let (bob, bob_body) = server.token("bob").await;

    assert_eq!(body["expiresIn"], 120);
    assert_eq!(bob_body["expiresIn"], 3600);
    let (_, claims) = jwt_parts(&token);
    assert_eq!(
        claims["exp"]
            .as_u64()
            .zip(claims["iat"].as_u64())
            .map(|(e, i)| e - i),
        Some(120)
    );
    assert_eq!(server.api_status(&token).await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(server.api_status(&token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.api_status(&bob).await, StatusCode::OK);
}

#[tokio::test]
async fn counters_report_each_open_id_apart_and_everything_globally() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    let (bob, _) = server.token("bob").await;
    server.api(Method::GET, "/api/a", &alice).await;
    server.api(Method::POST, "/api/b", &alice).await;
    server.api(Method::GET, "/api/c", &bob).await;
    server
        .control("/__control/revoke", json!({"openId": "alice"}))
        .await;
    server.api(Method::GET, "/api/d", &alice).await;
    server.api(Method::GET, "/api/e", "garbage").await;
    server.get("/token").await;

    let alice_counters = server.counters(Some("alice")).await;
    let global = server.counters(None).await;

    let event = |kind, token: Value, method, path| json!({"kind": kind, "tokenId": token, "openId": "alice", "method": method, "path": path});
    let events: Vec<Value> = alice_counters["events"]
        .as_array()
        .expect("a list of events")
        .iter()
        .map(|event| {
            assert!(event["t"].is_u64(), "{event}");
            let mut event = event.clone();
            event.as_object_mut().map(|fields| fields.remove("t"));
            event
        })
        .collect();
    assert_eq!(
        events,
        [
            event("token", json!("t1"), "GET", "/token"),
            event("api", json!("t1"), "GET", "/api/a"),
            event("api", json!("t1"), "POST", "/api/b"),
            event("unauthorized", json!("t1"), "GET", "/api/d"),
        ]
    );
    assert_eq!(alice_counters["openId"], "alice");
    assert_eq!(alice_counters["tokenCalls"], 1);
    assert_eq!(alice_counters["tokensIssued"], 1);
    assert_eq!(alice_counters["apiRequests"], 2);
    assert_eq!(alice_counters["unauthorized"], 1);
    assert_eq!(alice_counters["requestsByToken"], json!({"t1": 2}));
    assert_eq!(alice_counters["tokenIds"], json!(["t1"]));

    assert_eq!(global["openId"], json!(null));
    assert_eq!(global["tokenCalls"], 3);
    assert_eq!(global["tokensIssued"], 2);
    assert_eq!(global["apiRequests"], 3);
    assert_eq!(global["unauthorized"], 2);
    assert_eq!(global["requestsByToken"], json!({"t1": 2, "t2": 1}));
    assert_eq!(global["tokenIds"], json!(["t1", "t2"]));
    assert_eq!(global["events"].as_array().map(Vec::len), Some(8));

    let stranger = server.counters(Some("carol")).await;
    assert_eq!(stranger["tokenCalls"], 0);
    assert_eq!(stranger["events"], json!([]));
}

#[tokio::test]
async fn a_scoped_reset_clears_that_open_id_only() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    let (bob, _) = server.token("bob").await;
    server
        .control("/__control/revoke", json!({"openId": "alice"}))
        .await;
    server
        .control("/__control/revoke", json!({"openId": "bob"}))
        .await;
    let fault = json!({"openId": "alice", "count": 3, "fault": {"kind": "unauthorized"}});
    server.control("/__control/token-faults", fault).await;

    server
        .control("/__control/reset", json!({"openId": "alice"}))
        .await;

    assert_eq!(
        server.api_status(&alice).await,
        StatusCode::OK,
        "revocation lifted"
    );
    assert_eq!(
        server.api_status(&bob).await,
        StatusCode::UNAUTHORIZED,
        "bob still revoked"
    );
    server.token("alice").await;
    let counters = server.counters(Some("alice")).await;
    assert_eq!(counters["tokenCalls"], 1, "only the call after the reset");
    assert_eq!(counters["tokenIds"], json!(["t3"]));
    assert_eq!(server.counters(None).await["tokenCalls"], 3);
}

#[tokio::test]
async fn a_global_reset_clears_everything() {
    let server = start_with_controls().await;
    let (alice, _) = server.token("alice").await;
    server.control("/__control/revoke", json!({})).await;
    server
        .control("/__control/lifetime", json!({"reportedSeconds": 5}))
        .await;
    server
        .control(
            "/__control/token-faults",
            json!({"fault": {"kind": "malformed"}}),
        )
        .await;
    server
        .control("/__control/api-delay", json!({"ms": 2000}))
        .await;

    let reply = server.control("/__control/reset", json!({})).await;

    assert_eq!(reply, json!({"ok": true, "openId": null}));
    let started = Instant::now();
    assert_eq!(server.api_status(&alice).await, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "the api delay was cleared"
    );
    let (_, body) = server.token("alice").await;
    assert_eq!(body["expiresIn"], 3600);
    let global = server.counters(None).await;
    assert_eq!(global["tokenCalls"], 1);
    assert_eq!(global["apiRequests"], 1);
    assert_eq!(global["tokenIds"], json!(["t2"]), "token ids keep counting");
}

#[tokio::test]
async fn shifting_the_clock_expires_tokens_and_a_reset_puts_it_back() {
    let server = start_with_controls().await;
    let (token, _) = server.token("alice").await;

    let reply = server
        .control("/__control/clock", json!({"offsetSeconds": 3601}))
        .await;

    assert_eq!(reply, json!({"ok": true, "offsetSeconds": 3601.0}));
    assert_eq!(server.api_status(&token).await, StatusCode::UNAUTHORIZED);
    server.control("/__control/reset", json!({})).await;
    assert_eq!(server.api_status(&token).await, StatusCode::OK);
}

#[tokio::test]
async fn a_401_for_a_token_signed_elsewhere_still_counts_for_the_open_id_it_names() {
    let server = start_with_controls().await;
    let earlier_process = common::start(token_server::Config::default()).await;
    let (stale, _) = earlier_process.token("alice").await;

    assert_eq!(server.api_status(&stale).await, StatusCode::UNAUTHORIZED);
    server.api(Method::GET, "/api/x", "not-a-jwt").await;

    let alice = server.counters(Some("alice")).await;
    assert_eq!(alice["unauthorized"], 1);
    assert_eq!(alice["events"][0]["kind"], "unauthorized");
    assert_eq!(alice["events"][0]["tokenId"], "t1");
    assert_eq!(server.counters(None).await["unauthorized"], 2);
}
