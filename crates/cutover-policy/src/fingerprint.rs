//! The state fingerprint: a digest of exactly the org state a plan depends
//! on, so that `apply` can tell whether the org changed since the plan.

use cutover_api::OrgState;
use serde_json::{Map, Value, json};
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
    let canonical = canonical_state(state);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    format!("sha256:{}", hex::encode(digest))
}

fn canonical_state(state: &OrgState) -> Value {
    let providers: Map<String, Value> = state
        .identity_providers
        .iter()
        .map(|(kind, provider)| {
            (kind.as_str().to_owned(), serde_json::to_value(provider).unwrap_or(Value::Null))
        })
        .collect();

    let mut clients: Vec<Value> = state
        .oauth_clients
        .iter()
        .map(|client| {
            let role_divisions = client.role_divisions.as_ref().map(|list| {
                let mut pairs: Vec<(&str, &str)> =
                    list.iter().map(|rd| (rd.role_id.as_str(), rd.division_id.as_str())).collect();
                pairs.sort_unstable();
                pairs
                    .into_iter()
                    .map(|(role, division)| json!({"roleId": role, "divisionId": division}))
                    .collect::<Vec<_>>()
            });
            let role_ids = client.role_ids.as_ref().map(|ids| sorted(ids.iter().cloned()));
            json!({
                "id": client.id,
                "name": client.name,
                "authorizedGrantType": client.authorized_grant_type,
                "state": client.state,
                "roleDivisions": role_divisions,
                "roleIds": role_ids,
            })
        })
        .collect();
    sort_by_id(&mut clients);

    let mut roles: Vec<Value> = state
        .roles
        .iter()
        .map(|role| {
            let mut policies: Vec<Value> = role
                .permission_policies
                .iter()
                .map(|policy| {
                    json!({
                        "domain": policy.domain,
                        "entityName": policy.entity_name,
                        "actionSet": sorted(policy.action_set.iter().cloned()),
                    })
                })
                .collect();
            policies.sort_by_cached_key(Value::to_string);
            json!({
                "id": role.id,
                "permissions": sorted(role.permissions.iter().cloned()),
                "permissionPolicies": policies,
            })
        })
        .collect();
    sort_by_id(&mut roles);

    let mut users: Vec<Value> = state
        .users
        .iter()
        .map(|user| json!({"id": user.id, "email": user.email, "state": user.state, "name": user.name}))
        .collect();
    sort_by_id(&mut users);

    let mut grants = state.grants.clone();
    grants.sort();
    let grants: Vec<Value> = grants
        .iter()
        .map(|grant| {
            json!({"subjectId": grant.subject_id, "roleId": grant.role_id, "divisionId": grant.division_id})
        })
        .collect();

    sort_keys(json!({
        "form": CANONICAL_FORM,
        "organization": {"id": state.organization.id},
        "identityProviders": providers,
        "oauthClients": clients,
        "roles": roles,
        "users": users,
        "grants": grants,
    }))
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut items: Vec<String> = items.collect();
    items.sort_unstable();
    items
}

/// Sorts objects by their `id`, then by their whole text, so that two
/// objects with one ID still sort the same way every time.
fn sort_by_id(items: &mut [Value]) {
    items.sort_by_cached_key(|item| {
        (item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(), item.to_string())
    });
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
