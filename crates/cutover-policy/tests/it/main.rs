//! Integration tests of the policy crate: each rule where it fires and where
//! it does not, stages, waivers, the fingerprint, the plan document,
//! snapshots of realistic orgs and property tests.

mod break_glass;
mod certificates;
mod clients;
mod end_to_end;
mod fingerprint;
mod metadata;
mod people;
mod plan;
mod properties;
mod provider;
mod report;
mod snapshots;
mod stages;
mod support;
mod waivers;
