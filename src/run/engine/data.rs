//! Data operations: Join, Select, Filter array (Query), Create CSV/HTML
//! table (Table), and Parse JSON with its schema.

use super::{Done, Engine, Frame};
use crate::expr::eval::{to_text, type_name};
use serde_json::{json, Value};

fn get<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(k).or_else(|| {
        m.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    })
}

/// Join: `{from: array, joinWith: text}` → `{body: text}`.
pub(crate) fn join(inputs: Value) -> Done {
    let Some(Value::Array(from)) = get(&inputs, "from") else {
        return Done::failed(inputs, "InvalidTemplate", "Join needs `from`, an array");
    };
    let sep = get(&inputs, "joinWith")
        .map(|v| to_text(v).into_owned())
        .unwrap_or_default();
    let text = from
        .iter()
        .map(|v| to_text(v).into_owned())
        .collect::<Vec<_>>()
        .join(&sep);
    Done::ok(inputs.clone(), json!({ "body": text }))
}

/// Select, Query and Table: `from` is resolved first, then the per-item
/// part (`select`, `where`, column values) once per item with `item()`.
#[allow(clippy::needless_range_loop)]
pub(crate) fn run(e: &Engine, kind: &str, name: &str, raw: &Value, frame: &Frame) -> Done {
    let from = match e.resolve(get(raw, "from").unwrap_or(&Value::Null), frame) {
        Ok(Value::Array(a)) => a,
        Ok(other) => {
            return Done::failed(
                Value::Null,
                "InvalidTemplate",
                format!(
                    "`from` of '{name}' must be an array, it is of type '{}'",
                    type_name(&other)
                ),
            )
        }
        Err(m) => return Done::bad_inputs(name, &m),
    };
    let each = |i: usize, v: &Value| -> Result<Value, String> {
        let f = frame.child(name, from[i].clone(), i as u64);
        e.resolve(v, &f)
    };
    let mut inputs = json!({ "from": from.clone() });
    match kind {
        "select" => {
            let sel = get(raw, "select").cloned().unwrap_or(Value::Null);
            inputs["select"] = sel.clone();
            let mut out = Vec::with_capacity(from.len());
            for i in 0..from.len() {
                match each(i, &sel) {
                    Ok(v) => out.push(v),
                    Err(m) => return Done::bad_inputs(name, &m),
                }
            }
            Done::ok(inputs, json!({ "body": out }))
        }
        "query" => {
            let cond = get(raw, "where").cloned().unwrap_or(Value::Bool(true));
            inputs["where"] = cond.clone();
            let mut out = Vec::new();
            for i in 0..from.len() {
                let f = frame.child(name, from[i].clone(), i as u64);
                match super::actions::condition(e, &cond, &f) {
                    Ok(true) => out.push(from[i].clone()),
                    Ok(false) => {}
                    Err(m) => return Done::bad_inputs(name, &m.to_string()),
                }
            }
            Done::ok(inputs, json!({ "body": out }))
        }
        _ => {
            let format = get(raw, "format")
                .and_then(Value::as_str)
                .unwrap_or("CSV")
                .to_ascii_uppercase();
            inputs["format"] = Value::String(format.clone());
            // Columns: given, or the keys of the first item.
            let columns: Vec<(String, Value)> = match get(raw, "columns") {
                Some(Value::Array(cols)) => cols
                    .iter()
                    .map(|c| {
                        (
                            get(c, "header")
                                .map(|h| to_text(h).into_owned())
                                .unwrap_or_default(),
                            get(c, "value").cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect(),
                _ => match from.first() {
                    Some(Value::Object(m)) => m
                        .keys()
                        .map(|k| {
                            (
                                k.clone(),
                                Value::String(format!("@item()?['{}']", k.replace('\'', "''"))),
                            )
                        })
                        .collect(),
                    _ => Vec::new(),
                },
            };
            let mut rows: Vec<Vec<String>> = Vec::with_capacity(from.len());
            for i in 0..from.len() {
                let mut row = Vec::with_capacity(columns.len());
                for (_, v) in &columns {
                    match each(i, v) {
                        Ok(x) => row.push(to_text(&x).into_owned()),
                        Err(m) => return Done::bad_inputs(name, &m),
                    }
                }
                rows.push(row);
            }
            let headers: Vec<String> = columns.iter().map(|(h, _)| h.clone()).collect();
            let body = match format.as_str() {
                "CSV" => csv(&headers, &rows),
                "HTML" => html(&headers, &rows),
                other => {
                    return Done::failed(
                        inputs,
                        "InvalidTemplate",
                        format!("the table format '{other}' is not CSV or HTML"),
                    )
                }
            };
            Done::ok(inputs, json!({ "body": body }))
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// RFC 4180 text, CRLF line ends, a header line first.
pub(crate) fn csv(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(headers));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&line(r));
        out.push_str("\r\n");
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An HTML table with a header row.
pub(crate) fn html(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in headers {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            out.push_str(&format!("<td>{}</td>", esc(c)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// Parse JSON: `{content, schema}` → `{body}` (and each top-level property
/// of an object, as the designer's tokens read them).
pub(crate) fn parse_json(inputs: Value) -> Done {
    let content = get(&inputs, "content").cloned().unwrap_or(Value::Null);
    let value = match &content {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(err) => {
                return Done::failed(
                    inputs,
                    "InvalidJSON",
                    format!("The content is not valid JSON: {err}"),
                )
            }
        },
        other => other.clone(),
    };
    let schema = get(&inputs, "schema").cloned().unwrap_or(json!({}));
    let mut errors = Vec::new();
    validate(&value, &schema, "", &mut errors);
    if !errors.is_empty() {
        let mut d = Done::failed(
            inputs,
            "ValidationFailed",
            format!("The schema validation failed: {}", errors.join("; ")),
        );
        d.outputs = json!({ "body": value, "errors": errors });
        return d;
    }
    Done::ok(inputs, json!({ "body": value }))
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// A JSON Schema subset: `type` (a name or a list), `properties`,
/// `required`, `items`, `enum`.
pub(crate) fn validate(v: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        return;
    };
    let here = if path.is_empty() {
        "#".to_owned()
    } else {
        format!("#{path}")
    };
    match s.get("type") {
        Some(Value::String(t)) if !type_ok(t, v) => {
            errors.push(format!("{here}: expected {t}, found {}", type_name(v)));
            return;
        }
        Some(Value::Array(ts)) if !ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)) => {
            errors.push(format!(
                "{here}: expected one of {}, found {}",
                Value::Array(ts.clone()),
                type_name(v)
            ));
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = s.get("enum") {
        if !allowed.contains(v) {
            errors.push(format!(
                "{here}: {v} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
    }
    if let Value::Object(m) = v {
        if let Some(Value::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !m.contains_key(r) {
                    errors.push(format!("{here}: required property '{r}' is missing"));
                }
            }
        }
        if let Some(Value::Object(props)) = s.get("properties") {
            for (k, ps) in props {
                if let Some(x) = m.get(k) {
                    validate(x, ps, &format!("{path}/{k}"), errors);
                }
            }
        }
    }
    if let (Value::Array(a), Some(items)) = (v, s.get("items")) {
        for (i, x) in a.iter().enumerate() {
            validate(x, items, &format!("{path}/{i}"), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        let h = vec!["a".to_owned(), "b".to_owned()];
        let rows = vec![vec!["x,y".to_owned(), "say \"hi\"".to_owned()]];
        assert_eq!(csv(&h, &rows), "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(
            html(&h, &[vec!["<b>".into(), "&".into()]]),
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>&lt;b&gt;</td><td>&amp;</td></tr></tbody></table>"
        );
    }

    #[test]
    fn schema_subset() {
        let schema = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}});
        let mut e = Vec::new();
        validate(&json!({"id": 1, "tags": ["a"]}), &schema, "", &mut e);
        assert!(e.is_empty(), "{e:?}");
        validate(&json!({"tags": ["a", 2]}), &schema, "", &mut e);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("'id' is missing"));
        assert!(e[1].contains("#/tags/1"));
    }
}
