//! Date and time functions: arithmetic, `formatDateTime` with .NET standard
//! and custom format strings, and time zone conversion (Windows and IANA).

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Calls the date or time function `name` (lower case) with evaluated
/// `args`; `now` is the instant `utcNow()` answers.
///
/// Returns `None` when no function of that name lives here.
pub fn call(name: &str, args: &[Value], now: DateTime<Utc>) -> Option<Result<Value, String>> {
    let _ = (name, args, now);
    None
}
