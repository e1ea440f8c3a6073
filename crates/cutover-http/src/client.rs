use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use cutover_api::{ApiError, ErrorBody};
use cutover_auth::{
    AccessToken, TokenProvider, describe_error, join_path, parse_retry_after, parse_seconds,
};
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::retry::RetryPolicy;

/// Maximum length of a non-JSON error body quoted in an error message.
const MAX_QUOTED_BODY: usize = 200;

/// Sends API requests with a bearer token and applies the [`RetryPolicy`].
pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) api_base: Url,
    pub(crate) tokens: TokenProvider,
    pub(crate) retry: RetryPolicy,
}

/// One API request: method, path, query and JSON body.
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<serde_json::Value>,
    page: Option<u32>,
}

impl Call {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Self { method, path: path.into(), query: Vec::new(), body: None, page: None }
    }

    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Adds `pageSize` and `pageNumber` and records the page for tracing.
    pub(crate) fn page(mut self, page: cutover_api::PageRequest) -> Self {
        self.page = Some(page.page_number);
        self.query("pageSize", page.page_size.to_string())
            .query("pageNumber", page.page_number.to_string())
    }

    pub(crate) fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Returns `METHOD /path?query`, the resource named in errors.
    fn resource(&self) -> String {
        let mut text = format!("{} {}", self.method, self.path);
        for (index, (name, value)) in self.query.iter().enumerate() {
            let separator = if index == 0 { '?' } else { '&' };
            let _ = write!(text, "{separator}{name}={value}");
        }
        text
    }
}

/// A failed attempt that the policy may repeat.
struct Failure {
    error: ApiError,
    /// The wait the server requested, for a 429.
    server_wait: Option<Duration>,
    /// Whether repeating the request is allowed at all.
    retryable: bool,
}

impl Client {
    /// Sends `call` until it succeeds, fails for good, or the retry budget is
    /// spent.
    pub(crate) async fn send(&self, call: &Call) -> Result<Vec<u8>, ApiError> {
        let span = tracing::debug_span!(
            "api_request",
            method = %call.method,
            path = %call.path,
            page = tracing::field::Empty,
        );
        if let Some(page) = call.page {
            span.record("page", page);
        }
        self.send_with_retries(call).instrument(span).await
    }

    async fn send_with_retries(&self, call: &Call) -> Result<Vec<u8>, ApiError> {
        let resource = call.resource();
        let idempotent = RetryPolicy::is_idempotent(&call.method);
        let mut token = self.tokens.token().await?;
        let mut token_replaced = false;
        let mut backoff = self.retry.backoff();
        let mut retries = 0;
        let mut failure_retries = 0;
        let mut waited = Duration::ZERO;

        loop {
            let failure = match self.attempt(call, &resource, &token, idempotent).await {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };

            if matches!(failure.error, ApiError::Unauthorized { .. }) && !token_replaced {
                tracing::info!(%resource, "the API rejected the token; requesting a new one");
                token = self.tokens.refresh_rejected(&token).await?;
                token_replaced = true;
                continue;
            }
            if !failure.retryable {
                return Err(failure.error);
            }
            if let Some(asked) = failure.server_wait
                && asked > self.retry.max_rate_limit_wait
            {
                return Err(rate_limited(
                    failure.error,
                    Some(asked),
                    &format!(
                        "the API requested a wait of {} s, longer than the {} s this tool waits",
                        asked.as_secs(),
                        self.retry.max_rate_limit_wait.as_secs()
                    ),
                ));
            }

            let wait = failure.server_wait.or_else(|| backoff.next()).unwrap_or_default();
            let rate_limited_now = matches!(failure.error, ApiError::RateLimited { .. });
            let failures_spent =
                !rate_limited_now && failure_retries >= self.retry.max_failure_retries;
            if retries >= self.retry.max_retries
                || failures_spent
                || waited + wait > self.retry.max_total_wait
            {
                tracing::warn!(%resource, retries, error = %failure.error, "giving up");
                let summary = format!(
                    "gave up after {} attempts and {} s of waiting",
                    retries + 1,
                    waited.as_secs()
                );
                return Err(match failure.error {
                    ApiError::RateLimited { .. } => {
                        rate_limited(failure.error, failure.server_wait, &summary)
                    }
                    other => other,
                });
            }

            tracing::warn!(
                %resource,
                retry = retries + 1,
                wait_ms = wait.as_millis() as u64,
                error = %failure.error,
                "repeating the request"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
            retries += 1;
            if !rate_limited_now {
                failure_retries += 1;
            }
            // A long wait may cross the token's renewal time, so the cache
            // decides again which token the next attempt carries.
            token = self.tokens.token().await?;
        }
    }

    /// Sends one attempt and sorts the outcome.
    async fn attempt(
        &self,
        call: &Call,
        resource: &str,
        token: &AccessToken,
        idempotent: bool,
    ) -> Result<Vec<u8>, Failure> {
        let url = join_path(&self.api_base, &call.path);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token.expose())
            .header(ACCEPT, "application/json");
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        tracing::trace!(query = ?call.query, has_body = call.body.is_some(), "sending request");

        let response = request.send().await.map_err(|error| Failure {
            // A connection that never opened carried no request, so even a
            // POST may be repeated.
            retryable: idempotent || error.is_connect(),
            error: transport(resource, &error),
            server_wait: None,
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|error| Failure {
            retryable: idempotent,
            error: transport(resource, &error),
            server_wait: None,
        })?;
        let body = body.to_vec();
        tracing::debug!(status = status.as_u16(), bytes = body.len(), "response");
        // Bodies are never logged, because the response to a created OAuth
        // client contains its secret. The rate-limit and correlation headers are safe and help
        // when a support case needs the request.
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        tracing::trace!(
            correlation_id = header("inin-correlation-id"),
            ratelimit_count = header("inin-ratelimit-count"),
            ratelimit_allowed = header("inin-ratelimit-allowed"),
            ratelimit_reset = header("inin-ratelimit-reset"),
            "response headers"
        );

        if status.is_success() {
            return Ok(body);
        }
        let error = ApiError::from_status(resource, status.as_u16(), &error_body(&body));
        if status == StatusCode::TOO_MANY_REQUESTS {
            let server_wait = server_wait(&headers);
            let error = match error {
                ApiError::RateLimited { resource, message, context_id, .. } => {
                    ApiError::RateLimited {
                        resource,
                        retry_after: server_wait,
                        message,
                        context_id,
                    }
                }
                other => other,
            };
            return Err(Failure { error, server_wait, retryable: true });
        }
        let retryable = idempotent && RetryPolicy::is_retryable_status(status);
        Err(Failure { error, server_wait: None, retryable })
    }

    /// Sends `call` and parses the JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, ApiError> {
        let body = self.send(call).await?;
        parse_json(&call.resource(), &body)
    }

    /// Sends `call` and returns `None` on 404.
    pub(crate) async fn json_or_none<T: DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<Option<T>, ApiError> {
        match self.json(call).await {
            Ok(value) => Ok(Some(value)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Parses a JSON body, naming the resource and the position of a syntax
/// error.
pub(crate) fn parse_json<T: DeserializeOwned>(resource: &str, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| ApiError::InvalidResponse {
        resource: resource.to_owned(),
        message: format!("the body is not the expected JSON: {error}"),
    })
}

/// Reads the API's error body; a body that is not JSON becomes the message.
fn error_body(body: &[u8]) -> ErrorBody {
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        return parsed;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return ErrorBody::default();
    }
    let quoted: String = text.chars().take(MAX_QUOTED_BODY).collect();
    ErrorBody { message: Some(format!("non-JSON body: {quoted}")), ..ErrorBody::default() }
}

fn transport(resource: &str, error: &reqwest::Error) -> ApiError {
    ApiError::Transport {
        resource: resource.to_owned(),
        message: describe_error(error),
        timed_out: error.is_timeout(),
    }
}

/// Rebuilds a 429 error with the final wait and the reason for giving up.
fn rate_limited(error: ApiError, retry_after: Option<Duration>, reason: &str) -> ApiError {
    match error {
        ApiError::RateLimited { resource, message, context_id, .. } => ApiError::RateLimited {
            resource,
            retry_after,
            message: format!("{message}; {reason}"),
            context_id,
        },
        other => other,
    }
}

/// Reads the wait a 429 requests: `Retry-After` (seconds or an HTTP date),
/// else `inin-ratelimit-reset` (seconds).
fn server_wait(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    text(RETRY_AFTER.as_str())
        .and_then(|value| parse_retry_after(value, SystemTime::now()))
        .or_else(|| text("inin-ratelimit-reset").and_then(parse_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_lists_query() {
        let call = Call::get("/api/v2/users")
            .page(cutover_api::PageRequest::new(7, 500))
            .query("state", "any");
        assert_eq!(call.resource(), "GET /api/v2/users?pageSize=500&pageNumber=7&state=any");
    }

    #[test]
    fn non_json_error_body_is_quoted() {
        let body = error_body(b"<html>Bad Gateway</html>");
        assert_eq!(body.message.as_deref(), Some("non-JSON body: <html>Bad Gateway</html>"));
        let long = error_body("x".repeat(1000).as_bytes());
        assert_eq!(long.message.unwrap().len(), "non-JSON body: ".len() + MAX_QUOTED_BODY);
        assert_eq!(error_body(b"  "), ErrorBody::default());
    }

    #[test]
    fn server_wait_prefers_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("inin-ratelimit-reset", "40".parse().unwrap());
        assert_eq!(server_wait(&headers), Some(Duration::from_secs(40)));
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(server_wait(&headers), Some(Duration::from_secs(3)));
    }
}
