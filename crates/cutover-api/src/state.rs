use std::collections::{BTreeMap, BTreeSet};

use futures::future::try_join_all;
use serde::{Deserialize, Serialize};

use crate::api::OrgApi;
use crate::error::ApiError;
use crate::models::{
    Division, Grant, IdentityProvider, MAX_PAGE_SIZE_DEFAULT, MAX_PAGE_SIZE_USERS, OAuthClient,
    Organization, ProviderType, Role, User, UserStateFilter,
};
use crate::paging::{DEFAULT_PAGE_CONCURRENCY, collect_all, for_each_page};
use crate::permissions::role_grants_idp_admin;

/// Everything the safety rules read about an org.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgState {
    /// The organization.
    pub organization: Organization,
    /// Configured providers by fixed type. A type whose `GET` returned 404 is absent.
    pub identity_providers: BTreeMap<ProviderType, IdentityProvider>,
    /// Every OAuth client.
    pub oauth_clients: Vec<OAuthClient>,
    /// Every role.
    pub roles: Vec<Role>,
    /// Every division.
    pub divisions: Vec<Division>,
    /// Every user that is not deleted.
    pub users: Vec<User>,
    /// Role grants of users. With [`GrantScope::IdpAdminRoles`] only the
    /// members of roles that grant an identity-provider admin permission are
    /// here, which is all the rules need.
    pub grants: Vec<Grant>,
}

/// The grants [`collect_state`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GrantScope {
    /// Members of roles that grant `sso:provider:edit` or `sso:provider:add`.
    #[default]
    IdpAdminRoles,
    /// Members of every role, for a whole-org snapshot.
    AllRoles,
}

/// Settings of [`collect_state`].
#[derive(Clone, Copy, Debug)]
pub struct CollectOptions {
    /// The role members to read.
    pub grants: GrantScope,
    /// Pages requested at once after the first page of a collection.
    pub page_concurrency: usize,
}

impl Default for CollectOptions {
    fn default() -> Self {
        Self { grants: GrantScope::default(), page_concurrency: DEFAULT_PAGE_CONCURRENCY }
    }
}

/// Reads the org through `api`: the organization, every fixed-type provider
/// (`GET` each; 404 means not configured), OAuth clients, roles, divisions,
/// users (all pages at the largest page size) and the members of the roles
/// `options` selects. Grants read through role members carry no division.
pub async fn collect_state(
    api: &dyn OrgApi,
    options: CollectOptions,
) -> Result<OrgState, ApiError> {
    let organization = api.organization().await?;

    let providers = try_join_all(ProviderType::ALL.iter().map(|&kind| async move {
        api.identity_provider(kind).await.map(|found| found.map(|provider| (kind, provider)))
    }))
    .await?;
    let identity_providers = providers.into_iter().flatten().collect();

    let oauth_clients = api.oauth_clients().await?;
    let concurrency = options.page_concurrency;
    let roles =
        collect_all(MAX_PAGE_SIZE_DEFAULT, concurrency, |page| api.roles_page(page)).await?;
    let divisions =
        collect_all(MAX_PAGE_SIZE_DEFAULT, concurrency, |page| api.divisions_page(page)).await?;

    let mut users = Vec::new();
    for_each_page(
        MAX_PAGE_SIZE_USERS,
        concurrency,
        |page| api.users_page(page, UserStateFilter::Any),
        |_, page| {
            users.extend(page);
            Ok(())
        },
    )
    .await?;

    let mut grants = BTreeSet::new();
    for role in &roles {
        if options.grants == GrantScope::IdpAdminRoles && !role_grants_idp_admin(role) {
            continue;
        }
        let members = collect_all(MAX_PAGE_SIZE_DEFAULT, concurrency, |page| {
            api.role_users_page(&role.id, page)
        })
        .await?;
        grants.extend(members.into_iter().map(|member| Grant {
            subject_id: member.id,
            role_id: role.id.clone(),
            division_id: None,
        }));
    }

    Ok(OrgState {
        organization,
        identity_providers,
        oauth_clients,
        roles,
        divisions,
        users,
        grants: grants.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::MockOrgApi;
    use crate::models::{Page, UserReference};

    fn single_page<T>(entities: Vec<T>) -> Page<T> {
        let total = entities.len() as u64;
        Page { entities, total: Some(total), page_count: Some(1), ..Page::default() }
    }

    #[tokio::test]
    async fn collects_admin_grants_only() {
        let mut api = MockOrgApi::new();
        api.expect_organization()
            .returning(|| Ok(Organization { id: "org".into(), ..Organization::default() }));
        api.expect_identity_provider().returning(|kind| {
            Ok((kind == ProviderType::Purecloud).then(IdentityProvider::default))
        });
        api.expect_oauth_clients().returning(|| Ok(Vec::new()));
        api.expect_roles_page().returning(|_| {
            Ok(single_page(vec![
                Role {
                    id: "admin".into(),
                    permissions: vec!["sso:provider:*".into()],
                    ..Role::default()
                },
                Role { id: "agent".into(), ..Role::default() },
            ]))
        });
        api.expect_divisions_page().returning(|_| Ok(single_page(Vec::new())));
        api.expect_users_page().returning(|_, _| Ok(single_page(Vec::new())));
        api.expect_role_users_page().withf(|role_id, _| role_id == "admin").times(1).returning(
            |_, _| Ok(single_page(vec![UserReference { id: "u1".into(), ..Default::default() }])),
        );

        let state = collect_state(&api, CollectOptions::default()).await.unwrap();
        assert_eq!(state.identity_providers.len(), 1);
        assert!(state.identity_providers.contains_key(&ProviderType::Purecloud));
        assert_eq!(
            state.grants,
            vec![Grant { subject_id: "u1".into(), role_id: "admin".into(), division_id: None }]
        );
    }
}
