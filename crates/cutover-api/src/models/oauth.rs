use serde::{Deserialize, Serialize};

use super::Extra;

/// `authorizedGrantType` of a client-credentials client.
pub const GRANT_CLIENT_CREDENTIALS: &str = "CLIENT-CREDENTIALS";
/// `authorizedGrantType` of a resource-owner password client.
pub const GRANT_PASSWORD: &str = "PASSWORD";
/// `authorizedGrantType` of a SAML2 bearer client.
pub const GRANT_SAML2_BEARER: &str = "SAML2-BEARER";
/// `authorizedGrantType` of an authorization-code client.
pub const GRANT_CODE: &str = "CODE";
/// `authorizedGrantType` of an implicit-grant client.
pub const GRANT_TOKEN: &str = "TOKEN";

/// A role in a division, as a client-credentials client holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDivision {
    /// Role ID.
    pub role_id: String,
    /// Division ID, or `*` for every division.
    pub division_id: String,
}

/// `{id, name, selfUri}` reference to another object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEntityRef {
    /// ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An OAuth client as `GET /api/v2/oauth/clients` returns it. Grant types and
/// states are kept as the API spells them (`CLIENT-CREDENTIALS`, `active`), so
/// a value the product does not know survives a round trip.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClient {
    /// Client ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// `CODE`, `TOKEN`, `SAML2-BEARER`, `PASSWORD` or `CLIENT-CREDENTIALS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_grant_type: Option<String>,
    /// `active` (also when absent), `disabled` or `inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Roles of a client-credentials client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_divisions: Option<Vec<RoleDivision>>,
    /// Deprecated role list, used only when `roleDivisions` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_ids: Option<Vec<String>>,
    /// Scopes of a user-login client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// Token lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_validity_seconds: Option<i64>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The secret: returned by the API only when a client is created, and
    /// present in org snapshots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

impl OAuthClient {
    /// Tells whether the client can get tokens: its state is `active` or absent.
    pub fn is_active(&self) -> bool {
        self.state.as_deref().is_none_or(|state| state == "active")
    }

    /// Tells whether the grant type is exactly `grant`.
    pub fn has_grant(&self, grant: &str) -> bool {
        self.authorized_grant_type.as_deref() == Some(grant)
    }

    /// Returns the client's role IDs: those of `roleDivisions`, or of the
    /// deprecated `roleIds` when it has no `roleDivisions`.
    pub fn role_ids(&self) -> Vec<&str> {
        match (&self.role_divisions, &self.role_ids) {
            (Some(divisions), _) => divisions.iter().map(|rd| rd.role_id.as_str()).collect(),
            (None, Some(ids)) => ids.iter().map(String::as_str).collect(),
            (None, None) => Vec::new(),
        }
    }
}

/// Body of `POST /api/v2/oauth/clients`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClientRequest {
    /// Display name.
    pub name: String,
    /// Grant type.
    pub authorized_grant_type: String,
    /// Roles, for a client-credentials client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_divisions: Option<Vec<RoleDivision>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Token lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_validity_seconds: Option<i64>,
    /// `active` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}
