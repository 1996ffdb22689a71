//! The request flow shared by every edge: get a token, send, judge, refresh once, replay once.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures_channel::oneshot;

use crate::error::{Error, ErrorKind, RefreshFailure};
use crate::grant::Grant;
use crate::reply::TokenReply;
use crate::secret::Secret;
use crate::session::{AfterRejection, Finished, Next, RefreshId, Session, Stored, Ticket};

/// Storage could not be read or written (missing, blocked, or full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageUnavailable;

/// What a platform provides to the client: a clock, storage, a way to send, to ask for a
/// token, to run a task, and to tell the application what happened.
///
/// The browser edge implements it over `fetch` and `sessionStorage`, the mini-program edge
/// over `wx.request` and wx storage, and the tests over scripted fakes.
pub trait Edge {
    /// A request kept so that it can be sent, and sent again.
    type Request;
    /// What a send resolves with.
    type Response;
    /// The edge's error, which every core error converts into.
    type Error: From<Error>;

    /// The time now, in epoch milliseconds.
    fn now_ms(&self) -> u64;

    /// Reads the stored token and expiry.
    fn read_storage(&self) -> Result<Stored, StorageUnavailable>;

    /// Stores a grant, token and expiry.
    fn write_storage(&self, grant: &Grant) -> Result<(), StorageUnavailable>;

    /// Removes the stored token and expiry.
    fn clear_storage(&self) -> Result<(), StorageUnavailable>;

    /// Sends `request` with `token` as its bearer token.
    fn send(
        &self,
        request: &Self::Request,
        token: &Secret,
    ) -> impl Future<Output = Result<Self::Response, Self::Error>>;

    /// Whether `response` says the token was rejected (a `refreshOn` status, or a business
    /// code in the body).
    fn is_rejection(&self, response: &Self::Response) -> impl Future<Output = bool>;

    /// Whether `request` can be sent a second time with its body intact.
    fn can_replay(&self, request: &Self::Request) -> bool;

    /// Asks the token endpoint for a token, with the credential and the refresh timeout.
    fn request_token(&self) -> impl Future<Output = Result<TokenReply, RefreshFailure>>;

    /// Runs `task` to completion in the background.
    fn spawn(&self, task: impl Future<Output = ()> + 'static);

    /// Tells the application a new token was obtained.
    fn token_refreshed(&self, grant: &Grant);

    /// Tells the application a refresh failed and the token is gone.
    fn session_lost(&self, failure: &RefreshFailure);

    /// Tells the application, once per client, that storage failed and memory is used.
    fn storage_lost(&self);
}

/// A token client over an edge: single-flight refresh, replay on rejection.
///
/// Cloning gives another handle to the same client.
#[derive(Debug)]
pub struct Client<E> {
    shared: Rc<Shared<E>>,
}

impl<E> Clone for Client<E> {
    fn clone(&self) -> Self {
        Self {
            shared: Rc::clone(&self.shared),
        }
    }
}

/// A call waiting for the refresh it names.
type Waiter = (RefreshId, oneshot::Sender<Result<Ticket, RefreshFailure>>);

#[derive(Debug)]
struct Shared<E> {
    edge: E,
    session: RefCell<Session>,
    waiters: RefCell<Vec<Waiter>>,
}

impl<E: Edge + 'static> Client<E> {
    /// A client that refreshes tokens `leeway_ms` before expiry.
    pub fn new(edge: E, leeway_ms: u64) -> Self {
        let shared = Shared {
            edge,
            session: RefCell::new(Session::new(leeway_ms)),
            waiters: RefCell::new(Vec::new()),
        };
        Self {
            shared: Rc::new(shared),
        }
    }

    /// The edge this client drives.
    pub fn edge(&self) -> &E {
        &self.shared.edge
    }

    /// The current grant after reading storage, without refreshing.
    pub fn grant(&self) -> Option<Grant> {
        self.shared.sync();
        self.shared.session.borrow().grant().cloned()
    }

    /// A token to send now: the current one, or, if it is missing or due, a refreshed one.
    ///
    /// # Errors
    /// The refresh failure, when a refresh was needed and failed.
    pub async fn ticket(&self) -> Result<Ticket, E::Error> {
        self.shared.sync();
        let next = self.shared.session.borrow().next(self.shared.edge.now_ms());
        let waiting = match next {
            Next::Send(ticket) => return Ok(ticket),
            Next::Wait(id) => self.shared.subscribe(id),
            Next::Refresh => {
                let id = self.start_refresh();
                self.shared.subscribe(id)
            }
        };
        // The refresh task always answers every waiter before it ends; a cancelled channel
        // could only mean the task was dropped unfinished, which is reported as a network
        // failure rather than left hanging.
        let outcome = waiting.await.unwrap_or(Err(RefreshFailure::Network));
        Ok(outcome.map_err(Error::from)?)
    }

    /// Sends `request` with a fresh token; if the token is rejected, replays it once.
    ///
    /// # Errors
    /// The edge's send error, a refresh failure, or [`ErrorKind::BodyNotReplayable`] when a
    /// replay was needed and the body could not be kept.
    pub async fn send(&self, request: E::Request) -> Result<E::Response, E::Error> {
        let sent = self.ticket().await?;
        let response = self.shared.edge.send(&request, sent.token()).await?;
        if !self.shared.edge.is_rejection(&response).await {
            return Ok(response);
        }

        // Storage may hold a newer token than the one sent (another client on the page put it
        // there meanwhile): read it first, so the rejection is judged against it and it is
        // neither wiped nor refreshed away.
        self.shared.sync();
        let (after, remove_stored) = self.shared.session.borrow_mut().rejected(&sent);
        if remove_stored {
            self.shared.clear_storage();
        }
        if let AfterRejection::GiveUp(failure) = after {
            return Err(Error::from(failure).into());
        }
        if !self.shared.edge.can_replay(&request) {
            return Err(Error::new(ErrorKind::BodyNotReplayable).into());
        }

        // One replay at most: whatever answers it is the caller's answer.
        let fresh = self.ticket().await?;
        self.shared.edge.send(&request, fresh.token()).await
    }

    /// Forgets the token, in memory and in storage (logout).
    pub fn clear(&self) {
        self.shared.session.borrow_mut().clear();
        self.shared.clear_storage();
    }

    /// Starts a refresh in the background; the task only runs once the caller yields, so the
    /// caller subscribes in time.
    fn start_refresh(&self) -> RefreshId {
        let id = self.shared.session.borrow_mut().begin_refresh();
        let shared = Rc::clone(&self.shared);
        self.shared.edge.spawn(async move {
            let reply = shared.edge.request_token().await;
            let leeway_ms = shared.session.borrow().leeway_ms();
            let outcome = reply.and_then(|reply| reply.into_grant(shared.edge.now_ms(), leeway_ms));
            shared.finish_refresh(id, outcome);
        });
        id
    }
}

impl<E: Edge> Shared<E> {
    fn subscribe(&self, id: RefreshId) -> oneshot::Receiver<Result<Ticket, RefreshFailure>> {
        let (sender, receiver) = oneshot::channel();
        self.waiters.borrow_mut().push((id, sender));
        receiver
    }

    /// Reads storage into the session, unless storage has already failed.
    fn sync(&self) {
        if !self.session.borrow().storage_usable() {
            return;
        }
        match self.edge.read_storage() {
            Ok(stored) => self.session.borrow_mut().adopt_stored(stored),
            Err(StorageUnavailable) => self.lose_storage(),
        }
    }

    fn lose_storage(&self) {
        if self.session.borrow_mut().lose_storage() {
            self.edge.storage_lost();
        }
    }

    fn clear_storage(&self) {
        if self.session.borrow().storage_usable() && self.edge.clear_storage().is_err() {
            self.lose_storage();
        }
    }

    fn finish_refresh(&self, id: RefreshId, outcome: Result<Grant, RefreshFailure>) {
        let stored = outcome.as_ref().ok().cloned();
        let Finished { result, adopted } = self.session.borrow_mut().finish_refresh(id, outcome);

        // Storage and events first, so that the application has heard of a lost session
        // before the calls that waited reject.
        if adopted {
            match (&stored, &result) {
                (Some(grant), Ok(_)) => {
                    let writable = self.session.borrow().storage_usable();
                    if writable && self.edge.write_storage(grant).is_err() {
                        // A half-written pair must not outlive the failure.
                        let _ = self.edge.clear_storage();
                        self.lose_storage();
                    }
                    self.edge.token_refreshed(grant);
                }
                (_, Err(failure)) => {
                    self.clear_storage();
                    self.edge.session_lost(failure);
                }
                (None, Ok(_)) => {}
            }
        }

        let waiters: Vec<Waiter> = {
            let mut all = self.waiters.borrow_mut();
            let (mine, others) = std::mem::take(&mut *all)
                .into_iter()
                .partition(|(w, _)| *w == id);
            *all = others;
            mine
        };
        for (_, waiter) in waiters {
            // A waiter whose call was aborted or timed out has dropped its receiver.
            let _ = waiter.send(result.clone());
        }
    }
}
