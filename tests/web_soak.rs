//! Soak: 20,000 calls through one client, with a refresh every 250 calls, and the memory they
//! leave behind.
//!
//! Bounds, checked after a warm-up of 1,000 calls that already went through both kinds of
//! refresh:
//! - wasm memory grows by at most [`WASM_GROWTH_PAGES`] pages (64 KiB each) over the remaining
//!   19,000 calls: a leak of even 14 bytes a call (a forgotten `Closure`, a waiter never
//!   dropped) would need more;
//! - where the engine reports it (Chromium's `performance.memory`, measured after a forced
//!   collection, which `--js-flags=--expose-gc` in `xtask/webdriver/chromium.json` allows),
//!   the JS heap grows by at most [`JS_HEAP_GROWTH_BYTES`]: one leaked listener, promise or
//!   `Response` a call would be several times that.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

const CALLS: u32 = 20_000;
/// Calls in flight at once.
const BATCH: u32 = 50;
/// A refresh every this many calls: alternately after a revoke (every call of the batch is
/// answered 401 and replayed) and after the stored expiry is moved into the past.
const REFRESH_EVERY: u32 = 250;
const WARM_UP: u32 = 1_000;
const WASM_GROWTH_PAGES: f64 = 4.0;
const JS_HEAP_GROWTH_BYTES: f64 = 1_048_576.0;

fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
        .into()
}

/// The JS heap in use after a full collection, where the engine lets a page know both.
fn js_heap_bytes() -> Option<f64> {
    let global = js_sys::global();
    let gc = get(&global, "gc").dyn_into::<Function>().ok()?;
    gc.call0(&JsValue::UNDEFINED).ok()?;
    let memory = get(&get(&global, "performance"), "memory");
    if memory.is_undefined() {
        return None;
    }
    get(&memory, "usedJSHeapSize").as_f64()
}

/// Counts how often each call's promise settles, from the outside, as a caller sees it.
struct Settlements {
    counts: Uint8Array,
    watch: Function,
}

impl Settlements {
    fn new(calls: u32) -> Self {
        let counts = Uint8Array::new_with_length(calls);
        let watch = Function::new_with_args(
            "counts",
            "return function (promise, index) {
               const settled = () => { counts[index] += 1; };
               return promise.then(
                 (response) => { settled(); return { ok: true, status: response.status }; },
                 (error) => { settled(); return { ok: false, name: error && error.name }; });
             };",
        )
        .call1(&JsValue::UNDEFINED, &counts)
        .expect("make the watcher")
        .unchecked_into();
        Self { counts, watch }
    }

    /// `promise`, watched: it resolves with `{ ok, status }` or `{ ok: false, name }`.
    fn watch(&self, promise: &Promise, index: u32) -> Promise {
        self.watch
            .call2(&JsValue::UNDEFINED, promise, &index.into())
            .expect("watch")
            .unchecked_into()
    }
}

#[wasm_bindgen_test]
async fn twenty_thousand_calls_each_settle_once_and_leave_memory_flat() {
    let user = open_id("soak");
    let client = client(&user, &[]);
    let keys = Keys::for_user(&user);
    let settlements = Settlements::new(CALLS + CALLS / BATCH);
    let started = js_sys::Date::now();

    let mut index = 0;
    let mut revokes = 0;
    let mut aborted = 0;
    let mut warm = None;
    let mut sent = 0;
    while sent < CALLS {
        if sent > 0 && sent % REFRESH_EVERY == 0 {
            if (sent / REFRESH_EVERY) % 2 == 1 {
                revoke(&user).await;
                revokes += 1;
            } else {
                storage()
                    .set_item(&keys.expires_at, "1000")
                    .expect("storage");
            }
        }

        // Every call follows a live signal, so each one adds an abort listener and removes
        // it again; one more call per batch comes with a signal already aborted.
        let controller = AbortController::new().expect("controller");
        let init = object(&[("signal", controller.signal().into())]);
        let watched = Array::new();
        for _ in 0..BATCH {
            let promise = call(&client, &url("/api/soak").into(), &init);
            watched.push(&settlements.watch(&promise, index));
            index += 1;
        }
        let gone = AbortController::new().expect("controller");
        gone.abort();
        let init = object(&[("signal", gone.signal().into())]);
        let promise = call(&client, &url("/api/soak").into(), &init);
        watched.push(&settlements.watch(&promise, index));
        index += 1;

        let outcomes: Array = wait(Promise::all(&watched))
            .await
            .expect("watched calls resolve")
            .into();
        for (position, outcome) in outcomes.iter().enumerate() {
            if position as u32 == BATCH {
                assert_eq!(get(&outcome, "ok"), JsValue::FALSE);
                assert_eq!(text(&outcome, "name"), "AbortError");
                aborted += 1;
            } else {
                let status = get(&outcome, "status").as_f64();
                assert_eq!(status, Some(200.0), "call {sent}+{position}: {outcome:?}");
            }
        }
        sent += BATCH;
        if sent == WARM_UP {
            warm = Some((wasm_memory_bytes(), js_heap_bytes()));
        }
    }
    let elapsed_ms = js_sys::Date::now() - started;
    let (wasm_after, heap_after) = (wasm_memory_bytes(), js_heap_bytes());
    let (wasm_warm, heap_warm) = warm.expect("measured after the warm-up");

    let counts = settlements.counts.to_vec();
    assert_eq!(counts.len() as u32, index);
    assert!(
        counts.iter().all(|&n| n == 1),
        "every call settled exactly once"
    );
    assert_eq!(aborted, CALLS / BATCH);

    let stats = counters(&user).await;
    let refreshes = CALLS / REFRESH_EVERY - 1;
    assert_eq!(number(&stats, "tokenCalls"), f64::from(1 + refreshes));
    assert_eq!(number(&stats, "unauthorized"), f64::from(revokes * BATCH));
    assert_eq!(
        number(&stats, "apiRequests"),
        f64::from(CALLS),
        "each call reached the server once, and each 401 was replayed once"
    );

    assert!(
        wasm_after <= wasm_warm + WASM_GROWTH_PAGES * 65_536.0,
        "wasm memory grew from {wasm_warm} to {wasm_after} bytes"
    );
    if let (Some(warm), Some(after)) = (heap_warm, heap_after) {
        assert!(
            after <= warm + JS_HEAP_GROWTH_BYTES,
            "JS heap grew from {warm} to {after} bytes"
        );
    }
    // The figures for the record; the bounds above are what the test checks.
    console_log!(
        "soak: {CALLS} calls in {elapsed_ms:.0} ms; wasm memory {wasm_warm} -> {wasm_after} \
         bytes; JS heap {heap_warm:?} -> {heap_after:?} bytes"
    );
}
