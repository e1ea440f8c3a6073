//! The results of one benchmark run, as written to JSON and rendered to
//! Markdown.

use serde::{Deserialize, Serialize};

use crate::machine::Machine;
use crate::stats::Summary;

/// Everything one `cutover-bench run` measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    /// When the run started, UTC, RFC 3339.
    pub date: String,
    /// The command that started the run.
    pub command: String,
    /// Whether this was the quick run.
    pub quick: bool,
    /// The machine measured on.
    pub machine: Machine,
    /// Load averages (1, 5 and 15 minutes) when the run started.
    pub load_at_start: Option<String>,
    /// Load averages when the run ended.
    pub load_at_end: Option<String>,
    /// Inventory on the simulator, without and with a rate limit.
    pub inventory: Vec<InventoryResult>,
    /// Metadata parsing, per input.
    pub metadata: Vec<MetadataResult>,
    /// Plan evaluation.
    pub plan: Option<PlanResult>,
    /// Every failed run or measurement, with its reason.
    pub failures: Vec<String>,
}

/// A rate limit of the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests allowed per window and token.
    pub requests: u32,
    /// Window length in seconds.
    pub window_seconds: u64,
}

/// `collect_state` through `HttpApi` against the simulator, several runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InventoryResult {
    /// Users in the org.
    pub users: usize,
    /// OAuth clients in the org.
    pub clients: usize,
    /// Roles in the org.
    pub roles: usize,
    /// Size of the org snapshot file, in bytes.
    pub snapshot_bytes: u64,
    /// The simulator's rate limit, when one was on.
    pub rate_limit: Option<RateLimit>,
    /// Runs started.
    pub runs: u32,
    /// Runs that failed or read a wrong org.
    pub failed_runs: u32,
    /// The minimum number of requests that can read the org.
    pub request_floor: u64,
    /// Requests the simulator counted, per successful run.
    pub requests: Option<Summary>,
    /// 429 responses the simulator sent, per successful run.
    pub rate_limited_responses: Option<Summary>,
    /// Wall time of `collect_state`, token request included, in ms.
    pub wall_ms: Option<Summary>,
    /// Peak resident memory of the client process, in KiB.
    pub peak_rss_kib: Option<Summary>,
}

/// One parser over one input, several runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParserResult {
    /// Worker processes run.
    pub runs: u32,
    /// Timed passes over the input per run.
    pub iterations: u32,
    /// Seconds per pass over all files, per run.
    pub seconds_per_pass: Summary,
    /// Files accepted.
    pub accepted: usize,
    /// Files rejected.
    pub rejected: usize,
    /// Resident memory before parsing, in KiB, per run.
    pub baseline_rss_kib: Option<Summary>,
    /// Peak resident memory, in KiB, per run.
    pub peak_rss_kib: Option<Summary>,
}

/// Both parsers over one input.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetadataResult {
    /// The input parsed, such as `corpus` or `aggregate`.
    pub input: String,
    /// The entity ID chosen, for an aggregate.
    pub entity_id: Option<String>,
    /// Files per pass.
    pub files: usize,
    /// Bytes per pass.
    pub bytes: u64,
    /// `cutover_saml::parse_metadata`, or why it could not be measured.
    pub rust: Result<ParserResult, String>,
    /// python3-saml's `OneLogin_Saml2_IdPMetadataParser.parse`, or why the
    /// comparison is unavailable.
    pub python: Result<ParserResult, String>,
}

/// `cutover_policy::evaluate`, several runs in one process.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanResult {
    /// Users in the org.
    pub users: usize,
    /// OAuth clients in the org.
    pub clients: usize,
    /// Roles in the org.
    pub roles: usize,
    /// Wall time of each evaluation, in ms.
    pub evaluate_ms: Summary,
    /// Findings of the evaluation.
    pub findings: usize,
    /// Whether the evaluation was blocked.
    pub blocked: bool,
    /// Resident memory of the worker before evaluating, in KiB.
    pub baseline_rss_kib: Option<u64>,
    /// Peak resident memory of the worker while evaluating, in KiB.
    pub peak_rss_kib: Option<u64>,
}

/// The target time of one plan evaluation, in ms.
pub const PLAN_TARGET_MS: f64 = 1000.0;
