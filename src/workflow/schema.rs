//! "Use sample payload to generate schema": a JSON schema from a sample
//! JSON value, in the shape the Logic Apps designer generates for a Request
//! trigger or a Parse JSON action.
//!
//! - an object gives `{"type": "object", "properties": {…}}`, keys in the
//!   sample's order;
//! - an array gives `{"type": "array", "items": …}`, the items' schemas
//!   merged (an empty array has no `items`); objects inside an array list in
//!   `required` the keys that every item of the sample has;
//! - a whole number gives `integer`, any other number `number`; strings and
//!   booleans their type;
//! - `null` gives `{}` (any value): a sample's null usually stands for a
//!   value that is sometimes there, and a `"type": "null"` would make Parse
//!   JSON fail on the real one.
//!
//! Items of different types merge into `{"type": [..]}` only for scalars;
//! otherwise the first item's shape wins, with the properties of the others
//! added.

use serde_json::{json, Map, Value};

/// The schema of a sample value.
pub fn generate(sample: &Value) -> Value {
    schema(sample)
}

/// Parses sample text (JSON) and generates its schema; the error says
/// where the text is not JSON.
pub fn from_sample_text(text: &str) -> Result<Value, String> {
    let v = crate::workflow::text::parse_json(text)
        .map_err(|e| format!("the sample is not JSON: line {e}"))?;
    Ok(generate(&v))
}

fn schema(v: &Value) -> Value {
    match v {
        Value::Null => Value::Object(Map::new()),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() || is_whole(&n.to_string()) {
                json!({"type": "integer"})
            } else {
                json!({"type": "number"})
            }
        }
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => {
            let mut out = Map::new();
            out.insert("type".into(), json!("array"));
            if let Some(merged) = items.iter().map(schema).reduce(merge) {
                let merged = match (merged, items.iter().all(Value::is_object)) {
                    (Value::Object(mut m), true) if !items.is_empty() => {
                        let required: Vec<Value> = items[0]
                            .as_object()
                            .map(|first| {
                                first
                                    .keys()
                                    .filter(|k| {
                                        items.iter().all(|i| {
                                            i.as_object().is_some_and(|o| o.contains_key(*k))
                                        })
                                    })
                                    .map(|k| Value::String(k.clone()))
                                    .collect()
                            })
                            .unwrap_or_default();
                        m.insert("required".into(), Value::Array(required));
                        Value::Object(m)
                    }
                    (m, _) => m,
                };
                out.insert("items".into(), merged);
            }
            Value::Object(out)
        }
        Value::Object(o) => {
            let props: Map<String, Value> = o.iter().map(|(k, v)| (k.clone(), schema(v))).collect();
            json!({"type": "object", "properties": props})
        }
    }
}

/// A number written with a fraction of zeros or an exponent that makes it
/// whole (`1.0` is a number, as JSON Schema would still accept it as an
/// integer; the designer keeps `number` for it, so only digits count).
fn is_whole(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit())
}

/// Merges two schemas of array items.
fn merge(a: Value, b: Value) -> Value {
    if a == b {
        return a;
    }
    let ty = |v: &Value| v.get("type").cloned();
    match (a, b) {
        (Value::Object(mut x), Value::Object(y))
            if ty(&Value::Object(x.clone())) == ty(&Value::Object(y.clone())) =>
        {
            // Same type: objects merge their properties; arrays their items.
            if let (Some(Value::Object(px)), Some(Value::Object(py))) =
                (x.get("properties").cloned(), y.get("properties"))
            {
                let mut px = px;
                for (k, v) in py {
                    let merged = match px.get(k) {
                        Some(old) => merge(old.clone(), v.clone()),
                        None => v.clone(),
                    };
                    px.insert(k.clone(), merged);
                }
                x.insert("properties".into(), Value::Object(px));
            } else if let Some(iy) = y.get("items") {
                let merged = match x.get("items") {
                    Some(ix) => merge(ix.clone(), iy.clone()),
                    None => iy.clone(),
                };
                x.insert("items".into(), merged);
            }
            Value::Object(x)
        }
        (a, b) => {
            // An empty schema (from null) accepts anything already.
            if a.as_object().is_some_and(Map::is_empty) {
                return a;
            }
            if b.as_object().is_some_and(Map::is_empty) {
                return b;
            }
            let scalar = |v: &Value| v.get("type").and_then(Value::as_str).map(str::to_owned);
            match (scalar(&a), scalar(&b)) {
                (Some(ta), Some(tb))
                    if !matches!(ta.as_str(), "object" | "array")
                        && !matches!(tb.as_str(), "object" | "array") =>
                {
                    // integer and number: number covers both.
                    if (ta == "integer" && tb == "number") || (ta == "number" && tb == "integer") {
                        return json!({"type": "number"});
                    }
                    json!({"type": [ta, tb]})
                }
                _ => a,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(generate(&json!("a")), json!({"type": "string"}));
        assert_eq!(generate(&json!(3)), json!({"type": "integer"}));
        assert_eq!(generate(&json!(-3)), json!({"type": "integer"}));
        assert_eq!(generate(&json!(3.5)), json!({"type": "number"}));
        assert_eq!(generate(&json!(true)), json!({"type": "boolean"}));
        assert_eq!(generate(&json!(null)), json!({}));
    }

    #[test]
    fn big_integers_stay_integers() {
        let s = from_sample_text("{\"id\": 123456789012345678901234567890}").unwrap();
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"id": {"type": "integer"}}})
        );
        let s = from_sample_text("1.0").unwrap();
        assert_eq!(s, json!({"type": "number"}));
    }

    #[test]
    fn nested_objects_and_arrays() {
        let s = generate(&json!({
            "id": 1,
            "customer": {"name": "Ada", "vip": false},
            "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2, "note": "gift"}],
            "tags": ["x", "y"],
            "empty": [],
            "missing": null
        }));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
                "id": {"type": "integer"},
                "customer": {"type": "object", "properties": {
                    "name": {"type": "string"}, "vip": {"type": "boolean"}}},
                "lines": {"type": "array", "items": {"type": "object", "properties": {
                    "sku": {"type": "string"}, "qty": {"type": "integer"}, "note": {"type": "string"}},
                    "required": ["sku", "qty"]}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "empty": {"type": "array"},
                "missing": {}
            }})
        );
        // Keys keep the sample's order.
        let keys: Vec<&String> = s["properties"].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["id", "customer", "lines", "tags", "empty", "missing"]
        );
    }

    #[test]
    fn mixed_items_merge() {
        assert_eq!(
            generate(&json!([1, 2.5])),
            json!({"type": "array", "items": {"type": "number"}})
        );
        assert_eq!(
            generate(&json!(["a", 1])),
            json!({"type": "array", "items": {"type": ["string", "integer"]}})
        );
        assert_eq!(
            generate(&json!([null, "a"])),
            json!({"type": "array", "items": {}})
        );
        assert_eq!(
            generate(&json!([[1], [2, 3]])),
            json!({"type": "array", "items": {"type": "array", "items": {"type": "integer"}}})
        );
    }

    #[test]
    fn bad_sample_says_where() {
        let e = from_sample_text("{\"a\": }").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
