//! The listening loop: one hyper connection per client, each request counted
//! and run through the fault rules before the router handles it.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use cutover_memory::{MemoryOrg, SnapshotError};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use url::Url;

use crate::config::{SimConfig, SimFault, SimFaultAction};
use crate::error::SimError;
use crate::routes::router;
use crate::state::Shared;
use crate::wire::{RateHeaders, fault_response};

/// How long [`SimHandle::shutdown`] waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The org a simulator serves.
#[derive(Clone, Debug)]
pub struct SimOrg(MemoryOrg);

impl SimOrg {
    /// Loads the snapshot at `path`; changes are written back to it when
    /// [`SimConfig::write_back`] is on.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SnapshotError> {
        MemoryOrg::load(path).map(Self)
    }

    /// Loads a snapshot from its JSON text; changes stay in memory.
    pub fn from_json(text: &str) -> Result<Self, SnapshotError> {
        MemoryOrg::from_json(text).map(Self)
    }
}

impl From<MemoryOrg> for SimOrg {
    fn from(org: MemoryOrg) -> Self {
        Self(org)
    }
}

/// A running simulator. Dropping it stops the server too, without waiting.
pub struct SimHandle {
    base_url: Url,
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// The service error that drops a connection for a fault, because hyper closes
/// a connection without a response when the service fails.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct DroppedConnection;

/// Starts a simulator for `org` on 127.0.0.1, serving `/oauth/token` and
/// `/api/v2/...` on one base URL.
pub async fn start(org: SimOrg, config: SimConfig) -> Result<SimHandle, SimError> {
    let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
    let listener = TcpListener::bind(requested)
        .await
        .map_err(|source| SimError::Bind { addr: requested, source })?;
    let address =
        listener.local_addr().map_err(|source| SimError::Bind { addr: requested, source })?;
    let shared = Arc::new(Shared::new(org.0, config));
    let routes = router(shared.clone());
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(serve(listener, shared.clone(), routes, stopped));
    let base_url =
        Url::parse(&format!("http://{address}/")).expect("a socket address is a URL host");
    tracing::info!(%base_url, "simulator started");
    Ok(SimHandle { base_url, address, shared, stop: Some(stop), task: Some(task) })
}

async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    routes: Router,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let shared = shared.clone();
        let routes = routes.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            handle(shared.clone(), routes.clone(), request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests were still running when the simulator stopped");
    }
    tracing::info!("simulator stopped");
}

/// Counts the request, applies the fault rules, and routes it.
async fn handle(
    shared: Arc<Shared>,
    routes: Router,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    shared.count_request(&method, &path);
    let decided = shared.decide_faults(&method, &path);
    if !decided.delay.is_zero() {
        tokio::time::sleep(decided.delay).await;
    }
    match decided.action {
        Some(SimFaultAction::DropConnection) => return Err(DroppedConnection),
        Some(SimFaultAction::Status(status)) => return Ok(fault_response(status)),
        Some(SimFaultAction::RateLimitStorm { retry_after }) => {
            let seconds = retry_after.as_secs().max(1);
            let allowed = shared.rate_limit.map_or(0, |limit| limit.requests);
            let headers = RateHeaders { count: allowed + 1, allowed, reset_seconds: seconds };
            return Ok(headers.too_many_requests(seconds));
        }
        Some(SimFaultAction::Delay(_)) | None => {}
    }
    let response: Result<Response<Body>, Infallible> = routes.oneshot(request).await;
    Ok(response.unwrap_or_else(|never| match never {}))
}

impl SimHandle {
    /// Returns `http://127.0.0.1:<port>/`, the base of both `/oauth/token`
    /// and `/api/v2/...`.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// Returns the listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Returns the org the simulator serves, to inspect or change it.
    pub fn org(&self) -> &MemoryOrg {
        &self.shared.org
    }

    /// Returns how many requests reached `path` (without the query), for
    /// every method, faulted ones included.
    pub fn request_count(&self, path: &str) -> u64 {
        self.shared
            .request_counts()
            .iter()
            .filter(|((_, counted), _)| counted == path)
            .map(|(_, count)| count)
            .sum()
    }

    /// Returns how many `method` requests reached `path`.
    pub fn request_count_for(&self, method: &str, path: &str) -> u64 {
        self.shared
            .request_counts()
            .get(&(method.to_owned(), path.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Returns the request counts keyed by `METHOD /path`.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared
            .request_counts()
            .into_iter()
            .map(|((method, path), count)| (format!("{method} {path}"), count))
            .collect()
    }

    /// Returns how many requests arrived in all.
    pub fn total_requests(&self) -> u64 {
        self.shared.request_counts().values().sum()
    }

    /// Sets every request count back to zero.
    pub fn reset_request_counts(&self) {
        self.shared.reset_request_counts();
    }

    /// Returns the access tokens issued so far that have not expired or been
    /// revoked, so that a test can check that no output contains one.
    pub fn live_tokens(&self) -> Vec<String> {
        self.shared.live_tokens()
    }

    /// Adds a fault after the configured ones.
    pub fn add_fault(&self, fault: SimFault) {
        self.shared.add_fault(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Stops accepting connections, lets requests in flight finish (up to 5
    /// seconds), and waits for the server to stop.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            tracing::warn!(%error, "the simulator task failed");
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
