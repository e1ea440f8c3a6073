//! People rules: who can still sign in once native login is disabled.

use std::collections::{BTreeSet, HashMap};

use cutover_api::User;

use super::{OrgFacts, user_label};
use crate::change::{IdpUserList, normalize_email};
use crate::finding::{Finding, RuleId, Severity};

/// How many missing users `users-not-in-idp` names as examples.
const MISSING_EXAMPLES: usize = 5;

/// Evaluates the people rules; they fire only when the change disables
/// native login.
pub(crate) fn check(
    facts: &OrgFacts<'_>,
    disables_native_login: bool,
    idp_users: Option<&IdpUserList>,
    findings: &mut Vec<Finding>,
) {
    if !disables_native_login {
        return;
    }
    let active: Vec<&User> = facts.state.users.iter().filter(|user| user.is_active()).collect();
    let Some(list) = idp_users else {
        findings.push(Finding::new(
            RuleId::IdpUsersUnknown,
            Severity::Warn,
            "org",
            format!(
                "native login is to be disabled, but no IdP user list was given, so nothing \
                 checked that the org's {} active users can sign in through the IdP",
                active.len()
            ),
            "export the emails of the IdP's users, one per line, and pass the file with \
             `--idp-users PATH`",
        ));
        return;
    };

    let admin_roles = admin_roles_by_user(facts);
    let in_list = |user: &User| user.email.as_deref().is_some_and(|email| list.contains(email));

    let mut admins_in_list = 0usize;
    let mut admin_count = 0usize;
    let mut missing_others: Vec<&User> = Vec::new();
    let mut other_count = 0usize;

    for user in &active {
        if let Some(roles) = admin_roles.get(user.id.as_str()) {
            admin_count += 1;
            if in_list(user) {
                admins_in_list += 1;
            } else {
                findings.push(admin_missing(user, roles));
            }
        } else {
            other_count += 1;
            if !in_list(user) {
                missing_others.push(user);
            }
        }
    }

    if admins_in_list == 0 {
        let message = if admin_count == 0 {
            "the org has no active user with a role that grants `sso:provider:edit` or \
             `sso:provider:add`, so nobody could sign in through the IdP to fix the provider"
                .to_owned()
        } else {
            format!(
                "none of the org's {admin_count} active identity-provider admins is in the IdP \
                 user list, so nobody could sign in through the IdP to fix the provider"
            )
        };
        findings.push(Finding::new(
            RuleId::NoAdminInIdp,
            Severity::Block,
            "org",
            message,
            "make sure at least one user with a role that grants `sso:provider:edit` exists in \
             the IdP with the same email, and list them in `--idp-users`",
        ));
    }

    if !missing_others.is_empty() {
        findings.push(others_missing(&missing_others, other_count));
    }
}

/// Maps each user who has an IdP admin role to the names of those roles
/// (the ID for a role without a name).
fn admin_roles_by_user<'a>(facts: &OrgFacts<'a>) -> HashMap<&'a str, BTreeSet<&'a str>> {
    let mut map: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for grant in &facts.state.grants {
        if let Some(role) = facts.admin_roles.get(grant.role_id.as_str()) {
            let label =
                if role.name.trim().is_empty() { role.id.as_str() } else { role.name.as_str() };
            map.entry(grant.subject_id.as_str()).or_default().insert(label);
        }
    }
    map
}

fn admin_missing(user: &User, role_names: &BTreeSet<&str>) -> Finding {
    let roles: Vec<String> = role_names.iter().map(|name| format!("`{name}`")).collect();
    let noun = if roles.len() == 1 { "role" } else { "roles" };
    let reason = if user.email.as_deref().is_some_and(|email| !email.trim().is_empty()) {
        "is not in the IdP user list"
    } else {
        "has no email, so the IdP cannot sign them in"
    };
    Finding::new(
        RuleId::AdminNotInIdp,
        Severity::Block,
        format!("user:{}", user.id),
        format!(
            "identity-provider admin {} ({noun} {}) {reason}; they lose access once native login \
             is disabled",
            user_label(user),
            roles.join(", ")
        ),
        "add the user to the IdP with the same email, or accept with `--accept \
         admin-not-in-idp --reason TEXT` if they need no access",
    )
}

fn others_missing(missing: &[&User], other_count: usize) -> Finding {
    let without_email = missing
        .iter()
        .filter(|user| user.email.as_deref().is_none_or(|e| e.trim().is_empty()))
        .count();
    let mut examples: Vec<String> = missing
        .iter()
        .filter_map(|user| user.email.as_deref())
        .map(normalize_email)
        .filter(|email| !email.is_empty())
        .collect();
    examples.sort();
    examples.dedup();
    examples.truncate(MISSING_EXAMPLES);

    let no_email = if without_email > 0 {
        let verb = if without_email == 1 { "has" } else { "have" };
        format!(" ({without_email} of them {verb} no email)")
    } else {
        String::new()
    };
    let for_example = if examples.is_empty() {
        String::new()
    } else {
        format!(", for example {}", examples.join(", "))
    };
    let message = format!(
        "{} of the org's {other_count} active users without identity-provider admin rights \
         are not in the IdP user list{no_email}{for_example}; they lose access once native \
         login is disabled",
        missing.len()
    );

    Finding::new(
        RuleId::UsersNotInIdp,
        Severity::Warn,
        "org",
        message,
        "add the missing users to the IdP with the same emails, or accept with `--accept \
         users-not-in-idp --reason TEXT`",
    )
}
