//! Security tests of the `sso-cutover` binary: no secret or token in any
//! output or written file, private and atomic files, https-only credentials
//! without downgrades, and hostile IdP metadata rejected in bounded memory.
//! `docs/security.md` lists which test backs which claim.

mod canary;
mod files;
mod metadata;
mod network;
mod support;
