//! Runs the `OrgApi` conformance suite against the HTTP backend talking to
//! the simulator, plus inventory checks that use the simulator's request
//! counters and fault injection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cutover_api::conformance::{ADMIN_CLIENT_ID, FIXTURE, Factory, client_secret, run_all};
use cutover_api::models::MAX_PAGE_SIZE_USERS;
use cutover_api::paging::collect_all;
use cutover_api::{CollectOptions, OrgApi, ProviderType, UserStateFilter, collect_state};
use cutover_auth::{ClientCredentials, TokenRetry};
use cutover_http::{HttpApi, HttpConfig, RetryPolicy};
use cutover_sim::{SimConfig, SimFault, SimFaultAction, SimHandle, SimOrg, Trigger};

/// Returns settings for a simulator base URL with millisecond backoff.
fn config(sim: &SimHandle) -> HttpConfig {
    HttpConfig {
        retry: RetryPolicy::fast(),
        token_retry: TokenRetry {
            first_backoff: Duration::from_millis(1),
            ..TokenRetry::default()
        },
        ..HttpConfig::for_base(sim.base_url())
    }
}

/// Opens the HTTP backend on `sim` as the fixture client `client_id`, with
/// the secret the fixture stores for it.
fn open(sim: &SimHandle, client_id: &str) -> HttpApi {
    let secret = client_secret(client_id)
        .unwrap_or_else(|| panic!("the conformance fixture has a secret for {client_id}"));
    HttpApi::new(ClientCredentials::new(client_id, secret), config(sim)).expect("the backend opens")
}

async fn start(org_json: &str, config: SimConfig) -> SimHandle {
    let org = SimOrg::from_json(org_json).expect("the org snapshot loads");
    cutover_sim::start(org, SimConfig { write_back: false, ..config })
        .await
        .expect("the simulator starts")
}

#[tokio::test]
async fn http_backend_conforms() {
    // Each backend the suite opens gets its own simulator over a fresh copy
    // of the fixture; the handles stay here until the suite ends.
    let simulators: Arc<Mutex<Vec<SimHandle>>> = Arc::default();
    let handles = Arc::clone(&simulators);
    let factory: Factory = Box::new(move |client_id| {
        let handles = Arc::clone(&handles);
        Box::pin(async move {
            let sim = start(FIXTURE, SimConfig::default()).await;
            let api = open(&sim, client_id);
            handles.lock().unwrap().push(sim);
            Box::new(api) as Box<dyn OrgApi>
        })
    });

    run_all(factory).await;

    let simulators: Vec<SimHandle> = simulators.lock().unwrap().drain(..).collect();
    assert!(!simulators.is_empty(), "the suite opened backends");
    for sim in simulators {
        sim.shutdown().await;
    }
}

/// Returns the conformance org with generated active users added until it
/// has `total` users, and the number of users that are not deleted.
fn org_with_users(total: usize) -> (String, u64) {
    let mut org: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let users = org["users"].as_array_mut().unwrap();
    let home = users[0]["division"].clone();
    for index in users.len()..total {
        let id = format!("b{index:07}-0000-4000-8000-000000000000");
        users.push(serde_json::json!({
            "id": id,
            "name": format!("Generated User {index}"),
            "email": format!("user{index}@conformance.example.com"),
            "username": format!("user{index}@conformance.example.com"),
            "state": "active",
            "version": 1,
            "division": home,
            "selfUri": format!("/api/v2/users/{id}"),
        }));
    }
    let listed = users.iter().filter(|user| user["state"] != "deleted").count() as u64;
    (org.to_string(), listed)
}

#[tokio::test]
async fn inventory_of_ten_thousand_users_costs_the_floor() {
    let (org, listed) = org_with_users(10_000);
    let sim = start(&org, SimConfig::default()).await;
    let api = open(&sim, ADMIN_CLIENT_ID);

    let state = collect_state(&api, CollectOptions::default()).await.unwrap();

    assert_eq!(state.users.len() as u64, listed);
    let pages = listed.div_ceil(u64::from(MAX_PAGE_SIZE_USERS));
    assert_eq!(pages, 20);
    assert_eq!(sim.request_count("/api/v2/users"), pages);
    assert_eq!(sim.request_count("/api/v2/organizations/me"), 1);
    let provider_gets: u64 =
        ProviderType::ALL.iter().map(|kind| sim.request_count(&kind.path())).sum();
    assert_eq!(provider_gets, ProviderType::ALL.len() as u64);
    assert_eq!(sim.request_count("/oauth/token"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_on_page_seven_is_repeated() {
    let (org, listed) = org_with_users(10_000);
    let drop_seventh =
        SimFault::new("/api/v2/users", Trigger::nth(7), SimFaultAction::DropConnection);
    let sim = start(&org, SimConfig { faults: vec![drop_seventh], ..SimConfig::default() }).await;
    let api = open(&sim, ADMIN_CLIENT_ID);

    // One page at a time, so the seventh request is page 7 of 20.
    let users =
        collect_all(MAX_PAGE_SIZE_USERS, 1, |page| api.users_page(page, UserStateFilter::Any))
            .await
            .unwrap();

    assert_eq!(users.len() as u64, listed);
    let distinct: std::collections::HashSet<&str> =
        users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(distinct.len() as u64, listed);
    assert_eq!(sim.request_count("/api/v2/users"), 21);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_storm_then_success() {
    let storm = SimFault::new(
        "/api/v2/organizations/me",
        Trigger::calls(1, 2),
        SimFaultAction::RateLimitStorm { retry_after: Duration::from_secs(1) },
    );
    let sim = start(FIXTURE, SimConfig { faults: vec![storm], ..SimConfig::default() }).await;
    let api = open(&sim, ADMIN_CLIENT_ID);

    let organization = api.organization().await.unwrap();

    assert!(!organization.id.is_empty());
    assert_eq!(sim.request_count("/api/v2/organizations/me"), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn post_server_error_is_not_repeated() {
    let failure =
        SimFault::new("/api/v2/oauth/clients", Trigger::always(), SimFaultAction::Status(503))
            .with_method(reqwest::Method::POST);
    let sim = start(FIXTURE, SimConfig { faults: vec![failure], ..SimConfig::default() }).await;
    let api = open(&sim, ADMIN_CLIENT_ID);
    let request = cutover_api::OAuthClientRequest {
        name: "never-created".into(),
        authorized_grant_type: "CLIENT-CREDENTIALS".into(),
        ..cutover_api::OAuthClientRequest::default()
    };

    let error = api.create_oauth_client(&request).await.unwrap_err();

    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(sim.request_count_for("POST", "/api/v2/oauth/clients"), 1);
    sim.shutdown().await;
}
