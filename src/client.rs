//! `TokenClient`, the class JS code uses.

use js_sys::{Function, Promise};
use token_fetch_core::Client;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::Request;

use crate::deadline::Deadline;
use crate::edge::{BrowserEdge, Outgoing};
use crate::error::Error;
use crate::options::Options;
use crate::platform;

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
    client: Client<BrowserEdge>,
    /// `client.fetch`, made once so every read of the property gives the same function.
    fetch: FetchFunction,
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
        let client = Client::new(BrowserEdge::new(options), leeway_ms);
        let bound = client.clone();
        let fetch = Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(
            move |input: JsValue, init: JsValue| {
                let client = bound.clone();
                future_to_promise(
                    async move { call(&client, input, init).await.map_err(JsValue::from) },
                )
            },
        );
        // Read storage now, so a broken storage is reported at once, not on first use.
        let _ = client.grant();
        Ok(Self { client, fetch })
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

    /// The current token, refreshed first if it is missing or due.
    ///
    /// # Errors
    /// Rejects with a `TokenRefreshError` when the refresh fails.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn token(&self) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let ticket = client.ticket().await.map_err(JsValue::from)?;
            Ok(JsValue::from_str(ticket.token().expose()))
        })
    }

    /// When the current token expires, in epoch milliseconds, or `undefined` with none.
    #[wasm_bindgen(js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<f64> {
        self.client
            .grant()
            .map(|grant| grant.expires_at_ms() as f64)
    }

    /// Forgets the token, in memory and in storage (logout).
    pub fn clear(&self) {
        self.client.clear();
    }

    /// Calls `listener({ expiresAt })` whenever a new token arrives.
    #[wasm_bindgen(js_name = onTokenRefreshed)]
    pub fn on_token_refreshed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(info: TokenInfo) => void")] listener: Function,
    ) {
        self.client
            .edge()
            .listeners
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
        self.client
            .edge()
            .listeners
            .lost
            .borrow_mut()
            .push(listener);
    }

    /// Removes a listener given to `onTokenRefreshed` or `onSessionLost`.
    pub fn off(&self, #[wasm_bindgen(unchecked_param_type = "Function")] listener: Function) {
        let listeners = &self.client.edge().listeners;
        listeners
            .refreshed
            .borrow_mut()
            .retain(|known| known != &listener);
        listeners
            .lost
            .borrow_mut()
            .retain(|known| known != &listener);
    }
}

/// One `client.fetch` call.
async fn call(
    client: &Client<BrowserEdge>,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, Error> {
    let options = &client.edge().options;
    let to_api =
        platform::target_origin(&input).is_some_and(|origin| options.is_api_origin(&origin));
    if !to_api {
        // Not ours: exactly what `fetch(input, init)` does, with no token, no refresh and no
        // replay.
        let promise = client.edge().fetch(&input, &init).map_err(Error::thrown)?;
        return JsFuture::from(promise).await.map_err(Error::thrown);
    }

    let template = new_request(&input, &init)?;
    let deadline = Deadline::start(options.timeout_ms, Some(template.signal()))?;
    let signal = deadline.signal();
    deadline
        .guard(async move {
            let outgoing = Outgoing::keep(template, &init, signal).await?;
            let response = client.send(outgoing).await?;
            Ok(response.into())
        })
        .await
}

/// `new Request(input, init)`, as `fetch` would make it.
fn new_request(input: &JsValue, init: &JsValue) -> Result<Request, Error> {
    let init = init.unchecked_ref();
    let request = match input.dyn_ref::<Request>() {
        Some(request) => Request::new_with_request_and_init(request, init),
        None => {
            let url: String = input.unchecked_ref::<js_sys::Object>().to_string().into();
            Request::new_with_str_and_init(&url, init)
        }
    };
    request.map_err(Error::thrown)
}
