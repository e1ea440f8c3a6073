//! Rule IDs, severities and findings, in the shapes of the plan JSON.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::PolicyError;

macro_rules! rule_ids {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// A rule of the catalog, serialized as its kebab-case ID.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($(#[$doc])* $variant,)*
        }

        impl RuleId {
            /// Every rule, in catalog order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// Returns the rule ID, such as `break-glass-missing`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $text,)*
                }
            }
        }
    };
}

rule_ids! {
    /// No qualifying break-glass client exists.
    BreakGlassMissing => "break-glass-missing",
    /// A named break-glass client's grant type is not `CLIENT-CREDENTIALS`.
    BreakGlassWrongGrant => "break-glass-wrong-grant",
    /// A named break-glass client is not active.
    BreakGlassInactive => "break-glass-inactive",
    /// A named break-glass client has no role that grants the IdP admin permission.
    BreakGlassNoIdpPermission => "break-glass-no-idp-permission",
    /// A named break-glass client does not exist.
    BreakGlassUnknown => "break-glass-unknown",
    /// Exactly one qualifying break-glass client exists.
    BreakGlassSingle => "break-glass-single",
    /// An active client uses the `PASSWORD` grant.
    PasswordGrantClient => "password-grant-client",
    /// An active client uses the `SAML2-BEARER` grant.
    Saml2BearerClient => "saml2bearer-client",
    /// An active client uses the `CODE` or `TOKEN` grant.
    UserLoginClient => "user-login-client",
    /// The metadata is empty, not UTF-8 or not well-formed XML.
    MetadataUnreadable => "metadata-unreadable",
    /// The metadata contains a DOCTYPE.
    MetadataDtd => "metadata-dtd",
    /// The metadata has no `IDPSSODescriptor`.
    MetadataNotIdp => "metadata-not-idp",
    /// Several entities are IdPs and none was picked.
    MetadataMultipleIdps => "metadata-multiple-idps",
    /// No SSO service with the HTTP-Redirect or HTTP-POST binding.
    MetadataNoSsoService => "metadata-no-sso-service",
    /// The chosen SSO location is not `https://`.
    MetadataSsoNotHttps => "metadata-sso-not-https",
    /// The IdP lists no signing certificate.
    MetadataNoSigningCert => "metadata-no-signing-cert",
    /// A `validUntil` is in the past or cannot be read.
    MetadataExpired => "metadata-expired",
    /// A signing certificate does not parse.
    CertUnreadable => "cert-unreadable",
    /// A signing certificate's `notAfter` is in the past.
    CertExpired => "cert-expired",
    /// A signing certificate's `notBefore` is in the future.
    CertNotYetValid => "cert-not-yet-valid",
    /// A signing certificate expires within the warning window.
    CertExpiresSoon => "cert-expires-soon",
    /// A signing certificate has a weak key.
    CertWeakKey => "cert-weak-key",
    /// A signing certificate is signed with SHA-1 or weaker.
    CertSha1 => "cert-sha1",
    /// A signing certificate is a CA certificate.
    CertIsCa => "cert-is-ca",
    /// Native login is to be disabled and no IdP user list was given.
    IdpUsersUnknown => "idp-users-unknown",
    /// An admin user's email is not in the IdP user list.
    AdminNotInIdp => "admin-not-in-idp",
    /// No admin user's email is in the IdP user list.
    NoAdminInIdp => "no-admin-in-idp",
    /// Active non-admin users are missing from the IdP user list.
    UsersNotInIdp => "users-not-in-idp",
    /// The target provider exists with a different issuer, SSO URL or certificates.
    ProviderReplaced => "provider-replaced",
    /// Native login is already disabled.
    NativeLoginAlreadyDisabled => "native-login-already-disabled",
    /// The plan configures the provider and disables native login in one run.
    NativeLoginSameRun => "native-login-same-run",
}

impl RuleId {
    /// Tells whether `--accept RULE --reason TEXT` may waive this rule.
    pub fn is_waivable(self) -> bool {
        matches!(
            self,
            RuleId::PasswordGrantClient
                | RuleId::AdminNotInIdp
                | RuleId::UsersNotInIdp
                | RuleId::NativeLoginSameRun
                | RuleId::Saml2BearerClient
        )
    }
}

/// Rule IDs order as their text compared as bytes, the order findings of one
/// severity are listed in.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().as_bytes().cmp(other.as_str().as_bytes())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleId {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|rule| rule.as_str() == text)
            .ok_or_else(|| PolicyError::UnknownRule { rule: text.to_owned() })
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How much a finding matters. The derived order (block, warn, info) is the
/// order findings are listed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops `apply`.
    Block,
    /// Shown; stops `apply` under `--strict`.
    Warn,
    /// Shown only.
    Info,
}

impl Severity {
    /// Returns `block`, `warn` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Block => "block",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One result of a rule, as the plan JSON lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule that fired.
    pub rule: RuleId,
    /// Its severity. `--strict` does not change it: a strict plan is blocked
    /// by unwaived `warn` findings too.
    pub severity: Severity,
    /// The object it is about: `org`, `metadata`, `certificate:<sha256>`,
    /// `oauth-client:<id>`, `user:<id>` or `identity-provider:<kind>`.
    pub subject: String,
    /// The problem, naming the object.
    pub message: String,
    /// The action that resolves it.
    pub fix: String,
    /// Whether `--accept` waived it; a waived finding blocks nothing.
    pub waived: bool,
}

impl Finding {
    /// Creates an unwaived finding.
    pub fn new(
        rule: RuleId,
        severity: Severity,
        subject: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            subject: subject.into(),
            message: message.into(),
            fix: fix.into(),
            waived: false,
        }
    }

    /// Tells whether this finding stops `apply`: it is not waived, and it is
    /// `block`, or `warn` under strict mode.
    pub fn blocks(&self, strict: bool) -> bool {
        !self.waived
            && match self.severity {
                Severity::Block => true,
                Severity::Warn => strict,
                Severity::Info => false,
            }
    }
}

/// Sorts findings by severity (block, warn, info), then rule ID, then
/// subject, both compared as bytes, and drops repeats of a rule on a subject.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.subject.as_bytes().cmp(b.subject.as_bytes()))
    });
    findings
        .dedup_by(|later, earlier| later.rule == earlier.rule && later.subject == earlier.subject);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_round_trip() {
        for rule in RuleId::ALL {
            assert_eq!(rule.as_str().parse::<RuleId>().unwrap(), *rule);
            let json = serde_json::to_string(rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.as_str()));
        }
        assert_eq!(RuleId::ALL.len(), 31);
    }

    #[test]
    fn unknown_rule_id_rejected() {
        let error = "break-glass".parse::<RuleId>().unwrap_err();
        assert!(error.to_string().contains("`break-glass`"), "{error}");
    }

    #[test]
    fn waivable_rules_exactly_five() {
        let waivable: Vec<&str> =
            RuleId::ALL.iter().filter(|r| r.is_waivable()).map(|r| r.as_str()).collect();
        assert_eq!(
            waivable,
            [
                "password-grant-client",
                "saml2bearer-client",
                "admin-not-in-idp",
                "users-not-in-idp",
                "native-login-same-run"
            ]
        );
    }

    #[test]
    fn sort_orders_and_dedups() {
        let finding = |rule, severity, subject: &str| Finding::new(rule, severity, subject, "", "");
        let mut findings = vec![
            finding(RuleId::UserLoginClient, Severity::Info, "oauth-client:a"),
            finding(RuleId::CertExpired, Severity::Warn, "certificate:b"),
            finding(RuleId::BreakGlassUnknown, Severity::Block, "oauth-client:b"),
            finding(RuleId::BreakGlassMissing, Severity::Block, "org"),
            finding(RuleId::BreakGlassUnknown, Severity::Block, "oauth-client:B"),
            finding(RuleId::BreakGlassUnknown, Severity::Block, "oauth-client:b"),
        ];
        sort_findings(&mut findings);
        let order: Vec<(&str, &str)> =
            findings.iter().map(|f| (f.rule.as_str(), f.subject.as_str())).collect();
        assert_eq!(
            order,
            [
                ("break-glass-missing", "org"),
                ("break-glass-unknown", "oauth-client:B"),
                ("break-glass-unknown", "oauth-client:b"),
                ("cert-expired", "certificate:b"),
                ("user-login-client", "oauth-client:a"),
            ]
        );
    }

    #[test]
    fn strict_makes_warn_block() {
        let mut finding = Finding::new(RuleId::CertSha1, Severity::Warn, "x", "", "");
        assert!(!finding.blocks(false));
        assert!(finding.blocks(true));
        finding.waived = true;
        assert!(!finding.blocks(true));
        let info = Finding::new(RuleId::CertSha1, Severity::Info, "x", "", "");
        assert!(!info.blocks(true));
    }
}
