//! Fault injection and call counting for the in-memory backend.
//!
//! A [`FaultRule`] names an [`Operation`] (or every operation), a [`Trigger`]
//! (which of the matching calls it hits) and a [`FaultAction`] (fail with an
//! HTTP status, time out, or add latency). Each rule counts its own matching
//! calls from the moment it is installed, so "the 2nd call" means the 2nd call
//! after [`Faults::add`] or [`Faults::install`].

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cutover_api::permissions::{SSO_PROVIDER_ADD, SSO_PROVIDER_EDIT};

/// One method of the `OrgApi` trait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `GET /api/v2/organizations/me`.
    Organization,
    /// `GET /api/v2/tokens/me`.
    TokenInfo,
    /// `GET /api/v2/identityproviders`.
    IdentityProviders,
    /// `GET /api/v2/identityproviders/{type}`.
    IdentityProvider,
    /// `PUT /api/v2/identityproviders/{type}`.
    PutIdentityProvider,
    /// `DELETE /api/v2/identityproviders/{type}`.
    DeleteIdentityProvider,
    /// `GET /api/v2/oauth/clients`.
    OAuthClients,
    /// `GET /api/v2/oauth/clients/{clientId}`.
    OAuthClient,
    /// `POST /api/v2/oauth/clients`.
    CreateOAuthClient,
    /// `DELETE /api/v2/oauth/clients/{clientId}`.
    DeleteOAuthClient,
    /// `GET /api/v2/authorization/roles`.
    RolesPage,
    /// `GET /api/v2/authorization/roles/{roleId}/users`.
    RoleUsersPage,
    /// `GET /api/v2/users`.
    UsersPage,
    /// `GET /api/v2/authorization/divisions`.
    DivisionsPage,
    /// `GET /api/v2/authorization/subjects/{subjectId}`.
    Subject,
    /// A token request with the backend's own credentials.
    FreshToken,
    /// A token request with other credentials.
    RequestToken,
}

impl Operation {
    /// Every operation, in trait order.
    pub const ALL: [Operation; 17] = [
        Self::Organization,
        Self::TokenInfo,
        Self::IdentityProviders,
        Self::IdentityProvider,
        Self::PutIdentityProvider,
        Self::DeleteIdentityProvider,
        Self::OAuthClients,
        Self::OAuthClient,
        Self::CreateOAuthClient,
        Self::DeleteOAuthClient,
        Self::RolesPage,
        Self::RoleUsersPage,
        Self::UsersPage,
        Self::DivisionsPage,
        Self::Subject,
        Self::FreshToken,
        Self::RequestToken,
    ];

    /// Returns the trait method's name, such as `put_identity_provider`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::TokenInfo => "token_info",
            Self::IdentityProviders => "identity_providers",
            Self::IdentityProvider => "identity_provider",
            Self::PutIdentityProvider => "put_identity_provider",
            Self::DeleteIdentityProvider => "delete_identity_provider",
            Self::OAuthClients => "oauth_clients",
            Self::OAuthClient => "oauth_client",
            Self::CreateOAuthClient => "create_oauth_client",
            Self::DeleteOAuthClient => "delete_oauth_client",
            Self::RolesPage => "roles_page",
            Self::RoleUsersPage => "role_users_page",
            Self::UsersPage => "users_page",
            Self::DivisionsPage => "divisions_page",
            Self::Subject => "subject",
            Self::FreshToken => "fresh_token",
            Self::RequestToken => "request_token",
        }
    }

    /// Returns the permissions the API requires for this operation, any one
    /// of which is enough. Empty when the API lists none.
    pub fn required_permissions(self) -> &'static [&'static str] {
        match self {
            Self::IdentityProviders | Self::IdentityProvider => &["sso:provider:view"],
            Self::PutIdentityProvider => &[SSO_PROVIDER_ADD, SSO_PROVIDER_EDIT],
            Self::DeleteIdentityProvider => &["sso:provider:delete"],
            Self::OAuthClients | Self::OAuthClient => &["oauth:client:view"],
            Self::CreateOAuthClient => &["oauth:client:add"],
            Self::DeleteOAuthClient => &["oauth:client:delete"],
            Self::RolesPage => &["authorization:role:view"],
            Self::Subject => &["authorization:grant:view"],
            Self::Organization
            | Self::TokenInfo
            | Self::RoleUsersPage
            | Self::UsersPage
            | Self::DivisionsPage
            | Self::FreshToken
            | Self::RequestToken => &[],
        }
    }

    /// Tells whether the operation changes the org.
    pub fn changes_org(self) -> bool {
        matches!(
            self,
            Self::PutIdentityProvider
                | Self::DeleteIdentityProvider
                | Self::CreateOAuthClient
                | Self::DeleteOAuthClient
        )
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|op| *op == self).expect("ALL lists every operation")
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation name that is not a method of the `OrgApi` trait.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown operation `{0}`; expected a method name of the OrgApi trait, such as `users_page`"
)]
pub struct ParseOperationError(pub String);

impl FromStr for Operation {
    type Err = ParseOperationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str() == text)
            .ok_or_else(|| ParseOperationError(text.to_owned()))
    }
}

/// The matching calls a rule hits, counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// The first call hit.
    pub first: u64,
    /// How many calls are hit from `first` on; `None` for every later call.
    pub count: Option<u64>,
}

impl Trigger {
    /// Hits only the `n`th matching call.
    pub fn nth(n: u64) -> Self {
        Self { first: n, count: Some(1) }
    }

    /// Hits the `n`th matching call and every one after it.
    pub fn from_nth(n: u64) -> Self {
        Self { first: n, count: None }
    }

    /// Hits `count` matching calls, starting with the `first`th.
    pub fn calls(first: u64, count: u64) -> Self {
        Self { first, count: Some(count) }
    }

    /// Hits every matching call.
    pub fn always() -> Self {
        Self::from_nth(1)
    }

    /// Tells whether the `n`th matching call (1-based) is hit.
    pub fn hits(self, n: u64) -> bool {
        n >= self.first && self.count.is_none_or(|count| n - self.first < count)
    }
}

/// The effect of a rule on a call it hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Fail as the API does with this HTTP status: 400 `bad.request`, 401
    /// `bad.credentials`, 403 `missing.permissions` (naming the operation's
    /// permissions), 404 `not.found`, 429 `too.many.requests`, 500
    /// `internal.server.error`, 503 `service.unavailable`, 504
    /// `request.timeout`.
    Status(u16),
    /// Fail with 429 `too.many.requests` and this `Retry-After`.
    RateLimited {
        /// The delay the `Retry-After` header states.
        retry_after: Option<Duration>,
    },
    /// Fail as a request that timed out, without waiting.
    Timeout,
    /// Wait this long, then carry on.
    Latency(Duration),
}

/// When a failing rule strikes: before the operation runs, or after it ran
/// and changed the org, as when a response is lost on the way back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultPhase {
    /// The operation does not run.
    #[default]
    BeforeApply,
    /// The operation runs, then the call fails anyway.
    AfterApply,
}

/// One fault: which calls, and what happens to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// The operation; `None` matches every operation.
    pub operation: Option<Operation>,
    /// The matching calls that are hit.
    pub trigger: Trigger,
    /// The effect on those calls.
    pub action: FaultAction,
    /// Whether a failure strikes before or after the operation runs.
    pub phase: FaultPhase,
}

impl FaultRule {
    /// Builds a rule for one operation that strikes before it runs.
    pub fn new(operation: Operation, trigger: Trigger, action: FaultAction) -> Self {
        Self { operation: Some(operation), trigger, action, phase: FaultPhase::BeforeApply }
    }

    /// Builds a rule that matches every operation.
    pub fn any_operation(trigger: Trigger, action: FaultAction) -> Self {
        Self { operation: None, trigger, action, phase: FaultPhase::BeforeApply }
    }

    /// Makes the failure strike after the operation changed the org.
    pub fn after_apply(mut self) -> Self {
        self.phase = FaultPhase::AfterApply;
        self
    }
}

/// A list of rules to install at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// The rules, checked in order. The first failing rule that hits a call
    /// decides its error, and the latencies of all rules that hit add up.
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// Builds an empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule.
    pub fn with(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Adds a rule that fails the `n`th call of `operation` with `status`.
    pub fn fail_nth(self, operation: Operation, n: u64, status: u16) -> Self {
        self.with(FaultRule::new(operation, Trigger::nth(n), FaultAction::Status(status)))
    }

    /// Adds a rule that fails every call of `operation` from the `n`th on
    /// with `status`.
    pub fn fail_from(self, operation: Operation, n: u64, status: u16) -> Self {
        self.with(FaultRule::new(operation, Trigger::from_nth(n), FaultAction::Status(status)))
    }
}

/// The installed rules' decision for one call.
#[derive(Debug, Default)]
pub(crate) struct CallFaults {
    /// Total latency to add.
    pub(crate) latency: Duration,
    /// A failure that stops the call before it runs.
    pub(crate) before: Option<FaultAction>,
    /// A failure reported after the call ran.
    pub(crate) after: Option<FaultAction>,
}

#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    matched: u64,
}

/// The installed fault rules and the per-operation call counters of one org,
/// shared by every session of it.
#[derive(Debug)]
pub struct Faults {
    rules: Mutex<Vec<ActiveRule>>,
    calls: [AtomicU64; Operation::ALL.len()],
    fired: AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
            calls: std::array::from_fn(|_| AtomicU64::new(0)),
            fired: AtomicU64::new(0),
        }
    }
}

impl Faults {
    /// Replaces the installed rules with `plan`'s.
    pub fn install(&self, plan: FaultPlan) {
        let mut rules = self.rules.lock().expect("fault rules lock");
        *rules = plan.rules.into_iter().map(|rule| ActiveRule { rule, matched: 0 }).collect();
    }

    /// Adds one rule after the installed ones.
    pub fn add(&self, rule: FaultRule) {
        self.rules.lock().expect("fault rules lock").push(ActiveRule { rule, matched: 0 });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().expect("fault rules lock").clear();
    }

    /// Returns how many calls of `operation` were made, failed ones included.
    pub fn call_count(&self, operation: Operation) -> u64 {
        self.calls[operation.index()].load(Ordering::SeqCst)
    }

    /// Returns how many calls the rules have hit so far.
    pub fn fired_count(&self) -> u64 {
        self.fired.load(Ordering::SeqCst)
    }

    /// Sets every call counter and the hit counter back to zero.
    pub fn reset_counts(&self) {
        for counter in &self.calls {
            counter.store(0, Ordering::SeqCst);
        }
        self.fired.store(0, Ordering::SeqCst);
    }

    /// Counts a call of `operation` and decides its faults.
    pub(crate) fn on_call(&self, operation: Operation) -> CallFaults {
        self.calls[operation.index()].fetch_add(1, Ordering::SeqCst);
        let mut decided = CallFaults::default();
        let mut rules = self.rules.lock().expect("fault rules lock");
        for active in rules.iter_mut() {
            if active.rule.operation.is_some_and(|op| op != operation) {
                continue;
            }
            active.matched += 1;
            if !active.rule.trigger.hits(active.matched) {
                continue;
            }
            self.fired.fetch_add(1, Ordering::SeqCst);
            tracing::debug!(
                operation = operation.as_str(),
                action = ?active.rule.action,
                call = active.matched,
                "injected fault"
            );
            match active.rule.action {
                FaultAction::Latency(delay) => decided.latency += delay,
                failure => {
                    let slot = match active.rule.phase {
                        FaultPhase::BeforeApply => &mut decided.before,
                        FaultPhase::AfterApply => &mut decided.after,
                    };
                    slot.get_or_insert(failure);
                }
            }
        }
        decided
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_hits_expected_calls() {
        let cases = [
            (Trigger::nth(3), vec![3]),
            (Trigger::from_nth(4), vec![4, 5, 6]),
            (Trigger::calls(2, 2), vec![2, 3]),
            (Trigger::always(), vec![1, 2, 3, 4, 5, 6]),
        ];
        for (trigger, expected) in cases {
            let hit: Vec<u64> = (1..=6).filter(|n| trigger.hits(*n)).collect();
            assert_eq!(hit, expected, "{trigger:?}");
        }
    }

    #[test]
    fn operation_names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(op.as_str().parse::<Operation>().unwrap(), op);
        }
        assert!("users".parse::<Operation>().is_err());
    }

    #[test]
    fn rules_count_their_own_matches() {
        let faults = Faults::default();
        faults.on_call(Operation::UsersPage);
        faults.install(
            FaultPlan::new()
                .fail_nth(Operation::UsersPage, 2, 503)
                .with(FaultRule::any_operation(
                    Trigger::always(),
                    FaultAction::Latency(Duration::from_millis(5)),
                ))
                .with(
                    FaultRule::new(Operation::UsersPage, Trigger::nth(2), FaultAction::Timeout)
                        .after_apply(),
                ),
        );
        let first = faults.on_call(Operation::UsersPage);
        assert!(first.before.is_none());
        assert_eq!(first.latency, Duration::from_millis(5));
        let second = faults.on_call(Operation::UsersPage);
        assert_eq!(second.before, Some(FaultAction::Status(503)));
        assert_eq!(second.after, Some(FaultAction::Timeout));
        let other = faults.on_call(Operation::Organization);
        assert!(other.before.is_none());
        assert_eq!(faults.call_count(Operation::UsersPage), 3);
        assert_eq!(faults.call_count(Operation::Organization), 1);
        assert_eq!(faults.fired_count(), 5);
    }
}
