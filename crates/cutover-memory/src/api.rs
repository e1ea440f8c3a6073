//! [`MemoryApi`]: the `OrgApi` trait over a [`MemoryOrg`], acting as one
//! OAuth client.

use async_trait::async_trait;
use cutover_api::models::{
    AuthzSubject, Division, IdentityProvider, IdentityProviderRef, MAX_PAGE_SIZE_DEFAULT,
    MAX_PAGE_SIZE_USERS, NamedEntity, OAuthClient, OAuthClientRequest, Organization, Page,
    PageRequest, ProviderType, Role, TokenInfo, User, UserReference, UserStateFilter,
};
use cutover_api::permissions::role_grants;
use cutover_api::{ApiError, OrgApi, TokenGrant};
use cutover_auth::{AccessToken, AuthError, ClientCredentials, ClientSecret};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::faults::{FaultAction, Operation};
use crate::ids::{new_uuid, random_text};
use crate::org::{MemoryOrg, check_token_request};
use crate::paging::{build_page, set_page_links};
use crate::snapshot::{DIVISIONS, IDENTITY_PROVIDERS, OAUTH_CLIENTS, OrgData, USERS};

/// Token lifetime when a client has no `accessTokenValiditySeconds`: the
/// API's default of 24 hours.
pub const DEFAULT_TOKEN_LIFETIME_SECONDS: u64 = 86_400;
/// Shortest `accessTokenValiditySeconds` the API accepts (5 minutes).
const MIN_TOKEN_LIFETIME_SECONDS: i64 = 300;
/// Longest `accessTokenValiditySeconds` the API accepts (48 hours).
const MAX_TOKEN_LIFETIME_SECONDS: i64 = 172_800;
const TOKEN_LENGTH: usize = 64;
const SECRET_LENGTH: usize = 43;
const GRANT_TYPES: [&str; 5] = ["CODE", "TOKEN", "SAML2-BEARER", "PASSWORD", "CLIENT-CREDENTIALS"];
const CLIENT_STATES: [&str; 3] = ["active", "disabled", "inactive"];

/// The org as one OAuth client sees it: every call is checked against the
/// permissions of that client's roles, like the API does.
///
/// Open one with [`MemoryOrg::session`]. Changes go to the shared org at
/// once, and [`MemoryOrg::save`] writes them to the file.
#[derive(Clone, Debug)]
pub struct MemoryApi {
    org: MemoryOrg,
    client_id: String,
    /// The secret the session was opened with; `None` uses the snapshot's.
    secret: Option<ClientSecret>,
}

impl MemoryApi {
    pub(crate) fn new(org: MemoryOrg, client_id: String, secret: Option<ClientSecret>) -> Self {
        Self { org, client_id, secret }
    }

    /// Returns the ID of the client this session acts as.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Returns the org.
    pub fn org(&self) -> &MemoryOrg {
        &self.org
    }

    /// Counts the call, applies injected faults, and checks the acting
    /// client's token and permissions. Returns the failure to report after
    /// the operation ran, if a rule requests one.
    async fn begin(
        &self,
        operation: Operation,
        resource: &str,
    ) -> Result<Option<FaultAction>, ApiError> {
        let decided = self.org.faults().on_call(operation);
        if !decided.latency.is_zero() {
            tokio::time::sleep(decided.latency).await;
        }
        if let Some(action) = decided.before {
            return Err(fault_error(action, operation, resource));
        }
        if !matches!(operation, Operation::FreshToken | Operation::RequestToken) {
            self.authorize(&self.org.read(), operation, resource)?;
        }
        Ok(decided.after)
    }

    fn authorize(
        &self,
        data: &OrgData,
        operation: Operation,
        resource: &str,
    ) -> Result<(), ApiError> {
        let unauthorized = |message: String| ApiError::Unauthorized {
            resource: resource.to_owned(),
            message,
            context_id: Some(new_uuid()),
        };
        let Some((_, client)) = data.client(&self.client_id) else {
            return Err(unauthorized(format!(
                "OAuth client `{}` no longer exists, so its tokens are invalid",
                self.client_id
            )));
        };
        if client.state.as_deref() == Some("disabled") {
            return Err(unauthorized(format!(
                "OAuth client `{}` is disabled, so its tokens are invalid",
                self.client_id
            )));
        }
        let required = operation.required_permissions();
        if required.is_empty() {
            return Ok(());
        }
        let granted = client
            .role_ids()
            .into_iter()
            .filter_map(|role_id| data.index.roles_by_id.get(role_id))
            .map(|&position| &data.index.roles[position])
            .any(|role| required.iter().any(|wanted| role_grants(role, wanted)));
        if granted { Ok(()) } else { Err(permission_denied(operation, resource)) }
    }

    async fn read<T: Send>(
        &self,
        operation: Operation,
        resource: &str,
        body: impl FnOnce(&OrgData) -> Result<T, ApiError> + Send,
    ) -> Result<T, ApiError> {
        let after = self.begin(operation, resource).await?;
        let result = body(&self.org.read());
        finish(after, operation, resource, result)
    }

    async fn change<T: Send>(
        &self,
        operation: Operation,
        resource: &str,
        body: impl FnOnce(&mut OrgData) -> Result<T, ApiError> + Send,
    ) -> Result<T, ApiError> {
        let after = self.begin(operation, resource).await?;
        let result = {
            let mut data = self.org.write();
            let result = body(&mut data);
            if result.is_ok() {
                data.touch();
            }
            result
        };
        finish(after, operation, resource, result)
    }

    /// Issues a token to `client_id` if `secret` (`None`: the snapshot's) lets
    /// it have one.
    fn issue_token(&self, client_id: &str, secret: Option<&str>) -> Result<TokenGrant, ApiError> {
        let data = self.org.read();
        let rejected = || {
            ApiError::Auth(AuthError::InvalidClient {
                client_id: client_id.to_owned(),
                login_host: data.region.login_host(),
                region: Some(data.region.name().to_owned()),
                code: "invalid_client".to_owned(),
            })
        };
        let (_, client) = data.client(client_id).ok_or_else(rejected)?;
        check_token_request(&client, secret).map_err(|_| rejected())?;
        let expires_in = client
            .access_token_validity_seconds
            .and_then(|seconds| u64::try_from(seconds).ok())
            .unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS);
        Ok(TokenGrant { access_token: AccessToken::new(random_text(TOKEN_LENGTH)), expires_in })
    }
}

/// Replaces a successful result with the failure a rule asked for after the
/// operation ran.
fn finish<T>(
    after: Option<FaultAction>,
    operation: Operation,
    resource: &str,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match (after, result) {
        (Some(action), Ok(_)) => Err(fault_error(action, operation, resource)),
        (_, result) => result,
    }
}

fn permission_denied(operation: Operation, resource: &str) -> ApiError {
    let required = operation.required_permissions();
    ApiError::PermissionDenied {
        resource: resource.to_owned(),
        permissions: required.iter().map(|&permission| permission.to_owned()).collect(),
        message: format!(
            "Unable to perform the requested action. You are missing the following \
             permission(s): [{}]",
            required.join(", ")
        ),
        context_id: Some(new_uuid()),
    }
}

/// Builds the error an injected fault stands for.
fn fault_error(action: FaultAction, operation: Operation, resource: &str) -> ApiError {
    let resource_owned = resource.to_owned();
    let context_id = Some(new_uuid());
    match action {
        FaultAction::RateLimited { retry_after } => ApiError::RateLimited {
            resource: resource_owned,
            retry_after,
            message: "Rate limit exceeded (injected fault)".to_owned(),
            context_id,
        },
        FaultAction::Timeout => ApiError::Transport {
            resource: resource_owned,
            message: "the request timed out (injected fault)".to_owned(),
            timed_out: true,
        },
        FaultAction::Latency(_) => unreachable!("latency is applied as a delay, never as an error"),
        FaultAction::Status(status) => {
            let message = format!("injected fault: HTTP {status}");
            match status {
                401 => ApiError::Unauthorized { resource: resource_owned, message, context_id },
                403 => permission_denied(operation, resource),
                404 => ApiError::NotFound { resource: resource_owned, context_id },
                429 => ApiError::RateLimited {
                    resource: resource_owned,
                    retry_after: None,
                    message,
                    context_id,
                },
                500..=599 => ApiError::Server {
                    resource: resource_owned,
                    status,
                    code: match status {
                        503 => "service.unavailable",
                        504 => "request.timeout",
                        _ => "internal.server.error",
                    }
                    .to_owned(),
                    message,
                    context_id,
                },
                _ => ApiError::BadRequest {
                    resource: resource_owned,
                    status,
                    code: "bad.request".to_owned(),
                    message,
                    context_id,
                },
            }
        }
    }
}

fn not_found(resource: &str) -> ApiError {
    ApiError::NotFound { resource: resource.to_owned(), context_id: Some(new_uuid()) }
}

fn invalid_value(resource: &str, message: String) -> ApiError {
    ApiError::BadRequest {
        resource: resource.to_owned(),
        status: 400,
        code: "invalid.value".to_owned(),
        message,
        context_id: Some(new_uuid()),
    }
}

/// Converts a stored object into its model. Loading checks every object
/// against its model, so this fails only for an object changed outside the API.
fn typed<T: for<'de> Deserialize<'de>>(value: &Value, resource: &str) -> Result<T, ApiError> {
    T::deserialize(value).map_err(|error| ApiError::InvalidResponse {
        resource: resource.to_owned(),
        message: format!("the org snapshot contains an invalid object: {error}"),
    })
}

fn providers(data: &OrgData) -> Option<&Map<String, Value>> {
    data.doc.get(IDENTITY_PROVIDERS).and_then(Value::as_object)
}

/// Orders `sent` like `existing`: keys both have keep their stored position,
/// new keys follow in the order sent. The stored content is exactly `sent`;
/// only the order differs, so a read-modify-write leaves the file's key order
/// alone.
fn in_key_order_of(
    existing: &Map<String, Value>,
    mut sent: Map<String, Value>,
) -> Map<String, Value> {
    let mut ordered = Map::new();
    for key in existing.keys() {
        if let Some(value) = sent.shift_remove(key) {
            ordered.insert(key.clone(), value);
        }
    }
    ordered.extend(sent);
    ordered
}

fn without_secret(mut client: OAuthClient) -> OAuthClient {
    client.secret = None;
    client
}

#[async_trait]
impl OrgApi for MemoryApi {
    async fn organization(&self) -> Result<Organization, ApiError> {
        let resource = "GET /api/v2/organizations/me";
        self.read(Operation::Organization, resource, |data| {
            typed(data.doc.get("organization").unwrap_or(&Value::Null), resource)
        })
        .await
    }

    async fn token_info(&self) -> Result<TokenInfo, ApiError> {
        let resource = "GET /api/v2/tokens/me";
        self.read(Operation::TokenInfo, resource, |data| {
            let organization: Organization =
                typed(data.doc.get("organization").unwrap_or(&Value::Null), resource)?;
            let organization = NamedEntity { id: organization.id, name: Some(organization.name) };
            let (_, client) = data.client(&self.client_id).ok_or_else(|| not_found(resource))?;
            let mut client = without_secret(client);
            client.extra.insert("organization".to_owned(), json!(organization));
            Ok(TokenInfo {
                organization: Some(organization.clone()),
                home_organization: Some(organization),
                authorized_scope: Some(Vec::new()),
                oauth_client: Some(client),
                extra: Map::new(),
            })
        })
        .await
    }

    async fn identity_providers(&self) -> Result<Vec<IdentityProvider>, ApiError> {
        let resource = "GET /api/v2/identityproviders";
        self.read(Operation::IdentityProviders, resource, |data| {
            providers(data)
                .into_iter()
                .flat_map(Map::values)
                .map(|provider| typed(provider, resource))
                .collect()
        })
        .await
    }

    async fn identity_provider(
        &self,
        kind: ProviderType,
    ) -> Result<Option<IdentityProvider>, ApiError> {
        let resource = format!("GET {}", kind.path());
        self.read(Operation::IdentityProvider, &resource, |data| {
            providers(data)
                .and_then(|providers| providers.get(kind.as_str()))
                .map(|provider| typed(provider, &resource))
                .transpose()
        })
        .await
    }

    async fn put_identity_provider(
        &self,
        kind: ProviderType,
        body: &IdentityProvider,
    ) -> Result<IdentityProviderRef, ApiError> {
        let resource = format!("PUT {}", kind.path());
        self.change(Operation::PutIdentityProvider, &resource, |data| {
            let Ok(Value::Object(mut sent)) = serde_json::to_value(body) else {
                return Err(invalid_value(&resource, "the body is not a JSON object".to_owned()));
            };
            let providers = data
                .doc
                .entry(IDENTITY_PROVIDERS)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or_else(|| ApiError::InvalidResponse {
                    resource: resource.clone(),
                    message: format!("`{IDENTITY_PROVIDERS}` in the org snapshot is not an object"),
                })?;
            let existing = providers.get(kind.as_str()).and_then(Value::as_object);
            if !sent.contains_key("id") {
                let id = existing
                    .and_then(|existing| existing.get("id"))
                    .and_then(Value::as_str)
                    .map_or_else(new_uuid, str::to_owned);
                let mut with_id = Map::new();
                with_id.insert("id".to_owned(), Value::String(id));
                with_id.extend(sent);
                sent = with_id;
            }
            if let Some(existing) = existing {
                sent = in_key_order_of(existing, sent);
            }
            let mut reference: IdentityProviderRef = IdentityProviderRef {
                id: sent.get("id").and_then(Value::as_str).map(str::to_owned),
                name: sent.get("name").and_then(Value::as_str).map(str::to_owned),
                disabled: sent.get("disabled").and_then(Value::as_bool),
                ..IdentityProviderRef::default()
            };
            reference.extra.insert("selfUri".to_owned(), Value::String(kind.path()));
            providers.insert(kind.as_str().to_owned(), Value::Object(sent));
            Ok(reference)
        })
        .await
    }

    async fn delete_identity_provider(&self, kind: ProviderType) -> Result<(), ApiError> {
        let resource = format!("DELETE {}", kind.path());
        self.change(Operation::DeleteIdentityProvider, &resource, |data| {
            data.doc
                .get_mut(IDENTITY_PROVIDERS)
                .and_then(Value::as_object_mut)
                .and_then(|providers| providers.shift_remove(kind.as_str()))
                .map(drop)
                .ok_or_else(|| not_found(&resource))
        })
        .await
    }

    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, ApiError> {
        self.read(Operation::OAuthClients, "GET /api/v2/oauth/clients", |data| {
            Ok(data.clients().into_iter().map(without_secret).collect())
        })
        .await
    }

    async fn oauth_client(&self, client_id: &str) -> Result<OAuthClient, ApiError> {
        let resource = format!("GET /api/v2/oauth/clients/{client_id}");
        self.read(Operation::OAuthClient, &resource, |data| {
            data.client(client_id)
                .map(|(_, client)| without_secret(client))
                .ok_or_else(|| not_found(&resource))
        })
        .await
    }

    async fn create_oauth_client(
        &self,
        request: &OAuthClientRequest,
    ) -> Result<OAuthClient, ApiError> {
        let resource = "POST /api/v2/oauth/clients";
        self.change(Operation::CreateOAuthClient, resource, |data| {
            check_client_request(data, request, resource)?;
            let stored = new_client_object(request);
            let created: OAuthClient = typed(&stored, resource)?;
            let clients = data
                .doc
                .entry(OAUTH_CLIENTS)
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
                .ok_or_else(|| ApiError::InvalidResponse {
                    resource: resource.to_owned(),
                    message: format!("`{OAUTH_CLIENTS}` in the org snapshot is not an array"),
                })?;
            clients.push(stored);
            Ok(created)
        })
        .await
    }

    async fn delete_oauth_client(&self, client_id: &str) -> Result<(), ApiError> {
        let resource = format!("DELETE /api/v2/oauth/clients/{client_id}");
        self.change(Operation::DeleteOAuthClient, &resource, |data| {
            let (position, _) = data.client(client_id).ok_or_else(|| not_found(&resource))?;
            if let Some(clients) = data.doc.get_mut(OAUTH_CLIENTS).and_then(Value::as_array_mut) {
                clients.remove(position);
            }
            Ok(())
        })
        .await
    }

    async fn roles_page(&self, page: PageRequest) -> Result<Page<Role>, ApiError> {
        let resource = "GET /api/v2/authorization/roles";
        self.read(Operation::RolesPage, resource, |data| {
            let roles = &data.index.roles;
            let mut listing =
                build_page(page, MAX_PAGE_SIZE_DEFAULT, roles.len(), resource, |range| {
                    Ok(roles[range].to_vec())
                })?;
            set_page_links(&mut listing, "/api/v2/authorization/roles", &[]);
            Ok(listing)
        })
        .await
    }

    async fn role_users_page(
        &self,
        role_id: &str,
        page: PageRequest,
    ) -> Result<Page<UserReference>, ApiError> {
        let path = format!("/api/v2/authorization/roles/{role_id}/users");
        let resource = format!("GET {path}");
        self.read(Operation::RoleUsersPage, &resource, |data| {
            if !data.index.roles_by_id.contains_key(role_id) {
                return Err(not_found(&resource));
            }
            let members = data.index.role_members.get(role_id).map_or(&[][..], Vec::as_slice);
            let mut listing =
                build_page(page, MAX_PAGE_SIZE_DEFAULT, members.len(), &resource, |range| {
                    Ok(members[range].iter().map(|id| user_reference(id)).collect())
                })?;
            set_page_links(&mut listing, &path, &[]);
            Ok(listing)
        })
        .await
    }

    async fn users_page(
        &self,
        page: PageRequest,
        state: UserStateFilter,
    ) -> Result<Page<User>, ApiError> {
        let resource = format!("GET /api/v2/users?state={}", state.as_str());
        self.read(Operation::UsersPage, &resource, |data| {
            let selected = data.index.users(state);
            let users = data.array(USERS);
            let mut listing =
                build_page(page, MAX_PAGE_SIZE_USERS, selected.len(), &resource, |range| {
                    selected[range]
                        .iter()
                        .map(|&position| typed(&users[position], &resource))
                        .collect()
                })?;
            set_page_links(
                &mut listing,
                "/api/v2/users",
                &[("state".to_owned(), state.as_str().to_owned())],
            );
            Ok(listing)
        })
        .await
    }

    async fn divisions_page(&self, page: PageRequest) -> Result<Page<Division>, ApiError> {
        let resource = "GET /api/v2/authorization/divisions";
        self.read(Operation::DivisionsPage, resource, |data| {
            let divisions = data.array(DIVISIONS);
            let mut listing =
                build_page(page, MAX_PAGE_SIZE_DEFAULT, divisions.len(), resource, |range| {
                    divisions[range].iter().map(|division| typed(division, resource)).collect()
                })?;
            set_page_links(&mut listing, "/api/v2/authorization/divisions", &[]);
            Ok(listing)
        })
        .await
    }

    async fn subject(&self, subject_id: &str) -> Result<AuthzSubject, ApiError> {
        let resource = format!("GET /api/v2/authorization/subjects/{subject_id}");
        self.read(Operation::Subject, &resource, |data| {
            subject_of(data, subject_id).ok_or_else(|| not_found(&resource))
        })
        .await
    }

    async fn fresh_token(&self) -> Result<TokenGrant, ApiError> {
        let resource = "POST /oauth/token";
        let after = self.begin(Operation::FreshToken, resource).await?;
        let secret = self.secret.as_ref().map(ClientSecret::expose);
        let result = self.issue_token(&self.client_id, secret);
        finish(after, Operation::FreshToken, resource, result)
    }

    async fn request_token(&self, credentials: &ClientCredentials) -> Result<TokenGrant, ApiError> {
        let resource = "POST /oauth/token";
        let after = self.begin(Operation::RequestToken, resource).await?;
        let result = self.issue_token(&credentials.client_id, Some(credentials.secret.expose()));
        finish(after, Operation::RequestToken, resource, result)
    }
}

/// Checks a client request the way the API validates it (HTTP 400).
fn check_client_request(
    data: &OrgData,
    request: &OAuthClientRequest,
    resource: &str,
) -> Result<(), ApiError> {
    if request.name.trim().is_empty() {
        return Err(invalid_value(resource, "name is required".to_owned()));
    }
    if !GRANT_TYPES.contains(&request.authorized_grant_type.as_str()) {
        return Err(invalid_value(
            resource,
            format!(
                "authorizedGrantType `{}` is not one of {}",
                request.authorized_grant_type,
                GRANT_TYPES.join(", ")
            ),
        ));
    }
    if let Some(state) = &request.state
        && !CLIENT_STATES.contains(&state.as_str())
    {
        return Err(invalid_value(
            resource,
            format!("state `{state}` is not one of {}", CLIENT_STATES.join(", ")),
        ));
    }
    if let Some(seconds) = request.access_token_validity_seconds
        && !(MIN_TOKEN_LIFETIME_SECONDS..=MAX_TOKEN_LIFETIME_SECONDS).contains(&seconds)
    {
        return Err(invalid_value(
            resource,
            format!(
                "accessTokenValiditySeconds {seconds} is outside \
                 {MIN_TOKEN_LIFETIME_SECONDS}..={MAX_TOKEN_LIFETIME_SECONDS}"
            ),
        ));
    }
    for assignment in request.role_divisions.iter().flatten() {
        if !data.index.roles_by_id.contains_key(&assignment.role_id) {
            return Err(invalid_value(
                resource,
                format!("role `{}` does not exist", assignment.role_id),
            ));
        }
        if assignment.division_id != "*"
            && !data.index.divisions_by_id.contains_key(&assignment.division_id)
        {
            return Err(invalid_value(
                resource,
                format!("division `{}` does not exist", assignment.division_id),
            ));
        }
    }
    Ok(())
}

/// Builds the stored object of a new client, with a new ID and secret.
fn new_client_object(request: &OAuthClientRequest) -> Value {
    let mut client = Map::new();
    client.insert("id".to_owned(), json!(new_uuid()));
    client.insert("name".to_owned(), json!(request.name));
    if let Some(description) = &request.description {
        client.insert("description".to_owned(), json!(description));
    }
    let lifetime =
        request.access_token_validity_seconds.unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS as i64);
    client.insert("accessTokenValiditySeconds".to_owned(), json!(lifetime));
    client.insert("authorizedGrantType".to_owned(), json!(request.authorized_grant_type));
    if let Some(role_divisions) = &request.role_divisions {
        client.insert("roleDivisions".to_owned(), json!(role_divisions));
    }
    client.insert("state".to_owned(), json!(request.state.as_deref().unwrap_or("active")));
    let created = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    client.insert("dateCreated".to_owned(), json!(created));
    client.insert("secret".to_owned(), json!(random_text(SECRET_LENGTH)));
    Value::Object(client)
}

fn user_reference(id: &str) -> UserReference {
    let mut reference = UserReference { id: id.to_owned(), ..UserReference::default() };
    reference.extra.insert("selfUri".to_owned(), json!(format!("/api/v2/users/{id}")));
    reference
}

/// Builds `AuthzSubject` for a user (its `grants`) or an OAuth client (its
/// `roleDivisions`, or `roleIds` without divisions).
fn subject_of(data: &OrgData, subject_id: &str) -> Option<AuthzSubject> {
    let role_ref = |role_id: &str| {
        let name = data.index.roles_by_id.get(role_id).map(|&i| data.index.roles[i].name.clone());
        json!({"id": role_id, "name": name})
    };
    let division_ref = |division_id: &str| {
        let name = data
            .index
            .divisions_by_id
            .get(division_id)
            .and_then(|&i| data.array(DIVISIONS)[i].get("name").cloned());
        match name {
            Some(name) => json!({
                "id": division_id,
                "name": name,
                "selfUri": format!("/api/v2/authorization/divisions/{division_id}"),
            }),
            None => json!({"id": division_id}),
        }
    };
    let grant_value = |role_id: &str, division_id: Option<&str>| {
        let mut grant = Map::new();
        grant.insert("subjectId".to_owned(), json!(subject_id));
        if let Some(division_id) = division_id {
            grant.insert("division".to_owned(), division_ref(division_id));
        }
        grant.insert("role".to_owned(), role_ref(role_id));
        Value::Object(grant)
    };

    let (name, grants) = if let Some(positions) = data.index.subject_grants.get(subject_id) {
        let grants = data.array(crate::snapshot::GRANTS);
        let grants = positions
            .iter()
            .map(|&position| {
                let grant = &grants[position];
                grant_value(
                    grant.get("roleId").and_then(Value::as_str).unwrap_or_default(),
                    grant.get("divisionId").and_then(Value::as_str),
                )
            })
            .collect();
        (user_name(data, subject_id), grants)
    } else if data.index.users_by_id.contains_key(subject_id) {
        (user_name(data, subject_id), Vec::new())
    } else {
        let (_, client) = data.client(subject_id)?;
        let grants = match (&client.role_divisions, &client.role_ids) {
            (Some(assignments), _) => assignments
                .iter()
                .map(|assignment| grant_value(&assignment.role_id, Some(&assignment.division_id)))
                .collect(),
            (None, Some(role_ids)) => role_ids.iter().map(|id| grant_value(id, None)).collect(),
            (None, None) => Vec::new(),
        };
        (Some(client.name), grants)
    };
    let mut subject =
        AuthzSubject { id: subject_id.to_owned(), name, grants, ..Default::default() };
    subject.extra.insert(
        "selfUri".to_owned(),
        json!(format!("/api/v2/authorization/subjects/{subject_id}")),
    );
    Some(subject)
}

fn user_name(data: &OrgData, user_id: &str) -> Option<String> {
    let position = *data.index.users_by_id.get(user_id)?;
    data.array(USERS)[position].get("name").and_then(Value::as_str).map(str::to_owned)
}
