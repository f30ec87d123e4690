//! Workflow Definition Language expressions: the parser (every syntax form,
//! error positions), the checker (one case per rule), the evaluator (the
//! workflow functions and access semantics), `lapis eval` run as a child
//! process, the shared corpus, and property tests that the parser never
//! panics and always points inside the text.

mod common;

use lapis::expr::ast::{Expr, ExprKind, RefKind, Segment, Template};
use lapis::expr::check::{check_definition, Checker, Finding, Level, SiteKind};
use lapis::expr::eval::{eval_str, evaluate, evaluate_value, evaluate_value_at, Context};
use lapis::expr::parse::{is_expression, parse_expression, parse_string_value, MAX_NESTING};
use lapis::expr::{registry, ExprError, Span};
use lapis::workflow::model::is_arm_expression;
use lapis::workflow::Document;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

#[track_caller]
fn tpl(text: &str) -> Template {
    parse_string_value(text).unwrap_or_else(|e| panic!("{text:?} does not parse: {e}"))
}

#[track_caller]
fn whole(text: &str) -> Expr {
    match tpl(text) {
        Template::Expression(e) => e,
        other => panic!("{text:?} is not a whole expression: {other:?}"),
    }
}

#[track_caller]
fn parse_err(text: &str) -> ExprError {
    match parse_string_value(text) {
        Ok(t) => panic!("{text:?} parses, but should not: {t:?}"),
        Err(e) => e,
    }
}

fn call_name(e: &Expr) -> &str {
    match &e.kind {
        ExprKind::Call(c) => &c.name,
        other => panic!("not a call: {other:?}"),
    }
}

/// The text a span covers.
fn cut(text: &str, s: Span) -> String {
    text.chars().skip(s.start).take(s.end - s.start).collect()
}

// ---------------------------------------------------------------------------
// 1. Parser
// ---------------------------------------------------------------------------

#[test]
fn plain_text_and_escapes_are_literals() {
    assert_eq!(tpl("Sophia Owen"), Template::Literal("Sophia Owen".into()));
    assert_eq!(tpl("array[1]"), Template::Literal("array[1]".into()));
    assert_eq!(tpl(""), Template::Literal(String::new()));
    // `@@` at the start is one `@`; an `@` elsewhere is itself.
    assert_eq!(tpl("@@"), Template::Literal("@".into()));
    assert_eq!(tpl("@@foo"), Template::Literal("@foo".into()));
    assert_eq!(tpl(" @"), Template::Literal(" @".into()));
    assert_eq!(
        tpl("mail@example.org"),
        Template::Literal("mail@example.org".into())
    );
    // `@@{` inside text is a literal `@{`.
    assert_eq!(
        tpl("My age is @@{parameters('myAge')}"),
        Template::Literal("My age is @{parameters('myAge')}".into())
    );
    assert!(!tpl("@@").has_expressions());
}

#[test]
fn whole_expressions_of_every_kind() {
    let e = whole("@concat('a', 'b')");
    let ExprKind::Call(c) = &e.kind else {
        panic!("a call")
    };
    assert_eq!(
        (c.name.as_str(), c.key.as_str(), c.args.len()),
        ("concat", "concat", 2)
    );
    assert_eq!(e.span, Span::new(1, 17));
    assert_eq!(c.name_span, Span::new(1, 7));
    assert_eq!(c.args[1].span, Span::new(13, 16));

    // Literals.
    let lit = |t: &str| whole(t).kind;
    assert_eq!(lit("@42"), ExprKind::Number(42.into()));
    assert_eq!(lit("@-7"), ExprKind::Number((-7).into()));
    assert_eq!(
        lit("@2.5").clone(),
        ExprKind::Number(serde_json::Number::from_f64(2.5).unwrap())
    );
    assert_eq!(
        lit("@1e3"),
        ExprKind::Number(serde_json::Number::from_f64(1000.0).unwrap())
    );
    assert_eq!(lit("@true"), ExprKind::Bool(true));
    assert_eq!(lit("@FALSE"), ExprKind::Bool(false));
    assert_eq!(lit("@null"), ExprKind::Null);
    assert_eq!(lit("@'it''s'"), ExprKind::String("it's".into()));
    assert_eq!(lit("@''"), ExprKind::String(String::new()));
    assert_eq!(lit("@'a}b'"), ExprKind::String("a}b".into()));

    // Names are case-insensitive: the key is lower case.
    let ExprKind::Call(c) = whole("@TriggerBODY()").kind else {
        panic!("a call")
    };
    assert_eq!(
        (c.name.as_str(), c.key.as_str()),
        ("TriggerBODY", "triggerbody")
    );

    // Whitespace and new lines between tokens.
    let e = whole("@ concat (\n  'a' ,\t'b' ) ");
    assert_eq!(call_name(&e), "concat");
    assert_eq!(e.span, Span::new(2, 24));
}

#[test]
fn indexing_member_access_and_null_safe_access() {
    let text = "@body('Get')?['items'][0].name?.first";
    let e = whole(text);
    // Outermost: `?.first` on `…name`.
    let ExprKind::Member {
        target,
        name,
        name_span,
        null_safe,
    } = &e.kind
    else {
        panic!("member: {e:?}")
    };
    assert_eq!((name.as_str(), *null_safe), ("first", true));
    assert_eq!(cut(text, *name_span), "first");
    let ExprKind::Member {
        target, null_safe, ..
    } = &target.kind
    else {
        panic!("member")
    };
    assert!(!null_safe);
    let ExprKind::Index {
        target,
        index,
        null_safe,
    } = &target.kind
    else {
        panic!("index")
    };
    assert_eq!(index.kind, ExprKind::Number(0.into()));
    assert!(!null_safe);
    let ExprKind::Index {
        target,
        index,
        null_safe,
    } = &target.kind
    else {
        panic!("index")
    };
    assert_eq!(index.kind, ExprKind::String("items".into()));
    assert!(null_safe);
    assert_eq!(call_name(target), "body");
    assert_eq!(cut(text, e.span), &text[1..]);
    // `$` is allowed in property names, and `? .` may be spaced.
    let e = whole("@triggerBody() ? . $content");
    assert!(
        matches!(&e.kind, ExprKind::Member { name, null_safe: true, .. } if name == "$content")
    );
}

#[test]
fn interpolations_keep_text_and_spans() {
    let text = "id @{body('Get')?['id']} of @{ triggerBody() }!";
    let Template::Interpolation(parts) = tpl(text) else {
        panic!("an interpolation")
    };
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[0], Segment::Text("id ".into(), Span::new(0, 3)));
    let Segment::Expr(e) = &parts[1] else {
        panic!("an expression")
    };
    assert_eq!(cut(text, e.span), "body('Get')?['id']");
    assert_eq!(parts[2], Segment::Text(" of ".into(), Span::new(24, 28)));
    let Segment::Expr(e) = &parts[3] else {
        panic!("an expression")
    };
    assert_eq!(cut(text, e.span), "triggerBody()");
    assert_eq!(parts[4], Segment::Text("!".into(), Span::new(46, 47)));

    // A value that is only `@{…}` is an interpolation (a string), not a
    // whole expression.
    assert!(matches!(tpl("@{parameters('age')}"), Template::Interpolation(p) if p.len() == 1));
    // A string that starts with `@@` is literal as a whole, less its
    // first `@`: nothing inside it is evaluated.
    assert_eq!(
        tpl("@@user: @{variables('n')}"),
        Template::Literal("@user: @{variables('n')}".into())
    );
    assert!(is_expression("a @{b()}") && is_expression("@x()") && !is_expression("@@x"));
    assert!(!is_expression("@@x @{y()}"));
}

#[test]
fn bare_expressions_parse_without_the_at_sign() {
    let e = parse_expression("concat('a', body('x')?['y'])").unwrap();
    assert_eq!(e.span, Span::new(0, 28));
    let err = parse_expression("  ").unwrap_err();
    assert_eq!(err.span.start, 2);
    assert!(err.message.contains("empty"), "{}", err.message);
}

#[test]
fn errors_point_at_the_offending_character() {
    // (text, 1-based column, words the message has)
    let cases: &[(&str, usize, &str)] = &[
        ("@ ", 3, "expected an expression after `@`"),
        (
            "@concat('a'",
            12,
            "expected `)` to close the call of `concat` at column 8",
        ),
        ("@concat('a' 'b')", 13, "expected `,` or `)`"),
        ("@concat('a',)", 13, "expected an argument"),
        ("@concat(,'a')", 9, "expected an argument"),
        ("@foo('abc", 6, "not closed"),
        (
            "@body('x')['a'",
            15,
            "expected `]` to close the `[` at column 11",
        ),
        ("@body('x')[]", 11, "needs an index"),
        ("@body('x')?", 12, "expected `[` or `.` after `?`"),
        ("@body('x')?('a')", 12, "expected `[` or `.`"),
        ("@body('x').", 12, "expected a property name"),
        ("@body('x').'a'", 12, "expected a property name"),
        ("@body", 6, "expected `(` after the function name `body`"),
        ("@concat('a') extra", 14, "after the end of the expression"),
        ("@-.", 4, "decimal point"),
        ("@-x", 3, "expected a digit after `-`"),
        ("@12abc", 4, "right after a number"),
        ("@\"text\"", 2, "single quotes"),
        ("@[1, 2]", 2, "createArray"),
        ("@(1)", 2, "must follow a function name"),
        ("@concat('a'))", 13, "a `)` without its `(`"),
        (
            "x @{concat('a')",
            16,
            "expected `}` to close the `@{` at column 3",
        ),
        ("x @{}", 3, "is empty"),
        (
            "x @{  ",
            7,
            "expected an expression after the `@{` at column 3",
        ),
        ("x @{a b}", 7, "expected `(`"),
        ("@body('x')}", 11, "interpolation"),
        ("@#", 2, "found `#`"),
        ("é @{body('ü'}", 13, "expected `,` or `)`"),
    ];
    for &(text, column, words) in cases {
        let e = parse_err(text);
        assert_eq!(
            (e.span.start + 1, e.message.contains(words)),
            (column, true),
            "{text:?}: {e}"
        );
        let n = text.chars().count();
        assert!(
            e.span.start <= e.span.end && e.span.end <= n + 1,
            "{text:?}: {:?}",
            e.span
        );
        assert_eq!(e.to_string(), format!("column {column}: {}", e.message));
    }
}

#[test]
fn deep_nesting_is_refused_cleanly() {
    // Nested calls past the limit.
    let deep = format!(
        "@{}1{}",
        "f(".repeat(MAX_NESTING + 5),
        ")".repeat(MAX_NESTING + 5)
    );
    let e = parse_err(&deep);
    assert!(e.message.contains("nested too deeply"), "{e}");
    assert_eq!(e.span.start, 2 + 2 * MAX_NESTING);
    // Nested brackets, unclosed, far past the limit.
    let e = parse_err(&format!("@x(){}", "[x()".repeat(100_000)));
    assert!(e.message.contains("nested too deeply"), "{e}");
    // A long chain of property accesses.
    let e = parse_err(&format!("@x(){}", ".a".repeat(10_000)));
    assert!(e.message.contains("nested too deeply"), "{e}");
    // Just inside the limit is fine.
    let ok = format!("@{}1{}", "f(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(parse_string_value(&ok).is_ok());
    let ok = format!("@x(){}", "?['a']".repeat(200));
    assert!(parse_string_value(&ok).is_ok());
}

#[test]
fn walk_calls_and_references() {
    let text = "@{concat(body('Get user')?['id'], items('For_each'), parameters('p'))} @{variables('v')} @{appsetting('S')}";
    let t = tpl(text);
    let names: Vec<&str> = t.calls().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "concat",
            "body",
            "items",
            "parameters",
            "variables",
            "appsetting"
        ]
    );
    let mut nodes = 0;
    t.walk(&mut |_| nodes += 1);
    // concat, index, body, 'Get user', 'id', items, 'For_each',
    // parameters, 'p', variables, 'v', appsetting, 'S'
    assert_eq!(nodes, 13);
    let refs = t.references();
    let got: Vec<(RefKind, &str, String)> = refs
        .iter()
        .map(|r| (r.kind, r.name.as_str(), cut(text, r.span)))
        .collect();
    assert_eq!(
        got,
        [
            (RefKind::Action, "Get user", "'Get user'".to_owned()),
            (RefKind::Loop, "For_each", "'For_each'".to_owned()),
            (RefKind::Parameter, "p", "'p'".to_owned()),
            (RefKind::Variable, "v", "'v'".to_owned()),
            (RefKind::AppSetting, "S", "'S'".to_owned()),
        ]
    );
    // A name built at run time is not a reference.
    assert!(tpl("@body(concat('a', 'b'))").references().is_empty());
}

#[test]
fn the_registry_knows_arity_and_completes() {
    for (name, ok, bad) in [
        ("substring", 2, 4),
        ("utcNow", 0, 2),
        ("if", 3, 2),
        ("concat", 5, 0),
        ("formatDateTime", 3, 4),
        ("trigger", 0, 1),
    ] {
        let f = registry::lookup(name).unwrap();
        assert!(f.accepts(ok) && !f.accepts(bad), "{name}");
    }
    let names: Vec<&str> = registry::completions("trigger")
        .iter()
        .map(|f| f.name)
        .collect();
    assert!(
        names.contains(&"triggerBody") && names.contains(&"triggerOutputs"),
        "{names:?}"
    );
    assert!(
        registry::FUNCTIONS.len() >= 125,
        "{}",
        registry::FUNCTIONS.len()
    );
}

// ---------------------------------------------------------------------------
// 2. Checker
// ---------------------------------------------------------------------------

const SCHEMA: &str =
    "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";

fn definition(actions: Value) -> Value {
    json!({
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"apiUrl": {"type": "String"}, "$connections": {"type": "Object"}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions,
        "outputs": {}
    })
}

fn compose(inputs: Value, run_after: Value) -> Value {
    json!({"type": "Compose", "inputs": inputs, "runAfter": run_after})
}

fn findings_of(root: Value) -> Vec<Finding> {
    let doc = Document::from_value(root).expect("a workflow");
    let o = doc.outline(0).expect("an outline");
    check_definition(&doc.root, &o)
}

fn findings(actions: Value) -> Vec<Finding> {
    findings_of(definition(actions))
}

/// (code, level, pointer) of each finding.
fn summary(fs: &[Finding]) -> Vec<(&'static str, Level, String)> {
    fs.iter()
        .map(|f| (f.code, f.level, f.pointer.clone()))
        .collect()
}

#[track_caller]
fn only(fs: &[Finding]) -> &Finding {
    assert_eq!(fs.len(), 1, "{fs:#?}");
    &fs[0]
}

#[test]
fn check_syntax_errors_keep_their_position() {
    let fs = findings(json!({"A": compose(json!({"x": "v: @{concat('a'}"}), json!({}))}));
    let f = only(&fs);
    assert_eq!((f.code, f.level), ("expr-syntax", Level::Error));
    assert_eq!(f.pointer, "/actions/A/inputs/x");
    assert_eq!(f.span.start, 15);
    assert!(f.message.contains("expected `,` or `)`"), "{}", f.message);
}

#[test]
fn check_unknown_functions_with_a_suggestion() {
    let fs = findings(json!({"A": compose(json!("@concatt('a', 'b')"), json!({}))}));
    let f = only(&fs);
    assert_eq!((f.code, f.span), ("expr-unknown-function", Span::new(1, 8)));
    assert!(f.message.contains("did you mean `concat`"), "{}", f.message);
    // Any casing of a known name is fine.
    assert!(findings(json!({"A": compose(json!("@CONCAT('a')"), json!({}))})).is_empty());
}

#[test]
fn check_argument_counts() {
    let fs = findings(
        json!({"A": compose(json!("@{substring('abc')} @{utcNow('o', 'x')}"), json!({}))}),
    );
    assert_eq!(fs.len(), 2, "{fs:#?}");
    assert_eq!(fs[0].code, "expr-arity");
    assert_eq!(fs[0].span, Span::new(2, 18));
    assert!(
        fs[0]
            .message
            .contains("`substring` takes 2 to 3 arguments, but 1 was given"),
        "{}",
        fs[0].message
    );
    assert!(
        fs[1]
            .message
            .contains("`utcNow` takes at most 1 argument, but 2 were given"),
        "{}",
        fs[1].message
    );
}

#[test]
fn check_parameters() {
    let fs = findings(json!({"A": compose(json!({
        "ok": "@parameters('apiUrl')",
        "bad": "@parameters('apiURL')",
        "missing": "@{parameters('nope')}",
        "dynamic": "@parameters(concat('api', 'Url'))"
    }), json!({}))}));
    assert_eq!(
        summary(&fs),
        [
            (
                "expr-unknown-parameter",
                Level::Error,
                "/actions/A/inputs/bad".to_owned()
            ),
            (
                "expr-unknown-parameter",
                Level::Error,
                "/actions/A/inputs/missing".to_owned()
            ),
        ]
    );
    assert!(
        fs[0].message.contains("declares `apiUrl`"),
        "{}",
        fs[0].message
    );
    assert_eq!(fs[1].span, Span::new(13, 19));

    // With no `parameters` in the definition (a Standard workflow's come
    // from parameters.json), an unknown parameter is only a warning.
    let mut def = definition(json!({"A": compose(json!("@parameters('fromFile')"), json!({}))}));
    def.as_object_mut().unwrap().remove("parameters");
    let fs = findings_of(def.clone());
    assert_eq!(
        summary(&fs),
        [(
            "expr-unknown-parameter",
            Level::Warning,
            "/actions/A/inputs".to_owned()
        )]
    );
    let standard = json!({"definition": def, "kind": "Stateful"});
    let fs = findings_of(standard);
    assert_eq!(fs[0].pointer, "/definition/actions/A/inputs");
    assert_eq!(fs[0].level, Level::Warning);
}

#[test]
fn check_actions_exist() {
    let fs = findings(json!({
        "Get user": compose(json!(1), json!({})),
        "A": compose(json!({"x": "@body('Nope')", "y": "@outputs('Get_user')"}), json!({"Get user": ["Succeeded"]}))
    }));
    assert_eq!(fs.len(), 2, "{fs:#?}");
    assert_eq!(
        (fs[0].code, fs[0].span),
        ("expr-unknown-action", Span::new(6, 12))
    );
    assert_eq!(fs[1].code, "expr-unknown-action");
    assert!(
        fs[1].message.contains("did you mean `Get user`"),
        "{}",
        fs[1].message
    );
}

#[test]
fn check_upstream_through_run_after() {
    let fs = findings(json!({
        "A": compose(json!(1), json!({})),
        "B": compose(json!("@body('A')"), json!({"A": ["Succeeded"]})),
        "C": compose(json!("@{outputs('A')} @{actions('B')}"), json!({"B": ["Failed"]})),
        // Parallel to A: both start after the trigger.
        "D": compose(json!("@body('A')"), json!({})),
        // Reads an action that waits for it.
        "E": compose(json!("@body('F')"), json!({"A": ["Succeeded"]})),
        "F": compose(json!(1), json!({"E": ["Succeeded"]})),
        // Reads itself.
        "G": compose(json!("@body('G')"), json!({})),
        // Triggers may be named anywhere; case does not matter for actions.
        "H": compose(json!("@{outputs('manual')} @{body('a')}"), json!({"A": ["Succeeded"]}))
    }));
    assert_eq!(
        summary(&fs),
        [
            (
                "expr-not-upstream",
                Level::Error,
                "/actions/D/inputs".to_owned()
            ),
            (
                "expr-not-upstream",
                Level::Error,
                "/actions/E/inputs".to_owned()
            ),
            (
                "expr-not-upstream",
                Level::Error,
                "/actions/G/inputs".to_owned()
            ),
        ]
    );
    assert!(
        fs[0].message.contains("add it to the runAfter of `D`"),
        "{}",
        fs[0].message
    );
    assert!(
        fs[2].message.contains("its own result"),
        "{}",
        fs[2].message
    );
}

#[test]
fn check_upstream_across_scopes() {
    let fs = findings(json!({
        "Init": compose(json!(1), json!({})),
        "Try": {"type": "Scope", "runAfter": {"Init": ["Succeeded"]}, "actions": {
            "Inner": compose(json!("@body('Init')"), json!({})),
            "Inner2": compose(json!("@body('Inner')"), json!({"Inner": ["Succeeded"]})),
            // The scope around it has not finished.
            "Inner3": compose(json!("@{result('Try')}"), json!({"Inner2": ["Succeeded"]}))
        }},
        "Catch": compose(json!("@{result('Try')} @{body('Inner2')}"), json!({"Try": ["Failed"]})),
        "Loop": {"type": "Foreach", "foreach": "@body('Init')", "runAfter": {"Catch": ["Succeeded"]}, "actions": {
            "Step1": compose(json!("@item()"), json!({})),
            "Step2": compose(json!("@{body('Step1')} @{body('Catch')} @{body('Inner')}"), json!({"Step1": ["Succeeded"]}))
        }},
        "Branch": {"type": "If", "expression": "@equals(body('Init'), 1)", "runAfter": {"Loop": ["Succeeded"]},
            "actions": {"Yes": compose(json!(1), json!({}))},
            "else": {"actions": {"No": compose(json!("@body('Yes')"), json!({}))}}},
        // A loop's own `foreach` cannot read inside the loop.
        "Loop2": {"type": "Foreach", "foreach": "@body('Inside')", "runAfter": {}, "actions": {
            "Inside": compose(json!(1), json!({}))
        }},
        // An Until's expression may read the actions inside it.
        "Poll": {"type": "Until", "expression": "@equals(body('Check'), 'done')", "limit": {"count": 5}, "runAfter": {}, "actions": {
            "Check": compose(json!("@iterationIndexes('Poll')"), json!({}))
        }}
    }));
    assert_eq!(
        summary(&fs),
        [
            (
                "expr-not-upstream",
                Level::Error,
                "/actions/Try/actions/Inner3/inputs".to_owned()
            ),
            (
                "expr-not-upstream",
                Level::Error,
                "/actions/Branch/else/actions/No/inputs".to_owned()
            ),
            (
                "expr-not-upstream",
                Level::Error,
                "/actions/Loop2/foreach".to_owned()
            ),
        ]
    );
    assert!(
        fs[0].message.contains("`Try` encloses `Inner3`"),
        "{}",
        fs[0].message
    );
    assert!(
        fs[1].message.contains("another branch of `Branch`"),
        "{}",
        fs[1].message
    );
}

#[test]
fn check_a_trigger_cannot_read_actions_and_outputs_read_everything() {
    let mut def = definition(json!({"A": compose(json!(1), json!({}))}));
    def["triggers"]["manual"]["conditions"] = json!([{"expression": "@equals(body('A'), 1)"}]);
    def["outputs"] = json!({"result": {"type": "Int", "value": "@body('A')"}, "bad": {"type": "String", "value": "@body('Z')"}});
    let fs = findings_of(def);
    assert_eq!(
        summary(&fs),
        [
            (
                "expr-not-upstream",
                Level::Error,
                "/triggers/manual/conditions/0/expression".to_owned()
            ),
            (
                "expr-unknown-action",
                Level::Error,
                "/outputs/bad/value".to_owned()
            ),
        ]
    );
    assert!(fs[0].message.contains("a trigger runs before every action"));
    assert_eq!(fs[1].node, None);
}

#[test]
fn check_variables() {
    let fs = findings(json!({
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "Count", "type": "integer", "value": 0}]}, "runAfter": {}},
        "A": compose(json!("@{variables('count')} @{variables('total')}"), json!({"Init": ["Succeeded"]}))
    }));
    let f = only(&fs);
    assert_eq!(
        (f.code, f.span),
        ("expr-unknown-variable", Span::new(34, 41))
    );
    assert!(f.message.contains("(variables: Count)"), "{}", f.message);
    // A variable named by an expression makes every name possible.
    let fs = findings(json!({
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "@parameters('apiUrl')", "type": "string"}]}, "runAfter": {}},
        "A": compose(json!("@variables('anything')"), json!({"Init": ["Succeeded"]}))
    }));
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn check_loop_items() {
    let fs = findings(json!({
        "Outside": compose(json!("@item()"), json!({})),
        "Pick": {"type": "Select", "inputs": {"from": "@triggerBody()", "select": {"id": "@item()?['id']"}}, "runAfter": {}},
        "Filter": {"type": "Query", "inputs": {"from": "@triggerBody()", "where": "@equals(item(), 1)"}, "runAfter": {}},
        "Pick2": {"type": "Select", "inputs": {"from": "@triggerBody()", "select": "@item()"}, "runAfter": {}, "description": "@item() in a description is not evaluated"},
        "Each": {"type": "Foreach", "foreach": "@item()", "runAfter": {}, "actions": {
            "In": compose(json!("@{item()} @{items('Each')} @{items('Other')} @{items('Pick')} @{iterationIndexes('Each')}"), json!({}))
        }},
        "Other": {"type": "Foreach", "foreach": "@triggerBody()", "runAfter": {}, "actions": {}},
    }));
    assert_eq!(
        summary(&fs),
        [
            (
                "expr-item-outside-foreach",
                Level::Error,
                "/actions/Outside/inputs".to_owned()
            ),
            (
                "expr-item-outside-foreach",
                Level::Error,
                "/actions/Each/foreach".to_owned()
            ),
            (
                "expr-item-outside-foreach",
                Level::Error,
                "/actions/Each/actions/In/inputs".to_owned()
            ),
            (
                "expr-item-outside-foreach",
                Level::Error,
                "/actions/Each/actions/In/inputs".to_owned()
            ),
        ]
    );
    assert!(
        fs[2]
            .message
            .contains("`Other` is a Foreach that does not enclose this place"),
        "{}",
        fs[2].message
    );
    assert!(
        fs[3].message.contains("`Pick` is a Select"),
        "{}",
        fs[3].message
    );
    assert!(
        fs[2].message.contains("(enclosing loops: Each)"),
        "{}",
        fs[2].message
    );
}

#[test]
fn check_expression_length() {
    let long_arg = "x".repeat(9000);
    let fs = findings(json!({
        "A": compose(json!(format!("@concat('{long_arg}')")), json!({})),
        "B": compose(json!(format!("{long_arg} @{{triggerBody()}}")), json!({}))
    }));
    assert_eq!(
        summary(&fs),
        [
            (
                "expr-too-long",
                Level::Error,
                "/actions/A/inputs".to_owned()
            ),
            (
                "expr-too-long",
                Level::Warning,
                "/actions/B/inputs".to_owned()
            ),
        ]
    );
    assert_eq!(fs[0].span.start, 8192);
    assert!(
        fs[0].message.contains("9011 characters"),
        "{}",
        fs[0].message
    );
}

#[test]
fn check_skips_arm_expressions_in_templates() {
    let def = definition(json!({"A": compose(json!({
        "arm": "[format('@{{body(''A'')}}', parameters('x'))]",
        "wdl": "@body('Nope')"
    }), json!({}))}));
    let arm = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Logic/workflows", "name": "wf", "properties": {"definition": def}}]
    });
    let fs = findings_of(arm);
    assert_eq!(
        summary(&fs),
        [(
            "expr-unknown-action",
            Level::Error,
            "/resources/0/properties/definition/actions/A/inputs/wdl".to_owned()
        )]
    );
}

#[test]
fn check_field_and_reachable_for_the_designer() {
    let root = definition(json!({
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}, "runAfter": {}},
        "Get": compose(json!(1), json!({"Init": ["Succeeded"]})),
        "Loop": {"type": "Foreach", "foreach": "@body('Get')", "runAfter": {"Get": ["Succeeded"]}, "actions": {
            "First": compose(json!(1), json!({})),
            "Second": compose(json!(2), json!({"First": ["Succeeded"]}))
        }},
        "Later": compose(json!(1), json!({"Loop": ["Succeeded"]}))
    }));
    let doc = Document::from_value(root).unwrap();
    let o = doc.outline(0).unwrap();
    let c = Checker::new(&doc.root, &o);

    let p = "/actions/Loop/actions/Second/inputs/body";
    let site = c.site(p);
    assert_eq!(site.node, o.find("Second"));
    assert_eq!(site.kind, SiteKind::Field);
    assert!(c
        .check_field(p, "@{body('First')} @{items('Loop')} @{variables('n')}")
        .is_empty());
    let fs = c.check_field(p, "@body('Later')");
    assert_eq!(
        summary(&fs),
        [("expr-not-upstream", Level::Error, p.to_owned())]
    );
    assert!(c.check_field(p, "plain text").is_empty());
    assert_eq!(c.check_field(p, "@concat(")[0].code, "expr-syntax");

    let r = c.reachable(site);
    assert_eq!(r.actions, ["Init", "Get", "First"]);
    assert_eq!(r.parameters, ["apiUrl", "$connections"]);
    assert_eq!(r.variables, ["n"]);
    assert_eq!(r.triggers, ["manual"]);
    assert_eq!(r.loops, ["Loop"]);
    assert!(r.item);

    let later = lapis::expr::check::reachable(&doc.root, &o, o.find("Later"));
    assert_eq!(later.actions, ["Init", "Get", "Loop", "First", "Second"]);
    assert!(later.loops.is_empty() && !later.item);
    let outputs = lapis::expr::check::reachable(&doc.root, &o, None);
    assert_eq!(outputs.actions.len(), 6);
}

#[test]
fn validate_reports_expression_problems_with_the_column() {
    let doc = Document::from_value(definition(json!({
        "A": compose(json!("@concat('a', varibles('x'))"), json!({}))
    })))
    .unwrap();
    let ps = lapis::graph::validate::validate_document(&doc, 0).unwrap();
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].code, "expr-unknown-function");
    assert_eq!(ps[0].action.as_deref(), Some("A"));
    assert_eq!(ps[0].pointer, "/actions/A/inputs");
    assert!(
        ps[0].message.starts_with("column 14 of the string: the function `varibles` does not exist; did you mean `variables`?"),
        "{}",
        ps[0].message
    );
}

// ---------------------------------------------------------------------------
// 3. Evaluator
// ---------------------------------------------------------------------------

fn context() -> Context {
    Context::from_json(
        &json!({
            "parameters": {"apiUrl": "https://example.org", "limits": {"max": 5}},
            "variables": {"Count": 3, "names": ["a", "b"]},
            "triggerOutputs": {"headers": {"Content-Type": "application/json"}, "body": {"id": 7, "items": [10, 20, 30], "missing": null, "Name": "Ada"}},
            "actions": {
                "Get_user": {"status": "Succeeded", "code": "OK", "outputs": {"statusCode": 200, "headers": {"ETag": "x1"}, "body": {"name": "Ada", "tags": []}}},
                "No_body": {"status": "Succeeded", "outputs": {"statusCode": 204}},
                "Fail": {"status": "Failed", "error": {"code": "BadRequest"}}
            },
            "scopes": {"Try": ["Get_user", "Not_run", "Fail"]},
            "results": {"Given": [{"name": "X"}]},
            "loops": [{"name": "Outer", "item": {"sku": "A1"}, "index": 4}, {"name": "Inner", "item": 99, "index": 1}],
            "appSettings": {"Region": "westeurope"},
            "workflow": {"name": "orders", "run": {"name": "08585"}},
            "callbackUrl": "https://example.org/cb",
            "now": "2024-05-01T12:00:00Z"
        })
        .to_string(),
    )
    .expect("a valid context")
}

#[track_caller]
fn ev(text: &str) -> Value {
    eval_str(text, &context()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[track_caller]
fn ev_err(text: &str) -> ExprError {
    match eval_str(text, &context()) {
        Ok(v) => panic!("{text:?} gives {v}, but should fail"),
        Err(e) => e,
    }
}

#[test]
fn evaluate_workflow_functions() {
    assert_eq!(ev("@parameters('apiUrl')"), json!("https://example.org"));
    assert_eq!(ev("@parameters('limits').max"), json!(5));
    assert_eq!(
        ev("@variables('count')"),
        json!(3),
        "variable names ignore case"
    );
    assert_eq!(ev("@variables('names')[1]"), json!("b"));
    assert_eq!(ev("@triggerBody()['id']"), json!(7));
    assert_eq!(
        ev("@triggerOutputs()['headers']['content-type']"),
        json!("application/json")
    );
    assert_eq!(ev("@trigger().outputs.body.id"), json!(7));
    assert_eq!(ev("@body('Get_user')?['name']"), json!("Ada"));
    assert_eq!(ev("@actionBody('get_user').name"), json!("Ada"));
    assert_eq!(ev("@outputs('Get_user')['statusCode']"), json!(200));
    assert_eq!(ev("@actionOutputs('Get_user').headers.ETag"), json!("x1"));
    assert_eq!(ev("@actions('Get_user')['status']"), json!("Succeeded"));
    assert_eq!(ev("@body('No_body')"), Value::Null);
    assert_eq!(ev("@item()"), json!(99));
    assert_eq!(ev("@items('Outer')['sku']"), json!("A1"));
    assert_eq!(ev("@iterationIndexes('Outer')"), json!(4));
    assert_eq!(ev("@workflow().run.name"), json!("08585"));
    assert_eq!(ev("@appsetting('Region')"), json!("westeurope"));
    assert_eq!(ev("@listCallbackUrl()"), json!("https://example.org/cb"));
    assert_eq!(ev("@result('Given')"), json!([{"name": "X"}]));
    // result() of a scope: its children that ran, each with its name.
    assert_eq!(
        ev("@result('Try')"),
        json!([
            {"name": "Get_user", "status": "Succeeded", "code": "OK", "outputs": {"statusCode": 200, "headers": {"ETag": "x1"}, "body": {"name": "Ada", "tags": []}}},
            {"name": "Fail", "status": "Failed", "error": {"code": "BadRequest"}}
        ])
    );
    assert_eq!(
        ev("@result('Try')[1]['error']['code']"),
        json!("BadRequest")
    );
}

#[test]
fn evaluate_missing_values_say_what_is_missing() {
    let e = ev_err("@parameters('nope')");
    assert_eq!(e.span, Span::new(12, 18));
    assert!(
        e.message
            .contains("'nope' is not defined (known: apiUrl, limits)"),
        "{}",
        e.message
    );
    assert!(ev_err("@variables('x')")
        .message
        .contains("has not been initialized"));
    assert!(ev_err("@body('Later')")
        .message
        .contains("the action 'Later' has no result"));
    assert!(ev_err("@items('Nope')")
        .message
        .contains("(known: Outer, Inner)"));
    assert!(ev_err("@result('Nope')")
        .message
        .contains("no results for 'Nope'"));
    assert!(ev_err("@appsetting('x')")
        .message
        .contains("app setting 'x'"));
    let empty = Context::default();
    let e = eval_str("@triggerBody()", &empty).unwrap_err();
    assert!(e.message.contains("no trigger"), "{}", e.message);
    let e = eval_str("@{item()}", &empty).unwrap_err();
    assert_eq!(e.span, Span::new(2, 8));
    assert!(e.message.contains("no loop"), "{}", e.message);
    // workflow() has a local stand-in.
    assert_eq!(
        eval_str("@workflow().name", &empty).unwrap(),
        json!("local")
    );
}

#[test]
fn evaluate_property_access_semantics() {
    // A missing property is an error without `?`, null with it.
    let text = "@triggerBody()['nope']";
    let e = ev_err(text);
    assert_eq!(cut(text, e.span), "['nope']");
    assert!(
        e.message.contains(
            "property 'nope' doesn't exist, available properties are 'id, items, missing, Name'"
        ),
        "{}",
        e.message
    );
    assert_eq!(ev("@triggerBody()?['nope']"), Value::Null);
    assert_eq!(ev("@triggerBody()?.nope"), Value::Null);
    let text = "@triggerBody().nope";
    assert_eq!(cut(text, ev_err(text).span), "nope");
    // Names match exactly first, then ignoring case.
    assert_eq!(ev("@triggerBody()['name']"), json!("Ada"));
    // A present null property is null; selecting through null needs `?`.
    assert_eq!(ev("@triggerBody()['missing']"), Value::Null);
    assert_eq!(ev("@triggerBody()?['nope']?['deeper']"), Value::Null);
    let e = ev_err("@triggerBody()?['nope']['deeper']");
    assert!(
        e.message.contains("not supported on values of type 'Null'"),
        "{}",
        e.message
    );
    // Arrays: in range, out of range (an error even after `?`), negative.
    assert_eq!(ev("@triggerBody()['items'][2]"), json!(30));
    let e = ev_err("@triggerBody()['items']?[3]");
    assert!(
        e.message
            .contains("array index '3' is outside bounds (0, 2) of array"),
        "{}",
        e.message
    );
    assert!(ev_err("@triggerBody()['items'][-1]")
        .message
        .contains("outside bounds"));
    assert!(ev_err("@body('Get_user')['tags'][0]")
        .message
        .contains("(0, -1)"));
    // Wrong kinds of selection.
    assert!(ev_err("@triggerBody()['items']['a']")
        .message
        .contains("type 'Array'"));
    assert!(ev_err("@triggerBody()[0]")
        .message
        .contains("selected by name"));
    assert!(ev_err("@parameters('apiUrl').length")
        .message
        .contains("type 'String'"));
    assert!(ev_err("@triggerBody()[true]")
        .message
        .contains("an index must be"));
    assert!(ev_err("@triggerBody()[1.5]")
        .message
        .contains("an index must be"));
    // Literals evaluate to themselves.
    assert_eq!(ev("@-2.5"), json!(-2.5));
    assert_eq!(ev("@'x'"), json!("x"));
    assert_eq!(ev("@null"), Value::Null);
}

#[test]
fn evaluate_interpolation_stringifies_like_logic_apps() {
    assert_eq!(ev("@{parameters('limits')}"), json!("{\"max\":5}"));
    assert_eq!(ev("n=@{variables('Count')}, l=@{variables('names')}, z=@{triggerBody()['missing']}, b=@{true}"),
        json!("n=3, l=[\"a\",\"b\"], z=, b=True"));
    assert_eq!(ev("plain"), json!("plain"));
    assert_eq!(ev("@@plain"), json!("@plain"));
    assert_eq!(ev("@{'a'}@@{'b'}"), json!("a@{'b'}"));
}

#[test]
fn evaluate_only_the_taken_branch_and_report_library_calls() {
    // `if` evaluates only the branch it takes: the other one's error does
    // not happen, the taken one's does.
    assert_eq!(
        ev("@if(true, 'a', parameters('missing'))"),
        serde_json::json!("a")
    );
    let e = ev_err("@if(false, 'a', parameters('missing'))");
    assert!(
        e.message.contains("'missing' is not defined"),
        "{}",
        e.message
    );
    // Unknown functions and wrong counts point at the call.
    let e = ev_err("@concatt('a')");
    assert_eq!(
        (e.span, e.message.contains("did you mean `concat`")),
        (Span::new(1, 8), true),
        "{e}"
    );
    let text = "x @{body('a', 'b')}";
    let e = ev_err(text);
    assert_eq!(cut(text, e.span), "body('a', 'b')");
    assert!(
        e.message
            .contains("The template language function 'body' expects one parameter, but was invoked with 2 parameters."),
        "{}",
        e.message
    );
    let e = ev_err("@parameters(1)");
    assert!(e.message.contains("expects a name"), "{}", e.message);
}

#[test]
fn evaluate_form_data_and_multipart() {
    let mut ctx = context();
    ctx.trigger_outputs = Some(json!({"body": {
        "$content-type": "multipart/form-data; boundary=x",
        "$multipart": [
            {"headers": {"Content-Disposition": "form-data; name=\"title\""}, "body": {"$content-type": "text/plain", "$content": "SGVsbG8="}},
            {"headers": {"Content-Disposition": "form-data; name=\"tag\""}, "body": "a"},
            {"headers": {"Content-Disposition": "form-data; name=\"tag\""}, "body": "b"}
        ]
    }}));
    ctx.actions.insert(
        "Form".into(),
        json!({"outputs": {"body": {"$formdata": [{"key": "k", "value": "v"}]}}}),
    );
    let e = |t: &str| eval_str(t, &ctx);
    assert_eq!(e("@triggerFormDataValue('title')").unwrap(), json!("Hello"));
    assert_eq!(
        e("@triggerFormDataMultiValues('tag')").unwrap(),
        json!(["a", "b"])
    );
    assert_eq!(e("@triggerMultipartBody(2)").unwrap(), json!("b"));
    assert!(e("@triggerFormDataValue('tag')")
        .unwrap_err()
        .message
        .contains("2 values"));
    assert!(e("@triggerMultipartBody(5)")
        .unwrap_err()
        .message
        .contains("3 part(s)"));
    assert_eq!(e("@formDataValue('Form', 'k')").unwrap(), json!("v"));
    assert_eq!(
        e("@formDataMultiValues('Form', 'none')").unwrap(),
        json!([])
    );
    assert!(e("@formDataValue('Form', 'none')")
        .unwrap_err()
        .message
        .contains("no field"));
}

#[test]
fn evaluate_values_resolves_every_expression_string() {
    let inputs = json!({
        "method": "GET",
        "uri": "@{parameters('apiUrl')}/users/@{triggerBody()['id']}",
        "headers": {"If-Match": "@outputs('Get_user').headers.ETag", "X-Literal": "@@home"},
        "queries": {"n": "@variables('Count')"},
        "body": ["@item()", 1, null, {"mail": "a@b.org"}]
    });
    assert_eq!(
        evaluate_value(&inputs, &context()).unwrap(),
        json!({
            "method": "GET",
            "uri": "https://example.org/users/7",
            "headers": {"If-Match": "x1", "X-Literal": "@home"},
            "queries": {"n": 3},
            "body": [99, 1, null, {"mail": "a@b.org"}]
        })
    );
    let bad = json!({"headers": {"a/b": ["ok", "@body('Nope')"]}});
    let e = evaluate_value_at(&bad, &context()).unwrap_err();
    assert_eq!(e.pointer, "/headers/a~1b/1");
    assert_eq!(e.error.span, Span::new(6, 12));
    let e = evaluate_value(&bad, &context()).unwrap_err();
    assert!(
        e.message
            .starts_with("in /headers/a~1b/1: the action 'Nope'"),
        "{}",
        e.message
    );
    // A parse error is reported the same way.
    let e = evaluate_value_at(&json!({"x": "@concat("}), &context()).unwrap_err();
    assert_eq!(e.pointer, "/x");
}

#[test]
fn evaluate_reuses_a_parsed_expression() {
    let e = parse_expression("body('Get_user')?['name']").unwrap();
    let ctx = context();
    for _ in 0..3 {
        assert_eq!(evaluate(&e, &ctx).unwrap(), json!("Ada"));
    }
}

#[test]
fn the_context_file_is_checked() {
    let e = Context::from_json(r#"{"paramters": {}}"#).unwrap_err();
    assert!(e.contains("unknown field `paramters`"), "{e}");
    let e = Context::from_json(r#"{"now": "yesterday"}"#).unwrap_err();
    assert!(e.contains("ISO 8601"), "{e}");
    let e = Context::from_json(r#"{"loops": [{"item": 1}]}"#).unwrap_err();
    assert!(e.contains("missing field `name`"), "{e}");
    let c = Context::from_json("{}").unwrap();
    assert!(c.parameters.is_empty() && c.now.is_none());
}

#[test]
fn result_can_be_built_from_an_outline() {
    let doc = Document::from_value(definition(json!({
        "Try": {"type": "Scope", "runAfter": {}, "actions": {"A": compose(json!(1), json!({}))}}
    })))
    .unwrap();
    let mut ctx = Context::default();
    ctx.set_scopes(&doc.outline(0).unwrap());
    ctx.actions
        .insert("A".into(), json!({"status": "Succeeded"}));
    assert_eq!(
        eval_str("@result('Try')", &ctx).unwrap(),
        json!([{"name": "A", "status": "Succeeded"}])
    );
}

// ---------------------------------------------------------------------------
// 4. The command line
// ---------------------------------------------------------------------------

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn lapis(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_lapis"))
        .args(args)
        .output()
        .expect("the lapis binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Run {
    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

fn write_context(dir: &Path, v: &str) -> String {
    let p = dir.join("ctx.json");
    std::fs::write(&p, v).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn cli_eval_prints_pretty_json() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = write_context(
        dir.path(),
        r#"{"parameters": {"user": {"name": "Ada", "id": 7}}, "workflow": {"name": "w1"}}"#,
    );
    let r = lapis(&["eval", "@parameters('user')", "--context", &ctx]);
    r.expect(0);
    assert_eq!(r.stdout, "{\n  \"name\": \"Ada\",\n  \"id\": 7\n}\n");
    assert!(r.stderr.is_empty());
    // Without the `@`, and as a template.
    let r = lapis(&["eval", "parameters('user')?.id", "--context", &ctx]);
    assert_eq!(r.expect(0).stdout, "7\n");
    let r = lapis(&[
        "eval",
        "Hi @{parameters('user').name} from @{workflow().name}",
        "--context",
        &ctx,
    ]);
    assert_eq!(r.expect(0).stdout, "\"Hi Ada from w1\"\n");
    // A number that starts with a minus sign is not an option.
    assert_eq!(lapis(&["eval", "-12"]).expect(0).stdout, "-12\n");
    assert_eq!(lapis(&["eval", "@@x"]).expect(0).stdout, "\"@x\"\n");
}

#[test]
fn cli_eval_errors_show_the_column_and_a_caret() {
    let r = lapis(&["eval", "concat('a', body('x')"]);
    r.expect(1);
    assert!(r.stdout.is_empty());
    assert_eq!(
        r.stderr,
        "error: column 22: expected `)` to close the call of `concat` at column 7\n  concat('a', body('x')\n                       ^\n"
    );
    // Columns are those of what was typed, with or without the `@`.
    let r = lapis(&["eval", "@parameters('p')"]);
    r.expect(1);
    assert!(r.stderr.starts_with("error: column 13: the workflow parameter 'p' is not defined\n  @parameters('p')\n              ^^^\n"), "{}", r.stderr);
    let r = lapis(&["eval", "parameters('p')"]);
    assert!(r.stderr.starts_with("error: column 12:"), "{}", r.stderr);
    // A multi-line expression shows the line of the error.
    let r = lapis(&["eval", "concat(\n  'a',\n  nope('b'))"]);
    r.expect(1);
    assert!(
        r.stderr.ends_with("\n    nope('b'))\n    ^^^^\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn cli_eval_refuses_a_bad_context_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = write_context(dir.path(), r#"{"variables": {"a": 1}, "actionz": {}}"#);
    let r = lapis(&["eval", "variables('a')", "--context", &ctx]);
    r.expect(2);
    assert!(
        r.stderr.starts_with("error: ")
            && r.stderr.contains("ctx.json")
            && r.stderr.contains("unknown field `actionz`"),
        "{}",
        r.stderr
    );
    let ctx = write_context(dir.path(), "{\"variables\": ");
    lapis(&["eval", "variables('a')", "--context", &ctx]).expect(2);
    let missing = dir.path().join("none.json");
    lapis(&["eval", "1", "--context", missing.to_str().unwrap()]).expect(2);
}

#[test]
fn cli_validate_shows_expression_problems() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("w.json");
    let def = definition(json!({"A": compose(json!("@{body('B')} and @{concat()}"), json!({}))}));
    std::fs::write(&f, serde_json::to_string_pretty(&def).unwrap()).unwrap();
    let r = lapis(&["validate", f.to_str().unwrap()]);
    r.expect(1);
    assert!(r.stdout.contains("error[expr-unknown-action] column 8 of the string: body('B') names an action that does not exist"), "{}", r.stdout);
    assert!(r.stdout.contains("error[expr-arity] column 20 of the string: `concat` takes at least 1 argument, but 0 were given"), "{}", r.stdout);
    assert!(
        r.stdout.contains("1 file(s): 2 error(s), 0 warning(s)"),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------------------
// 5. The corpus
// ---------------------------------------------------------------------------

/// Every expression string of every workflow in the corpus, with its file
/// and pointer. ARM template expressions (`[…]`) are left out.
fn corpus_expressions() -> Vec<(String, String, String)> {
    fn walk(v: &Value, pointer: &mut String, arm: bool, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) if is_expression(s) && !(arm && is_arm_expression(s)) => {
                out.push((pointer.clone(), s.clone()));
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    walk(x, pointer, arm, out);
                    pointer.truncate(len);
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(x, pointer, arm, out);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    for path in common::corpus_files() {
        let name = common::file_name(&path);
        let doc = Document::load(&path).unwrap();
        let arm = doc.root.get("resources").is_some();
        for w in &doc.workflows {
            let mut found = Vec::new();
            let mut pointer = w.definition_pointer.clone();
            walk(
                doc.root.pointer(&w.definition_pointer).unwrap(),
                &mut pointer,
                arm,
                &mut found,
            );
            all.extend(found.into_iter().map(|(p, s)| (name.clone(), p, s)));
        }
    }
    all
}

#[test]
fn every_corpus_expression_parses() {
    let exprs = corpus_expressions();
    if exprs.is_empty() {
        return;
    }
    let (mut whole_count, mut interpolations, mut calls) = (0, 0, 0);
    for (file, pointer, text) in &exprs {
        match parse_string_value(text) {
            Ok(t) => {
                match t {
                    Template::Expression(_) => whole_count += 1,
                    Template::Interpolation(_) => interpolations += 1,
                    Template::Literal(_) => {}
                }
                calls += t.calls().len();
            }
            Err(e) => panic!("{file} {pointer}: {text:?} does not parse: {e}"),
        }
    }
    println!(
        "corpus expressions: {} strings parsed ({whole_count} whole expressions, {interpolations} interpolations, {calls} function calls)",
        exprs.len()
    );
    assert!(exprs.len() > 500, "{} expressions", exprs.len());
}

/// Corpus findings that are right: (file name part, code, level, reason).
const CORPUS_FINDINGS: &[(&str, &str, Level, &str)] = &[
    (
        "ActivityLogAlertsForDDoS",
        "expr-unknown-parameter",
        Level::Error,
        "four HTTP bodies read parameters('ActionGroupID'), which the definition never declares",
    ),
    (
        "workflows__RunAfter.json",
        "expr-unknown-action",
        Level::Error,
        "a designer mock whose variables read body('Create_a_goal') and body('Create_a_goal_2'), actions not in the file",
    ),
    (
        "schedulesWithConn",
        "expr-unknown-parameter",
        Level::Warning,
        "one of its four workflows reads parameters('$connections') without declaring it; the deployment supplies it",
    ),
    (
        "get-message-service-bus-queue-peek-lock-renew-sequential-convoy",
        "expr-unknown-parameter",
        Level::Warning,
        "a Standard template: its parameters live in parameters.json, not in the definition",
    ),
    (
        "send-alerts-business-process-tracking",
        "expr-unknown-parameter",
        Level::Warning,
        "a Standard template: its parameters live in parameters.json",
    ),
    (
        "sync-sales-order-sap-blob-storage-odata",
        "expr-unknown-parameter",
        Level::Warning,
        "a Standard template: its parameters live in parameters.json",
    ),
    (
        "AgenticIDocFilteringWorkflow",
        "expr-unknown-parameter",
        Level::Warning,
        "a Standard workflow: ValidationRules comes from parameters.json",
    ),
];

#[test]
fn the_checker_flags_nothing_in_the_corpus_but_true_findings() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let mut got: BTreeSet<(String, &str, Level)> = BTreeSet::new();
    let (mut strings, mut findings_total) = (0, 0);
    for path in &files {
        let name = common::file_name(path);
        let doc = Document::load(path).unwrap();
        for i in 0..doc.workflows.len() {
            let o = doc.outline(i).unwrap();
            let fs = check_definition(&doc.root, &o);
            findings_total += fs.len();
            for f in fs {
                let part = CORPUS_FINDINGS
                    .iter()
                    .find(|(p, code, level, _)| {
                        name.contains(p) && *code == f.code && *level == f.level
                    })
                    .map(|(p, ..)| p.to_string())
                    .unwrap_or_else(|| {
                        panic!(
                            "{name} {}: unexpected {} ({:?}): {}",
                            f.pointer, f.code, f.level, f.message
                        )
                    });
                got.insert((part, f.code, f.level));
            }
        }
        strings += 1;
    }
    let expected: BTreeSet<(String, &str, Level)> = CORPUS_FINDINGS
        .iter()
        .map(|(p, c, l, _)| (p.to_string(), *c, *l))
        .collect();
    assert_eq!(got, expected, "every listed finding still appears");
    println!(
        "corpus check: {strings} files, {findings_total} findings, all of them listed ({} kinds)",
        expected.len()
    );
}

#[test]
fn truncated_and_damaged_corpus_expressions_fail_cleanly() {
    let exprs = corpus_expressions();
    let ctx = context();
    let mut tried = 0;
    for (_, _, text) in exprs.iter().step_by(3) {
        let chars: Vec<char> = text.chars().collect();
        for cut_at in (0..chars.len()).step_by(5) {
            let damaged: String = chars[..cut_at]
                .iter()
                .chain(chars[cut_at + 1..].iter())
                .collect();
            for t in [damaged, chars[..cut_at].iter().collect::<String>()] {
                tried += 1;
                match parse_string_value(&t) {
                    Ok(p) => {
                        let _ = lapis::expr::eval::evaluate_template(&p, &ctx);
                    }
                    Err(e) => assert_span_inside(&t, &e),
                }
            }
        }
    }
    if !exprs.is_empty() {
        assert!(tried > 1000);
    }
}

// ---------------------------------------------------------------------------
// 6. Property tests
// ---------------------------------------------------------------------------

#[track_caller]
fn assert_span_inside(text: &str, e: &ExprError) {
    let n = text.chars().count();
    assert!(
        e.span.start <= e.span.end && e.span.end <= n + 1,
        "{text:?}: span {:?} outside 0..={} ({})",
        e.span,
        n + 1,
        e.message
    );
    assert!(!e.message.is_empty());
}

/// Expressions in the style of real workflows (written for these tests).
const SEEDS: &[&str] = &[
    "@{body('Get_user')?['value']?[0]?['mail']}",
    "@concat('Bearer ', body('Token')['access_token'])",
    "@equals(triggerOutputs()?['headers']?['Content-Type'], 'application/json')",
    "Order @{triggerBody()?['id']} for @{items('For_each')?['customer']?.name} at @{utcNow('yyyy-MM-dd')}",
    "@if(greater(length(variables('list')), 0), first(variables('list')), null)",
    "@formatDateTime(addDays(utcNow(), -1, 'o'), 'yyyyMMdd')",
    "@{workflow().run.name} / @{iterationIndexes('Until')}",
    "@@escaped and @{'it''s'} with 2.5e3 and -42",
    "@json(string(result('Try')))[0].status",
    "é @{parameters('naïve')} ü",
];

fn mutated() -> impl Strategy<Value = String> {
    let ops = prop::collection::vec(
        (
            0usize..3,
            any::<prop::sample::Index>(),
            prop::sample::select(vec![
                '@', '{', '}', '(', ')', '[', ']', '\'', ',', '.', '?', '-', ' ', 'x', '1', 'é',
                '\n',
            ]),
        ),
        0..6,
    );
    (prop::sample::select(SEEDS), ops).prop_map(|(seed, ops)| {
        let mut chars: Vec<char> = seed.chars().collect();
        for (op, at, c) in ops {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => {
                    chars.remove(i);
                }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        chars.into_iter().collect()
    })
}

fn syntaxy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::sample::select(vec!["@", "@{", "}", "(", ")", "[", "]", "'", "''", ",", ".", "?", "-", " ", "\n", "1", "2.5", "e", "true", "null", "body", "item", "concat", "x", "_", "$"]).prop_map(str::to_owned),
            1 => any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        .. ProptestConfig::default()
    })]

    #[test]
    fn random_text_never_panics_and_errors_point_inside(text in syntaxy()) {
        match parse_string_value(&text) {
            Ok(t) => {
                let _ = lapis::expr::eval::evaluate_template(&t, &context());
            }
            Err(e) => assert_span_inside(&text, &e),
        }
        if let Err(e) = parse_expression(&text) {
            assert_span_inside(&text, &e);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(text in ".*") {
        if let Err(e) = parse_string_value(&text) {
            assert_span_inside(&text, &e);
        }
        let with_at = format!("@{text}");
        if let Err(e) = parse_string_value(&with_at) {
            assert_span_inside(&with_at, &e);
        }
    }

    #[test]
    fn mutated_expressions_never_panic(text in mutated()) {
        match parse_string_value(&text) {
            Ok(t) => {
                // Spans of every node lie inside the text.
                let n = text.chars().count();
                t.walk(&mut |e| assert!(e.span.start <= e.span.end && e.span.end <= n, "{text:?}: {:?}", e.span));
                let _ = lapis::expr::eval::evaluate_template(&t, &context());
                let doc = Document::from_value(definition(json!({"A": compose(json!(text.clone()), json!({}))}))).unwrap();
                let o = doc.outline(0).unwrap();
                for f in check_definition(&doc.root, &o) {
                    assert!(f.span.start <= f.span.end && f.span.end <= n + 1, "{text:?}: {f:?}");
                }
            }
            Err(e) => assert_span_inside(&text, &e),
        }
    }
}

#[test]
fn renaming_references_rewrites_only_the_names() {
    use lapis::expr::rename_references;
    let text = "Hi @{body('Get')?['Get']} @{actions('Get')['status']} @{parameters('Get')} @{body('Getter')}";
    let out = rename_references(text, &[RefKind::Action], "Get", "Fetch it's").unwrap();
    assert_eq!(
        out.as_deref(),
        Some("Hi @{body('Fetch it''s')?['Get']} @{actions('Fetch it''s')['status']} @{parameters('Get')} @{body('Getter')}")
    );
    // The result refers to the new name.
    let refs = parse_string_value(out.as_deref().unwrap())
        .unwrap()
        .references();
    assert_eq!(refs[0].name, "Fetch it's");
    assert_eq!(
        rename_references("@body('Other')", &[RefKind::Action], "Get", "X").unwrap(),
        None
    );
    assert_eq!(
        rename_references("plain text", &[RefKind::Action], "Get", "X").unwrap(),
        None
    );
    let loops = rename_references("é@{items('Loop')}", &[RefKind::Loop], "Loop", "Each").unwrap();
    assert_eq!(loops.as_deref(), Some("é@{items('Each')}"));
    assert!(rename_references("@body('Get'", &[RefKind::Action], "Get", "X").is_err());
}

#[test]
fn a_multipart_index_must_be_a_number() {
    let ctx = Context {
        trigger_outputs: Some(json!({"body": {"$multipart": [{"body": "x"}]}})),
        ..Context::default()
    };
    let e = eval_str("@triggerMultipartBody('0')", &ctx).unwrap_err();
    assert!(e.message.contains("not \"0\""), "{}", e.message);
    assert_eq!(
        eval_str("@triggerMultipartBody(0)", &ctx).unwrap(),
        json!("x")
    );
}

#[test]
fn reachable_agrees_with_the_upstream_check() {
    // Every action `reachable` lists passes the check, every other fails it,
    // at every node of a generated workflow with scopes and parallel
    // branches.
    let doc = Document::from_value(lapis::synth::generate(120, 4)).unwrap();
    let o = doc.outline(0).unwrap();
    let c = Checker::new(&doc.root, &o);
    for n in o.actions() {
        let pointer = format!("{}/inputs", n.pointer);
        let r = c.reachable(c.site(&pointer));
        for a in o.actions() {
            let fs = c.check_field(&pointer, &format!("@actions('{}')", a.name));
            assert_eq!(
                fs.is_empty(),
                r.actions.contains(&a.name),
                "{} reading {}: {fs:?}",
                n.name,
                a.name
            );
        }
    }
}

#[test]
fn the_deepest_accepted_expressions_evaluate_without_exhausting_the_stack() {
    let ctx = Context {
        parameters: json!({"x": "x"}).as_object().unwrap().clone(),
        trigger_outputs: Some(json!({"body": null})),
        ..Context::default()
    };
    // Nested calls, as deep as the parser accepts.
    let n = MAX_NESTING;
    let text = format!("@{}'x'{}", "parameters(".repeat(n), ")".repeat(n));
    assert_eq!(eval_str(&text, &ctx).unwrap(), json!("x"));
    // A long chain of null-safe selections.
    let text = format!("@triggerBody(){}", "?['a']".repeat(240));
    assert_eq!(eval_str(&text, &ctx).unwrap(), Value::Null);
    let doc =
        Document::from_value(definition(json!({"A": compose(json!(text), json!({}))}))).unwrap();
    assert!(check_definition(&doc.root, &doc.outline(0).unwrap()).is_empty());
}
