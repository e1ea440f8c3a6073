//! Property tests: evaluation never panics, is deterministic, and keeps the
//! invariants of the catalog over generated orgs and changes.

use cutover_api::models::PermissionPolicy;
use cutover_api::{
    Grant, IdentityProvider, OAuthClient, OrgState, Organization, ProviderType, Role, RoleDivision,
    User,
};
use cutover_policy::{
    DesiredChange, IdpUserList, PolicyError, RuleId, Waiver, evaluate, state_fingerprint,
};
use cutover_saml::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, IdpMetadata, KeyType, MetadataError,
    ValidUntil,
};
use proptest::prelude::*;
use proptest::sample::select;

use crate::support::*;

const PERMISSIONS: &[&str] = &[
    "sso:provider:edit",
    "sso:provider:add",
    "sso:provider:view",
    "sso:*:*",
    "*:*:*",
    "sso:prov*:edit",
    "routing:queue:view",
    "sso:provider",
    "",
];
const GRANTS: &[&str] =
    &["CLIENT-CREDENTIALS", "PASSWORD", "SAML2-BEARER", "CODE", "TOKEN", "client-credentials", ""];
const STATES: &[Option<&str>] =
    &[None, Some("active"), Some("inactive"), Some("disabled"), Some("deleted"), Some("Active")];
const EMAILS: &[Option<&str>] = &[
    None,
    Some("dana@example.com"),
    Some(" DANA@example.com "),
    Some("lee@example.com"),
    Some("Åsa@example.se"),
    Some(""),
    Some("sam@example.com"),
];
const LIST_LINES: &[&str] = &[
    "dana@example.com",
    "LEE@EXAMPLE.COM",
    "åsa@example.se",
    "# comment",
    "",
    "  sam@example.com\r",
];

fn role_strategy(index: usize) -> impl Strategy<Value = Role> {
    (
        prop::collection::vec(select(PERMISSIONS), 0..3),
        prop::option::of((
            select(&["sso", "*", "routing"][..]),
            select(&["provider", "*", "queue"][..]),
            prop::collection::vec(select(&["edit", "add", "view", "*"][..]), 0..3),
        )),
    )
        .prop_map(move |(permissions, policy)| Role {
            id: format!("r{index}"),
            name: format!("Role {index}"),
            permissions: permissions.into_iter().map(str::to_owned).collect(),
            permission_policies: policy
                .into_iter()
                .map(|(domain, entity, actions)| PermissionPolicy {
                    domain: domain.into(),
                    entity_name: entity.into(),
                    action_set: actions.into_iter().map(str::to_owned).collect(),
                    ..PermissionPolicy::default()
                })
                .collect(),
            ..Role::default()
        })
}

fn role_ids() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((0..6usize).prop_map(|i| format!("r{i}")), 0..3)
}

fn client_strategy(index: usize) -> impl Strategy<Value = OAuthClient> {
    (select(GRANTS), select(STATES), prop::option::of(role_ids()), prop::option::of(role_ids()))
        .prop_map(move |(grant, state, divisions, legacy)| OAuthClient {
            id: format!("c{index}"),
            name: format!("Client {index}"),
            authorized_grant_type: (!grant.is_empty()).then(|| grant.to_owned()),
            state: state.map(str::to_owned),
            role_divisions: divisions.map(|ids| {
                ids.into_iter()
                    .map(|role_id| RoleDivision { role_id, division_id: "*".into() })
                    .collect()
            }),
            role_ids: legacy,
            ..OAuthClient::default()
        })
}

fn user_strategy(index: usize) -> impl Strategy<Value = User> {
    (select(EMAILS), select(STATES)).prop_map(move |(email, state)| User {
        id: format!("u{index}"),
        name: format!("User {index}"),
        email: email.map(str::to_owned),
        state: state.map(str::to_owned),
        ..User::default()
    })
}

fn indexed<T: std::fmt::Debug>(
    max: usize,
    make: fn(usize) -> BoxedStrategy<T>,
) -> impl Strategy<Value = Vec<T>> {
    (0..=max).prop_flat_map(move |count| (0..count).map(make).collect::<Vec<_>>())
}

fn certificate_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..6usize).prop_map(|i| Cert::new(i).base64()),
        (0..6usize).prop_map(|i| {
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
                Cert::new(i).base64()
            )
        }),
        Just("bm90IGEgY2VydGlmaWNhdGU=".to_owned()),
    ]
}

fn provider_strategy() -> impl Strategy<Value = IdentityProvider> {
    (
        prop::option::of(any::<bool>()),
        prop::option::of(select(
            &[ENTITY_ID, "https://idp.example.com/entity/", "https://old"][..],
        )),
        prop::option::of(select(
            &[SSO_URL, "HTTPS://idp.example.com/sso/redirect", SSO_POST_URL][..],
        )),
        prop::option::of(prop::collection::vec(certificate_text(), 0..3)),
        prop::option::of(certificate_text()),
    )
        .prop_map(|(disabled, issuer, sso, certificates, certificate)| IdentityProvider {
            disabled,
            issuer_uri: issuer.map(str::to_owned),
            sso_target_uri: sso.map(str::to_owned),
            certificates,
            certificate,
            ..IdentityProvider::default()
        })
}

fn org_strategy() -> impl Strategy<Value = OrgState> {
    (
        indexed(6, |i| role_strategy(i).boxed()),
        indexed(8, |i| client_strategy(i).boxed()),
        indexed(10, |i| user_strategy(i).boxed()),
        prop::collection::vec((0..12usize, 0..7usize), 0..16),
        prop::option::of(provider_strategy()),
        prop::option::of(prop::option::of(any::<bool>())),
    )
        .prop_map(|(roles, oauth_clients, users, grants, generic, purecloud)| {
            let mut state = OrgState {
                organization: Organization { id: "org".into(), ..Organization::default() },
                roles,
                oauth_clients,
                users,
                grants: grants
                    .into_iter()
                    .map(|(user, role)| Grant {
                        subject_id: format!("u{user}"),
                        role_id: format!("r{role}"),
                        division_id: None,
                    })
                    .collect(),
                ..OrgState::default()
            };
            if let Some(generic) = generic {
                state.identity_providers.insert(ProviderType::Generic, generic);
            }
            if let Some(disabled) = purecloud {
                state.identity_providers.insert(
                    ProviderType::Purecloud,
                    IdentityProvider { disabled, ..Default::default() },
                );
            }
            state
        })
}

fn cert_strategy() -> impl Strategy<Value = Cert> {
    (
        0..6usize,
        -400i64..400,
        -400i64..400,
        select(
            &[
                (KeyType::Rsa, 2048),
                (KeyType::Rsa, 1024),
                (KeyType::Ec, 256),
                (KeyType::Ec, 224),
                (KeyType::Ed25519, 256),
            ][..],
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(index, from_days, length_days, (key_type, bits), ca, sha1)| {
            let not_before = now() + days(from_days);
            let mut cert = Cert::new(index)
                .not_before(not_before)
                .not_after(not_before + days(length_days))
                .key(key_type, bits);
            if ca {
                cert = cert.ca();
            }
            if sha1 {
                cert = cert.sha1();
            }
            cert
        })
}

fn metadata_strategy() -> impl Strategy<Value = Result<IdpMetadata, MetadataError>> {
    let parsed = (
        prop::collection::vec(cert_strategy(), 0..4),
        0..3usize,
        prop::collection::vec(
            (
                select(&[BINDING_HTTP_REDIRECT, BINDING_HTTP_POST, BINDING_SOAP][..]),
                select(&[SSO_URL, "http://idp.example.com/sso", ""][..]),
            ),
            0..3,
        ),
        prop::option::of(prop::option::of(-5i64..5)),
    )
        .prop_map(|(certs, unreadable, services, valid_until)| {
            let refs: Vec<&Cert> = certs.iter().collect();
            let mut metadata = metadata(&refs);
            for index in 0..unreadable {
                metadata.signing_certificates.push(unreadable_entry(&format!("bad{}", index % 2)));
            }
            metadata.sso_services = services
                .into_iter()
                .map(|(binding, location)| endpoint(binding, location))
                .collect();
            if let Some(offset) = valid_until {
                metadata.valid_until = vec![ValidUntil {
                    element: "EntityDescriptor".into(),
                    text: "generated".into(),
                    instant: offset.map(|days_from_now| now() + days(days_from_now)),
                }];
            }
            Ok(metadata)
        });
    prop_oneof![
        4 => parsed,
        1 => Just(Err(MetadataError::Dtd)),
        1 => Just(Err(MetadataError::Unreadable { reason: "bad".into() })),
        1 => Just(Err(MetadataError::NotIdp { reason: "root".into() })),
        1 => Just(Err(MetadataError::MultipleIdps { entity_ids: vec!["a".into(), "b".into()] })),
    ]
}

const WAIVABLE: &[RuleId] = &[
    RuleId::PasswordGrantClient,
    RuleId::AdminNotInIdp,
    RuleId::UsersNotInIdp,
    RuleId::NativeLoginSameRun,
    RuleId::Saml2BearerClient,
];

fn change_strategy() -> impl Strategy<Value = DesiredChange> {
    (
        metadata_strategy(),
        select(&[ProviderType::Generic, ProviderType::Okta][..]),
        any::<bool>(),
        prop::collection::vec((0..10usize).prop_map(|i| format!("c{i}")), 0..3),
        prop::option::of(prop::collection::vec(select(LIST_LINES), 0..5)),
        prop::collection::vec(select(WAIVABLE), 0..3),
        any::<bool>(),
        select(&[0u32, 1, 30, 400][..]),
    )
        .prop_map(|(metadata, provider, disable, named, list, waivers, strict, warn_days)| {
            let mut change = DesiredChange::new(provider, metadata);
            change.disable_native_login = disable;
            change.break_glass_clients = named;
            change.idp_users = list.map(|lines| IdpUserList::parse(&lines.join("\n")));
            change.waivers = waivers
                .into_iter()
                .map(|rule| Waiver { rule, reason: "generated".into() })
                .collect();
            change.strict = strict;
            change.cert_warn_days = warn_days;
            change
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_deterministic_and_consistent(state in org_strategy(), change in change_strategy()) {
        let first = evaluate(&state, &change, now()).unwrap();
        let second = evaluate(&state, &change, now()).unwrap();
        prop_assert_eq!(&first, &second);

        // Sorted by severity, rule, subject, with no repeats.
        for pair in first.findings.windows(2) {
            let key = |f: &cutover_policy::Finding| (f.severity, f.rule.as_str().to_owned(), f.subject.clone());
            prop_assert!(key(&pair[0]) < key(&pair[1]), "out of order: {:?}", pair);
        }
        prop_assert_eq!(first.blocked, first.findings.iter().any(|f| f.blocks(change.strict)));
        for finding in &first.findings {
            prop_assert_eq!(finding.waived, change.waivers.iter().any(|w| w.rule == finding.rule));
        }

        let numbers: Vec<u8> = first.stages.iter().map(|stage| stage.stage).collect();
        prop_assert!(matches!(numbers.as_slice(), [] | [1 | 2] | [1, 2]), "{:?}", numbers);
        let same_run = first.findings.iter().any(|f| f.rule == RuleId::NativeLoginSameRun);
        prop_assert_eq!(same_run, numbers == [1, 2]);
        if change.metadata.is_err() {
            prop_assert!(!numbers.contains(&1));
            prop_assert!(first.provider_body.is_none());
        }
    }

    #[test]
    fn order_of_org_lists_does_not_matter(state in org_strategy(), change in change_strategy()) {
        let mut shuffled = state.clone();
        shuffled.users.reverse();
        shuffled.oauth_clients.reverse();
        shuffled.roles.reverse();
        shuffled.grants.reverse();
        let original = evaluate(&state, &change, now()).unwrap();
        let reordered = evaluate(&shuffled, &change, now()).unwrap();
        prop_assert_eq!(original.findings, reordered.findings);
        prop_assert_eq!(original.stages, reordered.stages);
        prop_assert_eq!(state_fingerprint(&state), state_fingerprint(&shuffled));
    }

    #[test]
    fn unknown_entity_always_input_error(state in org_strategy()) {
        let change = change_err(MetadataError::UnknownEntityId { requested: "x".into(), available: vec![] });
        let is_entity_error = matches!(evaluate(&state, &change, now()), Err(PolicyError::UnknownEntityId { .. }));
        prop_assert!(is_entity_error);
    }
}

proptest! {
    #[test]
    fn user_list_contains_every_line(lines in prop::collection::vec("[ \\t]{0,2}[A-Za-zÀ-ÿ0-9.#@]{0,12}[ \\t]{0,2}", 0..8), crlf in any::<bool>(), bom in any::<bool>()) {
        let separator = if crlf { "\r\n" } else { "\n" };
        let text = format!("{}{}", if bom { "\u{feff}" } else { "" }, lines.join(separator));
        let list = IdpUserList::parse(&text);
        for line in &lines {
            let trimmed = line.trim();
            let expected = !trimmed.is_empty() && !trimmed.starts_with('#');
            prop_assert_eq!(list.contains(line), expected, "line {:?}", line);
            if expected {
                prop_assert!(list.contains(&trimmed.to_ascii_uppercase()));
            }
        }
        prop_assert!(list.len() <= lines.len());
    }
}
