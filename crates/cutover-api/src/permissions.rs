//! "A role grants a permission": the one matcher that the safety rules, the
//! in-memory backend and the simulator share.
//!
//! A permission string has exactly three `:`-separated parts that compare
//! case-sensitively. `*` matches only as a whole part (`sso:provider:*`
//! matches, `sso:prov*:edit` does not). Any other shape grants nothing, and so
//! does a policy with an empty `actionSet`.

use crate::models::Role;

/// `sso:provider:edit`: lets `PUT /api/v2/identityproviders/{type}` succeed.
pub const SSO_PROVIDER_EDIT: &str = "sso:provider:edit";
/// `sso:provider:add`: also lets that `PUT` succeed.
pub const SSO_PROVIDER_ADD: &str = "sso:provider:add";
/// The permissions that make their holder an identity-provider admin: either
/// one can turn native login back on.
pub const IDP_ADMIN_PERMISSIONS: [&str; 2] = [SSO_PROVIDER_EDIT, SSO_PROVIDER_ADD];

fn split(permission: &str) -> Option<[&str; 3]> {
    let mut parts = permission.split(':');
    let triple = [parts.next()?, parts.next()?, parts.next()?];
    if parts.next().is_some() || triple.iter().any(|part| part.is_empty()) {
        return None;
    }
    Some(triple)
}

fn part_matches(granted: &str, wanted: &str) -> bool {
    granted == "*" || granted == wanted
}

/// Tells whether the granted permission string covers `wanted`
/// (`domain:entity:action`).
pub fn permission_matches(granted: &str, wanted: &str) -> bool {
    let (Some(granted), Some(wanted)) = (split(granted), split(wanted)) else {
        return false;
    };
    granted.iter().zip(wanted.iter()).all(|(g, w)| part_matches(g, w))
}

/// Tells whether `role` grants `wanted`, through its `permissions` list or one
/// of its `permissionPolicies`.
pub fn role_grants(role: &Role, wanted: &str) -> bool {
    let Some([domain, entity, action]) = split(wanted) else {
        return false;
    };
    if role.permissions.iter().any(|granted| permission_matches(granted, wanted)) {
        return true;
    }
    role.permission_policies.iter().any(|policy| {
        part_matches(&policy.domain, domain)
            && part_matches(&policy.entity_name, entity)
            && policy.action_set.iter().any(|granted| part_matches(granted, action))
    })
}

/// Tells whether `role` grants either identity-provider admin permission.
pub fn role_grants_idp_admin(role: &Role) -> bool {
    IDP_ADMIN_PERMISSIONS.iter().any(|wanted| role_grants(role, wanted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::PermissionPolicy;

    fn role(permissions: &[&str], policies: Vec<PermissionPolicy>) -> Role {
        Role {
            id: "r".into(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            permission_policies: policies,
            ..Role::default()
        }
    }

    fn policy(domain: &str, entity: &str, actions: &[&str]) -> PermissionPolicy {
        PermissionPolicy {
            domain: domain.into(),
            entity_name: entity.into(),
            action_set: actions.iter().map(|a| (*a).to_owned()).collect(),
            ..PermissionPolicy::default()
        }
    }

    #[test]
    fn string_form_wildcards() {
        let cases = [
            ("sso:provider:edit", true),
            ("sso:provider:*", true),
            ("sso:*:edit", true),
            ("*:*:*", true),
            ("sso:prov*:edit", false),
            ("SSO:provider:edit", false),
            ("sso:provider", false),
            ("sso:provider:edit:x", false),
            ("sso::edit", false),
            ("sso:provider:view", false),
        ];
        for (granted, expected) in cases {
            assert_eq!(
                role_grants(&role(&[granted], vec![]), SSO_PROVIDER_EDIT),
                expected,
                "granted `{granted}`"
            );
        }
    }

    #[test]
    fn policy_form_wildcards() {
        assert!(role_grants(
            &role(&[], vec![policy("sso", "provider", &["edit"])]),
            "sso:provider:edit"
        ));
        assert!(role_grants(
            &role(&[], vec![policy("*", "provider", &["*"])]),
            "sso:provider:edit"
        ));
        assert!(role_grants(&role(&[], vec![policy("sso", "*", &["add"])]), "sso:provider:add"));
        assert!(!role_grants(
            &role(&[], vec![policy("sso", "provider", &[])]),
            "sso:provider:edit"
        ));
        assert!(!role_grants(
            &role(&[], vec![policy("sso", "provider", &["view"])]),
            "sso:provider:edit"
        ));
    }

    #[test]
    fn idp_admin_add_or_edit() {
        assert!(role_grants_idp_admin(&role(&["sso:provider:add"], vec![])));
        assert!(role_grants_idp_admin(&role(&["sso:provider:edit"], vec![])));
        assert!(!role_grants_idp_admin(&role(
            &["sso:provider:view", "sso:provider:delete"],
            vec![]
        )));
    }
}
