//! `rollback --backup` on its own: exact restores, the order around native
//! login, a backup of another org, and restores that fail.

use std::sync::{Arc, Mutex};

use cutover_api::models::IdentityProviderRef;
use cutover_api::{
    CollectOptions, IdentityProvider, MockOrgApi, OrgApi, Organization, ProviderType, collect_state,
};
use cutover_cli::apply::NoHooks;
use cutover_cli::backup::{Backup, LoadedBackup, load_backup, write_backup};
use cutover_cli::rollback::{
    RestoreAction, RollbackError, RollbackOptions, RollbackResult, rollback, rollback_with_options,
};
use cutover_memory::{FaultAction, FaultRule, Operation, Trigger};

use crate::support::{SampleOrg, SaveHooks, now};

/// Writes a backup of the org as it is now, as `apply` would.
async fn backup_now(sample: &SampleOrg, api: &dyn OrgApi) -> LoadedBackup {
    let state = collect_state(api, CollectOptions::default()).await.unwrap();
    let backup = Backup::new(
        &state.organization,
        state.identity_providers,
        serde_json::Value::Null,
        Vec::new(),
        now(),
    );
    load_backup(&write_backup(&sample.backup_dir(), &backup).unwrap()).unwrap()
}

fn generic() -> IdentityProvider {
    serde_json::from_value(serde_json::json!({
        "name": "Northwind IdP", "disabled": false,
        "issuerURI": "https://idp.northwind.example/saml2/metadata",
        "ssoTargetURI": "https://idp.northwind.example/saml2/sso"
    }))
    .unwrap()
}

#[tokio::test]
async fn field_added_since_backup_removed() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    api.put_identity_provider(ProviderType::Generic, &generic()).await.unwrap();
    sample.org.save().unwrap();
    let loaded = backup_now(&sample, &api).await;
    let expected = sample.on_disk();

    let mut changed = api.identity_provider(ProviderType::Generic).await.unwrap().unwrap();
    changed.extra.insert("relyingPartyIdentifier".into(), "urn:northwind".into());
    api.put_identity_provider(ProviderType::Generic, &changed).await.unwrap();

    let report = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    let actions: Vec<(ProviderType, RestoreAction)> =
        report.restored.iter().map(|e| (e.kind, e.action)).collect();
    assert_eq!(
        actions,
        [
            (ProviderType::Purecloud, RestoreAction::Unchanged),
            (ProviderType::Generic, RestoreAction::Put)
        ]
    );
    assert_eq!(sample.on_disk(), expected);
}

#[tokio::test]
async fn sso_only_backup_disables_native_login_last() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    api.put_identity_provider(ProviderType::Generic, &generic()).await.unwrap();
    let mut purecloud = api.identity_provider(ProviderType::Purecloud).await.unwrap().unwrap();
    purecloud.disabled = Some(true);
    api.put_identity_provider(ProviderType::Purecloud, &purecloud).await.unwrap();
    sample.org.save().unwrap();
    let loaded = backup_now(&sample, &api).await;
    let expected = sample.on_disk();

    // Later someone deleted the provider and turned native login on.
    api.delete_identity_provider(ProviderType::Generic).await.unwrap();
    purecloud.disabled = Some(false);
    api.put_identity_provider(ProviderType::Purecloud, &purecloud).await.unwrap();

    let report = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    let actions: Vec<(ProviderType, RestoreAction)> =
        report.restored.iter().map(|e| (e.kind, e.action)).collect();
    assert_eq!(
        actions,
        [
            (ProviderType::Generic, RestoreAction::Put),
            (ProviderType::Purecloud, RestoreAction::Put)
        ]
    );
    assert_eq!(sample.on_disk(), expected);
}

#[tokio::test]
async fn failed_provider_keeps_native_login_on() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    api.put_identity_provider(ProviderType::Generic, &generic()).await.unwrap();
    let mut purecloud = api.identity_provider(ProviderType::Purecloud).await.unwrap().unwrap();
    purecloud.disabled = Some(true);
    api.put_identity_provider(ProviderType::Purecloud, &purecloud).await.unwrap();
    let loaded = backup_now(&sample, &api).await;

    api.delete_identity_provider(ProviderType::Generic).await.unwrap();
    purecloud.disabled = Some(false);
    api.put_identity_provider(ProviderType::Purecloud, &purecloud).await.unwrap();
    sample.org.faults().add(FaultRule::new(
        Operation::PutIdentityProvider,
        Trigger::always(),
        FaultAction::Status(500),
    ));
    sample.org.faults().reset_counts();

    let report = rollback(&api, &loaded, &NoHooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RollbackFailed);
    assert_eq!(report.exit_code(), 1);
    let message = report.failure_message().unwrap();
    assert!(message.contains("`generic`"), "{message}");
    assert!(message.contains("`purecloud`"), "{message}");
    let purecloud_entry = report.restored.last().unwrap();
    assert_eq!(purecloud_entry.kind, ProviderType::Purecloud);
    assert!(purecloud_entry.error.as_deref().unwrap().contains("stays on"));
    let current = api.identity_provider(ProviderType::Purecloud).await.unwrap().unwrap();
    assert_eq!(current.disabled, Some(false), "native login was not turned off");
    assert_eq!(sample.org.call_count(Operation::PutIdentityProvider), 1, "one failed PUT only");
}

#[tokio::test]
async fn other_org_backup_rejected() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let mut loaded = backup_now(&sample, &api).await;
    loaded.backup.organization.id = "other-org-id".into();
    api.put_identity_provider(ProviderType::Generic, &generic()).await.unwrap();

    let error = rollback(&api, &loaded, &NoHooks, &now()).await.unwrap_err();
    assert!(matches!(error, RollbackError::WrongOrganization { .. }), "{error}");
    assert!(error.to_string().contains("other-org-id"), "{error}");
    assert!(api.identity_provider(ProviderType::Generic).await.unwrap().is_some(), "untouched");
}

#[tokio::test]
async fn unchanged_org_reports_unchanged() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let loaded = backup_now(&sample, &api).await;
    sample.org.faults().reset_counts();
    let report = rollback(&api, &loaded, &NoHooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    assert_eq!(report.restored.len(), 1);
    assert_eq!(report.restored[0].action, RestoreAction::Unchanged);
    assert_eq!(sample.org.call_count(Operation::PutIdentityProvider), 0);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["restored"][0],
        serde_json::json!({"type": "purecloud", "action": "unchanged"})
    );
    assert_eq!(json["result"], "rolled-back");
}

#[tokio::test]
async fn native_login_first_when_backup_has_it_on() {
    // The backup has native login on and no SAML provider; the org has
    // native login off and an okta provider.
    let backup = Backup::new(
        &Organization { id: "org".into(), name: "Org".into(), ..Organization::default() },
        [(
            ProviderType::Purecloud,
            IdentityProvider {
                id: Some("pc".into()),
                disabled: Some(false),
                ..IdentityProvider::default()
            },
        )]
        .into(),
        serde_json::Value::Null,
        Vec::new(),
        now(),
    );
    let loaded = LoadedBackup { path: "/backups/b.json".into(), backup };
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let state = Arc::new(Mutex::new(std::collections::BTreeMap::from([
        (
            ProviderType::Purecloud,
            IdentityProvider {
                id: Some("pc".into()),
                disabled: Some(true),
                ..IdentityProvider::default()
            },
        ),
        (
            ProviderType::Okta,
            IdentityProvider { name: Some("Okta".into()), ..IdentityProvider::default() },
        ),
    ])));

    let mut api = MockOrgApi::new();
    api.expect_organization()
        .returning(|| Ok(Organization { id: "org".into(), ..Organization::default() }));
    let read_state = Arc::clone(&state);
    api.expect_identity_provider()
        .returning(move |kind| Ok(read_state.lock().unwrap().get(&kind).cloned()));
    let (put_calls, put_state) = (Arc::clone(&calls), Arc::clone(&state));
    api.expect_put_identity_provider().returning(move |kind, body| {
        put_calls.lock().unwrap().push(format!("put {kind}"));
        put_state.lock().unwrap().insert(kind, body.clone());
        Ok(IdentityProviderRef::default())
    });
    let (delete_calls, delete_state) = (Arc::clone(&calls), Arc::clone(&state));
    api.expect_delete_identity_provider().returning(move |kind| {
        delete_calls.lock().unwrap().push(format!("delete {kind}"));
        delete_state.lock().unwrap().remove(&kind);
        Ok(())
    });

    let report = rollback(&api, &loaded, &NoHooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    assert_eq!(*calls.lock().unwrap(), ["put purecloud", "delete okta"]);
}

fn expired_okta() -> IdentityProvider {
    let certificate = cutover_saml::testing::CertificateBuilder::new("okta.example")
        .valid_days_around(now(), -400, -2)
        .build()
        .base64();
    serde_json::from_value(serde_json::json!({
        "name": "Okta", "disabled": false,
        "issuerURI": "http://www.okta.com/exk1",
        "ssoTargetURI": "https://northwind.okta.com/app/sso/saml",
        "certificates": [certificate]
    }))
    .unwrap()
}

/// Turns native login off in the org behind `api`.
async fn disable_native_login(api: &dyn OrgApi) {
    let mut purecloud = api.identity_provider(ProviderType::Purecloud).await.unwrap().unwrap();
    purecloud.disabled = Some(true);
    api.put_identity_provider(ProviderType::Purecloud, &purecloud).await.unwrap();
}

#[tokio::test]
async fn unusable_provider_backup_warns() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    api.put_identity_provider(ProviderType::Okta, &expired_okta()).await.unwrap();
    disable_native_login(&api).await;
    sample.org.save().unwrap();
    let loaded = backup_now(&sample, &api).await;
    let expected = sample.on_disk();
    api.put_identity_provider(ProviderType::Generic, &generic()).await.unwrap();

    let report = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack, "the backup is still restored");
    assert_eq!(sample.on_disk(), expected);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = &report.warnings[0];
    assert!(warning.contains("nobody able to sign in"), "{warning}");
    assert!(warning.contains("provider:okta"), "{warning}");
    assert!(warning.contains("expired"), "{warning}");
    assert!(warning.contains(&report.backup), "{warning}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["warnings"][0], serde_json::Value::String(warning.clone()));
}

#[tokio::test]
async fn usable_provider_backup_has_no_warning() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let mut okta = expired_okta();
    okta.certificates = Some(vec![
        cutover_saml::testing::CertificateBuilder::new("okta.example")
            .valid_days_around(now(), -10, 300)
            .build()
            .base64(),
    ]);
    api.put_identity_provider(ProviderType::Okta, &okta).await.unwrap();
    disable_native_login(&api).await;
    let loaded = backup_now(&sample, &api).await;
    api.put_identity_provider(ProviderType::Generic, &generic()).await.unwrap();

    let report = rollback(&api, &loaded, &NoHooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

/// Writes a backup of the sample org holding only `purecloud` disabled, as a
/// hand-edited file would.
fn native_login_off_only(sample: &SampleOrg) -> LoadedBackup {
    let organization = Organization {
        id: "5b9f2c61-3e7a-4d1b-9a0e-7c4f1d2e8a36".into(),
        ..Organization::default()
    };
    let purecloud: IdentityProvider =
        serde_json::from_value(serde_json::json!({"disabled": true})).unwrap();
    let backup = Backup::new(
        &organization,
        [(ProviderType::Purecloud, purecloud)].into_iter().collect(),
        serde_json::Value::Null,
        Vec::new(),
        now(),
    );
    load_backup(&write_backup(&sample.backup_dir(), &backup).unwrap()).unwrap()
}

#[tokio::test]
async fn lockout_backup_rejected() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let loaded = native_login_off_only(&sample);

    let error = rollback(&api, &loaded, &NoHooks, &now()).await.unwrap_err();
    assert!(matches!(error, RollbackError::Lockout { .. }), "{error}");
    assert_eq!(error.exit_code(), 1);
    let message = error.to_string();
    assert!(message.contains(&loaded.path.display().to_string()), "{message}");
    assert!(message.contains("nobody able to sign in"), "{message}");
    assert!(message.contains("--allow-lockout"), "{message}");
    assert_eq!(sample.org.call_count(Operation::PutIdentityProvider), 0, "nothing was sent");
    assert_eq!(sample.on_disk(), sample.original);
}

#[tokio::test]
async fn lockout_backup_allowed_with_flag() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let loaded = native_login_off_only(&sample);

    let options = RollbackOptions { allow_lockout: true };
    let report = rollback_with_options(&api, &loaded, &NoHooks, &now(), options).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    let purecloud = api.identity_provider(ProviderType::Purecloud).await.unwrap().unwrap();
    assert_eq!(purecloud.disabled, Some(true));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("nobody able to sign in"), "{}", report.warnings[0]);
}
