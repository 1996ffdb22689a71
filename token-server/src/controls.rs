//! What tests can steer: revocations, faults, delays, lifetimes, and the record of traffic.
//!
//! Everything lives in scopes: one global scope, and one per openId that a control named.
//! A global setting applies to every caller; a per-openId one only to that openId, and wins over
//! the global one where both apply.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tokens::Identity;

/// How many events a scope keeps; older ones are dropped first.
pub(crate) const EVENT_CAP: usize = 10_000;

/// One way for `/token` to misbehave, as sent to `/__control/token-faults`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum Fault {
    /// Answer this HTTP status with a small JSON body.
    Status {
        /// The status to answer.
        status: u16,
    },
    /// Answer HTTP 200 with this error code and no token.
    Code {
        /// The `code` field of the answer.
        code: i64,
        /// The `message` field of the answer.
        #[serde(default)]
        message: Option<String>,
    },
    /// Answer HTTP 200 with a body that is not JSON.
    Malformed,
    /// Never answer (until a cap, so a forgotten request does not live forever).
    Hang,
    /// Answer normally after this many milliseconds.
    Delay {
        /// The delay.
        ms: u64,
    },
    /// Answer `code: 0` without a `token` field.
    MissingToken,
    /// Answer a token with this value as `expiresIn`.
    BadExpiresIn {
        /// The `expiresIn` value; missing means `null`.
        #[serde(default)]
        value: Value,
    },
    /// Answer HTTP 401.
    Unauthorized,
}

/// What kind of request an [`Event`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum EventKind {
    /// A call to `/token`, answered or faulted.
    Token,
    /// An `/api` request that passed the token check.
    Api,
    /// An `/api` request answered 401.
    Unauthorized,
}

/// One request, as `/__control/counters` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Event {
    /// Milliseconds since the server started.
    pub(crate) t: u64,
    /// What happened.
    pub(crate) kind: EventKind,
    /// The token issued (for `token`) or presented (otherwise), when there is one.
    pub(crate) token_id: Option<String>,
    /// The openId involved, when known.
    pub(crate) open_id: Option<String>,
    /// The request method.
    pub(crate) method: String,
    /// The request path, without the query.
    pub(crate) path: String,
}

/// The counters of one scope, serialized as `/__control/counters` answers them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stats {
    token_calls: u64,
    tokens_issued: u64,
    unauthorized: u64,
    api_requests: u64,
    requests_by_token: BTreeMap<String, u64>,
    token_ids: Vec<String>,
    events: VecDeque<Event>,
}

impl Stats {
    fn push(&mut self, event: &Event) {
        if self.events.len() == EVENT_CAP {
            self.events.pop_front();
        }
        self.events.push_back(event.clone());
    }
}

/// Lifetimes that replace the configured one for tokens issued from now on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LifetimeOverride {
    /// The `expiresIn` to report, in seconds.
    pub(crate) reported_secs: Option<u64>,
    /// How long tokens are really accepted, in milliseconds.
    pub(crate) valid_ms: Option<u64>,
}

/// The lifetime a new token gets once overrides are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifetime {
    /// The `expiresIn` to report, in seconds.
    pub(crate) reported_secs: u64,
    /// How long the token is really accepted, in milliseconds.
    pub(crate) valid_ms: u64,
}

/// How `/api` answers a token it does not accept, when a test changed it from HTTP 401.
///
/// Many backends answer HTTP 200 with a business code such as 40001 instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ApiRejection {
    /// The HTTP status of the answer.
    pub(crate) status: u16,
    /// The `code` field of the answer's JSON body.
    pub(crate) code: i64,
}

#[derive(Debug, Default)]
struct Scope {
    stats: Stats,
    /// Each fault with how many more calls it applies to.
    faults: VecDeque<(Fault, u32)>,
    api_delays: VecDeque<(Duration, u32)>,
    /// Tokens with an issue number up to this one are revoked.
    revoked_through: u64,
    lifetime: LifetimeOverride,
    rejection: Option<ApiRejection>,
}

/// All control state of a server started with `--test-controls`.
#[derive(Debug, Default)]
pub(crate) struct Controls {
    global: Scope,
    users: HashMap<String, Scope>,
}

/// Takes one use of the first entry of `queue`, dropping the entry when it is used up.
fn take_one<T: Clone>(queue: &mut VecDeque<(T, u32)>) -> Option<T> {
    let (item, remaining) = queue.front_mut()?;
    let item = item.clone();
    *remaining -= 1;
    if *remaining == 0 {
        queue.pop_front();
    }
    Some(item)
}

impl Controls {
    /// The global scope and, when `open_id` is given, that user's scope (created if new).
    fn scopes(&mut self, open_id: Option<&str>) -> (&mut Scope, Option<&mut Scope>) {
        let user = open_id.map(|id| self.users.entry(id.to_owned()).or_default());
        (&mut self.global, user)
    }

    /// The scope a control names: one user's, or the global one.
    fn scope(&mut self, open_id: Option<&str>) -> &mut Scope {
        match open_id {
            Some(id) => self.users.entry(id.to_owned()).or_default(),
            None => &mut self.global,
        }
    }

    /// Applies `update` to the global stats and to those of `open_id`, if given.
    fn count(&mut self, open_id: Option<&str>, update: impl Fn(&mut Stats)) {
        let (global, user) = self.scopes(open_id);
        update(&mut global.stats);
        if let Some(user) = user {
            update(&mut user.stats);
        }
    }

    /// Counts a call to `/token` and hands back the fault it should suffer, if any.
    pub(crate) fn token_call(&mut self, open_id: Option<&str>) -> Option<Fault> {
        self.count(open_id, |stats| stats.token_calls += 1);

        let (global, user) = self.scopes(open_id);
        user.and_then(|user| take_one(&mut user.faults))
            .or_else(|| take_one(&mut global.faults))
    }

    /// Records how a call to `/token` ended: with the id of the token it issued, or none.
    pub(crate) fn token_answered(&mut self, open_id: Option<&str>, token_id: Option<&str>, t: u64) {
        let event = Event {
            t,
            kind: EventKind::Token,
            token_id: token_id.map(str::to_owned),
            open_id: open_id.map(str::to_owned),
            method: "GET".to_owned(),
            path: "/token".to_owned(),
        };
        self.count(open_id, |stats| {
            if let Some(id) = token_id {
                stats.tokens_issued += 1;
                stats.token_ids.push(id.to_owned());
            }
            stats.push(&event);
        });
    }

    /// The delay the next `/api` answer for `open_id` (or anyone) should wait, if any.
    pub(crate) fn api_delay(&mut self, open_id: Option<&str>) -> Option<Duration> {
        let (global, user) = self.scopes(open_id);
        user.and_then(|user| take_one(&mut user.api_delays))
            .or_else(|| take_one(&mut global.api_delays))
    }

    /// Records an `/api` request from `identity` (when its token names one), and whether it
    /// passed the token check.
    pub(crate) fn api_request(
        &mut self,
        identity: Option<&Identity>,
        accepted: bool,
        method: &str,
        path: &str,
        t: u64,
    ) {
        let open_id = identity.map(|identity| identity.open_id.as_str());
        let token_id = identity.and_then(|identity| identity.token_id.as_deref());
        let event = Event {
            t,
            kind: if accepted {
                EventKind::Api
            } else {
                EventKind::Unauthorized
            },
            token_id: token_id.map(str::to_owned),
            open_id: open_id.map(str::to_owned),
            method: method.to_owned(),
            path: path.to_owned(),
        };
        self.count(open_id, |stats| {
            if accepted {
                stats.api_requests += 1;
                if let Some(id) = token_id {
                    *stats.requests_by_token.entry(id.to_owned()).or_default() += 1;
                }
            } else {
                stats.unauthorized += 1;
            }
            stats.push(&event);
        });
    }

    /// Whether token number `serial` of `open_id` was revoked.
    pub(crate) fn is_revoked(&self, open_id: &str, serial: u64) -> bool {
        let user = self
            .users
            .get(open_id)
            .map_or(0, |scope| scope.revoked_through);
        serial <= self.global.revoked_through.max(user)
    }

    /// Revokes every token up to number `serial`, of `open_id` or of everyone.
    pub(crate) fn revoke(&mut self, open_id: Option<&str>, serial: u64) {
        let scope = self.scope(open_id);
        scope.revoked_through = scope.revoked_through.max(serial);
    }

    /// Queues `fault` for the next `count` calls to `/token` in a scope.
    pub(crate) fn add_fault(&mut self, open_id: Option<&str>, fault: Fault, count: u32) -> u64 {
        let scope = self.scope(open_id);
        if count > 0 {
            scope.faults.push_back((fault, count));
        }
        scope.faults.iter().map(|(_, left)| u64::from(*left)).sum()
    }

    /// Queues `delay` for the next `count` `/api` answers in a scope.
    pub(crate) fn add_api_delay(
        &mut self,
        open_id: Option<&str>,
        delay: Duration,
        count: u32,
    ) -> u64 {
        let scope = self.scope(open_id);
        if count > 0 {
            scope.api_delays.push_back((delay, count));
        }
        scope
            .api_delays
            .iter()
            .map(|(_, left)| u64::from(*left))
            .sum()
    }

    /// Changes the lifetime override of a scope; fields left `None` keep their setting.
    pub(crate) fn set_lifetime(&mut self, open_id: Option<&str>, change: LifetimeOverride) {
        let current = &mut self.scope(open_id).lifetime;
        current.reported_secs = change.reported_secs.or(current.reported_secs);
        current.valid_ms = change.valid_ms.or(current.valid_ms);
    }

    /// The lifetime a token issued now to `open_id` gets, given the configured default.
    ///
    /// The real validity follows the reported lifetime unless a scope overrides it.
    pub(crate) fn lifetime(&self, open_id: Option<&str>, default_secs: u64) -> Lifetime {
        let user = open_id
            .and_then(|id| self.users.get(id))
            .map(|scope| scope.lifetime);
        let global = self.global.lifetime;
        let reported_secs = user
            .and_then(|user| user.reported_secs)
            .or(global.reported_secs)
            .unwrap_or(default_secs);
        let valid_ms = user
            .and_then(|user| user.valid_ms)
            .or(global.valid_ms)
            .unwrap_or_else(|| reported_secs.saturating_mul(1000));
        Lifetime {
            reported_secs,
            valid_ms,
        }
    }

    /// Makes `/api` answer rejected tokens of a scope with `rejection` from now on.
    pub(crate) fn set_api_rejection(&mut self, open_id: Option<&str>, rejection: ApiRejection) {
        self.scope(open_id).rejection = Some(rejection);
    }

    /// How `/api` answers a rejected token of `open_id` (or of an unknown caller), if a test
    /// changed it; the user's setting wins over the global one.
    pub(crate) fn api_rejection(&self, open_id: Option<&str>) -> Option<ApiRejection> {
        open_id
            .and_then(|id| self.users.get(id))
            .and_then(|scope| scope.rejection)
            .or(self.global.rejection)
    }

    /// The counters of `open_id`, or of everyone.
    pub(crate) fn stats(&self, open_id: Option<&str>) -> Stats {
        match open_id {
            Some(id) => self
                .users
                .get(id)
                .map(|scope| scope.stats.clone())
                .unwrap_or_default(),
            None => self.global.stats.clone(),
        }
    }

    /// Forgets everything about `open_id`, or everything at all.
    pub(crate) fn reset(&mut self, open_id: Option<&str>) {
        match open_id {
            Some(id) => {
                self.users.remove(id);
            }
            None => *self = Self::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_fault_wins_over_a_global_one_and_both_run_out() {
        let mut controls = Controls::default();
        controls.add_fault(None, Fault::Malformed, 1);
        controls.add_fault(Some("alice"), Fault::Hang, 2);

        assert_eq!(controls.token_call(Some("alice")), Some(Fault::Hang));
        assert_eq!(controls.token_call(Some("bob")), Some(Fault::Malformed));
        assert_eq!(controls.token_call(Some("alice")), Some(Fault::Hang));
        assert_eq!(controls.token_call(Some("alice")), None);
    }

    #[test]
    fn faults_of_one_scope_run_in_the_order_they_were_queued() {
        let mut controls = Controls::default();
        controls.add_fault(None, Fault::Unauthorized, 1);
        controls.add_fault(None, Fault::MissingToken, 1);

        assert_eq!(controls.token_call(None), Some(Fault::Unauthorized));
        assert_eq!(controls.token_call(None), Some(Fault::MissingToken));
        assert_eq!(controls.token_call(None), None);
    }

    #[test]
    fn revoking_one_user_leaves_the_others_alone() {
        let mut controls = Controls::default();
        controls.revoke(Some("alice"), 5);

        assert!(controls.is_revoked("alice", 5));
        assert!(!controls.is_revoked("alice", 6));
        assert!(!controls.is_revoked("bob", 1));
    }

    #[test]
    fn real_validity_follows_the_reported_lifetime_unless_overridden() {
        let mut controls = Controls::default();
        controls.set_lifetime(
            None,
            LifetimeOverride {
                reported_secs: Some(60),
                valid_ms: None,
            },
        );
        controls.set_lifetime(
            Some("alice"),
            LifetimeOverride {
                reported_secs: None,
                valid_ms: Some(1000),
            },
        );

        assert_eq!(
            controls.lifetime(Some("bob"), 3600),
            Lifetime {
                reported_secs: 60,
                valid_ms: 60_000
            }
        );
        assert_eq!(
            controls.lifetime(Some("alice"), 3600),
            Lifetime {
                reported_secs: 60,
                valid_ms: 1000
            }
        );
    }

    #[test]
    fn a_user_api_rejection_wins_over_the_global_one() {
        let mut controls = Controls::default();
        let business = ApiRejection {
            status: 200,
            code: 40001,
        };
        let forbidden = ApiRejection {
            status: 403,
            code: 403,
        };
        assert_eq!(controls.api_rejection(Some("alice")), None);
        controls.set_api_rejection(None, forbidden);
        controls.set_api_rejection(Some("alice"), business);

        assert_eq!(controls.api_rejection(Some("alice")), Some(business));
        assert_eq!(controls.api_rejection(Some("bob")), Some(forbidden));
        assert_eq!(controls.api_rejection(None), Some(forbidden));
        controls.reset(Some("alice"));
        assert_eq!(controls.api_rejection(Some("alice")), Some(forbidden));
    }

    #[test]
    fn the_event_list_keeps_only_the_latest_entries() {
        let mut controls = Controls::default();
        for t in 0..(EVENT_CAP as u64 + 5) {
            controls.token_answered(None, None, t);
        }

        let stats = controls.stats(None);
        assert_eq!(stats.events.len(), EVENT_CAP);
        assert_eq!(stats.events.front().map(|event| event.t), Some(5));
        assert_eq!(stats.token_calls, 0);
    }

    #[test]
    fn resetting_a_user_keeps_the_global_counts() {
        let mut controls = Controls::default();
        controls.token_call(Some("alice"));
        controls.reset(Some("alice"));

        assert_eq!(controls.stats(Some("alice")), Stats::default());
        assert_eq!(controls.stats(None).token_calls, 1);
    }
}
