//! The pure function library (`lapis::expr::functions`), driven by a table
//! of cases taken from the examples of the Logic Apps "Reference guide to
//! workflow expression functions", plus errors and edge cases.
//!
//! Each row of [`CASES`] is `(function, arguments, expected)`: the function
//! as the reference spells it, the evaluated arguments as a JSON array, and
//! either the result as JSON text or a piece of the error message. The table
//! is plain data so that it can also be fed through the expression parser.

use lapis::expr::functions::{arity, call, names};
use proptest::prelude::*;
use serde_json::Value;

/// `(function, arguments as a JSON array, Ok(result JSON) or Err(part of the error))`.
pub type Case = (
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
);

#[path = "tables/functions.rs"]
mod table;
pub use table::CASES;

/// Every function of the brief, as the reference spells it.
const EXPECTED_FUNCTIONS: &[&str] = &[
    // String
    "concat",
    "substring",
    "slice",
    "replace",
    "split",
    "indexOf",
    "lastIndexOf",
    "nthIndexOf",
    "startsWith",
    "endsWith",
    "toLower",
    "toUpper",
    "trim",
    "guid",
    "formatNumber",
    "length",
    // Collection
    "contains",
    "empty",
    "first",
    "last",
    "join",
    "skip",
    "take",
    "union",
    "intersection",
    "createArray",
    "range",
    "reverse",
    "sort",
    // Logical and comparison
    "and",
    "or",
    "not",
    "equals",
    "greater",
    "greaterOrEquals",
    "less",
    "lessOrEquals",
    "if",
    "coalesce",
    // Conversion
    "array",
    "base64",
    "base64ToString",
    "base64ToBinary",
    "binary",
    "bool",
    "dataUri",
    "dataUriToBinary",
    "dataUriToString",
    "decodeBase64",
    "decodeDataUri",
    "decodeUriComponent",
    "encodeUriComponent",
    "uriComponent",
    "uriComponentToBinary",
    "uriComponentToString",
    "float",
    "int",
    "json",
    "string",
    "xml",
    "xpath",
    // Math
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "min",
    "max",
    "rand",
    // URI
    "uriHost",
    "uriPath",
    "uriPathAndQuery",
    "uriPort",
    "uriQuery",
    "uriScheme",
    // JSON manipulation
    "addProperty",
    "setProperty",
    "removeProperty",
];

fn parse(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad JSON in {what}: {text}: {e}"))
}

fn run(name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    call(&name.to_ascii_lowercase(), args)
}

#[test]
fn table_of_reference_examples() {
    let mut failures = Vec::new();
    for (index, &(name, args_text, expected)) in CASES.iter().enumerate() {
        let Value::Array(args) = parse(args_text, "row") else {
            panic!("row {index}: arguments must be a JSON array: {args_text}");
        };
        let got = run(name, &args);
        let shown = format!("row {index}: {name}({args_text})");
        match (got, expected) {
            (None, _) => failures.push(format!("{shown}: not answered")),
            (Some(Ok(value)), Ok(want)) => {
                let want = parse(want, &shown);
                let (got_text, want_text) = (value.to_string(), want.to_string());
                if got_text != want_text {
                    failures.push(format!("{shown}: got {got_text}, want {want_text}"));
                }
            }
            (Some(Err(message)), Err(part)) => {
                if !message.contains(part) {
                    failures.push(format!("{shown}: error {message:?} lacks {part:?}"));
                }
                // .NET's DivideByZeroException is the one runtime error
                // worded otherwise; it names the function at its end.
                if !message.starts_with("The template language function '")
                    && !message.starts_with(
                        "Attempt to divide an integral or decimal value by zero in function '",
                    )
                {
                    failures.push(format!(
                        "{shown}: error {message:?} is not worded like Logic Apps"
                    ));
                }
            }
            (Some(Ok(value)), Err(part)) => {
                failures.push(format!("{shown}: got {value}, want an error with {part:?}"))
            }
            (Some(Err(message)), Ok(want)) => {
                failures.push(format!("{shown}: error {message:?}, want {want}"))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn every_function_is_answered_and_in_the_table() {
    for &name in EXPECTED_FUNCTIONS {
        let lower = name.to_ascii_lowercase();
        assert!(call(&lower, &[]).is_some(), "{name} is not answered");
        assert!(
            names().any(|n| n == name),
            "{name} is not listed by names()"
        );
        assert!(arity(&lower).is_some(), "{name} has no arity");
        assert!(
            CASES.iter().any(|&(n, _, _)| n == name),
            "{name} has no row in the table"
        );
    }
    for name in names() {
        assert!(
            call(&name.to_ascii_lowercase(), &[]).is_some(),
            "{name} is listed but not answered"
        );
    }
}

#[test]
fn unknown_and_foreign_names_are_not_answered() {
    for name in [
        "",
        "nosuchfunction",
        "parameters",
        "variables",
        "body",
        "outputs",
        "item",
        "items",
        "triggerbody",
        "workflow",
        "utcnow",
        "adddays",
        "formatdatetime",
        "ticks",
        "concat ",
    ] {
        assert!(call(name, &[]).is_none(), "{name:?} should not be answered");
        assert!(arity(name).is_none(), "{name:?} should have no arity");
    }
}

#[test]
fn arity_errors_do_not_panic_and_name_the_function() {
    for name in names() {
        let (min, max) = arity(name).unwrap_or((0, None));
        if min > 0 {
            let message = run(name, &[]).and_then(Result::err).unwrap_or_default();
            assert!(
                message.contains(&format!("'{name}' expects")),
                "{name}: {message}"
            );
        }
        if let Some(max) = max {
            let args = vec![Value::Null; max + 1];
            let message = run(name, &args).and_then(Result::err).unwrap_or_default();
            assert!(message.contains("parameter(s)"), "{name}: {message}");
        }
    }
}

fn is_hex(s: &str) -> bool {
    s.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

fn guid(format: Option<&str>) -> String {
    let args: Vec<Value> = format
        .map(|f| Value::String(f.into()))
        .into_iter()
        .collect();
    match run("guid", &args) {
        Some(Ok(Value::String(s))) => s,
        other => panic!("guid({format:?}) gave {other:?}"),
    }
}

fn check_dashed(d: &str) {
    let parts: Vec<&str> = d.split('-').collect();
    let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    assert_eq!(lengths, [8, 4, 4, 4, 12], "{d}");
    assert!(parts.iter().all(|p| is_hex(p)), "{d}");
    assert!(parts[2].starts_with('4'), "version 4: {d}");
    assert!(parts[3].starts_with(['8', '9', 'a', 'b']), "variant: {d}");
}

#[test]
fn guid_shapes() {
    check_dashed(&guid(None));
    check_dashed(&guid(Some("D")));
    check_dashed(&guid(Some("d")));
    check_dashed(&guid(Some("")));
    let n = guid(Some("N"));
    assert!(n.len() == 32 && is_hex(&n), "{n}");
    let b = guid(Some("B"));
    assert!(b.starts_with('{') && b.ends_with('}'), "{b}");
    check_dashed(&b[1..b.len() - 1]);
    let p = guid(Some("P"));
    assert!(p.starts_with('(') && p.ends_with(')'), "{p}");
    check_dashed(&p[1..p.len() - 1]);
    let x = guid(Some("X"));
    assert!(x.starts_with("{0x") && x.ends_with("}}"), "{x}");
    assert_eq!(x.len(), 68, "{x}");
    assert_eq!(x.matches("0x").count(), 11, "{x}");
    let many: std::collections::HashSet<String> = (0..500).map(|_| guid(None)).collect();
    assert_eq!(many.len(), 500, "GUIDs repeat");
}

#[test]
fn rand_stays_in_range() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..400 {
        let value = run("rand", &[1.into(), 5.into()]);
        let Some(Ok(Value::Number(n))) = value else {
            panic!("rand(1, 5) gave {value:?}");
        };
        let n = n.as_i64().unwrap_or(i64::MIN);
        assert!((1..5).contains(&n), "rand(1, 5) gave {n}");
        seen.insert(n);
    }
    assert_eq!(
        seen.len(),
        4,
        "rand(1, 5) should reach 1, 2, 3 and 4: {seen:?}"
    );
    for (min, max) in [(i64::MIN, i64::MAX), (-10, -9), (0, 1)] {
        let value = run("rand", &[min.into(), max.into()]);
        let Some(Ok(Value::Number(n))) = value else {
            panic!("rand({min}, {max}) gave {value:?}");
        };
        let n = n.as_i64().unwrap_or(i64::MAX);
        assert!(min <= n && n < max, "rand({min}, {max}) gave {n}");
    }
}

#[test]
fn binary_round_trips() {
    let binary = run("binary", &["héllo wörld".into()]);
    let Some(Ok(envelope)) = binary else {
        panic!("binary gave {binary:?}");
    };
    for (name, want) in [
        ("string", "héllo wörld"),
        ("base64ToString", "héllo wörld"),
        ("base64", "aMOpbGxvIHfDtnJsZA=="),
    ] {
        let got = run(name, std::slice::from_ref(&envelope));
        assert_eq!(got, Some(Ok(Value::String(want.into()))), "{name}");
    }
    let uri = run("dataUri", &[envelope]);
    let Some(Ok(uri)) = uri else {
        panic!("dataUri gave {uri:?}");
    };
    assert_eq!(
        run("dataUriToString", &[uri]),
        Some(Ok(Value::String("héllo wörld".into())))
    );
}

// ----- no panics, whatever the arguments -----

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("99999999999999999999999"),
            Just("-1e400"),
            Just("1e-400"),
            Just("1.0"),
            Just("-0"),
            Just("0.000"),
            Just("123456789.987654321e-5"),
        ]
        .prop_map(|t| serde_json::from_str::<Value>(t).unwrap_or(Value::Null)),
    ]
}

fn json_string() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".{0,12}",
        "[0#.,%‰E+\\-;'\"\\\\CDEFGNPRXx0-9 ]{0,10}",
        "(https?|ftp|data|mailto)://?[a-z0-9.:@\\[\\]]{0,12}(/[a-z%?#=&]{0,8})?",
        "data:[a-z/;=]{0,12}(;base64)?,[A-Za-z0-9+/=%]{0,12}",
        "[A-Za-z0-9+/=]{0,16}",
        prop_oneof![
            Just("en-US"),
            Just("is-IS"),
            Just("de"),
            Just("N"),
            Just("B"),
            Just("X"),
            Just("true"),
            Just("<a/>"),
            Just("{\"a\":[1,2]}"),
        ]
        .prop_map(String::from),
    ]
    .prop_map(Value::String)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        json_string(),
        Just(serde_json::json!({"$content-type": "application/octet-stream", "$content": "aGk="})),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c$]{0,2}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_function_panics(args in prop::collection::vec(json_value(), 0..4)) {
        for name in names() {
            let outcome = run(name, &args);
            prop_assert!(outcome.is_some(), "{} not answered", name);
        }
    }

    #[test]
    fn format_number_never_panics(
        number in json_number(),
        format in "[0#.,%‰E+\\-;'\"\\\\CDEFGNPRXxe0-9 ]{0,12}",
        locale in prop_oneof![Just(None), Just(Some("de-DE")), Just(Some("fr-FR")), Just(Some("is-IS"))],
    ) {
        let mut args = vec![number, Value::String(format)];
        if let Some(locale) = locale {
            args.push(Value::String(locale.into()));
        }
        let outcome = run("formatNumber", &args);
        prop_assert!(outcome.is_some());
    }
}
