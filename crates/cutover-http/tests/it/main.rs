//! Integration tests of `cutover-http` against real HTTP servers on
//! 127.0.0.1: a mock server for paths, errors and retries, and a raw TCP
//! server where a connection must drop mid-request.

mod inventory;
mod logs;
mod paths;
mod retry;
mod support;
