//! The browser-free core of [token-fetch](https://www.npmjs.com/package/token-fetch).
//!
//! It holds what every platform shares: the token state of a client ([`Session`]), the expiry
//! arithmetic ([`Grant`]), the judgement of the token endpoint's answer ([`TokenReply`]) and of
//! stored values ([`parse_expires_at`]), the rules that tell a rejected token from an API's
//! answer ([`Rejection`]), the origin of a URL where the platform has no `URL` ([`origin_of`]),
//! and the request flow ([`Client`]) that refreshes once for many callers and replays a
//! rejected request once. A platform plugs in through the [`Edge`] trait; nothing here
//! touches a browser.

#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod client;
mod error;
mod grant;
mod number;
mod origin;
mod rejection;
mod reply;
mod secret;
mod session;

pub use client::{Client, Edge, StorageUnavailable};
pub use error::{Error, ErrorKind, RefreshFailure};
pub use grant::{Grant, format_expires_at, parse_expires_at};
pub use origin::{is_bare_origin, origin_of};
pub use rejection::{AuthErrorRule, Rejection};
pub use reply::{Field, TokenReply};
pub use secret::Secret;
pub use session::{AfterRejection, Finished, Next, RefreshId, Session, Stored, Ticket};
