use serde::{Deserialize, Serialize};

use super::Extra;
use super::oauth::OAuthClient;

/// `GET /api/v2/organizations/me`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Organization ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Short org name, used as `orgName` by the SAML2 bearer grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_org_name: Option<String>,
    /// `active`, `inactive` or `deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Object version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An `{id, name}` reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedEntity {
    /// ID.
    pub id: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `GET /api/v2/tokens/me`. The client key is literally `OAuthClient`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// The org the token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<NamedEntity>,
    /// The home org, for trustee tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_organization: Option<NamedEntity>,
    /// Scopes of a user-login token; empty for client credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_scope: Option<Vec<String>>,
    /// The OAuth client that holds the token.
    #[serde(rename = "OAuthClient", default, skip_serializing_if = "Option::is_none")]
    pub oauth_client: Option<OAuthClient>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}
