//! The desired change: what the operator asks for, as the rules read it.

use std::collections::BTreeSet;

use cutover_api::ProviderType;
use cutover_saml::{IdpMetadata, MetadataError};
use serde::{Deserialize, Serialize};

use crate::error::PolicyError;
use crate::finding::RuleId;

/// Default of `--cert-warn-days`.
pub const DEFAULT_CERT_WARN_DAYS: u32 = 30;

/// Everything the operator asks for in `plan` or `apply`.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredChange {
    /// The provider type to configure (`--provider`).
    pub provider: ProviderType,
    /// Display name of the provider (`--name`).
    pub name: Option<String>,
    /// The parsed metadata, or why it could not be read.
    pub metadata: Result<IdpMetadata, MetadataError>,
    /// Whether native login is to be disabled (`--disable-native-login`).
    pub disable_native_login: bool,
    /// Client IDs given with `--break-glass-client`; repeats count once.
    pub break_glass_clients: Vec<String>,
    /// The IdP user list (`--idp-users`), when one was given.
    pub idp_users: Option<IdpUserList>,
    /// Waivers (`--accept RULE --reason TEXT`).
    pub waivers: Vec<Waiver>,
    /// Whether `warn` findings block too (`--strict`).
    pub strict: bool,
    /// Days before `notAfter` at which `cert-expires-soon` fires; 0 turns the
    /// rule off.
    pub cert_warn_days: u32,
}

impl DesiredChange {
    /// Creates a change that configures `provider` from `metadata` with every
    /// option at its default.
    pub fn new(provider: ProviderType, metadata: Result<IdpMetadata, MetadataError>) -> Self {
        DesiredChange {
            provider,
            name: None,
            metadata,
            disable_native_login: false,
            break_glass_clients: Vec::new(),
            idp_users: None,
            waivers: Vec::new(),
            strict: false,
            cert_warn_days: DEFAULT_CERT_WARN_DAYS,
        }
    }

    /// Returns the named break-glass client IDs without repeats, in the order
    /// first given.
    pub fn named_break_glass_clients(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.break_glass_clients.iter().map(String::as_str).filter(|id| seen.insert(*id)).collect()
    }

    /// Checks every waiver: the rule must be waivable and the reason present.
    pub fn validate_waivers(&self) -> Result<(), PolicyError> {
        for waiver in &self.waivers {
            waiver.validate()?;
        }
        Ok(())
    }
}

/// A waived rule with the operator's reason, kept in the plan and the backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    /// The waived rule.
    pub rule: RuleId,
    /// The operator's reason for accepting the risk.
    pub reason: String,
}

impl Waiver {
    /// Parses `--accept RULE --reason TEXT`. Fails for an unknown rule, a rule
    /// that cannot be waived, and a missing or blank reason.
    pub fn parse(rule: &str, reason: Option<&str>) -> Result<Waiver, PolicyError> {
        let rule: RuleId = rule.trim().parse()?;
        let waiver = Waiver { rule, reason: reason.unwrap_or_default().trim().to_owned() };
        waiver.validate()?;
        Ok(waiver)
    }

    /// Checks that the rule is waivable and the reason is not blank.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if !self.rule.is_waivable() {
            return Err(PolicyError::NotWaivable { rule: self.rule });
        }
        if self.reason.trim().is_empty() {
            return Err(PolicyError::MissingReason { rule: self.rule });
        }
        Ok(())
    }
}

/// Normalizes an email for comparison: surrounding whitespace trimmed, then
/// Unicode lowercase. Every email comparison of the rules goes through this.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The people who exist in the IdP, as normalized emails (`--idp-users`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdpUserList {
    emails: BTreeSet<String>,
}

impl IdpUserList {
    /// Parses a list of one email per line. A leading byte-order mark, a CR
    /// before LF, blank lines and lines starting with `#` are ignored. Emails
    /// are normalized with [`normalize_email`], and repeats count once.
    pub fn parse(text: &str) -> IdpUserList {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let emails = text
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line).trim())
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(normalize_email)
            .collect();
        IdpUserList { emails }
    }

    /// Parses the bytes of a list file, which must be UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Result<IdpUserList, PolicyError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|error| PolicyError::IdpUsersNotUtf8 { offset: error.valid_up_to() })?;
        Ok(IdpUserList::parse(text))
    }

    /// Builds a list from emails, normalizing each; blank entries are dropped.
    pub fn from_emails<I, S>(emails: I) -> IdpUserList
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let emails = emails
            .into_iter()
            .map(|email| normalize_email(email.as_ref()))
            .filter(|email| !email.is_empty())
            .collect();
        IdpUserList { emails }
    }

    /// Tells whether `email` (normalized first) is in the list.
    pub fn contains(&self, email: &str) -> bool {
        self.emails.contains(&normalize_email(email))
    }

    /// Returns the normalized emails in sorted order.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.emails.iter().map(String::as_str)
    }

    /// Returns how many distinct emails the list has.
    pub fn len(&self) -> usize {
        self.emails.len()
    }

    /// Tells whether the list has no email.
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_list_ignores_bom_crlf_comments() {
        let list = IdpUserList::parse(
            "\u{feff}# exported from the IdP\r\nDana.Reyes@Example.com\r\n\r\n  lee@example.com  \n\
             #lee2@example.com\nLEE@example.com\n   \n",
        );
        let emails: Vec<&str> = list.emails().collect();
        assert_eq!(emails, ["dana.reyes@example.com", "lee@example.com"]);
        assert!(list.contains("  DANA.REYES@example.COM "));
        assert!(!list.contains("lee2@example.com"));
    }

    #[test]
    fn user_list_lowercases_unicode() {
        let list = IdpUserList::parse("ÅSA@Example.SE\n");
        assert!(list.contains("åsa@example.se"));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn user_list_rejects_non_utf8() {
        let error = IdpUserList::parse_bytes(b"a@example.com\n\xff\n").unwrap_err();
        assert!(matches!(error, PolicyError::IdpUsersNotUtf8 { offset: 14 }), "{error}");
    }

    #[test]
    fn waiver_parse_checks_rule_and_reason() {
        let waiver = Waiver::parse("admin-not-in-idp", Some(" contractor ")).unwrap();
        assert_eq!(waiver.rule, RuleId::AdminNotInIdp);
        assert_eq!(waiver.reason, "contractor");

        let error = Waiver::parse("break-glass-missing", Some("x")).unwrap_err();
        assert!(matches!(error, PolicyError::NotWaivable { rule: RuleId::BreakGlassMissing }));
        assert!(error.to_string().contains("`break-glass-missing`"), "{error}");

        let error = Waiver::parse("users-not-in-idp", None).unwrap_err();
        assert!(matches!(error, PolicyError::MissingReason { rule: RuleId::UsersNotInIdp }));
        assert!(error.to_string().contains("`users-not-in-idp`"), "{error}");

        let error = Waiver::parse("users-not-in-idp", Some("  ")).unwrap_err();
        assert!(matches!(error, PolicyError::MissingReason { .. }));

        let error = Waiver::parse("no-such-rule", Some("x")).unwrap_err();
        assert!(matches!(error, PolicyError::UnknownRule { .. }));
    }

    #[test]
    fn named_clients_count_once() {
        let mut change = DesiredChange::new(ProviderType::Generic, Err(MetadataError::Dtd));
        change.break_glass_clients = vec!["b".into(), "a".into(), "b".into()];
        assert_eq!(change.named_break_glass_clients(), ["b", "a"]);
    }
}
