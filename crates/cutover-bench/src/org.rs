//! Generated org snapshots of a chosen size, shaped like a contact center's:
//! a few admins, many agents in a handful of divisions, OAuth clients of
//! every grant type.
//!
//! Every user has one ordinary role. The first three users also have Master
//! Admin (a `*:*:*` policy) and the next ones SSO Admin (`sso:provider:*`).
//! These two, the operator role and the break-glass role grant an
//! identity-provider admin permission, so `collect_state` reads the members
//! of those four roles. Every 50th user is inactive and every 1000th has no email. The
//! first client, `cutover-admin`, is the tool's own, with the permissions
//! inventory needs.

use cutover_api::models::{MAX_PAGE_SIZE_DEFAULT, MAX_PAGE_SIZE_USERS};
use serde_json::{Value, json};

/// The secret of the generated `cutover-admin` client. It exists only in
/// generated snapshots.
pub const ADMIN_SECRET: &str = "bench-cutover-admin-secret";

/// Requests `collect_state` makes besides the paged collections: the
/// organization, one `GET` per fixed provider type (11), the OAuth client
/// list and the token request.
pub const FIXED_REQUESTS: u64 = 1 + 11 + 1 + 1;

/// Roles with fixed meaning at the start of the role list.
const MASTER_ADMIN: usize = 0;
const SSO_ADMIN: usize = 1;
const OPERATOR: usize = 2;
const BREAK_GLASS: usize = 3;
const FIXED_ROLES: usize = 4;

/// Users who hold Master Admin.
const MASTER_ADMINS: usize = 3;

/// Permission strings given to ordinary roles, none of them an
/// identity-provider admin permission.
const ORDINARY_PERMISSIONS: [&str; 8] = [
    "routing:queue:view",
    "conversation:communication:accept",
    "analytics:conversationDetail:view",
    "quality:evaluation:view",
    "directory:user:view",
    "wfm:schedule:view",
    "outbound:campaign:view",
    "reporting:dashboard:view",
];

/// Grant types of the OAuth clients after the first three, in turn.
const CLIENT_GRANTS: [&str; 8] = [
    "CLIENT-CREDENTIALS",
    "CLIENT-CREDENTIALS",
    "CLIENT-CREDENTIALS",
    "CLIENT-CREDENTIALS",
    "CODE",
    "PASSWORD",
    "SAML2-BEARER",
    "TOKEN",
];

/// The size of a generated org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgSpec {
    /// Users, active and inactive.
    pub users: usize,
    /// OAuth clients, at least 3 (the tool's and two break-glass clients).
    pub clients: usize,
    /// Roles, at least 5 (four fixed roles and one ordinary role).
    pub roles: usize,
    /// Divisions, at least 1 (the home division).
    pub divisions: usize,
}

impl OrgSpec {
    /// Creates a spec, raising each count to its minimum.
    pub fn new(users: usize, clients: usize, roles: usize) -> Self {
        Self { users, clients: clients.max(3), roles: roles.max(FIXED_ROLES + 1), divisions: 5 }
    }

    /// Returns how many users hold SSO Admin: one in 200, at least 1 and at
    /// most 300, and never more than the users left after the Master Admins.
    pub fn sso_admins(&self) -> usize {
        (self.users / 200).clamp(1, 300).min(self.users.saturating_sub(MASTER_ADMINS))
    }

    /// Returns how many users hold Master Admin.
    pub fn master_admins(&self) -> usize {
        MASTER_ADMINS.min(self.users)
    }

    /// Returns the members of each role that grants an identity-provider
    /// admin permission: Master Admin, SSO Admin, the operator role
    /// (`sso:provider` add and edit) and the break-glass role (edit).
    pub fn idp_admin_role_members(&self) -> [usize; FIXED_ROLES] {
        [self.master_admins(), self.sso_admins(), 0, 0]
    }

    /// Returns the fewest requests that read this org with `collect_state`:
    /// ceil(items / page size) per paged collection (at least one request
    /// each, even when empty) plus [`FIXED_REQUESTS`]. The paged collections
    /// are users (500 a page), roles and divisions (100 a page) and the
    /// members of each identity-provider admin role (100 a page).
    pub fn request_floor(&self) -> u64 {
        let pages = |items: usize, page_size: u32| (items as u64).div_ceil(page_size.into()).max(1);
        let members: u64 = self
            .idp_admin_role_members()
            .iter()
            .map(|&members| pages(members, MAX_PAGE_SIZE_DEFAULT))
            .sum();
        FIXED_REQUESTS
            + pages(self.users, MAX_PAGE_SIZE_USERS)
            + pages(self.roles, MAX_PAGE_SIZE_DEFAULT)
            + pages(self.divisions, MAX_PAGE_SIZE_DEFAULT)
            + members
    }

    /// Returns the email of user `index`, or `None` for a user without one.
    pub fn email(index: usize) -> Option<String> {
        (index % 1000 != 999).then(|| format!("user{index}@bench.example"))
    }

    /// Returns whether user `index` is active.
    pub fn is_active(index: usize) -> bool {
        index % 50 != 49
    }

    /// Returns the ID of the generated `cutover-admin` client.
    pub fn admin_client_id() -> String {
        client_id(0)
    }

    /// Returns the IDs of the two generated break-glass clients.
    pub fn break_glass_client_ids() -> [String; 2] {
        [client_id(1), client_id(2)]
    }

    /// Writes the org snapshot (`sso-cutover.org-snapshot.v1`) as JSON text.
    pub fn snapshot_json(&self) -> String {
        let snapshot = json!({
            "schema": "sso-cutover.org-snapshot.v1",
            "region": "us-east-1",
            "organization": {
                "id": "0b0e5e00-0000-4000-8000-000000000001",
                "name": "Bench Contact Center",
                "thirdPartyOrgName": "bench-cc",
                "domain": "bench-cc",
                "state": "active",
                "version": 1,
            },
            "identityProviders": {
                "purecloud": {
                    "id": "0b0e5e00-0000-4000-8000-000000000002",
                    "name": "PureCloud",
                    "disabled": false,
                },
            },
            "oauthClients": self.clients_json(),
            "roles": self.roles_json(),
            "divisions": self.divisions_json(),
            "users": self.users_json(),
            "grants": self.grants_json(),
        });
        serde_json::to_string(&snapshot).expect("a JSON value serializes")
    }

    fn clients_json(&self) -> Vec<Value> {
        let home = division_id(0);
        let mut clients = vec![
            json!({
                "id": client_id(0),
                "name": "cutover-admin",
                "authorizedGrantType": "CLIENT-CREDENTIALS",
                "state": "active",
                "roleDivisions": [{"roleId": role_id(OPERATOR), "divisionId": home}],
                "secret": ADMIN_SECRET,
            }),
            json!({
                "id": client_id(1),
                "name": "Break Glass - Primary",
                "authorizedGrantType": "CLIENT-CREDENTIALS",
                "state": "active",
                "roleDivisions": [{"roleId": role_id(BREAK_GLASS), "divisionId": home}],
                "secret": "bench-break-glass-primary",
            }),
            json!({
                "id": client_id(2),
                "name": "Break Glass - Secondary",
                "authorizedGrantType": "CLIENT-CREDENTIALS",
                "state": "active",
                "roleDivisions": [{"roleId": role_id(SSO_ADMIN), "divisionId": home}],
                "secret": "bench-break-glass-secondary",
            }),
        ];
        for index in 3..self.clients {
            let grant = CLIENT_GRANTS[index % CLIENT_GRANTS.len()];
            let mut client = json!({
                "id": client_id(index),
                "name": format!("Integration {index}"),
                "authorizedGrantType": grant,
                "state": if index % 20 == 0 { "disabled" } else { "active" },
                "dateCreated": "2024-03-01T12:00:00Z",
            });
            if grant == "CLIENT-CREDENTIALS" {
                // One client-credentials client in a hundred can edit providers.
                let role = if index % 100 == 3 { SSO_ADMIN } else { self.ordinary_role(index) };
                client["roleDivisions"] = json!([{"roleId": role_id(role), "divisionId": home}]);
            } else {
                client["scope"] = json!(["users:readonly"]);
            }
            clients.push(client);
        }
        clients
    }

    fn roles_json(&self) -> Vec<Value> {
        let mut roles = vec![
            json!({
                "id": role_id(MASTER_ADMIN),
                "name": "Master Admin",
                "permissionPolicies": [policy("*", "*", &["*"])],
            }),
            json!({
                "id": role_id(SSO_ADMIN),
                "name": "SSO Admin",
                "permissions": ["sso:provider:*", "directory:organization:admin"],
            }),
            json!({
                "id": role_id(OPERATOR),
                "name": "SSO Cutover Operator",
                "permissionPolicies": [
                    policy("sso", "provider", &["view", "add", "edit", "delete"]),
                    policy("oauth", "client", &["view", "add", "delete"]),
                    policy("authorization", "role", &["view"]),
                    policy("authorization", "grant", &["view"]),
                ],
            }),
            json!({
                "id": role_id(BREAK_GLASS),
                "name": "Break Glass IdP Recovery",
                "permissionPolicies": [policy("sso", "provider", &["view", "edit"])],
            }),
        ];
        for index in FIXED_ROLES..self.roles {
            let first = ORDINARY_PERMISSIONS[index % ORDINARY_PERMISSIONS.len()];
            let second = ORDINARY_PERMISSIONS[(index / 3) % ORDINARY_PERMISSIONS.len()];
            roles.push(json!({
                "id": role_id(index),
                "name": format!("Role {index}"),
                "permissions": [first, second],
            }));
        }
        roles
    }

    fn divisions_json(&self) -> Vec<Value> {
        (0..self.divisions)
            .map(|index| {
                let name = if index == 0 { "Home".to_owned() } else { format!("Division {index}") };
                json!({"id": division_id(index), "name": name, "homeDivision": index == 0})
            })
            .collect()
    }

    fn users_json(&self) -> Vec<Value> {
        (0..self.users)
            .map(|index| {
                let mut user = json!({
                    "id": user_id(index),
                    "name": format!("User {index}"),
                    "state": if Self::is_active(index) { "active" } else { "inactive" },
                    "version": 1,
                    "division": {"id": division_id(index % self.divisions)},
                });
                if let Some(email) = Self::email(index) {
                    user["email"] = json!(email);
                    user["username"] = json!(email);
                } else {
                    user["username"] = json!(format!("shared-login-{index}"));
                }
                user
            })
            .collect()
    }

    fn grants_json(&self) -> Vec<Value> {
        let home = division_id(0);
        let grant = |user: usize, role: usize| grant_json(user, role, &home);
        let mut grants: Vec<Value> =
            (0..self.users).map(|index| grant(index, self.ordinary_role(index))).collect();
        grants.extend((0..self.master_admins()).map(|index| grant(index, MASTER_ADMIN)));
        let first_sso_admin = self.master_admins();
        grants.extend(
            (first_sso_admin..first_sso_admin + self.sso_admins())
                .map(|index| grant(index, SSO_ADMIN)),
        );
        grants
    }

    fn ordinary_role(&self, index: usize) -> usize {
        FIXED_ROLES + index % (self.roles - FIXED_ROLES)
    }
}

fn policy(domain: &str, entity: &str, actions: &[&str]) -> Value {
    json!({"domain": domain, "entityName": entity, "actionSet": actions})
}

fn grant_json(user: usize, role: usize, division: &str) -> Value {
    json!({"subjectId": user_id(user), "roleId": role_id(role), "divisionId": division})
}

fn user_id(index: usize) -> String {
    format!("7e4d0000-5c6b-4a7f-9e8d-{index:012x}")
}

fn client_id(index: usize) -> String {
    format!("9c8b0000-0001-4f3e-8d2c-{index:012x}")
}

fn role_id(index: usize) -> String {
    format!("1a2b0000-0003-4e5f-8a9b-{index:012x}")
}

fn division_id(index: usize) -> String {
    format!("3f6c0000-8d4e-4f5a-9b7c-{index:012x}")
}

#[cfg(test)]
mod tests {
    use cutover_api::permissions::role_grants_idp_admin;
    use cutover_api::{CollectOptions, Role, collect_state};
    use cutover_memory::MemoryOrg;

    use super::*;

    #[test]
    fn floor_counts_pages_and_fixed_calls() {
        // 1001 users: 3 pages of 500; 250 roles: 3 pages of 100; 5 divisions:
        // one page; 3 Master Admins, 5 SSO Admins and the two admin roles
        // without members: one page each.
        let spec = OrgSpec::new(1001, 10, 250);
        assert_eq!(spec.sso_admins(), 5);
        assert_eq!(spec.request_floor(), FIXED_REQUESTS + 3 + 3 + 1 + 4);
    }

    #[test]
    fn floor_of_large_org() {
        let spec = OrgSpec::new(100_000, 2000, 300);
        assert_eq!(spec.sso_admins(), 300);
        assert_eq!(spec.request_floor(), FIXED_REQUESTS + 200 + 3 + 1 + (1 + 3 + 1 + 1));
    }

    #[test]
    fn spec_raises_counts_to_minimum() {
        let spec = OrgSpec::new(2, 0, 0);
        assert_eq!(spec.clients, 3);
        assert_eq!(spec.roles, FIXED_ROLES + 1);
        assert_eq!(spec.master_admins(), 2);
        assert_eq!(spec.sso_admins(), 0);
    }

    #[test]
    fn admin_roles_are_the_fixed_ones() {
        let spec = OrgSpec::new(10, 5, 12);
        let snapshot: Value = serde_json::from_str(&spec.snapshot_json()).unwrap();
        let roles: Vec<Role> = serde_json::from_value(snapshot["roles"].clone()).unwrap();
        let admin: Vec<usize> =
            (0..roles.len()).filter(|&i| role_grants_idp_admin(&roles[i])).collect();
        assert_eq!(admin, (0..FIXED_ROLES).collect::<Vec<_>>());
        assert_eq!(spec.idp_admin_role_members().len(), FIXED_ROLES);
    }

    #[tokio::test]
    async fn snapshot_loads_and_collects() {
        let spec = OrgSpec::new(1200, 40, 30);
        let org = MemoryOrg::from_json(&spec.snapshot_json()).expect("generated snapshot loads");
        let admin = OrgSpec::admin_client_id();
        let secret = cutover_auth::ClientSecret::new(ADMIN_SECRET.to_owned());
        let api = org.session(Some(&admin), Some(&secret)).expect("the admin client opens");
        let state = collect_state(&api, CollectOptions::default()).await.expect("inventory");

        assert_eq!(state.users.len(), 1200);
        assert_eq!(state.oauth_clients.len(), 40);
        assert_eq!(state.roles.len(), 30);
        assert_eq!(state.divisions.len(), 5);
        assert_eq!(state.grants.len(), spec.master_admins() + spec.sso_admins());
        let inactive = state.users.iter().filter(|user| user.state.as_deref() == Some("inactive"));
        assert_eq!(inactive.count(), 24);
    }
}
