//! Tests of the change engine (`apply`, `rollback`, `verify`,
//! `break-glass create`) as library calls against a private copy of the
//! sample org in the in-memory backend, with faults injected, and against
//! mocks where a sequence of API calls is the point.

mod apply_cycle;
mod apply_failures;
mod apply_matrix;
mod apply_refusals;
mod break_glass;
mod rollback;
mod support;
mod verify;
