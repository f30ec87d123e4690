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

/// The table of deterministic cases.
pub const CASES: &[Case] = &[
    // ----- concat -----
    ("concat", r#"["Hello", "World"]"#, Ok(r#""HelloWorld""#)),
    ("concat", r#"["Sophia", "Owen"]"#, Ok(r#""SophiaOwen""#)),
    ("concat", r#"["a"]"#, Ok(r#""a""#)),
    ("concat", r#"["a", 1, 2.5, null, true]"#, Ok(r#""a12.5True""#)),
    ("concat", r#"["x", [1, 2], {"a": 1}]"#, Ok(r#""x[1,2]{\"a\":1}""#)),
    ("concat", r#"["data:;base64,", "aGVsbG8="]"#, Ok(r#""data:;base64,aGVsbG8=""#)),
    ("concat", r#"[]"#, Err("expects at least 1 parameter(s)")),
    // ----- substring -----
    ("substring", r#"["hello world", 6, 5]"#, Ok(r#""world""#)),
    ("substring", r#"["hello world", 6]"#, Ok(r#""world""#)),
    ("substring", r#"["hello", 5]"#, Ok(r#""""#)),
    ("substring", r#"["hello", 0, 0]"#, Ok(r#""""#)),
    ("substring", r#"["héllo", 1, 3]"#, Ok(r#""éll""#)),
    ("substring", r#"["hello world", 6, 6]"#, Err("out of range")),
    ("substring", r#"["hello", -1, 2]"#, Err("out of range")),
    ("substring", r#"["hello", 6]"#, Err("out of range")),
    ("substring", r#"["hello", 1, -1]"#, Err("out of range")),
    ("substring", r#"["hello", 9223372036854775807, 9223372036854775807]"#, Err("out of range")),
    ("substring", r#"["hello", "1", 2]"#, Err("expects its second parameter to be an integer")),
    ("substring", r#"[null, 0, 0]"#, Err("The provided value is of type 'Null'")),
    ("substring", r#"["a"]"#, Err("expects 2 to 3 parameter(s)")),
    // ----- slice -----
    ("slice", r#"["Hello World", 2]"#, Ok(r#""llo World""#)),
    ("slice", r#"["Hello World", 30]"#, Ok(r#""""#)),
    ("slice", r#"["Hello World", 10, 2]"#, Ok(r#""""#)),
    ("slice", r#"["Hello World", 2, 5]"#, Ok(r#""llo""#)),
    ("slice", r#"["Hello World", 6, 20]"#, Ok(r#""World""#)),
    ("slice", r#"["Hello World", -2]"#, Ok(r#""ld""#)),
    ("slice", r#"["Hello World", 3, -1]"#, Ok(r#""lo Worl""#)),
    ("slice", r#"["Hello World", 3, 3]"#, Ok(r#""""#)),
    ("slice", r#"["Hello World", -20, 5]"#, Ok(r#""Hello""#)),
    ("slice", r#"["Hello World", 0, -20]"#, Ok(r#""""#)),
    ("slice", r#"["Hello", -9223372036854775808, 9223372036854775807]"#, Ok(r#""Hello""#)),
    ("slice", r#"[42, 1]"#, Err("of type 'Integer'")),
    // ----- replace -----
    ("replace", r#"["the old string", "old", "new"]"#, Ok(r#""the new string""#)),
    ("replace", r#"["the OLD string", "old", "new"]"#, Ok(r#""the OLD string""#)),
    ("replace", r#"["a-b-c", "-", "+"]"#, Ok(r#""a+b+c""#)),
    ("replace", r#"["abc", "x", "y"]"#, Ok(r#""abc""#)),
    ("replace", r#"["abc", "", "y"]"#, Err("non-empty")),
    // ----- split -----
    ("split", r#"["a_b_c", "_"]"#, Ok(r#"["a","b","c"]"#)),
    ("split", r#"["a_b_c", " "]"#, Ok(r#"["a_b_c"]"#)),
    ("split", r#"["a,,b", ","]"#, Ok(r#"["a","","b"]"#)),
    ("split", r#"["a<>b<>c", "<>"]"#, Ok(r#"["a","b","c"]"#)),
    ("split", r#"["", ","]"#, Ok(r#"[""]"#)),
    ("split", r#"["abc", ""]"#, Ok(r#"["abc"]"#)),
    ("split", r#"[["a"], ","]"#, Err("of type 'Array'")),
    // ----- indexOf -----
    ("indexOf", r#"["hello world", "world"]"#, Ok("6")),
    ("indexOf", r#"["hello world", "WORLD"]"#, Ok("6")),
    ("indexOf", r#"["hello", "xyz"]"#, Ok("-1")),
    ("indexOf", r#"["hello", ""]"#, Ok("0")),
    ("indexOf", r#"["héllo wörld", "WÖR"]"#, Ok("6")),
    ("indexOf", r#"["hello", 1]"#, Err("expects its second parameter to be a string")),
    // ----- lastIndexOf -----
    ("lastIndexOf", r#"["hello world hello world", "world"]"#, Ok("18")),
    ("lastIndexOf", r#"["hello world hello world", ""]"#, Ok("22")),
    ("lastIndexOf", r#"["", ""]"#, Ok("0")),
    ("lastIndexOf", r#"["", "a"]"#, Ok("-1")),
    ("lastIndexOf", r#"["Hello World", "O"]"#, Ok("7")),
    ("lastIndexOf", r#"["abc", "z"]"#, Ok("-1")),
    // ----- nthIndexOf -----
    ("nthIndexOf", r#"["123456789123465789", "1", 1]"#, Ok("0")),
    ("nthIndexOf", r#"["123456789123465789", "1", 2]"#, Ok("9")),
    ("nthIndexOf", r#"["123456789123465789", "12", 2]"#, Ok("9")),
    ("nthIndexOf", r#"["123456789123465789", "6", 4]"#, Ok("-1")),
    ("nthIndexOf", r#"["123456789123465789", "1", -1]"#, Ok("9")),
    ("nthIndexOf", r#"["123456789123465789", "1", -2]"#, Ok("0")),
    ("nthIndexOf", r#"["123456789123465789", "1", -3]"#, Ok("-1")),
    ("nthIndexOf", r#"["aAa", "A", 3]"#, Ok("2")),
    ("nthIndexOf", r#"["aaaa", "aa", 2]"#, Ok("1")),
    ("nthIndexOf", r#"["abc", "b", 9223372036854775807]"#, Ok("-1")),
    ("nthIndexOf", r#"["abc", "b", 0]"#, Err("non-zero")),
    // ----- startsWith / endsWith -----
    ("startsWith", r#"["hello world", "hello"]"#, Ok("true")),
    ("startsWith", r#"["hello world", "greetings"]"#, Ok("false")),
    ("startsWith", r#"["Hello World", "hELLO"]"#, Ok("true")),
    ("startsWith", r#"["hi", ""]"#, Ok("true")),
    ("startsWith", r#"["hi", "hi there"]"#, Ok("false")),
    ("endsWith", r#"["hello world", "world"]"#, Ok("true")),
    ("endsWith", r#"["hello world", "universe"]"#, Ok("false")),
    ("endsWith", r#"["hello world", "WORLD"]"#, Ok("true")),
    ("endsWith", r#"[null, "x"]"#, Err("of type 'Null'")),
    // ----- toLower / toUpper / trim -----
    ("toLower", r#"["Hello World"]"#, Ok(r#""hello world""#)),
    ("toLower", r#"["Hello"]"#, Ok(r#""hello""#)),
    ("toLower", r#"["ÀÉÎ 123"]"#, Ok(r#""àéî 123""#)),
    ("toLower", r#"[5]"#, Err("expects its parameter to be a string. The provided value is of type 'Integer'")),
    ("toUpper", r#"["Hello World"]"#, Ok(r#""HELLO WORLD""#)),
    ("toUpper", r#"["straße"]"#, Ok(r#""STRASSE""#)),
    ("toUpper", r#"[{"a": 1}]"#, Err("of type 'Object'")),
    ("trim", r#"[" Hello World  "]"#, Ok(r#""Hello World""#)),
    ("trim", r#"["\t x \n"]"#, Ok(r#""x""#)),
    ("trim", r#"[""]"#, Ok(r#""""#)),
    ("trim", r#"[1.5]"#, Err("of type 'Float'")),
    // ----- guid (errors only; shapes are checked below) -----
    ("guid", r#"["Q"]"#, Err("not valid")),
    ("guid", r#"[5]"#, Err("to be a string")),
    ("guid", r#"["N", "D"]"#, Err("expects 0 to 1 parameter(s)")),
    // ----- formatNumber -----
    ("formatNumber", r#"[1234567890, "0,0.00", "en-us"]"#, Ok(r#""1,234,567,890.00""#)),
    ("formatNumber", r#"[1234567890, "0,0.00", "is-is"]"#, Ok(r#""1.234.567.890,00""#)),
    ("formatNumber", r##"[1234567890, "#,##0.00", "en-US"]"##, Ok(r#""1,234,567,890.00""#)),
    ("formatNumber", r##"[1234567890, "#,##0.00", "is-IS"]"##, Ok(r#""1.234.567.890,00""#)),
    ("formatNumber", r#"[17.35, "C2"]"#, Ok(r#""$17.35""#)),
    ("formatNumber", r#"[17.35, "C2", "is-is"]"#, Ok(r#""17,35 kr.""#)),
    ("formatNumber", r#"[17.35, "C", "is-IS"]"#, Ok(r#""17 kr.""#)),
    ("formatNumber", r#"[1234.5, "C", "de-DE"]"#, Ok(r#""1.234,50 €""#)),
    ("formatNumber", r#"[-1234.5, "C", "de-DE"]"#, Ok(r#""-1.234,50 €""#)),
    ("formatNumber", r#"[-17.35, "C2"]"#, Ok(r#""($17.35)""#)),
    ("formatNumber", r#"[-17.35, "C2", "en-GB"]"#, Ok(r#""-£17.35""#)),
    ("formatNumber", r#"[1234.5, "C0"]"#, Ok(r#""$1,235""#)),
    ("formatNumber", r#"[1234.567, "N0"]"#, Ok(r#""1,235""#)),
    ("formatNumber", r#"[1234.567, "N"]"#, Ok(r#""1,234.57""#)),
    ("formatNumber", r#"[-1234.567, "N1", "de-DE"]"#, Ok(r#""-1.234,6""#)),
    ("formatNumber", r#"[1234.5, "N2", "fr-FR"]"#, Ok("\"1\u{a0}234,50\"")),
    ("formatNumber", r#"[1234.567, "F1"]"#, Ok(r#""1234.6""#)),
    ("formatNumber", r#"[2.675, "F2"]"#, Ok(r#""2.68""#)),
    ("formatNumber", r#"[0.995, "F2"]"#, Ok(r#""1.00""#)),
    ("formatNumber", r#"[42, "F"]"#, Ok(r#""42.00""#)),
    ("formatNumber", r#"[42, "D5"]"#, Ok(r#""00042""#)),
    ("formatNumber", r#"[-42, "D"]"#, Ok(r#""-42""#)),
    ("formatNumber", r#"[1.5, "D"]"#, Err("only valid for integers")),
    ("formatNumber", r#"[255, "X"]"#, Ok(r#""FF""#)),
    ("formatNumber", r#"[255, "x4"]"#, Ok(r#""00ff""#)),
    ("formatNumber", r#"[-1, "X"]"#, Ok(r#""FFFFFFFFFFFFFFFF""#)),
    ("formatNumber", r#"[0.1234, "P"]"#, Ok(r#""12.34%""#)),
    ("formatNumber", r#"[0.1234, "P1", "de-DE"]"#, Ok(r#""12,3 %""#)),
    ("formatNumber", r#"[1052.0329112756, "E"]"#, Ok(r#""1.052033E+003""#)),
    ("formatNumber", r#"[-1052.0329112756, "e2"]"#, Ok(r#""-1.05e+003""#)),
    ("formatNumber", r#"[0, "E2"]"#, Ok(r#""0.00E+000""#)),
    ("formatNumber", r#"[12345.6789, "G"]"#, Ok(r#""12345.6789""#)),
    ("formatNumber", r#"[12345.6789, "G4"]"#, Ok(r#""1.235E+04""#)),
    ("formatNumber", r#"[0.0001, "G"]"#, Ok(r#""0.0001""#)),
    ("formatNumber", r#"[1e-7, "G"]"#, Ok(r#""1E-07""#)),
    ("formatNumber", r#"[123456789, "G"]"#, Ok(r#""123456789""#)),
    ("formatNumber", r#"[1.5, "R"]"#, Ok(r#""1.5""#)),
    ("formatNumber", r#"[0.5, "0.00"]"#, Ok(r#""0.50""#)),
    ("formatNumber", r##"[1234567.891, "#,##0"]"##, Ok(r#""1,234,568""#)),
    ("formatNumber", r##"[1.5, "#.##"]"##, Ok(r#""1.5""#)),
    ("formatNumber", r##"[1, "#.##"]"##, Ok(r#""1""#)),
    ("formatNumber", r#"[0.125, "0%"]"#, Ok(r#""13%""#)),
    ("formatNumber", r##"[1234567, "#,##0,K"]"##, Ok(r#""1,235K""#)),
    ("formatNumber", r#"[5, "0,0.00"]"#, Ok(r#""05.00""#)),
    ("formatNumber", r#"[-5, "0;(0)"]"#, Ok(r#""(5)""#)),
    ("formatNumber", r#"[0, "0;(0);'zero'"]"#, Ok(r#""zero""#)),
    ("formatNumber", r#"[-5, "0.0"]"#, Ok(r#""-5.0""#)),
    ("formatNumber", r#"[-0.001, "0.00"]"#, Ok(r#""0.00""#)),
    ("formatNumber", r##"[5, "#"]"##, Ok(r#""5""#)),
    ("formatNumber", r##"[0, "#"]"##, Ok(r#""""#)),
    ("formatNumber", r#"[12345.678, "0.0E+0"]"#, Ok(r#""1.2E+4""#)),
    ("formatNumber", r#"[0.00012, "0.0e-00"]"#, Ok(r#""1.2e-04""#)),
    ("formatNumber", r#"[1234, "$#,##0.00"]"#, Ok(r#""$1,234.00""#)),
    ("formatNumber", r#"[1234, "'#'0 \\#"]"#, Ok(r##""#1234 #""##)),
    ("formatNumber", r#"[5551234567, "(###) ###-####"]"#, Ok(r#""(555) 123-4567""#)),
    ("formatNumber", r#"[1e21, "N0"]"#, Ok(r#""1,000,000,000,000,000,000,000""#)),
    ("formatNumber", r#"[123456789012345678901234567890, "N0"]"#, Ok(r#""123,456,789,012,345,678,901,234,567,890""#)),
    ("formatNumber", r#"[1, "N", "de"]"#, Ok(r#""1,00""#)),
    ("formatNumber", r#"[1, "N", ""]"#, Ok(r#""1.00""#)),
    ("formatNumber", r#"["12", "N"]"#, Err("of type 'String'")),
    ("formatNumber", r#"[1, "N", "xx-XX"]"#, Err("not supported locally")),
    ("formatNumber", r#"[1, "K"]"#, Err("not valid")),
    ("formatNumber", r#"[1, "F99999"]"#, Err("precision is larger")),
    ("formatNumber", r#"[1e1999, "N"]"#, Err("out of the range")),
    // ----- length -----
    ("length", r#"["abcd"]"#, Ok("4")),
    ("length", r#"[[0, 1, 2, 3]]"#, Ok("4")),
    ("length", r#"[""]"#, Ok("0")),
    ("length", r#"["héllo"]"#, Ok("5")),
    ("length", r#"[{"a": 1}]"#, Err("a string or an array")),
    ("length", r#"[]"#, Err("expects 1 parameter(s), but 0 were given")),
    ("length", r#"["a", "b"]"#, Err("expects 1 parameter(s), but 2 were given")),
    // ----- chunk, isInt, isFloat -----
    ("chunk", r#"["abcdefghijklmnopqrstuvwxyz", 10]"#, Ok(r#"["abcdefghij","klmnopqrst","uvwxyz"]"#)),
    ("chunk", r#"[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 5]"#, Ok("[[1,2,3,4,5],[6,7,8,9,10],[11,12]]")),
    ("chunk", r#"["", 3]"#, Ok("[]")),
    ("chunk", r#"["abc", 0]"#, Err("positive")),
    ("isInt", r#"["10"]"#, Ok("true")),
    ("isInt", r#"["-10"]"#, Ok("true")),
    ("isInt", r#"["10.5"]"#, Ok("false")),
    ("isInt", r#"["abc"]"#, Ok("false")),
    ("isFloat", r#"["10,000.00"]"#, Ok("true")),
    ("isFloat", r#"["10.000,00", "de-DE"]"#, Ok("true")),
    ("isFloat", r#"["10.000,00"]"#, Ok("false")),
    ("isFloat", r#"["abc"]"#, Ok("false")),
    // ----- contains -----
    ("contains", r#"["hello world", "world"]"#, Ok("true")),
    ("contains", r#"["hello world", "universe"]"#, Ok("false")),
    ("contains", r#"["hello world", "World"]"#, Ok("false")),
    ("contains", r#"[["a", "b"], "b"]"#, Ok("true")),
    ("contains", r#"[["a", "b"], "B"]"#, Ok("false")),
    ("contains", r#"[[1, 2, 3], 2.0]"#, Ok("true")),
    ("contains", r#"[[{"a": 1}], {"a": 1}]"#, Ok("true")),
    ("contains", r#"[{"a": 1, "b": 2}, "b"]"#, Ok("true")),
    ("contains", r#"[{"a": 1}, "A"]"#, Ok("false")),
    ("contains", r#"[[], 1]"#, Ok("false")),
    ("contains", r#"[null, "a"]"#, Err("of type 'Null'")),
    ("contains", r#"[5, "a"]"#, Err("a string, an array or an object")),
    // ----- empty -----
    ("empty", r#"[""]"#, Ok("true")),
    ("empty", r#"["abc"]"#, Ok("false")),
    ("empty", r#"[[]]"#, Ok("true")),
    ("empty", r#"[[0]]"#, Ok("false")),
    ("empty", r#"[{}]"#, Ok("true")),
    ("empty", r#"[{"a": null}]"#, Ok("false")),
    ("empty", r#"[null]"#, Ok("true")),
    ("empty", r#"[0]"#, Err("of type 'Integer'")),
    // ----- first / last -----
    ("first", r#"["hello"]"#, Ok(r#""h""#)),
    ("first", r#"[[0, 1, 2]]"#, Ok("0")),
    ("first", r#"[[]]"#, Ok("null")),
    ("first", r#"[""]"#, Ok(r#""""#)),
    ("first", r#"[5]"#, Err("a string or an array")),
    ("last", r#"["abcd"]"#, Ok(r#""d""#)),
    ("last", r#"[[0, 1, 2, 3]]"#, Ok("3")),
    ("last", r#"[[]]"#, Ok("null")),
    ("last", r#"[{"a": 1}]"#, Err("of type 'Object'")),
    // ----- join -----
    ("join", r#"[["a", "b", "c"], "."]"#, Ok(r#""a.b.c""#)),
    ("join", r#"[[], ","]"#, Ok(r#""""#)),
    ("join", r#"[["only"], ", "]"#, Ok(r#""only""#)),
    ("join", r#"[[1, null, true, "x"], "-"]"#, Ok(r#""1--True-x""#)),
    ("join", r#"["abc", ","]"#, Err("expects its first parameter to be an array")),
    // ----- skip / take -----
    ("skip", r#"[[0, 1, 2, 3], 1]"#, Ok("[1,2,3]")),
    ("skip", r#"[[0, 1], 5]"#, Ok("[]")),
    ("skip", r#"[[0, 1], 0]"#, Ok("[0,1]")),
    ("skip", r#"["abcde", 2]"#, Ok(r#""cde""#)),
    ("skip", r#"[[0, 1], -1]"#, Err("non-negative")),
    ("skip", r#"[[0, 1], 1.5]"#, Err("to be an integer")),
    ("take", r#"["abcde", 3]"#, Ok(r#""abc""#)),
    ("take", r#"[[0, 1, 2, 3, 4], 3]"#, Ok("[0,1,2]")),
    ("take", r#"[[1], 10]"#, Ok("[1]")),
    ("take", r#"[[1], 0]"#, Ok("[]")),
    ("take", r#"[null, 1]"#, Err("of type 'Null'")),
    // ----- union -----
    ("union", r#"[[1, 2, 3], [1, 2, 10, 101]]"#, Ok("[1,2,3,10,101]")),
    ("union", r#"[[1, 1, 2], [2]]"#, Ok("[1,2]")),
    ("union", r#"[[1], [1.0, "1"]]"#, Ok(r#"[1,"1"]"#)),
    ("union", r#"[{"a": 1, "b": 2}, {"b": 3, "c": 4}]"#, Ok(r#"{"a":1,"b":3,"c":4}"#)),
    ("union", r#"[[], []]"#, Ok("[]")),
    ("union", r#"[[1], {"a": 1}]"#, Err("all arrays or all objects")),
    // ----- intersection -----
    ("intersection", r#"[[1, 2, 3], [101, 2, 1, 10], [6, 8, 1, 2]]"#, Ok("[1,2]")),
    ("intersection", r#"[[1, 2], [3]]"#, Ok("[]")),
    ("intersection", r#"[[1, 1, 2], [1, 2]]"#, Ok("[1,2]")),
    ("intersection", r#"[{"a": 1, "b": 2}, {"b": 3, "c": 4}]"#, Ok(r#"{"b":3}"#)),
    ("intersection", r#"[[1], "a"]"#, Err("all arrays or all objects")),
    // ----- createArray -----
    ("createArray", r#"["h", "e", "l", "l", "o"]"#, Ok(r#"["h","e","l","l","o"]"#)),
    ("createArray", r#"[]"#, Ok("[]")),
    ("createArray", r#"[1, "a", null, [2]]"#, Ok(r#"[1,"a",null,[2]]"#)),
    // ----- range -----
    ("range", r#"[1, 4]"#, Ok("[1,2,3,4]")),
    ("range", r#"[0, 0]"#, Ok("[]")),
    ("range", r#"[-2, 3]"#, Ok("[-2,-1,0]")),
    ("range", r#"[1, -1]"#, Err("non-negative")),
    ("range", r#"[0, 100001]"#, Err("no larger than 100000")),
    ("range", r#"[2147483647, 1]"#, Err("2147483647")),
    ("range", r#"["1", 2]"#, Err("to be an integer")),
    // ----- reverse -----
    ("reverse", r#"[[0, 1, 2, 3]]"#, Ok("[3,2,1,0]")),
    ("reverse", r#"[[]]"#, Ok("[]")),
    ("reverse", r#"["abc"]"#, Err("to be an array")),
    // ----- sort -----
    ("sort", r#"[[2, 1, 0, 3]]"#, Ok("[0,1,2,3]")),
    ("sort", r#"[[1.5, 1, -2]]"#, Ok("[-2,1,1.5]")),
    ("sort", r#"[["b", "a", "C"]]"#, Ok(r#"["C","a","b"]"#)),
    ("sort", r#"[[true, false]]"#, Ok("[false,true]")),
    ("sort", r#"[[]]"#, Ok("[]")),
    (
        "sort",
        r#"[[{"first": "Amalie", "last": "Jensen"}, {"first": "Elise", "last": "Renault"}, {"first": "Matthew", "last": "Jensen"}], "last"]"#,
        Ok(r#"[{"first":"Amalie","last":"Jensen"},{"first":"Matthew","last":"Jensen"},{"first":"Elise","last":"Renault"}]"#),
    ),
    ("sort", r#"[[1, "a"]]"#, Err("all numbers, all strings or all booleans")),
    ("sort", r#"[[{"a": 1}, {"b": 2}], "a"]"#, Err("property 'a'")),
    ("sort", r#"[[[1], [0]]]"#, Err("all numbers, all strings or all booleans")),
    // ----- and / or / not -----
    ("and", r#"[true, true]"#, Ok("true")),
    ("and", r#"[false, true]"#, Ok("false")),
    ("and", r#"[false, false]"#, Ok("false")),
    ("and", r#"[true, true, true]"#, Ok("true")),
    ("and", r#"["true", true]"#, Err("to be a boolean")),
    ("or", r#"[true, false]"#, Ok("true")),
    ("or", r#"[false, false]"#, Ok("false")),
    ("or", r#"[1, false]"#, Err("of type 'Integer'")),
    ("not", r#"[false]"#, Ok("true")),
    ("not", r#"[true]"#, Ok("false")),
    ("not", r#"[null]"#, Err("to be a boolean")),
    // ----- equals -----
    ("equals", r#"[true, 1]"#, Ok("true")),
    ("equals", r#"[false, 0]"#, Ok("true")),
    ("equals", r#"["abc", "abcd"]"#, Ok("false")),
    ("equals", r#"[1, 1]"#, Ok("true")),
    ("equals", r#"[1, 1.0]"#, Ok("true")),
    ("equals", r#"[{"a": [1, 2]}, {"a": [1, 2.0]}]"#, Ok("true")),
    ("equals", r#"[{"a": 1, "b": 2}, {"b": 2, "a": 1}]"#, Ok("true")),
    ("equals", r#"[[1, 2], [2, 1]]"#, Ok("false")),
    ("equals", r#"[null, ""]"#, Ok("true")),
    ("equals", r#"[null, null]"#, Ok("true")),
    ("equals", r#"["abc", "ABC"]"#, Ok("false")),
    ("equals", r#"[1, "1"]"#, Ok("false")),
    // ----- greater / greaterOrEquals / less / lessOrEquals -----
    ("greater", r#"[10, 5]"#, Ok("true")),
    ("greater", r#"["apple", "banana"]"#, Ok("false")),
    ("greater", r#"[5, 5]"#, Ok("false")),
    ("greater", r#"[1.5, 1]"#, Ok("true")),
    ("greater", r#"["a", null]"#, Ok("true")),
    ("greater", r#"[1, "a"]"#, Err("matching types")),
    ("greater", r#"[true, false]"#, Err("matching types")),
    ("greaterOrEquals", r#"[5, 5]"#, Ok("true")),
    ("greaterOrEquals", r#"["apple", "banana"]"#, Ok("false")),
    ("less", r#"[5, 10]"#, Ok("true")),
    ("less", r#"["banana", "apple"]"#, Ok("false")),
    ("less", r#"[-1, 0.5]"#, Ok("true")),
    ("lessOrEquals", r#"[10, 10]"#, Ok("true")),
    ("lessOrEquals", r#"["apply", "apple"]"#, Ok("false")),
    ("lessOrEquals", r#"[[1], [2]]"#, Err("matching types")),
    // ----- if -----
    ("if", r#"[true, "yes", "no"]"#, Ok(r#""yes""#)),
    ("if", r#"[false, "yes", "no"]"#, Ok(r#""no""#)),
    ("if", r#"[true, {"a": 1}, null]"#, Ok(r#"{"a":1}"#)),
    ("if", r#"["true", 1, 2]"#, Err("to be a boolean")),
    ("if", r#"[true]"#, Err("expects 3 parameter(s)")),
    // ----- coalesce -----
    ("coalesce", r#"[null, true, false]"#, Ok("true")),
    ("coalesce", r#"[null, "hello", "world"]"#, Ok(r#""hello""#)),
    ("coalesce", r#"[null, null, null]"#, Ok("null")),
    ("coalesce", r#"[null, "", 1]"#, Ok(r#""""#)),
    ("coalesce", r#"[[], 1]"#, Ok("[]")),
    // ----- array -----
    ("array", r#"["hello"]"#, Ok(r#"["hello"]"#)),
    ("array", r#"[[1, 2]]"#, Ok("[1,2]")),
    ("array", r#"[null]"#, Ok("[null]")),
    ("array", r#"[{"a": 1}]"#, Ok(r#"[{"a":1}]"#)),
    // ----- base64 and friends -----
    ("base64", r#"["hello"]"#, Ok(r#""aGVsbG8=""#)),
    ("base64", r#"[""]"#, Ok(r#""""#)),
    ("base64", r#"["héllo"]"#, Ok(r#""aMOpbGxv""#)),
    ("base64", r#"[{"$content-type": "application/octet-stream", "$content": "aGVsbG8="}]"#, Ok(r#""aGVsbG8=""#)),
    ("base64", r#"[[1]]"#, Err("a string or binary content")),
    ("base64ToString", r#"["aGVsbG8="]"#, Ok(r#""hello""#)),
    ("base64ToString", r#"["aGVsbG8"]"#, Ok(r#""hello""#)),
    ("base64ToString", r#"["aGVs bG8="]"#, Ok(r#""hello""#)),
    ("base64ToString", r#"[{"$content-type": "application/octet-stream", "$content": "aGVsbG8="}]"#, Ok(r#""hello""#)),
    ("base64ToString", r#"["not base64!"]"#, Err("cannot be decoded from base64")),
    ("base64ToString", r#"[1]"#, Err("of type 'Integer'")),
    ("decodeBase64", r#"["aGVsbG8="]"#, Ok(r#""hello""#)),
    ("base64ToBinary", r#"["aGVsbG8="]"#, Ok(r#"{"$content-type":"application/octet-stream","$content":"aGVsbG8="}"#)),
    ("base64ToBinary", r#"["%%"]"#, Err("cannot be decoded from base64")),
    ("binary", r#"["hello"]"#, Ok(r#"{"$content-type":"application/octet-stream","$content":"aGVsbG8="}"#)),
    ("binary", r#"[{"$content-type": "image/png", "$content": "AAEC"}]"#, Ok(r#"{"$content-type":"application/octet-stream","$content":"AAEC"}"#)),
    ("binary", r#"[null]"#, Err("a string or binary content")),
    // ----- bool -----
    ("bool", r#"[1]"#, Ok("true")),
    ("bool", r#"[0]"#, Ok("false")),
    ("bool", r#"[-1]"#, Ok("true")),
    ("bool", r#"[0.5]"#, Ok("true")),
    ("bool", r#"["true"]"#, Ok("true")),
    ("bool", r#"["false"]"#, Ok("false")),
    ("bool", r#"["TRUE"]"#, Ok("true")),
    ("bool", r#"["False"]"#, Ok("false")),
    ("bool", r#"[true]"#, Ok("true")),
    ("bool", r#"["yes"]"#, Err("The value cannot be converted to the target type")),
    ("bool", r#"[{}]"#, Err("not valid")),
    ("bool", r#"[null]"#, Err("not valid")),
    // ----- data URIs -----
    ("dataUri", r#"["hello"]"#, Ok(r#""data:text/plain;charset=utf-8;base64,aGVsbG8=""#)),
    ("dataUri", r#"[{"$content-type": "image/png", "$content": "AAEC"}]"#, Ok(r#""data:image/png;base64,AAEC""#)),
    ("dataUri", r#"[[1]]"#, Err("a string or binary content")),
    ("dataUriToBinary", r#"["data:text/plain;charset=utf-8;base64,aGVsbG8="]"#, Ok(r#"{"$content-type":"text/plain;charset=utf-8","$content":"aGVsbG8="}"#)),
    ("dataUriToBinary", r#"["data:,hello%20world"]"#, Ok(r#"{"$content-type":"application/octet-stream","$content":"aGVsbG8gd29ybGQ="}"#)),
    ("dataUriToBinary", r#"["hello"]"#, Err("not a data URI")),
    ("dataUriToBinary", r#"["data:;base64,@@@"]"#, Err("not a data URI")),
    ("decodeDataUri", r#"["data:text/plain;charset=utf-8;base64,aGVsbG8="]"#, Ok(r#"{"$content-type":"text/plain;charset=utf-8","$content":"aGVsbG8="}"#)),
    ("dataUriToString", r#"["data:text/plain;charset=utf-8;base64,aGVsbG8="]"#, Ok(r#""hello""#)),
    ("dataUriToString", r#"["data:,A%20B"]"#, Ok(r#""A B""#)),
    ("dataUriToString", r#"["DATA:text/plain;BASE64,aGk="]"#, Ok(r#""hi""#)),
    ("dataUriToString", r#"["data:no comma"]"#, Err("not a data URI")),
    // ----- URI components -----
    ("decodeUriComponent", r#"["https%3A%2F%2Fcontoso.com"]"#, Ok(r#""https://contoso.com""#)),
    ("decodeUriComponent", r#"["a+b%20c"]"#, Ok(r#""a+b c""#)),
    ("decodeUriComponent", r#"["%E2%82%AC"]"#, Ok(r#""€""#)),
    ("decodeUriComponent", r#"["100%"]"#, Ok(r#""100%""#)),
    ("decodeUriComponent", r#"["%zz"]"#, Ok(r#""%zz""#)),
    ("encodeUriComponent", r#"["https://contoso.com"]"#, Ok(r#""https%3A%2F%2Fcontoso.com""#)),
    ("encodeUriComponent", r#"["a b&c=€"]"#, Ok(r#""a%20b%26c%3D%E2%82%AC""#)),
    ("encodeUriComponent", r#"["AZaz09-_.~"]"#, Ok(r#""AZaz09-_.~""#)),
    ("uriComponent", r#"["https://contoso.com"]"#, Ok(r#""https%3A%2F%2Fcontoso.com""#)),
    ("uriComponent", r#"[10]"#, Ok(r#""10""#)),
    ("uriComponent", r#"[null]"#, Ok(r#""""#)),
    ("uriComponentToBinary", r#"["https%3A%2F%2Fcontoso.com"]"#, Ok(r#"{"$content-type":"application/octet-stream","$content":"aHR0cHM6Ly9jb250b3NvLmNvbQ=="}"#)),
    ("uriComponentToString", r#"["https%3A%2F%2Fcontoso.com"]"#, Ok(r#""https://contoso.com""#)),
    ("uriComponentToString", r#"[1]"#, Err("of type 'Integer'")),
    // ----- float / int -----
    ("float", r#"["10.333"]"#, Ok("10.333")),
    ("float", r#"["10,000.00"]"#, Ok("10000")),
    ("float", r#"["10.000,00", "de-DE"]"#, Ok("10000")),
    ("float", r#"["1,5", "de-DE"]"#, Ok("1.5")),
    ("float", r#"["-1.5e3"]"#, Ok("-1500")),
    ("float", r#"[" 2.5 "]"#, Ok("2.5")),
    ("float", r#"[2.5]"#, Ok("2.5")),
    ("float", r#"["abc"]"#, Err("The value cannot be converted to the target type")),
    ("float", r#"["1e999"]"#, Err("cannot be converted")),
    ("float", r#"[""]"#, Err("cannot be converted")),
    ("float", r#"["1.5", "zz"]"#, Err("not supported locally")),
    ("int", r#"["10"]"#, Ok("10")),
    ("int", r#"[" -42 "]"#, Ok("-42")),
    ("int", r#"["+7"]"#, Ok("7")),
    ("int", r#"[7]"#, Ok("7")),
    ("int", r#"[7.0]"#, Ok("7")),
    ("int", r#"["10.5"]"#, Err("The template language function 'int' was invoked with a parameter that is not valid. The value cannot be converted to the target type.")),
    ("int", r#"["abc"]"#, Err("cannot be converted")),
    ("int", r#"["99999999999999999999"]"#, Err("cannot be converted")),
    ("int", r#"[7.5]"#, Err("cannot be converted")),
    ("int", r#"[true]"#, Err("cannot be converted")),
    // ----- json / string -----
    ("json", r#"["[1, 2, 3]"]"#, Ok("[1,2,3]")),
    ("json", r#"["{\"fullName\": \"Sophia Owen\"}"]"#, Ok(r#"{"fullName":"Sophia Owen"}"#)),
    ("json", r#"["{ \"firstName\": \"Sophia\", \"lastName\": \"Owen\" }"]"#, Ok(r#"{"firstName":"Sophia","lastName":"Owen"}"#)),
    ("json", r#"["12345678901234567890123"]"#, Ok("12345678901234567890123")),
    ("json", r#"["\"text\""]"#, Ok(r#""text""#)),
    ("json", r#"[{"a": 1}]"#, Ok(r#"{"a":1}"#)),
    ("json", r#"[null]"#, Ok("{}")),
    ("json", r#"[{"$content-type": "application/json", "$content": "eyJhIjoxfQ=="}]"#, Ok(r#"{"a":1}"#)),
    ("json", r#"["{bad"]"#, Err("cannot be parsed")),
    ("json", r#"[""]"#, Err("cannot be parsed")),
    ("json", r#"["<?xml version=\"1.0\"?><root/>"]"#, Err("not supported locally")),
    ("string", r#"[10]"#, Ok(r#""10""#)),
    ("string", r#"[{"name": "Sophie Owen"}]"#, Ok(r#""{\"name\":\"Sophie Owen\"}""#)),
    ("string", r#"[null]"#, Ok(r#""""#)),
    ("string", r#"[true]"#, Ok(r#""True""#)),
    ("string", r#"[false]"#, Ok(r#""False""#)),
    ("string", r#"[2.5]"#, Ok(r#""2.5""#)),
    ("string", r#"[[1, "a", true]]"#, Ok(r#""[1,\"a\",true]""#)),
    ("string", r#"["text"]"#, Ok(r#""text""#)),
    ("string", r#"[{"$content-type": "application/octet-stream", "$content": "aGVsbG8="}]"#, Ok(r#""hello""#)),
    // ----- xml / xpath -----
    ("xml", r#"["<name>Sophia Owen</name>"]"#, Err("is not supported locally")),
    ("xml", r#"[{"name": "Sophia Owen"}]"#, Err("is not supported locally")),
    ("xpath", r#"["<produce/>", "/produce/item/name"]"#, Err("is not supported locally")),
    // ----- add / sub / mul / div / mod -----
    ("add", r#"[1, 1.5]"#, Ok("2.5")),
    ("add", r#"[1, 1]"#, Ok("2")),
    ("add", r#"[1.5, 1.5]"#, Ok("3")),
    ("add", r#"[0.1, 0.2]"#, Ok("0.30000000000000004")),
    ("add", r#"[-5, 3]"#, Ok("-2")),
    ("add", r#"[9223372036854775807, 1]"#, Err("overflow")),
    ("add", r#"[1e308, 1e308]"#, Err("overflow")),
    ("add", r#"[99999999999999999999, 1]"#, Err("out of the range")),
    ("add", r#"[1, "1"]"#, Err("expects its second parameter to be an integer or a float")),
    ("add", r#"[1]"#, Err("expects 2 parameter(s), but 1 was given")),
    ("sub", r#"[10.3, 0.3]"#, Ok("10")),
    ("sub", r#"[10.3, 0.1]"#, Ok("10.200000000000001")),
    ("sub", r#"[10, 3]"#, Ok("7")),
    ("sub", r#"[-9223372036854775808, 1]"#, Err("overflow")),
    ("mul", r#"[1, 2]"#, Ok("2")),
    ("mul", r#"[1.5, 2]"#, Ok("3")),
    ("mul", r#"[0.5, 0.5]"#, Ok("0.25")),
    ("mul", r#"[4611686018427387904, 2]"#, Err("overflow")),
    ("mul", r#"[null, 2]"#, Err("of type 'Null'")),
    ("div", r#"[10, 5]"#, Ok("2")),
    ("div", r#"[11, 5]"#, Ok("2")),
    ("div", r#"[11, 5.0]"#, Ok("2.2")),
    ("div", r#"[11.0, 5]"#, Ok("2.2")),
    ("div", r#"[-11, 5]"#, Ok("-2")),
    ("div", r#"[1, 0]"#, Err("divide by zero")),
    ("div", r#"[1.5, 0.0]"#, Err("divide by zero")),
    ("div", r#"[-9223372036854775808, -1]"#, Err("overflow")),
    ("mod", r#"[3, 2]"#, Ok("1")),
    ("mod", r#"[-5, 3]"#, Ok("-2")),
    ("mod", r#"[5, -3]"#, Ok("2")),
    ("mod", r#"[5.5, 2]"#, Ok("1.5")),
    ("mod", r#"[1, 0]"#, Err("divide by zero")),
    ("mod", r#"[-9223372036854775808, -1]"#, Err("overflow")),
    // ----- min / max -----
    ("min", r#"[1, 2, 3]"#, Ok("1")),
    ("min", r#"[[1, 2, 3]]"#, Ok("1")),
    ("min", r#"[[1.5, -2]]"#, Ok("-2")),
    ("min", r#"[7]"#, Ok("7")),
    ("min", r#"[[]]"#, Err("non-empty")),
    ("min", r#"[1, "a"]"#, Err("of type 'String'")),
    ("min", r#"[[1, "a"]]"#, Err("index 1")),
    ("max", r#"[1, 2, 3]"#, Ok("3")),
    ("max", r#"[[1, 2, 3]]"#, Ok("3")),
    ("max", r#"[1, 2.5]"#, Ok("2.5")),
    ("max", r#"[]"#, Err("expects at least 1 parameter(s)")),
    // ----- rand (errors; the range is checked below) -----
    ("rand", r#"[3, 3]"#, Ok("3")),
    ("rand", r#"[5, 1]"#, Err("no greater than")),
    ("rand", r#"[1.5, 2]"#, Err("to be an integer")),
    // ----- URI parsing -----
    ("uriHost", r#"["https://www.localhost.com:8080"]"#, Ok(r#""www.localhost.com""#)),
    ("uriHost", r#"["https://user:pw@Contoso.COM/path"]"#, Ok(r#""contoso.com""#)),
    ("uriHost", r#"["http://[::1]:8080/a"]"#, Ok(r#""[::1]""#)),
    ("uriHost", r#"["not a uri"]"#, Err("well-formed absolute URI")),
    ("uriHost", r#"["/relative/path"]"#, Err("well-formed absolute URI")),
    ("uriHost", r#"["https://"]"#, Err("well-formed absolute URI")),
    ("uriPath", r#"["https://www.contoso.com/catalog/shownew.htm?date=today"]"#, Ok(r#""/catalog/shownew.htm""#)),
    ("uriPath", r#"["https://www.contoso.com"]"#, Ok(r#""/""#)),
    ("uriPath", r#"["https://www.contoso.com/a#frag"]"#, Ok(r#""/a""#)),
    ("uriPathAndQuery", r#"["https://www.contoso.com/catalog/shownew.htm?date=today"]"#, Ok(r#""/catalog/shownew.htm?date=today""#)),
    ("uriPathAndQuery", r#"["http://x.com?a=1#frag"]"#, Ok(r#""/?a=1""#)),
    ("uriPort", r#"["https://www.localhost:8080"]"#, Ok("8080")),
    ("uriPort", r#"["https://contoso.com"]"#, Ok("443")),
    ("uriPort", r#"["http://contoso.com/"]"#, Ok("80")),
    ("uriPort", r#"["ftp://files.contoso.com"]"#, Ok("21")),
    ("uriPort", r#"["custom://host/x"]"#, Ok("-1")),
    ("uriPort", r#"["http://x:99999"]"#, Err("well-formed absolute URI")),
    ("uriPort", r#"["http://x:8a"]"#, Err("well-formed absolute URI")),
    ("uriQuery", r#"["https://www.contoso.com/catalog/shownew.htm?date=today"]"#, Ok(r#""?date=today""#)),
    ("uriQuery", r#"["https://contoso.com/a"]"#, Ok(r#""""#)),
    ("uriScheme", r#"["https://www.contoso.com/catalog/shownew.htm?date=today"]"#, Ok(r#""https""#)),
    ("uriScheme", r#"["HTTP://X.COM"]"#, Ok(r#""http""#)),
    ("uriScheme", r#"["mailto:someone@contoso.com"]"#, Ok(r#""mailto""#)),
    ("uriScheme", r#"[1]"#, Err("of type 'Integer'")),
    // ----- addProperty / setProperty / removeProperty -----
    (
        "addProperty",
        r#"[{"firstName": "Sophia", "surName": "Owen"}, "middleName", "Anne"]"#,
        Ok(r#"{"firstName":"Sophia","surName":"Owen","middleName":"Anne"}"#),
    ),
    (
        "addProperty",
        r#"[{"firstName": "Sophia", "surName": "Owen"}, "address", {"city": "Seattle"}]"#,
        Ok(r#"{"firstName":"Sophia","surName":"Owen","address":{"city":"Seattle"}}"#),
    ),
    ("addProperty", r#"[{"a": 1}, "a", 2]"#, Err("already exists")),
    ("addProperty", r#"["x", "a", 1]"#, Err("expects its first parameter to be an object")),
    ("addProperty", r#"[{}, 1, 1]"#, Err("expects its second parameter to be a string")),
    (
        "setProperty",
        r#"[{"firstName": "Sophia", "surName": "Owen"}, "surName", "Hartnett"]"#,
        Ok(r#"{"firstName":"Sophia","surName":"Hartnett"}"#),
    ),
    (
        "setProperty",
        r#"[{"customerName": {"firstName": "Sophia", "surName": "Owen"}}, "customerName", {"firstName": "Sophia", "surName": "Hartnett"}]"#,
        Ok(r#"{"customerName":{"firstName":"Sophia","surName":"Hartnett"}}"#),
    ),
    ("setProperty", r#"[{}, "a", null]"#, Ok(r#"{"a":null}"#)),
    ("setProperty", r#"[[], "a", 1]"#, Err("of type 'Array'")),
    (
        "removeProperty",
        r#"[{"firstName": "Sophia", "middleName": "Anne", "surName": "Owen"}, "middleName"]"#,
        Ok(r#"{"firstName":"Sophia","surName":"Owen"}"#),
    ),
    ("removeProperty", r#"[{"a": 1}, "b"]"#, Ok(r#"{"a":1}"#)),
    ("removeProperty", r#"[{"a": 1, "b": 2, "c": 3}, "a"]"#, Ok(r#"{"b":2,"c":3}"#)),
    ("removeProperty", r#"[null, "a"]"#, Err("of type 'Null'")),
];

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
                if !message.starts_with("The template language function '") {
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
