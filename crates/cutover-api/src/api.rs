use async_trait::async_trait;
use cutover_auth::{AccessToken, ClientCredentials};

use crate::error::ApiError;
use crate::models::{
    AuthzSubject, Division, IdentityProvider, IdentityProviderRef, OAuthClient, OAuthClientRequest,
    Organization, Page, PageRequest, ProviderType, Role, TokenInfo, User, UserReference,
    UserStateFilter,
};

/// A token issued by the login service.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    /// The bearer token.
    pub access_token: AccessToken,
    /// Lifetime in seconds, as the login service stated it.
    pub expires_in: u64,
}

/// The Genesys Cloud resources the product reads and changes, as one org sees
/// them through one OAuth client's token.
///
/// Every call is made with the permissions of the client the backend was
/// opened for. A fixed-type provider that is not configured reads as
/// `Ok(None)`, not as an error.
#[mockall::automock]
#[async_trait]
pub trait OrgApi: Send + Sync {
    /// `GET /api/v2/organizations/me`.
    async fn organization(&self) -> Result<Organization, ApiError>;

    /// `GET /api/v2/tokens/me`.
    async fn token_info(&self) -> Result<TokenInfo, ApiError>;

    /// `GET /api/v2/identityproviders`: every configured provider in one list.
    async fn identity_providers(&self) -> Result<Vec<IdentityProvider>, ApiError>;

    /// `GET /api/v2/identityproviders/{type}`; `Ok(None)` on 404.
    async fn identity_provider(
        &self,
        kind: ProviderType,
    ) -> Result<Option<IdentityProvider>, ApiError>;

    /// `PUT /api/v2/identityproviders/{type}`: creates or replaces the provider.
    async fn put_identity_provider(
        &self,
        kind: ProviderType,
        body: &IdentityProvider,
    ) -> Result<IdentityProviderRef, ApiError>;

    /// `DELETE /api/v2/identityproviders/{type}`.
    async fn delete_identity_provider(&self, kind: ProviderType) -> Result<(), ApiError>;

    /// `GET /api/v2/oauth/clients`: every OAuth client, without secrets.
    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, ApiError>;

    /// `GET /api/v2/oauth/clients/{clientId}`.
    async fn oauth_client(&self, client_id: &str) -> Result<OAuthClient, ApiError>;

    /// `POST /api/v2/oauth/clients`. The response contains the new secret.
    async fn create_oauth_client(
        &self,
        request: &OAuthClientRequest,
    ) -> Result<OAuthClient, ApiError>;

    /// `DELETE /api/v2/oauth/clients/{clientId}`.
    async fn delete_oauth_client(&self, client_id: &str) -> Result<(), ApiError>;

    /// `GET /api/v2/authorization/roles`, one page.
    async fn roles_page(&self, page: PageRequest) -> Result<Page<Role>, ApiError>;

    /// `GET /api/v2/authorization/roles/{roleId}/users`, one page.
    async fn role_users_page(
        &self,
        role_id: &str,
        page: PageRequest,
    ) -> Result<Page<UserReference>, ApiError>;

    /// `GET /api/v2/users?state=…`, one page.
    async fn users_page(
        &self,
        page: PageRequest,
        state: UserStateFilter,
    ) -> Result<Page<User>, ApiError>;

    /// `GET /api/v2/authorization/divisions`, one page.
    async fn divisions_page(&self, page: PageRequest) -> Result<Page<Division>, ApiError>;

    /// `GET /api/v2/authorization/subjects/{subjectId}`.
    async fn subject(&self, subject_id: &str) -> Result<AuthzSubject, ApiError>;

    /// Requests a new token with the backend's own credentials, bypassing any
    /// cached token: the proof that the tool can still sign in.
    async fn fresh_token(&self) -> Result<TokenGrant, ApiError>;

    /// Requests a token for other client credentials, such as a break-glass
    /// client's, at the same login service.
    async fn request_token(&self, credentials: &ClientCredentials) -> Result<TokenGrant, ApiError>;
}
