//! Integration tests of `cutover-auth` against real HTTP servers on
//! 127.0.0.1.

mod credentials;
mod profile;
mod redaction;
mod support;
mod token;
