//! The pure function library: string, collection, logical and comparison,
//! conversion, math, URI and JSON functions.
//!
//! Every function here takes arguments that are already evaluated JSON
//! values; the workflow functions (`parameters`, `body`, `item`, …) live in
//! [`super::eval`] because they read the context, and the date and time
//! functions live in [`super::datetime`].

use serde_json::Value;

/// Calls the library function `name` (lower case) with evaluated `args`.
///
/// Returns `None` when no function of that name lives here, so the caller
/// can try the next library. `Some(Err(message))` is a runtime error in the
/// words of the Logic Apps reference.
pub fn call(name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    let _ = (name, args);
    None
}
