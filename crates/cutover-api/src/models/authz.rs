use serde::{Deserialize, Serialize};

use super::Extra;

/// A permission policy of a role (`DomainPermissionPolicy`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionPolicy {
    /// Domain, such as `sso`.
    #[serde(default)]
    pub domain: String,
    /// Entity, such as `provider`.
    #[serde(default)]
    pub entity_name: String,
    /// Actions, such as `view` and `edit`.
    #[serde(default)]
    pub action_set: Vec<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A role (`DomainOrganizationRole`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Role ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Permissions as `domain:entity:action` strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// Permission policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_policies: Vec<PermissionPolicy>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A division (`AuthzDivision`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Division {
    /// Division ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Whether this is the org's home division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_division: Option<bool>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An entry of `GET /api/v2/authorization/roles/{roleId}/users`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserReference {
    /// User ID.
    pub id: String,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A role held by a subject in a division: the snapshot's `grants[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// User (or other subject) ID.
    pub subject_id: String,
    /// Role ID.
    pub role_id: String,
    /// Division ID; absent when the source did not say, as with role members
    /// read through `/authorization/roles/{roleId}/users`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division_id: Option<String>,
}

/// `GET /api/v2/authorization/subjects/{subjectId}` (`AuthzSubject`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthzSubject {
    /// Subject ID.
    pub id: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Grants, each `{subjectId, division: {id,…}, role: {id,…}}` on the wire.
    #[serde(default)]
    pub grants: Vec<serde_json::Value>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AuthzSubject {
    /// Returns the grants as `(role ID, division ID)` pairs, skipping entries
    /// without a role ID.
    pub fn role_divisions(&self) -> Vec<Grant> {
        self.grants
            .iter()
            .filter_map(|grant| {
                let role_id = grant.pointer("/role/id")?.as_str()?.to_owned();
                let division_id =
                    grant.pointer("/division/id").and_then(|v| v.as_str()).map(str::to_owned);
                Some(Grant { subject_id: self.id.clone(), role_id, division_id })
            })
            .collect()
    }
}
