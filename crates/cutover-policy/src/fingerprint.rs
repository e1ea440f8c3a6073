//! The state fingerprint: a digest of exactly the org state a plan depends
//! on, so that `apply` can tell whether the org changed since the plan.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};

use cutover_api::OrgState;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Version of the canonical form; it is hashed too, so a change of the form
/// changes every fingerprint instead of colliding with the old one.
const CANONICAL_FORM: &str = "sso-cutover.state.v1";

/// Returns `sha256:<hex>` of the canonical form of the state the rules read.
///
/// The canonical form is compact JSON with object keys sorted at every level
/// and these lists sorted, so that the order the API lists objects in does
/// not count:
/// - the organization's `id`;
/// - every identity provider, keyed by type, as the whole object read;
/// - OAuth clients by `id`: `id`, `name`, `authorizedGrantType`, `state`,
///   `roleDivisions` (sorted) and `roleIds` (sorted);
/// - roles by `id`: `id`, `permissions` (sorted) and `permissionPolicies`
///   (`domain`, `entityName`, sorted `actionSet`; the list sorted);
/// - users by `id`: `id`, `email`, `state`, `name`;
/// - grants, sorted: `subjectId`, `roleId`, `divisionId`.
///
/// Anything else (the org's name, divisions, client secrets, other user
/// fields such as `title`) does not count.
pub fn state_fingerprint(state: &OrgState) -> String {
    let mut writer = BufWriter::new(HashWriter(Sha256::new()));
    // `HashWriter` never returns an error, and the canonical structs contain
    // only strings, lists and JSON values, so neither call fails. Debug
    // builds check that.
    let written = serde_json::to_writer(&mut writer, &canonical_state(state));
    let flushed = writer.flush();
    debug_assert!(written.is_ok() && flushed.is_ok(), "hashing the canonical state failed");
    let (HashWriter(hasher), _) = writer.into_parts();
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// Feeds written bytes into a SHA-256 hasher.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// The structs below declare their fields in byte order of the JSON names,
// so that serializing them writes every object with sorted keys.

#[derive(Serialize)]
struct CanonicalState<'a> {
    form: &'static str,
    grants: Vec<CanonicalGrant<'a>>,
    #[serde(rename = "identityProviders")]
    identity_providers: BTreeMap<&'static str, Value>,
    #[serde(rename = "oauthClients")]
    oauth_clients: Vec<CanonicalClient<'a>>,
    organization: CanonicalOrganization<'a>,
    roles: Vec<CanonicalRole<'a>>,
    users: Vec<CanonicalUser<'a>>,
}

#[derive(Serialize)]
struct CanonicalOrganization<'a> {
    id: &'a str,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct CanonicalClient<'a> {
    #[serde(rename = "authorizedGrantType")]
    authorized_grant_type: Option<&'a str>,
    id: &'a str,
    name: &'a str,
    #[serde(rename = "roleDivisions")]
    role_divisions: Option<Vec<CanonicalRoleDivision<'a>>>,
    #[serde(rename = "roleIds")]
    role_ids: Option<Vec<&'a str>>,
    state: Option<&'a str>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct CanonicalRoleDivision<'a> {
    #[serde(rename = "divisionId")]
    division_id: &'a str,
    #[serde(rename = "roleId")]
    role_id: &'a str,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct CanonicalRole<'a> {
    id: &'a str,
    #[serde(rename = "permissionPolicies")]
    permission_policies: Vec<CanonicalPolicy<'a>>,
    permissions: Vec<&'a str>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct CanonicalPolicy<'a> {
    #[serde(rename = "actionSet")]
    action_set: Vec<&'a str>,
    domain: &'a str,
    #[serde(rename = "entityName")]
    entity_name: &'a str,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct CanonicalUser<'a> {
    email: Option<&'a str>,
    id: &'a str,
    name: &'a str,
    state: Option<&'a str>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[expect(clippy::struct_field_names, reason = "the fields mirror the API's grant fields")]
struct CanonicalGrant<'a> {
    #[serde(rename = "divisionId")]
    division_id: Option<&'a str>,
    #[serde(rename = "roleId")]
    role_id: &'a str,
    #[serde(rename = "subjectId")]
    subject_id: &'a str,
}

fn canonical_state(state: &OrgState) -> CanonicalState<'_> {
    let identity_providers = state
        .identity_providers
        .iter()
        .map(|(kind, provider)| {
            (kind.as_str(), sort_keys(serde_json::to_value(provider).unwrap_or(Value::Null)))
        })
        .collect();

    let mut oauth_clients: Vec<CanonicalClient<'_>> = state
        .oauth_clients
        .iter()
        .map(|client| CanonicalClient {
            authorized_grant_type: client.authorized_grant_type.as_deref(),
            id: &client.id,
            name: &client.name,
            role_divisions: client.role_divisions.as_ref().map(|list| {
                sorted(list.iter().map(|rd| CanonicalRoleDivision {
                    division_id: &rd.division_id,
                    role_id: &rd.role_id,
                }))
            }),
            role_ids: client.role_ids.as_ref().map(|ids| sorted(ids.iter().map(String::as_str))),
            state: client.state.as_deref(),
        })
        .collect();
    oauth_clients.sort_unstable_by(|a, b| a.id.cmp(b.id).then_with(|| a.cmp(b)));

    let mut roles: Vec<CanonicalRole<'_>> = state
        .roles
        .iter()
        .map(|role| CanonicalRole {
            id: &role.id,
            permission_policies: sorted(role.permission_policies.iter().map(|policy| {
                CanonicalPolicy {
                    action_set: sorted(policy.action_set.iter().map(String::as_str)),
                    domain: &policy.domain,
                    entity_name: &policy.entity_name,
                }
            })),
            permissions: sorted(role.permissions.iter().map(String::as_str)),
        })
        .collect();
    roles.sort_unstable_by(|a, b| a.id.cmp(b.id).then_with(|| a.cmp(b)));

    let mut users: Vec<CanonicalUser<'_>> = state
        .users
        .iter()
        .map(|user| CanonicalUser {
            email: user.email.as_deref(),
            id: &user.id,
            name: &user.name,
            state: user.state.as_deref(),
        })
        .collect();
    users.sort_unstable_by(|a, b| a.id.cmp(b.id).then_with(|| a.cmp(b)));

    let grants = sorted(state.grants.iter().map(|grant| CanonicalGrant {
        division_id: grant.division_id.as_deref(),
        role_id: &grant.role_id,
        subject_id: &grant.subject_id,
    }));

    CanonicalState {
        form: CANONICAL_FORM,
        grants,
        identity_providers,
        oauth_clients,
        organization: CanonicalOrganization { id: &state.organization.id },
        roles,
        users,
    }
}

fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.collect();
    items.sort_unstable();
    items
}

/// Rebuilds every object with its keys in sorted order (the workspace's
/// serde_json keeps insertion order).
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(key, value)| (key, sort_keys(value))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cutover_api::{IdentityProvider, Organization, ProviderType, User};

    /// The canonical text must have sorted keys at every level; this parses
    /// it back and checks every object.
    #[test]
    fn canonical_keys_sorted() {
        let mut state = OrgState {
            organization: Organization { id: "org".into(), ..Organization::default() },
            users: vec![User { id: "u".into(), ..User::default() }],
            ..OrgState::default()
        };
        let mut provider =
            IdentityProvider { name: Some("x".into()), ..IdentityProvider::default() };
        provider.extra.insert("zeta".into(), serde_json::json!({"b": 1, "a": 2}));
        provider.extra.insert("alpha".into(), serde_json::json!(true));
        state.identity_providers.insert(ProviderType::Generic, provider);
        state.oauth_clients.push(cutover_api::OAuthClient {
            id: "c".into(),
            role_divisions: Some(vec![cutover_api::RoleDivision {
                role_id: "r".into(),
                division_id: "d".into(),
            }]),
            ..cutover_api::OAuthClient::default()
        });
        state.roles.push(cutover_api::Role {
            id: "r".into(),
            permission_policies: vec![cutover_api::models::PermissionPolicy::default()],
            ..cutover_api::Role::default()
        });
        state.grants.push(cutover_api::Grant::default());

        let text = serde_json::to_string(&canonical_state(&state)).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let mut objects = vec![&value];
        let mut checked = 0;
        while let Some(current) = objects.pop() {
            match current {
                Value::Object(map) => {
                    let keys: Vec<&String> = map.keys().collect();
                    let mut sorted_keys = keys.clone();
                    sorted_keys.sort();
                    assert_eq!(keys, sorted_keys, "in {current}");
                    checked += 1;
                    objects.extend(map.values());
                }
                Value::Array(items) => objects.extend(items.iter()),
                _ => {}
            }
        }
        // The state, the provider map, the provider and its `zeta`, the
        // organization, client, role division, role, policy, user and grant.
        assert_eq!(checked, 11);
    }
}
