//! OAuth clients whose users or integrations the cutover affects.

use cutover_api::models::{GRANT_CODE, GRANT_PASSWORD, GRANT_SAML2_BEARER, GRANT_TOKEN};

use super::{OrgFacts, client_label, client_subject};
use crate::finding::{Finding, RuleId, Severity};

/// Evaluates `password-grant-client`, `saml2bearer-client` and
/// `user-login-client` over the active clients.
pub(crate) fn check(
    facts: &OrgFacts<'_>,
    disables_native_login: bool,
    findings: &mut Vec<Finding>,
) {
    for client in facts.state.oauth_clients.iter().filter(|client| client.is_active()) {
        let label = client_label(client);
        let subject = client_subject(&client.id);

        if client.has_grant(GRANT_PASSWORD) {
            let (severity, consequence) = if disables_native_login {
                (Severity::Block, "it stops working when this plan disables native login")
            } else {
                (Severity::Warn, "it will stop working once native login is disabled")
            };
            findings.push(Finding::new(
                RuleId::PasswordGrantClient,
                severity,
                subject,
                format!(
                    "OAuth client {label} uses the PASSWORD grant, which signs in with a Genesys \
                     Cloud username and password; {consequence}"
                ),
                "move the integration to a CLIENT-CREDENTIALS client, or accept the outage with \
                 `--accept password-grant-client --reason TEXT`",
            ));
        } else if client.has_grant(GRANT_SAML2_BEARER) {
            findings.push(Finding::new(
                RuleId::Saml2BearerClient,
                Severity::Warn,
                subject,
                format!(
                    "OAuth client {label} uses the SAML2-BEARER grant; after the cutover its \
                     assertions must be signed by the new IdP"
                ),
                "have the integration get its assertions from the new IdP, then accept with \
                 `--accept saml2bearer-client --reason TEXT`",
            ));
        } else if client.has_grant(GRANT_CODE) || client.has_grant(GRANT_TOKEN) {
            let grant = client.authorized_grant_type.as_deref().unwrap_or_default();
            findings.push(Finding::new(
                RuleId::UserLoginClient,
                Severity::Info,
                subject,
                format!(
                    "OAuth client {label} uses the {grant} grant; its users will sign in \
                     through the IdP"
                ),
                "tell the application's users that sign-in moves to the IdP; the client \
                 itself needs no change",
            ));
        }
    }
}
