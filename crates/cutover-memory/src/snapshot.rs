//! Parsing and checking an org snapshot, and the indexes built over it.
//!
//! The document stays a `serde_json::Value` so that writing it back keeps key
//! order and fields no model names; typed views are derived per call.

use std::collections::{HashMap, HashSet};

use cutover_api::models::{
    Division, Grant, IdentityProvider, OAuthClient, Organization, ProviderType, Role, User,
    UserStateFilter,
};
use cutover_auth::Region;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::SnapshotError;

/// The `schema` value of an org snapshot.
pub const SCHEMA: &str = "sso-cutover.org-snapshot.v1";

/// The top-level collections, by key.
pub(crate) const IDENTITY_PROVIDERS: &str = "identityProviders";
pub(crate) const OAUTH_CLIENTS: &str = "oauthClients";
pub(crate) const ROLES: &str = "roles";
pub(crate) const DIVISIONS: &str = "divisions";
pub(crate) const USERS: &str = "users";
pub(crate) const GRANTS: &str = "grants";

/// The division ID that stands for every division in a role assignment.
const ALL_DIVISIONS: &str = "*";

/// The loaded document with its indexes.
pub(crate) struct OrgData {
    /// The whole snapshot, secrets included.
    pub(crate) doc: Map<String, Value>,
    /// The snapshot's region.
    pub(crate) region: Region,
    /// Lookups over the parts of `doc` that the API cannot change.
    pub(crate) index: Index,
    /// Counts the changes made to `doc` since it was loaded.
    pub(crate) generation: u64,
    /// The `generation` last written to the org's file.
    pub(crate) saved_generation: u64,
}

/// Lookups built once at load time. Users, roles, divisions and grants are
/// never changed through the API, so these stay valid; OAuth clients and
/// providers, which do change, are looked up in the document directly.
#[derive(Default)]
pub(crate) struct Index {
    /// Typed roles, in snapshot order.
    pub(crate) roles: Vec<Role>,
    pub(crate) roles_by_id: HashMap<String, usize>,
    pub(crate) divisions_by_id: HashMap<String, usize>,
    pub(crate) users_by_id: HashMap<String, usize>,
    /// Positions in `users` of the active users, in snapshot order.
    pub(crate) users_active: Vec<usize>,
    /// Positions in `users` of the inactive users.
    pub(crate) users_inactive: Vec<usize>,
    /// Positions in `users` of every user that is not deleted.
    pub(crate) users_any: Vec<usize>,
    /// Distinct subject IDs per role ID, in grant order.
    pub(crate) role_members: HashMap<String, Vec<String>>,
    /// Positions in `grants` per subject ID.
    pub(crate) subject_grants: HashMap<String, Vec<usize>>,
}

impl Index {
    /// Returns the user positions a state filter selects.
    pub(crate) fn users(&self, state: UserStateFilter) -> &[usize] {
        match state {
            UserStateFilter::Active => &self.users_active,
            UserStateFilter::Inactive => &self.users_inactive,
            UserStateFilter::Any => &self.users_any,
        }
    }
}

impl OrgData {
    /// Records a change to `doc`.
    pub(crate) fn touch(&mut self) {
        self.generation += 1;
    }

    /// Returns a top-level array, or an empty slice when the key is absent.
    pub(crate) fn array(&self, key: &str) -> &[Value] {
        self.doc.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }

    /// Returns the OAuth client with `id` and its position in `oauthClients`.
    pub(crate) fn client(&self, id: &str) -> Option<(usize, OAuthClient)> {
        self.array(OAUTH_CLIENTS).iter().enumerate().find_map(|(position, value)| {
            (value.get("id").and_then(Value::as_str) == Some(id))
                .then(|| OAuthClient::deserialize(value).ok().map(|client| (position, client)))
                .flatten()
        })
    }

    /// Returns every OAuth client, typed.
    pub(crate) fn clients(&self) -> Vec<OAuthClient> {
        self.array(OAUTH_CLIENTS)
            .iter()
            .filter_map(|value| OAuthClient::deserialize(value).ok())
            .collect()
    }
}

fn invalid(location: impl Into<String>, message: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid { path: None, location: location.into(), message: message.into() }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(text) => format!("`{text}`"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Deserializes `value` into a model, naming `location` on failure.
fn typed<T: for<'de> Deserialize<'de>>(value: &Value, location: &str) -> Result<T, SnapshotError> {
    T::deserialize(value).map_err(|error| invalid(location, error.to_string()))
}

/// Parses and checks a snapshot, then builds its indexes.
pub(crate) fn parse(text: &str) -> Result<OrgData, SnapshotError> {
    let value: Value = serde_json::from_str(text).map_err(|error| SnapshotError::Syntax {
        path: None,
        line: error.line(),
        column: error.column(),
        message: error.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
    })?;
    let Value::Object(doc) = value else {
        return Err(invalid("$", format!("expected a JSON object, found {}", describe(&value))));
    };
    let region = check_header(&doc)?;
    let index = check_collections(&doc)?;
    Ok(OrgData { doc, region, index, generation: 0, saved_generation: 0 })
}

/// Checks `schema`, `region` and `organization`; returns the region.
fn check_header(doc: &Map<String, Value>) -> Result<Region, SnapshotError> {
    match doc.get("schema") {
        Some(Value::String(schema)) if schema == SCHEMA => {}
        Some(other) => {
            return Err(invalid(
                "schema",
                format!("expected `{SCHEMA}`, found {}", describe(other)),
            ));
        }
        None => return Err(invalid("schema", format!("missing; expected `{SCHEMA}`"))),
    }

    let region = match doc.get("region") {
        Some(Value::String(name)) => {
            Region::parse(name).map_err(|error| invalid("region", error.to_string()))?
        }
        Some(other) => {
            return Err(invalid(
                "region",
                format!("expected a region name such as `us-east-1`, found {}", describe(other)),
            ));
        }
        None => {
            return Err(invalid("region", "missing; expected a region name such as `us-east-1`"));
        }
    };

    let organization = doc.get("organization").ok_or_else(|| invalid("organization", "missing"))?;
    let organization: Organization = typed(organization, "organization")?;
    if organization.id.is_empty() {
        return Err(invalid("organization.id", "must not be empty"));
    }
    Ok(region)
}

/// Returns a top-level collection that must be an array when present.
fn array<'a>(doc: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], SnapshotError> {
    match doc.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(invalid(key, format!("expected an array, found {}", describe(other)))),
    }
}

/// Maps each item's `id` to its position, rejecting missing and duplicate IDs.
fn ids_of(items: &[Value], key: &str) -> Result<HashMap<String, usize>, SnapshotError> {
    let mut positions = HashMap::with_capacity(items.len());
    for (position, item) in items.iter().enumerate() {
        let location = format!("{key}[{position}].id");
        let id = match item.get("id") {
            Some(Value::String(id)) if !id.is_empty() => id,
            Some(other) => {
                return Err(invalid(
                    location,
                    format!("expected an ID, found {}", describe(other)),
                ));
            }
            None if item.is_object() => return Err(invalid(location, "missing")),
            None => {
                return Err(invalid(
                    format!("{key}[{position}]"),
                    format!("expected an object, found {}", describe(item)),
                ));
            }
        };
        if let Some(first) = positions.insert(id.clone(), position) {
            return Err(invalid(
                location,
                format!("duplicate ID `{id}`, also used at {key}[{first}].id"),
            ));
        }
    }
    Ok(positions)
}

struct References<'a> {
    roles: &'a HashMap<String, usize>,
    divisions: &'a HashMap<String, usize>,
}

impl References<'_> {
    fn role(&self, id: &str, location: String) -> Result<(), SnapshotError> {
        if self.roles.contains_key(id) {
            Ok(())
        } else {
            Err(invalid(location, format!("role `{id}` is not defined; add it to `roles`")))
        }
    }

    fn division(&self, id: &str, location: String) -> Result<(), SnapshotError> {
        if id == ALL_DIVISIONS || self.divisions.contains_key(id) {
            Ok(())
        } else {
            Err(invalid(location, format!("division `{id}` is not defined; add it to `divisions`")))
        }
    }
}

fn check_collections(doc: &Map<String, Value>) -> Result<Index, SnapshotError> {
    check_providers(doc)?;

    let divisions = array(doc, DIVISIONS)?;
    let divisions_by_id = ids_of(divisions, DIVISIONS)?;
    for (position, item) in divisions.iter().enumerate() {
        typed::<Division>(item, &format!("{DIVISIONS}[{position}]"))?;
    }

    let role_items = array(doc, ROLES)?;
    let roles_by_id = ids_of(role_items, ROLES)?;
    let roles = role_items
        .iter()
        .enumerate()
        .map(|(position, item)| typed::<Role>(item, &format!("{ROLES}[{position}]")))
        .collect::<Result<Vec<_>, _>>()?;

    let references = References { roles: &roles_by_id, divisions: &divisions_by_id };
    check_clients(doc, &references)?;

    let users = array(doc, USERS)?;
    let users_by_id = ids_of(users, USERS)?;
    let mut index = Index {
        users_by_id,
        divisions_by_id: divisions_by_id.clone(),
        roles_by_id: roles_by_id.clone(),
        roles,
        ..Index::default()
    };
    for (position, item) in users.iter().enumerate() {
        let user: User = typed(item, &format!("{USERS}[{position}]"))?;
        let state = user.state.as_deref();
        if UserStateFilter::Active.matches(state) {
            index.users_active.push(position);
        }
        if UserStateFilter::Inactive.matches(state) {
            index.users_inactive.push(position);
        }
        if UserStateFilter::Any.matches(state) {
            index.users_any.push(position);
        }
    }

    let mut members_seen: HashMap<String, HashSet<String>> = HashMap::new();
    for (position, item) in array(doc, GRANTS)?.iter().enumerate() {
        let location = format!("{GRANTS}[{position}]");
        let grant: Grant = typed(item, &location)?;
        references.role(&grant.role_id, format!("{location}.roleId"))?;
        if let Some(division) = &grant.division_id {
            references.division(division, format!("{location}.divisionId"))?;
        }
        index.subject_grants.entry(grant.subject_id.clone()).or_default().push(position);
        if members_seen.entry(grant.role_id.clone()).or_default().insert(grant.subject_id.clone()) {
            index.role_members.entry(grant.role_id).or_default().push(grant.subject_id);
        }
    }
    Ok(index)
}

fn check_providers(doc: &Map<String, Value>) -> Result<(), SnapshotError> {
    let providers = match doc.get(IDENTITY_PROVIDERS) {
        None => return Ok(()),
        Some(Value::Object(providers)) => providers,
        Some(other) => {
            return Err(invalid(
                IDENTITY_PROVIDERS,
                format!("expected an object keyed by provider type, found {}", describe(other)),
            ));
        }
    };
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for (kind, provider) in providers {
        let location = format!("{IDENTITY_PROVIDERS}.{kind}");
        kind.parse::<ProviderType>().map_err(|error| invalid(&location, error.to_string()))?;
        if !provider.is_object() {
            return Err(invalid(
                location,
                format!("expected an object, found {}", describe(provider)),
            ));
        }
        let typed_provider: IdentityProvider = typed(provider, &location)?;
        if let Some(id) = provider.get("id").and_then(Value::as_str)
            && let Some(first) = ids.insert(id, kind)
        {
            return Err(invalid(
                format!("{location}.id"),
                format!(
                    "duplicate ID `{}`, also used at {IDENTITY_PROVIDERS}.{first}.id",
                    typed_provider.id.unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

fn check_clients(doc: &Map<String, Value>, references: &References) -> Result<(), SnapshotError> {
    let clients = array(doc, OAUTH_CLIENTS)?;
    ids_of(clients, OAUTH_CLIENTS)?;
    for (position, item) in clients.iter().enumerate() {
        let location = format!("{OAUTH_CLIENTS}[{position}]");
        // Checked before the typed read, whose message would quote the value.
        if item.get("secret").is_some_and(|secret| !secret.is_string()) {
            return Err(invalid(
                format!("{location}.secret"),
                "must be a JSON string (the value is not shown because it is a secret); put \
                 the client secret in quotes",
            ));
        }
        let client: OAuthClient = typed(item, &location)?;
        for (number, assignment) in client.role_divisions.iter().flatten().enumerate() {
            let at = format!("{location}.roleDivisions[{number}]");
            references.role(&assignment.role_id, format!("{at}.roleId"))?;
            references.division(&assignment.division_id, format!("{at}.divisionId"))?;
        }
        for (number, role_id) in client.role_ids.iter().flatten().enumerate() {
            references.role(role_id, format!("{location}.roleIds[{number}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn base() -> Value {
        json!({
            "schema": SCHEMA,
            "region": "eu-west-1",
            "organization": {"id": "org-1", "name": "Acme"},
            "identityProviders": {"purecloud": {"id": "p1", "name": "PureCloud", "disabled": false}},
            "divisions": [{"id": "d1", "name": "Home", "homeDivision": true}],
            "roles": [{"id": "r1", "name": "Admin", "permissions": ["sso:provider:*"]}],
            "oauthClients": [
                {"id": "c1", "name": "tool", "authorizedGrantType": "CLIENT-CREDENTIALS",
                 "roleDivisions": [{"roleId": "r1", "divisionId": "d1"}], "secret": "s"}
            ],
            "users": [
                {"id": "u1", "name": "A", "state": "active"},
                {"id": "u2", "name": "B", "state": "inactive"},
                {"id": "u3", "name": "C", "state": "deleted"}
            ],
            "grants": [
                {"subjectId": "u1", "roleId": "r1", "divisionId": "d1"},
                {"subjectId": "u1", "roleId": "r1", "divisionId": "*"}
            ]
        })
    }

    fn error_for(mutate: impl FnOnce(&mut Value)) -> String {
        let mut doc = base();
        mutate(&mut doc);
        match parse(&doc.to_string()) {
            Ok(_) => panic!("snapshot loaded, expected an error"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn valid_snapshot_builds_indexes() {
        let data = parse(&base().to_string()).unwrap();
        assert_eq!(data.region.name(), "eu-west-1");
        assert_eq!(data.index.users_active, vec![0]);
        assert_eq!(data.index.users_inactive, vec![1]);
        assert_eq!(data.index.users_any, vec![0, 1]);
        assert_eq!(data.index.role_members["r1"], vec!["u1".to_owned()]);
        assert_eq!(data.index.subject_grants["u1"], vec![0, 1]);
    }

    #[test]
    fn schema_errors_name_expected_value() {
        let wrong = error_for(|doc| doc["schema"] = json!("sso-cutover.org-snapshot.v2"));
        assert_eq!(
            wrong,
            "schema: expected `sso-cutover.org-snapshot.v1`, found `sso-cutover.org-snapshot.v2`"
        );
        let missing = error_for(|doc| {
            doc.as_object_mut().unwrap().remove("schema");
        });
        assert_eq!(missing, "schema: missing; expected `sso-cutover.org-snapshot.v1`");
    }

    #[test]
    fn unknown_region_is_rejected() {
        let message = error_for(|doc| doc["region"] = json!("moon-1"));
        assert!(message.starts_with("region: unknown region `moon-1`"), "{message}");
        assert!(message.contains("eu-west-1"), "{message}");
    }

    #[test]
    fn region_domain_is_accepted() {
        let mut doc = base();
        doc["region"] = json!("usw2.pure.cloud");
        assert_eq!(parse(&doc.to_string()).unwrap().region.name(), "us-west-2");
    }

    #[test]
    fn missing_client_role_names_path() {
        let message =
            error_for(|doc| doc["oauthClients"][0]["roleDivisions"][0]["roleId"] = json!("x"));
        assert_eq!(
            message,
            "oauthClients[0].roleDivisions[0].roleId: role `x` is not defined; add it to `roles`"
        );
    }

    #[test]
    fn missing_client_division_names_path() {
        let message =
            error_for(|doc| doc["oauthClients"][0]["roleDivisions"][0]["divisionId"] = json!("dx"));
        assert!(
            message.starts_with("oauthClients[0].roleDivisions[0].divisionId: division `dx`"),
            "{message}"
        );
    }

    #[test]
    fn deprecated_role_ids_are_checked() {
        let message = error_for(|doc| {
            let client = doc["oauthClients"][0].as_object_mut().unwrap();
            client.remove("roleDivisions");
            client.insert("roleIds".into(), json!(["r1", "gone"]));
        });
        assert!(message.starts_with("oauthClients[0].roleIds[1]: role `gone`"), "{message}");
    }

    #[test]
    fn grant_references_are_checked() {
        let role = error_for(|doc| doc["grants"][1]["roleId"] = json!("r9"));
        assert!(role.starts_with("grants[1].roleId: role `r9` is not defined"), "{role}");
        let division = error_for(|doc| doc["grants"][0]["divisionId"] = json!("d9"));
        assert!(division.starts_with("grants[0].divisionId: division `d9`"), "{division}");
    }

    #[test]
    fn duplicate_ids_name_both_paths() {
        let message = error_for(|doc| doc["users"][2]["id"] = json!("u1"));
        assert_eq!(message, "users[2].id: duplicate ID `u1`, also used at users[0].id");
        let providers = error_for(|doc| {
            doc["identityProviders"]["okta"] = json!({"id": "p1", "name": "Okta"});
        });
        assert_eq!(
            providers,
            "identityProviders.okta.id: duplicate ID `p1`, also used at identityProviders.purecloud.id"
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let error = parse("{\n  \"schema\": \"x\",\n  oops\n}").err().unwrap();
        match error {
            SnapshotError::Syntax { line, column, .. } => {
                assert_eq!((line, column), (3, 3));
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_path() {
        let provider = error_for(|doc| doc["identityProviders"]["azure"] = json!({}));
        assert!(provider.starts_with("identityProviders.azure: unknown identity provider type"));
        let users = error_for(|doc| doc["users"] = json!({}));
        assert_eq!(users, "users: expected an array, found an object");
        let id = error_for(|doc| doc["roles"][0]["id"] = json!(7));
        assert_eq!(id, "roles[0].id: expected an ID, found a number");
        let field = error_for(|doc| doc["users"][1]["email"] = json!(false));
        assert!(field.starts_with("users[1]: invalid type: boolean"), "{field}");
        let root = parse("[]").err().unwrap().to_string();
        assert_eq!(root, "$: expected a JSON object, found an array");
    }
}
