use std::time::Duration;

use axum::http::Method;
use cutover_memory::Trigger;

/// Settings of a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Lifetime of issued tokens. `None` uses each client's
    /// `accessTokenValiditySeconds`, or 24 hours when it has none.
    /// `Some(Duration::ZERO)` issues tokens that are expired at once.
    pub token_lifetime: Option<Duration>,
    /// Requests allowed per token and window; `None` allows any number.
    pub rate_limit: Option<RateLimit>,
    /// Faults to inject, checked in order.
    pub faults: Vec<SimFault>,
    /// Whether changes are written back to the org file, when the org came
    /// from one.
    pub write_back: bool,
}

impl Default for SimConfig {
    /// Returns settings with a free port, client token lifetimes, no rate
    /// limit, no faults, and write-back on.
    fn default() -> Self {
        Self {
            port: 0,
            token_lifetime: None,
            rate_limit: None,
            faults: Vec::new(),
            write_back: true,
        }
    }
}

/// A fixed-window rate limit per access token, like the API's
/// `client.credentials.token.rate.per.minute`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Length of a window, counted from the token's first request in it.
    pub window: Duration,
}

/// A fault on the requests whose path starts with `path_prefix` (and whose
/// method is `method`, when set).
///
/// Each fault counts its own matching requests from the moment it is added,
/// and `trigger` picks which of them it hits.
#[derive(Clone, Debug)]
pub struct SimFault {
    /// The method; `None` matches every method.
    pub method: Option<Method>,
    /// The start of the request path, such as `/api/v2/identityproviders`.
    pub path_prefix: String,
    /// The matching requests that are hit.
    pub trigger: Trigger,
    /// The action on those requests.
    pub action: SimFaultAction,
}

impl SimFault {
    /// Builds a fault for every method.
    pub fn new(path_prefix: impl Into<String>, trigger: Trigger, action: SimFaultAction) -> Self {
        Self { method: None, path_prefix: path_prefix.into(), trigger, action }
    }

    /// Restricts the fault to one method.
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    pub(crate) fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|wanted| wanted == method)
            && path.starts_with(&self.path_prefix)
    }
}

/// The action of a fault on a request it hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimFaultAction {
    /// Respond with this status and the API's error body for it, without
    /// handling the request.
    Status(u16),
    /// Close the connection without sending a response.
    DropConnection,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Respond with 429 `too.many.requests` with `Retry-After` and the
    /// `inin-ratelimit-*` headers, without handling the request.
    RateLimitStorm {
        /// The `Retry-After` wait, in whole seconds.
        retry_after: Duration,
    },
}
