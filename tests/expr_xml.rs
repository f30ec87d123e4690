//! `xml()`, `xpath()` and `json()` of XML (`lapis::expr::xml`), through
//! whole expressions: every example of the Logic Apps reference for xml,
//! xpath and json(xml(…)), then namespaces, attributes, arrays, binary
//! content, and errors (malformed XML, two roots, bad XPath) that must be
//! clear and never a panic.
//!
//! Results are compared as JSON text after [`shown`] replaces each XML
//! value (`{"$content-type": "application/xml;charset=utf-8", "$content":
//! "<base64>"}`) with its XML text, so the tables read as XML.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use lapis::expr::eval::{eval_str, Context};
use lapis::expr::xml::XML_CONTENT_TYPE;
use proptest::prelude::*;
use serde_json::{json, Value};

/// The reference's `items` XML (xpath examples 1, 2, 3 and 7).
const ITEMS: &str = r#"<?xml version="1.0"?>
<produce>
  <item>
    <name>Gala</name>
    <type>apple</type>
    <count>20</count>
  </item>
  <item>
    <name>Honeycrisp</name>
    <type>apple</type>
    <count>10</count>
  </item>
</produce>"#;

/// Example 4: both names carry `expired`.
const ITEMS_EXPIRED: &str = r#"<?xml version="1.0"?>
<produce>
  <item>
    <name expired='true'>Gala</name>
    <type>apple</type>
    <count>20</count>
  </item>
  <item>
    <name expired='false'>Honeycrisp</name>
    <type>apple</type>
    <count>10</count>
  </item>
</produce>"#;

/// Example 5: only the first name carries `expired`.
const ITEMS_ONE_EXPIRED: &str = r#"<?xml version="1.0"?>
<produce>
  <item>
    <name expired='true'>Gala</name>
    <type>apple</type>
    <count>20</count>
  </item>
  <item>
    <name>Honeycrisp</name>
    <type>apple</type>
    <count>10</count>
  </item>
</produce>"#;

/// Example 6: prices as attributes.
const ITEMS_PRICED: &str = r#"<?xml version="1.0"?>
<produce>
  <item>
    <name expired='true' price='12'>Gala</name>
    <type>apple</type>
    <count>20</count>
  </item>
  <item>
    <name expired='false' price='40'>Honeycrisp</name>
    <type>apple</type>
    <count>10</count>
  </item>
</produce>"#;

/// Examples 8 and 9: a default namespace.
const FILE: &str =
    r#"<?xml version="1.0"?><file xmlns="https://contoso.com"><location>Paris</location></file>"#;

/// A SOAP answer, as an on-premises service behind App Proxy gives it.
const SOAP: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soap:Body>
    <GetOrderResponse xmlns="urn:orders">
      <Order id="7" xsi:nil="false">
        <Line sku="A1">2</Line>
        <Line sku="B2">3</Line>
        <Note><![CDATA[fragile & <heavy>]]></Note>
      </Order>
    </GetOrderResponse>
  </soap:Body>
</soap:Envelope>"#;

fn context() -> Context {
    let soap = STANDARD.encode(SOAP);
    let ctx = json!({
        "parameters": {
            "items": ITEMS,
            "itemsExpired": ITEMS_EXPIRED,
            "itemsOneExpired": ITEMS_ONE_EXPIRED,
            "itemsPriced": ITEMS_PRICED,
            "file": FILE,
            "soap": SOAP,
        },
        "actions": {
            "Http": {
                "status": "Succeeded",
                "outputs": {
                    "statusCode": 200,
                    "headers": {"Content-Type": "text/xml; charset=utf-8"},
                    "body": {"$content-type": "text/xml; charset=utf-8", "$content": soap},
                },
            },
            "File": {
                "status": "Succeeded",
                "outputs": {
                    "statusCode": 200,
                    "body": {"$content-type": "application/xml", "$content": STANDARD.encode(FILE)},
                },
            },
        },
    });
    Context::from_json(&ctx.to_string()).expect("the test context is valid")
}

/// The value with every XML value replaced by its XML text.
fn shown(value: Value) -> Value {
    match value {
        Value::Object(map)
            if map.get("$content-type").and_then(Value::as_str) == Some(XML_CONTENT_TYPE) =>
        {
            let content = map["$content"].as_str().expect("$content is a string");
            let bytes = STANDARD.decode(content).expect("$content is base64");
            Value::String(String::from_utf8(bytes).expect("XML values are UTF-8"))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(shown).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, shown(v))).collect()),
        other => other,
    }
}

fn eval(expression: &str) -> Result<Value, String> {
    eval_str(&format!("@{expression}"), &context()).map_err(|e| e.message)
}

/// `(expression, Ok(result as JSON, XML values as text) or Err(part of the error))`.
type Case = (&'static str, Result<&'static str, &'static str>);

fn run_table(cases: &[Case]) {
    let mut failures = Vec::new();
    for (index, &(expression, expected)) in cases.iter().enumerate() {
        let got = eval(expression);
        match (got, expected) {
            (Ok(value), Ok(want)) => {
                let want: Value = serde_json::from_str(want)
                    .unwrap_or_else(|e| panic!("row {index}: bad JSON {want}: {e}"));
                let got = shown(value);
                if got != want {
                    failures.push(format!(
                        "row {index}: {expression}\n  got  {got}\n  want {want}"
                    ));
                }
            }
            (Err(message), Err(part)) => {
                if !message.contains(part) {
                    failures.push(format!(
                        "row {index}: {expression}\n  error {message:?} lacks {part:?}"
                    ));
                }
                if !message.contains("The template language function '") {
                    failures.push(format!("row {index}: {expression}\n  error {message:?} is not worded like Logic Apps"));
                }
            }
            (Ok(value), Err(part)) => failures.push(format!(
                "row {index}: {expression}\n  got {}, want an error with {part:?}",
                shown(value)
            )),
            (Err(message), Ok(want)) => failures.push(format!(
                "row {index}: {expression}\n  error {message:?}, want {want}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every example of the reference for `xml`, `xpath` and `json(xml(…))`.
///
/// Where the reference's printed result is not what XPath 1.0 (and so
/// Logic Apps) gives, the row says so: node sets are always arrays, and
/// `/produce/item/name[1]` is the first `name` of *each* item.
#[test]
fn reference_examples() {
    run_table(&[
        // xml, example 1
        ("xml('<name>Sophia Owen</name>')", Ok(r#""<name>Sophia Owen</name>""#)),
        // xml, example 2
        ("xml(json('{ \"name\": \"Sophia Owen\" }'))", Ok(r#""<name>Sophia Owen</name>""#)),
        // xml, example 3 (the reference prints it indented; .NET writes it compact)
        (
            "xml(json('{\"person\": {\"name\": \"Sophia Owen\", \"city\": \"Seattle\"}}'))",
            Ok(r#""<person><name>Sophia Owen</name><city>Seattle</city></person>""#),
        ),
        // xpath, example 1
        (
            "xpath(xml(parameters('items')), '/produce/item/name')",
            Ok(r#"["<name>Gala</name>", "<name>Honeycrisp</name>"]"#),
        ),
        // xpath, example 2: the reference prints `Gala`; `name[1]` is the
        // first name of each item, so both match
        (
            "xpath(xml(parameters('items')), '/produce/item/name[1]')",
            Ok(r#"["<name>Gala</name>", "<name>Honeycrisp</name>"]"#),
        ),
        ("xpath(xml(parameters('items')), '(/produce/item/name)[1]')", Ok(r#"["<name>Gala</name>"]"#)),
        ("xpath(xml(parameters('items')), 'string(/produce/item/name[1])')", Ok(r#""Gala""#)),
        // xpath, example 3: likewise
        (
            "xpath(xml(parameters('items')), '/produce/item/name[last()]')",
            Ok(r#"["<name>Gala</name>", "<name>Honeycrisp</name>"]"#),
        ),
        ("xpath(xml(parameters('items')), '(/produce/item/name)[last()]')", Ok(r#"["<name>Honeycrisp</name>"]"#)),
        // xpath, example 4: the elements (the reference prints their text)
        (
            "xpath(xml(parameters('itemsExpired')), '//name[@expired]')",
            Ok(r#"["<name expired=\"true\">Gala</name>", "<name expired=\"false\">Honeycrisp</name>"]"#),
        ),
        // xpath, example 5
        (
            "xpath(xml(parameters('itemsOneExpired')), '//name[@expired = ''true'']')",
            Ok(r#"["<name expired=\"true\">Gala</name>"]"#),
        ),
        // xpath, example 6: `price` names a child element, and there is none;
        // the attribute is `@price`
        ("xpath(xml(parameters('itemsPriced')), '//name[price>35]')", Ok("[]")),
        (
            "xpath(xml(parameters('itemsPriced')), '//name[@price>35]')",
            Ok(r#"["<name expired=\"false\" price=\"40\">Honeycrisp</name>"]"#),
        ),
        // xpath, example 7
        ("xpath(xml(parameters('items')), 'sum(/produce/item/count)')", Ok("30.0")),
        // xpath, example 8: both forms, the namespace declared on the node
        (
            "xpath(xml(body('File')), '/*[name()=\"file\"]/*[name()=\"location\"]')",
            Ok(r#"["<location xmlns=\"https://contoso.com\">Paris</location>"]"#),
        ),
        (
            "xpath(xml(body('File')), '/*[local-name()=\"file\" and namespace-uri()=\"https://contoso.com\"]/*[local-name()=\"location\"]')",
            Ok(r#"["<location xmlns=\"https://contoso.com\">Paris</location>"]"#),
        ),
        // xpath, example 9
        ("xpath(xml(body('File')), 'string(/*[name()=\"file\"]/*[name()=\"location\"])')", Ok(r#""Paris""#)),
        // json, example 3: Newtonsoft gives an object for the single
        // `person` (the reference prints a one-item array)
        (
            "json(xml('<?xml version=\"1.0\"?> <root> <person id=''1''> <name>Sophia Owen</name> <occupation>Engineer</occupation> </person> </root>'))",
            Ok(r#"{"?xml": {"@version": "1.0"}, "root": {"person": {"@id": "1", "name": "Sophia Owen", "occupation": "Engineer"}}}"#),
        ),
    ]);
}

#[test]
fn xml_values_are_content_envelopes() {
    let value = eval("xml('<name>Sophia Owen</name>')").unwrap();
    assert_eq!(
        value,
        json!({"$content-type": "application/xml;charset=utf-8", "$content": STANDARD.encode("<name>Sophia Owen</name>")})
    );
    // As text wherever text is wanted.
    assert_eq!(eval("string(xml('<a>1</a>'))").unwrap(), json!("<a>1</a>"));
    assert_eq!(
        eval("concat('x', xml('<a>1</a>'))").unwrap(),
        json!("x<a>1</a>")
    );
    // Every node of an xpath node set that is an element is one too.
    let nodes = eval("xpath(xml(parameters('items')), '//name')").unwrap();
    assert_eq!(nodes[0]["$content-type"], json!(XML_CONTENT_TYPE));
    assert_eq!(
        eval("string(first(xpath(xml(parameters('items')), '//name')))").unwrap(),
        json!("<name>Gala</name>")
    );
}

#[test]
fn xpath_values_numbers_strings_booleans() {
    run_table(&[
        (
            "xpath(xml(parameters('items')), 'count(//item)')",
            Ok("2.0"),
        ),
        (
            "xpath(xml(parameters('items')), 'count(//nothing)')",
            Ok("0.0"),
        ),
        (
            "xpath(xml(parameters('items')), 'sum(//count) div 4')",
            Ok("7.5"),
        ),
        (
            "xpath(xml(parameters('items')), 'number(//name)')",
            Ok(r#""NaN""#),
        ),
        (
            "xpath(xml(parameters('items')), '1 div 0')",
            Ok(r#""Infinity""#),
        ),
        (
            "xpath(xml(parameters('items')), 'boolean(//item[count > 15])')",
            Ok("true"),
        ),
        (
            "xpath(xml(parameters('items')), 'count(//item) = 3')",
            Ok("false"),
        ),
        (
            "xpath(xml(parameters('items')), 'concat(//item[2]/name, \"!\")')",
            Ok(r#""Honeycrisp!""#),
        ),
        (
            "xpath(xml(parameters('items')), '//name/text()')",
            Ok(r#"["Gala", "Honeycrisp"]"#),
        ),
        (
            "xpath(xml(parameters('itemsPriced')), '//name/@price')",
            Ok(r#"["12", "40"]"#),
        ),
        (
            "xpath(xml(parameters('itemsPriced')), 'sum(//@price)')",
            Ok("52.0"),
        ),
        (
            "xpath(xml(parameters('items')), '//item[name=\"Gala\"]/count/text()')",
            Ok(r#"["20"]"#),
        ),
        // An element with its children, white space between elements dropped.
        (
            "xpath(xml(parameters('items')), '/produce/item[2]')",
            Ok(r#"["<item><name>Honeycrisp</name><type>apple</type><count>10</count></item>"]"#),
        ),
        // The document itself.
        ("xpath(xml('<a><b/></a>'), '/')", Ok(r#"["<a><b /></a>"]"#)),
        // A string argument is read as XML text too, and a JSON object as xml() would.
        ("xpath('<a><b>1</b></a>', 'string(/a/b)')", Ok(r#""1""#)),
        (
            "xpath(json('{\"a\": {\"b\": [1, 2]}}'), 'sum(/a/b)')",
            Ok("3.0"),
        ),
        // Comments and processing instructions are nodes as in XPath.
        (
            "xpath(xml('<a><!--note--><?pi data?></a>'), '/a/comment()')",
            Ok(r#"["note"]"#),
        ),
        (
            "xpath(xml('<a><?pi data?></a>'), '/a/processing-instruction(\"pi\")')",
            Ok(r#"["data"]"#),
        ),
    ]);
}

#[test]
fn namespaces() {
    run_table(&[
        // Binary XML straight from an HTTP action, prefixes and a default namespace.
        ("xpath(xml(body('Http')), 'name(/*)')", Ok(r#""soap:Envelope""#)),
        ("xpath(body('Http'), 'local-name(/*)')", Ok(r#""Envelope""#)),
        ("xpath(xml(body('Http')), 'namespace-uri(//*[local-name()=\"Order\"])')", Ok(r#""urn:orders""#)),
        (
            "xpath(xml(body('Http')), '//*[local-name()=\"Line\"]/@sku')",
            Ok(r#"["A1", "B2"]"#),
        ),
        ("xpath(xml(body('Http')), 'sum(//*[local-name()=\"Line\"])')", Ok("5.0")),
        // An element keeps the declarations it needs, inherited ones added.
        (
            "xpath(xml(body('Http')), '/*/*[local-name()=\"Body\"]/*/*[local-name()=\"Order\"]/*[local-name()=\"Line\"][1]')",
            Ok(r#"["<Line xmlns=\"urn:orders\" sku=\"A1\">2</Line>"]"#),
        ),
        (
            "xpath(xml(body('Http')), '//*[local-name()=\"Order\"]')",
            Ok(r#"["<Order xmlns=\"urn:orders\" id=\"7\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"false\"><Line sku=\"A1\">2</Line><Line sku=\"B2\">3</Line><Note><![CDATA[fragile & <heavy>]]></Note></Order>"]"#),
        ),
        (
            "xpath(xml(body('Http')), '/*/*')",
            Ok(r#"["<soap:Body xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><GetOrderResponse xmlns=\"urn:orders\"><Order id=\"7\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"false\"><Line sku=\"A1\">2</Line><Line sku=\"B2\">3</Line><Note><![CDATA[fragile & <heavy>]]></Note></Order></GetOrderResponse></soap:Body>"]"#),
        ),
        ("xpath(xml(body('Http')), 'string(//*[local-name()=\"Note\"])')", Ok(r#""fragile & <heavy>""#)),
        // A prefix in the XPath is not bound (no namespace manager).
        ("xpath(xml(body('Http')), '/soap:Envelope')", Err("local-name()")),
        // name() of an unprefixed element in a default namespace is its local name.
        ("xpath(xml(parameters('file')), 'name(/*)')", Ok(r#""file""#)),
        ("xpath(xml(parameters('file')), 'count(/file)')", Ok("0.0")),
    ]);
}

#[test]
fn json_of_xml_follows_newtonsoft() {
    run_table(&[
        // Repeated elements become an array, at the place of the first, even when not adjacent.
        (
            "json(xml('<a><b>1</b><c>x</c><b>2</b></a>'))",
            Ok(r#"{"a": {"b": ["1", "2"], "c": "x"}}"#),
        ),
        // Attributes and text.
        ("json(xml('<a id=\"1\">text</a>'))", Ok(r##"{"a": {"@id": "1", "#text": "text"}}"##)),
        ("json(xml('<a id=\"1\"/>'))", Ok(r#"{"a": {"@id": "1"}}"#)),
        // Empty elements: null when self-closing, "" otherwise.
        ("json(xml('<a><b/><c></c><d>  </d></a>'))", Ok(r#"{"a": {"b": null, "c": "", "d": ""}}"#)),
        // Mixed content: several texts make an array.
        ("json(xml('<p>one <b>two</b> three</p>'))", Ok(r##"{"p": {"#text": ["one ", " three"], "b": "two"}}"##)),
        // Namespace declarations are attributes; names keep their prefixes.
        (
            "json(xml('<s:E xmlns:s=\"urn:s\" xmlns=\"urn:d\"><s:B>1</s:B><x>2</x></s:E>'))",
            Ok(r#"{"s:E": {"@xmlns:s": "urn:s", "@xmlns": "urn:d", "s:B": "1", "x": "2"}}"#),
        ),
        ("json(xml('<a xmlns=\"urn:d\">t</a>'))", Ok(r##"{"a": {"@xmlns": "urn:d", "#text": "t"}}"##)),
        // The declaration, CDATA, processing instructions; comments left out.
        (
            "json(xml('<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><a><![CDATA[<x>]]></a>'))",
            Ok(r##"{"?xml": {"@version": "1.0", "@encoding": "UTF-8", "@standalone": "yes"}, "a": {"#cdata-section": "<x>"}}"##),
        ),
        ("json(xml('<a><?go fast?><!-- c --><b>1</b></a>'))", Ok(r#"{"a": {"?go": "fast", "b": "1"}}"#)),
        // Entities are decoded; values stay strings.
        ("json(xml('<a n=\"&lt;1&gt;\">&amp;2</a>'))", Ok(r##"{"a": {"@n": "<1>", "#text": "&2"}}"##)),
        // Binary XML from an HTTP action.
        ("json(body('Http'))['soap:Envelope']['soap:Body']['GetOrderResponse']['Order']['Line'][1]['#text']", Ok(r#""3""#)),
        ("json(body('File'))", Ok(r#"{"?xml": {"@version": "1.0"}, "file": {"@xmlns": "https://contoso.com", "location": "Paris"}}"#)),
        // Round trips through xml().
        (
            "json(xml(json('{\"a\": {\"@x\": \"1\", \"#text\": \"t\", \"b\": [\"1\", \"2\"], \"c\": null}}')))",
            Ok(r##"{"a": {"@x": "1", "#text": "t", "b": ["1", "2"], "c": null}}"##),
        ),
        ("json(xml(json('{\"?xml\": {\"@version\": \"1.0\"}, \"r\": {\"v\": true}}')))", Ok(r#"{"?xml": {"@version": "1.0"}, "r": {"v": "true"}}"#)),
        // A plain string holding XML is not JSON.
        ("json('<a/>')", Err("use json(xml(...))")),
    ]);
}

#[test]
fn xml_of_json() {
    run_table(&[
        (
            "xml(json('{\"first name\": \"x\"}'))",
            Ok(r#""<first_x0020_name>x</first_x0020_name>""#),
        ),
        (
            "xml(json('{\"r\": {\"n\": 1.5, \"b\": false, \"e\": null, \"s\": \"a<b&c\"}}'))",
            Ok(r#""<r><n>1.5</n><b>false</b><e /><s>a&lt;b&amp;c</s></r>""#),
        ),
        (
            "xml(json('{\"r\": {\"@a\": \"say \\\"hi\\\"\", \"#cdata-section\": \"<raw>\"}}'))",
            Ok(r#""<r a=\"say &quot;hi&quot;\"><![CDATA[<raw>]]></r>""#),
        ),
        ("xml(json('{\"r\": {}}'))", Ok(r#""<r />""#)),
        (
            "xml(json('{\"s:r\": {\"@xmlns:s\": \"urn:s\", \"s:c\": \"1\"}}'))",
            Ok(r#""<s:r xmlns:s=\"urn:s\"><s:c>1</s:c></s:r>""#),
        ),
        // A JSON object given as text.
        ("xml('{\"a\": \"1\"}')", Ok(r#""<a>1</a>""#)),
        // Binary JSON content.
        ("xml(binary('{\"a\": \"1\"}'))", Ok(r#""<a>1</a>""#)),
        // Errors: the object must have one root, not an array.
        (
            "xml(json('{\"a\": 1, \"b\": 2}'))",
            Err("2 root properties ('a', 'b')"),
        ),
        ("xml(json('{\"a\": [1, 2]}'))", Err("can't be an array")),
        ("xml(json('{}'))", Err("no root property")),
        ("xml(json('{\"@a\": \"1\"}'))", Err("not an element name")),
        ("xml(json('{\"r\": {\"@a\": [1]}}'))", Err("attribute '@a'")),
    ]);
}

#[test]
fn errors_are_clear() {
    run_table(&[
        ("xml('not xml')", Err("not valid XML")),
        ("xml('<a><b></a>')", Err("(line 1, column")),
        ("xml('<a>')", Err("not valid XML")),
        ("xml('<a/><b/>')", Err("not valid XML")),
        ("xml('')", Err("not valid XML")),
        (
            "xml('<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>')",
            Err("document type definition (DTD)"),
        ),
        ("xml('{not json')", Err("neither XML nor a JSON object")),
        (
            "xml(json('{\"p:r\": 1}'))",
            Err("JSON object that does not make valid XML"),
        ),
        ("xml(42)", Err("expects its parameter to be XML text")),
        (
            "xml(createArray(1))",
            Err("The provided value is of type 'Array'"),
        ),
        ("xml(null)", Err("of type 'Null'")),
        ("xml(base64ToBinary('/w=='))", Err("not valid UTF-8")),
        ("json(xml('<a>'))", Err("not valid XML")),
        ("xpath('<a/', '/a')", Err("not valid XML")),
        (
            "xpath(xml('<a/>'), 42)",
            Err("second parameter to be a string"),
        ),
        ("xpath(xml('<a/>'), '')", Err("it is empty")),
        ("xpath(xml('<a/>'), '/a[')", Err("is not valid: '/a['")),
        ("xpath(xml('<a/>'), '///')", Err("not valid")),
        ("xpath(xml('<a/>'), 'bogus()')", Err("unknown function")),
        ("xpath(xml('<a/>'), 'count()')", Err("could not evaluate")),
        ("xpath(xml('<a/>'), '$v')", Err("unknown variable")),
        ("xpath(xml('<a/>'), '\"unclosed')", Err("not valid")),
        ("xpath(xml('<a/>'), 'p:a')", Err("namespace prefix 'p'")),
        (
            "xpath(xml('<a/>'), 'child::p:*')",
            Err("namespace prefix 'p'"),
        ),
        ("xpath(xml('<a/>'), 'p:f()')", Err("namespace prefix 'p'")),
        (
            "xpath(xml('<a/>'), 'count(child::a) + string-length(\"p:x\")')",
            Ok("4.0"),
        ),
    ]);
}

#[test]
fn encodings_byte_order_marks_and_white_space() {
    // UTF-16 content with a byte order mark, as Windows services send it.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "<?xml version=\"1.0\" encoding=\"utf-16\"?><a>é</a>".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let body = json!({"$content-type": "application/xml; charset=utf-16", "$content": STANDARD.encode(&utf16)});
    let ctx = Context::from_json(&json!({"parameters": {"body": body}}).to_string()).unwrap();
    let value = eval_str("@json(parameters('body'))", &ctx).unwrap();
    assert_eq!(
        value,
        json!({"?xml": {"@version": "1.0", "@encoding": "utf-16"}, "a": "é"})
    );
    let value = eval_str("@xpath(xml(parameters('body')), 'string(/a)')", &ctx).unwrap();
    assert_eq!(value, json!("é"));
    // A UTF-8 byte order mark is dropped.
    let value = eval("json(xml(base64ToBinary('77u/PGE+MTwvYT4=')))").unwrap();
    assert_eq!(value, json!({"a": "1"}));
    // White space is kept inside xml:space="preserve" and inside text.
    run_table(&[
        (
            "json(xml('<a xml:space=\"preserve\"><b> </b><c>  x  </c></a>'))",
            Ok(r#"{"a": {"@xml:space": "preserve", "b": " ", "c": "  x  "}}"#),
        ),
        ("xpath(xml('<a> <b/> </a>'), 'count(/a/node())')", Ok("1.0")),
        (
            "json(xml('<a xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><b xsi:nil=\"true\"/></a>'))",
            Ok(r#"{"a": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "b": {"@xsi:nil": "true"}}}"#),
        ),
    ]);
}

#[test]
fn deep_input_is_refused_not_a_crash() {
    let deep = format!("{}{}", "<a>".repeat(5000), "</a>".repeat(5000));
    let ctx = Context::from_json(&json!({"parameters": {"deep": deep}}).to_string()).unwrap();
    let err = eval_str("@xpath(xml(parameters('deep')), 'count(//a)')", &ctx).unwrap_err();
    assert!(err.message.contains("nested more than"), "{}", err.message);
    let brackets = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = eval(&format!("xpath(xml('<a/>'), '{brackets}')")).unwrap_err();
    assert!(err.contains("nests brackets"), "{err}");
    let nested = format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100));
    let ctx = Context::from_json(&json!({"parameters": {"nested": nested}}).to_string()).unwrap();
    let xml = eval_str("@string(xml(json(parameters('nested'))))", &ctx).unwrap();
    assert!(xml.as_str().unwrap().starts_with("<a><a><a>"));
}

/// XPath-looking text, built from the language's own tokens.
fn xpath_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "/",
        "//",
        "*",
        "a",
        "b",
        "@id",
        "[",
        "]",
        "(",
        ")",
        "1",
        "0.5",
        "'x'",
        "\"y\"",
        "=",
        "!=",
        "<",
        ">=",
        " and ",
        " or ",
        " div ",
        " mod ",
        "-",
        "+",
        "|",
        "..",
        ".",
        "text()",
        "node()",
        "name()",
        "count(",
        "sum(",
        "string(",
        "last()",
        "position()",
        "local-name(",
        "::",
        "child",
        "ancestor",
        ",",
        "$v",
        ":",
        "p:",
        "contains(",
        "substring(",
        "translate(",
        "not(",
    ]);
    prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.concat())
}

/// XML-looking text, built from the language's own pieces.
fn xml_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "<a>",
        "</a>",
        "<b id='1'>",
        "</b>",
        "<c/>",
        "text",
        "&amp;",
        "&bogus;",
        "<![CDATA[x]]>",
        "<!--c-->",
        "<?p v?>",
        "<p:a xmlns:p='u'>",
        "</p:a>",
        "<?xml version='1.0'?>",
        "<",
        ">",
        "'",
        "\"",
        " ",
        "\n",
        "xmlns='d'",
        "<!DOCTYPE a>",
    ]);
    prop::collection::vec(piece, 0..20).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn xpath_never_panics(path in xpath_text()) {
        let _ = lapis::expr::xml::xpath(&Value::String(ITEMS_PRICED.to_string()), &Value::String(path));
    }

    #[test]
    fn xml_and_json_never_panic(text in xml_text(), path in xpath_text()) {
        let value = Value::String(text);
        if let Ok(xml) = lapis::expr::xml::xml(&value) {
            let _ = lapis::expr::xml::xpath(&xml, &Value::String(path));
        }
        if let Value::String(text) = &value {
            let _ = lapis::expr::xml::json_of_xml_text(text);
        }
    }

    #[test]
    fn json_objects_become_xml_or_a_clear_error(
        keys in prop::collection::vec("[a-z@#?$ :_x0-9]{0,6}", 1..4),
        leaf in prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::Bool), "[a-z<&\"]{0,5}".prop_map(Value::String)],
    ) {
        let mut value = leaf;
        for key in keys.iter().rev() {
            let mut map = serde_json::Map::new();
            map.insert(key.clone(), value);
            value = Value::Object(map);
        }
        match lapis::expr::xml::xml(&value) {
            Ok(xml) => {
                // What xml() makes parses back.
                prop_assert!(lapis::expr::xml::json_of_xml_bytes(
                    &STANDARD.decode(xml["$content"].as_str().unwrap()).unwrap()
                ).is_ok());
            }
            Err(message) => prop_assert!(!message.is_empty()),
        }
    }
}
