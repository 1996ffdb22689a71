//! One call's timeout and abort, as a guard that cancels its timer and listener on drop.

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::{Either, select};
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;
use web_sys::{AbortController, AbortSignal};

use crate::error::{Error, ErrorKind};

/// Why a call was stopped before it finished.
#[derive(Debug)]
enum Stop {
    Timeout,
    /// The caller's signal fired, with its reason.
    Aborted(JsValue),
}

impl Stop {
    fn into_error(self) -> Error {
        match self {
            Self::Timeout => Error::new(ErrorKind::Timeout),
            // The signal's reason is what `fetch` itself rejects with (an `AbortError`
            // DOMException unless the caller chose another), so callers such as axios see
            // what they expect.
            Self::Aborted(reason) if !reason.is_undefined() => Error::thrown(reason),
            Self::Aborted(_) => Error::new(ErrorKind::Aborted),
        }
    }
}

/// The deadline of one `client.fetch` call: its timeout and the caller's `AbortSignal`.
///
/// Its own [`AbortController`] goes with every request the call sends, so a stop cancels the
/// request in flight. Dropping the guard cancels the timer and removes the listener; it does
/// not abort, so a settled call's body can still be read.
#[derive(Debug)]
pub(crate) struct Deadline {
    controller: AbortController,
    stopped: Rc<RefCell<Option<Stop>>>,
    wake: oneshot::Receiver<()>,
    _timer: Timeout,
    _listener: Option<AbortListener>,
}

impl Deadline {
    /// Starts the clock for a call that follows `signal`.
    ///
    /// # Errors
    /// The abort error at once, if `signal` has already fired: nothing is sent then.
    pub(crate) fn start(timeout_ms: u32, signal: Option<AbortSignal>) -> Result<Self, Error> {
        if let Some(signal) = signal.as_ref().filter(|signal| signal.aborted()) {
            return Err(Stop::Aborted(signal.reason()).into_error());
        }
        let controller = AbortController::new().map_err(Error::thrown)?;
        let stopped = Rc::new(RefCell::new(None));
        let (sender, wake) = oneshot::channel();
        let stop = Stopper {
            controller: controller.clone(),
            stopped: Rc::clone(&stopped),
            sender: Rc::new(RefCell::new(Some(sender))),
        };

        let on_time = stop.clone();
        let timer = Timeout::new(timeout_ms, move || on_time.stop(Stop::Timeout));
        let listener = signal.map(|signal| AbortListener::new(signal, stop));
        Ok(Self {
            controller,
            stopped,
            wake,
            _timer: timer,
            _listener: listener,
        })
    }

    /// The signal to send this call's requests with.
    pub(crate) fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// Runs `work` until it finishes or the deadline stops it, whichever comes first.
    ///
    /// # Errors
    /// `work`'s error, or the timeout or abort that stopped it.
    pub(crate) async fn guard<T>(
        mut self,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let work = pin!(work);
        let outcome = select(work, &mut self.wake).await;
        // A stop wins even when the work settled in the same turn, typically with the
        // request's own abort error: the caller asked for the stop's error.
        let stop = self.stopped.borrow_mut().take();
        if let Some(stop) = stop {
            return Err(stop.into_error());
        }
        match outcome {
            Either::Left((result, _)) => result,
            // The sender lives in the guard's own timer and listener, so it only ends by
            // sending, which sets `stopped` first; report a timeout if that ever changes.
            Either::Right(_) => Err(Error::new(ErrorKind::Timeout)),
        }
    }
}

/// Records the first stop, aborts the requests, and wakes the guarded call.
#[derive(Clone, Debug)]
struct Stopper {
    controller: AbortController,
    stopped: Rc<RefCell<Option<Stop>>>,
    sender: Rc<RefCell<Option<oneshot::Sender<()>>>>,
}

impl Stopper {
    fn stop(&self, stop: Stop) {
        let Some(sender) = self.sender.borrow_mut().take() else {
            return;
        };
        let reason = match &stop {
            Stop::Timeout => JsValue::from(Error::new(ErrorKind::Timeout)),
            Stop::Aborted(reason) => reason.clone(),
        };
        *self.stopped.borrow_mut() = Some(stop);
        self.controller.abort_with_reason(&reason);
        let _ = sender.send(());
    }
}

/// An `abort` listener on the caller's signal, removed when dropped.
#[derive(Debug)]
struct AbortListener {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl AbortListener {
    fn new(signal: AbortSignal, stop: Stopper) -> Self {
        let fired = signal.clone();
        let callback =
            Closure::<dyn FnMut()>::new(move || stop.stop(Stop::Aborted(fired.reason())));
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        Self { signal, callback }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}
