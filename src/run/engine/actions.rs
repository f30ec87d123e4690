//! What each action type does.

use super::{Done, Engine, Frame};
use serde_json::Value;

/// Runs one action for real.
pub(crate) fn execute(e: &Engine, name: &str, action: &Value, frame: &Frame) -> Done {
    let kind = action.get("type").and_then(Value::as_str).unwrap_or("");
    let inputs = action.get("inputs").cloned().unwrap_or(Value::Null);
    match kind.to_ascii_lowercase().as_str() {
        "compose" => match e.resolve(&inputs, frame) {
            Ok(v) => Done::ok(v.clone(), v),
            Err(m) => Done::failed(Value::Null, "InvalidTemplate", m),
        },
        _ => Done::failed(
            Value::Null,
            "NotSupportedLocally",
            format!("the action '{name}' of type '{kind}' is not supported locally; give a mock (--mock {name}=FILE)"),
        ),
    }
}
