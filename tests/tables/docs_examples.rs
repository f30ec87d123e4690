//! The "Example" sections of Microsoft's "Reference guide to workflow
//! expression functions" (learn.microsoft.com/azure/logic-apps/
//! workflow-definition-language-functions-reference), as rows
//! `(function, expression, Ok(result JSON) or Err(part of the error))`.
//! Examples whose call has only literal arguments are rows of
//! `functions.rs` and `datetime.rs` already and are not repeated here;
//! these are the nested ones and those that read a run's context.
//! Where the page's shown result contradicts its own text or the runtime,
//! the row holds the runtime's answer and the README says why.

use super::Case;

/// Evaluated against [`super::docs_context`] (now = 2018-03-01T00:00:00Z).
pub const DOCS: &[Case] = &[
    // action: the current action, with the properties the page lists.
    ("action", "action().outputs.body.id", Ok("7")),
    ("action", "action()['status']", Ok(r#""Succeeded""#)),
    // actions: "Get user" action's status.
    ("actions", "actions('Get_user').outputs.body.status", Ok(r#""Succeeded""#)),
    // addProperty, example 1 (the page names `lastName` in the input and
    // shows `surName` in the output; the property is added at the end).
    ("addProperty", r#"addProperty(json('{ "firstName": "Sophia", "lastName": "Owen" }'), 'middleName', 'Anne')"#, Ok(r#"{"firstName":"Sophia","lastName":"Owen","middleName":"Anne"}"#)),
    // addProperty, example 2: a child property through setProperty.
    ("addProperty", r#"setProperty(json('{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }'), 'customerName', addProperty(json('{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }')['customerName'], 'middleName', 'Anne'))"#, Ok(r#"{"customerName":{"firstName":"Sophia","surName":"Owen","middleName":"Anne"}}"#)),
    ("and", "and(equals(1, 1), equals(2, 2))", Ok("true")),
    ("and", "and(equals(1, 1), equals(1, 2))", Ok("false")),
    ("and", "and(equals(1, 2), equals(1, 3))", Ok("false")),
    // base64ToBinary / binary: binary content, whose text is the input.
    ("base64ToBinary", "base64ToBinary('aGVsbG8=')", Ok(r#"{"$content-type":"application/octet-stream","$content":"aGVsbG8="}"#)),
    ("binary", "string(binary('hello'))", Ok(r#""hello""#)),
    ("body", "body('Get_user')?['UserName']", Ok(r#""ContosoInc""#)),
    ("chunk", "chunk(createArray(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 5)", Ok("[[1,2,3,4,5],[6,7,8,9,10],[11,12]]")),
    // dataUriToBinary: the page prints a bit string; the runtime gives
    // binary content.
    ("dataUriToBinary", "dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=')", Ok(r#"{"$content-type":"text/plain;charset=utf-8","$content":"aGVsbG8="}"#)),
    ("decimal", "decimal('1.2345678912312131')", Ok("1.234567891231213")),
    ("decimal", "string(decimal('1.2345678912312131'))", Ok(r#""1.2345678912312131""#)),
    ("decimal", "add(decimal('1.2345678912312131'), decimal('1.2345678912312131'))", Ok("2.469135782462426")),
    ("decimal", "string(add(decimal('1.2345678912312131'), decimal('1.2345678912312131')))", Ok(r#""2.4691357824624262""#)),
    // decodeDataUri: binary content whose text is "hello".
    ("decodeDataUri", "string(decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8='))", Ok(r#""hello""#)),
    ("first", "first(createArray(0, 1, 2))", Ok("0")),
    // float, example 3 ("unexpectedly valid inputs"): floats, shown
    // without their `.0` on the page.
    ("float", "float('12345,6,78,-')", Ok("-12345678.0")),
    ("float", "float('-12,345,678,')", Ok("-12345678.0")),
    ("float", "float('12345678.-')", Ok("-12345678.0")),
    ("float", "float('.12345678')", Ok("0.12345678")),
    ("formatNumber", "formatNumber(17.35, 'C2', 'is-IS')", Ok(r#""17,35 kr""#)),
    ("formDataValue", "formDataValue('Send_an_email', 'Subject')", Ok(r#""Hello world""#)),
    ("formDataMultiValues", "formDataMultiValues('Send_an_email', 'Subject')", Ok(r#"["Hello world"]"#)),
    ("getFutureTime", "getFutureTime(5, 'Day')", Ok(r#""2018-03-06T00:00:00.0000000Z""#)),
    ("getFutureTime", "getFutureTime(5, 'Day', 'D')", Ok(r#""Tuesday, March 6, 2018""#)),
    // guid('P'): a random GUID in parentheses, 38 characters.
    ("guid", "length(guid('P'))", Ok("38")),
    ("guid", "and(startsWith(guid('P'), '('), endsWith(guid('P'), ')'))", Ok("true")),
    ("guid", "length(guid())", Ok("36")),
    ("if", "if(equals(1, 1), 'yes', 'no')", Ok(r#""yes""#)),
    ("intersection", "intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))", Ok("[1,2]")),
    ("item", "item().body", Ok(r#""Meeting at noon""#)),
    ("items", "items('myForEachLoopName')", Ok(r#"{"body":"Meeting at noon"}"#)),
    ("iterationIndexes", "iterationIndexes('Until_Max_Increment')", Ok("2")),
    ("join", "join(createArray('a', 'b', 'c'), '.')", Ok(r#""a.b.c""#)),
    // json, examples 3 and 4: one child stays an object, two become an array.
    ("json", r#"json(xml('<?xml version="1.0"?> <root> <person id="1"> <name>Sophia Owen</name> <occupation>Engineer</occupation> </person> </root>'))"#, Ok(r#"{"?xml":{"@version":"1.0"},"root":{"person":{"@id":"1","name":"Sophia Owen","occupation":"Engineer"}}}"#)),
    ("json", r#"json(xml('<?xml version="1.0"?> <root> <person id="1"> <name>Sophia Owen</name> <occupation>Engineer</occupation> </person> <person id="2"> <name>John Doe</name> <occupation>Engineer</occupation> </person> </root>'))"#, Ok(r#"{"?xml":{"@version":"1.0"},"root":{"person":[{"@id":"1","name":"Sophia Owen","occupation":"Engineer"},{"@id":"2","name":"John Doe","occupation":"Engineer"}]}}"#)),
    ("last", "last(createArray(0, 1, 2, 3))", Ok("3")),
    ("length", "length(createArray(0, 1, 2, 3))", Ok("4")),
    ("listCallbackUrl", "uriHost(listCallbackUrl())", Ok(r#""prod-01.westus.logic.azure.com""#)),
    ("max", "max(createArray(1, 2, 3))", Ok("3")),
    ("min", "min(createArray(1, 2, 3))", Ok("1")),
    ("mod", "mod(4, -3)", Ok("1")),
    // mul(1.5, 2): the page shows 3; the result is a float, 3.0 as JSON
    // and "3" as text.
    ("mul", "string(mul(1.5, 2))", Ok(r#""3""#)),
    ("not", "not(equals(1, 2))", Ok("true")),
    ("not", "not(equals(1, 1))", Ok("false")),
    ("or", "or(equals(1, 1), equals(1, 2))", Ok("true")),
    ("or", "or(equals(1, 2), equals(1, 3))", Ok("false")),
    ("outputs", "outputs('Get_user')['statusCode']", Ok("200")),
    ("outputs", "outputs('Get_user')?['headers']?['content-type']", Ok(r#""application/json; charset=utf-8""#)),
    ("parameters", "parameters('fullName')", Ok(r#""Sophia Owen""#)),
    ("parseDateTime", "parseDateTime('20190521', 'fr-fr', 'yyyyMMdd')", Ok(r#""2019-05-21T00:00:00.0000000""#)),
    // removeProperty, example 2: the page shows the parent object, but the
    // expression passes (and gets back) only the child.
    ("removeProperty", r#"removeProperty(json('{ "customerName": { "firstName": "Sophia", "middleName": "Anne", "surName": "Owen" } }')['customerName'], 'middleName')"#, Ok(r#"{"firstName":"Sophia","surName":"Owen"}"#)),
    ("result", "result('For_each')[0]['name']", Ok(r#""HTTP""#)),
    ("reverse", "reverse(createArray(0, 1, 2, 3))", Ok("[3,2,1,0]")),
    // setProperty, example 2 (the page's "Sophie" is a typo for "Sophia").
    ("setProperty", r#"setProperty(json('{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }'), 'customerName', setProperty(json('{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }')['customerName'], 'surName', 'Hartnett'))"#, Ok(r#"{"customerName":{"firstName":"Sophia","surName":"Hartnett"}}"#)),
    ("skip", "skip(createArray(0, 1, 2, 3), 1)", Ok("[1,2,3]")),
    ("slice", "slice('Hello World', 0)", Ok(r#""Hello World""#)),
    ("sort", "sort(createArray(2, 1, 0, 3))", Ok("[0,1,2,3]")),
    ("sort", r#"sort(createArray(json('{ "first": "Amalie", "last": "Rose" }'), json('{ "first": "Elise", "last": "Renee" }')), 'last')"#, Ok(r#"[{"first":"Elise","last":"Renee"},{"first":"Amalie","last":"Rose"}]"#)),
    // sub(10.3, .3): the page shows 10; floats stay floats.
    ("sub", "sub(10.3, .3)", Ok("10.0")),
    ("sub", "string(sub(10.3, .3))", Ok(r#""10""#)),
    ("take", "take(createArray(0, 1, 2, 3, 4), 3)", Ok("[0,1,2]")),
    ("triggerFormDataValue", "triggerFormDataValue('feedUrl')", Ok(r#""https://feeds.a.dj.com/rss/RSSMarketsMain.xml""#)),
    ("triggerFormDataMultiValues", "triggerFormDataMultiValues('feedUrl')", Ok(r#"["https://feeds.a.dj.com/rss/RSSMarketsMain.xml"]"#)),
    ("union", "union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", Ok("[1,2,3,10,101]")),
    // uriComponentToBinary: binary content, `$content` the base64 the page shows.
    ("uriComponentToBinary", "uriComponentToBinary('https%3A%2F%2Fcontoso.com')['$content']", Ok(r#""aHR0cHM6Ly9jb250b3NvLmNvbQ==""#)),
    ("variables", "variables('numItems')", Ok("20")),
    ("workflow", "workflow().run.name", Ok(r#""08584""#)),
    // xml, examples 1 to 3 (compact, as .NET's OuterXml writes it).
    ("xml", "string(xml('<name>Sophia Owen</name>'))", Ok(r#""<name>Sophia Owen</name>""#)),
    ("xml", r#"string(xml(json('{ "name": "Sophia Owen" }')))"#, Ok(r#""<name>Sophia Owen</name>""#)),
    ("xml", r#"string(xml(json('{"person": {"name": "Sophia Owen", "city": "Seattle"}}')))"#, Ok(r#""<person><name>Sophia Owen</name><city>Seattle</city></person>""#)),
    // xml, example 4, option 1: an array under a root property.
    ("xml", r#"string(xml(json('{"root":{"array":[{ "ID": 1, "Name": "James" },{ "ID": 2, "Name": "John" },{ "ID": 3, "Name": "Sam" }]}}')))"#, Ok(r#""<root><array><ID>1</ID><Name>James</Name></array><array><ID>2</ID><Name>John</Name></array><array><ID>3</ID><Name>Sam</Name></array></root>""#)),
    // xml, example 4, options 3 and 4, from a Compose's array.
    ("xml", r#"string(xml(json(concat('{"root":{"array":', outputs('Compose1'), '}}'))))"#, Ok(r#""<root><array><ID>1</ID><Name>James</Name></array><array><ID>2</ID><Name>John</Name></array><array><ID>3</ID><Name>Sam</Name></array></root>""#)),
    ("xml", "string(xml(addProperty(json('{}'), 'root', addProperty(json('{}'), 'array', outputs('Compose1')))))", Ok(r#""<root><array><ID>1</ID><Name>James</Name></array><array><ID>2</ID><Name>John</Name></array><array><ID>3</ID><Name>Sam</Name></array></root>""#)),
    ("xml", "xml(outputs('Compose1'))", Err("root")),
    // xpath, examples 1 to 9 (a node set is always an array, a number a
    // float: the page prints 30 for sum(), runs give 30.0).
    ("xpath", "xpath(xml(parameters('items')), '/produce/item/name/text()')", Ok(r#"["Gala","Honeycrisp"]"#)),
    ("xpath", "length(xpath(xml(parameters('items')), '/produce/item/name[1]'))", Ok("2")),
    // Examples 2 and 3: `name[1]` and `name[last()]` pick the first and
    // last `name` of each `item`, so both names, not the one the page shows;
    // brackets around the path pick one.
    ("xpath", "length(xpath(xml(parameters('items')), '/produce/item/name[last()]'))", Ok("2")),
    ("xpath", "xpath(xml(parameters('items')), '(/produce/item/name)[1]/text()')", Ok(r#"["Gala"]"#)),
    ("xpath", "xpath(xml(parameters('items')), '(/produce/item/name)[last()]/text()')", Ok(r#"["Honeycrisp"]"#)),
    ("xpath", "xpath(xml(parameters('items')), 'string(/produce/item[last()]/name)')", Ok(r#""Honeycrisp""#)),
    ("xpath", "xpath(xml(parameters('itemsExpired')), '//name[@expired]/text()')", Ok(r#"["Gala","Honeycrisp"]"#)),
    ("xpath", "xpath(xml(parameters('itemsOneExpired')), '//name[@expired = ''true'']/text()')", Ok(r#"["Gala"]"#)),
    ("xpath", "xpath(xml(parameters('itemsPrice')), '//name[@price>35]/text()')", Ok(r#"["Honeycrisp"]"#)),
    ("xpath", "xpath(xml(parameters('items')), 'sum(/produce/item/count)')", Ok("30.0")),
    ("xpath", r#"string(first(xpath(xml(body('Http')), '/*[name()="file"]/*[name()="location"]')))"#, Ok(r#""<location xmlns=\"https://contoso.com\">Paris</location>""#)),
    ("xpath", r#"string(first(xpath(xml(body('Http')), '/*[local-name()="file" and namespace-uri()="https://contoso.com"]/*[local-name()="location"]')))"#, Ok(r#""<location xmlns=\"https://contoso.com\">Paris</location>""#)),
    ("xpath", r#"xpath(xml(body('Http')), 'string(/*[name()="file"]/*[name()="location"])')"#, Ok(r#""Paris""#)),
];

/// Evaluated with now = 2018-02-01T00:00:00Z (the getPastTime examples).
pub const DOCS_FEBRUARY: &[Case] = &[
    (
        "getPastTime",
        "getPastTime(5, 'Day')",
        Ok(r#""2018-01-27T00:00:00.0000000Z""#),
    ),
    (
        "getPastTime",
        "getPastTime(5, 'Day', 'D')",
        Ok(r#""Saturday, January 27, 2018""#),
    ),
];

/// Evaluated with now = 2025-09-25T05:18:31.3384797Z (the utcNow examples).
pub const DOCS_UTC_NOW: &[Case] = &[
    (
        "utcNow",
        "utcNow()",
        Ok(r#""2025-09-25T05:18:31.3384797Z""#),
    ),
    ("utcNow", "utcNow('u')", Ok(r#""2025-09-25 05:18:31Z""#)),
    (
        "utcNow",
        "utcNow('U')",
        Ok(r#""Thursday, September 25, 2025 5:18:31 AM""#),
    ),
    ("utcNow", "utcNow('d')", Ok(r#""9/25/2025""#)),
    (
        "utcNow",
        "utcNow('D')",
        Ok(r#""Thursday, September 25, 2025""#),
    ),
    ("utcNow", "utcNow('t')", Ok(r#""5:18 AM""#)),
    ("utcNow", "utcNow('T')", Ok(r#""5:18:31 AM""#)),
    ("utcNow", "utcNow('y')", Ok(r#""September 2025""#)),
    ("utcNow", "utcNow('yyyy')", Ok(r#""2025""#)),
    (
        "utcNow",
        "utcNow('ddd, d MMM yyyy')",
        Ok(r#""Thu, 25 Sep 2025""#),
    ),
];

/// How a JSON string value is read (`@expr` keeps the value's type,
/// `@{…}` makes text, `@@` escapes), `?` and `[]`, case-insensitive names,
/// and comparisons of mixed types: `(what, JSON string value, result)`,
/// evaluated against [`super::docs_context`].
pub const SEMANTICS: &[Case] = &[
    // A whole-string expression keeps its type.
    ("whole", "@parameters('num')", Ok("5")),
    ("whole", "@parameters('obj')['arr']", Ok("[1,2,3]")),
    ("whole", "@null", Ok("null")),
    ("whole", "@true", Ok("true")),
    ("whole", "@2.0", Ok("2.0")),
    // Interpolation always makes a string.
    ("interpolation", "@{parameters('num')}", Ok(r#""5""#)),
    ("interpolation", "n=@{parameters('num')}", Ok(r#""n=5""#)),
    ("interpolation", "@{parameters('num')}@{parameters('num')}", Ok(r#""55""#)),
    ("interpolation", " @{parameters('num')}", Ok(r#"" 5""#)),
    ("interpolation", "@{true}", Ok(r#""True""#)),
    ("interpolation", "@{null}", Ok(r#""""#)),
    ("interpolation", "x@{parameters('obj')?['missing']}y", Ok(r#""xy""#)),
    ("interpolation", "@{parameters('obj')['arr']}", Ok(r#""[1,2,3]""#)),
    ("interpolation", "@{parameters('obj')['nested']}", Ok(r#""{\"Key\":\"v\"}""#)),
    ("interpolation", "@{2.0}", Ok(r#""2""#)),
    ("interpolation", "@{parameters('big')}", Ok(r#""1E+20""#)),
    ("interpolation", "@{mul(1.5, 2)}", Ok(r#""3""#)),
    ("interpolation", "@{concat('a', '}')}", Ok(r#""a}""#)),
    ("interpolation", "@{'it''s'}", Ok(r#""it's""#)),
    ("interpolation", "@{1", Err("`}`")),
    // The "Expressions" table of the Workflow Definition Language schema
    // page (myBirthMonth is "January", myAge is 42).
    ("wdl", "Sophia Owen", Ok(r#""Sophia Owen""#)),
    ("wdl", "array[1]", Ok(r#""array[1]""#)),
    ("wdl", " @", Ok(r#"" @""#)),
    ("wdl", "@parameters('myBirthMonth')", Ok(r#""January""#)),
    ("wdl", "@{parameters('myBirthMonth')}", Ok(r#""January""#)),
    ("wdl", "@parameters('myAge')", Ok("42")),
    ("wdl", "@{parameters('myAge')}", Ok(r#""42""#)),
    ("wdl", "My age is @{parameters('myAge')}", Ok(r#""My age is 42""#)),
    ("wdl", "@concat('My age is ', string(parameters('myAge')))", Ok(r#""My age is 42""#)),
    ("wdl", "My age is @@{parameters('myAge')}", Ok(r#""My age is @{parameters('myAge')}""#)),
    ("wdl", "Azure @{concat('firstName','', 'LastName')}", Ok(r#""Azure firstNameLastName""#)),
    ("wdl", "@parameters('customer').name", Ok(r#""Contoso""#)),
    ("wdl", "@coalesce(trigger().outputs?.body?.someProperty, 'default')", Ok(r#""default""#)),
    // The page's `length([1, 2, 3])` is not an expression the runtime
    // parses: there are no array literals (createArray builds one).
    ("wdl", "@length([1, 2, 3])", Err("createArray")),
    // `@@` escapes.
    ("escape", "@@{x}", Ok(r#""@{x}""#)),
    ("escape", "@@foo", Ok(r#""@foo""#)),
    ("escape", "a @@{x} b", Ok(r#""a @{x} b""#)),
    ("escape", "@@", Ok(r#""@""#)),
    ("escape", "@", Ok(r#""@""#)),
    ("escape", "@@{'abc'}@{'def'}", Ok(r#""@{'abc'}@{'def'}""#)),
    // Number literals: a sign on either side of zero, a bare fraction, a
    // trailing point, an exponent.
    ("number", "@+54", Ok("54")),
    ("number", "@-51", Ok("-51")),
    ("number", "@+.5", Ok("0.5")),
    ("number", "@1.", Ok("1.0")),
    ("number", "@{+1.}", Ok(r#""1""#)),
    ("number", "@3.2e-1", Ok("0.32")),
    ("number", "@{3e1}", Ok(r#""30""#)),
    ("number", "@++1", Err("expected a digit after `+`")),
    ("number", "@1e", Err("exponent")),
    // Plain text, an `@` inside it included, is itself.
    ("text", "a@b.com", Ok(r#""a@b.com""#)),
    ("text", "plain", Ok(r#""plain""#)),
    // The reference's "incorrect" inline form is not evaluated: an
    // expression inside text needs `@{…}`.
    ("text", "api/@parameters('num')/x", Ok(r#""api/@parameters('num')/x""#)),
    ("text", "api/@{parameters('num')}/x", Ok(r#""api/5/x""#)),
    // Names of functions, parameters and properties ignore case.
    ("case", "@CONCAT('a', 'b')", Ok(r#""ab""#)),
    ("case", "@toupper('a')", Ok(r#""A""#)),
    ("case", "@parameters('NUM')", Ok("5")),
    ("case", "@parameters('obj')['name']", Ok(r#""Ada""#)),
    ("case", "@parameters('obj').NAME", Ok(r#""Ada""#)),
    ("case", "@parameters('obj')?['nested']?['key']", Ok(r#""v""#)),
    // `?` gives null for a missing property, and for a property of null.
    ("null-conditional", "@parameters('obj')?['missing']", Ok("null")),
    ("null-conditional", "@parameters('obj')?['missing']?['x']", Ok("null")),
    ("null-conditional", "@parameters('obj')['n']?['x']", Ok("null")),
    ("null-conditional", "@parameters('obj')['missing']", Err("property 'missing' doesn't exist")),
    ("null-conditional", "@parameters('obj')?['missing']['x']", Err("'Null'")),
    ("null-conditional", "@parameters('obj').missing", Err("property 'missing' doesn't exist")),
    // `[]` indexes arrays; out of range fails, even after `?`.
    ("index", "@parameters('obj')['arr'][1]", Ok("2")),
    ("index", "@parameters('obj')?['arr']?[0]", Ok("1")),
    ("index", "@parameters('obj')['arr'][3]", Err("outside bounds")),
    ("index", "@parameters('obj')?['arr']?[3]", Err("outside bounds")),
    ("index", "@parameters('obj')['arr'][-1]", Err("outside bounds")),
    ("index", "@parameters('obj')['arr']['1']", Err("'Array'")),
    ("index", "@createArray(createArray(1, 2), createArray(3))[1][0]", Ok("3")),
    ("index", "@parameters('fullName')[1]", Err("property '1' cannot be selected. Property selection is not supported on values of type 'String'.")),
    ("index", "@json('{\"a\": [{\"b\": 7}]}')?['a'][0]?['b']", Ok("7")),
    // A wrong count of arguments, counted in words as the runtime does.
    ("arity", "@add(1)", Err("The template language function 'add' expects two parameters, but was invoked with 1 parameter.")),
    ("arity", "@empty()", Err("The template language function 'empty' expects one parameter, but was invoked with 0 parameters.")),
    ("arity", "@join(array(''))", Err("expects two parameters")),
    ("arity", "@concat()", Err("The template language function 'concat' expects at least one parameter, but was invoked with 0 parameters.")),
    ("arity", "@substring('abc', 1, 1, 1)", Err("The template language function 'substring' expects two or three parameters, but was invoked with 4 parameters.")),
    ("arity", "@utcNow('o', 'x')", Err("The template language function 'utcNow' expects zero or one parameter, but was invoked with 2 parameters.")),
    ("arity", "@triggerBody(1)", Err("The template language function 'triggerBody' expects no parameters, but was invoked with 1 parameter.")),
    // if, and, or and coalesce stop once the answer is known.
    ("lazy", "@if(true, 'ok', int('abc'))", Ok(r#""ok""#)),
    ("lazy", "@if(false, int('abc'), 'ok')", Ok(r#""ok""#)),
    ("lazy", "@and(false, int('abc'))", Ok("false")),
    ("lazy", "@or(true, int('abc'))", Ok("true")),
    ("lazy", "@coalesce(null, 'a', int('abc'))", Ok(r#""a""#)),
    ("lazy", "@if(true, 1, notAFunction())", Ok("1")),
    ("lazy", "@and(and(true, false), notAFunction())", Ok("false")),
    ("lazy", "@or(or(false, true), notAFunction())", Ok("true")),
    ("lazy", "@and(int('abc'), false)", Err("'int'")),
    ("lazy", "@if(true, int('abc'), 'ok')", Err("'int'")),
    ("lazy", "@and(true, int('abc'))", Err("'int'")),
    ("lazy", "@if('true', 1, 2)", Err("The template language function 'if' expects its first parameter to be of type boolean. The provided value is of type 'String'. Please see https://aka.ms/logicexpressions#if for usage details.")),
    ("lazy", "@and(true, 'x', false)", Err("expects its second parameter to be a boolean. The provided value is of type 'String'.")),
    // equals: deep, numbers by value, a boolean is 1 or 0, null is "".
    ("equals", "@equals(1, 1.0)", Ok("true")),
    ("equals", "@equals('1', 1)", Ok("false")),
    ("equals", "@equals(true, 1)", Ok("true")),
    ("equals", "@equals(false, 0)", Ok("true")),
    ("equals", "@equals(true, 'true')", Ok("false")),
    ("equals", "@equals(null, '')", Ok("true")),
    ("equals", "@equals('abc', 'ABC')", Ok("false")),
    ("equals", "@equals(createArray(1, 2), createArray(1, 2))", Ok("true")),
    ("equals", "@equals(json('{\"a\": 1, \"b\": 2}'), json('{\"b\": 2, \"a\": 1}'))", Ok("true")),
    // greater and the others: numbers of any kind, strings ignoring case,
    // null as ""; anything else fails in the runtime's words.
    ("compare", "@greater(2, 1.5)", Ok("true")),
    ("compare", "@lessOrEquals(2, 2.0)", Ok("true")),
    ("compare", "@greater(decimal('1.1'), 1)", Ok("true")),
    ("compare", "@less('a', 'B')", Ok("true")),
    ("compare", "@greaterOrEquals('ABC', 'abc')", Ok("true")),
    ("compare", "@less(null, 'a')", Ok("true")),
    ("compare", "@greater('10', 9)", Err("The template language function 'greater' expects two parameter of matching types. The function was invoked with values of type 'String' and 'Integer' that do not match.")),
    ("compare", "@less(1, '2')", Err("values of type 'Integer' and 'String' that do not match")),
    ("compare", "@greater(true, false)", Err("The template language function 'greater' expects all of its parameters to be either integer or decimal numbers. Found invalid parameter types: 'Boolean', 'Boolean'.")),
    ("compare", "@lessOrEquals(createArray(1, 2, 3), createArray(4, 5))", Err("Found invalid parameter types: 'Array', 'Array'.")),
    ("compare", "@less(json('{}'), 1)", Err("Found invalid parameter types: 'Object'.")),
];
