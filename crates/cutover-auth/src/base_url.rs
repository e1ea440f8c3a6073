use std::net::Ipv6Addr;

use url::{Host, Url};

use crate::error::AuthError;

/// Checks that `url` may carry credentials or tokens: `https` anywhere, plain
/// `http` only to a loopback host (127.0.0.0/8, `::1` or `localhost`), where
/// the simulator and test servers run.
pub fn require_https_or_loopback(url: &Url) -> Result<(), AuthError> {
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(AuthError::InsecureUrl { url: url.to_string() }),
        _ => Err(AuthError::InvalidUrl {
            url: url.to_string(),
            reason: "only `https://` URLs (and `http://` to a loopback address) are supported"
                .to_owned(),
        }),
    }
}

/// Tells whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(address)) => address.is_loopback(),
        Some(Host::Ipv6(address)) => address == Ipv6Addr::LOCALHOST,
        Some(Host::Domain(name)) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses and checks a base URL given by the user, such as `--api-base`, and
/// makes its path end in `/` so that joining a relative path appends to it.
pub fn parse_base_url(text: &str) -> Result<Url, AuthError> {
    let url = Url::parse(text.trim()).map_err(|error| AuthError::InvalidUrl {
        url: text.trim().to_owned(),
        reason: error.to_string(),
    })?;
    normalize_base_url(url)
}

/// Checks a base URL and makes its path end in `/`. A query, a fragment or a
/// user name in a base URL is rejected, because requests built on it would
/// carry them to every path.
pub fn normalize_base_url(mut url: Url) -> Result<Url, AuthError> {
    require_https_or_loopback(&url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(AuthError::InvalidUrl {
            url: url.to_string(),
            reason: "a base URL takes no query or fragment".to_owned(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AuthError::InvalidUrl {
            url: redact_userinfo(&url),
            reason: "a base URL takes no user name or password".to_owned(),
        });
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn redact_userinfo(url: &Url) -> String {
    let mut shown = url.clone();
    // Both setters only fail for URLs that cannot have a host, and these have one.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Joins a path such as `oauth/token` or `/api/v2/users` to a base URL from
/// [`normalize_base_url`], keeping any path prefix the base has.
pub fn join_path(base: &Url, path: &str) -> Url {
    base.join(path.trim_start_matches('/')).expect("a relative path joins to a base URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), AuthError> {
        require_https_or_loopback(&Url::parse(text).unwrap())
    }

    #[test]
    fn https_is_accepted_everywhere() {
        assert!(check("https://api.mypurecloud.com/").is_ok());
        assert!(check("https://10.0.0.1:8443/").is_ok());
    }

    #[test]
    fn http_is_accepted_for_loopback() {
        for text in [
            "http://127.0.0.1:8080/",
            "http://127.1.2.3/",
            "http://[::1]:9000/",
            "http://localhost:3000/",
            "http://LOCALHOST/",
        ] {
            assert!(check(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn http_is_rejected_elsewhere() {
        for text in [
            "http://api.mypurecloud.com/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://[::2]/",
            "http://localhost.example.com/",
            "http://128.0.0.1/",
        ] {
            let error = check(text).unwrap_err();
            assert!(matches!(error, AuthError::InsecureUrl { .. }), "{text}: {error:?}");
            let message = error.to_string();
            assert!(message.contains("https://"), "{message}");
            assert!(message.contains(text.trim_end_matches('/')), "{message}");
        }
    }

    #[test]
    fn other_schemes_are_rejected() {
        assert!(matches!(check("ftp://127.0.0.1/"), Err(AuthError::InvalidUrl { .. })));
        assert!(matches!(check("file:///tmp/x"), Err(AuthError::InvalidUrl { .. })));
    }

    #[test]
    fn base_gets_trailing_slash() {
        let base = parse_base_url("http://127.0.0.1:4000/prefix").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:4000/prefix/");
        let joined = join_path(&base, "/api/v2/users");
        assert_eq!(joined.as_str(), "http://127.0.0.1:4000/prefix/api/v2/users");
        let root = parse_base_url("https://login.mypurecloud.ie").unwrap();
        assert_eq!(
            join_path(&root, "oauth/token").as_str(),
            "https://login.mypurecloud.ie/oauth/token"
        );
    }

    #[test]
    fn base_with_query_or_userinfo_is_rejected() {
        assert!(parse_base_url("https://api.mypurecloud.com/?x=1").is_err());
        let error = parse_base_url("https://user:hunter2@api.mypurecloud.com/").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert!(parse_base_url("not a url").is_err());
    }
}
