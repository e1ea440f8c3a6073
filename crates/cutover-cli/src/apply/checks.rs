//! The checks that prove a stage worked, shared with `verify`.

use std::path::Path;

use cutover_api::{ApiError, IdentityProvider, OrgApi, ProviderType};
use cutover_auth::{AuthError, ClientCredentials};
use serde::Serialize;

use super::compare::sent_differences;

/// The result of one check, as `checks[]` of the JSON output shows it.
///
/// `skipped` is `true` (and `ok` stays `true`) for a check that could not be
/// run and that does not fail the stage: a break-glass client whose secret the
/// tool does not hold is reported this way, as "not proven". The field is
/// left out of the JSON when `false`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The check's name, such as `token` or `provider:generic`.
    pub name: String,
    /// Whether it passed.
    pub ok: bool,
    /// The finding, or the failure and its fix.
    pub detail: String,
    /// Whether the check was not run (see the type's documentation).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

impl Check {
    /// Builds a check that passed.
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), ok: true, detail: detail.into(), skipped: false }
    }

    /// Builds a check that failed.
    pub fn fail(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), ok: false, detail: detail.into(), skipped: false }
    }

    /// Builds a check that could not be run and does not fail anything.
    pub fn skipped(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), ok: true, detail: detail.into(), skipped: true }
    }
}

/// Name of the check that a fresh token was issued to the tool's own client.
pub const CHECK_TOKEN: &str = "token";
/// Name of the check that `GET /api/v2/organizations/me` works.
pub const CHECK_ORGANIZATION: &str = "organization";

/// Returns the name of the check of one provider type, `provider:<type>`.
pub fn provider_check_name(kind: ProviderType) -> String {
    format!("provider:{kind}")
}

/// Returns the name of the check that a `PUT` was accepted, `put:<type>`.
pub fn put_check_name(kind: ProviderType) -> String {
    format!("put:{kind}")
}

/// Returns the name of the proof of a break-glass client, `break-glass:<id>`.
pub fn break_glass_check_name(client_id: &str) -> String {
    format!("break-glass:{client_id}")
}

/// Requests a new token for the tool's own client, bypassing the cached one.
pub async fn check_fresh_token(api: &dyn OrgApi) -> Check {
    match api.fresh_token().await {
        Ok(grant) => Check::pass(
            CHECK_TOKEN,
            format!(
                "a new token was issued to the tool's client (expires in {} s)",
                grant.expires_in
            ),
        ),
        Err(error) => {
            Check::fail(CHECK_TOKEN, format!("no new token for the tool's client: {error}"))
        }
    }
}

/// Reads the organization and checks that it is the one expected.
pub async fn check_organization(api: &dyn OrgApi, expected_id: Option<&str>) -> Check {
    match api.organization().await {
        Ok(organization) => match expected_id {
            Some(expected) if expected != organization.id => Check::fail(
                CHECK_ORGANIZATION,
                format!(
                    "the token reads org `{}`, but the change is for org `{expected}`",
                    organization.id
                ),
            ),
            _ => Check::pass(
                CHECK_ORGANIZATION,
                format!("org `{}` (`{}`) reads back", organization.name, organization.id),
            ),
        },
        Err(error) => Check::fail(CHECK_ORGANIZATION, format!("reading the org failed: {error}")),
    }
}

/// Reads the provider back and checks that every field of `sent` reads back
/// equal (`id` and `selfUri` aside).
pub async fn check_read_back(
    api: &dyn OrgApi,
    kind: ProviderType,
    sent: &IdentityProvider,
) -> Check {
    let name = provider_check_name(kind);
    match api.identity_provider(kind).await {
        Ok(Some(read_back)) => {
            let differences = sent_differences(sent, &read_back);
            if differences.is_empty() {
                Check::pass(name, "every field sent reads back equal")
            } else {
                Check::fail(
                    name,
                    format!("the provider reads back different: {}", differences.join("; ")),
                )
            }
        }
        Ok(None) => {
            Check::fail(name, format!("`{}` is not configured after the change", kind.path()))
        }
        Err(error) => Check::fail(name, format!("reading the provider back failed: {error}")),
    }
}

/// Where a break-glass proof's secret and org come from, so a failed proof
/// names the files to check.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProofSources<'a> {
    /// The `--break-glass-secret-file` that held the secret.
    pub secret_file: Option<&'a Path>,
    /// The `--org-file` that the token was requested from, if any.
    pub org_file: Option<&'a Path>,
}

/// Proves that a break-glass client gets a token. `when` says at which point
/// of the stage, such as `before the change`.
pub async fn check_break_glass(
    api: &dyn OrgApi,
    credentials: &ClientCredentials,
    sources: ProofSources<'_>,
    when: &str,
) -> Check {
    let name = break_glass_check_name(&credentials.client_id);
    match api.request_token(credentials).await {
        Ok(grant) => Check::pass(
            name,
            format!("proven {when}: the client got a token (expires in {} s)", grant.expires_in),
        ),
        Err(error) => Check::fail(
            name,
            format!("{when}: {}", break_glass_failure(&credentials.client_id, &error, sources)),
        ),
    }
}

/// Describes a failed break-glass proof, naming the client, its secret file
/// and, for an org file, that file instead of a login host.
fn break_glass_failure(client_id: &str, error: &ApiError, sources: ProofSources<'_>) -> String {
    let secret = match sources.secret_file {
        Some(path) => format!("the secret in `{}`", path.display()),
        None => "its secret".to_owned(),
    };
    match (error, sources.org_file) {
        (ApiError::Auth(AuthError::InvalidClient { .. }), Some(org_file)) => format!(
            "the org file `{}` rejected client `{client_id}` with {secret}; check that the file \
             holds this client's secret and that the client is active in the org file",
            org_file.display()
        ),
        _ => format!("client `{client_id}` got no token with {secret}: {error}"),
    }
}
