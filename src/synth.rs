//! Synthetic workflows of a given size and nesting depth, for benchmarks,
//! stress tests and demos (`lapis synth`). Deterministic: the same
//! arguments give the same definition.

use serde_json::{json, Map, Value};

/// The deepest nesting `generate` makes: deeper files would pass the JSON
/// parser's limit of 128 levels.
pub const MAX_DEPTH: usize = 50;

/// Makes a definition with exactly `actions` actions (counting nested ones)
/// whose deepest action sits at nesting level `depth` (1 = top level; capped
/// by the action count and by [`MAX_DEPTH`]). It mixes If, Switch, Foreach, Until and Scope,
/// sequential chains, parallel branches with joins, non-success run-after
/// and HTTP actions with ActiveDirectoryOAuth.
pub fn generate(actions: usize, depth: usize) -> Value {
    let mut g = Gen {
        next: 0,
        budget: actions,
        rng: 0x9E37_79B9_7F4A_7C15,
    };
    let depth = depth.clamp(1, MAX_DEPTH).min(actions.max(1));
    let mut top = Map::new();
    if actions > 0 {
        // The spine: one control action per level, down to `depth`.
        g.spine(&mut top, depth);
        // Fill the rest breadth-first across the top level and the scopes.
        while g.budget > 0 {
            let n = g.budget.min(40);
            g.fill(&mut top, n, 1, depth);
        }
    }
    json!({
        "$schema": crate::workflow::DEFINITION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {
            "tenantId": {"type": "String", "defaultValue": "contoso.onmicrosoft.com"},
            "clientId": {"type": "String", "defaultValue": "00000000-0000-0000-0000-000000000001"},
            "clientSecret": {"type": "SecureString"}
        },
        "triggers": {
            "manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}
        },
        "actions": Value::Object(top),
        "outputs": {}
    })
}

struct Gen {
    next: usize,
    budget: usize,
    rng: u64,
}

impl Gen {
    fn rand(&mut self, n: usize) -> usize {
        // xorshift64*: small, fast, deterministic.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    fn name(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_{}", self.next)
    }

    fn run_after(&mut self, list: &Map<String, Value>) -> Value {
        let keys: Vec<&String> = list.keys().collect();
        match keys.len() {
            0 => json!({}),
            1 => json!({ keys[0].clone(): ["Succeeded"] }),
            n => {
                let r = self.rand(10);
                if r == 0 {
                    // A join of the last two.
                    json!({ keys[n - 1].clone(): ["Succeeded"], keys[n - 2].clone(): ["Succeeded"] })
                } else if r == 1 {
                    json!({ keys[n - 1].clone(): ["Failed", "TimedOut"] })
                } else if r == 2 {
                    // A parallel branch: after the one before the last.
                    json!({ keys[n - 2].clone(): ["Succeeded"] })
                } else {
                    json!({ keys[n - 1].clone(): ["Succeeded"] })
                }
            }
        }
    }

    fn leaf(&mut self, list: &Map<String, Value>) -> (String, Value) {
        self.budget -= 1;
        let run_after = self.run_after(list);
        if self.rand(6) == 0 {
            let name = self.name("Call_API");
            (
                name,
                json!({
                    "type": "Http",
                    "inputs": {
                        "method": "GET",
                        "uri": "https://sampleapp1.msappproxy.net/api/1/status",
                        "authentication": {
                            "type": "ActiveDirectoryOAuth",
                            "authority": "https://login.windows.net",
                            "tenant": "@parameters('tenantId')",
                            "audience": "https://sampleapp1.msappproxy.net",
                            "clientId": "@parameters('clientId')",
                            "secret": "@parameters('clientSecret')"
                        }
                    },
                    "runAfter": run_after
                }),
            )
        } else {
            let name = self.name("Compose");
            // Read an action this one runs after, so the reference is
            // upstream (as Logic Apps requires).
            let prev = run_after.as_object().and_then(|m| m.keys().next()).cloned();
            let inputs = match prev {
                Some(p) => json!(format!("@outputs('{p}')")),
                None => json!("@triggerBody()"),
            };
            (
                name,
                json!({"type": "Compose", "inputs": inputs, "runAfter": run_after}),
            )
        }
    }

    /// A control action of a kind chosen by `level`, with empty branches;
    /// returns its name, value, and the pointers of its branch lists.
    fn control(&mut self, list: &Map<String, Value>, level: usize) -> (String, Value) {
        self.budget -= 1;
        let run_after = self.run_after(list);
        let kind = level % 5;
        let (prefix, v) = match kind {
            0 => (
                "Scope",
                json!({"type": "Scope", "actions": {}, "runAfter": run_after}),
            ),
            1 => (
                "Condition",
                json!({
                    "type": "If",
                    "expression": {"and": [{"equals": ["@triggerBody()?['ok']", true]}]},
                    "actions": {},
                    "else": {"actions": {}},
                    "runAfter": run_after
                }),
            ),
            2 => (
                "For_each",
                json!({"type": "Foreach", "foreach": "@triggerBody()?['items']", "actions": {}, "runAfter": run_after}),
            ),
            3 => (
                "Switch",
                json!({
                    "type": "Switch",
                    "expression": "@triggerBody()?['kind']",
                    "cases": {"Case_a": {"case": "a", "actions": {}}, "Case_b": {"case": "b", "actions": {}}},
                    "default": {"actions": {}},
                    "runAfter": run_after
                }),
            ),
            _ => (
                "Until",
                json!({
                    "type": "Until",
                    "expression": "@equals(1, 1)",
                    "limit": {"count": 5, "timeout": "PT1H"},
                    "actions": {},
                    "runAfter": run_after
                }),
            ),
        };
        (self.name(prefix), v)
    }

    /// Nested control actions down to `depth`, each holding one leaf.
    fn spine(&mut self, list: &mut Map<String, Value>, depth: usize) {
        if self.budget == 0 {
            return;
        }
        if depth <= 1 {
            let (n, v) = self.leaf(list);
            list.insert(n, v);
            return;
        }
        let (n, mut v) = self.control(list, depth);
        let branch = first_branch(&mut v);
        self.spine(branch, depth - 1);
        list.insert(n, v);
    }

    /// Adds up to `n` actions to `list` (at nesting `level`), recursing into
    /// existing control actions so that every scope gets some content.
    fn fill(&mut self, list: &mut Map<String, Value>, n: usize, level: usize, max_depth: usize) {
        let mut left = n.min(self.budget);
        while left > 0 && self.budget > 0 {
            if level < max_depth && left > 6 && self.rand(8) == 0 {
                let kind = level + self.rand(5);
                let (name, mut v) = self.control(list, kind);
                left -= 1;
                let share = (left / 3).max(1);
                let branches = all_branches(&mut v);
                let per = (share / branches.len().max(1)).max(1);
                for b in branches {
                    if self.budget == 0 {
                        break;
                    }
                    let take = per.min(self.budget);
                    let before = self.budget;
                    self.fill(b, take, level + 1, max_depth);
                    left = left.saturating_sub(before - self.budget);
                }
                list.insert(name, v);
            } else {
                let (name, v) = self.leaf(list);
                list.insert(name, v);
                left -= 1;
            }
        }
    }
}

fn first_branch(v: &mut Value) -> &mut Map<String, Value> {
    let ty = v["type"].as_str().unwrap_or("").to_owned();
    let target = if ty == "Switch" {
        &mut v["cases"]["Case_a"]["actions"]
    } else {
        &mut v["actions"]
    };
    target
        .as_object_mut()
        .expect("generated branches are objects")
}

fn all_branches(v: &mut Value) -> Vec<&mut Map<String, Value>> {
    let obj = v.as_object_mut().expect("generated actions are objects");
    let mut out = Vec::new();
    let mut else_actions = None;
    let mut cases = None;
    let mut default = None;
    let mut body = None;
    for (k, x) in obj.iter_mut() {
        match k.as_str() {
            "actions" => body = x.as_object_mut(),
            "else" => else_actions = x.get_mut("actions").and_then(Value::as_object_mut),
            "cases" => cases = x.as_object_mut(),
            "default" => default = x.get_mut("actions").and_then(Value::as_object_mut),
            _ => {}
        }
    }
    out.extend(body);
    out.extend(else_actions);
    if let Some(c) = cases {
        for case in c.values_mut() {
            if let Some(a) = case.get_mut("actions").and_then(Value::as_object_mut) {
                out.push(a);
            }
        }
    }
    out.extend(default);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::Document;

    #[test]
    fn sizes_and_depths_are_exact() {
        for (n, d) in [(1, 1), (10, 3), (500, 8), (5000, 8), (37, 12)] {
            let doc = Document::from_value(generate(n, d)).unwrap();
            let o = doc.outline(0).unwrap();
            assert_eq!(o.actions().count(), n, "actions for ({n},{d})");
            let depth = o.actions().map(|a| a.depth).max().unwrap();
            assert_eq!(depth, d.min(n), "depth for ({n},{d})");
        }
        assert_eq!(generate(300, 5), generate(300, 5));
    }
}
