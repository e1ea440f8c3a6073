//! Models in the API's JSON shapes and field names. Every struct keeps the
//! fields it does not name in `extra`, and leaves absent fields absent when it
//! is written back.

mod authz;
mod oauth;
mod organization;
mod page;
mod provider;
mod user;

pub use authz::{AuthzSubject, Division, Grant, PermissionPolicy, Role, UserReference};
pub use oauth::{
    DomainEntityRef, GRANT_CLIENT_CREDENTIALS, GRANT_CODE, GRANT_PASSWORD, GRANT_SAML2_BEARER,
    GRANT_TOKEN, OAuthClient, OAuthClientRequest, RoleDivision,
};
pub use organization::{NamedEntity, Organization, TokenInfo};
pub use page::{MAX_PAGE_SIZE_DEFAULT, MAX_PAGE_SIZE_USERS, Page, PageRequest};
pub use provider::{IdentityProvider, IdentityProviderRef, ParseProviderTypeError, ProviderType};
pub use user::{User, UserStateFilter};

/// Unknown fields of a model, in the order they came.
pub type Extra = serde_json::Map<String, serde_json::Value>;
