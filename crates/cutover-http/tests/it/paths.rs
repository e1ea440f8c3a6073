use cutover_api::models::{GRANT_CLIENT_CREDENTIALS, RoleDivision};
use cutover_api::{
    ApiError, IdentityProvider, OAuthClientRequest, OrgApi, PageRequest, ProviderType,
    UserStateFilter,
};
use cutover_auth::{ClientCredentials, ClientSecret};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{api, mount_tokens};

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn organization_and_token_info_paths() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations/me"))
        .and(header("authorization", "Bearer token-1"))
        .and(header("accept", "application/json"))
        .respond_with(ok(json!({
            "id": "org-1", "name": "Acme", "thirdPartyOrgName": "acme", "state": "active",
            "version": 3, "productPlatform": "GenesysCloud"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/tokens/me"))
        .respond_with(ok(json!({
            "organization": {"id": "org-1", "name": "Acme"},
            "OAuthClient": {"id": "client-1", "name": "cutover", "authorizedGrantType": "CLIENT-CREDENTIALS"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);

    let organization = api.organization().await.unwrap();
    let info = api.token_info().await.unwrap();

    assert_eq!(organization.id, "org-1");
    assert_eq!(organization.third_party_org_name.as_deref(), Some("acme"));
    assert_eq!(organization.extra["productPlatform"], "GenesysCloud");
    assert_eq!(info.organization.unwrap().id, "org-1");
    assert_eq!(
        info.oauth_client.unwrap().authorized_grant_type.as_deref(),
        Some("CLIENT-CREDENTIALS")
    );
}

#[tokio::test]
async fn fixed_provider_404_is_none() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/identityproviders/okta"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "not found", "code": "not.found", "status": 404, "contextId": "ctx-404"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/identityproviders/generic"))
        .respond_with(ok(json!({
            "id": "idp-1", "name": "Entra", "disabled": false,
            "issuerURI": "https://sts.example/", "ssoTargetURI": "https://sts.example/sso",
            "certificates": ["MIIB"], "endpointCompression": false
        })))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);

    let okta = api.identity_provider(ProviderType::Okta).await.unwrap();
    let generic = api.identity_provider(ProviderType::Generic).await.unwrap().unwrap();

    assert!(okta.is_none());
    assert_eq!(generic.issuer_uri.as_deref(), Some("https://sts.example/"));
    assert_eq!(generic.extra["endpointCompression"], false);
}

#[tokio::test]
async fn provider_list_put_and_delete() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/identityproviders"))
        .respond_with(ok(json!({
            "entities": [{"id": "a", "name": "PureCloud"}, {"id": "b", "name": "Okta"}],
            "total": 2
        })))
        .expect(1)
        .mount(&server)
        .await;
    let provider = IdentityProvider {
        name: Some("Entra".into()),
        disabled: Some(false),
        issuer_uri: Some("https://sts.example/".into()),
        certificates: Some(vec!["MIIB".into()]),
        ..IdentityProvider::default()
    };
    Mock::given(method("PUT"))
        .and(path("/api/v2/identityproviders/generic"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Entra", "disabled": false, "issuerURI": "https://sts.example/",
            "certificates": ["MIIB"]
        })))
        .respond_with(ok(json!({"id": "idp-1", "name": "Entra", "disabled": false})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/identityproviders/okta"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);

    let listed = api.identity_providers().await.unwrap();
    let written = api.put_identity_provider(ProviderType::Generic, &provider).await.unwrap();
    api.delete_identity_provider(ProviderType::Okta).await.unwrap();

    assert_eq!(listed.len(), 2);
    assert_eq!(written.id.as_deref(), Some("idp-1"));
}

#[tokio::test]
async fn put_with_empty_body_succeeds() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("PUT"))
        .and(path("/api/v2/identityproviders/purecloud"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let body = IdentityProvider { disabled: Some(true), ..IdentityProvider::default() };

    let written = api(&server).put_identity_provider(ProviderType::Purecloud, &body).await.unwrap();

    assert_eq!(written.id, None);
}

#[tokio::test]
async fn oauth_client_paths() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/oauth/clients"))
        .respond_with(ok(json!({
            "entities": [{"id": "c1", "name": "one", "authorizedGrantType": "CLIENT-CREDENTIALS",
                          "roleDivisions": [{"roleId": "r1", "divisionId": "*"}]}],
            "total": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/oauth/clients/c1"))
        .respond_with(ok(json!({"id": "c1", "name": "one", "state": "active"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/clients"))
        .and(body_json(json!({
            "name": "break-glass", "authorizedGrantType": "CLIENT-CREDENTIALS",
            "roleDivisions": [{"roleId": "r1", "divisionId": "home"}]
        })))
        .respond_with(ok(json!({
            "id": "c2", "name": "break-glass", "authorizedGrantType": "CLIENT-CREDENTIALS",
            "secret": "new-secret"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/oauth/clients/c2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);
    let request = OAuthClientRequest {
        name: "break-glass".into(),
        authorized_grant_type: GRANT_CLIENT_CREDENTIALS.into(),
        role_divisions: Some(vec![RoleDivision {
            role_id: "r1".into(),
            division_id: "home".into(),
        }]),
        ..OAuthClientRequest::default()
    };

    let clients = api.oauth_clients().await.unwrap();
    let one = api.oauth_client("c1").await.unwrap();
    let created = api.create_oauth_client(&request).await.unwrap();
    api.delete_oauth_client("c2").await.unwrap();

    assert_eq!(clients[0].role_ids(), vec!["r1"]);
    assert!(one.is_active());
    assert_eq!(created.secret.as_deref(), Some("new-secret"));
}

#[tokio::test]
async fn page_methods_send_page_parameters() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    let empty =
        json!({"entities": [], "pageSize": 100, "pageNumber": 2, "total": 0, "pageCount": 1});
    Mock::given(method("GET"))
        .and(path("/api/v2/authorization/roles"))
        .and(query_param("pageSize", "100"))
        .and(query_param("pageNumber", "2"))
        .respond_with(ok(empty.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/authorization/roles/role-9/users"))
        .and(query_param("pageSize", "100"))
        .and(query_param("pageNumber", "3"))
        .respond_with(ok(json!({"entities": [{"id": "u1", "selfUri": "/api/v2/users/u1"}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("pageSize", "500"))
        .and(query_param("pageNumber", "1"))
        .and(query_param("state", "any"))
        .respond_with(ok(json!({"entities": [{"id": "u1", "name": "A", "state": "inactive"}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/authorization/divisions"))
        .and(query_param("pageSize", "25"))
        .and(query_param("pageNumber", "1"))
        .respond_with(ok(json!({"entities": [{"id": "d1", "name": "Home", "homeDivision": true}]})))
        .expect(1)
        .mount(&server)
        .await;
    let api = api(&server);

    let roles = api.roles_page(PageRequest::new(2, 100)).await.unwrap();
    let members = api.role_users_page("role-9", PageRequest::new(3, 100)).await.unwrap();
    let users = api.users_page(PageRequest::new(1, 500), UserStateFilter::Any).await.unwrap();
    let divisions = api.divisions_page(PageRequest::new(1, 25)).await.unwrap();

    assert!(roles.entities.is_empty());
    assert_eq!(members.entities[0].id, "u1");
    assert_eq!(users.entities[0].state.as_deref(), Some("inactive"));
    assert_eq!(divisions.entities[0].home_division, Some(true));
}

#[tokio::test]
async fn subject_path_and_grants() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/authorization/subjects/user-1"))
        .respond_with(ok(json!({
            "id": "user-1",
            "grants": [{"subjectId": "user-1", "division": {"id": "d1"}, "role": {"id": "r1"}}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let subject = api(&server).subject("user-1").await.unwrap();

    let grants = subject.role_divisions();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].role_id, "r1");
    assert_eq!(grants[0].division_id.as_deref(), Some("d1"));
}

#[tokio::test]
async fn id_with_slash_stays_one_segment() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/oauth/clients/a%2Fb"))
        .respond_with(ok(json!({"id": "a/b", "name": "odd"})))
        .expect(1)
        .mount(&server)
        .await;

    let client = api(&server).oauth_client("a/b").await.unwrap();

    assert_eq!(client.id, "a/b");
}

#[tokio::test]
async fn fresh_and_other_tokens() {
    let server = MockServer::start().await;
    let tokens = mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations/me"))
        .respond_with(ok(json!({"id": "org-1"})))
        .mount(&server)
        .await;
    let api = api(&server);
    let other = ClientCredentials::new("bg-client", ClientSecret::new("bg-secret"));

    api.organization().await.unwrap();
    let fresh = api.fresh_token().await.unwrap();
    let for_other = api.request_token(&other).await.unwrap();
    api.organization().await.unwrap();

    assert_eq!(fresh.access_token.expose(), "token-2");
    assert_eq!(fresh.expires_in, 3600);
    assert_eq!(for_other.access_token.expose(), "token-3");
    assert_eq!(tokens.issued(), 3, "the cached token-1 is still used for API calls");
    let requests = server.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    assert_eq!(last.headers.get("authorization").unwrap(), "Bearer token-1");
}

#[tokio::test]
async fn forbidden_names_missing_permission() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("PUT"))
        .and(path("/api/v2/identityproviders/generic"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Unable to perform the requested action. You are missing the following permission(s): [sso:provider:edit]",
            "code": "missing.permissions",
            "status": 403,
            "contextId": "ctx-403",
            "messageParams": {"permissions": "sso:provider:edit"}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server)
        .put_identity_provider(ProviderType::Generic, &IdentityProvider::default())
        .await
        .unwrap_err();

    let text = error.to_string();
    match &error {
        ApiError::PermissionDenied { permissions, context_id, .. } => {
            assert_eq!(permissions, &vec!["sso:provider:edit".to_owned()]);
            assert_eq!(context_id.as_deref(), Some("ctx-403"));
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert!(text.contains("`sso:provider:edit`"), "{text}");
    assert!(text.contains("PUT /api/v2/identityproviders/generic"), "{text}");
    assert!(text.contains("ctx-403"), "{text}");
}

#[tokio::test]
async fn bad_request_keeps_code_and_context() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/oauth/clients"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "roleDivisions is required", "code": "bad.request", "status": 400,
            "contextId": "ctx-400"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server).create_oauth_client(&OAuthClientRequest::default()).await.unwrap_err();

    match &error {
        ApiError::BadRequest { status, code, message, context_id, resource } => {
            assert_eq!(*status, 400);
            assert_eq!(code, "bad.request");
            assert_eq!(message, "roleDivisions is required");
            assert_eq!(context_id.as_deref(), Some("ctx-400"));
            assert_eq!(resource, "POST /api/v2/oauth/clients");
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_is_invalid_response() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"entities\": [ {\"id\": "))
        .expect(1)
        .mount(&server)
        .await;

    let error = api(&server)
        .users_page(PageRequest::new(4, 500), UserStateFilter::Active)
        .await
        .unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, ApiError::InvalidResponse { .. }), "{error:?}");
    assert!(text.contains("GET /api/v2/users?pageSize=500&pageNumber=4&state=active"), "{text}");
    assert!(text.contains("line 1"), "{text}");
}

#[tokio::test]
async fn wrong_json_shape_is_invalid_response() {
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations/me"))
        .respond_with(ok(json!({"name": "no id"})))
        .mount(&server)
        .await;

    let error = api(&server).organization().await.unwrap_err();

    assert!(matches!(error, ApiError::InvalidResponse { .. }), "{error:?}");
    assert!(error.to_string().contains("missing field `id`"), "{error}");
}

#[tokio::test]
async fn invalid_client_surfaces_as_auth_error() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .mount(&server)
        .await;

    let error = api(&server).organization().await.unwrap_err();

    assert!(
        matches!(error, ApiError::Auth(cutover_auth::AuthError::InvalidClient { .. })),
        "{error:?}"
    );
    assert_eq!(crate::support::count(&server, "/api/v2/organizations/me").await, 0);
}
