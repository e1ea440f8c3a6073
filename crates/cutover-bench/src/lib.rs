//! `cutover-bench`: measures inventory on the simulator, IdP metadata
//! parsing against python3-saml, and plan evaluation, and writes the results
//! as Markdown tables.
//!
//! `cargo xtask bench` builds this binary in release mode and runs `run`.
//! `run` starts every measured part as a worker: this same binary with a
//! worker command (`collect`, `parse`, `plan`), or python3-saml's parser in
//! a Python worker, so that each peak memory figure belongs to one measured
//! part alone. Workers print one line of JSON.

pub mod collect;
pub mod inventory;
pub mod machine;
pub mod metadata;
pub mod org;
pub mod plan;
pub mod report;
pub mod results;
pub mod run;
pub mod stats;
