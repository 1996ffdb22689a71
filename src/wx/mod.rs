//! The mini-program transport: `wx.request` to send, wx storage to keep the token.
//!
//! A WeChat mini-program has no `fetch`, `URL`, `AbortController`, `location` or
//! `sessionStorage`. This edge reaches only for the global `wx`, timers and `Date`, so the same
//! core (single-flight refresh, replay once, the allow-list) runs there unchanged.

mod api;
mod client;
mod edge;

pub(crate) use client::WxClient;
