use std::sync::atomic::Ordering;
use std::time::Duration;

use cutover_auth::{AuthError, ClientCredentials, ClientSecret, Region, TokenProvider, TokenRetry};
use url::Url;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    CLIENT_ID, NumberedTokens, SECRET, Sequence, basic_header, credentials, fast_retry, provider,
    token_body,
};

#[tokio::test]
async fn request_sends_form_basic_auth_and_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("authorization", basic_header(CLIENT_ID, SECRET).as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("abc", 86_399)))
        .expect(1)
        .mount(&server)
        .await;

    let issued = provider(&server.uri()).issued().await.unwrap();

    assert_eq!(issued.access_token.expose(), "abc");
    assert_eq!(issued.expires_in, 86_399);
    assert_eq!(issued.token_type, "bearer");
}

#[tokio::test]
async fn login_base_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("abc", 3600)))
        .expect(1)
        .mount(&server)
        .await;

    let token = provider(&format!("{}/login", server.uri())).token().await.unwrap();

    assert_eq!(token.expose(), "abc");
}

#[tokio::test]
async fn cached_token_is_reused() {
    let server = MockServer::start().await;
    let tokens = NumberedTokens::new(3600);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let provider = provider(&server.uri());

    let first = provider.token().await.unwrap();
    let second = provider.token().await.unwrap();

    assert_eq!(first.expose(), "token-1");
    assert_eq!(second.expose(), "token-1");
    assert_eq!(tokens.count.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn token_is_renewed_a_minute_before_expiry() {
    let server = MockServer::start().await;
    let tokens = NumberedTokens::new(3600);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let provider = provider(&server.uri());

    assert_eq!(provider.token().await.unwrap().expose(), "token-1");
    tokio::time::advance(Duration::from_secs(3539)).await;
    assert_eq!(provider.token().await.unwrap().expose(), "token-1");
    assert_eq!(tokens.count.load(Ordering::SeqCst), 1);

    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(provider.token().await.unwrap().expose(), "token-2");
    assert_eq!(tokens.count.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn short_token_is_renewed_at_half_life() {
    let server = MockServer::start().await;
    let tokens = NumberedTokens::new(100);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let provider = provider(&server.uri());

    assert_eq!(provider.token().await.unwrap().expose(), "token-1");
    tokio::time::advance(Duration::from_secs(49)).await;
    assert_eq!(provider.token().await.unwrap().expose(), "token-1");

    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(provider.token().await.unwrap().expose(), "token-2");
}

#[tokio::test]
async fn ten_concurrent_callers_share_one_request() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_body("shared", 3600))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server.uri());

    let calls = (0..10).map(|_| {
        let provider = provider.clone();
        tokio::spawn(async move { provider.token().await })
    });
    let tokens = futures::future::join_all(calls).await;

    assert_eq!(tokens.len(), 10);
    for token in tokens {
        assert_eq!(token.unwrap().unwrap().expose(), "shared");
    }
}

#[tokio::test]
async fn fresh_token_leaves_cache_alone() {
    let server = MockServer::start().await;
    let tokens = NumberedTokens::new(3600);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let provider = provider(&server.uri());

    let cached = provider.token().await.unwrap();
    let fresh = provider.fresh().await.unwrap();
    let cached_again = provider.token().await.unwrap();

    assert_eq!(cached.expose(), "token-1");
    assert_eq!(fresh.access_token.expose(), "token-2");
    assert_eq!(cached_again.expose(), "token-1");
    assert_eq!(tokens.count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rejected_token_is_replaced_once() {
    let server = MockServer::start().await;
    let tokens = NumberedTokens::new(3600);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let provider = provider(&server.uri());

    let first = provider.token().await.unwrap();
    let replaced = provider.refresh_rejected(&first).await.unwrap();
    // A second caller that saw the same 401 gets the replacement, not a third token.
    let replaced_again = provider.refresh_rejected(&first).await.unwrap();

    assert_eq!(replaced.expose(), "token-2");
    assert_eq!(replaced_again.expose(), "token-2");
    assert_eq!(tokens.count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn invalidate_forces_new_request() {
    let server = MockServer::start().await;
    let tokens = NumberedTokens::new(3600);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let provider = provider(&server.uri());

    provider.token().await.unwrap();
    provider.invalidate().await;
    let after = provider.token().await.unwrap();

    assert_eq!(after.expose(), "token-2");
}

#[tokio::test]
async fn other_credentials_use_their_own_basic_header() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .and(header("authorization", basic_header("break-glass", "bg-secret").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("bg-token", 600)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server.uri());
    let other = ClientCredentials::new("break-glass", ClientSecret::new("bg-secret"));

    let issued = provider.request_for(&other).await.unwrap();

    assert_eq!(issued.access_token.expose(), "bg-token");
    assert_eq!(issued.expires_in, 600);
}

#[tokio::test]
async fn invalid_client_names_host_and_region() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client",
            "description": "authentication failed",
            "error_description": "authentication failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let provider = provider(&server.uri());

    let error = provider.token().await.unwrap_err();

    let host = server.address().to_string();
    assert!(matches!(error, AuthError::InvalidClient { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(&format!("`{host}`")), "{text}");
    assert!(text.contains("`eu-west-1`"), "{text}");
    assert!(text.contains("`invalid_client`"), "{text}");
    assert!(text.contains(CLIENT_ID), "{text}");
    assert!(text.contains("another region"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[tokio::test]
async fn invalid_client_on_400_is_the_same_error() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        )
        .mount(&server)
        .await;

    let error = provider(&server.uri()).token().await.unwrap_err();

    assert!(matches!(error, AuthError::InvalidClient { .. }), "{error:?}");
}

#[tokio::test]
async fn region_is_found_from_known_login_host() {
    // No request is sent: only the builder's region lookup is checked.
    let provider =
        TokenProvider::builder(credentials(), Url::parse("https://login.mypurecloud.de/").unwrap())
            .build()
            .unwrap();

    assert_eq!(provider.region(), Some(Region::parse("eu-central-1").unwrap()));
    assert_eq!(provider.login_host(), "login.mypurecloud.de");
}

#[tokio::test]
async fn other_bad_request_is_rejected_with_description() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "unauthorized_client",
            "error_description": "client is not authorized for grant type"
        })))
        .mount(&server)
        .await;

    let error = provider(&server.uri()).token().await.unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::Rejected { status: 400, .. }), "{error:?}");
    assert!(text.contains("`unauthorized_client`"), "{text}");
    assert!(text.contains("not authorized for grant type"), "{text}");
}

#[tokio::test]
async fn empty_access_token_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("", 3600)))
        .mount(&server)
        .await;

    let error = provider(&server.uri()).token().await.unwrap_err();

    assert!(matches!(error, AuthError::UnexpectedResponse { status: 200, .. }), "{error:?}");
    assert!(error.to_string().contains("access_token"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn rate_limit_waits_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "7"),
            ResponseTemplate::new(200).set_body_json(token_body("after-wait", 3600)),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let provider = provider(&server.uri());
    let started = tokio::time::Instant::now();

    let token = provider.token().await.unwrap();

    assert_eq!(token.expose(), "after-wait");
    assert!(started.elapsed() >= Duration::from_secs(7), "waited {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn rate_limit_reset_header_is_used() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(429).insert_header("inin-ratelimit-reset", "12"),
            ResponseTemplate::new(200).set_body_json(token_body("after-reset", 3600)),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let provider = provider(&server.uri());
    let started = tokio::time::Instant::now();

    provider.token().await.unwrap();

    assert!(started.elapsed() >= Duration::from_secs(12), "waited {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn rate_limit_over_cap_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
        .expect(1)
        .mount(&server)
        .await;

    let error = provider(&server.uri()).token().await.unwrap_err();

    let text = error.to_string();
    assert!(
        matches!(error, AuthError::RateLimited { retry_after: Some(wait), .. } if wait.as_secs() == 600),
        "{error:?}"
    );
    assert!(text.contains("600 s"), "{text}");
    assert!(text.contains("60 s"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn rate_limit_storm_ends_after_attempts() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .expect(3)
        .mount(&server)
        .await;

    let error = provider(&server.uri()).token().await.unwrap_err();

    assert!(matches!(error, AuthError::RateLimited { .. }), "{error:?}");
    assert!(error.to_string().contains("3 attempts"), "{error}");
}

#[tokio::test]
async fn server_error_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(200).set_body_json(token_body("recovered", 3600)),
        ]))
        .expect(2)
        .mount(&server)
        .await;

    let token = provider(&server.uri()).token().await.unwrap();

    assert_eq!(token.expose(), "recovered");
}

#[tokio::test]
async fn unreachable_host_is_named() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    let error = provider(&format!("http://{address}")).token().await.unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::Network { timed_out: false, .. }), "{error:?}");
    assert!(text.contains(&format!("`{address}`")), "{text}");
    assert!(text.contains("connection failed"), "{text}");
}

#[tokio::test]
async fn timeout_is_reported_as_timed_out() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_body("late", 3600))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let provider = TokenProvider::builder(credentials(), Url::parse(&server.uri()).unwrap())
        .timeout(Some(Duration::from_millis(100)))
        .retry(TokenRetry { max_attempts: 1, ..fast_retry() })
        .build()
        .unwrap();

    let error = provider.token().await.unwrap_err();

    assert!(matches!(error, AuthError::Network { timed_out: true, .. }), "{error:?}");
    assert!(error.to_string().starts_with("timed out"), "{error}");
}

#[test]
fn plain_http_login_base_is_rejected() {
    let result =
        TokenProvider::new(credentials(), Url::parse("http://login.mypurecloud.com/").unwrap());

    let error = result.unwrap_err();
    assert!(matches!(error, AuthError::InsecureUrl { .. }), "{error:?}");
}
