//! The inventory worker: `collect_state` through `HttpApi` against a
//! simulator, run in its own process so its peak memory is the client's
//! alone.

use std::time::Instant;

use anyhow::{Context, Result};
use cutover_api::{CollectOptions, collect_state};
use cutover_auth::{ClientCredentials, ClientSecret};
use cutover_http::{HttpApi, HttpConfig};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::machine;

/// The environment variable that carries the client secret to the worker, so
/// that it never appears in a process listing.
pub const SECRET_VARIABLE: &str = "CUTOVER_BENCH_CLIENT_SECRET";

/// The counts the inventory worker read, and its measurements.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CollectReport {
    /// Wall time from opening the API to the end of `collect_state`, the
    /// token request included, in ms.
    pub wall_ms: f64,
    /// Users read.
    pub users: usize,
    /// OAuth clients read.
    pub clients: usize,
    /// Roles read.
    pub roles: usize,
    /// Divisions read.
    pub divisions: usize,
    /// Role grants read (members of identity-provider admin roles).
    pub grants: usize,
    /// Configured identity providers read.
    pub providers: usize,
    /// Peak resident memory of the worker process, in KiB.
    pub peak_rss_kib: Option<u64>,
}

/// Reads the whole org at `base` as `client_id`, with the default HTTP
/// settings the CLI uses.
pub async fn run(base: Url, client_id: String, secret: ClientSecret) -> Result<CollectReport> {
    let start = Instant::now();
    let api = HttpApi::new(ClientCredentials { client_id, secret }, HttpConfig::for_base(base))?;
    let options =
        CollectOptions { page_concurrency: api.page_concurrency(), ..CollectOptions::default() };
    let state = collect_state(&api, options).await.context("collect_state failed")?;
    let wall_ms = start.elapsed().as_secs_f64() * 1000.0;

    Ok(CollectReport {
        wall_ms,
        users: state.users.len(),
        clients: state.oauth_clients.len(),
        roles: state.roles.len(),
        divisions: state.divisions.len(),
        grants: state.grants.len(),
        providers: state.identity_providers.len(),
        peak_rss_kib: machine::peak_rss_kib(),
    })
}
