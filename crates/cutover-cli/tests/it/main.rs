//! End-to-end tests of the `sso-cutover` binary: every read-only command's
//! table and JSON output on the bundled sample org, each exit code produced
//! for real, and bad input that must fail with a one-line message naming the
//! value and the fix.

mod bad_input;
mod changes;
mod commands;
mod export;
mod http;
mod limits;
mod profile;
mod support;
