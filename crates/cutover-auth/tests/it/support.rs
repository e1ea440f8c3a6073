use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use cutover_auth::{ClientCredentials, ClientSecret, Region, TokenProvider, TokenRetry};
use url::Url;
use wiremock::{Request, Respond, ResponseTemplate};

pub(crate) const CLIENT_ID: &str = "3b1f2a7c-client";
pub(crate) const SECRET: &str = "s3cr3t-Value-9f8e7d";

pub(crate) fn credentials() -> ClientCredentials {
    ClientCredentials::new(CLIENT_ID, ClientSecret::new(SECRET))
}

pub(crate) fn basic_header(client_id: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    format!("Basic {encoded}")
}

/// Builds a client without pooling or timeouts, because pooled connections
/// and request timeouts start tokio timers that paused test time would fire
/// early.
pub(crate) fn test_client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

pub(crate) fn fast_retry() -> TokenRetry {
    TokenRetry {
        max_attempts: 3,
        max_wait: std::time::Duration::from_secs(60),
        first_backoff: std::time::Duration::from_millis(1),
    }
}

pub(crate) fn provider(base: &str) -> TokenProvider {
    TokenProvider::builder(credentials(), Url::parse(base).unwrap())
        .http_client(test_client())
        .region(Region::parse("eu-west-1").unwrap())
        .retry(fast_retry())
        .build()
        .unwrap()
}

pub(crate) fn token_body(token: &str, expires_in: u64) -> serde_json::Value {
    serde_json::json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in})
}

/// Responds to each token request with a new token, `token-1`, `token-2`, ….
#[derive(Clone, Default)]
pub(crate) struct NumberedTokens {
    pub(crate) count: Arc<AtomicUsize>,
    pub(crate) expires_in: u64,
}

impl NumberedTokens {
    pub(crate) fn new(expires_in: u64) -> Self {
        Self { count: Arc::default(), expires_in }
    }
}

impl Respond for NumberedTokens {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let number = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(token_body(&format!("token-{number}"), self.expires_in))
    }
}

/// Returns the listed responses in order, then repeats the last one.
pub(crate) struct Sequence {
    responses: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

impl Sequence {
    pub(crate) fn new(responses: Vec<ResponseTemplate>) -> Self {
        Self { responses, next: AtomicUsize::new(0) }
    }
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let index = self.next.fetch_add(1, Ordering::SeqCst).min(self.responses.len() - 1);
        self.responses[index].clone()
    }
}
