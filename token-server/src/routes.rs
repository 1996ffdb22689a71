//! The router and the handlers of the endpoints every mode has.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::config::Config;
use crate::control_routes;
use crate::controls::{ApiRejection, Fault};
use crate::error::Error;
use crate::state::{AppState, Shared};
use crate::tokens::{Claims, Identity};

/// How long an injected hang holds a request before giving up on its own.
const HANG_CAP: Duration = Duration::from_secs(120);

/// The largest request body `/api` reads; above axum's 2 MiB default so uploads can be echoed.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What an injected `malformed` fault answers: an error page such as a proxy sends.
const MALFORMED_BODY: &str = "<html><body><h1>502 Bad Gateway</h1></body></html>";

/// Builds the whole server for `config`.
///
/// `/token` and `/api/` always exist; `/__control/` only with
/// [`test_controls`](Config::test_controls), `/wx/login` only with
/// [`code_exchange`](Config::code_exchange). Every answer carries CORS headers for any origin.
///
/// # Errors
///
/// Fails if the operating system gives no random bytes for the signing secret.
pub fn app(config: Config) -> Result<Router, Error> {
    let state: AppState = Arc::new(Shared::new(&config)?);

    // `/__control` answers 404 even with a static folder, so a test that forgot the flag learns
    // it instead of receiving the single-page app's index.
    let mut router = Router::new()
        .route("/token", get(token))
        .route("/api", any(api))
        .route("/api/", any(api))
        .route("/api/{*path}", any(api))
        .route("/__control", any(not_found))
        .route("/__control/{*rest}", any(not_found));
    if config.code_exchange {
        router = router.route("/wx/login", get(wx_login).post(wx_login));
    }
    if config.test_controls {
        router = router.merge(control_routes::routes());
    }
    router = match &config.static_dir {
        Some(dir) => {
            let index = ServeFile::new(dir.join("index.html"));
            router.fallback_service(ServeDir::new(dir).fallback(index))
        }
        None => router.fallback(not_found),
    };

    Ok(router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors())
        .with_state(state))
}

/// CORS for pages on any origin, preflights included.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([CONTENT_TYPE])
        // Mirroring the origin makes credentialed requests legal, so a page that sends cookies
        // out of habit still works.
        .allow_credentials(true)
        .max_age(Duration::from_secs(600))
}

/// `value` unless it is missing or empty.
pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|value| !value.is_empty())
}

/// A JSON body with a status.
fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// The JSON 404 for paths no route or file answers.
async fn not_found() -> Response {
    reply(
        StatusCode::NOT_FOUND,
        json!({"code": 404, "message": "not found"}),
    )
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(rename = "openId")]
    open_id: Option<String>,
    code: Option<String>,
}

/// The answer of `/token`, in the shape of the backends it stands in for.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenReply<'a> {
    code: i64,
    token: Option<&'a str>,
    expires_in: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

/// Who a `/token` call is for, worked out before any fault applies.
#[derive(Debug)]
enum Caller {
    /// A user to issue to, after using up `code` in code-exchange mode.
    Known {
        open_id: String,
        code: Option<String>,
    },
    /// A call to refuse with this `code` and `message`.
    Refused { code: i64, message: &'static str },
}

impl Caller {
    fn open_id(&self) -> Option<&str> {
        match self {
            Self::Known { open_id, .. } => Some(open_id),
            Self::Refused { .. } => None,
        }
    }
}

/// Works out who a `/token` call is for, from its query and the server's mode.
fn identify(state: &Shared, query: TokenQuery) -> Caller {
    let open_id = non_empty(query.open_id);
    if !state.code_exchange {
        return match open_id {
            Some(open_id) => Caller::Known {
                open_id,
                code: None,
            },
            None => Caller::Refused {
                code: -1,
                message: "openId is required",
            },
        };
    }

    // The code is only looked at here; it is used up once a token is really issued, so a
    // faulted call leaves it for the client's retry.
    match (non_empty(query.code), open_id) {
        (Some(code), _) => match state.codes().peek(&code, state.clock.now_ms()) {
            Some(open_id) => Caller::Known {
                open_id: open_id.to_owned(),
                code: Some(code),
            },
            None => Caller::Refused {
                code: 40029,
                message: "invalid code",
            },
        },
        (None, Some(_)) => Caller::Refused {
            code: -1,
            message: "this server exchanges wx.login codes, not openIds",
        },
        (None, None) => Caller::Refused {
            code: -1,
            message: "code is required",
        },
    }
}

/// `GET /token`: issues a token, unless a test queued a fault for this call.
async fn token(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    let caller = identify(&state, query);
    let fault = state
        .controls()
        .and_then(|mut controls| controls.token_call(caller.open_id()));

    match fault {
        Some(fault) => faulty_token(&state, caller, fault).await,
        None => answer_token(&state, caller, None),
    }
}

/// Answers a `/token` call the way `fault` says.
async fn faulty_token(state: &Shared, caller: Caller, fault: Fault) -> Response {
    let open_id = caller.open_id();
    let reported_secs = state.lifetime(open_id).reported_secs;
    let record_no_token = || {
        if let Some(mut controls) = state.controls() {
            controls.token_answered(open_id, None, state.clock.since_start_ms());
        }
    };

    match fault {
        Fault::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            answer_token(state, caller, None)
        }
        Fault::BadExpiresIn { value } => answer_token(state, caller, Some(value)),
        Fault::Status { status } => {
            record_no_token();
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            reply(
                status,
                json!({"code": status.as_u16(), "message": "injected fault"}),
            )
        }
        Fault::Code { code, message } => {
            record_no_token();
            let body = TokenReply {
                code,
                token: None,
                expires_in: reported_secs.into(),
                message: Some(message.as_deref().unwrap_or("injected fault")),
            };
            Json(body).into_response()
        }
        Fault::Malformed => {
            record_no_token();
            ([(CONTENT_TYPE, "application/json")], MALFORMED_BODY).into_response()
        }
        Fault::Hang => {
            record_no_token();
            // The client normally gives up first, which drops this future; the cap only frees
            // requests whose client never does.
            tokio::time::sleep(HANG_CAP).await;
            reply(
                StatusCode::GATEWAY_TIMEOUT,
                json!({"code": 504, "message": "injected hang"}),
            )
        }
        Fault::MissingToken => {
            record_no_token();
            Json(json!({"code": 0, "expiresIn": reported_secs})).into_response()
        }
        Fault::Unauthorized => {
            record_no_token();
            reply(
                StatusCode::UNAUTHORIZED,
                json!({"code": 401, "message": "unauthorized"}),
            )
        }
    }
}

/// Issues a token to `caller`, or refuses; `expires_in` replaces the reported lifetime.
fn answer_token(state: &Shared, caller: Caller, expires_in: Option<Value>) -> Response {
    let open_id = match caller {
        Caller::Known {
            open_id,
            code: None,
        } => open_id,
        Caller::Known {
            code: Some(code), ..
        } => {
            match state.codes().take(&code, state.clock.now_ms()) {
                Some(open_id) => open_id,
                // Another call used the code up while this one was delayed.
                None => return refuse(state, 40029, "invalid code"),
            }
        }
        Caller::Refused { code, message } => return refuse(state, code, message),
    };

    let lifetime = state.lifetime(Some(&open_id));
    let now_ms = state.clock.now_ms();
    let claims = Claims {
        jti: format!("t{}", state.keys.next_serial()),
        iat: now_ms / 1000,
        exp: (now_ms / 1000).saturating_add(lifetime.reported_secs),
        valid_until_ms: now_ms.saturating_add(lifetime.valid_ms),
        sub: open_id,
    };
    let Ok(token) = state.keys.sign(&claims) else {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": 500, "message": "cannot sign the token"}),
        );
    };

    if let Some(mut controls) = state.controls() {
        controls.token_answered(
            Some(&claims.sub),
            Some(&claims.jti),
            state.clock.since_start_ms(),
        );
    }
    let body = TokenReply {
        code: 0,
        token: Some(&token),
        expires_in: expires_in.unwrap_or_else(|| lifetime.reported_secs.into()),
        message: None,
    };
    Json(body).into_response()
}

/// Answers HTTP 200 with an error `code`, as such backends do.
fn refuse(state: &Shared, code: i64, message: &str) -> Response {
    let reported_secs = state.lifetime(None).reported_secs;
    if let Some(mut controls) = state.controls() {
        controls.token_answered(None, None, state.clock.since_start_ms());
    }
    let body = TokenReply {
        code,
        token: None,
        expires_in: reported_secs.into(),
        message: Some(message),
    };
    Json(body).into_response()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EchoReply<'a> {
    method: &'a str,
    path: &'a str,
    body: &'a str,
    body_base64: String,
    content_type: Option<&'a str>,
    token_id: &'a str,
    open_id: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiReply<'a> {
    ok: bool,
    method: &'a str,
    path: &'a str,
    token_id: &'a str,
    open_id: &'a str,
    query: &'a str,
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Whether a token this process signed is still accepted.
fn is_accepted(state: &Shared, claims: &Claims) -> bool {
    if claims.valid_until_ms <= state.clock.now_ms() {
        return false;
    }
    match (claims.serial(), state.controls()) {
        (Some(serial), Some(controls)) => !controls.is_revoked(&claims.sub, serial),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Any method on `/api/…`: answers what it received if the bearer token is accepted.
async fn api(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = bearer_token(&headers);
    let claims = token.and_then(|token| state.keys.verify_signature(token));
    // Counters attribute even a token that fails the signature check to the user it names;
    // a plain server keeps no counters, so it skips the extra decoding.
    let identity = match &claims {
        Some(claims) => Some(Identity::from(claims)),
        None if state.has_controls() => token.and_then(Identity::unverified),
        None => None,
    };

    // The delay comes before the validity check, so a revoke during it turns this answer into
    // a 401, as it would for a request still queued at a slow backend.
    let open_id = identity.as_ref().map(|identity| identity.open_id.as_str());
    let delay = state
        .controls()
        .and_then(|mut controls| controls.api_delay(open_id));
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }

    let accepted = claims
        .as_ref()
        .is_some_and(|claims| is_accepted(&state, claims));
    if let Some(mut controls) = state.controls() {
        let t = state.clock.since_start_ms();
        controls.api_request(identity.as_ref(), accepted, method.as_str(), uri.path(), t);
    }
    let Some(claims) = claims.filter(|_| accepted) else {
        let rejection = state
            .controls()
            .and_then(|controls| controls.api_rejection(open_id));
        return reject_token(rejection);
    };

    if uri.path() == "/api/echo" {
        let content_type = headers.get(CONTENT_TYPE).map(|value| value.to_str());
        let content_type = match content_type {
            Some(Ok(text)) => Some(text),
            // A header that is not visible ASCII cannot be echoed as a JSON string faithfully.
            Some(Err(_)) | None => None,
        };
        let text = String::from_utf8_lossy(&body);
        let reply = EchoReply {
            method: method.as_str(),
            path: uri.path(),
            body: &text,
            body_base64: BASE64.encode(&body),
            content_type,
            token_id: &claims.jti,
            open_id: &claims.sub,
        };
        return Json(reply).into_response();
    }

    let reply = ApiReply {
        ok: true,
        method: method.as_str(),
        path: uri.path(),
        token_id: &claims.jti,
        open_id: &claims.sub,
        query: uri.query().unwrap_or(""),
    };
    Json(reply).into_response()
}

/// The answer to a token `/api` does not accept: HTTP 401, or what a test asked for instead.
fn reject_token(rejection: Option<ApiRejection>) -> Response {
    let Some(ApiRejection { status, code }) = rejection else {
        let body = json!({"code": 401, "message": "invalid or expired token"});
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
            Json(body),
        )
            .into_response();
    };
    // The control checked the range, so the fallback is never used.
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
    reply(
        status,
        json!({"code": code, "message": "invalid or expired token"}),
    )
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    #[serde(rename = "openId")]
    open_id: Option<String>,
}

/// `POST /wx/login?openId=X`: the one-time code a fake `wx.login()` returns.
async fn wx_login(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Response {
    let Some(open_id) = non_empty(query.open_id) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"code": null, "message": "openId is required"}),
        );
    };

    let issued = state.codes().issue(&open_id, state.clock.now_ms());
    match issued {
        Ok(code) => Json(json!({"code": code})).into_response(),
        Err(_) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": null, "message": "cannot gather random bytes for a login code"}),
        ),
    }
}
