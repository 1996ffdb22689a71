//! What the server is asked to do, as parsed from its flags.

use std::path::PathBuf;

/// The reported token lifetime when none is given, in seconds.
pub const DEFAULT_LIFETIME_SECS: u64 = 3600;

/// How an [`app`](crate::app) behaves; `Default` is the plain server with no extras.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The lifetime `/token` reports as `expiresIn` (and the real one, unless overridden).
    pub lifetime_secs: u64,
    /// Whether the `/__control/` routes exist.
    pub test_controls: bool,
    /// A folder to serve at `/`, with its `index.html` for unknown paths.
    pub static_dir: Option<PathBuf>,
    /// Whether `/token` wants a one-time `code` from `/wx/login` instead of an `openId`.
    pub code_exchange: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            test_controls: false,
            static_dir: None,
            code_exchange: false,
        }
    }
}
