//! token-fetch: a `fetch` for web pages, and a `wx.request` for WeChat mini-programs, that
//! keeps a session token fresh.
//!
//! A [`TokenClient`] asks the application's token endpoint for a token, keeps it in
//! `sessionStorage` (wx storage in a mini-program), sends it as `Authorization: Bearer …` to
//! the API's own origins only, refreshes it once for all callers shortly before it expires,
//! and replays a request once when the server rejects the token anyway. The decisions live in
//! the platform-free [`token_fetch_core`]; this crate holds the two edges that drive it from
//! JS, chosen by the `transport` option.

#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod client;
mod deadline;
mod edge;
mod error;
mod options;
mod platform;
mod types;
#[cfg(feature = "wx")]
mod wx;

pub use client::TokenClient;
pub use error::{Error, ErrorKind};
