//! The async resource-API trait over a Genesys Cloud org, the API's models in
//! their exact JSON shapes, and typed errors.
//!
//! [`OrgApi`] is the seam between the product and an org: `cutover-http`
//! implements it over HTTPS and `cutover-memory` over an org snapshot, and the
//! `conformance` suite (feature `conformance`) checks that both behave alike.
//! [`collect_state`] walks an org through the trait into an [`OrgState`], the
//! input of the safety rules. [`permissions`] contains the one implementation of
//! "a role grants a permission" that the rules and the backends share.
//!
//! Models keep fields they do not know in an `extra` map, so a
//! read-modify-write never drops a field the API added later.

mod api;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
pub mod models;
pub mod paging;
pub mod permissions;
mod state;

pub use api::{MockOrgApi, OrgApi, TokenGrant};
pub use error::{ApiError, ErrorBody};
pub use models::{
    AuthzSubject, Division, Grant, IdentityProvider, OAuthClient, OAuthClientRequest, Organization,
    Page, PageRequest, ProviderType, Role, RoleDivision, TokenInfo, User, UserReference,
    UserStateFilter,
};
pub use state::{CollectOptions, GrantScope, OrgState, collect_state};
