//! A generator of realistic org snapshots, the starting point of a new
//! scenario's `org.json`.
//!
//! The org has a home division and two more, the roles a contact center
//! usually has (a wildcard Master Admin, an SSO Admin, the tool's own
//! operator role, a break-glass role, supervisors, agents, reporting,
//! quality, workforce planning), dozens of users with grants (a few of them
//! admins, some inactive, one shared account without an email), and OAuth
//! clients of several grant types with secrets. The same seed always gives
//! the same file, so a scenario can say which seed its base came from.

use serde_json::{Value, json};

/// The settings of a generated org.
#[derive(Clone, Debug)]
pub(crate) struct OrgOptions {
    /// Display name, such as `Acme Support`.
    pub(crate) name: String,
    /// Seed of every ID and choice.
    pub(crate) seed: u64,
    /// Number of users.
    pub(crate) users: usize,
    /// Region name, such as `us-east-1`.
    pub(crate) region: String,
    /// Extra OAuth clients: `password`, `saml2-bearer`, `token`,
    /// `second-break-glass`.
    pub(crate) extra_clients: Vec<String>,
}

/// SplitMix64: a tiny generator whose output never changes between
/// versions, unlike the algorithms behind `rand`'s seeded generators.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Returns a UUID in version 4 form.
    fn uuid(&mut self) -> String {
        let high = self.next();
        let low = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xFFFF,
            high & 0x0FFF,
            0x8000 | (low >> 48) & 0x3FFF,
            low & 0xFFFF_FFFF_FFFF
        )
    }

    fn hex(&mut self, digits: usize) -> String {
        let text = format!("{:016x}", self.next());
        text[..digits.min(16)].to_owned()
    }
}

const FIRST_NAMES: &[&str] = &[
    "Dana", "Priya", "Mateo", "Aisha", "Liam", "Yuki", "Olga", "Kwame", "Sofia", "Hiro", "Noah",
    "Fatima", "Lucas", "Mei", "Omar", "Elena", "Tariq", "Ingrid", "Ravi", "Chloe", "Diego",
    "Amara", "Jonas", "Leila", "Marco", "Nadia", "Pavel", "Rosa", "Samir", "Tessa", "Viktor",
    "Zara", "Ben", "Carmen", "Dmitri", "Esther", "Felix", "Grace", "Hassan", "Iris",
];

const LAST_NAMES: &[&str] = &[
    "Reyes",
    "Natarajan",
    "Silva",
    "Okafor",
    "Murphy",
    "Tanaka",
    "Ivanova",
    "Mensah",
    "Rossi",
    "Sato",
    "Becker",
    "Haddad",
    "Moreau",
    "Chen",
    "Farouk",
    "Popescu",
    "Aziz",
    "Lund",
    "Iyer",
    "Dubois",
    "Ortega",
    "Nwosu",
    "Weber",
    "Karimi",
    "Bianchi",
    "Kowalski",
    "Novak",
    "Alvarez",
    "Khan",
    "Visser",
    "Petrov",
    "Abara",
    "Cohen",
    "Lopez",
    "Smirnov",
    "Adler",
    "Fischer",
    "Walsh",
    "Rahman",
    "Holm",
];

const TITLES: &[&str] =
    &["Customer Care Agent", "Senior Agent", "Team Lead", "Sales Agent", "Billing Specialist"];

const DEPARTMENTS: &[&str] = &["Customer Care", "Sales", "Billing", "Technical Support"];

/// The roles of the generated org, in the order they are written.
struct Roles {
    master_admin: String,
    sso_admin: String,
    operator: String,
    break_glass: String,
    supervisor: String,
    agent: String,
    reporting: String,
    quality: String,
    wfm: String,
}

/// Generates an org snapshot.
pub(crate) fn generate(options: &OrgOptions) -> Value {
    let mut rng = SplitMix(options.seed);
    let short_name = slug(&options.name);
    let domain = format!("{short_name}.example");

    let organization = json!({
        "id": rng.uuid(),
        "name": options.name,
        "thirdPartyOrgName": short_name,
        "defaultLanguage": "en-us",
        "defaultCountryCode": "US",
        "domain": short_name,
        "state": "active",
        "version": 3 + rng.below(20),
        "productPlatform": "GenesysCloud",
        "selfUri": "/api/v2/organizations/me"
    });

    let home = rng.uuid();
    let care = rng.uuid();
    let sales = rng.uuid();
    let divisions = json!([
        {"id": home, "name": "Home", "homeDivision": true},
        {"id": care, "name": "Customer Care", "homeDivision": false},
        {"id": sales, "name": "Sales", "homeDivision": false}
    ]);
    let division_ids = [home.as_str(), care.as_str(), sales.as_str()];

    let roles = Roles {
        master_admin: rng.uuid(),
        sso_admin: rng.uuid(),
        operator: rng.uuid(),
        break_glass: rng.uuid(),
        supervisor: rng.uuid(),
        agent: rng.uuid(),
        reporting: rng.uuid(),
        quality: rng.uuid(),
        wfm: rng.uuid(),
    };
    let roles_json = role_list(&roles);

    let identity_providers = json!({
        "purecloud": {"id": rng.uuid(), "name": "PureCloud", "disabled": false}
    });

    let (users, grants) = users_and_grants(&mut rng, options.users, &domain, &division_ids, &roles);
    let clients = clients(&mut rng, &short_name, &home, &roles, &options.extra_clients);

    json!({
        "schema": "sso-cutover.org-snapshot.v1",
        "region": options.region,
        "organization": organization,
        "identityProviders": identity_providers,
        "oauthClients": clients,
        "roles": roles_json,
        "divisions": divisions,
        "users": users,
        "grants": grants
    })
}

fn slug(name: &str) -> String {
    let mut slug = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn policy(domain: &str, entity: &str, actions: &[&str]) -> Value {
    json!({"domain": domain, "entityName": entity, "actionSet": actions})
}

fn role_list(roles: &Roles) -> Value {
    json!([
        {
            "id": roles.master_admin,
            "name": "Master Admin",
            "description": "Full administrative access",
            "permissionPolicies": [policy("*", "*", &["*"])]
        },
        {
            "id": roles.sso_admin,
            "name": "SSO Admin",
            "description": "Manages single sign-on providers",
            "permissions": ["sso:provider:*", "directory:organization:admin"]
        },
        {
            "id": roles.operator,
            "name": "SSO Cutover Operator",
            "description": "What the sso-cutover tool needs to plan, apply and roll back",
            "permissionPolicies": [
                policy("sso", "provider", &["view", "add", "edit", "delete"]),
                policy("oauth", "client", &["view", "add", "delete"]),
                policy("authorization", "role", &["view"]),
                policy("authorization", "grant", &["view"])
            ]
        },
        {
            "id": roles.break_glass,
            "name": "Break Glass IdP Recovery",
            "description": "Lets an emergency client turn native login back on",
            "permissions": ["sso:provider:view", "sso:provider:edit"]
        },
        {
            "id": roles.supervisor,
            "name": "Supervisor",
            "description": "Monitors queues and agents",
            "permissionPolicies": [
                policy("analytics", "conversationDetail", &["view"]),
                policy("routing", "queue", &["view", "edit"]),
                policy("sso", "provider", &["view"])
            ]
        },
        {
            "id": roles.agent,
            "name": "Agent",
            "description": "Handles interactions",
            "permissions": [
                "conversation:communication:accept",
                "routing:queue:join",
                "directory:user:view"
            ]
        },
        {
            "id": roles.reporting,
            "name": "Reporting Reader",
            "description": "Reads analytics",
            "permissions": [
                "analytics:conversationDetail:view",
                "analytics:conversationAggregate:view"
            ]
        },
        {
            "id": roles.quality,
            "name": "Quality Evaluator",
            "description": "Scores recorded interactions",
            "permissionPolicies": [policy("quality", "evaluation", &["view", "add", "edit"])]
        },
        {
            "id": roles.wfm,
            "name": "WFM Planner",
            "description": "Builds schedules and forecasts",
            "permissions": ["wfm:schedule:view", "wfm:schedule:edit", "wfm:forecast:*"]
        }
    ])
}

/// Builds the users and their grants. The first two users are Master
/// Admins and the third is an SSO Admin. The last user is a former admin
/// whose account is inactive, and one user is a shared account without an
/// email.
fn users_and_grants(
    rng: &mut SplitMix,
    count: usize,
    domain: &str,
    divisions: &[&str],
    roles: &Roles,
) -> (Vec<Value>, Vec<Value>) {
    let mut users = Vec::new();
    let mut grants = Vec::new();
    let mut taken = std::collections::BTreeSet::new();
    let shared_index = count / 2;
    for index in 0..count {
        let id = rng.uuid();
        let division = divisions[rng.below(divisions.len())];
        let version = 1 + rng.below(5);
        let mut grant = |role: &str, division: &str| {
            grants.push(json!({"subjectId": id, "roleId": role, "divisionId": division}));
        };
        if index == shared_index {
            users.push(json!({
                "id": id,
                "name": "Lobby Wallboard",
                "username": format!("lobby-wallboard@{domain}"),
                "state": "active",
                "version": version,
                "division": {"id": division},
                "title": "Shared display account"
            }));
            grant(&roles.reporting, division);
            continue;
        }

        let (first, last) = loop {
            let first = rng.pick(FIRST_NAMES);
            let last = rng.pick(LAST_NAMES);
            if taken.insert((first, last)) {
                break (first, last);
            }
        };
        let email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
        let former_admin = index + 1 == count;
        let inactive = former_admin || (index > 2 && rng.below(100) < 8);
        let title = match index {
            0 | 1 => "Contact Center Administrator",
            2 => "Identity Engineer",
            _ if former_admin => "Former Administrator",
            _ => rng.pick(TITLES),
        };
        users.push(json!({
            "id": id,
            "name": format!("{first} {last}"),
            "email": email,
            "username": email,
            "state": if inactive { "inactive" } else { "active" },
            "version": version,
            "division": {"id": division},
            "title": title,
            "department": rng.pick(DEPARTMENTS)
        }));

        let home = divisions[0];
        match index {
            0 | 1 => grant(&roles.master_admin, "*"),
            2 => grant(&roles.sso_admin, home),
            _ if former_admin => grant(&roles.master_admin, "*"),
            _ => {
                let roll = rng.below(100);
                if roll < 15 {
                    grant(&roles.supervisor, division);
                    grant(&roles.reporting, division);
                } else {
                    grant(&roles.agent, division);
                    if roll < 25 {
                        grant(&roles.quality, division);
                    } else if roll < 32 {
                        grant(&roles.wfm, home);
                    }
                }
            }
        }
    }
    (users, grants)
}

fn clients(
    rng: &mut SplitMix,
    short_name: &str,
    home: &str,
    roles: &Roles,
    extra: &[String],
) -> Vec<Value> {
    let mut secret = |label: &str| format!("{short_name}-{label}-{}", rng.hex(12));
    let operator_secret = secret("cutover");
    let break_glass_secret = secret("break-glass");
    let analytics_secret = secret("analytics");
    let sync_secret = secret("data-sync");
    let second_break_glass_secret = secret("break-glass-b");
    let mut clients = vec![
        json!({
            "id": rng.uuid(),
            "name": "cutover-admin",
            "description": "The sso-cutover tool's own client",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "state": "active",
            "accessTokenValiditySeconds": 3600,
            "roleDivisions": [{"roleId": roles.operator, "divisionId": home}],
            "dateCreated": "2025-11-03T09:12:44Z",
            "secret": operator_secret
        }),
        json!({
            "id": rng.uuid(),
            "name": "Break Glass - Primary",
            "description": "Emergency recovery of native login (vault A)",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "state": "active",
            "accessTokenValiditySeconds": 900,
            "roleDivisions": [{"roleId": roles.break_glass, "divisionId": home}],
            "dateCreated": "2025-06-18T14:02:10Z",
            "secret": break_glass_secret
        }),
        json!({
            "id": rng.uuid(),
            "name": "Analytics Export",
            "description": "Nightly export of conversation details",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "state": "active",
            "accessTokenValiditySeconds": 7200,
            "roleDivisions": [{"roleId": roles.reporting, "divisionId": "*"}],
            "dateCreated": "2024-03-12T07:45:00Z",
            "secret": analytics_secret
        }),
        json!({
            "id": rng.uuid(),
            "name": "Agent Desktop Portal",
            "description": "Embedded agent desktop; people sign in through it",
            "authorizedGrantType": "CODE",
            "state": "active",
            "registeredRedirectUri": [format!("https://desktop.{short_name}.example/callback")],
            "scope": ["conversations", "users:readonly", "presence"],
            "dateCreated": "2023-09-01T10:00:00Z"
        }),
        json!({
            "id": rng.uuid(),
            "name": "Old Data Sync",
            "description": "Replaced by the analytics export; kept for audit",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "state": "disabled",
            "roleDivisions": [{"roleId": roles.supervisor, "divisionId": home}],
            "dateCreated": "2019-05-14T12:00:00Z",
            "secret": sync_secret
        }),
    ];
    for kind in extra {
        let client = match kind.as_str() {
            "password" => json!({
                "id": rng.uuid(),
                "name": "WFM Reporting Export",
                "description": "Signs in with a service user's password",
                "authorizedGrantType": "PASSWORD",
                "state": "active",
                "scope": ["analytics:readonly", "users:readonly"],
                "dateCreated": "2021-02-09T08:30:00Z"
            }),
            "saml2-bearer" => json!({
                "id": rng.uuid(),
                "name": "Legacy Softphone SSO",
                "description": "Exchanges SAML assertions for tokens",
                "authorizedGrantType": "SAML2-BEARER",
                "state": "active",
                "scope": ["conversations", "presence"],
                "dateCreated": "2020-10-21T16:45:12Z"
            }),
            "token" => json!({
                "id": rng.uuid(),
                "name": "Wallboard Widget",
                "description": "Browser widget with the implicit grant",
                "authorizedGrantType": "TOKEN",
                "state": "active",
                "registeredRedirectUri": [format!("https://wallboard.{short_name}.example/")],
                "scope": ["analytics:readonly"],
                "dateCreated": "2022-04-30T09:20:00Z"
            }),
            "second-break-glass" => json!({
                "id": rng.uuid(),
                "name": "Break Glass - Secondary",
                "description": "Emergency recovery of native login (vault B)",
                "authorizedGrantType": "CLIENT-CREDENTIALS",
                "state": "active",
                "accessTokenValiditySeconds": 900,
                "roleDivisions": [{"roleId": roles.sso_admin, "divisionId": home}],
                "dateCreated": "2025-06-18T14:05:37Z",
                "secret": second_break_glass_secret
            }),
            _ => continue,
        };
        clients.push(client);
    }
    clients
}

/// The names `--with` accepts.
pub(crate) const EXTRA_CLIENTS: &[&str] =
    &["password", "saml2-bearer", "token", "second-break-glass"];

#[cfg(test)]
mod tests {
    use super::*;

    fn options(seed: u64) -> OrgOptions {
        OrgOptions {
            name: "Acme Support".into(),
            seed,
            users: 30,
            region: "us-east-1".into(),
            extra_clients: vec!["password".into()],
        }
    }

    #[test]
    fn same_seed_same_org() {
        assert_eq!(generate(&options(7)), generate(&options(7)));
        assert_ne!(generate(&options(7)), generate(&options(8)));
    }

    #[test]
    fn generated_org_loads_in_memory_backend() {
        let org = generate(&options(3));
        let text = serde_json::to_string(&org).unwrap();
        let loaded = cutover_memory::MemoryOrg::from_json(&text);
        assert!(loaded.is_ok(), "{:?}", loaded.err());
    }

    #[test]
    fn generated_org_has_expected_shape() {
        let org = generate(&options(5));
        assert_eq!(org["users"].as_array().unwrap().len(), 30);
        assert_eq!(org["oauthClients"].as_array().unwrap().len(), 6);
        let emails: Vec<&str> =
            org["users"].as_array().unwrap().iter().filter_map(|u| u["email"].as_str()).collect();
        assert_eq!(emails.len(), 29, "one shared account has no email");
        let unique: std::collections::BTreeSet<&str> = emails.iter().copied().collect();
        assert_eq!(unique.len(), emails.len(), "emails are unique");
    }

    #[test]
    fn slug_of_names() {
        assert_eq!(slug("Acme Support"), "acme-support");
        assert_eq!(slug("  Globex & Co. "), "globex-co");
    }
}
