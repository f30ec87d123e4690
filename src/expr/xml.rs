//! XML in expressions: `xml()`, `xpath()` and `json()` of XML content.
//!
//! The Logic Apps "Reference guide to workflow expression functions" and
//! "Handle content types" are followed; where they are silent, the choices
//! below hold (the README's "XML and XPath" section says the same).
//!
//! # The crates
//!
//! [`roxmltree`] parses: strict well-formedness, namespaces, errors with a
//! line and column, no DTD (refused, as a guard against entity expansion).
//! [`sxd_xpath`] evaluates XPath 1.0 (the version .NET's `XPathNavigator`,
//! behind Logic Apps, implements) over an [`sxd_document`] copy of the
//! parsed tree. The conversions between JSON and XML follow Newtonsoft's
//! `XmlNodeConverter`, which Logic Apps uses, and are written here.
//!
//! # XML values
//!
//! An XML value is what Logic Apps stores for it, a content envelope
//! `{"$content-type": "application/xml;charset=utf-8", "$content": "<base64>"}`
//! ("`@xml()` casts data to `application/xml`", and the engine keeps such
//! content as `$content` and `$content-type`). `string()`, `concat()`,
//! `@{…}` give its XML text back. `xml()` of a string keeps the text as
//! written (it is checked, not rewritten); `xml()` of a JSON object writes
//! compact XML, as .NET's `OuterXml` does.
//!
//! Insignificant white space (text made only of spaces, tabs and line
//! breaks, outside `xml:space="preserve"`) is dropped when reading, as
//! .NET's `XmlDocument` does by default, so it neither counts as a node for
//! XPath nor shows in `json()`.
//!
//! # xpath()
//!
//! A node set is always an array, in document order, even with one node or
//! none (the reference's examples print single results without brackets,
//! but its example 5 shows `[ Gala ]`): an element (or the document) is an
//! XML value as above, its text written as .NET's `OuterXml` writes it (the
//! namespace declarations it needs added, `<a />` for an empty element);
//! an attribute, text, comment or processing instruction is its string
//! value. A number (`sum()`, `count()`) is a JSON number, an integer when
//! it is whole (see [`number_value`]); a string or boolean is itself.
//! Prefixes in the XPath expression are not bound (no namespace manager),
//! so a namespaced document is searched with `local-name()` / `name()` /
//! `namespace-uri()`, as the reference shows.
//!
//! # json() of XML
//!
//! Newtonsoft's rules: the declaration becomes `"?xml": {"@version", "@encoding",
//! "@standalone"}`, an attribute `"@name"` (namespace declarations
//! included, `"@xmlns:x"`), text `"#text"`, a CDATA section on its own
//! `"#cdata-section"`, a processing instruction `"?target"`; an element with
//! only text is that string, an empty element `null` (`<a/>`) or `""`
//! (`<a></a>`); children with the same name, adjacent or not, make one array
//! at the place of the first. Values are always strings. Comments and the
//! document type are left out.

use std::collections::HashMap;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use roxmltree::{Document, Node, NodeId, NodeType, ParsingOptions};
use serde_json::{Map, Number, Value};

/// The content type of an XML value.
pub const XML_CONTENT_TYPE: &str = "application/xml;charset=utf-8";

/// The most nodes a document may have (a guard on memory).
const MAX_NODES: u32 = 10_000_000;

/// The deepest nesting of elements (or JSON objects turned into elements)
/// accepted: the tree walks recurse.
const MAX_DEPTH: usize = 256;

/// The deepest nesting of brackets in an XPath expression.
const MAX_XPATH_NESTING: usize = 64;

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// What goes wrong: the words after "The template language function 'x' ".
type Outcome = Result<Value, String>;

/// An XPath number as a JSON value: XPath numbers are doubles, so a finite
/// one is a float, whole or not (`sum(/produce/item/count)` is `30.0`, as
/// runs show; the reference prints `30`), and NaN or an infinity the text
/// .NET prints for it (`NaN`, `Infinity`, `-Infinity`), since JSON has no
/// such numbers.
pub fn number_value(n: f64) -> Value {
    if let Some(v) = super::number::float_value(n) {
        return v;
    }
    match Number::from_f64(n) {
        Some(number) => Value::Number(number),
        None if n.is_nan() => Value::String("NaN".to_string()),
        None if n > 0.0 => Value::String("Infinity".to_string()),
        None => Value::String("-Infinity".to_string()),
    }
}

/// True when a content type names XML (`application/xml`, `text/xml`,
/// `application/soap+xml`, …).
pub fn is_xml_content_type(content_type: &str) -> bool {
    content_type.to_ascii_lowercase().contains("xml")
}

/// The XML value (a content envelope) of `text`, which must be XML.
pub fn xml_value(text: &str) -> Value {
    let mut map = Map::new();
    map.insert(
        "$content-type".to_string(),
        Value::String(XML_CONTENT_TYPE.to_string()),
    );
    map.insert(
        "$content".to_string(),
        Value::String(STANDARD.encode(text.as_bytes())),
    );
    Value::Object(map)
}

/// `xml(value)`: the XML value of XML text, of binary content holding XML
/// (or JSON), or of a JSON object with a single root property (also when
/// given as JSON text).
pub fn xml(value: &Value) -> Outcome {
    let (text, from_json) = xml_text(value, "its parameter")?;
    parse(&text).map_err(|e| from_json_error(e, from_json))?;
    Ok(xml_value(&text))
}

/// A parse error of XML made from a JSON object says so.
fn from_json_error(message: String, from_json: bool) -> String {
    match message.strip_prefix("was given text that is not valid XML: ") {
        Some(why) if from_json => {
            format!("was given a JSON object that does not make valid XML: {why}")
        }
        _ => message,
    }
}

/// `xpath(xml, xpath)`: the nodes or the value that `xpath` selects.
pub fn xpath(xml: &Value, xpath: &Value) -> Outcome {
    let (text, from_json) = xml_text(xml, "its first parameter")?;
    let Value::String(expression) = xpath else {
        return Err(format!(
            "expects its second parameter to be a string holding an XPath expression. The provided value is of type '{}'.",
            type_name(xpath)
        ));
    };
    let doc = parse(&text).map_err(|e| from_json_error(e, from_json))?;
    evaluate(&doc, expression)
}

/// `json()` of binary XML content: the JSON of the XML, by Newtonsoft's
/// conventions (see the module documentation).
pub fn json_of_xml_bytes(bytes: &[u8]) -> Outcome {
    let text = decode_text(bytes)?;
    json_of_xml_text(&text)
}

/// The JSON of XML text, by Newtonsoft's conventions.
pub fn json_of_xml_text(text: &str) -> Outcome {
    let doc = parse(text)?;
    Ok(document_json(&doc))
}

/// The error for `json()` of a plain string that holds XML: like Logic
/// Apps, `json()` reads a string as JSON; XML must be made an XML value
/// first.
pub fn json_of_xml_string_error(text: &str) -> String {
    let shown: String = text.chars().take(100).collect();
    let more = if text.chars().count() > 100 {
        "…"
    } else {
        ""
    };
    format!(
        "parameter is not valid. The provided value '{shown}{more}' is XML text, which cannot be parsed as JSON; use json(xml(...)) to convert XML to JSON."
    )
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// Base64 as .NET reads it: padding optional, stray low bits allowed.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The content type and bytes of a content envelope, or `None` when the
/// object is not one. A `$content` that is not base64 is an error.
fn envelope(map: &Map<String, Value>) -> Option<Result<(&str, Vec<u8>), String>> {
    let content = map.get("$content")?.as_str()?;
    if !map.keys().all(|k| k == "$content" || k == "$content-type") {
        return None;
    }
    let content_type = map
        .get("$content-type")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream");
    let compact: String = content
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    Some(
        LENIENT_BASE64
            .decode(compact)
            .map(|bytes| (content_type, bytes))
            .map_err(|_| {
                "was given binary content whose '$content' is not valid base64.".to_string()
            }),
    )
}

/// Bytes as text: UTF-8 (a byte order mark dropped), or UTF-16 when a byte
/// order mark says so.
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |bytes: &[u8], big: bool| -> Result<String, String> {
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|pair| match (pair, big) {
                ([a, b], true) => u16::from_be_bytes([*a, *b]),
                ([a, b], false) => u16::from_le_bytes([*a, *b]),
                _ => 0xFFFD,
            })
            .collect();
        String::from_utf16(&units)
            .map_err(|_| "was given content that is not valid UTF-16 text.".to_string())
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest)
            .map(str::to_string)
            .map_err(|_| "was given content that is not valid UTF-8 text.".to_string()),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| "was given content that is not valid UTF-8 text.".to_string()),
    }
}

/// The XML text of an argument (`which` names it in errors), and whether
/// it was made from a JSON object.
fn xml_text(value: &Value, which: &str) -> Result<(String, bool), String> {
    match value {
        Value::String(s) => text_or_json(s),
        Value::Object(map) => match envelope(map) {
            Some(decoded) => {
                let (_, bytes) = decoded?;
                text_or_json(&decode_text(&bytes)?)
            }
            None => Ok((json_to_xml(map)?, true)),
        },
        other => Err(format!(
            "expects {which} to be XML text, XML content or a JSON object with one root property. The provided value is of type '{}'.",
            type_name(other)
        )),
    }
}

/// Text that is XML, or a JSON object written as text.
fn text_or_json(text: &str) -> Result<(String, bool), String> {
    let text = text.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with('{') {
        return Ok((text.to_string(), false));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok((json_to_xml(&map)?, true)),
        _ => Err(format!(
            "was given text that is neither XML nor a JSON object: '{}'.",
            shorten(text)
        )),
    }
}

fn shorten(text: &str) -> String {
    let shown: String = text.chars().take(100).collect();
    if text.chars().count() > 100 {
        format!("{shown}…")
    } else {
        shown
    }
}

/// Parses XML text, strictly.
fn parse(text: &str) -> Result<Document<'_>, String> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| {
        let what = match e {
            roxmltree::Error::DtdDetected => {
                "a document type definition (DTD) is not accepted".to_string()
            }
            other => {
                let pos = other.pos();
                let message = other.to_string();
                let suffix = format!(" at {pos}");
                let message = message
                    .strip_suffix(&suffix)
                    .unwrap_or(&message)
                    .to_string();
                format!("{message} (line {}, column {})", pos.row, pos.col)
            }
        };
        format!("was given text that is not valid XML: {what}.")
    })?;
    let too_deep = doc
        .descendants()
        .filter(|n| n.is_element() && n.first_child().is_none())
        .any(|leaf| leaf.ancestors().take(MAX_DEPTH + 2).count() > MAX_DEPTH + 1);
    if too_deep {
        return Err(format!(
            "was given XML nested more than {MAX_DEPTH} elements deep, which is not supported here."
        ));
    }
    Ok(doc)
}

// ---------------------------------------------------------------------------
// The parsed tree: names, white space, namespaces
// ---------------------------------------------------------------------------

/// The qualified name of an element as written (`soap:Envelope`).
fn element_name<'a>(node: Node<'a, '_>) -> &'a str {
    let text = node.document().input_text();
    let written = text
        .get(node.range().start + 1..)
        .map(|rest| {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| name.ends_with(node.tag_name().name()));
    written.unwrap_or(node.tag_name().name())
}

/// The qualified name of an attribute as written.
fn attribute_name<'a>(attr: &roxmltree::Attribute<'a, '_>, text: &'a str) -> &'a str {
    text.get(attr.range_qname())
        .filter(|name| name.ends_with(attr.name()))
        .unwrap_or(attr.name())
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(prefix, _)| prefix)
}

/// Whether an element was written `<a/>` rather than `<a></a>`.
fn is_self_closing(node: Node) -> bool {
    node.document()
        .input_text()
        .get(node.range())
        .is_some_and(|raw| raw.ends_with("/>"))
}

/// Whether a text node is written as one CDATA section.
fn is_cdata(node: Node) -> bool {
    node.document()
        .input_text()
        .get(node.range())
        .is_some_and(|raw| {
            raw.starts_with("<![CDATA[")
                && raw.ends_with("]]>")
                && raw.len() - 12 == node.text().map_or(0, str::len)
        })
}

fn preserves_space(node: Node) -> bool {
    node.ancestors()
        .filter(|n| n.is_element())
        .find_map(|n| n.attribute((XML_NS, "space")))
        .is_some_and(|v| v == "preserve")
}

/// Whether a child node counts: insignificant white space does not.
fn kept(node: &Node) -> bool {
    match node.node_type() {
        NodeType::Text => {
            let text = node.text().unwrap_or("");
            !text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                || is_cdata(*node)
                || preserves_space(*node)
        }
        _ => true,
    }
}

/// The namespaces declared on this element (not inherited), as
/// `(prefix, uri)`; the default namespace has no prefix.
fn declared_namespaces<'a>(node: Node<'a, '_>) -> Vec<(Option<&'a str>, &'a str)> {
    let inherited: Vec<(Option<&str>, &str)> = node
        .parent_element()
        .map(|p| p.namespaces().map(|ns| (ns.name(), ns.uri())).collect())
        .unwrap_or_default();
    node.namespaces()
        .map(|ns| (ns.name(), ns.uri()))
        .filter(|ns| ns.0 != Some("xml") && !inherited.contains(ns))
        .collect()
}

// ---------------------------------------------------------------------------
// XML → JSON (Newtonsoft's XmlNodeConverter)
// ---------------------------------------------------------------------------

/// The `?xml` object of the declaration at the start of `text`, if any.
fn declaration(text: &str) -> Option<Value> {
    let text = text.trim_start_matches('\u{feff}');
    let rest = text.strip_prefix("<?xml")?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let body = &rest[..rest.find("?>")?];
    let mut found: HashMap<&str, &str> = HashMap::new();
    let mut rest = body.trim_start();
    while let Some((name, after)) = rest.split_once('=') {
        let after = after.trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value_end = after[1..].find(quote)?;
        found.insert(name.trim(), &after[1..1 + value_end]);
        rest = after[value_end + 2..].trim_start();
    }
    let mut map = Map::new();
    for key in ["version", "encoding", "standalone"] {
        if let Some(value) = found.get(key).filter(|v| !v.is_empty()) {
            map.insert(format!("@{key}"), Value::String(value.to_string()));
        }
    }
    Some(Value::Object(map))
}

fn document_json(doc: &Document) -> Value {
    let mut map = Map::new();
    if let Some(decl) = declaration(doc.input_text()) {
        map.insert("?xml".to_string(), decl);
    }
    let children: Vec<Node> = doc.root().children().filter(kept).collect();
    group_children(&children, &mut map);
    Value::Object(map)
}

/// The property name of a child node, or `None` for what is left out.
fn property_name(node: &Node) -> Option<String> {
    match node.node_type() {
        NodeType::Element => Some(element_name(*node).to_string()),
        NodeType::Text if is_cdata(*node) => Some("#cdata-section".to_string()),
        NodeType::Text => Some("#text".to_string()),
        NodeType::PI => node.pi().map(|pi| format!("?{}", pi.target)),
        NodeType::Comment | NodeType::Root => None,
    }
}

fn node_json(node: &Node) -> Value {
    match node.node_type() {
        NodeType::Element => element_json(*node),
        NodeType::PI => Value::String(
            node.pi()
                .and_then(|pi| pi.value)
                .unwrap_or_default()
                .to_string(),
        ),
        _ => Value::String(node.text().unwrap_or_default().to_string()),
    }
}

/// Children grouped by name, in the order each name first appears; a name
/// seen more than once becomes an array.
fn group_children(children: &[Node], map: &mut Map<String, Value>) {
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for child in children {
        let Some(name) = property_name(child) else {
            continue;
        };
        let value = node_json(child);
        match index.get(&name) {
            Some(&i) => groups[i].1.push(value),
            None => {
                index.insert(name.clone(), groups.len());
                groups.push((name, vec![value]));
            }
        }
    }
    for (name, mut values) in groups {
        let value = if values.len() == 1 {
            values.remove(0)
        } else {
            Value::Array(values)
        };
        map.insert(name, value);
    }
}

fn element_json(node: Node) -> Value {
    let text = node.document().input_text();
    let mut attributes = Map::new();
    for (prefix, uri) in declared_namespaces(node) {
        let name = match prefix {
            Some(p) => format!("@xmlns:{p}"),
            None => "@xmlns".to_string(),
        };
        attributes.insert(name, Value::String(uri.to_string()));
    }
    for attr in node.attributes() {
        attributes.insert(
            format!("@{}", attribute_name(&attr, text)),
            Value::String(attr.value().to_string()),
        );
    }
    // Comments count as children here, as in Newtonsoft, though they are
    // left out of the result.
    let children: Vec<Node> = node.children().filter(kept).collect();
    if attributes.is_empty() {
        match children.as_slice() {
            [] if is_self_closing(node) => return Value::Null,
            [] => return Value::String(String::new()),
            [only] if only.is_text() && !is_cdata(*only) => {
                return Value::String(only.text().unwrap_or_default().to_string())
            }
            _ => {}
        }
    }
    let mut map = attributes;
    group_children(&children, &mut map);
    Value::Object(map)
}

// ---------------------------------------------------------------------------
// JSON → XML (Newtonsoft's DeserializeXmlNode)
// ---------------------------------------------------------------------------

/// The XML text of a JSON object with a single root property (`?xml` for
/// the declaration and `?target` processing instructions may sit beside
/// it).
fn json_to_xml(map: &Map<String, Value>) -> Result<String, String> {
    let roots: Vec<&String> = map.keys().filter(|k| !k.starts_with('?')).collect();
    let root = match roots.as_slice() {
        [root] => *root,
        [] => return Err(
            "was given a JSON object with no root property; XML needs exactly one root element."
                .to_string(),
        ),
        many => {
            let names: Vec<String> = many.iter().map(|k| format!("'{k}'")).collect();
            return Err(format!(
                "was given a JSON object with {} root properties ({}); the object must have a single root property to make an XML document.",
                many.len(),
                names.join(", ")
            ));
        }
    };
    if root.starts_with('@') || root.starts_with('#') || root.starts_with('$') {
        return Err(format!(
            "was given a JSON object whose root property '{root}' is not an element name; the object must have a single root property to make an XML document."
        ));
    }
    if map[root.as_str()].is_array() {
        return Err(format!(
            "was given a JSON object whose root property '{root}' is an array; the root property can't be an array, since XML has one root element."
        ));
    }
    let mut out = String::new();
    for (key, value) in map {
        if key == "?xml" {
            write_declaration(value, &mut out)?;
        } else if let Some(target) = key.strip_prefix('?') {
            write_pi(target, value, &mut out)?;
        } else {
            write_json_element(key, value, &mut out, 0)?;
        }
    }
    Ok(out)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn write_declaration(value: &Value, out: &mut String) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err(
            "was given a JSON object whose '?xml' declaration is not an object.".to_string(),
        );
    };
    out.push_str("<?xml");
    for key in ["@version", "@encoding", "@standalone"] {
        if let Some(text) = map.get(key).and_then(scalar_text) {
            out.push_str(&format!(" {}=\"{}\"", &key[1..], escape_attribute(&text)));
        }
    }
    out.push_str("?>");
    Ok(())
}

fn write_pi(target: &str, value: &Value, out: &mut String) -> Result<(), String> {
    let text = scalar_text(value).ok_or_else(|| {
        format!("was given a JSON object whose processing instruction '?{target}' is not text.")
    })?;
    out.push_str(&format!("<?{} {}?>", encode_name(target), text));
    Ok(())
}

fn write_json_element(
    name: &str,
    value: &Value,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "was given a JSON object nested more than {MAX_DEPTH} levels deep, which is not supported here."
        ));
    }
    if name.is_empty() {
        return Err("was given a JSON object with an empty property name, which can't be an XML element name.".to_string());
    }
    let tag = encode_name(name);
    match value {
        Value::Array(items) => {
            for item in items {
                write_json_element(name, item, out, depth + 1)?;
            }
        }
        Value::Null => out.push_str(&format!("<{tag} />")),
        Value::Object(map) => {
            out.push('<');
            out.push_str(&tag);
            let mut content = String::new();
            for (key, item) in map {
                if let Some(attribute) = key.strip_prefix('@') {
                    let text = scalar_text(item).ok_or_else(|| {
                        format!("was given a JSON object whose attribute '{key}' is not a string, number, boolean or null.")
                    })?;
                    out.push_str(&format!(
                        " {}=\"{}\"",
                        encode_name(attribute),
                        escape_attribute(&text)
                    ));
                } else if key == "#text" || key == "#whitespace" || key == "#significant-whitespace"
                {
                    for part in texts(key, item)? {
                        content.push_str(&escape_text(&part));
                    }
                } else if key == "#cdata-section" {
                    for part in texts(key, item)? {
                        content.push_str(&format!(
                            "<![CDATA[{}]]>",
                            part.replace("]]>", "]]]]><![CDATA[>")
                        ));
                    }
                } else if key == "#comment" {
                    for part in texts(key, item)? {
                        content.push_str(&format!("<!--{part}-->"));
                    }
                } else if let Some(target) = key.strip_prefix('?') {
                    write_pi(target, item, &mut content)?;
                } else if key.starts_with('$') {
                    // Newtonsoft's own metadata ($id, $ref, $type, …).
                } else {
                    write_json_element(key, item, &mut content, depth + 1)?;
                }
            }
            if content.is_empty() {
                out.push_str(" />");
            } else {
                out.push('>');
                out.push_str(&content);
                out.push_str(&format!("</{tag}>"));
            }
        }
        scalar => {
            let text = scalar_text(scalar).unwrap_or_default();
            out.push_str(&format!("<{tag}>{}</{tag}>", escape_text(&text)));
        }
    }
    Ok(())
}

fn texts(key: &str, value: &Value) -> Result<Vec<String>, String> {
    let bad = || format!("was given a JSON object whose '{key}' is not text.");
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| scalar_text(v).ok_or_else(bad))
            .collect(),
        other => Ok(vec![scalar_text(other).ok_or_else(bad)?]),
    }
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// A JSON property name as an XML name, as .NET's `XmlConvert.EncodeName`
/// writes it: a character that can't be in a name becomes `_xHHHH_`
/// (`first name` → `first_x0020_name`), and an `_` that would read as such
/// an escape becomes `_x005F_`.
fn encode_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        let valid = if i == 0 {
            is_name_start(c)
        } else {
            is_name_char(c)
        };
        let looks_escaped = c == '_'
            && chars.get(i + 1) == Some(&'x')
            && chars.len() > i + 6
            && chars[i + 2..i + 6].iter().all(char::is_ascii_hexdigit)
            && chars[i + 6] == '_';
        if looks_escaped {
            out.push_str("_x005F_");
        } else if valid {
            out.push(c);
        } else if (c as u32) > 0xFFFF {
            out.push_str(&format!("_x{:08X}_", c as u32));
        } else {
            out.push_str(&format!("_x{:04X}_", c as u32));
        }
    }
    out
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
    out
}

fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' => out.push_str("&#x9;"),
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Writing a node back as XML (.NET's OuterXml)
// ---------------------------------------------------------------------------

/// The namespaces declared so far by the writer: `(prefix, uri)`, the
/// default namespace with prefix `""`.
type Scope<'a> = Vec<(&'a str, &'a str)>;

fn in_scope<'a>(scope: &Scope<'a>, prefix: &str) -> Option<&'a str> {
    scope
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| *uri)
}

/// The outer XML of an element: itself, its attributes, the namespace
/// declarations it needs and its content.
fn outer_xml(node: Node) -> String {
    let mut out = String::new();
    let mut scope = Scope::new();
    write_node(node, &mut out, &mut scope);
    out
}

fn declare<'a>(out: &mut String, scope: &mut Scope<'a>, prefix: &'a str, uri: &'a str) {
    if prefix.is_empty() {
        out.push_str(&format!(" xmlns=\"{}\"", escape_attribute(uri)));
    } else {
        out.push_str(&format!(" xmlns:{prefix}=\"{}\"", escape_attribute(uri)));
    }
    scope.push((prefix, uri));
}

fn write_node<'a>(node: Node<'a, '_>, out: &mut String, scope: &mut Scope<'a>) {
    match node.node_type() {
        NodeType::Element => write_element(node, out, scope),
        NodeType::Text if is_cdata(node) => {
            out.push_str(&format!("<![CDATA[{}]]>", node.text().unwrap_or_default()));
        }
        NodeType::Text => out.push_str(&escape_text(node.text().unwrap_or_default())),
        NodeType::Comment => out.push_str(&format!("<!--{}-->", node.text().unwrap_or_default())),
        NodeType::PI => {
            if let Some(pi) = node.pi() {
                match pi.value {
                    Some(value) => out.push_str(&format!("<?{} {value}?>", pi.target)),
                    None => out.push_str(&format!("<?{}?>", pi.target)),
                }
            }
        }
        NodeType::Root => {
            for child in node.children().filter(kept) {
                write_node(child, out, scope);
            }
        }
    }
}

fn write_element<'a>(node: Node<'a, '_>, out: &mut String, scope: &mut Scope<'a>) {
    let text = node.document().input_text();
    let name = element_name(node);
    let mark = scope.len();
    out.push('<');
    out.push_str(name);
    for (prefix, uri) in declared_namespaces(node) {
        declare(out, scope, prefix.unwrap_or(""), uri);
    }
    let prefix = prefix_of(name);
    let uri = node.tag_name().namespace().unwrap_or("");
    if in_scope(scope, prefix).unwrap_or("") != uri {
        declare(out, scope, prefix, uri);
    }
    for attr in node.attributes() {
        let qname = attribute_name(&attr, text);
        let prefix = prefix_of(qname);
        if let Some(uri) = attr.namespace() {
            if !prefix.is_empty() && prefix != "xml" && in_scope(scope, prefix) != Some(uri) {
                declare(out, scope, prefix, uri);
            }
        }
        out.push_str(&format!(" {qname}=\"{}\"", escape_attribute(attr.value())));
    }
    let children: Vec<Node> = node.children().filter(kept).collect();
    if children.is_empty() && is_self_closing(node) {
        out.push_str(" />");
    } else {
        out.push('>');
        for child in children {
            write_node(child, out, scope);
        }
        out.push_str(&format!("</{name}>"));
    }
    scope.truncate(mark);
}

// ---------------------------------------------------------------------------
// XPath
// ---------------------------------------------------------------------------

/// The deepest nesting of brackets and parentheses outside string literals.
fn nesting(expression: &str) -> usize {
    let (mut depth, mut deepest, mut quote) = (0usize, 0usize, None);
    for c in expression.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The first namespace prefix used in an XPath expression (`p` of `p:a`,
/// `p:*`, `p:f()` or `$p:v`), outside string literals. Nothing binds
/// prefixes, as in Logic Apps (no namespace manager), so such an
/// expression is refused before evaluation.
fn first_prefix(expression: &str) -> Option<&str> {
    let chars: Vec<(usize, char)> = expression.char_indices().collect();
    let mut quote = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ':') => {
                let axis = i > 0 && chars[i - 1].1 == ':'
                    || chars.get(i + 1).is_some_and(|&(_, n)| n == ':');
                if axis {
                    continue;
                }
                let start = chars[..i]
                    .iter()
                    .rev()
                    .take_while(|&&(_, p)| p != ':' && is_name_char(p))
                    .last()
                    .map_or(at, |&(s, _)| s);
                if start < at {
                    return Some(&expression[start..at]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Copies the parsed tree into an sxd document for the XPath engine,
/// remembering which sxd element is which parsed element.
struct SxdCopy<'d, 'a, 'input> {
    doc: sxd_document::dom::Document<'d>,
    elements: HashMap<sxd_document::dom::Element<'d>, NodeId>,
    source: &'a Document<'input>,
}

impl<'d> SxdCopy<'d, '_, '_> {
    fn element(&mut self, node: Node) -> sxd_document::dom::Element<'d> {
        let text = self.source.input_text();
        let name = element_name(node);
        let qname = sxd_document::QName::with_namespace_uri(
            node.tag_name().namespace(),
            node.tag_name().name(),
        );
        let element = self.doc.create_element(qname);
        for (prefix, uri) in declared_namespaces(node) {
            match prefix {
                Some(prefix) => element.register_prefix(prefix, uri),
                None => element.set_default_namespace_uri(Some(uri)),
            }
        }
        let prefix = prefix_of(name);
        if !prefix.is_empty() {
            element.set_preferred_prefix(Some(prefix));
        }
        for attr in node.attributes() {
            let qname = sxd_document::QName::with_namespace_uri(attr.namespace(), attr.name());
            let copy = element.set_attribute_value(qname, attr.value());
            let prefix = prefix_of(attribute_name(&attr, text));
            if !prefix.is_empty() {
                copy.set_preferred_prefix(Some(prefix));
            }
        }
        for child in node.children().filter(kept) {
            match child.node_type() {
                NodeType::Element => {
                    let copy = self.element(child);
                    element.append_child(copy);
                }
                NodeType::Text => {
                    element.append_child(self.doc.create_text(child.text().unwrap_or_default()))
                }
                NodeType::Comment => {
                    element.append_child(self.doc.create_comment(child.text().unwrap_or_default()))
                }
                NodeType::PI => {
                    if let Some(pi) = child.pi() {
                        element.append_child(
                            self.doc.create_processing_instruction(pi.target, pi.value),
                        )
                    }
                }
                NodeType::Root => {}
            }
        }
        self.elements.insert(element, node.id());
        element
    }
}

fn evaluate(source: &Document, expression: &str) -> Outcome {
    let invalid = |why: String| {
        format!(
            "was given an XPath expression that is not valid: '{}': {why}.",
            shorten(expression)
        )
    };
    if nesting(expression) > MAX_XPATH_NESTING {
        return Err(invalid(format!(
            "it nests brackets more than {MAX_XPATH_NESTING} deep"
        )));
    }
    if let Some(prefix) = first_prefix(expression) {
        return Err(format!(
            "was given an XPath expression that uses the namespace prefix '{prefix}', which is not bound (there is no namespace manager): select namespaced nodes with local-name(), name() or namespace-uri() instead, e.g. /*[local-name()=\"Envelope\"]."
        ));
    }
    // sxd-xpath asserts a few things with `expect`; what the checks above
    // do not rule out becomes an error here rather than a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        evaluate_checked(source, expression)
    }))
    .unwrap_or_else(|_| {
        Err(invalid(
            "the XPath engine could not evaluate it".to_string(),
        ))
    })
}

fn evaluate_checked(source: &Document, expression: &str) -> Outcome {
    use sxd_xpath::nodeset::Node as XNode;

    let invalid = |why: String| {
        format!(
            "was given an XPath expression that is not valid: '{}': {why}.",
            shorten(expression)
        )
    };
    let compiled = sxd_xpath::Factory::new()
        .build(expression)
        .map_err(|e| invalid(e.to_string()))?
        .ok_or_else(|| invalid("it is empty".to_string()))?;

    let package = sxd_document::Package::new();
    let doc = package.as_document();
    let mut copy = SxdCopy {
        doc,
        elements: HashMap::new(),
        source,
    };
    let root = doc.root();
    for child in source.root().children().filter(kept) {
        match child.node_type() {
            NodeType::Element => {
                let element = copy.element(child);
                root.append_child(element);
            }
            NodeType::Comment => {
                root.append_child(doc.create_comment(child.text().unwrap_or_default()))
            }
            NodeType::PI => {
                if let Some(pi) = child.pi() {
                    root.append_child(doc.create_processing_instruction(pi.target, pi.value))
                }
            }
            _ => {}
        }
    }

    let context = sxd_xpath::Context::new();
    let value = compiled.evaluate(&context, root).map_err(|e| {
        let mut message = format!(
            "could not evaluate the XPath expression '{}': {e}",
            shorten(expression)
        );
        message.push('.');
        message
    })?;
    Ok(match value {
        sxd_xpath::Value::Boolean(b) => Value::Bool(b),
        sxd_xpath::Value::Number(n) => number_value(n),
        sxd_xpath::Value::String(s) => Value::String(s),
        sxd_xpath::Value::Nodeset(nodes) => Value::Array(
            nodes
                .document_order()
                .into_iter()
                .map(|node| match node {
                    XNode::Root(_) => {
                        let mut out = String::new();
                        write_node(source.root(), &mut out, &mut Scope::new());
                        xml_value(&out)
                    }
                    XNode::Element(e) => {
                        match copy.elements.get(&e).and_then(|id| source.get_node(*id)) {
                            Some(original) => xml_value(&outer_xml(original)),
                            None => Value::String(node.string_value()),
                        }
                    }
                    XNode::Attribute(a) => Value::String(a.value().to_string()),
                    XNode::Text(t) => Value::String(t.text().to_string()),
                    XNode::Comment(c) => Value::String(c.text().to_string()),
                    XNode::ProcessingInstruction(p) => {
                        Value::String(p.value().unwrap_or_default().to_string())
                    }
                    XNode::Namespace(n) => Value::String(n.uri().to_string()),
                })
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_of(value: &Value) -> String {
        let content = value["$content"].as_str().expect("an XML value");
        String::from_utf8(STANDARD.decode(content).unwrap()).unwrap()
    }

    #[test]
    fn names_are_read_as_written() {
        let doc = Document::parse(r#"<s:Envelope xmlns:s="urn:s" s:a="1"><s:Body/></s:Envelope>"#)
            .unwrap();
        let root = doc.root_element();
        assert_eq!(element_name(root), "s:Envelope");
        let attr = root.attributes().next().unwrap();
        assert_eq!(attribute_name(&attr, doc.input_text()), "s:a");
        assert!(is_self_closing(root.first_element_child().unwrap()));
        assert!(!is_self_closing(root));
    }

    #[test]
    fn outer_xml_adds_the_namespaces_an_element_needs() {
        let doc = Document::parse(
            r#"<s:Envelope xmlns:s="urn:s"><s:Body><m:x xmlns:m="urn:m" a="&quot;"> t &amp; u </m:x><e></e></s:Body></s:Envelope>"#,
        )
        .unwrap();
        let body = doc.root_element().first_element_child().unwrap();
        assert_eq!(
            outer_xml(body),
            r#"<s:Body xmlns:s="urn:s"><m:x xmlns:m="urn:m" a="&quot;"> t &amp; u </m:x><e></e></s:Body>"#
        );
    }

    #[test]
    fn encode_name_escapes_as_dotnet_does() {
        assert_eq!(encode_name("first name"), "first_x0020_name");
        assert_eq!(encode_name("1st"), "_x0031_st");
        assert_eq!(encode_name("a_x0020_b"), "a_x005F_x0020_b");
        assert_eq!(encode_name("ok-name.1"), "ok-name.1");
    }

    #[test]
    fn declaration_fields_in_newtonsoft_order() {
        assert_eq!(
            declaration("<?xml standalone='yes' version=\"1.0\" encoding=\"UTF-8\"?><a/>"),
            Some(json!({"@version": "1.0", "@encoding": "UTF-8", "@standalone": "yes"}))
        );
        assert_eq!(declaration("<?xml-stylesheet href='a'?><a/>"), None);
        assert_eq!(declaration("<a/>"), None);
    }

    #[test]
    fn prefixes_are_found_outside_literals_and_axes() {
        assert_eq!(first_prefix("/s:Envelope"), Some("s"));
        assert_eq!(first_prefix("child::p:*"), Some("p"));
        assert_eq!(first_prefix("$ns:v + 1"), Some("ns"));
        assert_eq!(first_prefix("ancestor-or-self::a[@b = 'x:y']"), None);
        assert_eq!(first_prefix("/a/b[name()=\"s:c\"]"), None);
        assert_eq!(first_prefix("count(//a)"), None);
    }

    #[test]
    fn numbers_are_floats_even_when_whole() {
        assert_eq!(number_value(30.0).to_string(), "30.0");
        assert_eq!(number_value(-0.0).to_string(), "-0.0");
        assert_eq!(number_value(2.5), json!(2.5));
        assert_eq!(number_value(f64::NAN), json!("NaN"));
        assert_eq!(number_value(f64::NEG_INFINITY), json!("-Infinity"));
    }

    #[test]
    fn xml_of_json_object_is_compact() {
        let value = xml(
            &json!({"person": {"@id": 1, "name": "Sophia Owen", "tags": ["a", "b"], "none": null}}),
        )
        .unwrap();
        assert_eq!(
            text_of(&value),
            r#"<person id="1"><name>Sophia Owen</name><tags>a</tags><tags>b</tags><none /></person>"#
        );
    }
}
