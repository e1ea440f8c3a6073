//! The API calls `apply` makes, found by running it once without faults
//! through [`RecordingApi`], and how each call is hit on both backends.

use std::sync::Mutex;

use async_trait::async_trait;
use cutover_api::models::IdentityProviderRef;
use cutover_api::{
    ApiError, AuthzSubject, Division, IdentityProvider, OAuthClient, OAuthClientRequest, OrgApi,
    Organization, Page, PageRequest, ProviderType, Role, TokenGrant, TokenInfo, User,
    UserReference, UserStateFilter,
};
use cutover_auth::ClientCredentials;
use cutover_memory::Operation;

/// One call of the trait, with the argument that distinguishes calls of one
/// method (a provider type or a role ID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    /// The trait method.
    pub(crate) operation: Operation,
    /// The provider type or role ID it was called with.
    pub(crate) target: Option<String>,
}

impl Call {
    /// Returns the HTTP method and path the HTTP backend sends this call to.
    pub(crate) fn http(&self) -> (&'static str, String) {
        let target = self.target.as_deref().unwrap_or_default();
        match self.operation {
            Operation::Organization => ("GET", "/api/v2/organizations/me".to_owned()),
            Operation::TokenInfo => ("GET", "/api/v2/tokens/me".to_owned()),
            Operation::IdentityProviders => ("GET", "/api/v2/identityproviders".to_owned()),
            Operation::IdentityProvider => ("GET", format!("/api/v2/identityproviders/{target}")),
            Operation::PutIdentityProvider => {
                ("PUT", format!("/api/v2/identityproviders/{target}"))
            }
            Operation::DeleteIdentityProvider => {
                ("DELETE", format!("/api/v2/identityproviders/{target}"))
            }
            Operation::OAuthClients => ("GET", "/api/v2/oauth/clients".to_owned()),
            Operation::OAuthClient => ("GET", format!("/api/v2/oauth/clients/{target}")),
            Operation::CreateOAuthClient => ("POST", "/api/v2/oauth/clients".to_owned()),
            Operation::DeleteOAuthClient => ("DELETE", format!("/api/v2/oauth/clients/{target}")),
            Operation::RolesPage => ("GET", "/api/v2/authorization/roles".to_owned()),
            Operation::RoleUsersPage => {
                ("GET", format!("/api/v2/authorization/roles/{target}/users"))
            }
            Operation::UsersPage => ("GET", "/api/v2/users".to_owned()),
            Operation::DivisionsPage => ("GET", "/api/v2/authorization/divisions".to_owned()),
            Operation::Subject => ("GET", format!("/api/v2/authorization/subjects/{target}")),
            Operation::FreshToken | Operation::RequestToken => ("POST", "/oauth/token".to_owned()),
        }
    }
}

/// An [`OrgApi`] that passes every call on and records it.
pub(crate) struct RecordingApi<'a> {
    inner: &'a dyn OrgApi,
    calls: Mutex<Vec<Call>>,
}

impl<'a> RecordingApi<'a> {
    pub(crate) fn new(inner: &'a dyn OrgApi) -> Self {
        Self { inner, calls: Mutex::new(Vec::new()) }
    }

    /// Returns the calls in the order they were made.
    pub(crate) fn into_calls(self) -> Vec<Call> {
        self.calls.into_inner().expect("call log lock")
    }

    fn record(&self, operation: Operation, target: Option<String>) {
        self.calls.lock().expect("call log lock").push(Call { operation, target });
    }
}

#[async_trait]
impl OrgApi for RecordingApi<'_> {
    async fn organization(&self) -> Result<Organization, ApiError> {
        self.record(Operation::Organization, None);
        self.inner.organization().await
    }

    async fn token_info(&self) -> Result<TokenInfo, ApiError> {
        self.record(Operation::TokenInfo, None);
        self.inner.token_info().await
    }

    async fn identity_providers(&self) -> Result<Vec<IdentityProvider>, ApiError> {
        self.record(Operation::IdentityProviders, None);
        self.inner.identity_providers().await
    }

    async fn identity_provider(
        &self,
        kind: ProviderType,
    ) -> Result<Option<IdentityProvider>, ApiError> {
        self.record(Operation::IdentityProvider, Some(kind.as_str().to_owned()));
        self.inner.identity_provider(kind).await
    }

    async fn put_identity_provider(
        &self,
        kind: ProviderType,
        body: &IdentityProvider,
    ) -> Result<IdentityProviderRef, ApiError> {
        self.record(Operation::PutIdentityProvider, Some(kind.as_str().to_owned()));
        self.inner.put_identity_provider(kind, body).await
    }

    async fn delete_identity_provider(&self, kind: ProviderType) -> Result<(), ApiError> {
        self.record(Operation::DeleteIdentityProvider, Some(kind.as_str().to_owned()));
        self.inner.delete_identity_provider(kind).await
    }

    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, ApiError> {
        self.record(Operation::OAuthClients, None);
        self.inner.oauth_clients().await
    }

    async fn oauth_client(&self, client_id: &str) -> Result<OAuthClient, ApiError> {
        self.record(Operation::OAuthClient, Some(client_id.to_owned()));
        self.inner.oauth_client(client_id).await
    }

    async fn create_oauth_client(
        &self,
        request: &OAuthClientRequest,
    ) -> Result<OAuthClient, ApiError> {
        self.record(Operation::CreateOAuthClient, None);
        self.inner.create_oauth_client(request).await
    }

    async fn delete_oauth_client(&self, client_id: &str) -> Result<(), ApiError> {
        self.record(Operation::DeleteOAuthClient, Some(client_id.to_owned()));
        self.inner.delete_oauth_client(client_id).await
    }

    async fn roles_page(&self, page: PageRequest) -> Result<Page<Role>, ApiError> {
        self.record(Operation::RolesPage, None);
        self.inner.roles_page(page).await
    }

    async fn role_users_page(
        &self,
        role_id: &str,
        page: PageRequest,
    ) -> Result<Page<UserReference>, ApiError> {
        self.record(Operation::RoleUsersPage, Some(role_id.to_owned()));
        self.inner.role_users_page(role_id, page).await
    }

    async fn users_page(
        &self,
        page: PageRequest,
        state: UserStateFilter,
    ) -> Result<Page<User>, ApiError> {
        self.record(Operation::UsersPage, None);
        self.inner.users_page(page, state).await
    }

    async fn divisions_page(&self, page: PageRequest) -> Result<Page<Division>, ApiError> {
        self.record(Operation::DivisionsPage, None);
        self.inner.divisions_page(page).await
    }

    async fn subject(&self, subject_id: &str) -> Result<AuthzSubject, ApiError> {
        self.record(Operation::Subject, Some(subject_id.to_owned()));
        self.inner.subject(subject_id).await
    }

    async fn fresh_token(&self) -> Result<TokenGrant, ApiError> {
        self.record(Operation::FreshToken, None);
        self.inner.fresh_token().await
    }

    async fn request_token(&self, credentials: &ClientCredentials) -> Result<TokenGrant, ApiError> {
        self.record(Operation::RequestToken, Some(credentials.client_id.clone()));
        self.inner.request_token(credentials).await
    }
}

/// A call of the recorded run that the matrix hits with each fault.
#[derive(Clone, Debug)]
pub(crate) struct CallSite {
    /// The row label, such as `stage 1: PUT provider `generic``.
    pub(crate) label: String,
    /// Whether the call comes before the first change, where a failure must
    /// end the run with exit 1 and the org untouched.
    pub(crate) before_change: bool,
    /// A call that fails with 400 earlier in the run, so that the run
    /// reaches this call while it undoes a stage.
    pub(crate) preceded_by: Option<Box<CallSite>>,
    /// The call, or `None` for the first token request. The HTTP backend
    /// sends that request before its first API call, and the in-memory
    /// backend does not send it at all.
    pub(crate) call: Option<Call>,
    /// The position among the calls of this operation in the run (1-based),
    /// for the in-memory fault trigger.
    pub(crate) memory_nth: u64,
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path prefix the simulator fault matches.
    pub(crate) path: String,
    /// The position among the requests with this method and path prefix
    /// (1-based), for the simulator fault trigger.
    pub(crate) http_nth: u64,
}

/// Turns the recorded calls into matrix rows, each with the position of the
/// call on both backends. The HTTP backend's first token request comes
/// first.
///
/// The phases follow the stages. Everything before the first `PUT` reads
/// the org, and stage 2 starts with the read that checks the provider just
/// before the second `PUT`, which disables native login.
pub(crate) fn call_sites(calls: &[Call], own_client: &str) -> Vec<CallSite> {
    let puts: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, call)| call.operation == Operation::PutIdentityProvider)
        .map(|(index, _)| index)
        .collect();
    let stage_1_start = puts.first().copied().unwrap_or(calls.len());
    // Stage 2 opens with a check of the stage-1 provider, then proves each
    // break-glass client's secret, and only then sends its `PUT`.
    let stage_2_start = puts.get(1).map_or(calls.len(), |&put| {
        let mut start = put;
        while start > 0 && calls[start - 1].operation == Operation::RequestToken {
            start -= 1;
        }
        start.saturating_sub(1)
    });

    let mut sites = vec![CallSite {
        label: "read: first token (HTTP only)".to_owned(),
        before_change: true,
        preceded_by: None,
        call: None,
        memory_nth: 0,
        method: "POST",
        path: "/oauth/token".to_owned(),
        http_nth: 1,
    }];
    for (index, call) in calls.iter().enumerate() {
        let earlier = &calls[..=index];
        let memory_nth = earlier.iter().filter(|c| c.operation == call.operation).count() as u64;
        let (method, path) = call.http();
        let same_requests = earlier
            .iter()
            .filter(|c| {
                let (other_method, other_path) = c.http();
                other_method == method && other_path.starts_with(&path)
            })
            .count() as u64;
        // Every token request goes to one path, and the HTTP backend's first
        // token request comes before every recorded call.
        let http_nth = same_requests + u64::from(path == "/oauth/token");
        let phase = if index < stage_1_start {
            "read"
        } else if index < stage_2_start {
            "stage 1"
        } else {
            "stage 2"
        };
        let after_put =
            puts.iter().any(|&put| put < index && (phase != "stage 2" || put >= stage_2_start));
        sites.push(CallSite {
            label: format!("{phase}: {}", describe(call, after_put, own_client)),
            before_change: phase == "read",
            preceded_by: None,
            call: Some(call.clone()),
            memory_nth,
            method,
            path,
            http_nth,
        });
    }
    sites
}

fn describe(call: &Call, after_put: bool, own_client: &str) -> String {
    let target = call.target.as_deref().unwrap_or_default();
    match call.operation {
        Operation::Organization => "GET organization".to_owned(),
        Operation::TokenInfo => "GET token info".to_owned(),
        Operation::IdentityProvider if after_put => format!("read back provider `{target}`"),
        Operation::IdentityProvider => format!("GET provider `{target}`"),
        Operation::PutIdentityProvider => format!("PUT provider `{target}`"),
        Operation::DeleteIdentityProvider => format!("DELETE provider `{target}`"),
        Operation::OAuthClients => "GET OAuth clients".to_owned(),
        Operation::RolesPage => "GET roles".to_owned(),
        Operation::DivisionsPage => "GET divisions".to_owned(),
        Operation::UsersPage => "GET users".to_owned(),
        Operation::RoleUsersPage => "GET role members".to_owned(),
        Operation::FreshToken => "fresh token".to_owned(),
        Operation::RequestToken if target == own_client => "own client token".to_owned(),
        Operation::RequestToken if after_put => "break-glass token".to_owned(),
        Operation::RequestToken => "break-glass token before the change".to_owned(),
        other => other.as_str().to_owned(),
    }
}

/// Turns the calls of a run in which `failing` failed with 400 into matrix
/// rows for the calls of the undo: those after the failing call, which must
/// be the last check of its stage.
pub(crate) fn undo_sites(
    calls: &[Call],
    failing: &CallSite,
    failure_name: &str,
    own_client: &str,
) -> Vec<CallSite> {
    let all = call_sites(calls, own_client);
    // `all` starts with the first token request, which is not in `calls`.
    let failing_index = all
        .iter()
        .position(|site| site.call == failing.call && site.memory_nth == failing.memory_nth);
    let Some(failing_index) = failing_index else {
        return Vec::new();
    };
    let mut written: Vec<String> = Vec::new();
    all.into_iter()
        .skip(failing_index + 1)
        .map(|mut site| {
            let call = site.call.clone().expect("recorded calls have a call");
            let target = call.target.clone().unwrap_or_default();
            let what = match call.operation {
                Operation::IdentityProvider if written.contains(&target) => {
                    format!("read back provider `{target}`")
                }
                Operation::IdentityProvider => format!("read provider `{target}`"),
                Operation::PutIdentityProvider => {
                    written.push(target.clone());
                    format!("PUT provider `{target}`")
                }
                Operation::DeleteIdentityProvider => format!("DELETE provider `{target}`"),
                _ => describe(&call, false, own_client),
            };
            site.label = format!("undo after {failure_name}: {what}");
            site.before_change = false;
            site.preceded_by = Some(Box::new(failing.clone()));
            site
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: Operation, target: Option<&str>) -> Call {
        Call { operation, target: target.map(str::to_owned) }
    }

    fn recorded() -> Vec<Call> {
        use Operation as Op;
        vec![
            call(Op::Organization, None),
            call(Op::IdentityProvider, Some("generic")),
            call(Op::IdentityProvider, Some("purecloud")),
            call(Op::RolesPage, None),
            call(Op::RoleUsersPage, Some("r1")),
            call(Op::TokenInfo, None),
            call(Op::PutIdentityProvider, Some("generic")),
            call(Op::FreshToken, None),
            call(Op::Organization, None),
            call(Op::IdentityProvider, Some("generic")),
            call(Op::IdentityProvider, Some("generic")),
            call(Op::RequestToken, Some("bg")),
            call(Op::PutIdentityProvider, Some("purecloud")),
            call(Op::FreshToken, None),
            call(Op::Organization, None),
            call(Op::IdentityProvider, Some("purecloud")),
            call(Op::RequestToken, Some("bg")),
        ]
    }

    fn site<'a>(sites: &'a [CallSite], label: &str) -> &'a CallSite {
        sites.iter().find(|site| site.label == label).unwrap_or_else(|| {
            let labels: Vec<&str> = sites.iter().map(|site| site.label.as_str()).collect();
            panic!("no `{label}` among {labels:?}")
        })
    }

    #[test]
    fn call_sites_label_phases() {
        let sites = call_sites(&recorded(), "own");
        assert_eq!(sites.len(), 18);
        assert!(site(&sites, "read: GET token info").before_change);
        assert!(!site(&sites, "stage 1: PUT provider `generic`").before_change);
        site(&sites, "stage 1: read back provider `generic`");
        site(&sites, "stage 2: GET provider `generic`");
        site(&sites, "stage 2: read back provider `purecloud`");
        site(&sites, "stage 2: break-glass token");
        site(&sites, "stage 2: break-glass token before the change");
    }

    #[test]
    fn call_sites_count_positions() {
        let sites = call_sites(&recorded(), "own");
        let stage_2_org = site(&sites, "stage 2: GET organization");
        assert_eq!(stage_2_org.memory_nth, 3);
        assert_eq!(stage_2_org.http_nth, 3);
        // The HTTP backend's first token request comes before the fresh one.
        let fresh = site(&sites, "stage 1: fresh token");
        assert_eq!(fresh.memory_nth, 1);
        assert_eq!(fresh.http_nth, 2);
        let early_proof = site(&sites, "stage 2: break-glass token before the change");
        assert_eq!(early_proof.memory_nth, 1);
        assert_eq!(early_proof.http_nth, 3);
        let break_glass = site(&sites, "stage 2: break-glass token");
        assert_eq!(break_glass.memory_nth, 2);
        assert_eq!(break_glass.http_nth, 5);
        let precondition = site(&sites, "stage 2: GET provider `generic`");
        assert_eq!(precondition.memory_nth, 4);
        assert_eq!(precondition.http_nth, 3);
        assert_eq!(precondition.path, "/api/v2/identityproviders/generic");
        let members = site(&sites, "read: GET role members");
        assert_eq!(members.path, "/api/v2/authorization/roles/r1/users");
        assert_eq!(members.http_nth, 1);
    }

    #[test]
    fn undo_sites_follow_the_failing_call() {
        use Operation as Op;
        // Stage 1's read-back fails; the undo reads the provider and deletes it.
        let mut calls = recorded()[..10].to_vec();
        calls.extend([
            call(Op::IdentityProvider, Some("generic")),
            call(Op::DeleteIdentityProvider, Some("generic")),
        ]);
        let sites = call_sites(&calls, "own");
        let failing = site(&sites, "stage 1: read back provider `generic`").clone();
        let undo = undo_sites(&calls, &failing, "stage 1 failed", "own");
        let labels: Vec<&str> = undo.iter().map(|site| site.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "undo after stage 1 failed: read provider `generic`",
                "undo after stage 1 failed: DELETE provider `generic`"
            ]
        );
        assert_eq!(undo[0].memory_nth, 4);
        assert_eq!(undo[1].method, "DELETE");
        assert!(undo.iter().all(|site| site.preceded_by.is_some() && !site.before_change));
    }
}
