use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Extra;

/// The fixed provider types of `/api/v2/identityproviders/{type}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderType {
    /// Microsoft AD FS.
    Adfs,
    /// Customer Interaction Center.
    Cic,
    /// Any SAML 2.0 IdP.
    Generic,
    /// Google Workspace.
    Gsuite,
    /// SailPoint IdentityNow.
    Identitynow,
    /// Okta.
    Okta,
    /// OneLogin.
    Onelogin,
    /// Ping Identity.
    Ping,
    /// Native Genesys Cloud login; `disabled: true` turns it off.
    Purecloud,
    /// PureEngage.
    Pureengage,
    /// Salesforce.
    Salesforce,
}

impl ProviderType {
    /// Every fixed type, in the API's alphabetical order.
    pub const ALL: [ProviderType; 11] = [
        Self::Adfs,
        Self::Cic,
        Self::Generic,
        Self::Gsuite,
        Self::Identitynow,
        Self::Okta,
        Self::Onelogin,
        Self::Ping,
        Self::Purecloud,
        Self::Pureengage,
        Self::Salesforce,
    ];

    /// The types `plan --provider` can configure.
    pub const TARGETS: [ProviderType; 7] = [
        Self::Generic,
        Self::Okta,
        Self::Adfs,
        Self::Gsuite,
        Self::Onelogin,
        Self::Ping,
        Self::Salesforce,
    ];

    /// Returns the path segment, such as `generic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adfs => "adfs",
            Self::Cic => "cic",
            Self::Generic => "generic",
            Self::Gsuite => "gsuite",
            Self::Identitynow => "identitynow",
            Self::Okta => "okta",
            Self::Onelogin => "onelogin",
            Self::Ping => "ping",
            Self::Purecloud => "purecloud",
            Self::Pureengage => "pureengage",
            Self::Salesforce => "salesforce",
        }
    }

    /// Returns the API path of this provider.
    pub fn path(self) -> String {
        format!("/api/v2/identityproviders/{}", self.as_str())
    }
}

impl fmt::Display for ProviderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown provider type name.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown identity provider type `{0}`; expected one of adfs, cic, generic, gsuite, \
     identitynow, okta, onelogin, ping, purecloud, pureengage, salesforce"
)]
pub struct ParseProviderTypeError(pub String);

impl FromStr for ProviderType {
    type Err = ParseProviderTypeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| ParseProviderTypeError(text.to_owned()))
    }
}

/// An identity provider object as `GET /api/v2/identityproviders/{type}`
/// returns it (`GenericSAML`, `Okta`, `PureCloud`, …). The named fields are
/// the ones the product reads or writes; every other field stays in `extra`
/// and goes back unchanged on a `PUT`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProvider {
    /// Provider ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the provider is off. On `purecloud`, `true` means native login
    /// is disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// The IdP's entity ID.
    #[serde(rename = "issuerURI", default, skip_serializing_if = "Option::is_none")]
    pub issuer_uri: Option<String>,
    /// The location that receives sign-in requests.
    #[serde(rename = "ssoTargetURI", default, skip_serializing_if = "Option::is_none")]
    pub sso_target_uri: Option<String>,
    /// Binding of `ssoTargetURI`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_binding: Option<String>,
    /// Single-logout location.
    #[serde(rename = "sloURI", default, skip_serializing_if = "Option::is_none")]
    pub slo_uri: Option<String>,
    /// Binding of `sloURI`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo_binding: Option<String>,
    /// The single signing certificate, base64 DER or PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Signing certificates, base64 DER or PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Vec<String>>,
    /// Path of this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

impl IdentityProvider {
    /// Tells whether `disabled` is `true`.
    pub fn is_disabled(&self) -> bool {
        self.disabled == Some(true)
    }
}

/// The response of `PUT /api/v2/identityproviders/{type}` (`IdentityProvider`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProviderRef {
    /// Provider ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the provider is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}
