use std::time::Duration;

use cutover_auth::{DEFAULT_TIMEOUT, Region, TokenRetry, normalize_base_url};
use url::Url;

use crate::error::ConfigError;
use crate::retry::RetryPolicy;

/// Settings of an [`HttpApi`](crate::HttpApi).
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The org's region; its hosts are used unless a base URL is given.
    pub region: Region,
    /// Replaces `https://api.<domain>/`, for example with a simulator's
    /// `http://127.0.0.1:<port>/`.
    pub api_base: Option<Url>,
    /// Replaces `https://login.<domain>/`.
    pub login_base: Option<Url>,
    /// Timeout of each request; `None` waits without limit. Ignored when
    /// `http_client` is given.
    pub timeout: Option<Duration>,
    /// Retries of API requests.
    pub retry: RetryPolicy,
    /// Retries of token requests.
    pub token_retry: TokenRetry,
    /// Pages requested at once after the first page of a collection.
    pub page_concurrency: usize,
    /// An HTTP client to use instead of the one built from `timeout`.
    pub http_client: Option<reqwest::Client>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self::for_region(Region::default())
    }
}

impl HttpConfig {
    /// Returns the default settings for a region: its hosts, a 30 s timeout
    /// and the default retry policy.
    pub fn for_region(region: Region) -> Self {
        Self {
            region,
            api_base: None,
            login_base: None,
            timeout: Some(DEFAULT_TIMEOUT),
            retry: RetryPolicy::default(),
            token_retry: TokenRetry::default(),
            page_concurrency: cutover_api::paging::DEFAULT_PAGE_CONCURRENCY,
            http_client: None,
        }
    }

    /// Returns settings for one server that serves both `/oauth/token` and
    /// `/api/v2/...`, such as the simulator.
    pub fn for_base(base: Url) -> Self {
        Self { api_base: Some(base.clone()), login_base: Some(base), ..Self::default() }
    }

    /// Works out the API and login base URLs and the region they belong to.
    ///
    /// With only one base given, the other is derived the way the platform
    /// SDKs do (`api.` and `login.` swapped in the host). When the host has
    /// neither prefix, as with a simulator on 127.0.0.1, the same URL serves
    /// both. The region is the configured one without overrides; with
    /// overrides it is the region of a known host, or none.
    pub(crate) fn resolve_bases(&self) -> Result<ResolvedBases, ConfigError> {
        let api = self
            .api_base
            .clone()
            .map(|url| normalize_base_url(url).map_err(ConfigError::ApiBase))
            .transpose()?;
        let login = self
            .login_base
            .clone()
            .map(|url| normalize_base_url(url).map_err(ConfigError::LoginBase))
            .transpose()?;
        let (api_base, login_base, region) = match (api, login) {
            (None, None) => (self.region.api_base(), self.region.login_base(), Some(self.region)),
            (Some(api), Some(login)) => {
                let region = host_region(&api);
                (api, login, region)
            }
            (Some(api), None) => {
                let login = swap_host_prefix(&api, "api.", "login.");
                let region = host_region(&api);
                (api, login, region)
            }
            (None, Some(login)) => {
                let api = swap_host_prefix(&login, "login.", "api.");
                let region = host_region(&login);
                (api, login, region)
            }
        };
        Ok(ResolvedBases { api_base, login_base, region })
    }
}

/// The base URLs an [`HttpApi`](crate::HttpApi) talks to.
pub(crate) struct ResolvedBases {
    pub(crate) api_base: Url,
    pub(crate) login_base: Url,
    pub(crate) region: Option<Region>,
}

fn host_region(url: &Url) -> Option<Region> {
    url.host_str().and_then(Region::from_host)
}

/// Replaces the host prefix `from` with `to`, or returns the URL unchanged
/// when the host does not start with `from`.
fn swap_host_prefix(url: &Url, from: &str, to: &str) -> Url {
    let mut swapped = url.clone();
    if let Some(rest) = url.host_str().and_then(|host| host.strip_prefix(from)) {
        // Setting a domain host on an http(s) URL only fails for invalid
        // names, and `rest` came from a valid one.
        if swapped.set_host(Some(&format!("{to}{rest}"))).is_err() {
            return url.clone();
        }
    }
    swapped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn region_hosts_by_default() {
        let config = HttpConfig::for_region(Region::parse("eu-west-1").unwrap());
        let bases = config.resolve_bases().unwrap();
        assert_eq!(bases.api_base.as_str(), "https://api.mypurecloud.ie/");
        assert_eq!(bases.login_base.as_str(), "https://login.mypurecloud.ie/");
        assert_eq!(bases.region.map(Region::name), Some("eu-west-1"));
    }

    #[test]
    fn api_override_derives_login_host() {
        let config = HttpConfig {
            api_base: Some(url("https://api.mypurecloud.de")),
            ..HttpConfig::default()
        };
        let bases = config.resolve_bases().unwrap();
        assert_eq!(bases.api_base.as_str(), "https://api.mypurecloud.de/");
        assert_eq!(bases.login_base.as_str(), "https://login.mypurecloud.de/");
        assert_eq!(bases.region.map(Region::name), Some("eu-central-1"));
    }

    #[test]
    fn login_override_derives_api_host() {
        let config = HttpConfig {
            login_base: Some(url("https://login.usw2.pure.cloud/")),
            ..HttpConfig::default()
        };
        let bases = config.resolve_bases().unwrap();
        assert_eq!(bases.api_base.as_str(), "https://api.usw2.pure.cloud/");
        assert_eq!(bases.region.map(Region::name), Some("us-west-2"));
    }

    #[test]
    fn loopback_override_serves_both() {
        let config =
            HttpConfig { api_base: Some(url("http://127.0.0.1:8080")), ..HttpConfig::default() };
        let bases = config.resolve_bases().unwrap();
        assert_eq!(bases.api_base.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(bases.login_base.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(bases.region, None);
    }

    #[test]
    fn plain_http_elsewhere_is_rejected() {
        let config = HttpConfig {
            api_base: Some(url("http://api.mypurecloud.com/")),
            ..HttpConfig::default()
        };
        let error = config.resolve_bases().err().unwrap();
        assert!(matches!(error, ConfigError::ApiBase(_)), "{error:?}");
        let text = error.to_string();
        assert!(text.contains("http://api.mypurecloud.com/"), "{text}");
        assert!(text.contains("https://"), "{text}");

        let config =
            HttpConfig { login_base: Some(url("http://10.1.2.3:8080/")), ..HttpConfig::default() };
        let error = config.resolve_bases().err().unwrap();
        assert!(matches!(error, ConfigError::LoginBase(_)), "{error:?}");
    }
}
