//! A whole call. (Stub: being written.)

use super::token::TokenCache;
use super::{CallOptions, Outcome, Prepared};

/// Sends `prepared` (getting a token first when needed) and explains the
/// answer. Never fails: every failure is in the [`Outcome`].
pub async fn call(prepared: &Prepared, options: &CallOptions, cache: &TokenCache) -> Outcome {
    let _ = (prepared, options, cache);
    unimplemented!()
}
