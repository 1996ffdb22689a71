//! The [`Edge`] over `wx.request` and wx storage.

use std::future::Future;
use std::pin::pin;

use futures_util::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Object, Reflect};
use token_fetch_core::{
    Edge, Grant, RefreshFailure, Secret, StorageUnavailable, Stored, TokenReply, format_expires_at,
};
use wasm_bindgen::{JsCast, JsValue};

use super::api::Wx;
use crate::edge::{Listeners, field_at, reply_from_js, warn_storage_lost};
use crate::error::Error;
use crate::options::Options;
use crate::platform;

/// A `client.request` call to an API origin, kept so that it can be sent twice.
#[derive(Debug)]
pub(crate) struct WxRequest {
    /// A copy of the caller's options taken at the call, so that every attempt sends what
    /// the call was made with; sent as given except for `header`, `success` and `fail`.
    options: Object,
    /// The caller's headers without any `Authorization`, which each attempt sets.
    header: Object,
    /// The caller's `url`.
    pub url: String,
}

impl WxRequest {
    /// Reads the options of `client.request(options)`.
    ///
    /// # Errors
    /// A `TypeError` when `options` is not an object with a string `url`, has a `header`
    /// that is not an object, or carries callbacks (the call answers with a Promise).
    pub(crate) fn from_js(value: &JsValue) -> Result<Self, Error> {
        let options: &Object = value
            .dyn_ref()
            .filter(|_| !value.is_function() && !Array::is_array(value))
            .ok_or_else(|| {
                type_error("client.request takes an options object: { url, method, data, header }")
            })?;
        let url = get(options, "url")
            .as_string()
            .ok_or_else(|| type_error("client.request needs url: a string"))?;
        if ["success", "fail", "complete"]
            .iter()
            .any(|key| !get(options, key).is_undefined())
        {
            return Err(type_error(
                "client.request answers with a Promise; it takes no success, fail or complete \
                 callback",
            ));
        }
        let header = headers_without_authorization(&get(options, "header"))?;
        Ok(Self {
            options: Object::assign(&Object::new(), options),
            header,
            url,
        })
    }

    /// A fresh copy of the caller's options, for a request sent as the caller gave it (and
    /// for `wx.request` to add its callbacks to).
    pub(crate) fn untouched(&self) -> Object {
        Object::assign(&Object::new(), &self.options)
    }

    /// The options of one attempt: the caller's, with the headers and the bearer token.
    fn attempt(&self, token: &Secret) -> Object {
        let header = Object::assign(&Object::new(), &self.header);
        set(
            &header,
            "Authorization",
            &JsValue::from_str(&token.bearer()),
        );
        let attempt = self.untouched();
        set(&attempt, "header", &header);
        attempt
    }
}

fn headers_without_authorization(header: &JsValue) -> Result<Object, Error> {
    let copy = Object::new();
    if header.is_undefined() || header.is_null() {
        return Ok(copy);
    }
    if !header.is_object() {
        return Err(type_error(
            "client.request: header must be an object of header names and values",
        ));
    }
    for entry in Object::entries(header.unchecked_ref()).iter() {
        let entry: Array = entry.unchecked_into();
        let name = entry.get(0).as_string().unwrap_or_default();
        if !name.eq_ignore_ascii_case("authorization") {
            set(&copy, &name, &entry.get(1));
        }
    }
    Ok(copy)
}

/// The [`Edge`] over `wx.request` and wx storage.
#[derive(Debug)]
pub(crate) struct WxEdge {
    pub options: Options,
    pub wx: Wx,
    pub listeners: Listeners,
}

impl WxEdge {
    /// An edge over the global `wx`.
    ///
    /// # Errors
    /// A `TokenClientOptionsError` for `transport` when the host has no `wx` object.
    pub(crate) fn new(options: Options) -> Result<Self, Error> {
        let wx = Wx::global().ok_or_else(|| {
            Error::invalid_option(
                "transport",
                "is 'wx', but there is no global wx object: 'wx' is for WeChat mini-programs",
            )
        })?;
        Ok(Self {
            options,
            wx,
            listeners: Listeners::default(),
        })
    }

    async fn token_reply(&self) -> Result<TokenReply, RefreshFailure> {
        let credential = self.options.credential.get().await?;
        let request = Object::new();
        let url = self.options.token_request_url(&credential);
        set(&request, "url", &JsValue::from_str(&url));
        set(&request, "method", &JsValue::from_str("GET"));
        let answer = self
            .wx
            .request(&request)
            .await
            .map_err(|_| RefreshFailure::Network)?;

        let status = status_of(&answer).ok_or(RefreshFailure::Network)?;
        if !(200..300).contains(&status) {
            return Err(RefreshFailure::Status(status));
        }
        // wx.request parses a JSON body itself and hands over the text of any other.
        let data = get(answer.unchecked_ref(), "data");
        let body = match data.as_string() {
            Some(text) => js_sys::JSON::parse(&text).map_err(|_| RefreshFailure::NotJson)?,
            None => data,
        };
        reply_from_js(&body)
    }
}

/// The `statusCode` of what `wx.request`'s `success` received.
fn status_of(answer: &JsValue) -> Option<u16> {
    let status = Reflect::get(answer, &JsValue::from_str("statusCode"))
        .ok()?
        .as_f64()?;
    (status.fract() == 0.0 && (0.0..=999.0).contains(&status)).then_some(status as u16)
}

impl Edge for WxEdge {
    type Request = WxRequest;
    /// What `wx.request`'s `success` received: `{ statusCode, data, header, … }`.
    type Response = JsValue;
    type Error = Error;

    fn now_ms(&self) -> u64 {
        platform::now_ms()
    }

    fn read_storage(&self) -> Result<Stored, StorageUnavailable> {
        let keys = &self.options.storage_keys;
        Ok(Stored {
            token: self.wx.read(&keys.token)?.map(Secret::new),
            expires_at: self.wx.read(&keys.expires_at)?,
        })
    }

    fn write_storage(&self, grant: &Grant) -> Result<(), StorageUnavailable> {
        let keys = &self.options.storage_keys;
        // The expiry goes first, as in the browser: a failed token write then leaves no token
        // with a new expiry.
        self.wx
            .write(&keys.expires_at, &format_expires_at(grant.expires_at_ms()))?;
        self.wx.write(&keys.token, grant.token().expose())
    }

    fn clear_storage(&self) -> Result<(), StorageUnavailable> {
        let keys = &self.options.storage_keys;
        self.wx.remove(&keys.token)?;
        self.wx.remove(&keys.expires_at)
    }

    fn send(
        &self,
        request: &WxRequest,
        token: &Secret,
    ) -> impl Future<Output = Result<JsValue, Error>> {
        let attempt = request.attempt(token);
        async move { self.wx.request(&attempt).await.map_err(Error::thrown) }
    }

    fn is_rejection(&self, response: &JsValue) -> impl Future<Output = bool> {
        // wx.request has parsed the body already, so judging it costs no second read.
        let status = status_of(response).unwrap_or(0);
        let data = get(response.unchecked_ref(), "data");
        let rejected = self
            .options
            .rejection
            .is_rejection(status, |path| field_at(&data, path));
        async move { rejected }
    }

    fn can_replay(&self, _request: &WxRequest) -> bool {
        // `data` is a string, an object or an ArrayBuffer, which wx.request reads without
        // consuming, so every attempt sends it whole.
        true
    }

    async fn request_token(&self) -> Result<TokenReply, RefreshFailure> {
        // The shared refresh has its own deadline; dropping the reply aborts its wx.request.
        let reply = pin!(self.token_reply());
        let timer = TimeoutFuture::new(self.options.refresh_timeout_ms);
        match select(reply, timer).await {
            Either::Left((reply, _)) => reply,
            Either::Right(_) => Err(RefreshFailure::Timeout),
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
            "wx storage is missing or failing; token-fetch keeps the token in memory while the \
             mini-program runs",
        );
    }
}

fn get(object: &Object, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object made here cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// A `TypeError`, as `wx.request` and `fetch` use for a malformed call.
fn type_error(message: &str) -> Error {
    Error::thrown(js_sys::TypeError::new(message).into())
}
