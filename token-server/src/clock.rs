//! The server's sense of time, which tests may shift.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Wall-clock time plus a test-set offset, and a monotonic start for event timestamps.
#[derive(Debug)]
pub(crate) struct Clock {
    started: Instant,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock with no offset, started now.
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Unix time in milliseconds as the server sees it, offset included.
    pub(crate) fn now_ms(&self) -> u64 {
        // A wall clock before 1970 is a broken machine; treating it as 1970 keeps tokens
        // well-formed rather than refusing to serve.
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            });
        let shifted = real.saturating_add(self.offset_ms.load(Ordering::Relaxed));
        u64::try_from(shifted).unwrap_or(0)
    }

    /// Milliseconds since the server started, unaffected by the offset.
    pub(crate) fn since_start_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Shifts [`now_ms`](Self::now_ms) by `offset_ms` from the real time (replacing any earlier
    /// shift).
    pub(crate) fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::Relaxed);
    }
}
