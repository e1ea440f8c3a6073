//! A backend-independent conformance suite for [`OrgApi`](crate::OrgApi).
//!
//! Every backend's tests serve the same org snapshot, [`FIXTURE`]
//! (`tests/fixtures/conformance-org.json` at the top of the workspace), and
//! call [`run_all`] with a [`Factory`] that opens a backend over a fresh copy
//! of it, acting as a given OAuth client. The in-memory backend and the HTTP
//! backend against the simulator are so held to the same behaviour.
//!
//! The expected values are read from the fixture itself, so a change to the
//! fixture changes what the suite expects. The suite needs these facts of the
//! fixture:
//! - the clients named by the constants below exist with the grant types,
//!   states, secrets and roles their documentation states;
//! - there are more than 20 users, active and inactive, one deleted and one
//!   without email;
//! - `okta` and `purecloud` are configured, and one role has no members.
//!
//! Conventions both backends follow and this suite checks:
//! - an empty collection is one page with `total: 0`, `pageCount: 0` and no
//!   `nextUri`; a page past the end is empty and keeps `total`;
//! - `pageSize` is clamped to `1..=max` (500 for users, 100 otherwise), and
//!   `pageNumber` 0 is rejected with HTTP 400;
//! - a rejected token request is `ApiError::Auth`, whatever the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;

use cutover_auth::{ClientCredentials, ClientSecret};
use futures::FutureExt;
use serde_json::Value;

use crate::api::OrgApi;
use crate::error::ApiError;
use crate::models::{
    Grant, IdentityProvider, MAX_PAGE_SIZE_DEFAULT, MAX_PAGE_SIZE_USERS, OAuthClientRequest, Page,
    PageRequest, ProviderType, RoleDivision, UserStateFilter,
};

/// The conformance org snapshot.
pub const FIXTURE: &str = include_str!("../../../tests/fixtures/conformance-org.json");

/// Returns the path of the conformance org snapshot, for backends that load
/// a file.
pub fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/conformance-org.json")
}

/// Active client-credentials client whose roles grant every permission the
/// product uses (`SSO Admin` and `Cutover Operator`).
pub const ADMIN_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000001";
/// Active client-credentials client with `SSO Admin` in every division.
pub const BREAK_GLASS_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000002";
/// Active client-credentials client whose roles grant no `sso`, `oauth` or
/// `authorization` permission.
pub const REPORTING_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000003";
/// Active client-credentials client that may only view providers.
pub const VIEWER_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000004";
/// Active client-credentials client whose role comes from the deprecated
/// `roleIds` (`Cutover Operator`).
pub const LEGACY_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000005";
/// Inactive client-credentials client with a secret.
pub const INACTIVE_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000006";
/// Disabled client-credentials client with a secret.
pub const DISABLED_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000007";
/// Active client-credentials client without a secret in the snapshot.
pub const SECRETLESS_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000008";
/// Active authorization-code client with a secret.
pub const CODE_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000009";
/// Active client-credentials client whose role grants `sso:provider:view`
/// and `sso:provider:edit` but not `sso:provider:add`.
pub const EDITOR_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000013";

/// Opens a backend over a fresh copy of the conformance org, acting as the
/// client with the given ID (one that can get a token).
pub type Factory = Box<
    dyn Fn(&'static str) -> Pin<Box<dyn Future<Output = Box<dyn OrgApi>> + Send>> + Send + Sync,
>;

type Check = for<'a> fn(&'a Factory) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Every check, by name, in the order [`run_all`] runs them.
const CHECKS: [(&str, Check); 19] = [
    ("organization", |f| Box::pin(organization(f))),
    ("token_info", |f| Box::pin(token_info(f))),
    ("provider_list", |f| Box::pin(provider_list(f))),
    ("provider_get", |f| Box::pin(provider_get(f))),
    ("provider_put_get_delete", |f| Box::pin(provider_put_get_delete(f))),
    ("native_login_toggle", |f| Box::pin(native_login_toggle(f))),
    ("oauth_client_list_get", |f| Box::pin(oauth_client_list_get(f))),
    ("oauth_client_create_delete", |f| Box::pin(oauth_client_create_delete(f))),
    ("oauth_client_create_rejects", |f| Box::pin(oauth_client_create_rejects(f))),
    ("users_paging", |f| Box::pin(users_paging(f))),
    ("users_fields", |f| Box::pin(users_fields(f))),
    ("roles", |f| Box::pin(roles(f))),
    ("role_users", |f| Box::pin(role_users(f))),
    ("divisions", |f| Box::pin(divisions(f))),
    ("subject_grants", |f| Box::pin(subject_grants(f))),
    ("permission_denied", |f| Box::pin(permission_denied(f))),
    ("partial_permissions", |f| Box::pin(partial_permissions(f))),
    ("fresh_token", |f| Box::pin(fresh_token(f))),
    ("request_token", |f| Box::pin(request_token(f))),
];

/// Returns the names of the checks, in the order [`run_all`] runs them.
pub fn check_names() -> Vec<&'static str> {
    CHECKS.iter().map(|(name, _)| *name).collect()
}

/// Runs every check of the suite. Each check opens its own backends through
/// `factory`. Panics with the name of the first check that fails and its
/// assertion message.
pub async fn run_all(factory: Factory) {
    for (name, check) in CHECKS {
        tracing::info!(check = name, "conformance check");
        if let Err(panic) = AssertUnwindSafe(check(&factory)).catch_unwind().await {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            panic!("conformance check `{name}` failed: {message}");
        }
    }
}

/// The fixture, parsed.
fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the conformance fixture is valid JSON")
}

fn items<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc[key].as_array().map_or(&[], Vec::as_slice)
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// Returns the ID of every item of a collection, in order.
fn ids(doc: &Value, key: &str) -> Vec<String> {
    items(doc, key).iter().filter_map(|item| text(item, "id")).map(str::to_owned).collect()
}

/// Returns a client's secret as the fixture stores it.
pub fn client_secret(client_id: &str) -> Option<ClientSecret> {
    let doc = fixture();
    items(&doc, "oauthClients")
        .iter()
        .find(|client| text(client, "id") == Some(client_id))
        .and_then(|client| text(client, "secret"))
        .map(ClientSecret::new)
}

fn credentials(client_id: &str, secret: &str) -> ClientCredentials {
    ClientCredentials::new(client_id, ClientSecret::new(secret))
}

fn assert_status<T: std::fmt::Debug>(result: Result<T, ApiError>, status: u16, case: &str) {
    match result {
        Err(error) => assert_eq!(error.status(), Some(status), "{case}: {error}"),
        Ok(value) => panic!("{case}: expected HTTP {status}, got {value:?}"),
    }
}

async fn organization(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let organization = api.organization().await.expect("organization");
    let expected = &doc["organization"];
    assert_eq!(Some(organization.id.as_str()), text(expected, "id"));
    assert_eq!(Some(organization.name.as_str()), text(expected, "name"));
    assert_eq!(organization.third_party_org_name.as_deref(), text(expected, "thirdPartyOrgName"));
    assert_eq!(organization.state.as_deref(), text(expected, "state"));
    assert_eq!(organization.version, expected["version"].as_i64());
}

async fn token_info(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let info = api.token_info().await.expect("token_info");
    let organization = info.organization.as_ref().expect("tokens/me has `organization`");
    assert_eq!(Some(organization.id.as_str()), text(&doc["organization"], "id"));

    let json = serde_json::to_value(&info).expect("TokenInfo serializes");
    assert!(json.get("OAuthClient").is_some(), "tokens/me key is `OAuthClient`: {json}");
    let client = info.oauth_client.expect("tokens/me has `OAuthClient`");
    let expected = items(&doc, "oauthClients")
        .iter()
        .find(|client| text(client, "id") == Some(ADMIN_CLIENT_ID))
        .expect("the fixture has the admin client");
    assert_eq!(client.id, ADMIN_CLIENT_ID);
    assert_eq!(Some(client.name.as_str()), text(expected, "name"));
    assert_eq!(client.authorized_grant_type.as_deref(), Some("CLIENT-CREDENTIALS"));
    assert_eq!(client.secret, None, "tokens/me must not return the secret");
    let expected_roles: Vec<RoleDivision> =
        serde_json::from_value(expected["roleDivisions"].clone()).expect("roleDivisions");
    assert_eq!(client.role_divisions, Some(expected_roles));
}

async fn provider_list(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let listed: BTreeSet<String> = api
        .identity_providers()
        .await
        .expect("identity_providers")
        .into_iter()
        .filter_map(|provider| provider.id)
        .collect();
    let expected: BTreeSet<String> = doc["identityProviders"]
        .as_object()
        .expect("identityProviders")
        .values()
        .filter_map(|provider| text(provider, "id"))
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, expected);
}

async fn provider_get(factory: &Factory) {
    let doc = fixture();
    let configured = doc["identityProviders"].as_object().expect("identityProviders");
    let api = factory(ADMIN_CLIENT_ID).await;
    for kind in ProviderType::ALL {
        let found = api.identity_provider(kind).await.expect("identity_provider");
        match configured.get(kind.as_str()) {
            None => assert!(found.is_none(), "`{kind}` is not configured, expected 404"),
            Some(expected) => {
                let found = found.unwrap_or_else(|| panic!("`{kind}` is configured"));
                let found = serde_json::to_value(found).expect("provider serializes");
                for (key, value) in expected.as_object().expect("provider object") {
                    assert_eq!(found.get(key), Some(value), "`{kind}` field `{key}`");
                }
            }
        }
    }
}

fn generic_body(name: &str) -> IdentityProvider {
    let mut body = IdentityProvider {
        name: Some(name.to_owned()),
        disabled: Some(false),
        issuer_uri: Some("https://idp.conformance.example.com/saml".to_owned()),
        sso_target_uri: Some("https://idp.conformance.example.com/saml/sso".to_owned()),
        sso_binding: Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect".to_owned()),
        certificate: Some("MIICconformanceGenericCertificate".to_owned()),
        certificates: Some(vec!["MIICconformanceGenericCertificate".to_owned()]),
        ..IdentityProvider::default()
    };
    body.extra.insert("relyingPartyIdentifier".to_owned(), "urn:gc:conformance-org".into());
    body.extra.insert("signAuthnRequests".to_owned(), false.into());
    body
}

/// Asserts that every field of `sent` reads back equal, `id` and `selfUri`
/// aside.
fn assert_reads_back(sent: &IdentityProvider, read: &IdentityProvider, case: &str) {
    let sent = serde_json::to_value(sent).expect("provider serializes");
    let read = serde_json::to_value(read).expect("provider serializes");
    for (key, value) in sent.as_object().expect("provider object") {
        if key == "id" || key == "selfUri" {
            continue;
        }
        assert_eq!(read.get(key), Some(value), "{case}: field `{key}`");
    }
}

async fn provider_put_get_delete(factory: &Factory) {
    let api = factory(ADMIN_CLIENT_ID).await;
    let kind = ProviderType::Generic;
    assert!(api.identity_provider(kind).await.expect("get").is_none(), "generic starts absent");

    let body = generic_body("Conformance IdP");
    let reference = api.put_identity_provider(kind, &body).await.expect("put generic");
    let id = reference.id.clone().expect("PUT returns the provider's id");
    assert!(!id.is_empty());
    assert_eq!(reference.name.as_deref(), Some("Conformance IdP"));
    assert_eq!(reference.disabled, Some(false));

    let read = api.identity_provider(kind).await.expect("get").expect("generic after PUT");
    assert_reads_back(&body, &read, "generic after PUT");
    assert_eq!(read.id.as_deref(), Some(id.as_str()));
    let listed = api.identity_providers().await.expect("list");
    assert!(listed.iter().any(|provider| provider.id.as_deref() == Some(&id)), "list has generic");

    let renamed = generic_body("Renamed IdP");
    let again = api.put_identity_provider(kind, &renamed).await.expect("second put");
    assert_eq!(again.id.as_deref(), Some(id.as_str()), "a PUT without id keeps the id");
    let read = api.identity_provider(kind).await.expect("get").expect("generic after 2nd PUT");
    assert_reads_back(&renamed, &read, "generic after second PUT");

    let mut okta = api.identity_provider(ProviderType::Okta).await.expect("get").expect("okta");
    okta.disabled = Some(true);
    api.put_identity_provider(ProviderType::Okta, &okta).await.expect("put okta as read");
    let read = api.identity_provider(ProviderType::Okta).await.expect("get").expect("okta");
    assert_reads_back(&okta, &read, "okta after read-modify-write");

    api.delete_identity_provider(kind).await.expect("delete generic");
    assert!(api.identity_provider(kind).await.expect("get").is_none(), "generic after DELETE");
    let listed = api.identity_providers().await.expect("list");
    assert!(listed.iter().all(|provider| provider.id.as_deref() != Some(&id)), "list after delete");
    assert_status(api.delete_identity_provider(kind).await, 404, "second DELETE of generic");
}

async fn native_login_toggle(factory: &Factory) {
    let api = factory(ADMIN_CLIENT_ID).await;
    let kind = ProviderType::Purecloud;
    let mut native = api.identity_provider(kind).await.expect("get").expect("purecloud");
    assert!(!native.is_disabled(), "native login starts enabled");
    native.disabled = Some(true);
    let reference = api.put_identity_provider(kind, &native).await.expect("disable native login");
    assert_eq!(reference.disabled, Some(true));
    let read = api.identity_provider(kind).await.expect("get").expect("purecloud");
    assert!(read.is_disabled(), "native login reads back disabled");
    native.disabled = Some(false);
    api.put_identity_provider(kind, &native).await.expect("enable native login");
    let read = api.identity_provider(kind).await.expect("get").expect("purecloud");
    assert!(!read.is_disabled(), "native login reads back enabled");
}

async fn oauth_client_list_get(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let listed = api.oauth_clients().await.expect("oauth_clients");
    let listed_ids: BTreeSet<String> = listed.iter().map(|client| client.id.clone()).collect();
    let expected_ids: BTreeSet<String> = ids(&doc, "oauthClients").into_iter().collect();
    assert_eq!(listed_ids, expected_ids);
    assert!(listed.iter().all(|client| client.secret.is_none()), "the list carries no secrets");

    for expected in items(&doc, "oauthClients") {
        let id = text(expected, "id").expect("client id");
        let client = api.oauth_client(id).await.expect("oauth_client");
        assert_eq!(Some(client.name.as_str()), text(expected, "name"), "client {id}");
        assert_eq!(
            client.authorized_grant_type.as_deref(),
            text(expected, "authorizedGrantType"),
            "client {id}"
        );
        assert_eq!(client.state.as_deref(), text(expected, "state"), "client {id}");
        assert_eq!(client.secret, None, "GET of client {id} returns no secret");
    }
    assert_status(api.oauth_client("c-missing").await, 404, "GET of an unknown client");
}

fn client_request(name: &str, role_id: &str, division_id: &str) -> OAuthClientRequest {
    OAuthClientRequest {
        name: name.to_owned(),
        authorized_grant_type: "CLIENT-CREDENTIALS".to_owned(),
        role_divisions: Some(vec![RoleDivision {
            role_id: role_id.to_owned(),
            division_id: division_id.to_owned(),
        }]),
        description: Some("created by the conformance suite".to_owned()),
        access_token_validity_seconds: Some(3600),
        state: None,
    }
}

fn role_id_named(doc: &Value, name: &str) -> String {
    items(doc, "roles")
        .iter()
        .find(|role| text(role, "name") == Some(name))
        .and_then(|role| text(role, "id"))
        .unwrap_or_else(|| panic!("the fixture has role `{name}`"))
        .to_owned()
}

fn home_division(doc: &Value) -> String {
    items(doc, "divisions")
        .iter()
        .find(|division| division["homeDivision"] == Value::Bool(true))
        .and_then(|division| text(division, "id"))
        .expect("the fixture has a home division")
        .to_owned()
}

async fn oauth_client_create_delete(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let request = client_request("conformance-break-glass", &role_id_named(&doc, "SSO Admin"), "*");
    let created = api.create_oauth_client(&request).await.expect("create_oauth_client");
    assert!(!created.id.is_empty(), "the new client has an id");
    let secret = created.secret.clone().expect("create returns the secret once");
    assert!(!secret.is_empty());
    assert_eq!(created.name, request.name);
    assert_eq!(created.authorized_grant_type.as_deref(), Some("CLIENT-CREDENTIALS"));
    assert_eq!(created.role_divisions, request.role_divisions);
    assert!(created.is_active(), "a new client is active");

    let read = api.oauth_client(&created.id).await.expect("GET of the new client");
    assert_eq!(read.secret, None, "GET does not return the secret");
    assert_eq!(read.name, request.name);
    let listed = api.oauth_clients().await.expect("list");
    assert_eq!(listed.len(), items(&doc, "oauthClients").len() + 1);
    assert!(listed.iter().any(|client| client.id == created.id), "the list has the new client");

    let grant = api
        .request_token(&credentials(&created.id, &secret))
        .await
        .expect("the new client gets a token with its secret");
    assert!(!grant.access_token.expose().is_empty());

    api.delete_oauth_client(&created.id).await.expect("delete_oauth_client");
    assert_status(api.oauth_client(&created.id).await, 404, "GET of the deleted client");
    assert_status(api.delete_oauth_client(&created.id).await, 404, "second DELETE");
    let rejected = api.request_token(&credentials(&created.id, &secret)).await;
    assert!(matches!(rejected, Err(ApiError::Auth(_))), "deleted client token: {rejected:?}");
}

async fn oauth_client_create_rejects(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let unknown_role = client_request("bad-role", "no-such-role", &home_division(&doc));
    assert_status(api.create_oauth_client(&unknown_role).await, 400, "unknown role");
    let mut bad_grant = client_request("bad-grant", &role_id_named(&doc, "SSO Admin"), "*");
    "CLIENT_CREDENTIALS".clone_into(&mut bad_grant.authorized_grant_type);
    assert_status(api.create_oauth_client(&bad_grant).await, 400, "grant type with underscore");
    let listed = api.oauth_clients().await.expect("list");
    assert_eq!(listed.len(), items(&doc, "oauthClients").len(), "rejected requests add nothing");
}

/// Walks every page of size `size` through `fetch`, checking each envelope,
/// and returns the items in order.
async fn walk<T, F, Fut>(size: u32, max: u32, expected_total: usize, case: &str, fetch: F) -> Vec<T>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let effective = size.clamp(1, max);
    let expected_count = (expected_total as u64).div_ceil(u64::from(effective)) as u32;
    let mut all = Vec::new();
    let mut number = 1;
    loop {
        let page = fetch(PageRequest::new(number, size)).await.expect(case);
        let at = format!("{case}, page size {size}, page {number}");
        assert_eq!(page.page_size, Some(effective), "{at}: pageSize");
        assert_eq!(page.page_number, Some(number), "{at}: pageNumber");
        assert_eq!(page.total, Some(expected_total as u64), "{at}: total");
        assert_eq!(page.page_count, Some(expected_count), "{at}: pageCount");
        let remaining = expected_total - all.len().min(expected_total);
        assert_eq!(page.entities.len(), remaining.min(effective as usize), "{at}: item count");
        assert_eq!(page.next_uri.is_some(), number < expected_count, "{at}: nextUri");
        all.extend(page.entities);
        if page.next_uri.is_none() {
            break;
        }
        number += 1;
    }
    let past_end = fetch(PageRequest::new(expected_count + 1, size)).await.expect(case);
    assert!(past_end.entities.is_empty(), "{case}: the page after the last is empty");
    assert_eq!(past_end.total, Some(expected_total as u64), "{case}: total past the end");
    assert_eq!(past_end.next_uri, None, "{case}: no nextUri past the end");
    all
}

/// Page sizes around `total`: 1, 2, 7, one less than the total (so the last
/// page holds one item), the total, one more, the maximum, and above it.
fn sizes_around(total: usize, max: u32) -> Vec<u32> {
    let total = total as u32;
    let mut sizes =
        vec![1, 2, 7, total.saturating_sub(1).max(1), total.max(1), total + 1, max, max + 500];
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

async fn users_paging(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    for state in [UserStateFilter::Active, UserStateFilter::Inactive, UserStateFilter::Any] {
        let expected: Vec<String> = items(&doc, "users")
            .iter()
            .filter(|user| state.matches(text(user, "state")))
            .filter_map(|user| text(user, "id"))
            .map(str::to_owned)
            .collect();
        for size in sizes_around(expected.len(), MAX_PAGE_SIZE_USERS) {
            let case = format!("users with state {}", state.as_str());
            let users = walk(size, MAX_PAGE_SIZE_USERS, expected.len(), &case, |page| {
                api.users_page(page, state)
            })
            .await;
            let walked: Vec<String> = users.into_iter().map(|user| user.id).collect();
            assert_eq!(walked, expected, "{case}, page size {size}: ids in snapshot order");
        }
    }
    assert_status(
        api.users_page(PageRequest::new(0, 25), UserStateFilter::Any).await,
        400,
        "pageNumber 0",
    );
}

async fn users_fields(factory: &Factory) {
    let doc = fixture();
    let api = factory(REPORTING_CLIENT_ID).await;
    let page = api
        .users_page(PageRequest::new(1, MAX_PAGE_SIZE_USERS), UserStateFilter::Any)
        .await
        .expect("users are readable without permissions");
    let by_id: BTreeMap<&str, &Value> = items(&doc, "users")
        .iter()
        .filter_map(|user| text(user, "id").map(|id| (id, user)))
        .collect();
    let mut without_email = 0;
    for user in &page.entities {
        let expected = by_id[user.id.as_str()];
        assert_eq!(Some(user.name.as_str()), text(expected, "name"), "user {}", user.id);
        assert_eq!(user.email.as_deref(), text(expected, "email"), "user {}", user.id);
        assert_eq!(user.state.as_deref(), text(expected, "state"), "user {}", user.id);
        assert_ne!(user.state.as_deref(), Some("deleted"), "state=any leaves deleted users out");
        if user.email.is_none() {
            without_email += 1;
        }
    }
    assert!(without_email >= 1, "the fixture's user without email is listed");
}

async fn roles(factory: &Factory) {
    let doc = fixture();
    let expected = ids(&doc, "roles");
    let api = factory(ADMIN_CLIENT_ID).await;
    for size in sizes_around(expected.len(), MAX_PAGE_SIZE_DEFAULT) {
        let roles =
            walk(size, MAX_PAGE_SIZE_DEFAULT, expected.len(), "roles", |page| api.roles_page(page))
                .await;
        let walked: Vec<&str> = roles.iter().map(|role| role.id.as_str()).collect();
        assert_eq!(walked, expected, "roles, page size {size}");
        for (role, stored) in roles.iter().zip(items(&doc, "roles")) {
            let stored_permissions: Vec<String> =
                serde_json::from_value(stored.get("permissions").cloned().unwrap_or(Value::Null))
                    .unwrap_or_default();
            assert_eq!(role.permissions, stored_permissions, "role {} permissions", role.id);
            let policies = stored["permissionPolicies"].as_array().map_or(0, Vec::len);
            assert_eq!(role.permission_policies.len(), policies, "role {} policies", role.id);
        }
    }
}

/// Returns the distinct subjects of each role's grants in the fixture.
fn expected_members(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut members: BTreeMap<String, BTreeSet<String>> =
        ids(doc, "roles").into_iter().map(|id| (id, BTreeSet::new())).collect();
    for grant in items(doc, "grants") {
        if let (Some(role), Some(subject)) = (text(grant, "roleId"), text(grant, "subjectId")) {
            members.entry(role.to_owned()).or_default().insert(subject.to_owned());
        }
    }
    members
}

async fn role_users(factory: &Factory) {
    let doc = fixture();
    let api = factory(REPORTING_CLIENT_ID).await;
    let members = expected_members(&doc);
    assert!(members.values().any(BTreeSet::is_empty), "the fixture has a role without members");
    for (role_id, expected) in &members {
        for size in [1, 2, MAX_PAGE_SIZE_DEFAULT] {
            let case = format!("members of role {role_id}");
            let walked = walk(size, MAX_PAGE_SIZE_DEFAULT, expected.len(), &case, |page| {
                api.role_users_page(role_id, page)
            })
            .await;
            let walked_ids: Vec<String> = walked.into_iter().map(|user| user.id).collect();
            let distinct: BTreeSet<String> = walked_ids.iter().cloned().collect();
            assert_eq!(distinct.len(), walked_ids.len(), "{case}: each member once");
            assert_eq!(&distinct, expected, "{case}, page size {size}");
        }
    }
    assert_status(
        api.role_users_page("no-such-role", PageRequest::new(1, 25)).await,
        404,
        "members of an unknown role",
    );
}

async fn divisions(factory: &Factory) {
    let doc = fixture();
    let expected = ids(&doc, "divisions");
    let api = factory(REPORTING_CLIENT_ID).await;
    for size in sizes_around(expected.len(), MAX_PAGE_SIZE_DEFAULT) {
        let divisions = walk(size, MAX_PAGE_SIZE_DEFAULT, expected.len(), "divisions", |page| {
            api.divisions_page(page)
        })
        .await;
        let walked: Vec<&str> = divisions.iter().map(|division| division.id.as_str()).collect();
        assert_eq!(walked, expected, "divisions, page size {size}");
        for (division, stored) in divisions.iter().zip(items(&doc, "divisions")) {
            assert_eq!(Some(division.name.as_str()), text(stored, "name"));
            assert_eq!(division.home_division, stored["homeDivision"].as_bool());
        }
    }
}

async fn subject_grants(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let mut expected: BTreeMap<String, BTreeSet<Grant>> = BTreeMap::new();
    for grant in items(&doc, "grants") {
        let grant: Grant = serde_json::from_value(grant.clone()).expect("fixture grant");
        expected.entry(grant.subject_id.clone()).or_default().insert(grant);
    }
    for (subject_id, grants) in &expected {
        let subject = api.subject(subject_id).await.expect("subject");
        assert_eq!(&subject.id, subject_id);
        let read: BTreeSet<Grant> = subject.role_divisions().into_iter().collect();
        assert_eq!(&read, grants, "grants of {subject_id}");
    }
    let without_grants = ids(&doc, "users")
        .into_iter()
        .find(|id| !expected.contains_key(id))
        .expect("the fixture has a user without grants");
    let subject = api.subject(&without_grants).await.expect("subject without grants");
    assert!(subject.grants.is_empty(), "user {without_grants} has no grants");
    assert_status(api.subject("no-such-subject").await, 404, "unknown subject");
}

/// Asserts a 403 that names one of `permissions`.
fn assert_denied<T: std::fmt::Debug>(
    result: Result<T, ApiError>,
    permissions: &[&str],
    case: &str,
) {
    match result {
        Err(ApiError::PermissionDenied { permissions: named, .. }) => assert!(
            named.iter().any(|name| permissions.contains(&name.as_str())),
            "{case}: the 403 names {named:?}, expected one of {permissions:?}"
        ),
        other => panic!("{case}: expected a 403 naming {permissions:?}, got {other:?}"),
    }
}

async fn permission_denied(factory: &Factory) {
    let api = factory(REPORTING_CLIENT_ID).await;
    let view = ["sso:provider:view"];
    assert_denied(api.identity_providers().await, &view, "provider list");
    assert_denied(api.identity_provider(ProviderType::Okta).await, &view, "provider get");
    assert_denied(
        api.put_identity_provider(ProviderType::Generic, &generic_body("x")).await,
        &["sso:provider:add", "sso:provider:edit"],
        "provider put",
    );
    assert_denied(
        api.delete_identity_provider(ProviderType::Okta).await,
        &["sso:provider:delete"],
        "provider delete",
    );
    assert_denied(api.oauth_clients().await, &["oauth:client:view"], "client list");
    assert_denied(api.oauth_client(ADMIN_CLIENT_ID).await, &["oauth:client:view"], "client get");
    assert_denied(
        api.create_oauth_client(&client_request("x", "r", "*")).await,
        &["oauth:client:add"],
        "client create",
    );
    assert_denied(
        api.delete_oauth_client(ADMIN_CLIENT_ID).await,
        &["oauth:client:delete"],
        "client delete",
    );
    assert_denied(
        api.roles_page(PageRequest::new(1, 25)).await,
        &["authorization:role:view"],
        "roles",
    );
    assert_denied(api.subject(ADMIN_CLIENT_ID).await, &["authorization:grant:view"], "subject");

    api.organization().await.expect("organization needs no permission");
    api.token_info().await.expect("tokens/me needs no permission");
    api.users_page(PageRequest::new(1, 25), UserStateFilter::Active)
        .await
        .expect("users need no permission");
    api.divisions_page(PageRequest::new(1, 25)).await.expect("divisions need no permission");
    let doc = fixture();
    let role = role_id_named(&doc, "SSO Admin");
    api.role_users_page(&role, PageRequest::new(1, 25)).await.expect("role members need none");
}

async fn partial_permissions(factory: &Factory) {
    let viewer = factory(VIEWER_CLIENT_ID).await;
    viewer.identity_providers().await.expect("the viewer lists providers");
    viewer.identity_provider(ProviderType::Okta).await.expect("the viewer reads a provider");
    assert_denied(
        viewer.put_identity_provider(ProviderType::Generic, &generic_body("x")).await,
        &["sso:provider:add", "sso:provider:edit"],
        "viewer put",
    );
    assert!(
        viewer.identity_provider(ProviderType::Generic).await.expect("get").is_none(),
        "a rejected PUT changes nothing"
    );
    assert_denied(
        viewer.delete_identity_provider(ProviderType::Okta).await,
        &["sso:provider:delete"],
        "viewer delete",
    );
    assert!(
        viewer.identity_provider(ProviderType::Okta).await.expect("get").is_some(),
        "a rejected DELETE changes nothing"
    );

    let editor = factory(EDITOR_CLIENT_ID).await;
    editor
        .put_identity_provider(ProviderType::Generic, &generic_body("edited"))
        .await
        .expect("either of sso:provider:add and sso:provider:edit allows a PUT");
    assert_denied(
        editor.delete_identity_provider(ProviderType::Generic).await,
        &["sso:provider:delete"],
        "editor delete",
    );

    let legacy = factory(LEGACY_CLIENT_ID).await;
    legacy.oauth_clients().await.expect("roles from the deprecated roleIds count");
    legacy.roles_page(PageRequest::new(1, 25)).await.expect("policy-form permissions count");
    assert_denied(legacy.identity_providers().await, &["sso:provider:view"], "legacy providers");
}

async fn fresh_token(factory: &Factory) {
    let doc = fixture();
    let api = factory(ADMIN_CLIENT_ID).await;
    let first = api.fresh_token().await.expect("fresh_token");
    assert!(!first.access_token.expose().is_empty());
    let lifetime = items(&doc, "oauthClients")
        .iter()
        .find(|client| text(client, "id") == Some(ADMIN_CLIENT_ID))
        .and_then(|client| client["accessTokenValiditySeconds"].as_u64())
        .expect("the admin client states its token lifetime");
    assert_eq!(first.expires_in, lifetime);
    let second = api.fresh_token().await.expect("second fresh_token");
    assert_ne!(first.access_token.expose(), second.access_token.expose(), "tokens are new");
}

async fn request_token(factory: &Factory) {
    let api = factory(ADMIN_CLIENT_ID).await;
    let secret_of =
        |id: &str| client_secret(id).unwrap_or_else(|| panic!("the fixture has a secret for {id}"));
    let break_glass = secret_of(BREAK_GLASS_CLIENT_ID);
    let grant = api
        .request_token(&credentials(BREAK_GLASS_CLIENT_ID, break_glass.expose()))
        .await
        .expect("the break-glass client gets a token with its secret");
    assert!(!grant.access_token.expose().is_empty());

    let rejected = [
        (BREAK_GLASS_CLIENT_ID, "wrong-secret".to_owned(), "wrong secret"),
        (INACTIVE_CLIENT_ID, secret_of(INACTIVE_CLIENT_ID).expose().to_owned(), "inactive client"),
        (DISABLED_CLIENT_ID, secret_of(DISABLED_CLIENT_ID).expose().to_owned(), "disabled client"),
        (SECRETLESS_CLIENT_ID, "anything".to_owned(), "client without secret"),
        (CODE_CLIENT_ID, secret_of(CODE_CLIENT_ID).expose().to_owned(), "code-grant client"),
        ("c-missing", "anything".to_owned(), "unknown client"),
    ];
    for (client_id, secret, case) in rejected {
        let result = api.request_token(&credentials(client_id, &secret)).await;
        assert!(
            matches!(result, Err(ApiError::Auth(_))),
            "{case}: expected a rejection, got {result:?}"
        );
    }
}
