use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::base_url::{join_path, normalize_base_url};
use crate::error::AuthError;
use crate::region::Region;
use crate::retry_after::{parse_retry_after, parse_seconds};
use crate::secret::{AccessToken, ClientCredentials};
use crate::transport::{DEFAULT_TIMEOUT, build_http_client, describe_error, host_of};

/// How long before expiry a cached token is replaced, as the platform SDKs do.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Lifetime assumed when the login host omits `expires_in`: the shortest
/// `accessTokenValiditySeconds` an OAuth client can have (5 minutes).
const ASSUMED_LIFETIME_SECS: u64 = 300;

/// A token issued by the login host.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The bearer token.
    pub access_token: AccessToken,
    /// `token_type`, normally `bearer`.
    pub token_type: String,
    /// Lifetime in seconds as the login host stated it, or 300 when it stated
    /// none.
    pub expires_in: u64,
}

/// Retry settings for the token endpoint.
///
/// A 429 waits for the time in `Retry-After` (or `inin-ratelimit-reset`), up
/// to `max_wait`. A longer requested wait ends in [`AuthError::RateLimited`]
/// at once.
/// A 429 without either header, a 500, 502, 503 or 504, a connection failure
/// and a timeout wait `first_backoff`, doubling each time. Getting a token
/// changes nothing on the server, so retrying the `POST` is safe.
#[derive(Clone, Debug)]
pub struct TokenRetry {
    /// Most requests for one token, counting the first.
    pub max_attempts: u32,
    /// Maximum single wait a 429 may request.
    pub max_wait: Duration,
    /// First wait when the server names none.
    pub first_backoff: Duration,
}

impl Default for TokenRetry {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_wait: Duration::from_secs(60),
            first_backoff: Duration::from_secs(1),
        }
    }
}

/// Gets client-credentials tokens from `POST {login_base}/oauth/token` and
/// caches one.
///
/// The cached token is replaced 60 s before it expires, or at half its
/// lifetime when that is later (a short-lived token would otherwise be
/// replaced at once). Concurrent callers of [`TokenProvider::token`] share one
/// request. Cloning shares the cache.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    credentials: ClientCredentials,
    login_base: Url,
    token_url: Url,
    login_host: String,
    region: Option<Region>,
    retry: TokenRetry,
    cache: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    issued: IssuedToken,
    refresh_at: Instant,
}

/// Settings of a [`TokenProvider`] before it is built.
pub struct TokenProviderBuilder {
    credentials: ClientCredentials,
    login_base: Url,
    region: Option<Region>,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    retry: TokenRetry,
}

impl TokenProviderBuilder {
    /// Names the region, for error messages. Without it the region is found
    /// from the login host, when the host is a known region's.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Uses this HTTP client, for example one shared with API calls. Its own
    /// timeout then applies.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Sets the request timeout of the client the builder makes (default
    /// 30 s); `None` waits without limit.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry settings.
    pub fn retry(mut self, retry: TokenRetry) -> Self {
        self.retry = retry;
        self
    }

    /// Checks the login base (`https`, or `http` to loopback) and builds the
    /// provider.
    pub fn build(self) -> Result<TokenProvider, AuthError> {
        let login_base = normalize_base_url(self.login_base)?;
        let http = match self.http {
            Some(http) => http,
            None => build_http_client(self.timeout)?,
        };
        let login_host = host_of(&login_base);
        let region = self.region.or_else(|| login_base.host_str().and_then(Region::from_host));
        let token_url = join_path(&login_base, "oauth/token");
        Ok(TokenProvider {
            inner: Arc::new(Inner {
                http,
                credentials: self.credentials,
                login_base,
                token_url,
                login_host,
                region,
                retry: self.retry,
                cache: Mutex::new(None),
            }),
        })
    }
}

impl TokenProvider {
    /// Builds a provider with default settings.
    pub fn new(credentials: ClientCredentials, login_base: Url) -> Result<Self, AuthError> {
        Self::builder(credentials, login_base).build()
    }

    /// Starts a provider with the given credentials and login base, such as
    /// `https://login.mypurecloud.ie/`.
    pub fn builder(credentials: ClientCredentials, login_base: Url) -> TokenProviderBuilder {
        TokenProviderBuilder {
            credentials,
            login_base,
            region: None,
            http: None,
            timeout: Some(DEFAULT_TIMEOUT),
            retry: TokenRetry::default(),
        }
    }

    /// Returns the client ID tokens are requested for.
    pub fn client_id(&self) -> &str {
        &self.inner.credentials.client_id
    }

    /// Returns the login base URL, ending in `/`.
    pub fn login_base(&self) -> &Url {
        &self.inner.login_base
    }

    /// Returns the login host (with its port when it has one).
    pub fn login_host(&self) -> &str {
        &self.inner.login_host
    }

    /// Returns the region, when it is known.
    pub fn region(&self) -> Option<Region> {
        self.inner.region
    }

    /// Returns the cached token, requesting a new one when there is none or
    /// it is due for renewal.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        Ok(self.issued().await?.access_token)
    }

    /// Returns the cached token with its stated lifetime, requesting a new
    /// one when there is none or it is due for renewal.
    pub async fn issued(&self) -> Result<IssuedToken, AuthError> {
        // The lock is held across the request, so concurrent callers wait for
        // the one request in flight instead of sending their own.
        let mut cache = self.inner.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.issued.clone());
        }
        let issued = self.request(&self.inner.credentials).await?;
        *cache = Some(CachedToken {
            refresh_at: Instant::now() + refresh_delay(issued.expires_in),
            issued: issued.clone(),
        });
        Ok(issued)
    }

    /// Replaces a token the API rejected (HTTP 401). When another caller has
    /// already replaced it, returns that replacement without a new request.
    pub async fn refresh_rejected(&self, rejected: &AccessToken) -> Result<AccessToken, AuthError> {
        {
            let mut cache = self.inner.cache.lock().await;
            match cache.as_ref() {
                Some(cached) if cached.issued.access_token.expose() != rejected.expose() => {
                    return Ok(cached.issued.access_token.clone());
                }
                _ => *cache = None,
            }
        }
        tracing::debug!(login_host = %self.inner.login_host, "the API rejected the cached token");
        self.token().await
    }

    /// Drops the cached token, so the next call requests a new one.
    pub async fn invalidate(&self) {
        *self.inner.cache.lock().await = None;
    }

    /// Requests a new token without reading or changing the cache: the proof
    /// that the credentials still work.
    pub async fn fresh(&self) -> Result<IssuedToken, AuthError> {
        self.request(&self.inner.credentials).await
    }

    /// Requests a token for other client credentials at the same login host,
    /// such as a break-glass client's. Nothing is cached.
    pub async fn request_for(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<IssuedToken, AuthError> {
        self.request(credentials).await
    }

    async fn request(&self, credentials: &ClientCredentials) -> Result<IssuedToken, AuthError> {
        let span = tracing::debug_span!(
            "token_request",
            login_host = %self.inner.login_host,
            client_id = %credentials.client_id,
        );
        async {
            let retry = &self.inner.retry;
            let mut backoff = retry.first_backoff;
            let mut attempt = 1;
            loop {
                let (wait, error) = match self.attempt(credentials).await {
                    Attempt::Done(result) => return result,
                    Attempt::Retry { wait, error } => (wait, error),
                };
                if let Some(asked) = wait
                    && asked > retry.max_wait
                {
                    return Err(AuthError::RateLimited {
                        login_host: self.inner.login_host.clone(),
                        retry_after: Some(asked),
                        message: format!(
                            "that is longer than the {} s this tool waits",
                            retry.max_wait.as_secs()
                        ),
                    });
                }
                if attempt >= retry.max_attempts.max(1) {
                    return Err(error.into_final(&self.inner.login_host, attempt));
                }
                let wait = wait.unwrap_or(backoff);
                tracing::info!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    reason = %error.reason(),
                    "retrying the token request"
                );
                tokio::time::sleep(wait).await;
                backoff = backoff.saturating_mul(2);
                attempt += 1;
            }
        }
        .instrument(span)
        .await
    }

    async fn attempt(&self, credentials: &ClientCredentials) -> Attempt {
        let login_host = &self.inner.login_host;
        let response = self
            .inner
            .http
            .post(self.inner.token_url.clone())
            .basic_auth(&credentials.client_id, Some(credentials.secret.expose()))
            .header(ACCEPT, "application/json")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    wait: None,
                    error: Pending::Network {
                        message: describe_error(&error),
                        timed_out: error.is_timeout(),
                    },
                };
            }
        };

        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                return Attempt::Retry {
                    wait: None,
                    error: Pending::Network {
                        message: describe_error(&error),
                        timed_out: error.is_timeout(),
                    },
                };
            }
        };

        match status {
            StatusCode::OK => Attempt::Done(parse_token(login_host, &body)),
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = server_wait(&headers);
                Attempt::Retry { wait, error: Pending::RateLimited { retry_after: wait } }
            }
            StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT => {
                Attempt::Retry { wait: None, error: Pending::Server { status: status.as_u16() } }
            }
            _ => Attempt::Done(Err(self.refusal(credentials, status, &body))),
        }
    }

    /// Builds the error for a 4xx response other than 429.
    fn refusal(
        &self,
        credentials: &ClientCredentials,
        status: StatusCode,
        body: &[u8],
    ) -> AuthError {
        let oauth: OAuthErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let code = oauth.error.clone().unwrap_or_default();
        let login_host = self.inner.login_host.clone();
        let client_id = credentials.client_id.clone();
        if status == StatusCode::UNAUTHORIZED || code == "invalid_client" {
            return AuthError::InvalidClient {
                client_id,
                login_host,
                region: self.inner.region.map(|region| region.name().to_owned()),
                code: if code.is_empty() { format!("HTTP {}", status.as_u16()) } else { code },
            };
        }
        if status == StatusCode::BAD_REQUEST || status == StatusCode::FORBIDDEN {
            return AuthError::Rejected {
                client_id,
                login_host,
                status: status.as_u16(),
                code: if code.is_empty() { "unknown".to_owned() } else { code },
                description: oauth.describe(),
            };
        }
        AuthError::UnexpectedResponse {
            login_host,
            status: status.as_u16(),
            message: oauth.describe(),
        }
    }
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("client_id", &self.inner.credentials.client_id)
            .field("token_url", &self.inner.token_url.as_str())
            .field("region", &self.inner.region.map(Region::name))
            .finish_non_exhaustive()
    }
}

/// When to replace a token that lives `expires_in` seconds: 60 s before
/// expiry, but never before half its lifetime.
fn refresh_delay(expires_in: u64) -> Duration {
    let lifetime = Duration::from_secs(expires_in);
    lifetime.saturating_sub(REFRESH_MARGIN).max(lifetime / 2)
}

/// Reads the wait a 429 requests: `Retry-After`, else
/// `inin-ratelimit-reset`.
pub(crate) fn server_wait(headers: &HeaderMap) -> Option<Duration> {
    let text = |name| {
        headers.get(name).and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
    };
    text(RETRY_AFTER.as_str())
        .and_then(|value| parse_retry_after(value, SystemTime::now()))
        .or_else(|| text("inin-ratelimit-reset").and_then(parse_seconds))
}

/// The result of one request to the token endpoint.
enum Attempt {
    Done(Result<IssuedToken, AuthError>),
    Retry { wait: Option<Duration>, error: Pending },
}

/// A failure that may be retried, turned into an [`AuthError`] when the
/// attempts run out.
enum Pending {
    Network { message: String, timed_out: bool },
    RateLimited { retry_after: Option<Duration> },
    Server { status: u16 },
}

impl Pending {
    fn reason(&self) -> String {
        match self {
            Self::Network { message, .. } => message.clone(),
            Self::RateLimited { .. } => "HTTP 429".to_owned(),
            Self::Server { status } => format!("HTTP {status}"),
        }
    }

    fn into_final(self, login_host: &str, attempts: u32) -> AuthError {
        let login_host = login_host.to_owned();
        match self {
            Self::Network { message, timed_out } => {
                AuthError::Network { login_host, message, timed_out }
            }
            Self::RateLimited { retry_after } => AuthError::RateLimited {
                login_host,
                retry_after,
                message: format!("still rate-limited after {attempts} attempts"),
            },
            Self::Server { status } => AuthError::UnexpectedResponse {
                login_host,
                status,
                message: format!(
                    "server error after {attempts} attempts; run the command again later"
                ),
            },
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

fn parse_token(login_host: &str, body: &[u8]) -> Result<IssuedToken, AuthError> {
    let invalid = |message: String| AuthError::UnexpectedResponse {
        login_host: login_host.to_owned(),
        status: 200,
        message,
    };
    // The body contains the token, so only the position of a JSON error is
    // reported, never the text around it.
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|error| {
        invalid(format!(
            "the body is not a JSON token response (line {}, column {})",
            error.line(),
            error.column()
        ))
    })?;
    let access_token = parsed
        .access_token
        .filter(|token| !token.trim().is_empty())
        .ok_or_else(|| invalid("the response has an empty or missing `access_token`".to_owned()))?;
    let token_type = parsed.token_type.unwrap_or_else(|| "bearer".to_owned());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(invalid(format!("the token type is `{token_type}`, not `bearer`")));
    }
    let expires_in = parsed.expires_in.unwrap_or_else(|| {
        tracing::debug!(
            assumed = ASSUMED_LIFETIME_SECS,
            "the token response has no `expires_in`; assuming the shortest client lifetime"
        );
        ASSUMED_LIFETIME_SECS
    });
    tracing::debug!(expires_in, "received a token");
    Ok(IssuedToken { access_token: AccessToken::new(access_token), token_type, expires_in })
}

/// An OAuth error body, `{"error", "error_description"}`. Genesys Cloud
/// also sends `description`.
#[derive(Default, Deserialize)]
struct OAuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

impl OAuthErrorBody {
    fn describe(&self) -> String {
        self.error_description
            .clone()
            .or_else(|| self.description.clone())
            .or_else(|| self.error.clone())
            .unwrap_or_else(|| "no OAuth error in the body".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_delay_keeps_margin_or_half() {
        assert_eq!(refresh_delay(86_400), Duration::from_secs(86_340));
        assert_eq!(refresh_delay(3_600), Duration::from_secs(3_540));
        assert_eq!(refresh_delay(120), Duration::from_secs(60));
        assert_eq!(refresh_delay(100), Duration::from_secs(50));
        assert_eq!(refresh_delay(30), Duration::from_secs(15));
        assert_eq!(refresh_delay(0), Duration::ZERO);
    }

    #[test]
    fn token_json_is_parsed() {
        let body = br#"{"access_token":"abc","token_type":"bearer","expires_in":86399}"#;
        let issued = parse_token("login.example", body).unwrap();
        assert_eq!(issued.access_token.expose(), "abc");
        assert_eq!(issued.expires_in, 86_399);
        assert_eq!(issued.token_type, "bearer");
    }

    #[test]
    fn empty_token_is_rejected() {
        for body in [
            &br#"{"access_token":"","token_type":"bearer","expires_in":60}"#[..],
            br#"{"token_type":"bearer","expires_in":60}"#,
        ] {
            let error = parse_token("login.example", body).unwrap_err();
            assert!(error.to_string().contains("access_token"), "{error}");
        }
    }

    #[test]
    fn malformed_json_hides_body() {
        let error = parse_token("login.example", br#"{"access_token":"s3cr3t-token""#).unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("line 1"), "{text}");
    }

    #[test]
    fn missing_lifetime_assumes_five_minutes() {
        let issued = parse_token("login.example", br#"{"access_token":"abc"}"#).unwrap();
        assert_eq!(issued.expires_in, 300);
    }

    #[test]
    fn other_token_type_is_rejected() {
        let body = br#"{"access_token":"abc","token_type":"mac","expires_in":60}"#;
        assert!(parse_token("login.example", body).is_err());
    }
}
