//! `/token`, `/api/…` and CORS on a plain server.

mod common;

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    CONTENT_TYPE, ORIGIN,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use token_server::Config;

use common::{jwt_parts, start};

const PAGE_ORIGIN: &str = "http://page.test:5173";

#[tokio::test]
async fn token_is_an_hs256_jwt_with_the_documented_claims() {
    let server = start(Config::default()).await;

    let (token, body) = server.token("alice").await;

    assert_eq!(body, json!({"code": 0, "token": token, "expiresIn": 3600}));
    let (header, claims) = jwt_parts(&token);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["jti"], "t1");
    let iat = claims["iat"].as_u64().expect("iat is a number of seconds");
    let exp = claims["exp"].as_u64().expect("exp is a number of seconds");
    assert_eq!(exp - iat, 3600);
}

#[tokio::test]
async fn token_ids_count_up_across_users() {
    let server = start(Config::default()).await;

    let ids = [
        server.token("alice").await.0,
        server.token("bob").await.0,
        server.token("alice").await.0,
    ]
    .map(|token| jwt_parts(&token).1["jti"].clone());

    assert_eq!(ids, [json!("t1"), json!("t2"), json!("t3")]);
}

#[tokio::test]
async fn token_reports_the_configured_lifetime() {
    let server = start(Config {
        lifetime_secs: 90,
        ..Config::default()
    })
    .await;

    let (token, body) = server.token("alice").await;

    assert_eq!(body["expiresIn"], 90);
    let (_, claims) = jwt_parts(&token);
    assert_eq!(
        claims["exp"]
            .as_u64()
            .zip(claims["iat"].as_u64())
            .map(|(e, i)| e - i),
        Some(90)
    );
}

#[tokio::test]
async fn token_without_open_id_answers_code_minus_one_with_status_200() {
    let server = start(Config::default()).await;
    let expected =
        json!({"code": -1, "token": null, "expiresIn": 3600, "message": "openId is required"});

    assert_eq!(
        server.get("/token").await,
        (StatusCode::OK, expected.clone())
    );
    assert_eq!(
        server.get("/token?openId=").await,
        (StatusCode::OK, expected)
    );
}

#[tokio::test]
async fn api_without_a_valid_token_answers_401_json() {
    let server = start(Config::default()).await;
    let other = start(Config::default()).await;
    let (token, _) = server.token("alice").await;
    let (foreign, _) = other.token("alice").await;
    let mut tampered = token.clone();
    tampered.push('x');
    let expected = json!({"code": 401, "message": "invalid or expired token"});

    let missing = server
        .send(server.client.get(server.url("/api/profile")))
        .await;
    let not_bearer = server
        .send(
            server
                .client
                .get(server.url("/api/profile"))
                .header("Authorization", "Basic x"),
        )
        .await;

    assert_eq!(missing, (StatusCode::UNAUTHORIZED, expected.clone()));
    assert_eq!(not_bearer, (StatusCode::UNAUTHORIZED, expected.clone()));
    for bad in ["garbage", tampered.as_str(), foreign.as_str()] {
        let answer = server.api(Method::GET, "/api/profile", bad).await;
        assert_eq!(
            answer,
            (StatusCode::UNAUTHORIZED, expected.clone()),
            "token {bad}"
        );
    }
}

#[tokio::test]
async fn echo_returns_the_exact_bytes_content_type_and_token_id() {
    let server = start(Config::default()).await;
    let (token, _) = server.token("alice").await;
    let bytes = vec![b'h', 0xff, 0x00, b'i'];

    let request = server
        .client
        .post(server.url("/api/echo"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/octet-stream")
        .body(bytes);
    let (status, body) = server.send(request).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "method": "POST",
            "path": "/api/echo",
            "body": "h\u{fffd}\u{0}i",
            "bodyBase64": "aP8AaQ==",
            "contentType": "application/octet-stream",
            "tokenId": "t1",
            "openId": "alice",
        })
    );
    assert!(
        !body.to_string().contains(&token),
        "the echo must not repeat the token"
    );
}

#[tokio::test]
async fn echo_without_body_or_content_type_reports_them_empty() {
    let server = start(Config::default()).await;
    let (token, _) = server.token("bob").await;

    let (status, body) = server.api(Method::DELETE, "/api/echo", &token).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["method"], "DELETE");
    assert_eq!(body["body"], "");
    assert_eq!(body["bodyBase64"], "");
    assert_eq!(body["contentType"], json!(null));
    assert_eq!(body["openId"], "bob");
}

#[tokio::test]
async fn other_api_paths_answer_method_path_and_raw_query() {
    let server = start(Config::default()).await;
    let (token, _) = server.token("alice").await;

    let with_query = server
        .api(Method::PUT, "/api/user/profile?x=1&y=a%20b", &token)
        .await;
    let without = server.api(Method::GET, "/api/profile", &token).await;

    assert_eq!(
        with_query,
        (
            StatusCode::OK,
            json!({
                "ok": true,
                "method": "PUT",
                "path": "/api/user/profile",
                "tokenId": "t1",
                "openId": "alice",
                "query": "x=1&y=a%20b",
            })
        )
    );
    assert_eq!(without.1["query"], "");
    assert_eq!(without.1["path"], "/api/profile");
}

#[tokio::test]
async fn preflights_allow_any_origin_the_methods_and_the_auth_headers() {
    let server = start(Config::default()).await;

    for path in ["/api/echo", "/token"] {
        let response = server
            .client
            .request(Method::OPTIONS, server.url(path))
            .header(ORIGIN, PAGE_ORIGIN)
            .header(ACCESS_CONTROL_REQUEST_METHOD, "PATCH")
            .header(ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type")
            .send()
            .await
            .expect("the server answers");

        assert!(
            response.status().is_success(),
            "preflight of {path}: {}",
            response.status()
        );
        let header = |name| {
            let value = response.headers().get(name).map(|value| value.to_str());
            value
                .and_then(Result::ok)
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        assert_eq!(header(ACCESS_CONTROL_ALLOW_ORIGIN), PAGE_ORIGIN);
        for method in ["get", "post", "put", "patch", "delete", "options"] {
            assert!(
                header(ACCESS_CONTROL_ALLOW_METHODS).contains(method),
                "{method} on {path}"
            );
        }
        assert!(header(ACCESS_CONTROL_ALLOW_HEADERS).contains("authorization"));
        assert!(header(ACCESS_CONTROL_ALLOW_HEADERS).contains("content-type"));
    }
}

#[tokio::test]
async fn cors_headers_are_on_401s_tokens_and_unknown_paths() {
    let server = start(Config::default()).await;

    for (path, status) in [
        ("/api/profile", StatusCode::UNAUTHORIZED),
        ("/token?openId=alice", StatusCode::OK),
        ("/nowhere", StatusCode::NOT_FOUND),
    ] {
        let response = server
            .client
            .get(server.url(path))
            .header(ORIGIN, PAGE_ORIGIN)
            .send()
            .await
            .expect("the server answers");

        assert_eq!(response.status(), status);
        let headers = response.headers();
        assert_eq!(
            headers
                .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.as_bytes()),
            Some(PAGE_ORIGIN.as_bytes())
        );
        assert_eq!(
            headers
                .get(ACCESS_CONTROL_EXPOSE_HEADERS)
                .map(|v| v.as_bytes()),
            Some(&b"content-type"[..])
        );
    }
}

#[tokio::test]
async fn controls_do_not_exist_without_the_flag() {
    let server = start(Config::default()).await;

    let revoke = server
        .send(server.client.post(server.url("/__control/revoke")))
        .await;
    let counters = server.get("/__control/counters").await;

    assert_eq!(revoke.0, StatusCode::NOT_FOUND);
    assert_eq!(counters.0, StatusCode::NOT_FOUND);
    let (token, _) = server.token("alice").await;
    assert_eq!(
        server.api_status(&token).await,
        StatusCode::OK,
        "nothing was revoked"
    );
}

#[tokio::test]
async fn login_codes_do_not_exist_without_code_exchange() {
    let server = start(Config::default()).await;

    let (status, _) = server
        .send(server.client.post(server.url("/wx/login?openId=alice")))
        .await;

    assert_eq!(status, StatusCode::NOT_FOUND);
}
