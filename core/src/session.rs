//! The token state of one client and the decisions made from it.
//!
//! Everything here is synchronous and free of I/O: the [`Client`](crate::Client) asks the
//! session what to do, does it through its edge, and reports back.

use crate::error::RefreshFailure;
use crate::grant::{Grant, parse_expires_at};
use crate::secret::Secret;

/// What storage held for the token when it was last read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// The stored token, if any.
    pub token: Option<Secret>,
    /// The stored expiry, exactly as stored (epoch milliseconds when written by token-fetch).
    pub expires_at: Option<String>,
}

/// A token handed out for one send, tagged with the session epoch it belongs to.
///
/// The epoch tells, when the token is rejected, whether the session has moved on since.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    token: Secret,
    epoch: u64,
}

impl Ticket {
    /// The token to send.
    pub fn token(&self) -> &Secret {
        &self.token
    }
}

/// What a request about to be sent must do first.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Send now with this token.
    Send(Ticket),
    /// No usable token and no refresh under way: start one, then wait for it.
    Refresh,
    /// A refresh is under way: wait for it, then send with its token.
    Wait(RefreshId),
}

/// What a call whose token was rejected does next.
#[derive(Debug, PartialEq)]
pub enum AfterRejection {
    /// Get a token again (the current one, or a refreshed one) and replay.
    Replay,
    /// A refresh failed after this request was sent: the session was lost, give up with that
    /// failure rather than start another refresh for a call from before the loss.
    GiveUp(RefreshFailure),
}

/// Identifies one refresh, so that its result can be told apart from a logout in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshId {
    serial: u64,
    logouts: u64,
}

/// The outcome of a finished refresh, for the client to act on.
#[derive(Debug, PartialEq)]
pub struct Finished {
    /// What every waiting call receives.
    pub result: Result<Ticket, RefreshFailure>,
    /// Whether the session kept the new grant (false when a logout came in between).
    pub adopted: bool,
}

/// Token state of one client: the current grant, whether a refresh is under way, and enough
/// history to judge a rejected request.
#[derive(Debug)]
pub struct Session {
    leeway_ms: u64,
    grant: Option<Grant>,
    /// Bumped whenever the token changes: a refresh (either way), a logout, a rejection or a
    /// different token found in storage.
    epoch: u64,
    refreshing: Option<RefreshId>,
    /// The latest refresh failure and the epoch it created.
    last_failure: Option<(u64, RefreshFailure)>,
    logouts: u64,
    refreshes: u64,
    storage_usable: bool,
}

impl Session {
    /// An empty session that refreshes tokens `leeway_ms` before they expire.
    pub fn new(leeway_ms: u64) -> Self {
        Self {
            leeway_ms,
            grant: None,
            epoch: 0,
            refreshing: None,
            last_failure: None,
            logouts: 0,
            refreshes: 0,
            storage_usable: true,
        }
    }

    /// How long before expiry a token is refreshed.
    pub fn leeway_ms(&self) -> u64 {
        self.leeway_ms
    }

    /// The current grant, if any.
    pub fn grant(&self) -> Option<&Grant> {
        self.grant.as_ref()
    }

    /// Whether storage is still used; false once it failed.
    pub fn storage_usable(&self) -> bool {
        self.storage_usable
    }

    /// Stops using storage; true the first time, so the caller warns once.
    pub fn lose_storage(&mut self) -> bool {
        std::mem::replace(&mut self.storage_usable, false)
    }

    /// Takes what storage holds as the truth: the page, or another client, may have changed it.
    ///
    /// A missing token, or one that cannot be sent (see [`Secret::is_sendable`]), means none;
    /// a token with a missing, malformed or past expiry is kept but counts as expired, so the
    /// next send refreshes first.
    pub fn adopt_stored(&mut self, stored: Stored) {
        let token = stored.token.filter(Secret::is_sendable);
        let Some(token) = token else {
            if self.grant.take().is_some() {
                self.epoch += 1;
            }
            return;
        };
        let expires_at_ms = parse_expires_at(stored.expires_at.as_deref()).unwrap_or(0);
        match &self.grant {
            Some(grant) if grant.token() == &token && grant.expires_at_ms() == expires_at_ms => {}
            Some(grant) if grant.token() == &token => {
                self.grant = Some(Grant::stored(token, expires_at_ms, self.leeway_ms));
            }
            _ => {
                self.grant = Some(Grant::stored(token, expires_at_ms, self.leeway_ms));
                self.epoch += 1;
            }
        }
    }

    /// Decides what a request about to be sent at `now_ms` does.
    ///
    /// While a refresh is under way every request waits, even one that could still use the
    /// current token: that token is either inside the leeway or has been rejected.
    pub fn next(&self, now_ms: u64) -> Next {
        if let Some(id) = self.refreshing {
            return Next::Wait(id);
        }
        match &self.grant {
            Some(grant) if !grant.needs_refresh(now_ms) => Next::Send(Ticket {
                token: grant.token().clone(),
                epoch: self.epoch,
            }),
            _ => Next::Refresh,
        }
    }

    /// Records that a refresh has started.
    pub fn begin_refresh(&mut self) -> RefreshId {
        let id = RefreshId {
            serial: self.refreshes,
            logouts: self.logouts,
        };
        self.refreshes += 1;
        self.refreshing = Some(id);
        id
    }

    /// Whether a refresh is under way.
    pub fn is_refreshing(&self) -> bool {
        self.refreshing.is_some()
    }

    /// Records the outcome of the refresh `id`.
    ///
    /// On success the grant becomes current, unless a logout came in between: then the calls
    /// that waited still get the token they asked for, but the session stays logged out. On
    /// failure the token is dropped.
    pub fn finish_refresh(
        &mut self,
        id: RefreshId,
        outcome: Result<Grant, RefreshFailure>,
    ) -> Finished {
        if self.refreshing == Some(id) {
            self.refreshing = None;
        }
        let current = id.logouts == self.logouts;
        self.epoch += 1;
        match outcome {
            Ok(grant) => {
                let ticket = Ticket {
                    token: grant.token().clone(),
                    epoch: self.epoch,
                };
                if current {
                    self.grant = Some(grant);
                }
                Finished {
                    result: Ok(ticket),
                    adopted: current,
                }
            }
            Err(failure) => {
                if current {
                    self.grant = None;
                    self.last_failure = Some((self.epoch, failure.clone()));
                }
                Finished {
                    result: Err(failure),
                    adopted: current,
                }
            }
        }
    }

    /// Judges a response that rejected the token of `sent`.
    ///
    /// If `sent` is still the current token it is dropped (so no other request goes out with
    /// it); the caller must then also remove it from storage, which `true` in the second
    /// place asks for.
    pub fn rejected(&mut self, sent: &Ticket) -> (AfterRejection, bool) {
        if let Some((failed_at, failure)) = &self.last_failure {
            if *failed_at > sent.epoch {
                return (AfterRejection::GiveUp(failure.clone()), false);
            }
        }
        let still_current = sent.epoch == self.epoch
            && self
                .grant
                .as_ref()
                .is_some_and(|grant| grant.token() == &sent.token);
        if still_current {
            self.grant = None;
            self.epoch += 1;
        }
        (AfterRejection::Replay, still_current)
    }

    /// Forgets the token (logout). A refresh under way finishes, but its token is not kept.
    pub fn clear(&mut self) {
        self.grant = None;
        self.epoch += 1;
        self.logouts += 1;
        self.refreshing = None;
        self.last_failure = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEEWAY: u64 = 300_000;

    fn granted(token: &str, now: u64, lifetime: u64) -> Grant {
        Grant::issued(Secret::new(token), now, lifetime, LEEWAY)
    }

    fn logged_in(now: u64) -> (Session, Ticket) {
        let mut session = Session::new(LEEWAY);
        let id = session.begin_refresh();
        let finished = session.finish_refresh(id, Ok(granted("t1", now, 3_600_000)));
        (session, finished.result.expect("granted"))
    }

    #[test]
    fn with_no_token_a_send_refreshes_first() {
        let session = Session::new(LEEWAY);
        assert_eq!(session.next(0), Next::Refresh);
    }

    #[test]
    fn a_fresh_token_is_sent_and_one_inside_the_leeway_is_refreshed() {
        let (session, ticket) = logged_in(0);
        assert_eq!(session.next(3_299_999), Next::Send(ticket));
        assert_eq!(session.next(3_300_000), Next::Refresh);
    }

    #[test]
    fn while_refreshing_every_send_waits_even_with_a_valid_token() {
        let (mut session, _) = logged_in(0);
        let id = session.begin_refresh();
        assert_eq!(session.next(1_000), Next::Wait(id));
    }

    #[test]
    fn a_rejected_current_token_is_dropped_and_replayed_after_a_refresh() {
        let (mut session, ticket) = logged_in(0);
        let (after, remove_stored) = session.rejected(&ticket);
        assert_eq!(after, AfterRejection::Replay);
        assert!(remove_stored);
        assert_eq!(session.next(1), Next::Refresh);
    }

    #[test]
    fn a_token_older_than_the_current_one_is_replayed_with_the_current_one() {
        let (mut session, old) = logged_in(0);
        let id = session.begin_refresh();
        let new = session
            .finish_refresh(id, Ok(granted("t2", 10, 3_600_000)))
            .result;
        let new = new.expect("granted");
        let (after, remove_stored) = session.rejected(&old);
        assert_eq!(after, AfterRejection::Replay);
        assert!(!remove_stored, "the current token was not the one rejected");
        assert_eq!(session.next(20), Next::Send(new));
    }

    #[test]
    fn a_rejection_from_before_a_failed_refresh_gives_up_with_that_failure() {
        let (mut session, ticket) = logged_in(0);
        let id = session.begin_refresh();
        session.finish_refresh(id, Err(RefreshFailure::Status(500)));
        let (after, _) = session.rejected(&ticket);
        assert_eq!(after, AfterRejection::GiveUp(RefreshFailure::Status(500)));
        assert_eq!(session.next(1), Next::Refresh, "a new call starts afresh");
    }

    #[test]
    fn a_logout_during_a_refresh_keeps_the_session_logged_out() {
        let mut session = Session::new(LEEWAY);
        let id = session.begin_refresh();
        session.clear();
        let finished = session.finish_refresh(id, Ok(granted("t1", 0, 3_600_000)));
        assert!(finished.result.is_ok());
        assert!(!finished.adopted);
        assert_eq!(session.grant(), None);
    }

    #[test]
    fn stored_values_replace_memory_and_bad_expiries_count_as_expired() {
        let mut session = Session::new(LEEWAY);
        for expiry in [
            None,
            Some(""),
            Some("abc"),
            Some("1e400"),
            Some("-1"),
            Some("100"),
        ] {
            session.adopt_stored(Stored {
                token: Some(Secret::new("s1")),
                expires_at: expiry.map(str::to_owned),
            });
            assert_eq!(session.next(1_000), Next::Refresh, "{expiry:?}");
        }
        session.adopt_stored(Stored {
            token: Some(Secret::new("s1")),
            expires_at: Some("4000000".into()),
        });
        assert!(matches!(session.next(1_000), Next::Send(_)));
        session.adopt_stored(Stored::default());
        assert_eq!(session.grant(), None);
    }

    #[test]
    fn a_stored_token_that_cannot_be_sent_counts_as_none() {
        let (mut session, _) = logged_in(0);
        for token in ["", "two words", "line\nbreak", "токен"] {
            session.adopt_stored(Stored {
                token: Some(Secret::new(token)),
                expires_at: Some("4000000".into()),
            });
            assert_eq!(session.grant(), None, "{token:?}");
            assert_eq!(session.next(1_000), Next::Refresh, "{token:?}");
        }
    }

    #[test]
    fn a_different_stored_token_starts_a_new_epoch() {
        let (mut session, old) = logged_in(0);
        session.adopt_stored(Stored {
            token: Some(Secret::new("from-another-tab")),
            expires_at: Some("4000000".into()),
        });
        let (after, remove_stored) = session.rejected(&old);
        assert_eq!(after, AfterRejection::Replay);
        assert!(!remove_stored);
    }

    #[test]
    fn storage_is_given_up_once() {
        let mut session = Session::new(LEEWAY);
        assert!(session.lose_storage());
        assert!(!session.lose_storage());
        assert!(!session.storage_usable());
    }
}
