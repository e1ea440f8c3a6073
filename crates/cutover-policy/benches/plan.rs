//! Plans a cutover for a large org: 100,000 users, 2,000 OAuth clients and
//! 500 roles, with a generated metadata value holding two certificates.
//!
//! `evaluate` runs every rule; `plan_document` adds the state fingerprint and
//! the plan document, which is what `sso-cutover plan` does after reading the
//! org.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use cutover_api::models::{GRANT_CLIENT_CREDENTIALS, GRANT_CODE, GRANT_PASSWORD, PermissionPolicy};
use cutover_api::{
    Grant, IdentityProvider, OAuthClient, OrgState, Organization, ProviderType, Role, RoleDivision,
    User,
};
use cutover_policy::{DesiredChange, IdpUserList, PlanDocument, PlanSource, evaluate};
use cutover_saml::{
    BINDING_HTTP_REDIRECT, CertificateInfo, Endpoint, IdpMetadata, KeyType, SigningCertificate,
};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

const USERS: usize = 100_000;
const CLIENTS: usize = 2_000;
const ROLES: usize = 500;
const ADMIN_ROLES: usize = 10;

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

fn certificate(index: usize) -> SigningCertificate {
    let name = format!("idp-{index}.example.com");
    let der = rcgen::generate_simple_self_signed(vec![name.clone()]).unwrap().cert.der().to_vec();
    let sha256 = hex::encode(Sha256::digest(&der));
    let text = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&der)
    };
    SigningCertificate {
        text_sha256: hex::encode(Sha256::digest(text.as_bytes())),
        text,
        unwrapped_from_pem: false,
        parsed: Ok(CertificateInfo {
            der,
            sha256,
            subject: format!("CN={name}"),
            issuer: format!("CN={name}"),
            not_before: now() - SignedDuration::from_hours(24 * 300),
            not_after: now() + SignedDuration::from_hours(24 * (20 + 400 * index as i64)),
            key_type: KeyType::Rsa,
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            weak_signature_hash: false,
            is_ca: false,
        }),
    }
}

fn metadata() -> IdpMetadata {
    let entity_id = "https://login.example.com/saml/metadata".to_owned();
    IdpMetadata {
        entity_ids: vec![entity_id.clone()],
        entity_id,
        sso_services: vec![Endpoint {
            binding: BINDING_HTTP_REDIRECT.into(),
            location: "https://login.example.com/saml/sso".into(),
        }],
        slo_services: Vec::new(),
        name_id_formats: Vec::new(),
        want_authn_requests_signed: Some(true),
        valid_until: Vec::new(),
        signing_certificates: vec![certificate(0), certificate(1)],
        signed: true,
    }
}

fn org() -> OrgState {
    let roles = (0..ROLES)
        .map(|index| {
            let id = format!("role-{index:04}");
            if index < ADMIN_ROLES {
                Role { id, permissions: vec!["sso:provider:*".into()], ..Role::default() }
            } else {
                Role {
                    id,
                    permissions: vec![
                        format!("routing:queue{index}:view"),
                        "analytics:*:view".into(),
                    ],
                    permission_policies: vec![PermissionPolicy {
                        domain: "directory".into(),
                        entity_name: "user".into(),
                        action_set: vec!["view".into(), "edit".into()],
                        ..PermissionPolicy::default()
                    }],
                    ..Role::default()
                }
            }
        })
        .collect();

    let grant_types =
        [GRANT_CLIENT_CREDENTIALS, GRANT_CODE, GRANT_PASSWORD, "TOKEN", "SAML2-BEARER"];
    let oauth_clients = (0..CLIENTS)
        .map(|index| OAuthClient {
            id: format!("client-{index:05}"),
            name: format!("Integration {index}"),
            authorized_grant_type: Some(grant_types[index % grant_types.len()].into()),
            state: Some(if index % 7 == 0 { "inactive" } else { "active" }.into()),
            role_divisions: Some(vec![RoleDivision {
                role_id: format!("role-{:04}", index % ROLES),
                division_id: "home".into(),
            }]),
            ..OAuthClient::default()
        })
        .collect();

    let users: Vec<User> = (0..USERS)
        .map(|index| User {
            id: format!("user-{index:06}"),
            name: format!("User {index}"),
            email: Some(format!("User.{index}@Example.com")),
            state: Some(if index % 20 == 0 { "inactive" } else { "active" }.into()),
            ..User::default()
        })
        .collect();
    let grants = users
        .iter()
        .enumerate()
        .map(|(index, user)| Grant {
            subject_id: user.id.clone(),
            role_id: format!("role-{:04}", index % ROLES),
            division_id: Some("home".into()),
        })
        .collect();

    let mut state = OrgState {
        organization: Organization {
            id: "org-bench".into(),
            name: "Bench".into(),
            ..Organization::default()
        },
        oauth_clients,
        roles,
        users,
        grants,
        ..OrgState::default()
    };
    state.identity_providers.insert(
        ProviderType::Purecloud,
        IdentityProvider { disabled: Some(false), ..IdentityProvider::default() },
    );
    state
}

fn change() -> DesiredChange {
    let mut change = DesiredChange::new(ProviderType::Generic, Ok(metadata()));
    change.disable_native_login = true;
    // Everyone but every 50th user is in the IdP.
    let emails: Vec<String> = (0..USERS)
        .filter(|index| index % 50 != 0)
        .map(|index| format!("user.{index}@example.com"))
        .collect();
    change.idp_users = Some(IdpUserList::parse(&emails.join("\n")));
    change
}

fn bench(criterion: &mut Criterion) {
    let state = org();
    let change = change();
    let mut group = criterion.benchmark_group("plan_100k_users");
    group.sample_size(10);
    group.bench_function("evaluate", |bencher| {
        bencher.iter(|| evaluate(black_box(&state), black_box(&change), now()).unwrap());
    });
    group.bench_function("plan_document", |bencher| {
        bencher.iter(|| {
            let evaluation = evaluate(black_box(&state), black_box(&change), now()).unwrap();
            let source = PlanSource {
                created_at: now(),
                region: "us-east-1",
                entity_id: None,
                metadata: b"<EntityDescriptor/>",
            };
            PlanDocument::new(&evaluation, &state, &change, &source)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
