//! A stand-in for the small backend that WeChat-login apps talk to.
//!
//! It issues HS256 tokens at `GET /token`, guards everything under `/api/` behind them, and,
//! when asked to, lets tests steer it through `/__control/`: revoke tokens early, make the token
//! endpoint misbehave, shorten the real lifetime of tokens, and read what happened.
//!
//! The binary (`token-server`) parses flags and serves [`app`]; tests may serve [`app`] on a
//! listener of their own:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = token_server::Config { test_controls: true, ..Default::default() };
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, token_server::app(config)?).await?;
//! # Ok(())
//! # }
//! ```

mod clock;
mod codes;
mod config;
mod control_routes;
mod controls;
mod error;
mod routes;
mod state;
mod tokens;

pub use config::Config;
pub use error::Error;
pub use routes::app;
