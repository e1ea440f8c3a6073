//! `apply`: executes a plan in stages, each verified, undoing everything from
//! the backup when a stage fails.

pub mod checks;
pub mod compare;
mod hooks;

pub use checks::Check;
pub use hooks::{ChangeEvent, ChangeHooks, Clock, HookError, NoHooks, SystemClock};
