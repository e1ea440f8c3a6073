//! The simulator over real sockets on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use cutover_api::conformance::{
    ADMIN_CLIENT_ID, FIXTURE, INACTIVE_CLIENT_ID, REPORTING_CLIENT_ID, client_secret,
};
use cutover_api::{ApiError, ErrorBody};
use cutover_memory::MemoryOrg;
use cutover_sim::{RateLimit, SimConfig, SimFault, SimFaultAction, SimHandle, SimOrg, Trigger};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

async fn start(config: SimConfig) -> SimHandle {
    cutover_sim::start(SimOrg::from_json(FIXTURE).unwrap(), config).await.unwrap()
}

fn url(sim: &SimHandle, path: &str) -> String {
    sim.base_url().join(path.trim_start_matches('/')).unwrap().to_string()
}

fn secret(client_id: &str) -> String {
    client_secret(client_id).unwrap().expose().to_owned()
}

async fn token_response(sim: &SimHandle, client_id: &str, secret: &str) -> reqwest::Response {
    Client::new()
        .post(url(sim, "/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

async fn token(sim: &SimHandle, client_id: &str) -> String {
    let response = token_response(sim, client_id, &secret(client_id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(sim: &SimHandle, token: &str, path: &str) -> reqwest::Response {
    Client::new().get(url(sim, path)).bearer_auth(token).send().await.unwrap()
}

async fn error_body(response: reqwest::Response) -> ErrorBody {
    response.json().await.unwrap()
}

#[tokio::test]
async fn token_is_issued_for_right_secret() {
    let sim = start(SimConfig::default()).await;
    let response = token_response(&sim, ADMIN_CLIENT_ID, &secret(ADMIN_CLIENT_ID)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["access_token"].as_str().is_some_and(|token| token.len() >= 32), "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    sim.shutdown().await;
}

#[tokio::test]
async fn token_refusals_use_oauth_errors() {
    let sim = start(SimConfig::default()).await;
    let cases = [
        (ADMIN_CLIENT_ID, "wrong".to_owned(), "wrong secret"),
        (INACTIVE_CLIENT_ID, secret(INACTIVE_CLIENT_ID), "inactive client"),
        ("no-such-client", "x".to_owned(), "unknown client"),
    ];
    for (client_id, secret, what) in cases {
        let response = token_response(&sim, client_id, &secret).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{what}");
        assert_eq!(body["description"], "authentication failed", "{what}");
        assert_eq!(body["error_description"], "authentication failed", "{what}");
    }

    let without_basic = Client::new()
        .post(url(&sim, "/oauth/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(without_basic.status(), StatusCode::UNAUTHORIZED);

    let password = Client::new()
        .post(url(&sim, "/oauth/token"))
        .basic_auth(ADMIN_CLIENT_ID, Some(secret(ADMIN_CLIENT_ID)))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(password.status(), StatusCode::BAD_REQUEST);
    let body: Value = password.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_bad_and_expired_tokens_get_401() {
    let sim =
        start(SimConfig { token_lifetime: Some(Duration::ZERO), ..SimConfig::default() }).await;
    let expired = token(&sim, ADMIN_CLIENT_ID).await;
    let response = get(&sim, &expired, "/api/v2/organizations/me").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(response).await.code.as_deref(), Some("bad.credentials"));

    let unknown = get(&sim, "not-a-token", "/api/v2/organizations/me").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(unknown).await.code.as_deref(), Some("bad.credentials"));

    let missing = Client::new().get(url(&sim, "/api/v2/organizations/me")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let body = error_body(missing).await;
    assert_eq!(body.code.as_deref(), Some("authentication.required"));
    assert_eq!(body.status, Some(401));
    sim.shutdown().await;
}

#[tokio::test]
async fn revoked_token_gets_401() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let revoked = Client::new()
        .delete(url(&sim, "/api/v2/tokens/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    let after = get(&sim, &token, "/api/v2/tokens/me").await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_follows_next_uri() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let expected: Vec<&str> = fixture["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|user| user["state"] != "deleted")
        .map(|user| user["id"].as_str().unwrap())
        .collect();

    let mut next = Some("/api/v2/users?pageSize=4&state=any".to_owned());
    let mut ids: Vec<String> = Vec::new();
    let mut pages = 0;
    while let Some(path) = next {
        let page: Value = get(&sim, &token, &path).await.json().await.unwrap();
        pages += 1;
        assert_eq!(page["pageSize"], 4);
        assert_eq!(page["pageNumber"], pages);
        assert_eq!(page["total"], expected.len());
        assert_eq!(page["pageCount"], expected.len().div_ceil(4));
        assert_eq!(
            page["selfUri"],
            format!("/api/v2/users?pageSize=4&pageNumber={pages}&state=any")
        );
        ids.extend(page["entities"].as_array().unwrap().iter().map(|u| u["id"].to_string()));
        next = page["nextUri"].as_str().map(str::to_owned);
    }
    let expected: Vec<String> = expected.iter().map(|id| format!("\"{id}\"")).collect();
    assert_eq!(ids, expected);
    assert_eq!(pages, expected.len().div_ceil(4));
    assert_eq!(sim.request_count("/api/v2/users"), pages as u64);
    sim.shutdown().await;
}

#[tokio::test]
async fn invalid_page_number_is_400() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    for path in ["/api/v2/users?pageNumber=0", "/api/v2/authorization/roles?pageSize=abc"] {
        let response = get(&sim, &token, path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(error_body(response).await.code.as_deref(), Some("invalid.value"), "{path}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn forbidden_body_names_permission() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim, REPORTING_CLIENT_ID).await;
    let response = get(&sim, &token, "/api/v2/identityproviders/okta").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let correlation = response.headers()["inin-correlation-id"].to_str().unwrap().to_owned();
    let body = error_body(response).await;
    assert_eq!(body.code.as_deref(), Some("missing.permissions"));
    assert_eq!(body.status, Some(403));
    assert_eq!(body.context_id.as_deref(), Some(correlation.as_str()));
    assert_eq!(body.context_id.as_deref().map(str::len), Some(36));
    let params = body.message_params.clone().unwrap();
    assert_eq!(params["permissions"], "sso:provider:view");
    match ApiError::from_status("GET /api/v2/identityproviders/okta", 403, &body) {
        ApiError::PermissionDenied { permissions, .. } => {
            assert_eq!(permissions, ["sso:provider:view"]);
        }
        other => panic!("expected a permission error, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn unconfigured_provider_is_404() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    for path in ["/api/v2/identityproviders/generic", "/api/v2/identityproviders/azure"] {
        let response = get(&sim, &token, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_body(response).await.code.as_deref(), Some("not.found"), "{path}");
    }
    let unknown_path = get(&sim, &token, "/api/v2/nothing/here").await;
    assert_eq!(unknown_path.status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_sends_headers_and_429() {
    let limit = RateLimit { requests: 3, window: Duration::from_secs(60) };
    let sim = start(SimConfig { rate_limit: Some(limit), ..SimConfig::default() }).await;
    let first = token(&sim, ADMIN_CLIENT_ID).await;
    for count in 1..=3 {
        let response = get(&sim, &first, "/api/v2/organizations/me").await;
        assert_eq!(response.status(), StatusCode::OK, "request {count}");
        let headers = response.headers();
        assert_eq!(headers["inin-ratelimit-count"], count.to_string().as_str());
        assert_eq!(headers["inin-ratelimit-allowed"], "3");
        let reset: u64 = headers["inin-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset), "reset {reset}");
    }
    let limited = get(&sim, &first, "/api/v2/organizations/me").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(limited.headers()["inin-ratelimit-count"], "4");
    let body = error_body(limited).await;
    assert_eq!(body.code.as_deref(), Some("too.many.requests"));
    assert!(body.message.unwrap().contains("[3] requests within [60] seconds"));
    assert_eq!(body.extra["limit"]["value"], 3);

    let other = token(&sim, ADMIN_CLIENT_ID).await;
    let fresh = get(&sim, &other, "/api/v2/organizations/me").await;
    assert_eq!(fresh.status(), StatusCode::OK, "a second token has its own window");
    sim.shutdown().await;
}

#[tokio::test]
async fn status_fault_hits_nth_request() {
    let sim = start(SimConfig {
        faults: vec![SimFault::new(
            "/api/v2/identityproviders",
            Trigger::nth(2),
            SimFaultAction::Status(503),
        )],
        ..SimConfig::default()
    })
    .await;
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let path = "/api/v2/identityproviders/okta";
    assert_eq!(get(&sim, &token, path).await.status(), StatusCode::OK);
    let failed = get(&sim, &token, path).await;
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = error_body(failed).await;
    assert_eq!(body.code.as_deref(), Some("service.unavailable"));
    assert_eq!(body.status, Some(503));
    assert_eq!(get(&sim, &token, path).await.status(), StatusCode::OK);
    assert_eq!(sim.request_count(path), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_can_target_one_method() {
    let sim = start(SimConfig::default()).await;
    sim.add_fault(
        SimFault::new("/api/v2/identityproviders", Trigger::always(), SimFaultAction::Status(500))
            .with_method(Method::PUT),
    );
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let path = "/api/v2/identityproviders/generic";
    let put = Client::new()
        .put(url(&sim, path))
        .bearer_auth(&token)
        .json(&json!({"name": "G"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(get(&sim, &token, path).await.status(), StatusCode::NOT_FOUND, "PUT not applied");
    assert_eq!(sim.request_count_for("PUT", path), 1);
    assert_eq!(sim.request_count_for("GET", path), 1);
    assert_eq!(sim.request_counts()[&format!("PUT {path}")], 1);

    sim.clear_faults();
    let put = Client::new()
        .put(url(&sim, path))
        .bearer_auth(&token)
        .json(&json!({"name": "G"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_gets_no_response() {
    let sim = start(SimConfig {
        faults: vec![SimFault::new(
            "/api/v2/organizations/me",
            Trigger::nth(1),
            SimFaultAction::DropConnection,
        )],
        ..SimConfig::default()
    })
    .await;
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let error = Client::new()
        .get(url(&sim, "/api/v2/organizations/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_err();
    assert!(error.status().is_none(), "{error:?}");
    assert!(!error.is_timeout(), "{error:?}");
    assert_eq!(get(&sim, &token, "/api/v2/organizations/me").await.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn delay_fault_holds_the_response() {
    let sim = start(SimConfig::default()).await;
    sim.add_fault(SimFault::new(
        "/api/v2/organizations/me",
        Trigger::nth(1),
        SimFaultAction::Delay(Duration::from_secs(30)),
    ));
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let impatient = Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let error = impatient
        .get(url(&sim, "/api/v2/organizations/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let second = impatient
        .get(url(&sim, "/api/v2/organizations/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::OK, "only the first request is delayed");
    drop(sim);
}

#[tokio::test]
async fn rate_limit_storm_answers_429() {
    let sim = start(SimConfig::default()).await;
    sim.add_fault(SimFault::new(
        "/api/v2/users",
        Trigger::calls(1, 2),
        SimFaultAction::RateLimitStorm { retry_after: Duration::from_secs(7) },
    ));
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    for _ in 0..2 {
        let response = get(&sim, &token, "/api/v2/users").await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "7");
        assert_eq!(response.headers()["inin-ratelimit-reset"], "7");
        assert!(response.headers().contains_key("inin-ratelimit-allowed"));
        assert_eq!(error_body(response).await.code.as_deref(), Some("too.many.requests"));
    }
    assert_eq!(get(&sim, &token, "/api/v2/users").await.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_can_fail_every_time() {
    let sim = start(SimConfig {
        faults: vec![SimFault::new("/oauth/token", Trigger::always(), SimFaultAction::Status(503))],
        ..SimConfig::default()
    })
    .await;
    for _ in 0..3 {
        let response = token_response(&sim, ADMIN_CLIENT_ID, &secret(ADMIN_CLIENT_ID)).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(sim.request_count("/oauth/token"), 3);
    assert_eq!(sim.total_requests(), 3);
    sim.reset_request_counts();
    assert_eq!(sim.total_requests(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn changes_are_written_back() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("org.json");
    std::fs::write(&path, FIXTURE).unwrap();
    let sim = cutover_sim::start(SimOrg::load(&path).unwrap(), SimConfig::default()).await.unwrap();
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let put = Client::new()
        .put(url(&sim, "/api/v2/identityproviders/generic"))
        .bearer_auth(&token)
        .json(&json!({"name": "Written", "disabled": false, "issuerURI": "https://idp"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let created: Value = Client::new()
        .post(url(&sim, "/api/v2/oauth/clients"))
        .bearer_auth(&token)
        .json(&json!({"name": "new", "authorizedGrantType": "CLIENT-CREDENTIALS"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_secret = created["secret"].as_str().unwrap().to_owned();
    sim.shutdown().await;

    let saved = MemoryOrg::load(&path).unwrap().to_value();
    assert_eq!(saved["identityProviders"]["generic"]["name"], "Written");
    let stored = saved["oauthClients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|client| client["id"] == created["id"])
        .cloned()
        .unwrap();
    assert_eq!(stored["secret"], new_secret.as_str());
    assert_eq!(saved["oauthClients"][0]["secret"], secret(ADMIN_CLIENT_ID).as_str());
}

#[tokio::test]
async fn write_back_can_be_off() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("org.json");
    std::fs::write(&path, FIXTURE).unwrap();
    let config = SimConfig { write_back: false, ..SimConfig::default() };
    let sim = cutover_sim::start(SimOrg::load(&path).unwrap(), config).await.unwrap();
    let token = token(&sim, ADMIN_CLIENT_ID).await;
    let deleted = Client::new()
        .delete(url(&sim, "/api/v2/identityproviders/okta"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(sim.org().has_changes());
    sim.shutdown().await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FIXTURE);
}

#[tokio::test]
async fn client_token_ends_with_deletion() {
    let sim = start(SimConfig::default()).await;
    let admin = token(&sim, ADMIN_CLIENT_ID).await;
    let created: Value = Client::new()
        .post(url(&sim, "/api/v2/oauth/clients"))
        .bearer_auth(&admin)
        .json(&json!({
            "name": "break-glass-2",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "roleDivisions": [{"roleId": "b0000000-0000-4000-8000-000000000001", "divisionId": "*"}]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let response = token_response(&sim, id, created["secret"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_token: Value = response.json().await.unwrap();
    let new_token = new_token["access_token"].as_str().unwrap();
    let me: Value = get(&sim, new_token, "/api/v2/tokens/me").await.json().await.unwrap();
    assert_eq!(me["OAuthClient"]["id"], id);

    let deleted = Client::new()
        .delete(url(&sim, &format!("/api/v2/oauth/clients/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let after = get(&sim, new_token, "/api/v2/tokens/me").await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn binary_prints_listening_line_and_stops() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("org.json");
    std::fs::write(&path, FIXTURE).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sso-cutover-sim"))
        .arg("--org-file")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let base = first_line
        .trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"));
    let port: u16 = base.parse().unwrap();
    assert_ne!(port, 0);

    let response = Client::new()
        .post(format!("http://127.0.0.1:{port}/oauth/token"))
        .basic_auth(ADMIN_CLIENT_ID, Some(secret(ADMIN_CLIENT_ID)))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn binary_rejects_invalid_snapshot() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("org.json");
    std::fs::write(&path, FIXTURE.replacen("sso-cutover.org-snapshot.v1", "v0", 1)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sso-cutover-sim"))
        .arg("--org-file")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("schema: expected `sso-cutover.org-snapshot.v1`"), "{stderr}");
}
