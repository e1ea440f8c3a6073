//! Downloading metadata from a URL: https only (plain http only on a loopback
//! address, and never through a proxy), a size cap enforced while streaming, a
//! timeout, and no redirect that leaves https.

use std::time::Duration;

use url::Url;

use crate::{FetchError, MAX_METADATA_BYTES};

/// Maximum number of redirects followed.
const MAX_REDIRECTS: usize = 10;

/// Limits for [`fetch_metadata`].
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Time allowed for the whole exchange: connecting, redirects and the body.
    pub timeout: Duration,
    /// Maximum body size accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for FetchOptions {
    /// 30 seconds and [`MAX_METADATA_BYTES`].
    fn default() -> Self {
        Self { timeout: Duration::from_secs(30), max_bytes: MAX_METADATA_BYTES }
    }
}

/// Downloads metadata from `url`.
///
/// The URL must be `https://`, or `http://` on a loopback address
/// (`127.0.0.0/8`, `::1` or `localhost`). Redirects are followed (at most 10)
/// only to URLs that pass the same check, and never from https to http. The
/// body is read in chunks and the download stops as soon as it passes
/// `options.max_bytes`. A URL with a user name or password is rejected, and
/// errors and logs show it with that part replaced by `***`.
#[tracing::instrument(
    skip_all,
    fields(url = %without_userinfo(url), timeout_ms = options.timeout.as_millis())
)]
pub async fn fetch_metadata(url: &str, options: FetchOptions) -> Result<Vec<u8>, FetchError> {
    let shown = without_userinfo(url);
    let parsed = Url::parse(url)
        .map_err(|e| FetchError::InvalidUrl { url: shown.clone(), reason: e.to_string() })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(FetchError::InvalidUrl {
            url: shown,
            reason: "a metadata URL takes no user name or password, because they would show in \
                     messages; download the file and pass its path"
                .to_owned(),
        });
    }
    if !is_allowed(&parsed) {
        return Err(FetchError::NotHttps { url: url.to_owned() });
    }
    let builder = reqwest::Client::builder()
        .timeout(options.timeout)
        .redirect(reqwest::redirect::Policy::custom(check_redirect));
    // Plain http to a loopback address must not leave the machine through a
    // proxy; https may use one.
    let client = cutover_auth::with_proxy_rule(builder, &|name| std::env::var(name).ok())
        .map_err(|e| FetchError::Request { url: url.to_owned(), reason: e.to_string() })?
        .build()
        .map_err(|e| request_error(url, &e))?;

    let seconds = options.timeout.as_secs_f64();
    let download = download(&client, parsed, url, options.max_bytes);
    // reqwest's own timeout covers the body too; this outer one is a backstop
    // that also bounds the time spent between body chunks.
    let result = match tokio::time::timeout(options.timeout, download).await {
        Ok(result) => result.map_err(|error| fix_timeout(error, seconds)),
        Err(_) => Err(FetchError::Timeout { url: url.to_owned(), seconds }),
    };
    if let Err(error) = &result {
        tracing::debug!(%error, "metadata fetch failed");
    }
    result
}

/// Turns a transport error that reqwest reports as a timeout into
/// [`FetchError::Timeout`] with the configured limit.
fn fix_timeout(error: FetchError, seconds: f64) -> FetchError {
    match error {
        FetchError::Timeout { url, .. } => FetchError::Timeout { url, seconds },
        other => other,
    }
}

async fn download(
    client: &reqwest::Client,
    parsed: Url,
    url: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let mut response = client.get(parsed).send().await.map_err(|e| request_error(url, &e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status { url: url.to_owned(), status: status.as_u16() });
    }
    let too_large = || FetchError::TooLarge { url: url.to_owned(), limit: max_bytes };
    if response.content_length().is_some_and(|length| length > max_bytes as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| request_error(url, &e))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    tracing::debug!(bytes = body.len(), "metadata fetched");
    Ok(body)
}

/// Returns `url` with any user name and password replaced by `***`, also
/// when the rest of it does not parse.
fn without_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|index| index + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

/// Reports whether `url` may be fetched: https, or http on a loopback address, as
/// for every other URL the tool sends requests to.
fn is_allowed(url: &Url) -> bool {
    cutover_auth::require_https_or_loopback(url).is_ok()
}

/// A redirect that was not followed, and why.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
struct RedirectRejected {
    location: String,
    reason: &'static str,
}

fn check_redirect(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let location = attempt.url().clone();
    let previous_https = attempt.previous().last().is_some_and(|url| url.scheme() == "https");
    let reason = if attempt.previous().len() > MAX_REDIRECTS {
        Some("more than 10 redirects")
    } else if !is_allowed(&location) {
        Some("the target is not https")
    } else if previous_https && location.scheme() != "https" {
        Some("it leaves https")
    } else {
        None
    };
    match reason {
        Some(reason) => attempt.error(RedirectRejected { location: location.to_string(), reason }),
        None => attempt.follow(),
    }
}

/// Maps a reqwest error to a [`FetchError`], naming the URL and every cause.
fn request_error(url: &str, error: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(rejected) = cause.downcast_ref::<RedirectRejected>() {
            return FetchError::Redirect {
                url: url.to_owned(),
                location: rejected.location.clone(),
                reason: rejected.reason.to_owned(),
            };
        }
        source = cause.source();
    }
    if error.is_timeout() {
        return FetchError::Timeout { url: url.to_owned(), seconds: 0.0 };
    }
    let mut reason = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        cause = inner.source();
    }
    FetchError::Request { url: url.to_owned(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_hidden() {
        let cases = [
            ("https://user:pw@idp.example.com/md?x=1", "https://***@idp.example.com/md?x=1"),
            ("https://pw@[bad/md", "https://***@[bad/md"),
            ("https://idp.example.com/a@b", "https://idp.example.com/a@b"),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(without_userinfo(url), shown, "{url}");
        }
    }

    #[test]
    fn allowed_urls() {
        let cases = [
            ("https://idp.example.com/metadata", true),
            ("http://127.0.0.1:8080/metadata", true),
            ("http://127.1.2.3/metadata", true),
            ("http://[::1]:8080/metadata", true),
            ("http://localhost/metadata", true),
            ("http://LOCALHOST/metadata", true),
            ("http://idp.example.com/metadata", false),
            ("http://10.0.0.1/metadata", false),
            ("http://localhost.example.com/metadata", false),
            ("ftp://idp.example.com/metadata", false),
            ("file:///etc/passwd", false),
        ];
        for (url, expected) in cases {
            assert_eq!(is_allowed(&Url::parse(url).unwrap()), expected, "{url}");
        }
    }
}
