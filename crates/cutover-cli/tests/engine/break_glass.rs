//! `break-glass create`: the client, its secret file and its proof.

use std::time::Duration;

use cutover_api::ApiError;
use cutover_api::{
    Division, MockOrgApi, OAuthClient, OrgApi, Page, ProviderType, Role, RoleDivision,
};
use cutover_cli::apply::NoHooks;
use cutover_cli::break_glass::{
    BreakGlassError, BreakGlassRequest, ProofRetry, create_break_glass,
};
use cutover_memory::{FaultAction, FaultRule, Operation, Trigger};

use crate::support::{SampleOrg, SaveHooks, now, read_json};

fn request(sample: &SampleOrg, file: &str) -> BreakGlassRequest {
    BreakGlassRequest {
        name: Some("Break Glass - Tertiary".into()),
        role_id: None,
        secret_out: sample.dir.path().join(file),
        proof: ProofRetry { attempts: 2, delay: Duration::ZERO },
    }
}

fn clients_on_disk(sample: &SampleOrg) -> Vec<serde_json::Value> {
    read_json(&sample.path)["oauthClients"].as_array().unwrap().clone()
}

#[tokio::test]
async fn creates_proves_and_saves() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let request = request(&sample, "tertiary.secret");

    let report = create_break_glass(&api, &request, &hooks, now()).await.unwrap();
    assert_eq!(report.client.name, "Break Glass - Tertiary");
    assert_eq!(report.secret_file, request.secret_out.display().to_string());

    let saved = clients_on_disk(&sample);
    let client = saved.iter().find(|c| c["id"] == report.client.id.as_str()).expect("saved");
    assert_eq!(client["authorizedGrantType"], "CLIENT-CREDENTIALS");
    let secret = std::fs::read_to_string(&request.secret_out).unwrap();
    assert_eq!(secret.trim_end(), client["secret"].as_str().unwrap());
    let role_id = client["roleDivisions"][0]["roleId"].as_str().unwrap();
    assert_eq!(report.client.role_ids, [role_id.to_owned()]);
    let home = read_json(&sample.path)["divisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["homeDivision"] == true)
        .unwrap()["id"]
        .clone();
    assert_eq!(client["roleDivisions"][0]["divisionId"], home);

    // The role is the first by name that grants `sso:provider:edit`.
    let roles = read_json(&sample.path)["roles"].as_array().unwrap().clone();
    let mut editors: Vec<&serde_json::Value> = roles
        .iter()
        .filter(|role| {
            let role: Role = serde_json::from_value((*role).clone()).unwrap();
            cutover_api::permissions::role_grants(&role, "sso:provider:edit")
        })
        .collect();
    editors.sort_by_key(|role| role["name"].as_str().unwrap().to_owned());
    assert_eq!(role_id, editors[0]["id"].as_str().unwrap());

    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(secret.trim_end()), "the secret is never in the output");
    // The new client can change identity providers.
    let session = sample.org.session(Some(&report.client.id), None).unwrap();
    assert!(session.identity_provider(ProviderType::Purecloud).await.unwrap().is_some());
}

#[cfg(unix)]
#[tokio::test]
async fn secret_file_private() {
    use std::os::unix::fs::PermissionsExt;
    let sample = SampleOrg::copy();
    let request = request(&sample, "s");
    create_break_glass(&sample.api(), &request, &SaveHooks::new(&sample), now()).await.unwrap();
    let mode = std::fs::metadata(&request.secret_out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test]
async fn existing_secret_file_rejected_first() {
    let sample = SampleOrg::copy();
    let request = request(&sample, "taken.secret");
    std::fs::write(&request.secret_out, "keep me").unwrap();

    let error = create_break_glass(&sample.api(), &request, &SaveHooks::new(&sample), now())
        .await
        .unwrap_err();
    assert!(matches!(error, BreakGlassError::SecretFileExists(_)), "{error}");
    assert_eq!(error.exit_code(), 1);
    assert_eq!(std::fs::read_to_string(&request.secret_out).unwrap(), "keep me");
    assert_eq!(sample.org.call_count(Operation::RolesPage), 0, "checked before any call");
    assert_eq!(sample.org.call_count(Operation::CreateOAuthClient), 0);
    assert_eq!(sample.on_disk(), sample.original);
}

#[tokio::test]
async fn failed_proof_deletes_client_and_file() {
    let sample = SampleOrg::copy();
    let request = request(&sample, "unproven.secret");
    sample.org.faults().add(FaultRule::new(
        Operation::RequestToken,
        Trigger::always(),
        FaultAction::Status(401),
    ));

    let error = create_break_glass(&sample.api(), &request, &SaveHooks::new(&sample), now())
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, BreakGlassError::Undone { .. }), "{text}");
    assert!(text.contains("was deleted"), "{text}");
    assert!(text.contains("was removed"), "{text}");
    assert!(!request.secret_out.exists(), "the secret file is removed");
    assert_eq!(sample.org.call_count(Operation::RequestToken), 2, "both attempts made");
    assert_eq!(sample.org.call_count(Operation::DeleteOAuthClient), 1);
    assert_eq!(sample.on_disk(), sample.original, "the client is gone from the org file");
}

#[tokio::test]
async fn role_without_idp_rights_rejected() {
    let sample = SampleOrg::copy();
    let roles = read_json(&sample.path)["roles"].as_array().unwrap().clone();
    let weak = roles
        .iter()
        .find(|role| {
            let role: Role = serde_json::from_value((*role).clone()).unwrap();
            !cutover_api::permissions::role_grants_idp_admin(&role)
        })
        .expect("the sample has a role without identity-provider rights");
    let mut request = request(&sample, "x.secret");
    request.role_id = Some(weak["id"].as_str().unwrap().to_owned());

    let error = create_break_glass(&sample.api(), &request, &NoHooks, now()).await.unwrap_err();
    assert!(matches!(error, BreakGlassError::RoleLacksPermission { .. }), "{error}");
    assert_eq!(sample.org.call_count(Operation::CreateOAuthClient), 0);
    assert!(!request.secret_out.exists());
}

#[tokio::test]
async fn mock_failed_proof_deletes_client() {
    let dir = tempfile::tempdir().unwrap();
    let secret_out = dir.path().join("bg.secret");
    let mut api = MockOrgApi::new();
    api.expect_roles_page().returning(|_| {
        Ok(Page {
            entities: vec![Role {
                id: "role-edit".into(),
                name: "IdP Editors".into(),
                permissions: vec!["sso:provider:edit".into()],
                ..Role::default()
            }],
            page_count: Some(1),
            ..Page::default()
        })
    });
    api.expect_divisions_page().returning(|_| {
        Ok(Page {
            entities: vec![Division {
                id: "home".into(),
                name: "Home".into(),
                home_division: Some(true),
                ..Division::default()
            }],
            page_count: Some(1),
            ..Page::default()
        })
    });
    api.expect_create_oauth_client()
        .withf(|request| {
            request.authorized_grant_type == "CLIENT-CREDENTIALS"
                && request.role_divisions
                    == Some(vec![RoleDivision {
                        role_id: "role-edit".into(),
                        division_id: "home".into(),
                    }])
        })
        .times(1)
        .returning(|request| {
            Ok(OAuthClient {
                id: "new-client".into(),
                name: request.name.clone(),
                secret: Some("s3cret".into()),
                ..OAuthClient::default()
            })
        });
    api.expect_request_token().times(1).returning(|credentials| {
        assert_eq!(credentials.client_id, "new-client");
        assert_eq!(credentials.secret.expose(), "s3cret");
        Err(ApiError::Transport {
            resource: "POST /oauth/token".into(),
            message: "connection reset".into(),
            timed_out: false,
        })
    });
    api.expect_delete_oauth_client().withf(|id| id == "new-client").times(1).returning(|_| Ok(()));

    let request = BreakGlassRequest {
        name: None,
        role_id: None,
        secret_out: secret_out.clone(),
        proof: ProofRetry { attempts: 1, delay: Duration::ZERO },
    };
    let error = create_break_glass(&api, &request, &NoHooks, now()).await.unwrap_err();
    assert!(!error.to_string().contains("s3cret"), "{error}");
    assert!(!secret_out.exists());
}
