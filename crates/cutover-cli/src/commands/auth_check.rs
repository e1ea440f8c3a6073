//! `auth check`: gets a token, reads `/api/v2/organizations/me` and
//! `/api/v2/tokens/me`, and shows which credentials were used.

use serde::Serialize;

use crate::commands::inventory::OrganizationSummary;
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::output::table::key_value_table;

/// The JSON result of `auth check`.
#[derive(Debug, Serialize)]
pub struct AuthCheck {
    /// The region name.
    pub region: String,
    /// The org the token belongs to.
    pub organization: OrganizationSummary,
    /// The OAuth client that the token was issued to.
    pub client: ClientRef,
    /// Token lifetime in seconds, as the login service stated it.
    pub expires_in: u64,
    /// The source of the credentials, such as `--client-id and
    /// --client-secret-file`.
    pub credential_source: String,
}

/// `{id, name}` of the OAuth client.
#[derive(Debug, Serialize)]
pub struct ClientRef {
    /// Client ID.
    pub id: String,
    /// Display name, when the token info names it.
    pub name: Option<String>,
}

/// Runs `auth check`.
pub async fn run(backend: &Backend, printer: &Printer) -> Result<Exit, CliError> {
    let api = backend.api();
    let grant =
        api.fresh_token().await.map_err(|e| CliError::from(e).context("getting a token"))?;
    let organization = api.organization().await?;
    let token = api.token_info().await?;

    let client = match token.oauth_client {
        Some(client) => {
            ClientRef { name: (!client.name.is_empty()).then_some(client.name), id: client.id }
        }
        None => ClientRef { id: backend.client_id().to_owned(), name: None },
    };
    let result = AuthCheck {
        region: backend.region().to_owned(),
        organization: OrganizationSummary { id: organization.id, name: organization.name },
        client,
        expires_in: grant.expires_in,
        credential_source: backend.credential_source().to_owned(),
    };
    printer.emit(&result, || render(&result, backend))?;
    Ok(Exit::Success)
}

fn render(result: &AuthCheck, backend: &Backend) -> String {
    let client = match &result.client.name {
        Some(name) => format!("{name} ({})", result.client.id),
        None => result.client.id.clone(),
    };
    let table = key_value_table([
        ("organization", format!("{} ({})", result.organization.name, result.organization.id)),
        ("region", result.region.clone()),
        ("backend", backend.endpoint()),
        ("client", client),
        ("credentials from", result.credential_source.clone()),
        ("token expires in", format!("{} s", result.expires_in)),
    ]);
    format!("{table}\ncredentials work\n")
}
