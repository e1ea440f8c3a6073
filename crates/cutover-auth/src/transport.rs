use std::error::Error as _;
use std::time::Duration;

use crate::error::AuthError;

/// Request timeout used when the caller sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("sso-cutover/", env!("CARGO_PKG_VERSION"));

/// Environment variables that name the proxy for `https` requests, in the
/// order they are read.
const HTTPS_PROXY_VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// Builds the HTTP client the login and API requests share: rustls, no
/// redirects (a redirect would carry the `Authorization` header elsewhere),
/// the proxy rule of [`with_proxy_rule`], and `timeout` per request when
/// given.
pub fn build_http_client(timeout: Option<Duration>) -> Result<reqwest::Client, AuthError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    with_proxy_rule(builder, &|name| std::env::var(name).ok())?
        .build()
        .map_err(|error| AuthError::Client { message: describe_error(&error) })
}

/// Sets the proxies of `builder`: `https` requests go through the proxy that
/// `HTTPS_PROXY` (else `ALL_PROXY`, either name also in lower case) names,
/// except for the hosts of `NO_PROXY`, as a `CONNECT` tunnel that keeps TLS
/// from end to end. Plain `http` requests never use a proxy: the URL rule
/// allows them only to a loopback address, and a proxy would receive their
/// client secret or token in clear text. `env` reads an environment variable.
pub fn with_proxy_rule(
    builder: reqwest::ClientBuilder,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<reqwest::ClientBuilder, AuthError> {
    let configured = HTTPS_PROXY_VARIABLES.iter().find_map(|name| {
        env(name).filter(|value| !value.trim().is_empty()).map(|value| (*name, value))
    });
    let Some((name, address)) = configured else {
        return Ok(builder.no_proxy());
    };
    // The reqwest error is not shown: it may quote the URL, and a proxy URL
    // can hold a password.
    let proxy = reqwest::Proxy::https(address.trim()).map_err(|_| AuthError::Client {
        message: format!("the proxy URL in `{name}` is invalid; fix it or unset the variable"),
    })?;
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| env(name))
        .and_then(|list| reqwest::NoProxy::from_string(&list));
    Ok(builder.proxy(proxy.no_proxy(no_proxy)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).into())
    }

    #[test]
    fn invalid_proxy_url_names_variable_not_value() {
        let env = env_of(&[("HTTPS_PROXY", "http://user:hunter2@[bad")]);
        let error = with_proxy_rule(reqwest::Client::builder(), &env).err().unwrap();
        let message = error.to_string();
        assert!(message.contains("`HTTPS_PROXY`"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn proxy_rule_builds_with_and_without_proxy() {
        for pairs in [
            &[][..],
            &[("HTTP_PROXY", "http://127.0.0.1:9")][..],
            &[("https_proxy", "http://127.0.0.1:9"), ("NO_PROXY", "localhost")][..],
            &[("ALL_PROXY", "127.0.0.1:9"), ("HTTPS_PROXY", " ")][..],
        ] {
            let env = move |name: &str| {
                pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
            };
            let builder = with_proxy_rule(reqwest::Client::builder(), &env).unwrap();
            assert!(builder.build().is_ok(), "{pairs:?}");
        }
    }
}
