use std::time::Duration;

use cutover_api::{ApiError, OAuthClientRequest, OrgApi};
use cutover_http::{HttpApi, HttpConfig, RetryPolicy};
use jiff::fmt::rfc2822::DateTimePrinter;
use serde_json::json;
use tokio::time::Instant;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Sequence, api, api_with, config, count, credentials, mount_tokens};

fn organization() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"id": "org-1", "name": "Acme"}))
}

fn too_many(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("Retry-After", retry_after).set_body_json(json!({
        "message": "Rate limit exceeded the maximum [300] requests within [60] seconds",
        "code": "too.many.requests",
        "status": 429,
        "contextId": "ctx-429"
    }))
}

#[tokio::test(start_paused = true)]
async fn rate_limit_storm_then_success() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    let mut responses: Vec<ResponseTemplate> = (0..6).map(|_| too_many("20")).collect();
    responses.push(organization());
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(Sequence::new(responses))
        .expect(7)
        .mount(&server)
        .await;
    let started = Instant::now();

    let organization = api(&server).organization().await.unwrap();

    assert_eq!(organization.id, "org-1");
    assert!(started.elapsed() >= Duration::from_secs(120), "waited {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(45);
    let date = DateTimePrinter::new().timestamp_to_rfc9110_string(&at).unwrap();
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(Sequence::new(vec![too_many(&date), organization()]))
        .expect(2)
        .mount(&server)
        .await;
    let started = Instant::now();

    api(&server).organization().await.unwrap();

    // The date has whole seconds, so the wait is between 44 and 45 s.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(43), "waited {waited:?}");
    assert!(waited <= Duration::from_secs(46), "waited {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn ratelimit_reset_header_is_the_fallback() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    let limited = ResponseTemplate::new(429)
        .insert_header("inin-ratelimit-count", "300")
        .insert_header("inin-ratelimit-allowed", "300")
        .insert_header("inin-ratelimit-reset", "33");
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(Sequence::new(vec![limited, organization()]))
        .expect(2)
        .mount(&server)
        .await;
    let started = Instant::now();

    api(&server).organization().await.unwrap();

    assert!(started.elapsed() >= Duration::from_secs(33), "waited {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn storm_longer_than_budget_is_rate_limited() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(too_many("5"))
        .expect(4)
        .mount(&server)
        .await;
    let policy = RetryPolicy { max_retries: 3, ..RetryPolicy::fast() };

    let error = api_with(&server, policy).organization().await.unwrap_err();

    let text = error.to_string();
    match &error {
        ApiError::RateLimited { retry_after, context_id, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(5)));
            assert_eq!(context_id.as_deref(), Some("ctx-429"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(text.contains("gave up after 4 attempts"), "{text}");
    assert!(text.contains("GET /api/v2/organizations/me"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn total_wait_budget_ends_storm() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(too_many("60"))
        .expect(2)
        .mount(&server)
        .await;
    let policy = RetryPolicy { max_total_wait: Duration::from_secs(100), ..RetryPolicy::fast() };

    let error = api_with(&server, policy).organization().await.unwrap_err();

    assert!(matches!(error, ApiError::RateLimited { .. }), "{error:?}");
    assert!(error.to_string().contains("60 s of waiting"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn wait_over_cap_fails_at_once() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(too_many("900"))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server).organization().await.unwrap_err();

    let text = error.to_string();
    assert!(
        matches!(error, ApiError::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(900)),
        "{error:?}"
    );
    assert!(text.contains("900 s"), "{text}");
    assert!(text.contains("180 s"), "{text}");
}

#[tokio::test]
async fn server_error_is_repeated_for_get() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
            organization(),
        ]))
        .expect(3)
        .mount(&server)
        .await;

    let organization = api(&server).organization().await.unwrap();

    assert_eq!(organization.id, "org-1");
}

#[tokio::test]
async fn server_error_is_repeated_for_put_and_delete() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/identityproviders/okta"))
        .respond_with(Sequence::new(vec![ResponseTemplate::new(500), ResponseTemplate::new(204)]))
        .expect(2)
        .mount(&server)
        .await;

    api(&server).delete_identity_provider(cutover_api::ProviderType::Okta).await.unwrap();
}

#[tokio::test]
async fn server_error_on_post_is_not_repeated() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/clients"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "message": "try later", "code": "service.unavailable", "status": 503,
            "contextId": "ctx-503"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server).create_oauth_client(&OAuthClientRequest::default()).await.unwrap_err();

    match &error {
        ApiError::Server { status, code, context_id, .. } => {
            assert_eq!(*status, 503);
            assert_eq!(code, "service.unavailable");
            assert_eq!(context_id.as_deref(), Some("ctx-503"));
        }
        other => panic!("expected Server, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limit_on_post_is_repeated() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/clients"))
        .respond_with(Sequence::new(vec![
            too_many("0"),
            ResponseTemplate::new(200).set_body_json(json!({"id": "c9", "name": "x"})),
        ]))
        .expect(2)
        .mount(&server)
        .await;

    let created = api(&server).create_oauth_client(&OAuthClientRequest::default()).await.unwrap();

    assert_eq!(created.id, "c9");
}

#[tokio::test]
async fn not_implemented_is_not_repeated() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(ResponseTemplate::new(501))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server).organization().await.unwrap_err();

    assert!(matches!(error, ApiError::Server { status: 501, .. }), "{error:?}");
}

#[tokio::test]
async fn persistent_server_error_gives_up() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&server)
        .await;
    let policy = RetryPolicy { max_retries: 2, ..RetryPolicy::fast() };

    let error = api_with(&server, policy).organization().await.unwrap_err();

    assert!(matches!(error, ApiError::Server { status: 500, .. }), "{error:?}");
}

#[tokio::test]
async fn unauthorized_replaces_token_once() {
    let server = MockServer::start().await;
    let tokens = mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "token expired", "code": "bad.credentials", "status": 401
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations/me"))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(organization())
        .expect(1)
        .mount(&server)
        .await;

    let organization = api(&server).organization().await.unwrap();

    assert_eq!(organization.id, "org-1");
    assert_eq!(tokens.issued(), 2);
}

#[tokio::test]
async fn second_unauthorized_is_an_error() {
    let server = MockServer::start().await;
    let tokens = mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "client disabled", "code": "authentication.required", "status": 401,
            "contextId": "ctx-401"
        })))
        .expect(2)
        .mount(&server)
        .await;

    let error = api(&server).organization().await.unwrap_err();

    assert!(matches!(error, ApiError::Unauthorized { .. }), "{error:?}");
    assert!(error.to_string().contains("client disabled"), "{error}");
    assert_eq!(error.context_id(), Some("ctx-401"));
    assert_eq!(tokens.issued(), 2);
}

#[tokio::test]
async fn timeout_is_transport_timed_out() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(organization().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let config = HttpConfig {
        http_client: None,
        timeout: Some(Duration::from_millis(200)),
        retry: RetryPolicy::none(),
        ..config(&server.uri())
    };

    let error = HttpApi::new(credentials(), config).unwrap().organization().await.unwrap_err();

    assert!(matches!(error, ApiError::Transport { timed_out: true, .. }), "{error:?}");
    assert!(error.to_string().starts_with("timed out on GET /api/v2/organizations/me"), "{error}");
    assert_eq!(count(&server, "/api/v2/organizations/me").await, 1);
}

#[test]
fn plain_http_to_remote_host_is_rejected() {
    let config = HttpConfig {
        api_base: Some(url::Url::parse("http://api.mypurecloud.com/").unwrap()),
        login_base: Some(url::Url::parse("https://login.mypurecloud.com/").unwrap()),
        ..HttpConfig::default()
    };

    let error = HttpApi::new(credentials(), config).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, cutover_http::ConfigError::ApiBase(_)), "{error:?}");
    assert!(text.contains("http://api.mypurecloud.com/"), "{text}");
    assert!(text.contains("loopback"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn server_errors_have_smaller_budget() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let policy = RetryPolicy { max_retries: 10, max_failure_retries: 2, ..RetryPolicy::fast() };

    let error = api_with(&server, policy).organization().await.unwrap_err();

    assert!(matches!(error, ApiError::Server { status: 503, .. }), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn rate_limits_do_not_spend_failure_budget() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(too_many("1"))
        .up_to_n_times(5)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": "org", "name": "Org"})),
        )
        .mount(&server)
        .await;
    let policy = RetryPolicy { max_retries: 10, max_failure_retries: 1, ..RetryPolicy::fast() };

    let organization = api_with(&server, policy).organization().await.unwrap();

    assert_eq!(organization.id, "org");
}
