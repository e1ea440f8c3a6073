//! The simulator's state beside the org: issued tokens, rate-limit windows,
//! fault rules and request counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::Method;
use cutover_memory::MemoryOrg;
use cutover_memory::ids::random_text;
use tokio::time::Instant;

use crate::config::{RateLimit, SimConfig, SimFault, SimFaultAction};
use crate::wire::RateHeaders;

/// Length of an issued access token.
const TOKEN_LENGTH: usize = 64;

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) org: MemoryOrg,
    pub(crate) token_lifetime: Option<Duration>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) write_back: bool,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    windows: Mutex<HashMap<String, Window>>,
    faults: Mutex<Vec<ActiveFault>>,
    counts: Mutex<BTreeMap<(String, String), u64>>,
}

struct IssuedToken {
    client_id: String,
    expires_at: Instant,
}

struct Window {
    started: Instant,
    count: u32,
}

struct ActiveFault {
    fault: SimFault,
    matched: u64,
}

/// The result of looking up a bearer token.
pub(crate) enum TokenCheck {
    /// A live token of this client.
    Valid(String),
    /// A token that was issued and has expired.
    Expired,
    /// A token this simulator never issued, or one that was revoked.
    Unknown,
}

/// The fault rules' decision for one request.
pub(crate) struct RequestFaults {
    /// Total delay before the request is handled.
    pub(crate) delay: Duration,
    /// The response that replaces handling the request, if any.
    pub(crate) action: Option<SimFaultAction>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(org: MemoryOrg, config: SimConfig) -> Self {
        Self {
            org,
            token_lifetime: config.token_lifetime,
            rate_limit: config.rate_limit,
            write_back: config.write_back,
            tokens: Mutex::new(HashMap::new()),
            windows: Mutex::new(HashMap::new()),
            faults: Mutex::new(
                config.faults.into_iter().map(|fault| ActiveFault { fault, matched: 0 }).collect(),
            ),
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    /// Issues a new token for `client_id` that lives for `lifetime`.
    pub(crate) fn issue_token(&self, client_id: &str, lifetime: Duration) -> String {
        let token = random_text(TOKEN_LENGTH);
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, issued| issued.expires_at > now);
        tokens.insert(
            token.clone(),
            IssuedToken { client_id: client_id.to_owned(), expires_at: now + lifetime },
        );
        token
    }

    pub(crate) fn check_token(&self, token: &str) -> TokenCheck {
        let tokens = lock(&self.tokens);
        match tokens.get(token) {
            Some(issued) if issued.expires_at > Instant::now() => {
                TokenCheck::Valid(issued.client_id.clone())
            }
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    /// Returns every issued token that has not expired or been revoked.
    pub(crate) fn live_tokens(&self) -> Vec<String> {
        let now = Instant::now();
        lock(&self.tokens)
            .iter()
            .filter(|(_, issued)| issued.expires_at > now)
            .map(|(token, _)| token.clone())
            .collect()
    }

    pub(crate) fn revoke_token(&self, token: &str) {
        lock(&self.tokens).remove(token);
    }

    /// Counts a request of `token` against the rate limit. `None` when there
    /// is no limit; `Err` when the request is over it.
    pub(crate) fn hit_rate_limit(&self, token: &str) -> Option<Result<RateHeaders, RateHeaders>> {
        let limit = self.rate_limit?;
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let window = windows.entry(token.to_owned()).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= limit.window {
            *window = Window { started: now, count: 0 };
        }
        window.count = window.count.saturating_add(1);
        let remaining = (window.started + limit.window).saturating_duration_since(now);
        let headers = RateHeaders {
            count: window.count,
            allowed: limit.requests,
            reset_seconds: remaining.as_secs_f64().ceil().max(1.0) as u64,
        };
        Some(if window.count > limit.requests { Err(headers) } else { Ok(headers) })
    }

    pub(crate) fn count_request(&self, method: &Method, path: &str) {
        *lock(&self.counts).entry((method.as_str().to_owned(), path.to_owned())).or_insert(0) += 1;
    }

    pub(crate) fn request_counts(&self) -> BTreeMap<(String, String), u64> {
        lock(&self.counts).clone()
    }

    pub(crate) fn reset_request_counts(&self) {
        lock(&self.counts).clear();
    }

    pub(crate) fn add_fault(&self, fault: SimFault) {
        lock(&self.faults).push(ActiveFault { fault, matched: 0 });
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Counts the request against each matching fault and decides what
    /// happens: delays add up, and the first other action that hits wins.
    pub(crate) fn decide_faults(&self, method: &Method, path: &str) -> RequestFaults {
        let mut decided = RequestFaults { delay: Duration::ZERO, action: None };
        for active in lock(&self.faults).iter_mut() {
            if !active.fault.matches(method, path) {
                continue;
            }
            active.matched += 1;
            if !active.fault.trigger.hits(active.matched) {
                continue;
            }
            tracing::info!(
                %method,
                path,
                action = ?active.fault.action,
                request = active.matched,
                "injected fault"
            );
            match active.fault.action {
                SimFaultAction::Delay(delay) => decided.delay += delay,
                action => {
                    decided.action.get_or_insert(action);
                }
            }
        }
        decided
    }
}
