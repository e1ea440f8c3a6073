//! The rules of the catalog, one module per group. Each function appends its
//! findings; [`crate::evaluate`] sorts them and applies waivers.

pub(crate) mod break_glass;
pub(crate) mod change;
pub(crate) mod clients;
pub(crate) mod metadata;
pub(crate) mod people;

use std::collections::HashMap;

use cutover_api::permissions::role_grants_idp_admin;
use cutover_api::{OAuthClient, OrgState, ProviderType, Role, User};

/// Facts about the org that several rules read, computed once.
pub(crate) struct OrgFacts<'a> {
    pub(crate) state: &'a OrgState,
    /// The roles that grant `sso:provider:edit` or `sso:provider:add`, by ID.
    pub(crate) admin_roles: HashMap<&'a str, &'a Role>,
}

impl<'a> OrgFacts<'a> {
    pub(crate) fn new(state: &'a OrgState) -> Self {
        let admin_roles = state
            .roles
            .iter()
            .filter(|role| role_grants_idp_admin(role))
            .map(|role| (role.id.as_str(), role))
            .collect();
        OrgFacts { state, admin_roles }
    }

    /// Tells whether one of the client's roles grants the IdP admin
    /// permission. A role ID that names no role grants nothing.
    pub(crate) fn client_has_idp_admin_role(&self, client: &OAuthClient) -> bool {
        client.role_ids().iter().any(|id| self.admin_roles.contains_key(id))
    }

    /// Tells whether the client qualifies as break-glass access: active,
    /// `CLIENT-CREDENTIALS`, and holding a role that grants the IdP admin
    /// permission through its `roleDivisions`. The deprecated `roleIds` count
    /// as the client's roles elsewhere, but the catalog defines a qualifying
    /// client by its `roleDivisions` roles only, which is what a
    /// client-credentials token is granted.
    pub(crate) fn qualifies_as_break_glass(&self, client: &OAuthClient) -> bool {
        client.is_active()
            && client.has_grant(cutover_api::models::GRANT_CLIENT_CREDENTIALS)
            && client
                .role_divisions
                .iter()
                .flatten()
                .any(|grant| self.admin_roles.contains_key(grant.role_id.as_str()))
    }

    /// Tells whether native login is disabled now: the `purecloud` provider
    /// exists with `disabled: true`.
    pub(crate) fn native_login_disabled(&self) -> bool {
        self.state
            .identity_providers
            .get(&ProviderType::Purecloud)
            .is_some_and(cutover_api::IdentityProvider::is_disabled)
    }
}

/// Names a client in a message: its name and ID, or the ID alone when it has
/// no name.
pub(crate) fn client_label(client: &OAuthClient) -> String {
    if client.name.trim().is_empty() {
        format!("`{}`", client.id)
    } else {
        format!("`{}` (`{}`)", client.name, client.id)
    }
}

/// Names a user in a message: name and email, or name and ID without email.
pub(crate) fn user_label(user: &User) -> String {
    let name = if user.name.trim().is_empty() { user.id.as_str() } else { user.name.as_str() };
    match user.email.as_deref().map(str::trim).filter(|email| !email.is_empty()) {
        Some(email) => format!("`{name}` <{email}>"),
        None => format!("`{name}` (ID `{}`, no email)", user.id),
    }
}

pub(crate) fn client_subject(id: &str) -> String {
    format!("oauth-client:{id}")
}
