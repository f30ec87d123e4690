//! What the run history API shows a caller, after the workflow's
//! `accessControl`:
//! - `contents` (who may read inputs and outputs): a caller outside it
//!   sees every `inputs`, `outputs` and response body (trigger, actions,
//!   loop repetitions, the workflow's outputs) replaced by
//!   [`RESTRICTED`]; `0.0.0.0-0.0.0.0` lets nobody read them, an empty
//!   list only other logic apps (so no direct caller);
//! - `actions`: a caller outside it sees each action's status and times
//!   only (no inputs, outputs, error details nor repetitions).
//!
//! Statuses, times and run ids stay visible, as the portal still draws a
//! run whose contents are restricted.

use crate::workflow::access::{self, Policy};
use serde_json::{Map, Value};
use std::net::IpAddr;

/// What replaces a value the caller may not read.
pub const RESTRICTED: &str = "hidden (access control)";

/// What one caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Inputs and outputs.
    pub contents: bool,
    /// Per-action details.
    pub actions: bool,
}

/// The view of caller `ip` under `access_control`.
pub fn view(access_control: Option<&Value>, ip: IpAddr) -> View {
    let ok = |section: &str| {
        let p = access::policy(access_control, section);
        p == Policy::Anyone || access::allows(&p, ip)
    };
    View {
        contents: ok("contents"),
        actions: ok("actions"),
    }
}

fn hide_io(m: &mut Map<String, Value>) {
    for k in ["inputs", "outputs"] {
        if m.contains_key(k) {
            m.insert(k.into(), Value::String(RESTRICTED.into()));
        }
    }
}

/// `run` (the JSON of a stored [`crate::run::Run`]) as `view` allows.
pub fn filter(mut run: Value, view: View) -> Value {
    let Some(obj) = run.as_object_mut() else {
        return run;
    };
    if !view.contents {
        if let Some(Value::Object(t)) = obj.get_mut("trigger") {
            hide_io(t);
        }
        if let Some(Value::Object(r)) = obj.get_mut("response") {
            if r.contains_key("body") {
                r.insert("body".into(), Value::String(RESTRICTED.into()));
            }
        }
        if let Some(Value::Object(o)) = obj.get_mut("outputs") {
            for v in o.values_mut() {
                *v = Value::String(RESTRICTED.into());
            }
        }
        if let Some(Value::Object(actions)) = obj.get_mut("actions") {
            for a in actions.values_mut() {
                if let Value::Object(a) = a {
                    hide_io(a);
                    if let Some(Value::Array(reps)) = a.get_mut("repetitions") {
                        for r in reps.iter_mut().filter_map(Value::as_object_mut) {
                            hide_io(r);
                        }
                    }
                }
            }
        }
    }
    if !view.actions {
        if let Some(Value::Object(actions)) = obj.get_mut("actions") {
            for a in actions.values_mut() {
                if let Value::Object(m) = a {
                    m.retain(|k, _| matches!(k.as_str(), "status" | "start" | "end"));
                }
            }
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run() -> Value {
        json!({
            "run_id": "r1", "status": "Succeeded",
            "trigger": {"name": "manual", "inputs": {"a": 1}, "outputs": {"body": "B"}},
            "actions": {"Compose": {"status": "Succeeded", "start": "s", "end": "e",
                "inputs": "I", "outputs": "O", "retries": 0,
                "repetitions": [{"index": 0, "status": "Succeeded", "inputs": "RI", "outputs": "RO"}]}},
            "response": {"status": 200, "headers": {}, "body": "RB"},
            "outputs": {"o": "OV"}
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn contents_ranges_decide_who_reads_inputs_and_outputs() {
        let ac =
            json!({"contents": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/8"}]}});
        let inside = view(Some(&ac), ip("10.1.1.1"));
        assert_eq!(
            inside,
            View {
                contents: true,
                actions: true
            }
        );
        assert_eq!(filter(run(), inside), run());
        let outside = view(Some(&ac), ip("127.0.0.1"));
        assert!(!outside.contents && outside.actions);
        let f = filter(run(), outside).to_string();
        for s in ["\"B\"", "\"I\"", "\"O\"", "RI", "RO", "RB", "OV"] {
            assert!(!f.contains(s), "{s} in {f}");
        }
        assert!(f.contains("Succeeded") && f.contains(RESTRICTED));
    }

    #[test]
    fn nobody_and_only_logic_apps_refuse_every_direct_caller() {
        for list in [json!([{"addressRange": "0.0.0.0-0.0.0.0"}]), json!([])] {
            let ac = json!({"contents": {"allowedCallerIpAddresses": list}});
            assert!(!view(Some(&ac), ip("127.0.0.1")).contents);
            assert!(!view(Some(&ac), ip("::1")).contents);
        }
        assert!(view(None, ip("127.0.0.1")).contents);
    }

    #[test]
    fn actions_section_reduces_records_to_status_and_times() {
        let ac =
            json!({"actions": {"allowedCallerIpAddresses": [{"addressRange": "2001:db8::/32"}]}});
        let v = view(Some(&ac), ip("::1"));
        assert!(v.contents && !v.actions);
        let f = filter(run(), v);
        assert_eq!(
            f["actions"]["Compose"],
            json!({"status": "Succeeded", "start": "s", "end": "e"})
        );
        assert_eq!(f["trigger"]["outputs"]["body"], "B");
        assert!(view(Some(&ac), ip("2001:db8::5")).actions);
    }
}
