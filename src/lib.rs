//! token-fetch: a `fetch` for web pages that keeps a session token fresh.
//!
//! A [`TokenClient`] asks the application's token endpoint for a token, keeps it in
//! `sessionStorage`, sends it as `Authorization: Bearer …` to the API's own origins only,
//! refreshes it once for all callers shortly before it expires, and replays a request once
//! when the server rejects the token anyway. The decisions live in the browser-free
//! [`token_fetch_core`]; this crate is the edge that drives it from JS.

#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod client;
mod deadline;
mod edge;
mod error;
mod options;
mod platform;
mod types;

pub use client::TokenClient;
pub use error::{Error, ErrorKind};
