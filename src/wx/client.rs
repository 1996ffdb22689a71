//! `client.request`: one mini-program call, with its timeout and its `abort()`.

use std::cell::{Cell, RefCell};
use std::pin::pin;
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::{self, Either, select};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect};
use token_fetch_core::{Client, ErrorKind, origin_of};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::edge::{WxEdge, WxRequest};
use crate::error::Error;
use crate::options::Options;

/// The token client of a mini-program, and what its calls' `abort()` functions reach.
#[derive(Debug)]
pub(crate) struct WxClient {
    pub client: Client<WxEdge>,
    aborts: Rc<Aborts>,
    /// `abort(id)`, made once per client; each call's `abort()` is it bound to the call's id,
    /// so no closure is made, or left behind, per call.
    abort: Closure<dyn Fn(u32)>,
}

impl WxClient {
    /// A client over the global `wx`.
    ///
    /// # Errors
    /// A `TokenClientOptionsError` for `transport` when the host has no `wx` object.
    pub(crate) fn new(options: Options) -> Result<Self, Error> {
        let leeway_ms = options.leeway_ms;
        let client = Client::new(WxEdge::new(options)?, leeway_ms);
        let aborts = Rc::new(Aborts::default());
        let target = Rc::clone(&aborts);
        let abort = Closure::<dyn Fn(u32)>::new(move |id| target.fire(id));
        Ok(Self {
            client,
            aborts,
            abort,
        })
    }

    /// `client.request(options)`: a Promise of what `wx.request`'s `success` receives, with an
    /// `abort()` method that rejects it with an `AbortError` and aborts the request in flight.
    pub(crate) fn request(&self, options: JsValue) -> Promise {
        // Read now, as fetch reads its arguments, so that what the caller changes in the
        // options object afterwards changes neither this call nor its replay.
        let request = WxRequest::from_js(&options);
        let client = self.client.clone();
        let (id, stop) = self.aborts.register();
        let registration = Registration {
            aborts: Rc::clone(&self.aborts),
            id,
        };
        let promise = future_to_promise(async move {
            let outcome = call(&client, request, stop).await;
            // From here on the call's `abort()` does nothing.
            drop(registration);
            outcome.map_err(JsValue::from)
        });
        let abort: &Function = self.abort.as_ref().unchecked_ref();
        let abort = abort.bind1(&JsValue::NULL, &JsValue::from(id));
        let _ = Reflect::set(&promise, &JsValue::from_str("abort"), &abort);
        promise
    }
}

/// One `client.request` call, until it settles, is aborted, or times out.
async fn call(
    client: &Client<WxEdge>,
    request: Result<WxRequest, Error>,
    stop: oneshot::Receiver<()>,
) -> Result<JsValue, Error> {
    let aborted = async move {
        // The sender goes away only by firing, or once the call has settled.
        if stop.await.is_err() {
            future::pending::<()>().await;
        }
    };
    let work = async {
        let request = request?;
        let edge = client.edge();
        let to_api =
            origin_of(&request.url).is_some_and(|origin| edge.options.is_api_origin(&origin));
        if !to_api {
            // Not ours: exactly what `wx.request(options)` does, with no token, no refresh, no
            // replay and no timeout of ours.
            let outcome = edge.wx.request(&request.untouched()).await;
            return outcome.map_err(Error::thrown);
        }

        let send = pin!(client.send(request));
        let timer = TimeoutFuture::new(edge.options.timeout_ms);
        match select(send, timer).await {
            Either::Left((outcome, _)) => outcome,
            Either::Right(_) => Err(Error::new(ErrorKind::Timeout)),
        }
    };
    // The abort is polled first, so an `abort()` before the call starts sends nothing; losing
    // the race drops the work, which aborts its wx.request.
    match select(pin!(aborted), pin!(work)).await {
        Either::Left(_) => Err(Error::new(ErrorKind::Aborted)),
        Either::Right((outcome, _)) => outcome,
    }
}

/// The calls of one client that can still be aborted, by id.
#[derive(Debug, Default)]
struct Aborts {
    next: Cell<u32>,
    pending: RefCell<Vec<(u32, oneshot::Sender<()>)>>,
}

impl Aborts {
    fn register(&self) -> (u32, oneshot::Receiver<()>) {
        let id = self.next.get();
        self.next.set(id.wrapping_add(1));
        let (sender, receiver) = oneshot::channel();
        self.pending.borrow_mut().push((id, sender));
        (id, receiver)
    }

    fn take(&self, id: u32) -> Option<oneshot::Sender<()>> {
        let mut pending = self.pending.borrow_mut();
        let index = pending.iter().position(|(known, _)| *known == id)?;
        Some(pending.swap_remove(index).1)
    }

    fn fire(&self, id: u32) {
        if let Some(sender) = self.take(id) {
            let _ = sender.send(());
        }
    }
}

/// A call's place in [`Aborts`], given up when the call settles.
struct Registration {
    aborts: Rc<Aborts>,
    id: u32,
}

impl Drop for Registration {
    fn drop(&mut self) {
        drop(self.aborts.take(self.id));
    }
}
