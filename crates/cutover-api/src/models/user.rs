use serde::{Deserialize, Serialize};

use super::Extra;

/// A user as `GET /api/v2/users` returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Email; the IdP must assert the same address for SSO sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Login name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `active`, `inactive` or `deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Extra,
}

impl User {
    /// Tells whether the user's state is `active`.
    pub fn is_active(&self) -> bool {
        self.state.as_deref() == Some("active")
    }
}

/// The `state` query parameter of `GET /api/v2/users`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UserStateFilter {
    /// Active users only (the API's default).
    #[default]
    Active,
    /// Inactive users only.
    Inactive,
    /// Every user.
    Any,
}

impl UserStateFilter {
    /// Returns the wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Any => "any",
        }
    }

    /// Tells whether a user with `state` is in this selection.
    pub fn matches(self, state: Option<&str>) -> bool {
        match self {
            Self::Active => state == Some("active"),
            Self::Inactive => state == Some("inactive"),
            Self::Any => state != Some("deleted"),
        }
    }
}
