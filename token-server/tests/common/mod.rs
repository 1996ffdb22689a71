//! A real server on 127.0.0.1 and a real HTTP client, shared by the test files.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use token_server::Config;

/// A server started for one test, and a client aimed at it.
#[derive(Debug)]
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
}

/// Starts `config` on a free port of 127.0.0.1; it lives as long as the test's runtime.
pub async fn start(config: Config) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener
        .local_addr()
        .expect("a bound listener has an address");
    let app = token_server::app(config).expect("randomness is available in tests");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client without TLS builds");
    Server {
        base: format!("http://{address}"),
        client,
    }
}

/// Starts a server with `--test-controls`.
pub async fn start_with_controls() -> Server {
    start(Config {
        test_controls: true,
        ..Config::default()
    })
    .await
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request and reads the status and body as JSON.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let body = response.json().await.expect("the body is JSON");
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path))).await
    }

    /// `GET /token?openId=…` that must succeed; gives the token and the whole answer.
    pub async fn token(&self, open_id: &str) -> (String, Value) {
        let (status, body) = self.get(&format!("/token?openId={open_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["code"], 0, "token call failed: {body}");
        let token = body["token"].as_str().expect("a token string").to_owned();
        (token, body)
    }

    /// Sends `method` to an `/api` path with `token` as bearer.
    pub async fn api(&self, method: Method, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(
            self.client
                .request(method, self.url(path))
                .bearer_auth(token),
        )
        .await
    }

    /// The status of `GET /api/profile` with `token`.
    pub async fn api_status(&self, token: &str) -> StatusCode {
        self.api(Method::GET, "/api/profile", token).await.0
    }

    /// POSTs a JSON control and checks it was accepted.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let request = self.client.post(self.url(path)).json(&body);
        let (status, reply) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "control {path} refused: {reply}");
        reply
    }

    /// The counters of `open_id`, or global ones for `None`.
    pub async fn counters(&self, open_id: Option<&str>) -> Value {
        let path = match open_id {
            Some(id) => format!("/__control/counters?openId={id}"),
            None => "/__control/counters".to_owned(),
        };
        let (status, body) = self.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        body
    }
}

/// The decoded header and claims of a JWT, without checking its signature.
pub fn jwt_parts(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut decode = || {
        let part = parts.next().expect("a JWT has three parts");
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .expect("JWT parts are base64url");
        serde_json::from_slice::<Value>(&bytes).expect("JWT parts are JSON")
    };
    let header = decode();
    let claims = decode();
    (header, claims)
}
