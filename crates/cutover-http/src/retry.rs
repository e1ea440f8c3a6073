use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::Method;
use reqwest::StatusCode;

/// When and how long the HTTP backend waits before repeating a request.
///
/// - **429 Too Many Requests**, for every method (the server did not act on
///   the request): waits for `Retry-After` (seconds or an HTTP date), else
///   `inin-ratelimit-reset` (seconds), else the backoff. A server wait longer
///   than `max_rate_limit_wait` ends in `ApiError::RateLimited` at once.
/// - **500, 502, 503, 504 and transport failures** (connection dropped, timed
///   out): repeated only for `GET`, `PUT` and `DELETE`, which are idempotent,
///   after the backoff. A `POST` is repeated only when the connection could
///   not be opened, because then the server never saw it.
/// - **401**: the token is replaced once and the request repeated at once;
///   this does not count against the budget.
///
/// The backoff starts at `min_backoff`, doubles up to `max_backoff`, and with
/// `jitter` adds a random part of up to the same length again. A request
/// gives up after `max_retries` repeats, after `max_failure_retries` repeats
/// caused by server or connection failures, or when the next wait would
/// bring the total waited beyond `max_total_wait`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Maximum repeats of one request, over all causes.
    pub max_retries: u32,
    /// Maximum repeats of one request after server errors (5xx) and
    /// connection failures, which count toward `max_retries` too. It is kept
    /// smaller than the rate-limit budget because an apply that meets a
    /// failing API should roll back in seconds, not after minutes of repeats.
    pub max_failure_retries: u32,
    /// Maximum total wait of one request, over all its repeats.
    pub max_total_wait: Duration,
    /// Maximum single wait a 429 may request.
    pub max_rate_limit_wait: Duration,
    /// First backoff delay.
    pub min_backoff: Duration,
    /// Maximum backoff delay.
    pub max_backoff: Duration,
    /// Whether backoff delays get a random part.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// Defaults modelled on the Go platform SDK (no wait over 180 s) and the
    /// Terraform provider (backoff from 1 s). Rate limits get 10 repeats and
    /// at most 10 minutes of waiting per request. Server or connection
    /// failures get only 4 repeats with at most 8 s of backoff each, about
    /// 15 s in all.
    fn default() -> Self {
        Self {
            max_retries: 10,
            max_failure_retries: 4,
            max_total_wait: Duration::from_secs(600),
            max_rate_limit_wait: Duration::from_secs(180),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Returns a policy with millisecond backoff and the default limits on
    /// server waits, for tests against local servers.
    pub fn fast() -> Self {
        Self {
            min_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
            ..Self::default()
        }
    }

    /// Returns a policy that never repeats a request.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// Builds the sequence of backoff delays for one request.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        let mut builder = ExponentialBuilder::default()
            .with_min_delay(self.min_backoff)
            .with_max_delay(self.max_backoff.max(self.min_backoff))
            .without_max_times();
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }

    /// Tells whether repeating `method` cannot change the result on the server.
    pub fn is_idempotent(method: &Method) -> bool {
        matches!(*method, Method::GET | Method::PUT | Method::DELETE | Method::HEAD)
    }

    /// Tells whether `status` is a server failure worth repeating. 501 Not
    /// Implemented is not, because it will not change.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 500 | 502 | 503 | 504)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_max() {
        let policy = RetryPolicy { jitter: false, ..RetryPolicy::default() };
        let delays: Vec<u64> = policy.backoff().take(7).map(|d| d.as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 8, 8, 8]);
    }

    #[test]
    fn jitter_stays_within_double() {
        let policy = RetryPolicy::default();
        for (index, delay) in policy.backoff().take(6).enumerate() {
            let base = Duration::from_secs(1 << index).min(Duration::from_secs(8));
            assert!(delay >= base, "delay {index} is {delay:?}");
            assert!(delay <= base * 2, "delay {index} is {delay:?}");
        }
    }

    #[test]
    fn only_idempotent_methods() {
        assert!(RetryPolicy::is_idempotent(&Method::GET));
        assert!(RetryPolicy::is_idempotent(&Method::PUT));
        assert!(RetryPolicy::is_idempotent(&Method::DELETE));
        assert!(!RetryPolicy::is_idempotent(&Method::POST));
        assert!(!RetryPolicy::is_idempotent(&Method::PATCH));
    }

    #[test]
    fn retryable_statuses() {
        for status in [500, 502, 503, 504] {
            assert!(RetryPolicy::is_retryable_status(StatusCode::from_u16(status).unwrap()));
        }
        for status in [400, 401, 403, 404, 429, 501] {
            assert!(!RetryPolicy::is_retryable_status(StatusCode::from_u16(status).unwrap()));
        }
    }
}
