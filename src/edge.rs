//! The browser edge: `fetch` for sending, `sessionStorage` for keeping, and the JS events.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;

use futures_util::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use token_fetch_core::{
    Edge, Field, Grant, RefreshFailure, Secret, StorageUnavailable, Stored, TokenReply,
    format_expires_at,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, Request, RequestInit, Response};

use crate::error::{Error, field_from_js};
use crate::options::Options;
use crate::platform;

/// A request to an API origin, kept so that it can be sent twice.
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// The caller's request as `new Request(input, init)` made it; never sent itself.
    template: Request,
    body: Body,
    /// The call's deadline signal, sent with every attempt.
    signal: AbortSignal,
}

#[derive(Debug)]
enum Body {
    None,
    /// The exact bytes, read before the first send; the template keeps the Content-Type.
    Bytes(Uint8Array),
    /// A body the engine sends but will not hand out as bytes: it stays in the template, and
    /// each attempt sends a clone of it.
    Cloned,
    /// A caller's `ReadableStream`: it can be sent once, and `sent` says whether it was.
    Stream {
        sent: Cell<bool>,
    },
}

impl Outgoing {
    /// Keeps `template`'s body: its bytes, unless the caller gave a stream in `init.body`.
    ///
    /// # Errors
    /// The exception raised while reading the body.
    pub(crate) async fn keep(
        template: Request,
        init: &JsValue,
        signal: AbortSignal,
    ) -> Result<Self, Error> {
        // `Request.body` is missing in some engines (Firefox), so the method tells whether
        // there can be a body; any other method's body is read, empty or not.
        let method = template.method();
        let body = if method == "GET" || method == "HEAD" {
            Body::None
        } else if is_stream(init) {
            Body::Stream {
                sent: Cell::new(false),
            }
        } else {
            let copy = template.clone().map_err(Error::thrown)?;
            let read = copy.array_buffer().map_err(Error::thrown)?;
            match await_promise(read).await {
                Ok(buffer) => Body::Bytes(Uint8Array::new(&buffer)),
                // WebKit cannot read a FormData body that holds a Blob (it rejects with an
                // InvalidStateError) yet sends it, and sends every clone of the request with
                // the same boundary and bytes. A body unreadable for another reason goes the
                // same way, and its send then fails with the engine's own error, as `fetch`.
                Err(_) => Body::Cloned,
            }
        };
        Ok(Self {
            template,
            body,
            signal,
        })
    }
}

fn is_stream(init: &JsValue) -> bool {
    if !init.is_object() {
        return false;
    }
    Reflect::get(init, &JsValue::from_str("body"))
        .is_ok_and(|body| body.is_instance_of::<web_sys::ReadableStream>())
}

async fn await_promise(promise: Promise) -> Result<JsValue, Error> {
    JsFuture::from(promise).await.map_err(Error::thrown)
}

/// The functions registered for the client's two events.
#[derive(Debug, Default)]
pub(crate) struct Listeners {
    pub refreshed: RefCell<Vec<Function>>,
    pub lost: RefCell<Vec<Function>>,
}

impl Listeners {
    fn emit(list: &RefCell<Vec<Function>>, argument: &JsValue) {
        // A copy, so a listener may add or remove listeners; a listener that throws does not
        // keep the others from hearing, nor break the call that triggered it.
        let listeners = list.borrow().clone();
        for listener in listeners {
            let _ = listener.call1(&JsValue::UNDEFINED, argument);
        }
    }

    /// Calls the `onTokenRefreshed` listeners with `{ expiresAt }`.
    pub(crate) fn token_refreshed(&self, grant: &Grant) {
        let info = Object::new();
        let _ = Reflect::set(
            &info,
            &JsValue::from_str("expiresAt"),
            &JsValue::from_f64(grant.expires_at_ms() as f64),
        );
        Self::emit(&self.refreshed, &info);
    }

    /// Calls the `onSessionLost` listeners with the `TokenRefreshError` of `failure`.
    pub(crate) fn session_lost(&self, failure: &RefreshFailure) {
        let error = JsValue::from(Error::from(token_fetch_core::Error::from(failure.clone())));
        Self::emit(&self.lost, &error);
    }

    /// Removes `listener` from both events.
    pub(crate) fn remove(&self, listener: &Function) {
        self.refreshed
            .borrow_mut()
            .retain(|known| known != listener);
        self.lost.borrow_mut().retain(|known| known != listener);
    }
}

/// Tells `onWarning`, if given, that storage failed and the token lives in memory.
pub(crate) fn warn_storage_lost(options: &Options, message: &str) {
    if let Some(on_warning) = &options.on_warning {
        let warning = js_sys::Error::new(message);
        warning.set_name("StorageUnavailableWarning");
        let _ = on_warning.call1(&JsValue::UNDEFINED, &warning);
    }
}

/// The [`Edge`] over `fetch` and `sessionStorage`.
#[derive(Debug)]
pub(crate) struct BrowserEdge {
    pub options: Options,
    /// The page's `fetch` when the client was made: every request the client sends goes
    /// through it, never through `client.fetch` itself.
    fetch: platform::Fetch,
    storage: Option<web_sys::Storage>,
    pub listeners: Listeners,
}

impl BrowserEdge {
    pub(crate) fn new(options: Options) -> Self {
        Self {
            options,
            fetch: platform::Fetch::current(),
            storage: platform::session_storage(),
            listeners: Listeners::default(),
        }
    }

    /// Sends through the page's own `fetch`, with exactly these arguments.
    ///
    /// # Errors
    /// The exception `fetch` throws.
    pub(crate) fn fetch(&self, input: &JsValue, init: &JsValue) -> Result<Promise, JsValue> {
        self.fetch.call(input, init)
    }

    fn storage(&self) -> Result<&web_sys::Storage, StorageUnavailable> {
        self.storage.as_ref().ok_or(StorageUnavailable)
    }

    async fn token_reply(&self, signal: &AbortSignal) -> Result<TokenReply, RefreshFailure> {
        let credential = self.options.credential.get().await?;
        let url = self.options.token_request_url(&credential);

        let init = RequestInit::new();
        init.set_method("GET");
        init.set_signal(Some(signal));
        init.set_cache(web_sys::RequestCache::NoStore);
        let response = self
            .fetch(&JsValue::from_str(&url), &init)
            .map_err(|_| RefreshFailure::Network)?;
        let response: Response = JsFuture::from(response)
            .await
            .ok()
            .and_then(|value| value.dyn_into().ok())
            .ok_or(RefreshFailure::Network)?;
        if !response.ok() {
            return Err(RefreshFailure::Status(response.status()));
        }

        let text = response.text().map_err(|_| RefreshFailure::Network)?;
        let text = JsFuture::from(text)
            .await
            .map_err(|_| RefreshFailure::Network)?;
        let text = text.as_string().ok_or(RefreshFailure::NotJson)?;
        let body = js_sys::JSON::parse(&text).map_err(|_| RefreshFailure::NotJson)?;
        reply_from_js(&body)
    }
}

/// Reads `{code, token, expiresIn}` out of a parsed body.
pub(crate) fn reply_from_js(body: &JsValue) -> Result<TokenReply, RefreshFailure> {
    if !body.is_object() || js_sys::Array::is_array(body) {
        return Err(RefreshFailure::NotJson);
    }
    let field =
        |key: &str| Reflect::get(body, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    Ok(TokenReply {
        code: field_from_js(&field("code")),
        token: field("token").as_string().map(Secret::new),
        expires_in: field_from_js(&field("expiresIn")),
    })
}

/// The value at `path` in a parsed JSON body, for the `isAuthError` rules.
pub(crate) fn field_at(body: &JsValue, path: &[String]) -> Field {
    let mut value = body.clone();
    for key in path {
        if !value.is_object() {
            return Field::Absent;
        }
        value = Reflect::get(&value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    }
    field_from_js(&value)
}

/// Whether a response says its body is JSON; others are never read for `isAuthError`, so a
/// stream (an event stream under HTTP 200) is not waited on.
fn is_json(response: &Response) -> bool {
    let content_type = response.headers().get("Content-Type").ok().flatten();
    content_type.is_some_and(|value| value.to_ascii_lowercase().contains("json"))
}

impl Edge for BrowserEdge {
    type Request = Outgoing;
    type Response = Response;
    type Error = Error;

    fn now_ms(&self) -> u64 {
        platform::now_ms()
    }

    fn read_storage(&self) -> Result<Stored, StorageUnavailable> {
        let storage = self.storage()?;
        let keys = &self.options.storage_keys;
        let token = storage
            .get_item(&keys.token)
            .map_err(|_| StorageUnavailable)?;
        let expires_at = storage
            .get_item(&keys.expires_at)
            .map_err(|_| StorageUnavailable)?;
        Ok(Stored {
            token: token.map(Secret::new),
            expires_at,
        })
    }

    fn write_storage(&self, grant: &Grant) -> Result<(), StorageUnavailable> {
        let storage = self.storage()?;
        let keys = &self.options.storage_keys;
        // The expiry goes first: should the token then fail to be written, storage holds no
        // token at all rather than an old token with a new expiry.
        storage
            .set_item(&keys.expires_at, &format_expires_at(grant.expires_at_ms()))
            .and_then(|()| storage.set_item(&keys.token, grant.token().expose()))
            .map_err(|_| StorageUnavailable)
    }

    fn clear_storage(&self) -> Result<(), StorageUnavailable> {
        let storage = self.storage()?;
        let keys = &self.options.storage_keys;
        storage
            .remove_item(&keys.token)
            .and_then(|()| storage.remove_item(&keys.expires_at))
            .map_err(|_| StorageUnavailable)
    }

    fn send(
        &self,
        request: &Outgoing,
        token: &Secret,
    ) -> impl Future<Output = Result<Response, Error>> {
        let promise = attempt(request, token).and_then(|attempt| {
            self.fetch(&attempt.into(), &JsValue::UNDEFINED)
                .map_err(Error::thrown)
        });
        async move {
            let promise = promise?;
            let response = await_promise(promise).await?;
            response.dyn_into().map_err(Error::thrown)
        }
    }

    fn is_rejection(&self, response: &Response) -> impl Future<Output = bool> {
        let status = response.status();
        let rejection = &self.options.rejection;
        // The body is read from a copy, so the caller still gets it whole, and only when a
        // rule looks at this status.
        let copy = (rejection.needs_body(status) && is_json(response))
            .then(|| response.clone().ok())
            .flatten();
        async move {
            let mut body = JsValue::UNDEFINED;
            if let Some(promise) = copy.and_then(|copy| copy.json().ok()) {
                // A body that is not JSON after all matches no rule.
                body = JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED);
            }
            rejection.is_rejection(status, |path| field_at(&body, path))
        }
    }

    fn can_replay(&self, request: &Outgoing) -> bool {
        !matches!(request.body, Body::Stream { .. })
    }

    async fn request_token(&self) -> Result<TokenReply, RefreshFailure> {
        // The refresh has a deadline of its own: it is shared, so no one caller's abort or
        // timeout may cut it short for the others.
        let controller = AbortController::new().map_err(|_| RefreshFailure::Network)?;
        let signal = controller.signal();
        let reply = pin!(self.token_reply(&signal));
        let timer = TimeoutFuture::new(self.options.refresh_timeout_ms);
        match select(reply, timer).await {
            Either::Left((reply, _)) => reply,
            Either::Right(_) => {
                controller.abort();
                Err(RefreshFailure::Timeout)
            }
        }
    }

    fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn token_refreshed(&self, grant: &Grant) {
        self.listeners.token_refreshed(grant);
    }

    fn session_lost(&self, failure: &RefreshFailure) {
        self.listeners.session_lost(failure);
    }

    fn storage_lost(&self) {
        warn_storage_lost(
            &self.options,
            "sessionStorage is missing or failing; token-fetch keeps the token in memory for \
             the life of this page",
        );
    }
}

/// Builds one attempt of `request`: the template with the bearer token, the kept body and the
/// call's signal.
fn attempt(request: &Outgoing, token: &Secret) -> Result<Request, Error> {
    let headers = Headers::new_with_headers(&request.template.headers()).map_err(Error::thrown)?;
    headers
        .set("Authorization", &token.bearer())
        .map_err(Error::thrown)?;
    let init = RequestInit::new();
    init.set_headers(&headers);
    init.set_signal(Some(&request.signal));
    let copy;
    let base = match &request.body {
        Body::None => &request.template,
        Body::Bytes(bytes) => {
            init.set_body(bytes);
            // Some engines (Firefox) mark the input's body used even when `init.body`
            // replaces it, so each attempt starts from a fresh copy of the template.
            copy = request.template.clone().map_err(Error::thrown)?;
            &copy
        }
        Body::Cloned => {
            // The copy's body goes with the attempt; the template keeps its own for a replay.
            copy = request.template.clone().map_err(Error::thrown)?;
            &copy
        }
        Body::Stream { sent } => {
            // The stream goes with the first attempt; `can_replay` keeps a second from
            // happening, and this keeps an empty body from ever standing in for it.
            if sent.replace(true) {
                return Err(Error::new(crate::error::ErrorKind::BodyNotReplayable));
            }
            &request.template
        }
    };
    Request::new_with_request_and_init(base, &init).map_err(Error::thrown)
}
