//! Numbers, decimals, text and literals as Logic Apps has them, through the
//! whole pipeline (parse, evaluate), and property tests that the parser and
//! the evaluator never panic.

use lapis::expr::eval::{eval_str, Context};
use lapis::expr::functions;
use lapis::expr::parse::{parse_expression, parse_string_value};
use lapis::expr::registry;
use proptest::prelude::*;
use serde_json::{json, Value};

fn ev(text: &str) -> Value {
    eval_str(text, &Context::default()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> String {
    match eval_str(text, &Context::default()) {
        Ok(v) => panic!("{text}: expected an error, got {v}"),
        Err(e) => e.message,
    }
}

/// The JSON text of a value, which shows whether a number is a float.
fn text(v: &Value) -> String {
    v.to_string()
}

#[test]
fn decimal_keeps_every_digit_as_the_reference_shows() {
    // The reference's four examples: used as a number, a decimal is the
    // nearest float; turned into a string, it keeps its digits.
    assert_eq!(
        text(&ev("@decimal('1.2345678912312131')")),
        "1.234567891231213"
    );
    assert_eq!(
        ev("@string(decimal('1.2345678912312131'))"),
        json!("1.2345678912312131")
    );
    assert_eq!(
        text(&ev(
            "@add(decimal('1.2345678912312131'), decimal('1.2345678912312131'))"
        )),
        "2.469135782462426"
    );
    assert_eq!(
        ev("@string(add(decimal('1.2345678912312131'), decimal('1.2345678912312131')))"),
        json!("2.4691357824624262")
    );
}

#[test]
fn decimal_arithmetic_stays_decimal() {
    assert_eq!(
        ev("@string(add(decimal('0.1'), decimal('0.2')))"),
        json!("0.3")
    );
    assert_eq!(ev("@string(add(0.1, 0.2))"), json!("0.30000000000000004"));
    assert_eq!(ev("@string(decimal('1.50'))"), json!("1.50"));
    assert_eq!(ev("@string(mul(decimal('1.5'), 2))"), json!("3.0"));
    assert_eq!(ev("@string(sub(decimal('10'), 1))"), json!("9"));
    assert_eq!(ev("@string(div(decimal('1'), 4))"), json!("0.25"));
    assert_eq!(ev("@string(mod(decimal('7.5'), 2))"), json!("1.5"));
    assert_eq!(ev("@string(max(decimal('1.1'), 1))"), json!("1.1"));
    assert_eq!(
        ev("@string(min(createArray(decimal('0.5'), 2)))"),
        json!("0.5")
    );
    assert_eq!(
        ev("@{decimal('1.2345678912312131')}"),
        json!("1.2345678912312131")
    );
    assert_eq!(ev("@string(decimal(' 1,000.5 '))"), json!("1000.5"));
    assert_eq!(ev("@string(decimal('0.001'))"), json!("0.001"));
    assert_eq!(ev("@string(decimal('  200- '))"), json!("-200"));
    // decimal() reads no exponent and no parentheses, as runs show.
    assert!(eval_str("@decimal('1e-3')", &Context::default()).is_err());
    assert!(eval_str("@decimal('(200)')", &Context::default()).is_err());
    assert_eq!(
        ev("@formatNumber(decimal('1234.5678'), 'N2')"),
        json!("1,234.57")
    );
    // Inside JSON a decimal keeps its digits too, with a fraction.
    assert_eq!(
        ev("@string(createArray(decimal('1.2345678912312131'), decimal('2')))"),
        json!("[1.2345678912312131,2.0]")
    );
    assert_eq!(
        ev("@string(sort(createArray(decimal('2.5'), 1, 0.5)))"),
        json!("[0.5,1,2.5]")
    );
    // Comparisons and equality by value.
    assert_eq!(ev("@equals(decimal('1.0'), 1)"), json!(true));
    assert_eq!(ev("@less(decimal('0.1'), 0.2)"), json!(true));
    assert_eq!(ev("@greater(decimal('2.5'), decimal('2.49'))"), json!(true));
    // Leaving the evaluator, a decimal anywhere in a value is a float.
    assert_eq!(text(&ev("@createArray(decimal('2.5'), 1)")), "[2.5,1]");
    assert_eq!(
        text(&ev("@setProperty(json('{}'), 'd', decimal('3'))")),
        r#"{"d":3.0}"#
    );
    // Errors, and edges that must not hang or panic.
    assert!(err("@decimal('abc')").contains("cannot be converted"));
    assert!(err("@decimal('1e100000')").contains("cannot be converted"));
    assert!(err("@decimal('NaN')").contains("cannot be converted"));
    assert!(err("@decimal('1e-100000')").contains("cannot be converted"));
    assert_eq!(text(&ev("@float('1e-400')")), "0.0");
    assert!(err("@float('-1e400')").contains("too large"));
    assert!(err("@div(decimal('1'), 0)").contains("divide an integral or decimal value by zero"));
    assert!(err("@add(decimal('79228162514264337593543950335'), 1)").contains("overflow"));
    assert!(err("@substring('abc', decimal('0.5'))").contains("of type 'Decimal'"));
}

#[test]
fn integers_and_floats_stay_distinct_end_to_end() {
    // Floats stay floats as values …
    assert_eq!(text(&ev("@float('5.0')")), "5.0");
    assert_eq!(text(&ev("@5.0")), "5.0");
    assert_eq!(text(&ev("@add(2.5, 2.5)")), "5.0");
    assert_eq!(text(&ev("@div(10, 5.0)")), "2.0");
    assert_eq!(text(&ev("@div(10, 5)")), "2");
    assert_eq!(text(&ev("@mul(1.5, 2)")), "3.0");
    // … and inside JSON text.
    assert_eq!(ev("@string(createArray(float('5.0')))"), json!("[5.0]"));
    assert_eq!(ev("@{createArray(1, 2.0)}"), json!("[1,2.0]"));
    // A number on its own as text: as .NET prints it.
    assert_eq!(ev("@{3e1}"), json!("30"));
    assert_eq!(ev("@{div(10, 5.0)}"), json!("2"));
    assert_eq!(ev("@{mul(100000000000, 10000000.0)}"), json!("1E+18"));
    assert_eq!(ev("@{float('0.00001')}"), json!("1E-05"));
    assert_eq!(ev("@string(float('10,000.333'))"), json!("10000.333"));
    // The reference's own example with a leading dot.
    assert_eq!(text(&ev("@sub(10.3, .3)")), "10.0");
    assert_eq!(ev("@{sub(10.3, .3)}"), json!("10"));
    assert_eq!(text(&ev("@add(-.5, 1)")), "0.5");
    // Integer overflow is an error, never a wrapped or rounded number.
    assert!(err("@add(9223372036854775807, 1)").contains("overflow"));
    assert!(err("@mul(4611686018427387904, 2)").contains("overflow"));
    assert!(err("@add(9223372036854775808, 1)").contains("overflow"));
}

#[test]
fn booleans_become_true_and_false_text_everywhere() {
    assert_eq!(ev("@string(true)"), json!("True"));
    assert_eq!(ev("@{false}"), json!("False"));
    assert_eq!(ev("x @{equals(1, 1)}"), json!("x True"));
    assert_eq!(ev("@concat('a', true)"), json!("aTrue"));
    assert_eq!(
        ev("@join(createArray(true, false), ',')"),
        json!("True,False")
    );
    // Inside JSON they stay JSON booleans.
    assert_eq!(ev("@string(createArray(true))"), json!("[true]"));
}

#[test]
fn a_string_that_starts_with_two_at_signs_is_literal_as_a_whole() {
    assert_eq!(ev("@@"), json!("@"));
    assert_eq!(ev("@@plain"), json!("@plain"));
    assert_eq!(ev("@@{concat('a')}"), json!("@{concat('a')}"));
    assert_eq!(ev("@@x @{variables('n')}"), json!("@x @{variables('n')}"));
    // Elsewhere, `@@{` is a literal `@{`.
    assert_eq!(ev("a @@{b}"), json!("a @{b}"));
}

#[test]
fn one_function_table_answers_checker_and_evaluator() {
    // Every function of the registry that is not a workflow or date
    // function is answered by the library, with the registry's counts.
    for f in registry::FUNCTIONS {
        if matches!(
            f.category,
            registry::Category::Workflow | registry::Category::DateTime
        ) {
            assert!(functions::call(f.name, &[]).is_none(), "{}", f.name);
            continue;
        }
        assert_eq!(functions::arity(f.name), Some((f.min, f.max)), "{}", f.name);
        let args = vec![Value::Null; f.min];
        assert!(
            functions::call(f.name, &args).is_some(),
            "{} has no implementation",
            f.name
        );
        if let Some(max) = f.max {
            let too_many = vec![Value::Null; max + 1];
            let answer = functions::call(f.name, &too_many).expect("answered");
            assert!(answer.is_err(), "{} accepted {} arguments", f.name, max + 1);
        }
    }
    assert!(functions::call("noSuchFunction", &[]).is_none());
}

/// Expression text built from the language's pieces, for property tests.
fn expression_text() -> impl Strategy<Value = String> {
    let names: Vec<&'static str> = registry::FUNCTIONS.iter().map(|f| f.name).collect();
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "[0-9]{0,30}(\\.[0-9]{0,30})?(e[+-]?[0-9]{1,4})?",
        "'[^']{0,12}'",
        Just("null".to_string()),
        Just("true".to_string()),
        Just("'1234567,8+'".to_string()),
        Just("'data:,x'".to_string()),
        Just("'NaN'".to_string()),
        Just("json('{\"a\":[1,2.5]}')".to_string()),
        Just("decimal('79228162514264337593543950335')".to_string()),
    ];
    leaf.prop_recursive(4, 40, 4, move |inner| {
        let names = names.clone();
        (
            proptest::sample::select(names),
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(name, args)| format!("{name}({})", args.join(", ")))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_parser_never_panics_on_any_text(s in "\\PC{0,80}") {
        let _ = parse_string_value(&s);
        let _ = parse_expression(&s);
        let _ = eval_str(&s, &Context::default());
    }

    #[test]
    fn the_parser_never_panics_on_expression_like_text(s in "[@{}()\\[\\]'.,?0-9a-zA-Z -]{0,60}") {
        let _ = parse_string_value(&s);
        let _ = eval_str(&s, &Context::default());
    }

    #[test]
    fn the_evaluator_never_panics_on_any_call(e in expression_text()) {
        let ctx = Context::default();
        let _ = eval_str(&format!("@{e}"), &ctx);
        let _ = eval_str(&format!("x @{{{e}}} y"), &ctx);
        let _ = eval_str(&format!("@string({e})"), &ctx);
    }

    #[test]
    fn floats_print_and_read_back(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let shown = ev(&format!("@string(float('{f:e}'))"));
        let back: f64 = shown.as_str().unwrap().parse().unwrap();
        prop_assert_eq!(back, f);
    }
}
