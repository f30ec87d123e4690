//! How an [`Outcome`] is shown: the same text and JSON for the command
//! line and the designer.

use super::{Diagnosis, Outcome};
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The body as JSON when it is JSON, as text when it is UTF-8, else in
/// Logic Apps' binary shape (`$content-type`, `$content` in base64).
pub fn body_value(outcome: &Outcome) -> Value {
    let Some(r) = &outcome.response else {
        return Value::Null;
    };
    if r.body.is_empty() {
        return Value::Null;
    }
    // A body that spilled to a file is cut short here; one that did not is
    // whole (its length may differ from `body_len` once redacted).
    let complete = r.spilled_to.is_none();
    if complete {
        if let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
            return v;
        }
    }
    match std::str::from_utf8(&r.body) {
        Ok(t) => Value::String(t.to_owned()),
        Err(_) => {
            use base64::Engine;
            json!({
                "$content-type": r.header("content-type").unwrap_or("application/octet-stream"),
                "$content": base64::engine::general_purpose::STANDARD.encode(&r.body),
            })
        }
    }
}

fn diagnosis_json(d: &Diagnosis) -> Value {
    json!({
        "kind": d.kind,
        "message": d.message,
        "hint": d.hint,
        "evidence": d.evidence,
        "aadsts": d.aadsts,
    })
}

/// The `--format json` document.
pub fn json(o: &Outcome) -> Value {
    let mut headers = Map::new();
    if let Some(r) = &o.response {
        for (k, v) in &r.headers {
            match headers.get_mut(k) {
                Some(Value::Array(a)) => a.push(json!(v)),
                Some(prev) => {
                    let p = prev.take();
                    *prev = json!([p, v]);
                }
                None => {
                    headers.insert(k.clone(), json!(v));
                }
            }
        }
    }
    let t = &o.timings;
    json!({
        "action": o.action,
        "status": o.response.as_ref().map(|r| r.status),
        "reason": o.response.as_ref().map(|r| r.reason.clone()),
        "headers": headers,
        "body": body_value(o),
        "body_bytes": o.response.as_ref().map(|r| r.body_len),
        "body_file": o.response.as_ref().and_then(|r| r.spilled_to.clone()),
        "diagnosis": o.diagnosis.as_ref().map(diagnosis_json),
        "notes": o.notes.iter().map(diagnosis_json).collect::<Vec<_>>(),
        "failure": o.failure,
        "timings_ms": {
            "token": t.token, "dns": t.dns, "connect": t.connect, "tls": t.tls,
            "first_byte": t.first_byte, "total": t.total
        },
        "token": o.token,
        "request": o.request,
        "started_at": o.started_at,
    })
}

/// The `--format json` document of a call that could not be prepared
/// (nothing was sent): the same keys, `status` null, and an `input`
/// diagnosis.
pub fn input_error_json(action: &str, message: &str) -> Value {
    json!({
        "action": action,
        "status": null,
        "reason": null,
        "headers": {},
        "body": null,
        "body_bytes": null,
        "body_file": null,
        "diagnosis": {
            "kind": "input",
            "message": message,
            "hint": null,
            "evidence": [],
            "aadsts": null,
        },
        "notes": [],
        "failure": { "kind": "input", "detail": message },
        "timings_ms": {
            "token": null, "dns": null, "connect": null, "tls": null,
            "first_byte": null, "total": 0.0
        },
        "token": null,
        "request": null,
        "started_at": null,
    })
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{x:.1} ms"),
        None => "–".into(),
    }
}

/// The timings as one line.
pub fn timings_line(o: &Outcome) -> String {
    let t = &o.timings;
    format!(
        "token {} · dns {} · connect {} · tls {} · first byte {} · total {:.1} ms",
        match (&o.token, t.token) {
            (Some(tk), _) if tk.cached => "cached".to_owned(),
            (_, v) => ms(v),
        },
        ms(t.dns),
        ms(t.connect),
        ms(t.tls),
        ms(t.first_byte),
        t.total
    )
}

fn print_diagnosis(d: &Diagnosis, prefix: &str, out: &mut String) {
    let _ = writeln!(out, "{prefix} {}", d.message);
    if let Some(a) = &d.aadsts {
        let _ = writeln!(out, "  AADSTS{}: {}", a.code, a.meaning);
    }
    if let Some(h) = &d.hint {
        let _ = writeln!(out, "  hint: {h}");
    }
    for e in &d.evidence {
        let _ = writeln!(out, "  · {e}");
    }
}

/// The outcome as text: diagnosis, notes, status line, headers, body,
/// timings.
pub fn text(o: &Outcome) -> String {
    let mut s = String::new();
    let out = &mut s;
    if let Some(d) = &o.diagnosis {
        print_diagnosis(d, "✖", out);
        let _ = writeln!(out);
    }
    for n in &o.notes {
        print_diagnosis(n, "note:", out);
        let _ = writeln!(out);
    }
    if let Some(r) = &o.response {
        let _ = writeln!(out, "{} {} {}", r.version, r.status, r.reason);
        for (k, v) in &r.headers {
            let _ = writeln!(out, "{k}: {v}");
        }
        let _ = writeln!(out);
        match body_value(o) {
            Value::Null => {}
            Value::String(s) => {
                let _ = writeln!(out, "{s}");
            }
            v if v.get("$content").is_some() => {
                let _ = write!(out, "{}", hex_dump(&r.body[..r.body.len().min(512)]));
            }
            v => {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                );
            }
        }
        if let Some(p) = &r.spilled_to {
            let _ = writeln!(
                out,
                "… {} bytes in all; the whole body is in {}",
                r.body_len,
                p.display()
            );
        }
    }
    let _ = writeln!(out, "\n{}", timings_line(o));
    s
}

/// Sixteen bytes a line: offset, hex, and printable characters.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut s = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        s.push_str(&format!("{:08x}  ", i * 16));
        for b in chunk {
            s.push_str(&format!("{b:02x} "));
        }
        for _ in chunk.len()..16 {
            s.push_str("   ");
        }
        s.push(' ');
        for b in chunk {
            s.push(if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            });
        }
        s.push('\n');
    }
    s
}
