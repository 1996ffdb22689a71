//! `--static-dir`: a single-page app served beside the API.

mod common;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use token_server::Config;

use common::start;

const INDEX: &str = "<!doctype html><title>demo</title>";
const SCRIPT: &str = "console.log('demo')";

/// Fetches `path` and gives its status, content type and text.
async fn fetch(server: &common::Server, path: &str) -> (StatusCode, String, String) {
    let response = server
        .client
        .get(server.url(path))
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("a body"))
}

#[tokio::test]
async fn the_folder_is_served_with_its_index_for_unknown_paths_and_the_api_still_wins() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("index.html is written");
    std::fs::write(dir.path().join("app.js"), SCRIPT).expect("app.js is written");
    let config = Config {
        static_dir: Some(dir.path().to_owned()),
        ..Config::default()
    };
    let server = start(config).await;

    let root = fetch(&server, "/").await;
    let script = fetch(&server, "/app.js").await;
    let deep_link = fetch(&server, "/orders/42").await;
    let api = fetch(&server, "/api/profile").await;
    let token = fetch(&server, "/token?openId=alice").await;
    let control = fetch(&server, "/__control/counters").await;

    assert_eq!((root.0, root.2.as_str()), (StatusCode::OK, INDEX));
    assert!(root.1.starts_with("text/html"), "{}", root.1);
    assert_eq!((script.0, script.2.as_str()), (StatusCode::OK, SCRIPT));
    assert!(script.1.contains("javascript"), "{}", script.1);
    assert_eq!((deep_link.0, deep_link.2.as_str()), (StatusCode::OK, INDEX));
    assert_eq!(api.0, StatusCode::UNAUTHORIZED);
    assert_eq!(token.0, StatusCode::OK);
    assert!(token.2.contains(r#""code":0"#), "{}", token.2);
    assert_eq!(
        control.0,
        StatusCode::NOT_FOUND,
        "controls stay absent without the flag"
    );
}
