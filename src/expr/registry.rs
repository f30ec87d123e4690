//! Every function of the expression language: its name, how many arguments
//! it takes, its category, a signature and a one-line summary. The checker
//! uses it for unknown functions and argument counts, the evaluator for
//! arity errors, and the designer for completion.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The group a function belongs to, as the Logic Apps reference groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Text functions.
    String,
    /// Arrays, strings and objects as collections.
    Collection,
    /// Comparison and boolean logic.
    Logical,
    /// Conversion between types and encodings.
    Conversion,
    /// Arithmetic.
    Math,
    /// Dates, times and time zones.
    DateTime,
    /// Parts of a URI.
    Uri,
    /// Changing JSON and XML values.
    Manipulation,
    /// Values of the running workflow: parameters, actions, trigger, loops.
    Workflow,
}

impl Category {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Category::String => "string",
            Category::Collection => "collection",
            Category::Logical => "logical",
            Category::Conversion => "conversion",
            Category::Math => "math",
            Category::DateTime => "date and time",
            Category::Uri => "URI",
            Category::Manipulation => "JSON and XML",
            Category::Workflow => "workflow",
        }
    }
}

/// One function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The canonical spelling, e.g. `formatDateTime`.
    pub name: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments; `None` when there is no limit.
    pub max: Option<usize>,
    /// Its group.
    pub category: Category,
    /// How a call looks, optional arguments marked with `?`.
    pub signature: &'static str,
    /// What it returns, in one sentence.
    pub summary: &'static str,
}

impl FunctionInfo {
    /// True when `n` arguments are accepted.
    pub fn accepts(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }

    /// "exactly 2 arguments", "1 to 3 arguments", "at least 1 argument", …
    pub fn arity_text(&self) -> String {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.max {
            Some(m) if m == self.min => match m {
                0 => "no arguments".into(),
                _ => format!("exactly {m} {}", plural(m)),
            },
            Some(m) if self.min == 0 => format!("at most {m} {}", plural(m)),
            Some(m) => format!("{} to {m} {}", self.min, plural(m)),
            None => format!("at least {} {}", self.min, plural(self.min)),
        }
    }
}

const fn f(
    name: &'static str,
    min: usize,
    max: usize,
    category: Category,
    signature: &'static str,
    summary: &'static str,
) -> FunctionInfo {
    FunctionInfo {
        name,
        min,
        max: Some(max),
        category,
        signature,
        summary,
    }
}

const fn v(
    name: &'static str,
    min: usize,
    category: Category,
    signature: &'static str,
    summary: &'static str,
) -> FunctionInfo {
    FunctionInfo {
        name,
        min,
        max: None,
        category,
        signature,
        summary,
    }
}

use Category as C;

/// The function table, grouped by category, alphabetical within a group.
#[rustfmt::skip]
pub static FUNCTIONS: &[FunctionInfo] = &[
    // String.
    f("chunk", 2, 2, C::String, "chunk(collection, length)", "The string or array cut into pieces of the given length."),
    v("concat", 1, C::String, "concat(text1, text2, ...)", "The strings joined into one."),
    f("endsWith", 2, 2, C::String, "endsWith(text, searchText)", "Whether the text ends with the search text (ignoring case)."),
    f("formatNumber", 2, 3, C::String, "formatNumber(number, format, locale?)", "The number as text in a .NET numeric format."),
    f("guid", 0, 1, C::String, "guid(format?)", "A new globally unique identifier as text."),
    f("indexOf", 2, 2, C::String, "indexOf(text, searchText)", "The position of the first match (ignoring case), or -1."),
    f("isFloat", 1, 2, C::String, "isFloat(text, locale?)", "Whether the text is a decimal number."),
    f("isInt", 1, 1, C::String, "isInt(text)", "Whether the text is an integer."),
    f("lastIndexOf", 2, 2, C::String, "lastIndexOf(text, searchText)", "The position of the last match (ignoring case), or -1."),
    f("nthIndexOf", 3, 3, C::String, "nthIndexOf(text, searchText, occurrence)", "The position of the nth match, or -1."),
    f("replace", 3, 3, C::String, "replace(text, oldText, newText)", "The text with every occurrence replaced (case-sensitive)."),
    f("slice", 2, 3, C::String, "slice(text, startIndex, endIndex?)", "The part of the text between two positions (negative counts from the end)."),
    f("split", 2, 2, C::String, "split(text, delimiter)", "An array of the parts of the text between delimiters."),
    f("startsWith", 2, 2, C::String, "startsWith(text, searchText)", "Whether the text starts with the search text (ignoring case)."),
    f("substring", 2, 3, C::String, "substring(text, startIndex, length?)", "The characters from a position, for a length."),
    f("toLower", 1, 1, C::String, "toLower(text)", "The text in lower case."),
    f("toUpper", 1, 1, C::String, "toUpper(text)", "The text in upper case."),
    f("trim", 1, 1, C::String, "trim(text)", "The text without leading and trailing white space."),
    // Collection.
    f("contains", 2, 2, C::Collection, "contains(collection, value)", "Whether a string has a substring, an array an item, or an object a key."),
    f("empty", 1, 1, C::Collection, "empty(collection)", "Whether the string, array or object is empty."),
    f("first", 1, 1, C::Collection, "first(collection)", "The first item of an array or character of a string."),
    v("intersection", 1, C::Collection, "intersection(collection1, collection2, ...)", "The items common to every array (or keys to every object)."),
    f("join", 2, 2, C::Collection, "join(array, delimiter)", "The items joined into one string."),
    f("last", 1, 1, C::Collection, "last(collection)", "The last item of an array or character of a string."),
    f("length", 1, 1, C::Collection, "length(collection)", "The number of items in an array or characters in a string."),
    f("reverse", 1, 1, C::Collection, "reverse(array)", "The array in reverse order."),
    f("skip", 2, 2, C::Collection, "skip(collection, count)", "The array without its first items."),
    f("sort", 1, 2, C::Collection, "sort(array, sortBy?)", "The array sorted, by a key when its items are objects."),
    f("take", 2, 2, C::Collection, "take(collection, count)", "The first items of an array or characters of a string."),
    v("union", 1, C::Collection, "union(collection1, collection2, ...)", "Every item of the arrays (or keys of the objects), without duplicates."),
    // Logical.
    v("and", 1, C::Logical, "and(expression1, expression2, ...)", "Whether every argument is true."),
    f("equals", 2, 2, C::Logical, "equals(value1, value2)", "Whether the two values are equal."),
    f("greater", 2, 2, C::Logical, "greater(value, compareTo)", "Whether the first value is greater."),
    f("greaterOrEquals", 2, 2, C::Logical, "greaterOrEquals(value, compareTo)", "Whether the first value is greater or equal."),
    f("if", 3, 3, C::Logical, "if(expression, valueIfTrue, valueIfFalse)", "One of two values (both are evaluated)."),
    f("less", 2, 2, C::Logical, "less(value, compareTo)", "Whether the first value is less."),
    f("lessOrEquals", 2, 2, C::Logical, "lessOrEquals(value, compareTo)", "Whether the first value is less or equal."),
    f("not", 1, 1, C::Logical, "not(expression)", "The opposite boolean."),
    v("or", 1, C::Logical, "or(expression1, expression2, ...)", "Whether at least one argument is true."),
    // Conversion.
    f("array", 1, 1, C::Conversion, "array(value)", "An array holding the value."),
    f("base64", 1, 1, C::Conversion, "base64(value)", "The value encoded in base64."),
    f("base64ToBinary", 1, 1, C::Conversion, "base64ToBinary(value)", "The binary content of a base64 string."),
    f("base64ToString", 1, 1, C::Conversion, "base64ToString(value)", "The text of a base64 string."),
    f("binary", 1, 1, C::Conversion, "binary(value)", "The binary content of a string."),
    f("bool", 1, 1, C::Conversion, "bool(value)", "The value as a boolean."),
    v("createArray", 0, C::Conversion, "createArray(value1, value2, ...)", "An array of the arguments."),
    f("dataUri", 1, 1, C::Conversion, "dataUri(value)", "A data URI holding the text."),
    f("dataUriToBinary", 1, 1, C::Conversion, "dataUriToBinary(value)", "The binary content of a data URI."),
    f("dataUriToString", 1, 1, C::Conversion, "dataUriToString(value)", "The text of a data URI."),
    f("decimal", 1, 1, C::Conversion, "decimal(value)", "The text as a decimal number."),
    f("decodeBase64", 1, 1, C::Conversion, "decodeBase64(value)", "The text of a base64 string (deprecated: use base64ToString)."),
    f("decodeDataUri", 1, 1, C::Conversion, "decodeDataUri(value)", "The binary content of a data URI."),
    f("decodeUriComponent", 1, 1, C::Conversion, "decodeUriComponent(value)", "The text with URI escapes decoded."),
    // Designer-written connector paths pass several arguments, which the
    // runtime joins before escaping: `encodeURIComponent('workflows/', x)`.
    v("encodeUriComponent", 1, C::Conversion, "encodeUriComponent(value, ...)", "The text (arguments joined) with URI-unsafe characters escaped."),
    f("float", 1, 2, C::Conversion, "float(value, locale?)", "The text as a floating-point number."),
    f("int", 1, 1, C::Conversion, "int(value)", "The text as an integer."),
    f("json", 1, 1, C::Conversion, "json(value)", "The JSON value of a string or XML."),
    f("string", 1, 1, C::Conversion, "string(value)", "The value as text (objects and arrays as JSON)."),
    f("uriComponent", 1, 1, C::Conversion, "uriComponent(value)", "The text with URI-unsafe characters escaped."),
    f("uriComponentToBinary", 1, 1, C::Conversion, "uriComponentToBinary(value)", "The binary content of a URI-escaped string."),
    f("uriComponentToString", 1, 1, C::Conversion, "uriComponentToString(value)", "The text of a URI-escaped string."),
    f("xml", 1, 1, C::Conversion, "xml(value)", "The XML of a string or a JSON object."),
    // Math.
    f("add", 2, 2, C::Math, "add(summand1, summand2)", "The sum."),
    f("div", 2, 2, C::Math, "div(dividend, divisor)", "The quotient (integer division for integers)."),
    v("max", 1, C::Math, "max(number1, number2, ...) or max(array)", "The largest number."),
    v("min", 1, C::Math, "min(number1, number2, ...) or min(array)", "The smallest number."),
    f("mod", 2, 2, C::Math, "mod(dividend, divisor)", "The remainder."),
    f("mul", 2, 2, C::Math, "mul(multiplicand1, multiplicand2)", "The product."),
    f("rand", 2, 2, C::Math, "rand(minValue, maxValue)", "A random integer from the minimum up to, not including, the maximum."),
    f("range", 2, 2, C::Math, "range(startIndex, count)", "An array of consecutive integers."),
    f("sub", 2, 2, C::Math, "sub(minuend, subtrahend)", "The difference."),
    // Date and time.
    f("addDays", 2, 3, C::DateTime, "addDays(timestamp, days, format?)", "The timestamp plus a number of days."),
    f("addHours", 2, 3, C::DateTime, "addHours(timestamp, hours, format?)", "The timestamp plus a number of hours."),
    f("addMinutes", 2, 3, C::DateTime, "addMinutes(timestamp, minutes, format?)", "The timestamp plus a number of minutes."),
    f("addSeconds", 2, 3, C::DateTime, "addSeconds(timestamp, seconds, format?)", "The timestamp plus a number of seconds."),
    f("addToTime", 3, 4, C::DateTime, "addToTime(timestamp, interval, timeUnit, format?)", "The timestamp plus a number of time units."),
    f("convertFromUtc", 2, 3, C::DateTime, "convertFromUtc(timestamp, destinationTimeZone, format?)", "A UTC timestamp in another time zone."),
    f("convertTimeZone", 3, 4, C::DateTime, "convertTimeZone(timestamp, sourceTimeZone, destinationTimeZone, format?)", "A timestamp moved from one time zone to another."),
    f("convertToUtc", 2, 3, C::DateTime, "convertToUtc(timestamp, sourceTimeZone, format?)", "A timestamp of a time zone in UTC."),
    f("dateDifference", 2, 2, C::DateTime, "dateDifference(startDate, endDate)", "The time between two timestamps, as a time span."),
    f("dayOfMonth", 1, 1, C::DateTime, "dayOfMonth(timestamp)", "The day of the month."),
    f("dayOfWeek", 1, 1, C::DateTime, "dayOfWeek(timestamp)", "The day of the week, 0 for Sunday."),
    f("dayOfYear", 1, 1, C::DateTime, "dayOfYear(timestamp)", "The day of the year."),
    f("formatDateTime", 1, 3, C::DateTime, "formatDateTime(timestamp, format?, locale?)", "The timestamp in a .NET date and time format."),
    f("getFutureTime", 2, 3, C::DateTime, "getFutureTime(interval, timeUnit, format?)", "The current time plus a number of time units."),
    f("getPastTime", 2, 3, C::DateTime, "getPastTime(interval, timeUnit, format?)", "The current time minus a number of time units."),
    f("parseDateTime", 1, 3, C::DateTime, "parseDateTime(timestamp, locale?, format?)", "A timestamp read from text, in ISO 8601."),
    f("startOfDay", 1, 2, C::DateTime, "startOfDay(timestamp, format?)", "The start of the timestamp's day."),
    f("startOfHour", 1, 2, C::DateTime, "startOfHour(timestamp, format?)", "The start of the timestamp's hour."),
    f("startOfMonth", 1, 2, C::DateTime, "startOfMonth(timestamp, format?)", "The start of the timestamp's month."),
    f("subtractFromTime", 3, 4, C::DateTime, "subtractFromTime(timestamp, interval, timeUnit, format?)", "The timestamp minus a number of time units."),
    f("ticks", 1, 1, C::DateTime, "ticks(timestamp)", "The number of 100-nanosecond ticks since 0001-01-01."),
    f("utcNow", 0, 1, C::DateTime, "utcNow(format?)", "The current time in UTC."),
    // URI.
    f("uriHost", 1, 1, C::Uri, "uriHost(uri)", "The host of a URI."),
    f("uriPath", 1, 1, C::Uri, "uriPath(uri)", "The path of a URI."),
    f("uriPathAndQuery", 1, 1, C::Uri, "uriPathAndQuery(uri)", "The path and query of a URI."),
    f("uriPort", 1, 1, C::Uri, "uriPort(uri)", "The port of a URI."),
    f("uriQuery", 1, 1, C::Uri, "uriQuery(uri)", "The query of a URI."),
    f("uriScheme", 1, 1, C::Uri, "uriScheme(uri)", "The scheme of a URI."),
    // JSON and XML.
    f("addProperty", 3, 3, C::Manipulation, "addProperty(object, property, value)", "The object with a new property."),
    v("coalesce", 1, C::Manipulation, "coalesce(value1, value2, ...)", "The first argument that is not null."),
    f("removeProperty", 2, 2, C::Manipulation, "removeProperty(object, property)", "The object without a property."),
    f("setProperty", 3, 3, C::Manipulation, "setProperty(object, property, value)", "The object with a property set."),
    f("xpath", 2, 2, C::Manipulation, "xpath(xml, xpath)", "The nodes or value an XPath expression selects."),
    // Workflow.
    f("action", 0, 0, C::Workflow, "action()", "The current action's result (in its outputs and tracked properties)."),
    f("actionBody", 1, 1, C::Workflow, "actionBody(actionName)", "An action's body output (same as body)."),
    f("actionOutputs", 1, 1, C::Workflow, "actionOutputs(actionName)", "An action's outputs (same as outputs)."),
    f("actions", 1, 1, C::Workflow, "actions(actionName)", "An action's whole result: inputs, outputs, status, times."),
    f("agentParameters", 1, 1, C::Workflow, "agentParameters(name)", "A parameter an agent passed to its tool."),
    f("appsetting", 1, 1, C::Workflow, "appsetting(name)", "An app setting of a Standard logic app."),
    f("body", 1, 1, C::Workflow, "body(actionName)", "An action's body output."),
    f("formDataMultiValues", 2, 2, C::Workflow, "formDataMultiValues(actionName, key)", "Every value of a key in an action's form-data output."),
    f("formDataValue", 2, 2, C::Workflow, "formDataValue(actionName, key)", "The value of a key in an action's form-data output."),
    f("item", 0, 0, C::Workflow, "item()", "The current item of the innermost loop (or of a Select, Query or Table)."),
    f("items", 1, 1, C::Workflow, "items(loopName)", "The current item of a named Foreach loop."),
    f("iterationIndexes", 1, 1, C::Workflow, "iterationIndexes(loopName)", "The index of the current iteration of a loop."),
    f("listCallbackUrl", 0, 0, C::Workflow, "listCallbackUrl()", "The callback URL of the current trigger or webhook action."),
    f("multipartBody", 2, 2, C::Workflow, "multipartBody(actionName, index)", "The body of one part of an action's multipart output."),
    f("outputs", 1, 1, C::Workflow, "outputs(actionName)", "An action's outputs: status code, headers, body."),
    f("parameters", 1, 1, C::Workflow, "parameters(parameterName)", "The value of a workflow parameter."),
    f("result", 1, 1, C::Workflow, "result(scopedActionName)", "The results of the actions directly inside a Scope, Foreach or Until."),
    f("trigger", 0, 0, C::Workflow, "trigger()", "The trigger's whole result."),
    f("triggerBody", 0, 0, C::Workflow, "triggerBody()", "The trigger's body output."),
    f("triggerFormDataMultiValues", 1, 1, C::Workflow, "triggerFormDataMultiValues(key)", "Every value of a key in the trigger's form-data output."),
    f("triggerFormDataValue", 1, 1, C::Workflow, "triggerFormDataValue(key)", "The value of a key in the trigger's form-data output."),
    f("triggerMultipartBody", 1, 1, C::Workflow, "triggerMultipartBody(index)", "The body of one part of the trigger's multipart output."),
    f("triggerOutputs", 0, 0, C::Workflow, "triggerOutputs()", "The trigger's outputs: headers, body."),
    f("variables", 1, 1, C::Workflow, "variables(variableName)", "The value of a variable."),
    f("workflow", 0, 0, C::Workflow, "workflow()", "The workflow itself: id, name, type, location, and the current run."),
];

fn index() -> &'static HashMap<String, usize> {
    static INDEX: OnceLock<HashMap<String, usize>> = OnceLock::new();
    INDEX.get_or_init(|| {
        FUNCTIONS
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect()
    })
}

/// The function of this name (any casing).
pub fn lookup(name: &str) -> Option<&'static FunctionInfo> {
    let idx = index();
    match idx.get(name) {
        Some(&i) => Some(&FUNCTIONS[i]),
        None => idx.get(&name.to_ascii_lowercase()).map(|&i| &FUNCTIONS[i]),
    }
}

/// Every function whose name starts with `prefix` (any casing), in table
/// order: for completion.
pub fn completions(prefix: &str) -> Vec<&'static FunctionInfo> {
    let p = prefix.to_ascii_lowercase();
    FUNCTIONS
        .iter()
        .filter(|f| f.name.to_ascii_lowercase().starts_with(&p))
        .collect()
}

/// The known function whose name is closest to `name`, for "did you mean"
/// hints; `None` when nothing is close.
pub fn suggest(name: &str) -> Option<&'static FunctionInfo> {
    // No function name is this long: spare the comparisons.
    if name.len() > 40 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &'static FunctionInfo)> = None;
    for f in FUNCTIONS {
        let d = edit_distance(&lower, &f.name.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, f));
        }
    }
    let limit = (lower.chars().count() / 3).clamp(1, 3);
    best.filter(|(d, _)| *d <= limit).map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_bounds_are_sane() {
        let mut seen = std::collections::HashSet::new();
        for f in FUNCTIONS {
            assert!(seen.insert(f.name.to_ascii_lowercase()), "{}", f.name);
            assert!(f.max.is_none_or(|m| m >= f.min), "{}", f.name);
            assert!(f.signature.starts_with(f.name), "{}", f.name);
            // The evaluator keeps workflow arguments in two slots.
            if f.category == Category::Workflow {
                assert!(f.max.is_some_and(|m| m <= 2), "{}", f.name);
            }
        }
    }

    #[test]
    fn lookup_ignores_case_and_suggest_finds_typos() {
        assert_eq!(lookup("FORMATDATETIME").unwrap().name, "formatDateTime");
        assert!(lookup("nosuch").is_none());
        assert_eq!(suggest("concatt").unwrap().name, "concat");
        assert_eq!(suggest("tiggerBody").unwrap().name, "triggerBody");
        assert!(suggest("zzzzzzzz").is_none());
        assert_eq!(lookup("if").unwrap().arity_text(), "exactly 3 arguments");
        assert_eq!(lookup("utcNow").unwrap().arity_text(), "at most 1 argument");
        assert_eq!(
            lookup("concat").unwrap().arity_text(),
            "at least 1 argument"
        );
        assert_eq!(lookup("trigger").unwrap().arity_text(), "no arguments");
    }
}
