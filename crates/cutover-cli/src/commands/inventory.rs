//! `inventory [--snapshot PATH]`: what the org has that a cutover touches.

use std::fmt::Write as _;
use std::path::Path;

use comfy_table::Cell;
use cutover_api::permissions::role_grants_idp_admin;
use cutover_api::{GrantScope, OAuthClient, OrgState, Role};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::cli::InventoryArgs;
use crate::commands::read_org;
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::output::table::{bool_cell, new_table};

/// The schema name of an org snapshot.
pub const SNAPSHOT_SCHEMA: &str = "sso-cutover.org-snapshot.v1";

/// The JSON result of `inventory`.
#[derive(Debug, Serialize)]
pub struct Inventory {
    /// The region the org lives in.
    pub region: String,
    /// The organization.
    pub organization: OrganizationSummary,
    /// Configured identity providers, `purecloud` (native login) included.
    pub identity_providers: Vec<ProviderSummary>,
    /// Every OAuth client.
    pub oauth_clients: Vec<ClientSummary>,
    /// Users and clients that hold a role granting an identity-provider admin
    /// permission (`sso:provider:edit` or `sso:provider:add`).
    pub admins: Vec<AdminSummary>,
    /// User counts.
    pub users: UserCounts,
}

/// `{id, name}` of the organization.
#[derive(Debug, Serialize)]
pub struct OrganizationSummary {
    /// Organization ID.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One configured identity provider.
#[derive(Debug, Serialize)]
pub struct ProviderSummary {
    /// The fixed type, such as `generic` or `purecloud`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Provider ID.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Whether the provider is off; on `purecloud`, whether native login is off.
    pub disabled: bool,
    /// The IdP's entity ID.
    pub issuer_uri: Option<String>,
    /// The URL that sign-in requests go to.
    pub sso_target_uri: Option<String>,
    /// How many certificates the provider has.
    pub certificate_count: usize,
}

/// One OAuth client.
#[derive(Debug, Serialize)]
pub struct ClientSummary {
    /// Client ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `authorizedGrantType` as the API spells it.
    pub grant_type: Option<String>,
    /// `state` as the API spells it; absent means active.
    pub state: Option<String>,
    /// Roles of the client.
    pub roles: Vec<RoleRef>,
    /// Whether one of its roles grants an identity-provider admin permission.
    pub idp_admin: bool,
}

/// `{id, name}` of a role; the name is null for a role the org does not define.
#[derive(Debug, Serialize)]
pub struct RoleRef {
    /// Role ID.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
}

/// A holder of an identity-provider admin role.
#[derive(Debug, Serialize)]
pub struct AdminSummary {
    /// `user` or `oauth-client`.
    pub kind: &'static str,
    /// User or client ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// A user's email.
    pub email: Option<String>,
    /// `state` as the API spells it.
    pub state: Option<String>,
    /// The roles that grant the admin permission.
    pub roles: Vec<RoleRef>,
}

/// `users{total,active}`.
#[derive(Debug, Serialize)]
pub struct UserCounts {
    /// Users that are not deleted.
    pub total: usize,
    /// Users whose state is `active`.
    pub active: usize,
}

/// Runs `inventory`.
pub async fn run(
    args: &InventoryArgs,
    backend: &Backend,
    printer: &Printer,
) -> Result<Exit, CliError> {
    if let (Some(snapshot), Some(org_file)) = (&args.snapshot, backend.org_file()) {
        reject_org_file_as_snapshot(snapshot, org_file)?;
    }
    // A snapshot contains every role's members; the summary needs only the
    // members of admin roles, which is far fewer calls on a large org.
    let scope =
        if args.snapshot.is_some() { GrantScope::AllRoles } else { GrantScope::IdpAdminRoles };
    let state = read_org(backend, printer, scope).await?;
    let inventory = summarize(&state, backend.region());

    if let Some(path) = &args.snapshot {
        write_snapshot(path, &state, backend.region())?;
        printer.note(format!("wrote the org snapshot to {} (without secrets)", path.display()));
    }
    printer.emit(&inventory, || render(&inventory))?;
    Ok(Exit::Success)
}

/// Builds the inventory from an org state.
pub fn summarize(state: &OrgState, region: &str) -> Inventory {
    let role_ref = |id: &str| RoleRef {
        id: id.to_owned(),
        name: state.roles.iter().find(|role| role.id == id).map(|role| role.name.clone()),
    };
    let admin_roles: Vec<&Role> =
        state.roles.iter().filter(|role| role_grants_idp_admin(role)).collect();
    let is_admin_role = |id: &str| admin_roles.iter().any(|role| role.id == id);

    let identity_providers = state
        .identity_providers
        .iter()
        .map(|(kind, provider)| {
            let mut certificates = provider.certificates.clone().unwrap_or_default();
            if let Some(single) = &provider.certificate
                && !certificates.contains(single)
            {
                certificates.push(single.clone());
            }
            ProviderSummary {
                kind: kind.as_str().to_owned(),
                id: provider.id.clone(),
                name: provider.name.clone(),
                disabled: provider.is_disabled(),
                issuer_uri: provider.issuer_uri.clone(),
                sso_target_uri: provider.sso_target_uri.clone(),
                certificate_count: certificates.len(),
            }
        })
        .collect();

    let oauth_clients = state
        .oauth_clients
        .iter()
        .map(|client| ClientSummary {
            id: client.id.clone(),
            name: client.name.clone(),
            grant_type: client.authorized_grant_type.clone(),
            state: client.state.clone(),
            roles: unique(client.role_ids()).into_iter().map(role_ref).collect(),
            idp_admin: client.role_ids().iter().any(|id| is_admin_role(id)),
        })
        .collect();

    let mut admins: Vec<AdminSummary> = Vec::new();
    for user in &state.users {
        let roles: Vec<&str> = unique(
            state
                .grants
                .iter()
                .filter(|grant| grant.subject_id == user.id && is_admin_role(&grant.role_id))
                .map(|grant| grant.role_id.as_str())
                .collect(),
        );
        if !roles.is_empty() {
            admins.push(AdminSummary {
                kind: "user",
                id: user.id.clone(),
                name: user.name.clone(),
                email: user.email.clone(),
                state: user.state.clone(),
                roles: roles.into_iter().map(role_ref).collect(),
            });
        }
    }
    for client in &state.oauth_clients {
        let roles: Vec<&str> =
            unique(client.role_ids().into_iter().filter(|id| is_admin_role(id)).collect());
        if !roles.is_empty() {
            admins.push(client_admin(client, roles.into_iter().map(role_ref).collect()));
        }
    }

    Inventory {
        region: region.to_owned(),
        organization: OrganizationSummary {
            id: state.organization.id.clone(),
            name: state.organization.name.clone(),
        },
        identity_providers,
        oauth_clients,
        admins,
        users: UserCounts {
            total: state.users.len(),
            active: state.users.iter().filter(|user| user.is_active()).count(),
        },
    }
}

fn client_admin(client: &OAuthClient, roles: Vec<RoleRef>) -> AdminSummary {
    AdminSummary {
        kind: "oauth-client",
        id: client.id.clone(),
        name: client.name.clone(),
        email: None,
        state: client.state.clone(),
        roles,
    }
}

/// Keeps the first of each repeated ID, in order.
fn unique(ids: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::with_capacity(ids.len());
    for id in ids {
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    seen
}

fn text(value: Option<&String>) -> String {
    value.cloned().unwrap_or_else(|| "-".to_owned())
}

fn role_names(roles: &[RoleRef]) -> String {
    if roles.is_empty() {
        return "-".to_owned();
    }
    roles
        .iter()
        .map(|role| role.name.clone().unwrap_or_else(|| format!("unknown role {}", role.id)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders the inventory as tables.
pub fn render(inventory: &Inventory) -> String {
    let mut out = format!(
        "Organization {} ({}), region {}\n\nIdentity providers\n",
        inventory.organization.name, inventory.organization.id, inventory.region
    );
    let mut providers = new_table(["type", "name", "enabled", "issuer", "SSO URL", "certificates"]);
    for provider in &inventory.identity_providers {
        providers.add_row(vec![
            Cell::new(&provider.kind),
            Cell::new(text(provider.name.as_ref())),
            bool_cell(!provider.disabled),
            Cell::new(text(provider.issuer_uri.as_ref())),
            Cell::new(text(provider.sso_target_uri.as_ref())),
            Cell::new(provider.certificate_count),
        ]);
    }
    if inventory.identity_providers.is_empty() {
        out.push_str("none configured\n");
    } else {
        let _ = writeln!(out, "{providers}");
    }
    if !inventory.identity_providers.iter().any(|provider| provider.kind == "purecloud") {
        out.push_str("native login (purecloud) is not configured, which means it is on\n");
    }

    out.push_str("\nOAuth clients\n");
    let mut clients = new_table(["name", "id", "grant type", "state", "roles", "IdP admin"]);
    for client in &inventory.oauth_clients {
        clients.add_row(vec![
            Cell::new(&client.name),
            Cell::new(&client.id),
            Cell::new(text(client.grant_type.as_ref())),
            Cell::new(client.state.clone().unwrap_or_else(|| "active".to_owned())),
            Cell::new(role_names(&client.roles)),
            bool_cell(client.idp_admin),
        ]);
    }
    let _ = writeln!(out, "{clients}");

    out.push_str("\nIdentity-provider admins (roles with sso:provider:edit or sso:provider:add)\n");
    let mut admins = new_table(["kind", "name", "id", "email", "state", "roles"]);
    for admin in &inventory.admins {
        admins.add_row(vec![
            Cell::new(admin.kind),
            Cell::new(&admin.name),
            Cell::new(&admin.id),
            Cell::new(text(admin.email.as_ref())),
            Cell::new(admin.state.clone().unwrap_or_else(|| "active".to_owned())),
            Cell::new(role_names(&admin.roles)),
        ]);
    }
    if inventory.admins.is_empty() {
        out.push_str("none\n");
    } else {
        let _ = writeln!(out, "{admins}");
    }

    let _ = writeln!(
        out,
        "\nUsers: {} total, {} active",
        inventory.users.total, inventory.users.active
    );
    out
}

/// Builds the org snapshot document of `state`: every object in the API's
/// shape, and no client secret.
// NOTE: grants come from role members (`/authorization/roles/{id}/users`),
// which carry no division, so `grants[].divisionId` is left out. Reading each
// user's `/authorization/subjects/{id}` would add it at one call per user.
pub fn snapshot_document(state: &OrgState, region: &str) -> Result<Value, CliError> {
    let to_value = |value: Result<Value, serde_json::Error>| {
        value.map_err(|e| CliError::input(format!("could not serialize the org snapshot: {e}")))
    };
    let mut providers = Map::new();
    for (kind, provider) in &state.identity_providers {
        providers.insert(kind.as_str().to_owned(), to_value(serde_json::to_value(provider))?);
    }
    let clients: Vec<OAuthClient> = state
        .oauth_clients
        .iter()
        .cloned()
        .map(|mut client| {
            client.secret = None;
            client.extra.remove("secret");
            client
        })
        .collect();
    Ok(json!({
        "schema": SNAPSHOT_SCHEMA,
        "region": region,
        "organization": to_value(serde_json::to_value(&state.organization))?,
        "identityProviders": providers,
        "oauthClients": to_value(serde_json::to_value(&clients))?,
        "roles": to_value(serde_json::to_value(&state.roles))?,
        "divisions": to_value(serde_json::to_value(&state.divisions))?,
        "users": to_value(serde_json::to_value(&state.users))?,
        "grants": to_value(serde_json::to_value(&state.grants))?,
    }))
}

/// Rejects a `--snapshot` path that names the `--org-file` itself, through
/// any spelling or link: the snapshot has no secrets, so writing it there
/// would strip every client secret from the org file.
fn reject_org_file_as_snapshot(snapshot: &Path, org_file: &Path) -> Result<(), CliError> {
    // A path that does not exist yet cannot be the org file.
    let (Ok(snapshot_real), Ok(org_real)) =
        (std::fs::canonicalize(snapshot), std::fs::canonicalize(org_file))
    else {
        return Ok(());
    };
    if snapshot_real == org_real || same_inode(&snapshot_real, &org_real) {
        return Err(CliError::input(format!(
            "--snapshot `{}` is the --org-file `{}`; a snapshot has no client secrets, so \
             writing it there would remove them: choose another path for --snapshot",
            snapshot.display(),
            org_file.display()
        )));
    }
    Ok(())
}

/// Tells whether two paths are hard links to one file.
#[cfg(unix)]
fn same_inode(first: &Path, second: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(first), std::fs::metadata(second)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_first: &Path, _second: &Path) -> bool {
    false
}

fn write_snapshot(path: &Path, state: &OrgState, region: &str) -> Result<(), CliError> {
    let document = snapshot_document(state, region)?;
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|e| CliError::input(format!("could not serialize the org snapshot: {e}")))?;
    text.push('\n');
    crate::files::write_replacing(path, text.as_bytes()).map_err(|e| {
        CliError::input(format!(
            "could not write the snapshot to `{}`: {e}; choose a path in a writable folder",
            path.display()
        ))
    })
}
