//! Tests of sessions, write-back and fault injection through the public API.

use std::fs;
use std::time::Duration;

use cutover_api::conformance::{
    ADMIN_CLIENT_ID, BREAK_GLASS_CLIENT_ID, FIXTURE, INACTIVE_CLIENT_ID, REPORTING_CLIENT_ID,
    SECRETLESS_CLIENT_ID,
};
use cutover_api::models::{OAuthClientRequest, PageRequest, ProviderType, UserStateFilter};
use cutover_api::paging::collect_all;
use cutover_api::{ApiError, IdentityProvider, OrgApi};
use cutover_auth::ClientSecret;
use serde_json::{Value, json};

use crate::{
    FaultAction, FaultPlan, FaultRule, MemoryOrg, Operation, SessionError, SnapshotError, Trigger,
};

fn fixture_org() -> MemoryOrg {
    MemoryOrg::from_json(FIXTURE).expect("the fixture loads")
}

fn admin() -> crate::MemoryApi {
    fixture_org().session(Some(ADMIN_CLIENT_ID), None).expect("admin session")
}

/// Writes `text` to a new file in a temporary folder.
fn temp_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("org.json");
    fs::write(&path, text).expect("write the snapshot");
    (folder, path)
}

#[test]
fn session_without_id_picks_first_usable_client() {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    let clients = doc["oauthClients"].as_array_mut().unwrap();
    let inactive = clients.iter().position(|c| c["id"] == INACTIVE_CLIENT_ID).unwrap();
    let moved = clients.remove(inactive);
    clients.insert(0, moved);
    let secretless = clients.iter().position(|c| c["id"] == SECRETLESS_CLIENT_ID).unwrap();
    let moved = clients.remove(secretless);
    clients.insert(0, moved);
    let org = MemoryOrg::from_json(&doc.to_string()).unwrap();

    let api = org.session(None, None).unwrap();
    assert_eq!(api.client_id(), ADMIN_CLIENT_ID);
}

#[test]
fn session_refusals_say_why() {
    let org = fixture_org();
    let unknown = org.session(Some("nobody"), None).unwrap_err();
    assert!(matches!(unknown, SessionError::UnknownClient { .. }), "{unknown}");

    let wrong = org.session(Some(ADMIN_CLIENT_ID), Some(&ClientSecret::new("nope"))).unwrap_err();
    assert!(wrong.to_string().contains("does not match"), "{wrong}");

    let inactive = org.session(Some(INACTIVE_CLIENT_ID), None).unwrap_err();
    assert!(inactive.to_string().contains("`inactive`"), "{inactive}");

    let secretless = org.session(Some(SECRETLESS_CLIENT_ID), None).unwrap_err();
    assert!(secretless.to_string().contains("no `secret`"), "{secretless}");

    let right = org.client_secret(ADMIN_CLIENT_ID).unwrap();
    assert!(org.session(Some(ADMIN_CLIENT_ID), Some(&right)).is_ok());
}

#[test]
fn session_without_usable_client_fails() {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    for client in doc["oauthClients"].as_array_mut().unwrap() {
        client.as_object_mut().unwrap().remove("secret");
    }
    let org = MemoryOrg::from_json(&doc.to_string()).unwrap();
    assert!(matches!(org.session(None, None), Err(SessionError::NoUsableClient)));
}

#[tokio::test]
async fn fresh_token_checks_session_secret() {
    let org = fixture_org();
    let secret = org.client_secret(BREAK_GLASS_CLIENT_ID).unwrap();
    let api = org.session(Some(BREAK_GLASS_CLIENT_ID), Some(&secret)).unwrap();
    let grant = api.fresh_token().await.unwrap();
    assert_eq!(grant.expires_in, 3600);
    let error = fixture_org()
        .session(Some(BREAK_GLASS_CLIENT_ID), Some(&ClientSecret::new("x")))
        .unwrap_err();
    assert!(matches!(error, SessionError::TokenRefused { .. }));
}

#[tokio::test]
async fn deleted_own_client_loses_access() {
    let api = admin();
    api.delete_oauth_client(ADMIN_CLIENT_ID).await.unwrap();
    let error = api.organization().await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    assert!(error.to_string().contains("no longer exists"), "{error}");
    assert!(matches!(api.fresh_token().await, Err(ApiError::Auth(_))));
}

#[tokio::test]
async fn denial_names_permission_and_context() {
    let api = fixture_org().session(Some(REPORTING_CLIENT_ID), None).unwrap();
    let error =
        api.put_identity_provider(ProviderType::Generic, &IdentityProvider::default()).await;
    let error = error.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("`sso:provider:add`"), "{text}");
    assert!(text.contains("`sso:provider:edit`"), "{text}");
    assert!(error.context_id().is_some_and(|id| id.len() == 36), "{error:?}");
}

#[tokio::test]
async fn token_info_names_organization() {
    let info = admin().token_info().await.unwrap();
    let client = info.oauth_client.unwrap();
    assert_eq!(client.extra["organization"]["name"], "Conformance Org");
}

#[tokio::test]
async fn created_client_is_stored_with_secret() {
    let api = admin();
    let request = OAuthClientRequest {
        name: "new-client".into(),
        authorized_grant_type: "CLIENT-CREDENTIALS".into(),
        ..OAuthClientRequest::default()
    };
    let created = api.create_oauth_client(&request).await.unwrap();
    let secret = created.secret.clone().unwrap();
    let org = api.org();
    let stored = org.to_value()["oauthClients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|client| client["id"] == created.id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(stored["secret"], secret.as_str());
    assert_eq!(stored["accessTokenValiditySeconds"], 86_400);
    assert_eq!(stored["state"], "active");
    let again = org.session(Some(&created.id), Some(&ClientSecret::new(secret))).unwrap();
    assert_eq!(again.client_id(), created.id);
}

#[tokio::test]
async fn put_adds_id_and_keeps_body() {
    let api = admin();
    let mut body = IdentityProvider { name: Some("Generic".into()), ..Default::default() };
    body.extra.insert("futureField".into(), json!({"nested": [1, 2]}));
    let reference = api.put_identity_provider(ProviderType::Generic, &body).await.unwrap();
    let stored = &api.org().to_value()["identityProviders"]["generic"];
    let keys: Vec<&String> = stored.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "name", "futureField"]);
    assert_eq!(stored["id"], reference.id.unwrap().as_str());
    assert_eq!(reference.extra["selfUri"], "/api/v2/identityproviders/generic");
}

#[tokio::test]
async fn save_writes_changes_and_keeps_mode() {
    let (_folder, path) = temp_file(FIXTURE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let org = MemoryOrg::load(&path).unwrap();
    assert!(!org.has_changes());
    let api = org.session(None, None).unwrap();
    api.delete_identity_provider(ProviderType::Okta).await.unwrap();
    assert!(org.has_changes());
    org.save().unwrap();
    assert!(!org.has_changes());

    let reloaded = MemoryOrg::load(&path).unwrap();
    let providers = reloaded.to_value()["identityProviders"].clone();
    assert!(providers.get("okta").is_none(), "{providers}");
    assert!(providers.get("purecloud").is_some(), "{providers}");
    let secret = reloaded.client_secret(ADMIN_CLIENT_ID).unwrap();
    assert_eq!(secret.expose(), "conformance-secret-admin-0001");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
    }
}

#[test]
fn load_then_save_is_byte_stable() {
    let (_folder, path) = temp_file(FIXTURE);
    let org = MemoryOrg::load(&path).unwrap();
    org.save().unwrap();
    assert_same_text(&fs::read_to_string(&path).unwrap(), FIXTURE);
}

/// A change that puts back what was there forces a rewrite, which must
/// reproduce the file exactly, unknown fields and key order included.
#[tokio::test]
async fn rewrite_after_change_is_byte_stable() {
    let four_spaces = reindent(FIXTURE, "    ");
    for text in [FIXTURE.to_owned(), four_spaces] {
        let (_folder, path) = temp_file(&text);
        let org = MemoryOrg::load(&path).unwrap();
        let api = org.session(None, None).unwrap();
        let okta = api.identity_provider(ProviderType::Okta).await.unwrap().unwrap();
        api.put_identity_provider(ProviderType::Okta, &okta).await.unwrap();
        assert!(org.has_changes());
        org.save().unwrap();
        assert_same_text(&fs::read_to_string(&path).unwrap(), &text);
    }
}

/// Asserts equal texts, reporting the first line that differs.
fn assert_same_text(actual: &str, expected: &str) {
    let difference =
        actual.lines().zip(expected.lines()).enumerate().find(|(_, (left, right))| left != right);
    if let Some((number, (left, right))) = difference {
        panic!("line {}: wrote {left:?}, expected {right:?}", number + 1);
    }
    assert_eq!(actual.len(), expected.len(), "same lines, different length");
}

fn reindent(text: &str, unit: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap();
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&value, &mut serializer).unwrap();
    String::from_utf8(out).unwrap() + "\n"
}

#[tokio::test]
async fn unknown_fields_survive_changes() {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    doc["futureTopLevel"] = json!({"z": 1, "a": [true, null]});
    doc["organization"]["zzUnknown"] = json!("kept");
    doc["users"][0]["customAttributes"] = json!({"b": 2, "a": 1});
    doc["oauthClients"][0]["futureClientField"] = json!(["x"]);
    let (_folder, path) = temp_file(&serde_json::to_string_pretty(&doc).unwrap());
    let org = MemoryOrg::load(&path).unwrap();
    let api = org.session(None, None).unwrap();
    api.delete_identity_provider(ProviderType::Okta).await.unwrap();
    org.save().unwrap();

    let saved: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let mut expected = doc.clone();
    expected["identityProviders"].as_object_mut().unwrap().shift_remove("okta");
    assert_eq!(saved, expected);
    let keys: Vec<&String> = saved.as_object().unwrap().keys().collect();
    let expected_keys: Vec<&String> = expected.as_object().unwrap().keys().collect();
    assert_eq!(keys, expected_keys);
    let attribute_keys: Vec<&String> =
        saved["users"][0]["customAttributes"].as_object().unwrap().keys().collect();
    assert_eq!(attribute_keys, ["b", "a"]);
}

#[test]
fn save_needs_a_file() {
    let error = fixture_org().save().unwrap_err();
    assert!(matches!(error, SnapshotError::NoFile), "{error}");
}

#[test]
fn load_errors_name_file_and_location() {
    let broken = FIXTURE.replacen("\"region\": \"eu-west-1\"", "\"region\": \"eu-north-9\"", 1);
    let (_folder, path) = temp_file(&broken);
    let error = MemoryOrg::load(&path).unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert_eq!(error.location(), Some("region"));
    assert!(!text.contains('\n'), "one line: {text}");

    let (_folder, path) = temp_file("{\n  \"schema\": \n}");
    let text = MemoryOrg::load(&path).unwrap_err().to_string();
    assert!(text.contains("line 3, column 1"), "{text}");
}

#[test]
fn load_rejects_file_over_limit() {
    let (_folder, path) = temp_file(FIXTURE);
    let limit = FIXTURE.len() as u64 - 1;
    let error = MemoryOrg::load_with_limit(&path, limit).unwrap_err();
    assert!(matches!(error, SnapshotError::TooLarge { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains(" bytes) size limit"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(MemoryOrg::load_with_limit(&path, FIXTURE.len() as u64).is_ok());
}

#[cfg(unix)]
#[test]
fn load_stops_reading_endless_device() {
    let error = MemoryOrg::load_with_limit("/dev/zero", 1024 * 1024).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("1 MiB (1,048,576 bytes)"), "{text}");
    assert!(text.contains("`/dev/zero`"), "{text}");
}

#[tokio::test]
async fn byte_order_mark_accepted_and_kept() {
    let (_folder, path) = temp_file(&format!("\u{feff}{FIXTURE}"));
    let org = MemoryOrg::load(&path).unwrap();
    let api = org.session(Some(ADMIN_CLIENT_ID), None).unwrap();
    let body = IdentityProvider { name: Some("B".into()), ..Default::default() };
    api.put_identity_provider(ProviderType::Ping, &body).await.unwrap();
    org.save().unwrap();
    let saved = fs::read_to_string(&path).unwrap();
    assert!(saved.starts_with('\u{feff}'), "the mark is written back");
    assert!(!saved[3..].contains('\u{feff}'), "written once");
    let reloaded = MemoryOrg::load(&path).unwrap();
    assert!(reloaded.to_value()["identityProviders"].get("ping").is_some());
}

#[test]
fn file_without_mark_saved_without_one() {
    let (_folder, path) = temp_file(FIXTURE);
    MemoryOrg::load(&path).unwrap().save_to(&path).unwrap();
    assert!(!fs::read_to_string(&path).unwrap().starts_with('\u{feff}'));
}

#[test]
fn secretless_org_advice_names_inventory_snapshot() {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    for client in doc["oauthClients"].as_array_mut().unwrap() {
        client.as_object_mut().unwrap().remove("secret");
    }
    let org = MemoryOrg::from_json(&doc.to_string()).unwrap();
    let text = org.session(None, None).unwrap_err().to_string();
    assert!(text.contains("inventory --snapshot"), "{text}");
    assert!(text.contains("`secret`"), "{text}");
    assert!(!text.contains("client ID"), "a client ID alone cannot help: {text}");
    let named = org.session(Some(ADMIN_CLIENT_ID), None).unwrap_err().to_string();
    assert!(named.contains("inventory --snapshot"), "{named}");
}

#[test]
fn non_string_secret_named_not_shown() {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    doc["oauthClients"][0]["secret"] = json!(123_456_789);
    let error = MemoryOrg::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(error.location(), Some("oauthClients[0].secret"));
    let text = error.to_string();
    assert!(!text.contains("123456789"), "a secret is never shown: {text}");
    assert!(text.contains("oauthClients[0].secret"), "{text}");
}

#[tokio::test]
async fn status_fault_fails_nth_call_only() {
    let api = admin();
    api.org().faults().install(FaultPlan::new().fail_nth(Operation::PutIdentityProvider, 2, 503));
    let body = IdentityProvider { name: Some("A".into()), ..Default::default() };
    api.put_identity_provider(ProviderType::Generic, &body).await.unwrap();
    let error = api.put_identity_provider(ProviderType::Ping, &body).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(matches!(&error, ApiError::Server { code, .. } if code == "service.unavailable"));
    assert!(api.identity_provider(ProviderType::Ping).await.unwrap().is_none(), "not applied");
    api.put_identity_provider(ProviderType::Ping, &body).await.unwrap();
    assert_eq!(api.org().call_count(Operation::PutIdentityProvider), 3);
    assert_eq!(api.org().faults().fired_count(), 1);
}

#[tokio::test]
async fn after_apply_fault_reports_error_but_changes() {
    let api = admin();
    api.org().faults().add(
        FaultRule::new(Operation::DeleteIdentityProvider, Trigger::nth(1), FaultAction::Timeout)
            .after_apply(),
    );
    let error = api.delete_identity_provider(ProviderType::Okta).await.unwrap_err();
    assert!(matches!(error, ApiError::Transport { timed_out: true, .. }), "{error:?}");
    assert!(api.identity_provider(ProviderType::Okta).await.unwrap().is_none(), "applied");
}

#[tokio::test]
async fn every_fault_kind_maps_to_its_error() {
    let cases: [(FaultAction, Option<u16>); 6] = [
        (FaultAction::Status(500), Some(500)),
        (FaultAction::Status(400), Some(400)),
        (FaultAction::Status(403), Some(403)),
        (FaultAction::Status(429), Some(429)),
        (FaultAction::RateLimited { retry_after: Some(Duration::from_secs(7)) }, Some(429)),
        (FaultAction::Timeout, None),
    ];
    for (action, status) in cases {
        let api = admin();
        api.org().faults().add(FaultRule::new(Operation::UsersPage, Trigger::always(), action));
        let error =
            api.users_page(PageRequest::new(1, 25), UserStateFilter::Active).await.unwrap_err();
        assert_eq!(error.status(), status, "{action:?}: {error}");
        if let FaultAction::RateLimited { retry_after } = action {
            assert!(
                matches!(error, ApiError::RateLimited { retry_after: r, .. } if r == retry_after)
            );
        }
        assert!(api.organization().await.is_ok(), "{action:?} hits only users_page");
    }
}

#[tokio::test]
async fn forbidden_fault_names_operation_permission() {
    let api = admin();
    api.org()
        .faults()
        .add(FaultRule::any_operation(Trigger::from_nth(2), FaultAction::Status(403)));
    api.oauth_clients().await.unwrap();
    match api.oauth_clients().await {
        Err(ApiError::PermissionDenied { permissions, .. }) => {
            assert_eq!(permissions, ["oauth:client:view"]);
        }
        other => panic!("expected a 403, got {other:?}"),
    }
    assert!(api.organization().await.is_err(), "every call from the 2nd on fails");
}

#[tokio::test(start_paused = true)]
async fn latency_fault_delays_calls() {
    let api = admin();
    api.org().faults().add(FaultRule::new(
        Operation::Organization,
        Trigger::calls(1, 2),
        FaultAction::Latency(Duration::from_secs(30)),
    ));
    let started = tokio::time::Instant::now();
    api.organization().await.unwrap();
    api.organization().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(60));
    api.organization().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(60), "the third call is not delayed");
}

/// Builds a snapshot of `count` users, every tenth inactive.
fn large_org(count: usize) -> MemoryOrg {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    let users: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "id": format!("user-{n:06}"),
                "name": format!("User {n}"),
                "email": format!("user{n}@example.com"),
                "state": if n % 10 == 0 { "inactive" } else { "active" },
            })
        })
        .collect();
    doc["users"] = Value::Array(users);
    doc["grants"] = json!([]);
    MemoryOrg::from_json(&doc.to_string()).unwrap()
}

#[tokio::test]
async fn hundred_thousand_users_page_in_order() {
    let org = large_org(100_000);
    let api = org.session(None, None).unwrap();
    let active =
        collect_all(500, 4, |page| api.users_page(page, UserStateFilter::Active)).await.unwrap();
    assert_eq!(active.len(), 90_000);
    assert_eq!(active[0].id, "user-000001");
    assert_eq!(active[89_999].id, "user-099999");
    assert!(active.windows(2).all(|pair| pair[0].id < pair[1].id), "snapshot order");
    assert_eq!(org.call_count(Operation::UsersPage), 180);
}
