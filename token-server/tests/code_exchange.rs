//! `--code-exchange`: one-time codes from `/wx/login` traded for tokens at `/token`.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::json;
use token_server::Config;

use common::{Server, jwt_parts, start};

async fn start_exchanging(test_controls: bool) -> Server {
    start(Config {
        code_exchange: true,
        test_controls,
        ..Config::default()
    })
    .await
}

async fn login(server: &Server, open_id: &str) -> String {
    let request = server
        .client
        .post(server.url(&format!("/wx/login?openId={open_id}")));
    let (status, body) = server.send(request).await;
    assert_eq!(status, StatusCode::OK);
    body["code"].as_str().expect("a code string").to_owned()
}

fn invalid_code() -> serde_json::Value {
    json!({"code": 40029, "token": null, "expiresIn": 3600, "message": "invalid code"})
}

#[tokio::test]
async fn a_login_code_buys_one_token_for_its_open_id_and_only_once() {
    let server = start_exchanging(false).await;
    let code = login(&server, "alice").await;

    let (status, first) = server.get(&format!("/token?code={code}")).await;
    let second = server.get(&format!("/token?code={code}")).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["code"], 0);
    assert_eq!(first["expiresIn"], 3600);
    let token = first["token"].as_str().expect("a token");
    assert_eq!(jwt_parts(token).1["sub"], "alice");
    let (status, reply) = server.api(Method::GET, "/api/me", token).await;
    assert_eq!(
        (status, &reply["openId"]),
        (StatusCode::OK, &json!("alice"))
    );
    assert_eq!(second, (StatusCode::OK, invalid_code()));
}

#[tokio::test]
async fn an_unknown_code_is_refused_with_40029() {
    let server = start_exchanging(false).await;

    assert_eq!(
        server.get("/token?code=0123456789abcdef").await,
        (StatusCode::OK, invalid_code())
    );
}

#[tokio::test]
async fn an_open_id_alone_is_refused_in_code_exchange_mode() {
    let server = start_exchanging(false).await;

    let (status, body) = server.get("/token?openId=alice").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "code": -1,
            "token": null,
            "expiresIn": 3600,
            "message": "this server exchanges wx.login codes, not openIds",
        })
    );
}

#[tokio::test]
async fn each_login_gives_a_different_code() {
    let server = start_exchanging(false).await;

    let first = login(&server, "alice").await;
    let second = login(&server, "alice").await;

    assert_ne!(first, second);
}

#[tokio::test]
async fn a_login_without_open_id_is_a_bad_request() {
    let server = start_exchanging(false).await;

    let (status, body) = server
        .send(server.client.post(server.url("/wx/login")))
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "openId is required");
}

#[tokio::test]
async fn a_faulted_exchange_leaves_the_code_for_the_retry() {
    let server = start_exchanging(true).await;
    let code = login(&server, "alice").await;
    let fault = json!({"openId": "alice", "fault": {"kind": "status", "status": 502}});
    server.control("/__control/token-faults", fault).await;

    let (faulted, _) = server.get(&format!("/token?code={code}")).await;
    let (status, retry) = server.get(&format!("/token?code={code}")).await;

    assert_eq!(faulted, StatusCode::BAD_GATEWAY);
    assert_eq!((status, &retry["code"]), (StatusCode::OK, &json!(0)));
    let counters = server.counters(Some("alice")).await;
    assert_eq!(counters["tokenCalls"], 2);
    assert_eq!(counters["tokensIssued"], 1);
}
