//! Keeping secrets out of a run record: known secret values replaced by
//! their placeholder, `Authorization` headers and the secret fields of an
//! `authentication` object masked.

use crate::secrets::Redactor;
use serde_json::{Map, Value};

/// What stands in for an `Authorization` header or a credential field.
pub const MASKED: &str = "<redacted>";

fn is_credential_field(k: &str) -> bool {
    ["password", "secret", "pfx", "value", "clientSecret"]
        .iter()
        .any(|f| f.eq_ignore_ascii_case(k))
}

/// A copy of `v` with every known secret replaced (in strings and in
/// object keys' values), every `Authorization` header masked and the
/// credential fields of `authentication` objects masked.
pub fn redact_value(v: &Value, r: &Redactor) -> Value {
    match v {
        Value::String(s) => Value::String(r.redact(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_value(x, r)).collect()),
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, x) in m {
                let masked = if k.eq_ignore_ascii_case("authorization") && !x.is_null() {
                    Value::String(MASKED.into())
                } else if k.eq_ignore_ascii_case("authentication") {
                    mask_credentials(x, r)
                } else {
                    redact_value(x, r)
                };
                out.insert(k.clone(), masked);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn mask_credentials(v: &Value, r: &Redactor) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, x) in m {
                if is_credential_field(k) && !x.is_null() {
                    out.insert(k.clone(), Value::String(MASKED.into()));
                } else {
                    out.insert(k.clone(), redact_value(x, r));
                }
            }
            Value::Object(out)
        }
        other => redact_value(other, r),
    }
}

/// The same for outputs.
pub fn redact_outputs(v: &Value, r: &Redactor) -> Value {
    redact_value(v, r)
}
