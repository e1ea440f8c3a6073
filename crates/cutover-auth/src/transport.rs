use std::error::Error as _;
use std::time::Duration;

use crate::error::AuthError;

/// Request timeout used when the caller sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("sso-cutover/", env!("CARGO_PKG_VERSION"));

/// Builds the HTTP client the login and API requests share: rustls, no
/// redirects (a redirect would carry the `Authorization` header elsewhere),
/// and `timeout` per request when given.
pub fn build_http_client(timeout: Option<Duration>) -> Result<reqwest::Client, AuthError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(|error| AuthError::Client { message: describe_error(&error) })
}

/// Describes a transport error in one line: what failed and its innermost
/// causes, such as `connection failed: Connection refused (os error 111)`.
pub fn describe_error(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "the request timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "reading the response failed"
    } else if error.is_request() {
        "sending the request failed"
    } else {
        "the request failed"
    };
    let mut causes: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.iter().any(|seen| seen.contains(&text)) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() { what.to_owned() } else { format!("{what}: {}", causes.join(": ")) }
}

/// Returns `host` or `host:port` of a URL, for messages.
pub fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => url.to_string(),
    }
}
