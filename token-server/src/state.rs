//! The state every handler shares.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::clock::Clock;
use crate::codes::LoginCodes;
use crate::config::Config;
use crate::controls::{Controls, Lifetime};
use crate::error::Error;
use crate::tokens::TokenKeys;

/// A cheap handle on [`Shared`], as axum hands it to handlers.
pub(crate) type AppState = Arc<Shared>;

/// Keys, clock, and the optional test machinery.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The configured (reported) token lifetime in seconds.
    pub(crate) lifetime_secs: u64,
    /// Whether `/token` exchanges login codes rather than openIds.
    pub(crate) code_exchange: bool,
    pub(crate) keys: TokenKeys,
    pub(crate) clock: Clock,
    /// `None` without `--test-controls`, so a plain server takes no lock per request.
    controls: Option<Mutex<Controls>>,
    codes: Mutex<LoginCodes>,
}

/// Locks `mutex` even if a handler panicked while holding it.
///
/// The guarded data are counters and queues; one half-done update is better than a server whose
/// every later request fails.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// State for `config`, with a fresh signing secret.
    pub(crate) fn new(config: &Config) -> Result<Self, Error> {
        Ok(Self {
            lifetime_secs: config.lifetime_secs,
            code_exchange: config.code_exchange,
            keys: TokenKeys::generate()?,
            clock: Clock::new(),
            controls: config.test_controls.then(Mutex::default),
            codes: Mutex::default(),
        })
    }

    /// The control state, locked, when the server has test controls.
    pub(crate) fn controls(&self) -> Option<MutexGuard<'_, Controls>> {
        self.controls.as_ref().map(lock)
    }

    /// Whether the server was started with test controls.
    pub(crate) fn has_controls(&self) -> bool {
        self.controls.is_some()
    }

    /// The outstanding login codes, locked.
    pub(crate) fn codes(&self) -> MutexGuard<'_, LoginCodes> {
        lock(&self.codes)
    }

    /// The lifetime a token issued now to `open_id` gets.
    pub(crate) fn lifetime(&self, open_id: Option<&str>) -> Lifetime {
        match self.controls() {
            Some(controls) => controls.lifetime(open_id, self.lifetime_secs),
            None => Lifetime {
                reported_secs: self.lifetime_secs,
                valid_ms: self.lifetime_secs.saturating_mul(1000),
            },
        }
    }
}
