//! The few globals the browser edge reaches for, each behind one accessor.
//!
//! Nothing here assumes a `window`: the same code runs in a page, a worker, and any host
//! with `fetch`; what a host lacks is reported as `None` or an error, never a panic.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The global [`fetch`](https://developer.mozilla.org/docs/Web/API/Window/fetch) as it was
/// when a client was made.
///
/// A client keeps the one it found rather than looking it up for each request: a page that
/// then sets `globalThis.fetch = client.fetch` would otherwise send the client's own token
/// request, and its sends, back into the client, where they wait for themselves or loop.
#[derive(Clone, Debug)]
pub(crate) struct Fetch(Option<Function>);

impl Fetch {
    /// The global `fetch` now, or none where the host has none.
    pub(crate) fn current() -> Self {
        let function = Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
            .ok()
            .and_then(|value| value.dyn_into::<Function>().ok());
        Self(function)
    }

    /// Calls it with exactly these arguments.
    ///
    /// # Errors
    /// The exception `fetch` throws, or a `TypeError` when the host had no `fetch`.
    pub(crate) fn call(&self, input: &JsValue, init: &JsValue) -> Result<Promise, JsValue> {
        let Some(function) = &self.0 else {
            return Err(js_sys::TypeError::new("this host has no global fetch").into());
        };
        let value = function.call2(&js_sys::global(), input, init)?;
        // A polyfill may answer with a thenable; every caller awaits a real Promise.
        Ok(Promise::resolve(&value))
    }
}

/// The time now, in epoch milliseconds.
pub(crate) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn location_field(key: &str) -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &JsValue::from_str("location")).ok()?;
    if location.is_undefined() || location.is_null() {
        return None;
    }
    Reflect::get(&location, &JsValue::from_str(key))
        .ok()?
        .as_string()
}

/// The page's origin, where the host has a `location`.
pub(crate) fn page_origin() -> Option<String> {
    location_field("origin").filter(|origin| origin != "null")
}

/// The base that relative request URLs resolve against, as `new Request` resolves them: the
/// document's base URL (which a `<base href>` changes), or the host's location without a
/// document (a worker).
pub(crate) fn request_base() -> Option<String> {
    let document = Reflect::get(&js_sys::global(), &JsValue::from_str("document")).ok();
    let base = document
        .filter(|document| document.is_object())
        .and_then(|document| Reflect::get(&document, &JsValue::from_str("baseURI")).ok())
        .and_then(|base| base.as_string());
    base.or_else(|| location_field("href"))
}

/// The origin a path such as `/api/x` goes to: the request base's.
pub(crate) fn request_base_origin() -> Option<String> {
    let base = request_base()?;
    // The usual page has no `<base>`, and its base is its own address: no parse needed then.
    if location_field("href").as_deref() == Some(base.as_str()) {
        return page_origin();
    }
    web_sys::Url::new(&base).ok().map(|url| url.origin())
}

/// `value` as a `Request`, also one made in another realm (an iframe), where `instanceof`
/// against this realm's `Request` is false.
pub(crate) fn as_request(value: &JsValue) -> Option<&web_sys::Request> {
    if let Some(request) = value.dyn_ref::<web_sys::Request>() {
        return Some(request);
    }
    if !value.is_object() {
        return None;
    }
    let tag = Reflect::get(value, &js_sys::Symbol::to_string_tag()).ok()?;
    (tag.as_string().as_deref() == Some("Request")).then(|| value.unchecked_ref())
}

/// [`sessionStorage`](https://developer.mozilla.org/docs/Web/API/Window/sessionStorage), if
/// the host has it and lets this page use it (reading it throws in some sandboxed frames).
pub(crate) fn session_storage() -> Option<web_sys::Storage> {
    let value = Reflect::get(&js_sys::global(), &JsValue::from_str("sessionStorage")).ok()?;
    value.dyn_into().ok()
}

/// The origin a request made with this `fetch` input would go to.
pub(crate) fn target_origin(input: &JsValue) -> Option<String> {
    let url = match as_request(input) {
        Some(request) => request.url(),
        None if input.is_null() || input.is_undefined() => return None,
        // A string, a URL object, or anything else `fetch` would turn into a string.
        None => input.unchecked_ref::<js_sys::Object>().to_string().into(),
    };
    let parsed = match request_base() {
        Some(base) => web_sys::Url::new_with_base(&url, &base),
        None => web_sys::Url::new(&url),
    };
    parsed.ok().map(|url| url.origin())
}
