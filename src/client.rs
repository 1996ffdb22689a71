//! `TokenClient`, the class JS code uses.

use js_sys::{Function, Promise};
use token_fetch_core::{Client, Edge};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::Request;

use crate::deadline::Deadline;
use crate::edge::{BrowserEdge, Listeners, Outgoing};
use crate::error::Error;
use crate::options::{Options, Transport};
use crate::platform;
#[cfg(feature = "wx")]
use crate::wx::WxClient;

/// The signature of `client.fetch`: `fetch`'s, with one bound client behind it.
type FetchFunction = Closure<dyn Fn(JsValue, JsValue) -> Promise>;

/// A client that sends requests to its API with a bearer token it keeps fresh.
///
/// ```js
/// const client = new TokenClient({ tokenUrl: '/token', openId: () => getOpenId() });
/// const response = await client.fetch('/api/profile');
/// ```
#[wasm_bindgen]
#[derive(Debug)]
pub struct TokenClient {
    transport: Inner,
    /// `client.fetch`, made once so every read of the property gives the same function.
    fetch: FetchFunction,
}

/// The client of the transport the options chose.
#[derive(Debug)]
enum Inner {
    Fetch(Client<BrowserEdge>),
    #[cfg(feature = "wx")]
    Wx(WxClient),
}

impl Inner {
    fn listeners(&self) -> &Listeners {
        match self {
            Self::Fetch(client) => &client.edge().listeners,
            #[cfg(feature = "wx")]
            Self::Wx(wx) => &wx.client.edge().listeners,
        }
    }
}

#[wasm_bindgen]
impl TokenClient {
    /// Makes a client from its options; see `TokenClientOptions`.
    ///
    /// # Errors
    /// A `TokenClientOptionsError` naming the first option that is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "TokenClientOptions")] options: JsValue,
    ) -> Result<TokenClient, JsValue> {
        let options = Options::from_js(&options)?;
        let leeway_ms = options.leeway_ms;
        let (transport, fetch) = match options.transport {
            Transport::Fetch => {
                let client = Client::new(BrowserEdge::new(options), leeway_ms);
                let bound = client.clone();
                let fetch = FetchFunction::new(move |input: JsValue, init: JsValue| {
                    let client = bound.clone();
                    future_to_promise(async move {
                        call(&client, input, init).await.map_err(JsValue::from)
                    })
                });
                (Inner::Fetch(client), fetch)
            }
            #[cfg(feature = "wx")]
            Transport::Wx => {
                let fetch = FetchFunction::new(|_: JsValue, _: JsValue| {
                    wrong_transport("client.fetch needs transport 'fetch'; use client.request")
                });
                (Inner::Wx(WxClient::new(options)?), fetch)
            }
        };
        // Read storage now, so a broken storage is reported at once, not on first use.
        let _ = match &transport {
            Inner::Fetch(client) => client.grant(),
            #[cfg(feature = "wx")]
            Inner::Wx(wx) => wx.client.grant(),
        };
        Ok(Self { transport, fetch })
    }

    /// `fetch` with the token: the same arguments and result as the global
    /// [`fetch`](https://developer.mozilla.org/docs/Web/API/Window/fetch).
    ///
    /// The function is bound to this client, so it can be handed around, as to axios:
    /// `axios.create({ adapter: 'fetch', env: { fetch: client.fetch } })`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>"
    )]
    pub fn fetch(&self) -> Function {
        self.fetch.as_ref().unchecked_ref::<Function>().clone()
    }

    /// `wx.request` with the token, in a mini-program (`transport: 'wx'`): the options of
    /// [`wx.request`](https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.html)
    /// without its callbacks, and a Promise of what its `success` receives.
    ///
    /// ```js
    /// const url = 'https://api.example.com/api/profile';
    /// const { statusCode, data } = await client.request({ url });
    /// ```
    ///
    /// The Promise has an `abort()` method, like wx.request's `RequestTask`.
    ///
    /// # Errors
    /// Rejects with what `fail` receives, a `TokenRefreshError`, a `TimeoutError`, an
    /// `AbortError`, or a `TypeError` for malformed options.
    #[wasm_bindgen(unchecked_return_type = "WxRequestPromise")]
    pub fn request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WxRequestOptions")] options: JsValue,
    ) -> Promise {
        match &self.transport {
            #[cfg(feature = "wx")]
            Inner::Wx(wx) => wx.request(options),
            Inner::Fetch(_) => {
                // A fetch client has no wx.request to hand the options to.
                let _ = options;
                wrong_transport("client.request needs transport 'wx'; use client.fetch")
            }
        }
    }

    /// The current token, refreshed first if it is missing or due.
    ///
    /// # Errors
    /// Rejects with a `TokenRefreshError` when the refresh fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn token(&self) -> Promise {
        match &self.transport {
            Inner::Fetch(client) => token(client.clone()),
            #[cfg(feature = "wx")]
            Inner::Wx(wx) => token(wx.client.clone()),
        }
    }

    /// When the current token expires, in epoch milliseconds, or `undefined` with none.
    #[wasm_bindgen(js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<f64> {
        let grant = match &self.transport {
            Inner::Fetch(client) => client.grant(),
            #[cfg(feature = "wx")]
            Inner::Wx(wx) => wx.client.grant(),
        };
        grant.map(|grant| grant.expires_at_ms() as f64)
    }

    /// Forgets the token, in memory and in storage (logout).
    pub fn clear(&self) {
        match &self.transport {
            Inner::Fetch(client) => client.clear(),
            #[cfg(feature = "wx")]
            Inner::Wx(wx) => wx.client.clear(),
        }
    }

    /// Calls `listener({ expiresAt })` whenever a new token arrives.
    #[wasm_bindgen(js_name = onTokenRefreshed)]
    pub fn on_token_refreshed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(info: TokenInfo) => void")] listener: Function,
    ) {
        self.transport
            .listeners()
            .refreshed
            .borrow_mut()
            .push(listener);
    }

    /// Calls `listener(error)` once for every failed refresh, with the `TokenRefreshError`
    /// that the waiting calls reject with.
    #[wasm_bindgen(js_name = onSessionLost)]
    pub fn on_session_lost(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(error: TokenRefreshError) => void")]
        listener: Function,
    ) {
        self.transport.listeners().lost.borrow_mut().push(listener);
    }

    /// Removes a listener given to `onTokenRefreshed` or `onSessionLost`.
    pub fn off(&self, #[wasm_bindgen(unchecked_param_type = "Function")] listener: Function) {
        self.transport.listeners().remove(&listener);
    }
}

/// `client.token()` over either transport.
fn token<E: Edge<Error = Error> + 'static>(client: Client<E>) -> Promise {
    future_to_promise(async move {
        let ticket = client.ticket().await.map_err(JsValue::from)?;
        Ok(JsValue::from_str(ticket.token().expose()))
    })
}

/// A rejected Promise for a method of the other transport, naming the `transport` option.
fn wrong_transport(problem: &str) -> Promise {
    Promise::reject(&Error::invalid_option("transport", problem).into())
}

/// One `client.fetch` call.
async fn call(
    client: &Client<BrowserEdge>,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, Error> {
    let options = &client.edge().options;
    let text = input.as_string();
    let to_api = match text
        .as_deref()
        .and_then(|text| api_target_by_text(options, text))
    {
        Some(to_api) => to_api,
        None => {
            platform::target_origin(&input).is_some_and(|origin| options.is_api_origin(&origin))
        }
    };
    if !to_api {
        // Not ours: exactly what `fetch(input, init)` does, with no token, no refresh and no
        // replay.
        let promise = client.edge().fetch(&input, &init).map_err(Error::thrown)?;
        return JsFuture::from(promise).await.map_err(Error::thrown);
    }

    let template = new_request(&input, text.as_deref(), &init)?;
    // Only a caller's signal can fire the template's; without one there is nothing to follow.
    let followed = caller_has_signal(&input, &init).then(|| template.signal());
    let deadline = Deadline::start(options.timeout_ms, followed)?;
    let signal = deadline.signal();
    deadline
        .guard(async move {
            let outgoing = Outgoing::keep(template, &init, signal).await?;
            let response = client.send(outgoing).await?;
            Ok(response.into())
        })
        .await
}

/// Whether a URL string goes to an API origin, where its text alone makes that certain: a path
/// on the request base's origin, or one of the API origins followed by `/`. `None` leaves the question
/// to the URL parser, which every other form goes through.
///
/// This spares the common call a URL parse; it never says yes where the parser would say no.
fn api_target_by_text(options: &Options, text: &str) -> Option<bool> {
    // The parser drops tabs and newlines anywhere, which could join `/` and `/` into `//`.
    if text.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        return None;
    }
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b'/') {
        // `//host` and `/\host` name another host; a single `/` starts a path on this page.
        if matches!(bytes.get(1), Some(b'/' | b'\\')) {
            return None;
        }
        return platform::request_base_origin().map(|origin| options.is_api_origin(&origin));
    }
    // An origin is `scheme://host[:port]`, so a `/` right after it ends the authority.
    let known = options.api_origins.iter().any(|origin| {
        text.strip_prefix(origin.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
    });
    known.then_some(true)
}

/// Whether the caller gave an `AbortSignal`: in `init.signal`, or on a `Request` input.
fn caller_has_signal(input: &JsValue, init: &JsValue) -> bool {
    if platform::as_request(input).is_some() {
        return true;
    }
    init.is_object()
        && js_sys::Reflect::get(init, &JsValue::from_str("signal"))
            .is_ok_and(|signal| !signal.is_undefined() && !signal.is_null())
}

/// `new Request(input, init)`, as `fetch` would make it; `text` is `input` when it is a string.
fn new_request(input: &JsValue, text: Option<&str>, init: &JsValue) -> Result<Request, Error> {
    let init = init.unchecked_ref();
    let request = match (platform::as_request(input), text) {
        (Some(request), _) => Request::new_with_request_and_init(request, init),
        (None, Some(text)) => Request::new_with_str_and_init(text, init),
        (None, None) => {
            let url: String = input.unchecked_ref::<js_sys::Object>().to_string().into();
            Request::new_with_str_and_init(&url, init)
        }
    };
    request.map_err(Error::thrown)
}
