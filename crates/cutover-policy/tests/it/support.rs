//! Builders for orgs, certificates and metadata used by every test module.

use std::sync::OnceLock;

use cutover_api::models::{GRANT_CLIENT_CREDENTIALS, PermissionPolicy};
use cutover_api::{
    Grant, IdentityProvider, OAuthClient, OrgState, Organization, ProviderType, Role, RoleDivision,
    User,
};
use cutover_policy::{DesiredChange, Evaluation, Finding, RuleId, Severity, evaluate};
use cutover_saml::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, CertificateInfo, Endpoint, IdpMetadata, KeyType,
    MetadataError, SigningCertificate,
};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

pub(crate) const ENTITY_ID: &str = "https://idp.example.com/entity";
pub(crate) const SSO_URL: &str = "https://idp.example.com/sso/redirect";
pub(crate) const SSO_POST_URL: &str = "https://idp.example.com/sso/post";
pub(crate) const SLO_URL: &str = "https://idp.example.com/slo";
pub(crate) const ADMIN_ROLE: &str = "role-sso-admin";
pub(crate) const AGENT_ROLE: &str = "role-agent";
pub(crate) const HOME: &str = "division-home";

/// Returns the fixed time every test evaluates at.
pub(crate) fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

pub(crate) fn days(count: i64) -> SignedDuration {
    SignedDuration::from_hours(count * 24)
}

/// Real DER certificates, generated once: the certificate decoder accepts
/// only X.509, so stored certificate text in tests must be real. Ed25519
/// keys from fixed seeds, fixed validity and a serial derived from the key
/// make every run produce the same bytes, so snapshots stay stable. The
/// facts the rules read come from [`Cert`], not from these bytes.
fn der_pool() -> &'static [Vec<u8>] {
    static POOL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    POOL.get_or_init(|| (0..8).map(fixed_certificate).collect())
}

fn fixed_certificate(index: u8) -> Vec<u8> {
    // PKCS#8 v1 wrapping of a raw Ed25519 seed (RFC 8410).
    let mut pkcs8 = hex::decode("302e020100300506032b657004220420").unwrap();
    pkcs8.extend([index + 1; 32]);
    let key = rcgen::KeyPair::try_from(pkcs8.as_slice()).unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::CommonName, format!("idp-{index}.example.com"));
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2030, 1, 1);
    params.self_signed(&key).unwrap().der().to_vec()
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A certificate's facts, built directly; `index` picks its DER from the pool.
#[derive(Clone, Debug)]
pub(crate) struct Cert(pub(crate) CertificateInfo);

impl Cert {
    pub(crate) fn new(index: usize) -> Cert {
        let der = der_pool()[index].clone();
        Cert(CertificateInfo {
            sha256: sha256_hex(&der),
            der,
            subject: format!("CN=idp-{index}.example.com"),
            issuer: format!("CN=idp-{index}.example.com"),
            not_before: now() - days(365),
            not_after: now() + days(365),
            key_type: KeyType::Rsa,
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            weak_signature_hash: false,
            is_ca: false,
        })
    }

    pub(crate) fn not_before(mut self, at: Timestamp) -> Cert {
        self.0.not_before = at;
        self
    }

    pub(crate) fn not_after(mut self, at: Timestamp) -> Cert {
        self.0.not_after = at;
        self
    }

    pub(crate) fn key(mut self, key_type: KeyType, bits: u32) -> Cert {
        self.0.key_type = key_type;
        self.0.key_bits = bits;
        self
    }

    pub(crate) fn sha1(mut self) -> Cert {
        self.0.signature_algorithm = "sha1WithRSAEncryption".into();
        self.0.weak_signature_hash = true;
        self
    }

    pub(crate) fn ca(mut self) -> Cert {
        self.0.is_ca = true;
        self
    }

    pub(crate) fn sha256(&self) -> &str {
        &self.0.sha256
    }

    pub(crate) fn base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.0.der)
    }

    pub(crate) fn subject(&self) -> String {
        format!("certificate:{}", self.0.sha256)
    }

    pub(crate) fn entry(&self) -> SigningCertificate {
        let text = self.base64();
        SigningCertificate {
            text_sha256: sha256_hex(text.as_bytes()),
            text,
            unwrapped_from_pem: false,
            parsed: Ok(self.0.clone()),
        }
    }
}

/// Builds a signing certificate entry whose text does not parse.
pub(crate) fn unreadable_entry(text: &str) -> SigningCertificate {
    SigningCertificate {
        text: text.to_owned(),
        text_sha256: sha256_hex(text.as_bytes()),
        unwrapped_from_pem: false,
        parsed: Err(cutover_saml::CertificateError::Base64("invalid symbol".into())),
    }
}

pub(crate) fn endpoint(binding: &str, location: &str) -> Endpoint {
    Endpoint { binding: binding.to_owned(), location: location.to_owned() }
}

/// Metadata of one IdP with an HTTP-Redirect and an HTTP-POST SSO service
/// and the given certificates.
pub(crate) fn metadata(certs: &[&Cert]) -> IdpMetadata {
    IdpMetadata {
        entity_id: ENTITY_ID.to_owned(),
        entity_ids: vec![ENTITY_ID.to_owned()],
        sso_services: vec![
            endpoint(BINDING_HTTP_POST, SSO_POST_URL),
            endpoint(BINDING_HTTP_REDIRECT, SSO_URL),
        ],
        slo_services: vec![endpoint(BINDING_HTTP_REDIRECT, SLO_URL)],
        name_id_formats: vec!["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()],
        want_authn_requests_signed: None,
        valid_until: Vec::new(),
        signing_certificates: certs.iter().map(|cert| cert.entry()).collect(),
        signed: false,
    }
}

pub(crate) fn role(id: &str, permissions: &[&str]) -> Role {
    Role {
        id: id.to_owned(),
        name: id.replace("role-", "").replace('-', " "),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        ..Role::default()
    }
}

pub(crate) fn policy_role(id: &str, domain: &str, entity: &str, actions: &[&str]) -> Role {
    Role {
        id: id.to_owned(),
        name: id.to_owned(),
        permission_policies: vec![PermissionPolicy {
            domain: domain.to_owned(),
            entity_name: entity.to_owned(),
            action_set: actions.iter().map(|a| (*a).to_owned()).collect(),
            ..PermissionPolicy::default()
        }],
        ..Role::default()
    }
}

pub(crate) fn client(id: &str, grant: &str, state: Option<&str>, roles: &[&str]) -> OAuthClient {
    OAuthClient {
        id: id.to_owned(),
        name: format!("{id} client"),
        authorized_grant_type: Some(grant.to_owned()),
        state: state.map(str::to_owned),
        role_divisions: Some(
            roles
                .iter()
                .map(|role| RoleDivision { role_id: (*role).to_owned(), division_id: HOME.into() })
                .collect(),
        ),
        ..OAuthClient::default()
    }
}

pub(crate) fn user(id: &str, name: &str, email: Option<&str>, state: &str) -> User {
    User {
        id: id.to_owned(),
        name: name.to_owned(),
        email: email.map(str::to_owned),
        username: email.map(str::to_owned),
        state: Some(state.to_owned()),
        ..User::default()
    }
}

pub(crate) fn grant(user: &str, role: &str) -> Grant {
    Grant { subject_id: user.to_owned(), role_id: role.to_owned(), division_id: Some(HOME.into()) }
}

/// Builds a healthy org: native login on, two qualifying break-glass clients, one
/// admin user (Dana) and two agents.
pub(crate) fn org() -> OrgState {
    let mut state = OrgState {
        organization: Organization {
            id: "org-1".into(),
            name: "Acme Support".into(),
            ..Organization::default()
        },
        oauth_clients: vec![
            client("bg-1", GRANT_CLIENT_CREDENTIALS, Some("active"), &[ADMIN_ROLE]),
            client("bg-2", GRANT_CLIENT_CREDENTIALS, None, &[ADMIN_ROLE]),
        ],
        roles: vec![
            role(ADMIN_ROLE, &["sso:provider:*"]),
            role(AGENT_ROLE, &["routing:queue:view"]),
        ],
        users: vec![
            user("u-dana", "Dana Reyes", Some("dana.reyes@example.com"), "active"),
            user("u-lee", "Lee Park", Some("lee.park@example.com"), "active"),
            user("u-sam", "Sam Ito", Some("sam.ito@example.com"), "active"),
        ],
        grants: vec![
            grant("u-dana", ADMIN_ROLE),
            grant("u-lee", AGENT_ROLE),
            grant("u-sam", AGENT_ROLE),
        ],
        ..OrgState::default()
    };
    state.identity_providers.insert(
        ProviderType::Purecloud,
        IdentityProvider {
            id: Some("pc-1".into()),
            name: Some("PureCloud".into()),
            disabled: Some(false),
            ..IdentityProvider::default()
        },
    );
    state
}

/// Builds a change that configures the generic provider from `metadata`.
pub(crate) fn change(metadata: IdpMetadata) -> DesiredChange {
    DesiredChange::new(ProviderType::Generic, Ok(metadata))
}

pub(crate) fn change_err(error: MetadataError) -> DesiredChange {
    DesiredChange::new(ProviderType::Generic, Err(error))
}

pub(crate) fn run(state: &OrgState, change: &DesiredChange) -> Evaluation {
    evaluate(state, change, now()).unwrap()
}

/// `(rule, subject)` of every finding, in order.
pub(crate) fn fired(evaluation: &Evaluation) -> Vec<(String, String)> {
    evaluation.findings.iter().map(|f| (f.rule.as_str().to_owned(), f.subject.clone())).collect()
}

/// Returns the findings of `rule`.
pub(crate) fn of_rule(evaluation: &Evaluation, rule: RuleId) -> Vec<&Finding> {
    evaluation.findings.iter().filter(|f| f.rule == rule).collect()
}

/// Returns the one finding of `rule`, failing the test unless there is
/// exactly one.
pub(crate) fn only(evaluation: &Evaluation, rule: RuleId) -> &Finding {
    let found = of_rule(evaluation, rule);
    assert_eq!(found.len(), 1, "expected one `{rule}` finding, got {:#?}", evaluation.findings);
    found[0]
}

pub(crate) fn has(evaluation: &Evaluation, rule: RuleId) -> bool {
    !of_rule(evaluation, rule).is_empty()
}

pub(crate) fn severity_of(evaluation: &Evaluation, rule: RuleId) -> Severity {
    only(evaluation, rule).severity
}
