use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use cutover_api::paging::collect_all;
use cutover_api::{
    ApiError, CollectOptions, OAuthClientRequest, OrgApi, ProviderType, UserStateFilter,
    collect_state,
};
use cutover_http::{HttpApi, HttpConfig, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{
    NumberedTokens, RawReply, RawServer, UserPages, api, config, count, credentials, mount_tokens,
    query_of, users_page,
};

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// Mounts every collection of a small org apart from its users: one generic
/// provider, native login, one OAuth client, an admin role with one member,
/// an agent role and one division.
async fn mount_org_without_users(server: &MockServer) {
    Mock::given(path("/api/v2/organizations/me"))
        .respond_with(ok(json!({"id": "org-1", "name": "Acme"})))
        .mount(server)
        .await;
    Mock::given(path("/api/v2/identityproviders/generic"))
        .respond_with(ok(json!({"id": "idp-1", "name": "Entra", "disabled": false})))
        .mount(server)
        .await;
    Mock::given(path("/api/v2/identityproviders/purecloud"))
        .respond_with(ok(json!({"id": "pc", "name": "PureCloud", "disabled": false})))
        .mount(server)
        .await;
    Mock::given(path_regex("^/api/v2/identityproviders/[a-z]+$"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"code": "not.found"})))
        .mount(server)
        .await;
    Mock::given(path("/api/v2/oauth/clients"))
        .respond_with(ok(json!({"entities": [{"id": "c1", "name": "cutover"}], "total": 1})))
        .mount(server)
        .await;
    Mock::given(path("/api/v2/authorization/roles"))
        .respond_with(ok(json!({
            "entities": [
                {"id": "admin", "name": "IdP admin", "permissions": ["sso:provider:edit"]},
                {"id": "agent", "name": "Agent", "permissions": ["conversation:call:add"]}
            ],
            "total": 2, "pageCount": 1
        })))
        .mount(server)
        .await;
    Mock::given(path("/api/v2/authorization/roles/admin/users"))
        .respond_with(ok(json!({"entities": [{"id": "user-1"}], "total": 1, "pageCount": 1})))
        .mount(server)
        .await;
    Mock::given(path("/api/v2/authorization/divisions"))
        .respond_with(ok(
            json!({"entities": [{"id": "d1", "name": "Home"}], "total": 1, "pageCount": 1}),
        ))
        .mount(server)
        .await;
}

#[tokio::test]
async fn ten_thousand_users_cost_the_floor() {
    let server = MockServer::start().await;
    let tokens = mount_tokens(&server).await;
    mount_org_without_users(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(UserPages { total: 10_000 })
        .mount(&server)
        .await;

    let state = collect_state(&api(&server), CollectOptions::default()).await.unwrap();

    assert_eq!(state.users.len(), 10_000);
    let distinct: HashSet<&str> = state.users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(distinct.len(), 10_000);
    assert_eq!(state.users[0].id, "user-1");
    assert_eq!(state.users[9_999].id, "user-10000");
    assert_eq!(state.identity_providers.len(), 2);
    assert_eq!(state.grants.len(), 1);

    // ceil(10000 / 500) pages, and nothing else asked twice.
    assert_eq!(count(&server, "/api/v2/users").await, 20);
    let requests = server.received_requests().await.unwrap();
    let api_requests = requests.iter().filter(|r| r.url.path().starts_with("/api/")).count();
    let floor = 1 + ProviderType::ALL.len() + 1 + 1 + 1 + 1 + 20;
    assert_eq!(api_requests, floor);
    assert_eq!(tokens.issued(), 1);
    let pages: HashSet<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v2/users")
        .map(|r| query_of(&r.url)["pageNumber"].clone())
        .collect();
    assert_eq!(pages.len(), 20);
}

/// Serves user pages, but from page `expire_from` on rejects `token-1` with
/// 401, as the API does for a token that expired or was revoked mid-walk.
struct ExpiringToken {
    total: u64,
    expire_from: u64,
    rejected: Arc<AtomicUsize>,
}

impl Respond for ExpiringToken {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_of(&request.url);
        let number: u64 = query["pageNumber"].parse().unwrap();
        let size: u64 = query["pageSize"].parse().unwrap();
        let bearer = request.headers.get("authorization").unwrap().to_str().unwrap();
        if number >= self.expire_from && bearer == "Bearer token-1" {
            self.rejected.fetch_add(1, Ordering::SeqCst);
            return ResponseTemplate::new(401)
                .set_body_json(json!({"code": "bad.credentials", "message": "token expired"}));
        }
        ResponseTemplate::new(200).set_body_json(users_page(self.total, number, size))
    }
}

#[tokio::test]
async fn token_rejected_mid_inventory_is_replaced_once() {
    let server = MockServer::start().await;
    let tokens = mount_tokens(&server).await;
    let rejected = Arc::new(AtomicUsize::new(0));
    Mock::given(path("/api/v2/users"))
        .respond_with(ExpiringToken { total: 10_000, expire_from: 6, rejected: rejected.clone() })
        .mount(&server)
        .await;
    let api = api(&server);

    let users =
        collect_all(500, 4, |page| api.users_page(page, UserStateFilter::Any)).await.unwrap();

    assert_eq!(users.len(), 10_000);
    assert_eq!(tokens.issued(), 2, "concurrent 401s share one new token");
    let rejected = rejected.load(Ordering::SeqCst);
    assert!(rejected >= 1, "the test must reject at least one page");
    assert_eq!(count(&server, "/api/v2/users").await, 20 + rejected);
}

/// Serves user pages; page `limited_page` first returns 429 with
/// `Retry-After: 61`. From then on `token-1` counts as expired on the server
/// and is rejected with 401.
struct ExpiresDuringWait {
    total: u64,
    limited_page: u64,
    waited: AtomicBool,
    rejected: Arc<AtomicUsize>,
}

impl Respond for ExpiresDuringWait {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_of(&request.url);
        let number: u64 = query["pageNumber"].parse().unwrap();
        let size: u64 = query["pageSize"].parse().unwrap();
        let bearer = request.headers.get("authorization").unwrap().to_str().unwrap();
        if number == self.limited_page && !self.waited.swap(true, Ordering::SeqCst) {
            return ResponseTemplate::new(429).insert_header("Retry-After", "61");
        }
        if self.waited.load(Ordering::SeqCst) && bearer == "Bearer token-1" {
            self.rejected.fetch_add(1, Ordering::SeqCst);
            return ResponseTemplate::new(401);
        }
        ResponseTemplate::new(200).set_body_json(users_page(self.total, number, size))
    }
}

#[tokio::test(start_paused = true)]
async fn token_expiring_mid_inventory_is_renewed_in_time() {
    let server = MockServer::start().await;
    // A two-minute token is renewed after 60 s, so the 61 s wait crosses it.
    let tokens = NumberedTokens::new(120);
    Mock::given(path("/oauth/token")).respond_with(tokens.clone()).mount(&server).await;
    let rejected = Arc::new(AtomicUsize::new(0));
    Mock::given(path("/api/v2/users"))
        .respond_with(ExpiresDuringWait {
            total: 5_000,
            limited_page: 5,
            waited: AtomicBool::new(false),
            rejected: rejected.clone(),
        })
        .mount(&server)
        .await;
    let api = api(&server);

    let users =
        collect_all(500, 1, |page| api.users_page(page, UserStateFilter::Any)).await.unwrap();

    assert_eq!(users.len(), 5_000);
    assert_eq!(tokens.issued(), 2);
    assert_eq!(rejected.load(Ordering::SeqCst), 0, "the token was renewed before the API saw it");
    assert_eq!(count(&server, "/api/v2/users").await, 11);
}

fn token_reply() -> RawReply {
    RawReply::Json(
        200,
        json!({"access_token": "raw-token", "token_type": "bearer", "expires_in": 3600}),
    )
}

#[tokio::test]
async fn dropped_connection_on_page_seven_is_repeated() {
    let dropped = Arc::new(AtomicBool::new(false));
    let drop_once = dropped.clone();
    let server = RawServer::start(move |request| {
        if request.path() == "/oauth/token" {
            return token_reply();
        }
        let query = request.query();
        let number: u64 = query["pageNumber"].parse().unwrap();
        let size: u64 = query["pageSize"].parse().unwrap();
        if number == 7 && !drop_once.swap(true, Ordering::SeqCst) {
            return RawReply::Drop;
        }
        RawReply::Json(200, users_page(10_000, number, size))
    })
    .await;
    let api = HttpApi::new(credentials(), config(&server.base())).unwrap();

    let users =
        collect_all(500, 4, |page| api.users_page(page, UserStateFilter::Any)).await.unwrap();

    assert!(dropped.load(Ordering::SeqCst), "page 7 must have been dropped once");
    assert_eq!(users.len(), 10_000);
    assert_eq!(users[3_000].id, "user-3001", "page 7 starts at user 3001, in order");
    let requests = server.requests_to("/api/v2/users");
    assert_eq!(requests.len(), 21);
    let page_seven = requests.iter().filter(|request| request.query()["pageNumber"] == "7").count();
    assert_eq!(page_seven, 2);
}

#[tokio::test]
async fn dropped_connection_on_post_is_not_repeated() {
    let server = RawServer::start(|request| {
        if request.path() == "/oauth/token" {
            return token_reply();
        }
        RawReply::Drop
    })
    .await;
    let api = HttpApi::new(credentials(), config(&server.base())).unwrap();

    let error = api.create_oauth_client(&OAuthClientRequest::default()).await.unwrap_err();

    assert!(matches!(error, ApiError::Transport { timed_out: false, .. }), "{error:?}");
    assert!(error.to_string().contains("POST /api/v2/oauth/clients"), "{error}");
    assert_eq!(server.requests_to("/api/v2/oauth/clients").len(), 1);
    assert_eq!(server.requests_to("/api/v2/oauth/clients")[0].method, "POST");
}

#[tokio::test]
async fn refused_connection_on_post_is_repeated() {
    // Nothing listens on the API port at first, so the first POST never
    // leaves and the backend may repeat it. The server starts during the
    // backoff.
    let token_server = RawServer::start(|_| token_reply()).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api_address = listener.local_addr().unwrap();
    drop(listener);
    let config = HttpConfig {
        api_base: Some(url::Url::parse(&format!("http://{api_address}")).unwrap()),
        login_base: Some(url::Url::parse(&token_server.base()).unwrap()),
        retry: RetryPolicy {
            max_retries: 4,
            min_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_secs(2),
            jitter: false,
            ..RetryPolicy::default()
        },
        ..config(&token_server.base())
    };
    let api = HttpApi::new(credentials(), config).unwrap();
    let late_server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        RawServer::start_at(api_address, |_| RawReply::Json(200, json!({"id": "c7", "name": "x"})))
            .await
    });

    let created = api.create_oauth_client(&OAuthClientRequest::default()).await.unwrap();

    let api_server = late_server.await.unwrap();
    assert_eq!(created.id, "c7");
    assert_eq!(api_server.requests_to("/api/v2/oauth/clients").len(), 1);
}
