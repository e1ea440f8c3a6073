//! Break-glass access: an OAuth client that can turn native login back on
//! when SSO fails.

use cutover_api::OAuthClient;
use cutover_api::models::GRANT_CLIENT_CREDENTIALS;

use super::{OrgFacts, client_label, client_subject};
use crate::finding::{Finding, RuleId, Severity};

const CREATE_COMMAND: &str = "`sso-cutover break-glass create --secret-out PATH`";

/// Evaluates the break-glass rules. `named` are the `--break-glass-client`
/// IDs without repeats; when empty, every client of the org is a candidate.
pub(crate) fn check(facts: &OrgFacts<'_>, named: &[&str], findings: &mut Vec<Finding>) {
    let clients = &facts.state.oauth_clients;
    let mut candidates: Vec<&OAuthClient> = Vec::new();

    if named.is_empty() {
        candidates.extend(clients.iter());
    } else {
        for id in named {
            match clients.iter().find(|client| client.id == *id) {
                Some(client) => {
                    check_named(facts, client, findings);
                    candidates.push(client);
                }
                None => findings.push(Finding::new(
                    RuleId::BreakGlassUnknown,
                    Severity::Block,
                    client_subject(id),
                    format!("break-glass client `{id}` does not exist in the org"),
                    format!(
                        "check the client ID with `sso-cutover inventory`, or create a client \
                         with {CREATE_COMMAND}"
                    ),
                )),
            }
        }
    }

    let qualifying: Vec<&OAuthClient> =
        candidates.into_iter().filter(|client| facts.qualifies_as_break_glass(client)).collect();
    let scope = if named.is_empty() {
        "no OAuth client of the org".to_owned()
    } else {
        let ids: Vec<String> = named.iter().map(|id| format!("`{id}`")).collect();
        format!("none of the named break-glass clients ({})", ids.join(", "))
    };

    match qualifying.as_slice() {
        [] => findings.push(Finding::new(
            RuleId::BreakGlassMissing,
            Severity::Block,
            "org",
            format!(
                "{scope} is an active CLIENT-CREDENTIALS client with a role that grants \
                 `sso:provider:edit` or `sso:provider:add`, so nothing could turn native login \
                 back on if SSO sign-in fails"
            ),
            format!(
                "create one with {CREATE_COMMAND} and keep its secret offline, or name a \
                 qualifying client with `--break-glass-client ID`"
            ),
        )),
        [only] => findings.push(Finding::new(
            RuleId::BreakGlassSingle,
            Severity::Warn,
            client_subject(&only.id),
            format!(
                "only one client can serve as break-glass access: {}; if it is deleted, \
                 disabled or its secret is lost, native login cannot be turned back on",
                client_label(only)
            ),
            format!(
                "create a second one with {CREATE_COMMAND} and keep the two secrets in separate \
                 places"
            ),
        )),
        _ => {}
    }
}

/// Checks a named client that exists. The three checks are independent, so
/// one client can fail all three.
fn check_named(facts: &OrgFacts<'_>, client: &OAuthClient, findings: &mut Vec<Finding>) {
    let label = client_label(client);
    let subject = client_subject(&client.id);

    if !client.has_grant(GRANT_CLIENT_CREDENTIALS) {
        let grant = client.authorized_grant_type.as_deref().unwrap_or("none");
        findings.push(Finding::new(
            RuleId::BreakGlassWrongGrant,
            Severity::Block,
            subject.clone(),
            format!(
                "break-glass client {label} has grant type `{grant}`; only a \
                 `CLIENT-CREDENTIALS` client gets a token without anyone signing in"
            ),
            format!(
                "name a CLIENT-CREDENTIALS client instead, or create one with {CREATE_COMMAND}"
            ),
        ));
    }
    if !client.is_active() {
        let state = client.state.as_deref().unwrap_or("active");
        findings.push(Finding::new(
            RuleId::BreakGlassInactive,
            Severity::Block,
            subject.clone(),
            format!("break-glass client {label} is in state `{state}` and gets no tokens"),
            "set the client's state to `active`, or name another client",
        ));
    }
    if !facts.client_has_idp_admin_role(client) {
        findings.push(Finding::new(
            RuleId::BreakGlassNoIdpPermission,
            Severity::Block,
            subject,
            format!(
                "break-glass client {label} has no role that grants `sso:provider:edit` or \
                 `sso:provider:add`, so it could not turn native login back on"
            ),
            "give the client a role that grants `sso:provider:edit`, or name another client",
        ));
    }
}
