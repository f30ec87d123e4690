//! Conditions as rows: the mapping between the `expression` object of an
//! If (or an Until) and the portal designer's basic mode — rows of
//! operand / operator / operand, grouped with And / Or.
//!
//! The JSON form is the one the designer writes:
//! `{"and": [{"equals": ["@body('x')", 1]}, {"not": {"contains": ["a", "b"]}}]}`.
//! A negated operator is `not` around the positive function. Whatever this
//! mapping cannot show as rows (an expression string, an unknown function, a
//! `not` around a group, an operand list of the wrong length) makes
//! [`from_json`] answer `None`: the designer shows the JSON editor instead
//! (the portal's advanced mode). A value read from rows and written back
//! unchanged gives the same JSON.

use serde_json::{Map, Value};

/// The operators the portal offers, positive and negated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `equals`
    Equals,
    /// `not(equals)`
    NotEquals,
    /// `greater`
    Greater,
    /// `greaterOrEquals`
    GreaterOrEquals,
    /// `less`
    Less,
    /// `lessOrEquals`
    LessOrEquals,
    /// `contains`
    Contains,
    /// `not(contains)`
    NotContains,
    /// `startsWith`
    StartsWith,
    /// `not(startsWith)`
    NotStartsWith,
    /// `endsWith`
    EndsWith,
    /// `not(endsWith)`
    NotEndsWith,
}

impl Op {
    /// Every operator, in the order the picker lists them.
    pub const ALL: [Op; 12] = [
        Op::Equals,
        Op::NotEquals,
        Op::Greater,
        Op::GreaterOrEquals,
        Op::Less,
        Op::LessOrEquals,
        Op::Contains,
        Op::NotContains,
        Op::StartsWith,
        Op::NotStartsWith,
        Op::EndsWith,
        Op::NotEndsWith,
    ];

    /// As the picker shows it.
    pub fn label(self) -> &'static str {
        match self {
            Op::Equals => "is equal to",
            Op::NotEquals => "is not equal to",
            Op::Greater => "is greater than",
            Op::GreaterOrEquals => "is greater than or equal to",
            Op::Less => "is less than",
            Op::LessOrEquals => "is less than or equal to",
            Op::Contains => "contains",
            Op::NotContains => "does not contain",
            Op::StartsWith => "starts with",
            Op::NotStartsWith => "does not start with",
            Op::EndsWith => "ends with",
            Op::NotEndsWith => "does not end with",
        }
    }

    /// The WDL function, and whether it is wrapped in `not`.
    pub fn function(self) -> (&'static str, bool) {
        match self {
            Op::Equals => ("equals", false),
            Op::NotEquals => ("equals", true),
            Op::Greater => ("greater", false),
            Op::GreaterOrEquals => ("greaterOrEquals", false),
            Op::Less => ("less", false),
            Op::LessOrEquals => ("lessOrEquals", false),
            Op::Contains => ("contains", false),
            Op::NotContains => ("contains", true),
            Op::StartsWith => ("startsWith", false),
            Op::NotStartsWith => ("startsWith", true),
            Op::EndsWith => ("endsWith", false),
            Op::NotEndsWith => ("endsWith", true),
        }
    }

    /// The operator for a function name (as Logic Apps, case-insensitively)
    /// and a negation. `not(greater)` has no row form.
    pub fn from_function(name: &str, negated: bool) -> Option<Op> {
        Op::ALL.into_iter().find(|op| {
            let (f, n) = op.function();
            f.eq_ignore_ascii_case(name) && n == negated
        })
    }
}

/// One comparison: left operand, operator, right operand. Operands are
/// JSON values (usually strings: text or `@…` expressions).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The left operand.
    pub left: Value,
    /// The operator.
    pub op: Op,
    /// The right operand.
    pub right: Value,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            left: Value::String(String::new()),
            op: Op::Equals,
            right: Value::String(String::new()),
        }
    }
}

/// A row or a nested group.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A comparison.
    Row(Row),
    /// A group of its own.
    Group(Group),
}

/// Rows and groups joined by And (all must hold) or Or (one must).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `and` when true, `or` when false.
    pub and: bool,
    /// Its members, in order.
    pub items: Vec<Item>,
}

impl Default for Group {
    /// An And group with one empty row: what a new condition starts with.
    fn default() -> Self {
        Group {
            and: true,
            items: vec![Item::Row(Row::default())],
        }
    }
}

/// Reads an `expression` as rows, or `None` when it has no row form.
/// The root must be an `and` or `or` group, as the designer writes it.
pub fn from_json(v: &Value) -> Option<Group> {
    match item(v)? {
        Item::Group(g) => Some(g),
        Item::Row(_) => None,
    }
}

fn single(v: &Value) -> Option<(&String, &Value)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.iter().next()
}

fn item(v: &Value) -> Option<Item> {
    let (k, inner) = single(v)?;
    if k == "and" || k == "or" {
        let items = inner
            .as_array()?
            .iter()
            .map(item)
            .collect::<Option<Vec<_>>>()?;
        return Some(Item::Group(Group {
            and: k == "and",
            items,
        }));
    }
    let (name, args, negated) = if k == "not" {
        let (name, args) = single(inner)?;
        (name, args, true)
    } else {
        (k, inner, false)
    };
    let op = Op::from_function(name, negated)?;
    // The function name must be spelled as written back, or a round trip
    // would change the file.
    if op.function().0 != name {
        return None;
    }
    match args.as_array()?.as_slice() {
        [left, right] => Some(Item::Row(Row {
            left: left.clone(),
            op,
            right: right.clone(),
        })),
        _ => None,
    }
}

/// Writes rows as an `expression` object.
pub fn to_json(g: &Group) -> Value {
    let items: Vec<Value> = g.items.iter().map(item_json).collect();
    let mut m = Map::new();
    m.insert(
        if g.and { "and" } else { "or" }.to_owned(),
        Value::Array(items),
    );
    Value::Object(m)
}

fn item_json(i: &Item) -> Value {
    match i {
        Item::Group(g) => to_json(g),
        Item::Row(r) => {
            let (f, negated) = r.op.function();
            let mut call = Map::new();
            call.insert(
                f.to_owned(),
                Value::Array(vec![r.left.clone(), r.right.clone()]),
            );
            if negated {
                let mut not = Map::new();
                not.insert("not".to_owned(), Value::Object(call));
                Value::Object(not)
            } else {
                Value::Object(call)
            }
        }
    }
}

/// The text an operand shows: a string as it is, anything else as JSON.
pub fn operand_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The operand a text stands for: a JSON number, `true`, `false` or `null`
/// when the whole text is one, else the text as a string (plain text or an
/// expression). Quoted text (`"12"`) is the string inside the quotes.
pub fn operand_value(text: &str) -> Value {
    let t = text.trim();
    if t == "true" || t == "false" || t == "null" || t.starts_with('"') || looks_numeric(t) {
        if let Ok(v) = crate::workflow::text::parse_json(t) {
            if !v.is_object() && !v.is_array() {
                return v;
            }
        }
    }
    Value::String(text.to_owned())
}

fn looks_numeric(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    t.starts_with(|c: char| c.is_ascii_digit())
}

/// Where a group or row sits: indices from the root, one per level.
pub type Path = Vec<usize>;

impl Group {
    /// The group at `path` (the root for an empty path).
    pub fn group_mut(&mut self, path: &[usize]) -> Option<&mut Group> {
        let mut g = self;
        for &i in path {
            g = match g.items.get_mut(i)? {
                Item::Group(inner) => inner,
                Item::Row(_) => return None,
            };
        }
        Some(g)
    }

    /// The item at `path` (non-empty).
    pub fn item_mut(&mut self, path: &[usize]) -> Option<&mut Item> {
        let (last, up) = path.split_last()?;
        self.group_mut(up)?.items.get_mut(*last)
    }

    /// Removes the item at `path` (non-empty); false when there is none.
    pub fn remove(&mut self, path: &[usize]) -> bool {
        let Some((last, up)) = path.split_last() else {
            return false;
        };
        match self.group_mut(up) {
            Some(g) if *last < g.items.len() => {
                g.items.remove(*last);
                true
            }
            _ => false,
        }
    }

    /// Every row, depth first, with its path.
    pub fn rows(&self) -> Vec<(Path, &Row)> {
        let mut out = Vec::new();
        fn walk<'a>(g: &'a Group, at: &mut Path, out: &mut Vec<(Path, &'a Row)>) {
            for (i, it) in g.items.iter().enumerate() {
                at.push(i);
                match it {
                    Item::Row(r) => out.push((at.clone(), r)),
                    Item::Group(inner) => walk(inner, at, out),
                }
                at.pop();
            }
        }
        walk(self, &mut Vec::new(), &mut out);
        out
    }
}

/// Rows whose operand is empty, as 1-based row numbers (depth first): a
/// condition that compares nothing is almost always unfinished.
pub fn empty_operands(g: &Group) -> Vec<usize> {
    g.rows()
        .iter()
        .enumerate()
        .filter(|(_, (_, r))| is_blank(&r.left) || is_blank(&r.right))
        .map(|(i, _)| i + 1)
        .collect()
}

fn is_blank(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_operator_round_trips() {
        for op in Op::ALL {
            let g = Group {
                and: true,
                items: vec![Item::Row(Row {
                    left: json!("@body('x')"),
                    op,
                    right: json!(1),
                })],
            };
            let v = to_json(&g);
            assert_eq!(from_json(&v), Some(g), "{v}");
        }
    }

    #[test]
    fn negations_are_not_around_the_function() {
        let g = Group {
            and: false,
            items: vec![Item::Row(Row {
                left: json!("a"),
                op: Op::NotStartsWith,
                right: json!("b"),
            })],
        };
        assert_eq!(
            to_json(&g),
            json!({"or": [{"not": {"startsWith": ["a", "b"]}}]})
        );
    }

    #[test]
    fn nested_groups_read_and_write_back_the_same_json() {
        let v = json!({"and": [
            {"equals": ["@triggerBody()?['kind']", "order"]},
            {"or": [
                {"greater": ["@body('n')", 10]},
                {"not": {"contains": ["@body('s')", "test"]}},
                {"and": []}
            ]}
        ]});
        let g = from_json(&v).unwrap();
        assert_eq!(g.rows().len(), 3);
        assert_eq!(g.rows()[2].0, vec![1, 1]);
        assert_eq!(to_json(&g), v);
    }

    #[test]
    fn what_rows_cannot_show_is_refused() {
        for v in [
            json!("@equals(1, 1)"),
            json!({"equals": [1, 1]}),
            json!({"and": [{"not": {"greater": [1, 2]}}]}),
            json!({"and": [{"not": {"and": []}}]}),
            json!({"and": [{"equals": [1]}]}),
            json!({"and": [{"Equals": [1, 2]}]}),
            json!({"and": [{"matches": [1, 2]}]}),
            json!({"and": [{"equals": [1, 2], "less": [1, 2]}]}),
            json!({"and": {"equals": [1, 2]}}),
            json!(null),
        ] {
            assert_eq!(from_json(&v), None, "{v}");
        }
    }

    #[test]
    fn operands_keep_their_json_type() {
        assert_eq!(operand_value("12"), json!(12));
        assert_eq!(operand_value("-1.5"), json!(-1.5));
        assert_eq!(operand_value("true"), json!(true));
        assert_eq!(operand_value("null"), json!(null));
        assert_eq!(operand_value("\"12\""), json!("12"));
        assert_eq!(operand_value("12 apples"), json!("12 apples"));
        assert_eq!(operand_value("@body('x')"), json!("@body('x')"));
        assert_eq!(operand_value("[1]"), json!("[1]"));
        assert_eq!(operand_text(&json!(12)), "12");
        assert_eq!(operand_text(&json!("a")), "a");
    }

    #[test]
    fn edits_by_path() {
        let mut g = from_json(&json!({"and": [
            {"equals": ["a", "b"]},
            {"or": [{"equals": ["", "x"]}]}
        ]}))
        .unwrap();
        assert_eq!(empty_operands(&g), vec![2]);
        g.group_mut(&[1]).unwrap().and = true;
        assert!(g.remove(&[0]));
        assert!(!g.remove(&[5]));
        assert_eq!(
            to_json(&g),
            json!({"and": [{"and": [{"equals": ["", "x"]}]}]})
        );
        assert!(g.group_mut(&[0, 0]).is_none());
    }
}
