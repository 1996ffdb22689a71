//! The request flow of `Client`, driven through a scripted edge on a single-threaded executor.
//!
//! The edge here is a fake on purpose: it lets a test hold a token request open while other
//! calls arrive, which is the interleaving the flow exists to get right. Real HTTP is covered
//! by the browser tests against token-server.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::rc::Rc;

use futures_channel::oneshot;
use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;
use token_fetch_core::{
    Client, Edge, Error, ErrorKind, Field, Grant, RefreshFailure, Secret, StorageUnavailable,
    Stored, TokenReply, format_expires_at,
};

/// A request as the fake server sees it: an id, and whether its body can be sent twice.
#[derive(Clone, Debug)]
struct Request {
    id: u32,
    replayable: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct Response {
    status: u16,
    token: String,
    request: u32,
}

#[derive(Default)]
struct World {
    now: Cell<u64>,
    storage: RefCell<Option<(String, String)>>,
    storage_broken: Cell<bool>,
    /// Tokens the fake server accepts.
    valid: RefCell<HashSet<String>>,
    /// Token requests waiting for the test to answer them.
    token_requests: RefCell<VecDeque<oneshot::Sender<Result<TokenReply, RefreshFailure>>>>,
    token_calls: Cell<u32>,
    sends: RefCell<Vec<(u32, String)>>,
    refreshed: Cell<u32>,
    lost: RefCell<Vec<RefreshFailure>>,
    storage_warnings: Cell<u32>,
    /// While set, sends wait here until the test releases them, so several are in flight.
    held: RefCell<Option<Vec<oneshot::Sender<()>>>>,
}

struct FakeEdge {
    world: Rc<World>,
    spawner: futures_executor::LocalSpawner,
}

impl Edge for FakeEdge {
    type Request = Request;
    type Response = Response;
    type Error = Error;

    fn now_ms(&self) -> u64 {
        self.world.now.get()
    }

    fn read_storage(&self) -> Result<Stored, StorageUnavailable> {
        if self.world.storage_broken.get() {
            return Err(StorageUnavailable);
        }
        let stored = self.world.storage.borrow().clone();
        Ok(match stored {
            Some((token, expires_at)) => Stored {
                token: Some(Secret::new(token)),
                expires_at: Some(expires_at),
            },
            None => Stored::default(),
        })
    }

    fn write_storage(&self, grant: &Grant) -> Result<(), StorageUnavailable> {
        if self.world.storage_broken.get() {
            return Err(StorageUnavailable);
        }
        let pair = (
            grant.token().expose().to_owned(),
            format_expires_at(grant.expires_at_ms()),
        );
        *self.world.storage.borrow_mut() = Some(pair);
        Ok(())
    }

    fn clear_storage(&self) -> Result<(), StorageUnavailable> {
        if self.world.storage_broken.get() {
            return Err(StorageUnavailable);
        }
        *self.world.storage.borrow_mut() = None;
        Ok(())
    }

    fn send(
        &self,
        request: &Request,
        token: &Secret,
    ) -> impl Future<Output = Result<Response, Error>> {
        let token = token.expose().to_owned();
        self.world
            .sends
            .borrow_mut()
            .push((request.id, token.clone()));
        let status = if self.world.valid.borrow().contains(&token) {
            200
        } else {
            401
        };
        let response = Response {
            status,
            token,
            request: request.id,
        };
        let gate = self.world.held.borrow_mut().as_mut().map(|held| {
            let (sender, receiver) = oneshot::channel();
            held.push(sender);
            receiver
        });
        async move {
            if let Some(gate) = gate {
                let _ = gate.await;
            }
            Ok(response)
        }
    }

    fn is_rejection(&self, response: &Response) -> impl Future<Output = bool> {
        let rejected = response.status == 401;
        async move { rejected }
    }

    fn can_replay(&self, request: &Request) -> bool {
        request.replayable
    }

    fn request_token(&self) -> impl Future<Output = Result<TokenReply, RefreshFailure>> {
        self.world.token_calls.set(self.world.token_calls.get() + 1);
        let (sender, receiver) = oneshot::channel();
        self.world.token_requests.borrow_mut().push_back(sender);
        async move { receiver.await.unwrap_or(Err(RefreshFailure::Network)) }
    }

    fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        self.spawner
            .spawn_local(task)
            .expect("the test's pool outlives every task");
    }

    fn token_refreshed(&self, _grant: &Grant) {
        self.world.refreshed.set(self.world.refreshed.get() + 1);
    }

    fn session_lost(&self, failure: &RefreshFailure) {
        self.world.lost.borrow_mut().push(failure.clone());
    }

    fn storage_lost(&self) {
        self.world
            .storage_warnings
            .set(self.world.storage_warnings.get() + 1);
    }
}

struct Harness {
    pool: LocalPool,
    world: Rc<World>,
    client: Client<FakeEdge>,
}

const LEEWAY_MS: u64 = 300_000;

impl Harness {
    fn new() -> Self {
        let pool = LocalPool::new();
        let world = Rc::new(World::default());
        world.now.set(1_000_000);
        let edge = FakeEdge {
            world: Rc::clone(&world),
            spawner: pool.spawner(),
        };
        let client = Client::new(edge, LEEWAY_MS);
        Self {
            pool,
            world,
            client,
        }
    }

    /// Starts `count` calls and returns where their results land.
    fn start(&self, first_id: u32, count: u32, replayable: bool) -> Rc<RefCell<Vec<Outcome>>> {
        let results = Rc::new(RefCell::new(Vec::new()));
        for id in first_id..first_id + count {
            let client = self.client.clone();
            let results = Rc::clone(&results);
            let call = async move {
                let outcome = client.send(Request { id, replayable }).await;
                results.borrow_mut().push(outcome);
            };
            self.pool.spawner().spawn_local(call).expect("pool alive");
        }
        results
    }

    fn run(&mut self) {
        self.pool.run_until_stalled();
    }

    /// Answers the oldest open token request with a good token, valid on the fake server.
    fn grant(&mut self, token: &str, expires_in: f64) {
        self.world.valid.borrow_mut().insert(token.to_owned());
        self.answer(Ok(TokenReply {
            code: Field::Number(0.0),
            token: Some(Secret::new(token)),
            expires_in: Field::Number(expires_in),
        }));
    }

    fn answer(&mut self, reply: Result<TokenReply, RefreshFailure>) {
        let sender = self.world.token_requests.borrow_mut().pop_front();
        sender
            .expect("a token request is open")
            .send(reply)
            .expect("the refresh task waits");
        self.run();
    }

    /// Makes sends wait until [`Harness::release`].
    fn hold(&self) {
        *self.world.held.borrow_mut() = Some(Vec::new());
    }

    /// Lets every held send answer, and sends from now on answer at once.
    fn release(&mut self) {
        let held = self.world.held.borrow_mut().take().unwrap_or_default();
        for gate in held {
            let _ = gate.send(());
        }
        self.run();
    }

    /// Whether every send so far carried `token`.
    fn all_sent_with(&self, token: &str) -> bool {
        self.world
            .sends
            .borrow()
            .iter()
            .all(|(_, sent)| sent == token)
    }

    fn log_in(&mut self) {
        let first = self.start(0, 1, true);
        self.run();
        self.grant("t1", 3600.0);
        assert_eq!(first.borrow().len(), 1);
        self.world.sends.borrow_mut().clear();
    }
}

type Outcome = Result<Response, Error>;

fn statuses(results: &RefCell<Vec<Outcome>>) -> Vec<u16> {
    results
        .borrow()
        .iter()
        .map(|r| r.as_ref().map_or(0, |r| r.status))
        .collect()
}

#[test]
fn ten_concurrent_calls_without_a_token_make_one_token_call() {
    let mut h = Harness::new();
    let results = h.start(1, 10, true);
    h.run();
    assert_eq!(h.world.token_calls.get(), 1);
    assert!(
        h.world.sends.borrow().is_empty(),
        "no call goes out before the token arrives"
    );

    h.grant("t1", 3600.0);
    assert_eq!(statuses(&results), vec![200; 10]);
    assert!(h.all_sent_with("t1"));
    assert_eq!(h.world.refreshed.get(), 1);
    let stored = h.world.storage.borrow().clone().expect("stored");
    assert_eq!(
        stored,
        ("t1".to_owned(), (1_000_000u64 + 3_600_000).to_string())
    );
}

#[test]
fn a_token_inside_the_leeway_is_refreshed_before_the_send() {
    let mut h = Harness::new();
    h.log_in();
    h.world.now.set(1_000_000 + 3_600_000 - LEEWAY_MS);
    let results = h.start(1, 3, true);
    h.run();
    assert_eq!(h.world.token_calls.get(), 2);
    assert!(
        h.world.sends.borrow().is_empty(),
        "none goes out with the token that is due"
    );
    h.grant("t2", 3600.0);
    assert_eq!(statuses(&results), vec![200; 3]);
    assert!(h.all_sent_with("t2"));
}

#[test]
fn a_rejected_token_is_refreshed_once_and_the_call_replayed() {
    let mut h = Harness::new();
    h.log_in();
    h.world.valid.borrow_mut().clear(); // the server revokes t1
    let results = h.start(1, 1, true);
    h.run();
    assert_eq!(h.world.token_calls.get(), 2);
    let later = h.start(2, 1, true);
    h.run();
    assert_eq!(
        h.world.sends.borrow().len(),
        1,
        "a call started meanwhile waits"
    );

    h.grant("t2", 3600.0);
    assert_eq!(statuses(&results), vec![200]);
    assert_eq!(statuses(&later), vec![200]);
    let sends = h.world.sends.borrow().clone();
    assert_eq!(
        sends,
        vec![(1, "t1".into()), (1, "t2".into()), (2, "t2".into())]
    );
}

#[test]
fn a_replay_rejected_again_settles_with_that_response() {
    let mut h = Harness::new();
    h.log_in();
    h.world.valid.borrow_mut().clear();
    let results = h.start(1, 1, true);
    h.run();
    h.answer(Ok(TokenReply {
        code: Field::Number(0.0),
        token: Some(Secret::new("t2-also-rejected")),
        expires_in: Field::Number(3600.0),
    }));
    assert_eq!(statuses(&results), vec![401]);
    assert_eq!(h.world.token_calls.get(), 2, "no second refresh");
    assert_eq!(h.world.sends.borrow().len(), 2, "one replay");
}

#[test]
fn calls_rejected_during_a_refresh_share_it_and_replay_once_each() {
    let mut h = Harness::new();
    h.log_in();
    h.world.valid.borrow_mut().clear();
    h.hold();
    let results = h.start(1, 3, true);
    h.run();
    h.release();
    assert_eq!(h.world.token_calls.get(), 2, "three 401s, one refresh");
    h.grant("t2", 3600.0);
    assert_eq!(statuses(&results), vec![200; 3]);
    let replays = h
        .world
        .sends
        .borrow()
        .iter()
        .filter(|(_, t)| t == "t2")
        .count();
    assert_eq!(replays, 3);
}

#[test]
fn a_call_sent_with_an_old_token_replays_with_the_current_one_without_refreshing() {
    let mut h = Harness::new();
    h.log_in();
    // The server stops accepting t1 while a call made with it is on the wire.
    h.world.valid.borrow_mut().clear();
    h.hold();
    let first = h.start(1, 1, true);
    h.run();
    assert_eq!(h.world.sends.borrow().clone(), vec![(1, "t1".to_owned())]);

    // Before its 401 comes back, another client on the page (another tab's code, say) stores
    // a newer token, t2, which the server accepts.
    h.world.valid.borrow_mut().insert("t2".into());
    *h.world.storage.borrow_mut() = Some(("t2".into(), "9999999999999".into()));
    h.release();

    assert_eq!(statuses(&first), vec![200]);
    let sends = h.world.sends.borrow().clone();
    assert_eq!(sends, vec![(1, "t1".into()), (1, "t2".into())]);
    assert_eq!(
        h.world.token_calls.get(),
        1,
        "no refresh: the newer token was used"
    );
    let stored = h.world.storage.borrow().clone().map(|(token, _)| token);
    assert_eq!(
        stored.as_deref(),
        Some("t2"),
        "the newer token was not wiped"
    );
}

#[test]
fn a_failed_refresh_rejects_every_waiting_call_and_loses_the_session_once() {
    let mut h = Harness::new();
    let results = h.start(1, 5, true);
    h.run();
    h.answer(Err(RefreshFailure::Status(500)));

    let errors: Vec<_> = results
        .borrow()
        .iter()
        .map(|r| r.clone().expect_err("rejects"))
        .collect();
    assert_eq!(errors.len(), 5);
    for error in &errors {
        assert_eq!(
            error.kind(),
            &ErrorKind::Refresh(RefreshFailure::Status(500))
        );
        assert_eq!(error.name(), "TokenRefreshError");
    }
    assert_eq!(
        h.world.lost.borrow().clone(),
        vec![RefreshFailure::Status(500)]
    );
    assert_eq!(*h.world.storage.borrow(), None);
    assert!(h.world.sends.borrow().is_empty());

    let again = h.start(10, 1, true);
    h.run();
    assert_eq!(h.world.token_calls.get(), 2, "the client stays usable");
    h.grant("t2", 3600.0);
    assert_eq!(statuses(&again), vec![200]);
}

#[test]
fn calls_rejected_before_a_failed_refresh_give_up_without_another_refresh() {
    let mut h = Harness::new();
    h.log_in();
    h.world.valid.borrow_mut().clear();
    h.hold();
    let results = h.start(1, 3, true);
    h.run();
    assert_eq!(h.world.sends.borrow().len(), 3, "three in flight with t1");
    h.release();
    assert_eq!(h.world.token_calls.get(), 2, "three 401s, one refresh");
    h.answer(Ok(TokenReply {
        code: Field::Number(-1.0),
        token: None,
        expires_in: Field::Number(3600.0),
    }));
    assert_eq!(results.borrow().len(), 3);
    for result in results.borrow().iter() {
        let error = result.clone().expect_err("rejects");
        assert_eq!(
            error.refresh_failure(),
            Some(&RefreshFailure::Code(Field::Number(-1.0)))
        );
    }
    assert_eq!(h.world.token_calls.get(), 2);
    assert_eq!(h.world.lost.borrow().len(), 1);
    assert_eq!(h.world.sends.borrow().len(), 3, "none replayed");
}

#[test]
fn a_body_that_cannot_be_kept_fails_clearly_when_a_replay_is_needed() {
    let mut h = Harness::new();
    h.log_in();
    h.world.valid.borrow_mut().clear();
    let results = h.start(1, 1, false);
    h.run();
    let error = results.borrow()[0].clone().expect_err("not replayable");
    assert_eq!(error.kind(), &ErrorKind::BodyNotReplayable);
    assert_eq!(
        h.world.sends.borrow().len(),
        1,
        "no empty body is sent in its place"
    );
}

#[test]
fn broken_storage_warns_once_and_the_token_lives_in_memory() {
    let mut h = Harness::new();
    h.world.storage_broken.set(true);
    let results = h.start(1, 2, true);
    h.run();
    h.grant("t1", 3600.0);
    let more = h.start(3, 2, true);
    h.run();
    assert_eq!(statuses(&results), vec![200; 2]);
    assert_eq!(statuses(&more), vec![200; 2]);
    assert_eq!(h.world.token_calls.get(), 1);
    assert_eq!(h.world.storage_warnings.get(), 1);
}

#[test]
fn a_waiting_call_that_is_dropped_leaves_the_others_unharmed() {
    let mut h = Harness::new();
    let client = h.client.clone();
    let (abandoned, handle) = futures_util::future::abortable(async move {
        let _ = client
            .send(Request {
                id: 99,
                replayable: true,
            })
            .await;
    });
    h.pool
        .spawner()
        .spawn_local(async move {
            let _ = abandoned.await;
        })
        .expect("pool alive");
    let kept = h.start(1, 1, true);
    h.run();
    handle.abort(); // the caller gave up while waiting
    h.run();
    h.grant("t1", 3600.0);
    assert_eq!(statuses(&kept), vec![200]);
    assert_eq!(h.world.sends.borrow().clone(), vec![(1, "t1".to_owned())]);
}

#[test]
fn logout_forgets_the_token_and_the_next_call_asks_again() {
    let mut h = Harness::new();
    h.log_in();
    h.client.clear();
    assert_eq!(*h.world.storage.borrow(), None);
    let results = h.start(1, 1, true);
    h.run();
    assert_eq!(h.world.token_calls.get(), 2);
    h.grant("t2", 3600.0);
    assert_eq!(statuses(&results), vec![200]);
}

#[test]
fn garbage_in_storage_counts_as_expired() {
    for garbage in ["abc", "", "1e400", "Tue Dec 01 2026", "-5", "100"] {
        let mut h = Harness::new();
        h.world.valid.borrow_mut().insert("old".into());
        *h.world.storage.borrow_mut() = Some(("old".into(), garbage.into()));
        let results = h.start(1, 1, true);
        h.run();
        assert_eq!(h.world.token_calls.get(), 1, "{garbage:?}");
        h.grant("new", 3600.0);
        assert_eq!(
            h.world.sends.borrow().clone(),
            vec![(1, "new".to_owned())],
            "{garbage:?}"
        );
        assert_eq!(statuses(&results), vec![200]);
    }
}

#[test]
fn a_token_that_cannot_go_in_a_header_is_never_sent() {
    // Left in storage by other code: treated as no token, so the first send refreshes.
    for stored in ["two words", "line\nbreak", "токен"] {
        let mut h = Harness::new();
        *h.world.storage.borrow_mut() = Some((stored.into(), "9999999999999".into()));
        let results = h.start(1, 1, true);
        h.run();
        assert_eq!(h.world.token_calls.get(), 1, "{stored:?}");
        h.grant("new", 3600.0);
        assert_eq!(statuses(&results), vec![200], "{stored:?}");
        assert_eq!(h.world.sends.borrow().clone(), vec![(1, "new".to_owned())]);
    }

    // Issued by the token endpoint: the refresh fails, the waiting calls reject with it.
    let mut h = Harness::new();
    let results = h.start(1, 2, true);
    h.run();
    h.answer(Ok(TokenReply {
        code: Field::Number(0.0),
        token: Some(Secret::new("Bearer abc")),
        expires_in: Field::Number(3600.0),
    }));
    for result in results.borrow().iter() {
        let error = result.clone().expect_err("no usable token");
        assert_eq!(error.refresh_failure(), Some(&RefreshFailure::MissingToken));
    }
    assert!(h.world.sends.borrow().is_empty());
    assert_eq!(*h.world.storage.borrow(), None);
    assert_eq!(
        h.world.lost.borrow().clone(),
        vec![RefreshFailure::MissingToken]
    );
}
