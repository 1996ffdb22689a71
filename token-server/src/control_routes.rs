//! The `/__control/` endpoints that exist with `--test-controls`.

use std::sync::MutexGuard;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::controls::{ApiRejection, Controls, Fault, LifetimeOverride, Stats};
use crate::routes::non_empty;
use crate::state::{AppState, Shared};

/// The longest delay a control may ask for, matching the cap on an injected hang.
const MAX_DELAY_MS: u64 = 120_000;

/// The longest validity or clock shift a control may ask for: ten years, in seconds.
const MAX_SECONDS: f64 = 10.0 * 365.0 * 24.0 * 3600.0;

/// The control routes, to merge into the app.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/__control/revoke", post(revoke))
        .route("/__control/token-faults", post(token_faults))
        .route("/__control/api-delay", post(api_delay))
        .route("/__control/lifetime", post(lifetime))
        .route("/__control/api-rejection", post(api_rejection))
        .route("/__control/counters", get(counters))
        .route("/__control/reset", post(reset))
        .route("/__control/clock", post(clock))
}

/// A control request that cannot be carried out, answered 400 with the reason.
#[derive(Debug)]
struct ControlError(String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let body = json!({"code": 400, "message": self.0});
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

type ControlResult = Result<Json<Value>, ControlError>;

/// The `?openId=` a control may carry in its query instead of its body.
#[derive(Debug, Deserialize)]
struct ScopeQuery {
    #[serde(rename = "openId")]
    open_id: Option<String>,
}

/// Parses a control body; an empty one counts as `{}`, so a bare POST means "global".
///
/// The content type is not checked, so a page may send `text/plain` and skip a preflight.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    let body: &[u8] = if body.trim_ascii().is_empty() {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| ControlError(format!("bad control body: {error}")))
}

/// The scope a control names: its body's `openId`, else its query's, else global.
fn scope(body: Option<String>, query: ScopeQuery) -> Option<String> {
    non_empty(body).or_else(|| non_empty(query.open_id))
}

/// The control state; the routes exist only with it, so `None` would be a wiring mistake.
fn controls(state: &Shared) -> Result<MutexGuard<'_, Controls>, ControlError> {
    state
        .controls()
        .ok_or_else(|| ControlError("test controls are off".to_owned()))
}

/// Checks that `ms` is a delay a control may ask for.
fn check_delay(ms: u64) -> Result<Duration, ControlError> {
    if ms > MAX_DELAY_MS {
        return Err(ControlError(format!(
            "a delay is at most {MAX_DELAY_MS} ms, not {ms}"
        )));
    }
    Ok(Duration::from_millis(ms))
}

/// Checks that `seconds` is a finite amount within ±[`MAX_SECONDS`] and turns it into ms.
fn check_seconds(field: &str, seconds: f64) -> Result<i64, ControlError> {
    if !seconds.is_finite() || seconds.abs() > MAX_SECONDS {
        return Err(ControlError(format!(
            "{field} must be within {MAX_SECONDS} seconds"
        )));
    }
    // Within ten years the product fits an i64 comfortably.
    Ok((seconds * 1000.0).round() as i64)
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScopeBody {
    open_id: Option<String>,
}

/// `POST /__control/revoke`: every token issued so far (in the scope) stops being accepted.
async fn revoke(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> ControlResult {
    let body: ScopeBody = parse(&body)?;
    let open_id = scope(body.open_id, query);

    let serial = state.keys.last_serial();
    controls(&state)?.revoke(open_id.as_deref(), serial);

    let through = (serial > 0).then(|| format!("t{serial}"));
    Ok(Json(
        json!({"ok": true, "openId": open_id, "revokedThrough": through}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultsBody {
    open_id: Option<String>,
    #[serde(default = "one")]
    count: u32,
    fault: Fault,
}

/// `POST /__control/token-faults`: the next `count` calls to `/token` suffer `fault`.
async fn token_faults(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> ControlResult {
    let body: FaultsBody = parse(&body)?;
    let open_id = scope(body.open_id, query);
    match &body.fault {
        Fault::Status { status } if !(200..=599).contains(status) => {
            return Err(ControlError(format!(
                "a fault status is 200 to 599, not {status}"
            )));
        }
        Fault::Delay { ms } => {
            check_delay(*ms)?;
        }
        _ => {}
    }

    let queued = controls(&state)?.add_fault(open_id.as_deref(), body.fault, body.count);
    Ok(Json(
        json!({"ok": true, "openId": open_id, "queued": queued}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApiDelayBody {
    open_id: Option<String>,
    #[serde(default = "one")]
    count: u32,
    ms: u64,
}

/// `POST /__control/api-delay`: the next `count` `/api` answers wait `ms` first.
async fn api_delay(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> ControlResult {
    let body: ApiDelayBody = parse(&body)?;
    let open_id = scope(body.open_id, query);
    let delay = check_delay(body.ms)?;

    let queued = controls(&state)?.add_api_delay(open_id.as_deref(), delay, body.count);
    Ok(Json(
        json!({"ok": true, "openId": open_id, "queued": queued}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LifetimeBody {
    open_id: Option<String>,
    reported_seconds: Option<u64>,
    valid_seconds: Option<f64>,
}

/// `POST /__control/lifetime`: tokens issued from now on report one lifetime and live another.
async fn lifetime(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> ControlResult {
    let body: LifetimeBody = parse(&body)?;
    let open_id = scope(body.open_id, query);
    let valid_ms = match body.valid_seconds {
        Some(seconds) if seconds < 0.0 => {
            return Err(ControlError("validSeconds must not be negative".to_owned()));
        }
        Some(seconds) => Some(check_seconds("validSeconds", seconds)?.unsigned_abs()),
        None => None,
    };

    let mut controls = controls(&state)?;
    let change = LifetimeOverride {
        reported_secs: body.reported_seconds,
        valid_ms,
    };
    controls.set_lifetime(open_id.as_deref(), change);
    let now = controls.lifetime(open_id.as_deref(), state.lifetime_secs);

    Ok(Json(json!({
        "ok": true,
        "openId": open_id,
        "reportedSeconds": now.reported_secs,
        "validSeconds": now.valid_ms as f64 / 1000.0,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApiRejectionBody {
    open_id: Option<String>,
    status: u16,
    code: i64,
}

/// `POST /__control/api-rejection`: `/api` answers tokens it does not accept (in the scope)
/// with this status and `{"code": code}` instead of HTTP 401, as backends that report an
/// expired token under HTTP 200 do.
async fn api_rejection(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> ControlResult {
    let body: ApiRejectionBody = parse(&body)?;
    let open_id = scope(body.open_id, query);
    if !(200..=599).contains(&body.status) {
        return Err(ControlError(format!(
            "a rejection status is 200 to 599, not {}",
            body.status
        )));
    }

    let rejection = ApiRejection {
        status: body.status,
        code: body.code,
    };
    controls(&state)?.set_api_rejection(open_id.as_deref(), rejection);
    Ok(Json(json!({
        "ok": true,
        "openId": open_id,
        "status": body.status,
        "code": body.code,
    })))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CountersReply {
    open_id: Option<String>,
    #[serde(flatten)]
    stats: Stats,
}

/// `GET /__control/counters?openId=X`: what the server saw, for one user or everyone.
async fn counters(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
) -> Result<Json<CountersReply>, ControlError> {
    let open_id = non_empty(query.open_id);
    let stats = controls(&state)?.stats(open_id.as_deref());

    Ok(Json(CountersReply { open_id, stats }))
}

/// `POST /__control/reset`: forgets counters, faults, delays, revocations and lifetimes.
///
/// A global reset also puts the clock back.
async fn reset(
    State(state): State<AppState>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> ControlResult {
    let body: ScopeBody = parse(&body)?;
    let open_id = scope(body.open_id, query);

    controls(&state)?.reset(open_id.as_deref());
    if open_id.is_none() {
        state.clock.set_offset_ms(0);
    }
    Ok(Json(json!({"ok": true, "openId": open_id})))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    offset_seconds: f64,
}

/// `POST /__control/clock`: shifts the server's clock (for everyone) by `offsetSeconds`.
async fn clock(State(state): State<AppState>, body: Bytes) -> ControlResult {
    let body: ClockBody = parse(&body)?;
    let offset_ms = check_seconds("offsetSeconds", body.offset_seconds)?;

    state.clock.set_offset_ms(offset_ms);
    Ok(Json(
        json!({"ok": true, "offsetSeconds": body.offset_seconds}),
    ))
}
