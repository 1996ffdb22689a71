//! The few `wx` functions the mini-program edge calls, each behind one method.

use js_sys::{Function, Object, Promise, Reflect};
use token_fetch_core::StorageUnavailable;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The mini-program's [`wx`](https://developers.weixin.qq.com/miniprogram/dev/api/) object,
    /// read by its free name, as mini-program code itself reads it.
    #[wasm_bindgen(thread_local_v2, js_name = wx)]
    static WX: Option<Object>;
}

/// The `wx` object of the running mini-program.
#[derive(Clone, Debug)]
pub(crate) struct Wx(Object);

impl Wx {
    /// The global `wx`, if the host has one.
    pub(crate) fn global() -> Option<Self> {
        WX.with(Option::clone).filter(|wx| wx.is_object()).map(Self)
    }

    fn call(
        &self,
        name: &str,
        first: &JsValue,
        second: Option<&JsValue>,
    ) -> Result<JsValue, JsValue> {
        let function = Reflect::get(&self.0, &JsValue::from_str(name))?
            .dyn_into::<Function>()
            .map_err(|_| {
                let mut message = String::from("wx.");
                message.push_str(name);
                message.push_str(" is not a function");
                JsValue::from(js_sys::TypeError::new(&message))
            })?;
        match second {
            Some(second) => function.call2(&self.0, first, second),
            None => function.call1(&self.0, first),
        }
    }

    /// The string stored under `key` by
    /// [`wx.getStorageSync`](https://developers.weixin.qq.com/miniprogram/dev/api/storage/wx.getStorageSync.html),
    /// which answers `''` for a missing key.
    pub(crate) fn read(&self, key: &str) -> Result<Option<String>, StorageUnavailable> {
        let value = self
            .call("getStorageSync", &JsValue::from_str(key), None)
            .map_err(|_| StorageUnavailable)?;
        Ok(value.as_string().filter(|text| !text.is_empty()))
    }

    /// Stores `value` under `key` with `wx.setStorageSync`.
    pub(crate) fn write(&self, key: &str, value: &str) -> Result<(), StorageUnavailable> {
        let (key, value) = (JsValue::from_str(key), JsValue::from_str(value));
        self.call("setStorageSync", &key, Some(&value))
            .map(drop)
            .map_err(|_| StorageUnavailable)
    }

    /// Removes `key` with `wx.removeStorageSync`.
    pub(crate) fn remove(&self, key: &str) -> Result<(), StorageUnavailable> {
        self.call("removeStorageSync", &JsValue::from_str(key), None)
            .map(drop)
            .map_err(|_| StorageUnavailable)
    }

    /// Sends [`wx.request(options)`](https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.html)
    /// with its `success` and `fail` callbacks set, resolving with what `success` receives and
    /// failing with what `fail` receives (or what `wx.request` threw).
    ///
    /// # Note
    /// Dropping the future before it finishes aborts the request, so a call that timed out or
    /// was aborted leaves nothing running.
    pub(crate) async fn request(&self, options: &Object) -> Result<JsValue, JsValue> {
        let mut started = Ok(JsValue::UNDEFINED);
        // `success` and `fail` are the promise's own functions, so a late callback after the
        // future was dropped finds nothing freed.
        let promise = Promise::new(&mut |resolve, reject| {
            let _ = Reflect::set(options, &JsValue::from_str("success"), &resolve);
            let _ = Reflect::set(options, &JsValue::from_str("fail"), &reject);
            started = self.call("request", options, None);
        });
        let task = InFlight(Some(started?));
        let outcome = JsFuture::from(promise).await;
        task.finish();
        outcome
    }
}

/// The `RequestTask` of a request in flight, aborted when dropped unfinished.
struct InFlight(Option<JsValue>);

impl InFlight {
    fn finish(mut self) {
        self.0 = None;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let Some(task) = self.0.take() else {
            return;
        };
        let abort = Reflect::get(&task, &JsValue::from_str("abort"))
            .ok()
            .and_then(|abort| abort.dyn_into::<Function>().ok());
        if let Some(abort) = abort {
            // A task that has just finished may refuse; there is nothing left to stop then.
            let _ = abort.call0(&task);
        }
    }
}
