//! Test calls: parameters, preparing a request from an HTTP action, the
//! diagnosis of outcomes, "Copy as cURL", and whole calls against a local
//! echo server.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use lapis::invoke::diagnose::{aadsts_info, decode_entra_error, diagnose, login_redirect};
use lapis::invoke::prepare::{is_secret_header, parameter_values, prepare, PrepareError, Resolved};
use lapis::invoke::token::{TokenCache, TokenError};
use lapis::invoke::{
    call, curl, Auth, CallOptions, Credential, Failure, Outcome, Prepared, Response, SentRequest,
    Timings, DEFAULT_AUTHORITY,
};
use lapis::secrets::{Secret, SecretStore};
use lapis::workflow::Document;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------
// Fixtures

const SECRET: &str = "s3cr3t-Client~Value";
const API_KEY: &str = "key-ABCDEF-123456";

fn definition(inputs: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiUrl": {"type": "String", "defaultValue": "https://app-contoso.msappproxy.net/api"},
            "apiKey": {"type": "SecureString"},
            "clientSecret": {"type": "SecureString", "defaultValue": "[parameters('secret')]"},
            "retries": {"type": "Int", "defaultValue": 3},
            "flags": {"type": "Object", "defaultValue": {}},
            "label": {"type": "String", "defaultValue": "x"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": {
            "Compose": {"type": "Compose", "inputs": "hello", "runAfter": {}},
            "Try": {
                "type": "Scope",
                "runAfter": {"Compose": ["Succeeded"]},
                "actions": {
                    "Check": {
                        "type": "If",
                        "expression": {"and": [{"equals": [1, 1]}]},
                        "runAfter": {},
                        "actions": {
                            "Call_API": {"type": "Http", "inputs": inputs, "runAfter": {}}
                        },
                        "else": {"actions": {
                            "Other_call": {"type": "http", "inputs": {"method": "GET", "uri": "https://example.org/"}, "runAfter": {}}
                        }}
                    }
                }
            }
        },
        "outputs": {}
    })
}

fn doc(inputs: Value) -> Document {
    Document::from_value(definition(inputs)).expect("fixture loads")
}

const CALL_PTR: &str = "/actions/Try/actions/Check/actions/Call_API/inputs";

fn store() -> SecretStore {
    let s = SecretStore::without_keychain();
    s.set("apiKey", Secret::new(API_KEY));
    s.set("clientSecret", Secret::new(SECRET));
    s
}

fn params(d: &Document, st: &SecretStore) -> Resolved {
    parameter_values(d.definition(0), None, &[], st).expect("parameters resolve")
}

fn prep(inputs: Value) -> Result<Prepared, PrepareError> {
    let d = doc(inputs);
    let st = store();
    let p = params(&d, &st);
    prepare(&d, 0, "Call_API", &p, &st)
}

fn ov(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------
// Parameters

#[test]
fn defaults_then_plain_file_then_overrides_then_store() {
    let d = doc(json!({"uri": "https://example.org"}));
    let st = store();
    let file = json!({"apiUrl": "https://file.example/api", "retries": 7});
    let r = parameter_values(
        d.definition(0),
        Some(&file),
        &ov(&[
            ("retries", "9"),
            ("flags", r#"{"a": [1, true]}"#),
            ("label", "123"),
        ]),
        &st,
    )
    .unwrap();
    assert_eq!(r.values["apiUrl"], json!("https://file.example/api"));
    assert_eq!(r.values["retries"], json!(9));
    assert_eq!(r.values["flags"], json!({"a": [1, true]}));
    // A String parameter keeps "123" as text.
    assert_eq!(r.values["label"], json!("123"));
    // Secure parameters come from the store; the ARM expression default is
    // no value.
    assert_eq!(r.values["apiKey"], json!(API_KEY));
    assert_eq!(r.values["clientSecret"], json!(SECRET));
    let text = format!("x {API_KEY} y {SECRET}");
    let red = r.redactor.redact(&text);
    assert_eq!(red, "x <secret:apiKey> y <secret:clientSecret>");
}

#[test]
fn arm_parameters_file_skips_key_vault_references() {
    let d = doc(json!({"uri": "https://example.org"}));
    let st = store();
    let file = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "apiUrl": {"value": "https://arm.example/"},
            "apiKey": {"reference": {"keyVault": {"id": "/subscriptions/x/vaults/kv"}, "secretName": "api-key"}},
            "retries": {"value": 4}
        }
    });
    let r = parameter_values(d.definition(0), Some(&file), &[], &st).unwrap();
    assert_eq!(r.values["apiUrl"], json!("https://arm.example/"));
    assert_eq!(r.values["retries"], json!(4));
    assert_eq!(
        r.values["apiKey"],
        json!(API_KEY),
        "the store supplies the Key Vault value"
    );

    // Without the store the reference is a missing secret.
    let empty = SecretStore::without_keychain();
    empty.set("clientSecret", Secret::new(SECRET));
    let r = parameter_values(d.definition(0), Some(&file), &[], &empty).unwrap();
    assert!(!r.values.contains_key("apiKey"));
}

#[test]
fn the_secret_store_wins_over_defaults_placeholders_and_files() {
    let mut def = definition(json!({"uri": "https://example.org"}));
    def["parameters"]["apiKey"]["defaultValue"] = json!("");
    let d = Document::from_value(def).unwrap();
    let st = store();
    // An empty default is no value: the store supplies it.
    let r = parameter_values(d.definition(0), None, &[], &st).unwrap();
    assert_eq!(r.values["apiKey"], json!(API_KEY));
    // A value in a parameters file is replaced by the store's, and both
    // are redacted.
    let file = json!({"apiKey": "placeholder-from-file"});
    let r = parameter_values(d.definition(0), Some(&file), &[], &st).unwrap();
    assert_eq!(r.values["apiKey"], json!(API_KEY));
    assert!(!r.redactor.redact(API_KEY).contains(API_KEY));
    // Without the store, the file's value stands, and is redacted too.
    let none = SecretStore::without_keychain();
    let r = parameter_values(d.definition(0), Some(&file), &[], &none).unwrap();
    assert_eq!(r.values["apiKey"], json!("placeholder-from-file"));
    assert!(!r.redactor.is_clean("x placeholder-from-file y"));
    // Empty everywhere: missing, so the designer asks for it.
    let r = parameter_values(d.definition(0), None, &[], &none).unwrap();
    assert!(!r.values.contains_key("apiKey"));
}

#[test]
fn standard_parameters_file_with_appsettings() {
    let d = doc(json!({"uri": "https://example.org"}));
    let st = store();
    st.set(
        "LapisTestApiUrlSetting",
        Secret::new("https://setting.example/x"),
    );
    let file = json!({
        "apiUrl": {"type": "String", "value": "@appsetting('LapisTestApiUrlSetting')"},
        "region": {"type": "String", "value": "westeurope"},
        "retries": {"type": "Int", "value": 2}
    });
    let r = parameter_values(d.definition(0), Some(&file), &[], &st).unwrap();
    assert_eq!(r.values["apiUrl"], json!("https://setting.example/x"));
    assert_eq!(
        r.values["region"],
        json!("westeurope"),
        "parameters.json declares its own"
    );
    assert_eq!(r.values["retries"], json!(2));
    // --param may name a parameter only the file declares.
    let r = parameter_values(
        d.definition(0),
        Some(&file),
        &ov(&[("region", "northeurope")]),
        &st,
    )
    .unwrap();
    assert_eq!(r.values["region"], json!("northeurope"));

    let missing = json!({"apiUrl": {"type": "String", "value": "@appsetting('LAPIS_TEST_NO_SUCH_SETTING_X')"}});
    let e = parameter_values(d.definition(0), Some(&missing), &[], &st).unwrap_err();
    assert_eq!(
        e,
        PrepareError::MissingSecret {
            name: "LAPIS_TEST_NO_SUCH_SETTING_X".into()
        }
    );
}

#[test]
fn missing_secret_unknown_param_and_type_errors() {
    let d = doc(json!({"uri": "https://example.org"}));
    let empty = SecretStore::without_keychain();
    // A secret no source has is not needed to resolve the others...
    let r = parameter_values(d.definition(0), None, &[], &empty).unwrap();
    assert!(!r.values.contains_key("apiKey"));
    // ...and is asked for when the action uses it.
    let d2 = doc(
        json!({"uri": "https://example.org", "headers": {"x-api-key": "@parameters('apiKey')"}}),
    );
    let r2 = parameter_values(d2.definition(0), None, &[], &empty).unwrap();
    let e = prepare(&d2, 0, "Call_API", &r2, &empty).unwrap_err();
    assert_eq!(
        e,
        PrepareError::MissingSecret {
            name: "apiKey".into()
        }
    );
    assert!(e.to_string().contains("LAPIS_SECRET_APIKEY"), "{e}");

    let st = store();
    let e = parameter_values(d.definition(0), None, &ov(&[("nope", "1")]), &st).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("`nope`") && m.contains("apiUrl") && m.contains("retries"),
        "{m}"
    );

    let e = parameter_values(d.definition(0), None, &ov(&[("retries", "many")]), &st).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("retries") && m.contains("Int") && m.contains("--param"),
        "{m}"
    );

    let e = parameter_values(d.definition(0), Some(&json!({"flags": [1]})), &[], &st).unwrap_err();
    assert!(e.to_string().contains("Object"), "{e}");

    // A secure value is never taken from the command line, and the
    // refusal does not repeat it.
    let e = parameter_values(d.definition(0), None, &ov(&[("apiKey", "x-secret-1")]), &st)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("apiKey") && e.contains("--secret apiKey=env:") && !e.contains("x-secret-1"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// Prepare

#[test]
fn expressions_resolve_into_uri_headers_queries_and_body() {
    let p = prep(json!({
        "method": "post",
        "uri": "@{parameters('apiUrl')}/orders",
        "queries": {"q": "a b&c=d", "n": "@parameters('retries')", "flag": true, "uni": "é中", "tags": ["x", "y z"], "skip": null},
        "headers": {"X-Api-Key": "@parameters('apiKey')", "X-Count": "@parameters('retries')", "X-Obj": {"a": 1}, "Accept": "application/json"},
        "body": {"url": "@parameters('apiUrl')", "n": "@add(parameters('retries'), 1)", "wf": "@workflow().name"},
        "cookie": "session=@{parameters('label')}"
    }))
    .unwrap();
    assert_eq!(p.action, "Call_API");
    assert_eq!(p.method, "POST");
    assert_eq!(
        p.url.as_str(),
        "https://app-contoso.msappproxy.net/api/orders?q=a%20b%26c%3Dd&n=3&flag=true&uni=%C3%A9%E4%B8%AD&tags=x&tags=y%20z"
    );
    assert_eq!(
        p.headers,
        vec![
            ("X-Api-Key".to_owned(), API_KEY.to_owned()),
            ("X-Count".to_owned(), "3".to_owned()),
            ("X-Obj".to_owned(), r#"{"a":1}"#.to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
        ]
    );
    let body = p.body.as_ref().unwrap();
    let v: Value = serde_json::from_slice(&body.bytes).unwrap();
    assert_eq!(v["url"], json!("https://app-contoso.msappproxy.net/api"));
    assert_eq!(v["n"], json!(4));
    assert_eq!(v["wf"], json!("workflow"));
    assert_eq!(body.content_type.as_deref(), Some("application/json"));
    assert_eq!(p.cookie.as_deref(), Some("session=x"));
    assert_eq!(p.auth, Auth::None);
    assert!(p.warnings.is_empty());
    assert_eq!(p.redactor.redact(API_KEY), "<secret:apiKey>");
}

#[test]
fn queries_merge_with_the_uri_query_and_text_bodies() {
    let p = prep(json!({
        "uri": "https://h.example/p?x=1&y=a%20b",
        "queries": {"na me": "v&=?#/"},
        "body": "plain text body"
    }))
    .unwrap();
    assert_eq!(p.method, "GET");
    assert_eq!(
        p.url.as_str(),
        "https://h.example/p?x=1&y=a%20b&na%20me=v%26%3D%3F%23%2F"
    );
    let b = p.body.unwrap();
    assert_eq!(b.bytes, b"plain text body");
    assert_eq!(b.content_type.as_deref(), Some("text/plain; charset=utf-8"));

    let p = prep(json!({
        "uri": "https://h.example/p",
        "headers": {"Content-Type": "application/xml"},
        "body": "<a/>"
    }))
    .unwrap();
    assert_eq!(
        p.body.unwrap().content_type,
        None,
        "the action's header decides"
    );
}

#[test]
fn authentication_maps_all_six_types() {
    let pfx_bytes = b"\x30\x82\x01\x00fake-pkcs12".to_vec();
    let pfx_b64 = base64::engine::general_purpose::STANDARD.encode(&pfx_bytes);

    let p = prep(json!({"uri": "https://h.example/", "authentication": {
        "type": "ActiveDirectoryOAuth", "tenant": "contoso.onmicrosoft.com",
        "audience": "https://app-contoso.msappproxy.net/", "clientId": "11111111-2222-3333-4444-555555555555",
        "secret": "@parameters('clientSecret')"
    }}))
    .unwrap();
    let Auth::ActiveDirectoryOAuth(o) = &p.auth else {
        panic!("{:?}", p.auth)
    };
    assert_eq!(o.authority, DEFAULT_AUTHORITY);
    assert_eq!(o.tenant, "contoso.onmicrosoft.com");
    assert_eq!(o.audience, "https://app-contoso.msappproxy.net/");
    assert_eq!(o.client_id, "11111111-2222-3333-4444-555555555555");
    assert_eq!(o.credential, Credential::Secret(Secret::new(SECRET)));
    assert!(p.redactor.is_clean(&p.redactor.redact(SECRET)));
    assert!(
        !format!("{p:?}").contains(SECRET),
        "Debug never shows a secret"
    );

    // credentialType inferred from pfx, authority as written.
    let p = prep(json!({"uri": "https://h.example/", "authentication": {
        "type": "activedirectoryoauth", "authority": "https://login.windows.net/", "tenant": "t",
        "audience": "https://a/", "clientId": "c", "pfx": pfx_b64, "password": "pfx-pass-1"
    }}))
    .unwrap();
    let Auth::ActiveDirectoryOAuth(o) = &p.auth else {
        panic!()
    };
    assert_eq!(o.authority, "https://login.windows.net");
    let Credential::Certificate { pfx, password } = &o.credential else {
        panic!("{:?}", o.credential)
    };
    assert_eq!(pfx.0, pfx_bytes);
    assert_eq!(password.as_ref().map(Secret::expose), Some("pfx-pass-1"));
    assert_eq!(p.redactor.redact("pfx-pass-1"), "<secret:pfx-password>");

    // Written credentialType wins.
    let p = prep(json!({"uri": "https://h.example/", "authentication": {
        "type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c",
        "credentialType": "Secret", "secret": "abcd-secret", "pfx": pfx_b64
    }}))
    .unwrap();
    assert!(
        matches!(&p.auth, Auth::ActiveDirectoryOAuth(o) if matches!(o.credential, Credential::Secret(_)))
    );

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "Basic", "username": "alice", "password": "pa55word!"}})).unwrap();
    assert_eq!(
        p.auth,
        Auth::Basic {
            username: "alice".into(),
            password: Secret::new("pa55word!")
        }
    );
    assert_eq!(
        p.redactor.redact("Basic YWxpY2U6cGE1NXdvcmQh"),
        "Basic <secret:basic-credentials>"
    );

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "ClientCertificate", "pfx": pfx_b64}})).unwrap();
    assert!(
        matches!(&p.auth, Auth::ClientCertificate { pfx, password: None } if pfx.0 == pfx_bytes)
    );

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "Raw", "value": "SharedAccessSignature sr=x&sig=y"}})).unwrap();
    assert_eq!(
        p.auth,
        Auth::Raw {
            value: Secret::new("SharedAccessSignature sr=x&sig=y")
        }
    );

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "ManagedServiceIdentity", "audience": "https://a/"}})).unwrap();
    assert_eq!(
        p.auth,
        Auth::ManagedServiceIdentity {
            identity: None,
            audience: Some("https://a/".into())
        }
    );

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "None"}})).unwrap();
    assert_eq!(p.auth, Auth::None);
}

#[test]
fn authentication_errors_point_at_the_field() {
    let e = prep(json!({"uri": "https://h.example/", "authentication": {
        "type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c",
        "credentialType": "Certificate", "pfx": "not base64 !!"
    }}))
    .unwrap_err();
    let PrepareError::Invalid { pointer, message } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(pointer, &format!("{CALL_PTR}/authentication/pfx"));
    assert!(message.contains("base64"), "{message}");
    assert!(!message.contains("not base64 !!"));

    let e = prep(json!({"uri": "https://h.example/", "authentication": {"type": "ActiveDirectoryOAuth", "audience": "a", "clientId": "c", "secret": "x"}})).unwrap_err();
    assert!(
        matches!(&e, PrepareError::Invalid { pointer, .. } if pointer.ends_with("/authentication/tenant")),
        "{e:?}"
    );

    let e = prep(json!({"uri": "https://h.example/", "authentication": {"type": "Kerberos"}}))
        .unwrap_err();
    assert!(e.to_string().contains("Kerberos"), "{e}");
}

#[test]
fn run_data_and_bad_inputs_are_clear_errors() {
    let e = prep(
        json!({"uri": "https://h.example/", "headers": {"X-Id": "@{body('Get_user')?['id']}"}}),
    )
    .unwrap_err();
    let PrepareError::Expression { pointer, message } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(pointer, &format!("{CALL_PTR}/headers/X-Id"));
    assert!(
        message.contains("body('Get_user')") && message.contains("run"),
        "{message}"
    );

    let e = prep(json!({"uri": "@{triggerBody()?['url']}"})).unwrap_err();
    assert!(e.to_string().contains("triggerBody()"), "{e}");

    let e = prep(json!({"uri": "@{parameters('nothere')}"})).unwrap_err();
    assert!(e.to_string().contains("nothere"), "{e}");

    let e = prep(json!({"uri": "@concat('a', "})).unwrap_err();
    assert!(
        matches!(&e, PrepareError::Expression { pointer, .. } if pointer.ends_with("/inputs/uri")),
        "{e:?}"
    );

    // Plain http to an internal host: fine without credentials (a direct
    // look at the backend), refused with any.
    assert!(prep(json!({"uri": "http://intranet.contoso.local/api"})).is_ok());
    let e = prep(json!({"uri": "http://intranet.contoso.local/api",
        "authentication": {"type": "Basic", "username": "u", "password": "pa55word"}}))
    .unwrap_err();
    assert!(
        matches!(&e, PrepareError::Invalid { pointer, message } if pointer.ends_with("/inputs/uri") && message.contains("https") && message.contains("Basic")),
        "{e:?}"
    );
    let e = prep(json!({"uri": "http://intranet.contoso.local/api",
        "headers": {"X-Api-Key": "@parameters('apiKey')"}}))
    .unwrap_err();
    assert!(e.to_string().contains("X-Api-Key"), "{e}");
    assert!(prep(json!({"uri": "http://127.0.0.1:8080/api"})).is_ok());
    assert!(prep(json!({"uri": "http://localhost/api"})).is_ok());
    assert!(prep(json!({"uri": "http://[::1]:9/api"})).is_ok());

    let e = prep(json!({"uri": "/relative"})).unwrap_err();
    assert!(matches!(&e, PrepareError::Invalid { .. }), "{e:?}");
    let e = prep(json!({"uri": "ftp://h.example/"})).unwrap_err();
    assert!(e.to_string().contains("ftp"), "{e}");
    let e = prep(json!({"uri": "https://h.example/", "headers": {"Bad Name": "x"}})).unwrap_err();
    assert!(e.to_string().contains("Bad Name"), "{e}");
    let e = prep(json!({"uri": "https://h.example/", "headers": "oops"})).unwrap_err();
    assert!(
        matches!(&e, PrepareError::Invalid { pointer, .. } if pointer.ends_with("/inputs/headers")),
        "{e:?}"
    );
}

#[test]
fn finding_the_action() {
    let d = doc(json!({"uri": "https://h.example/"}));
    let st = store();
    let p = params(&d, &st);
    let e = prepare(&d, 0, "Nope", &p, &st).unwrap_err();
    assert_eq!(
        e,
        PrepareError::NotFound {
            action: "Nope".into(),
            known: vec!["Call_API".into(), "Other_call".into()]
        }
    );
    assert!(e.to_string().contains("Call_API, Other_call"));
    let e = prepare(&d, 0, "Compose", &p, &st).unwrap_err();
    assert!(
        matches!(&e, PrepareError::NotHttp { kind, .. } if kind == "Compose"),
        "{e:?}"
    );
    assert!(e.to_string().contains("Call_API"));
    // Type matched ignoring case.
    let o = prepare(&d, 0, "Other_call", &p, &st).unwrap();
    assert_eq!(o.url.as_str(), "https://example.org/");
}

#[test]
fn authorization_header_beside_entra_auth_warns() {
    let p = prep(json!({"uri": "https://h.example/", "headers": {"Authorization": "Bearer backend-token-123"},
        "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "abcd-secret"}}))
    .unwrap();
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].contains("PRIVATE-TOKEN"), "{}", p.warnings[0]);
    assert_eq!(
        p.redactor.redact("Bearer backend-token-123"),
        "<secret:Authorization>"
    );
    let p = prep(json!({"uri": "https://h.example/", "headers": {"Authorization": "Bearer x"}}))
        .unwrap();
    assert!(p.warnings.is_empty());
    assert!(is_secret_header("private-token") && !is_secret_header("Accept"));
}

// ---------------------------------------------------------------------------
// Diagnose

fn entra_body() -> Value {
    json!({
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-2222-3333-4444-555555555555'.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2024-05-01 12:00:00Z",
        "error_codes": [7000215],
        "timestamp": "2024-05-01 12:00:00Z",
        "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
        "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
        "error_uri": "https://login.microsoftonline.com/error?code=7000215"
    })
}

#[test]
fn entra_errors_decode() {
    let a = decode_entra_error(&entra_body()).unwrap();
    assert_eq!(a.code, 7000215);
    assert_eq!(a.error.as_deref(), Some("invalid_client"));
    assert_eq!(
        a.trace_id.as_deref(),
        Some("0000aaaa-11bb-cccc-dd22-eeeeee333333")
    );
    assert_eq!(
        a.correlation_id.as_deref(),
        Some("aaaa0000-bb11-2222-33cc-444444dddddd")
    );
    assert_eq!(a.timestamp.as_deref(), Some("2024-05-01 12:00:00Z"));
    assert!(a.meaning.contains("secret"));

    // Only the description: the code and ids come from its text.
    let b = json!({"error": "invalid_request", "error_description": "AADSTS99999999: Something new.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: ts"});
    let a = decode_entra_error(&b).unwrap();
    assert_eq!(a.code, 99999999);
    assert_eq!(a.meaning, "Something new.");
    assert_eq!(a.trace_id.as_deref(), Some("t-1"));
    assert_eq!(a.correlation_id.as_deref(), Some("c-1"));
    assert!(decode_entra_error(&json!({"error": "x"})).is_none());
    assert!(decode_entra_error(&json!("text")).is_none());

    for code in [
        700016, 7000215, 7000222, 7000218, 700027, 500011, 90002, 70011, 901002, 50001, 700024,
        7000112, 700023, 90014, 900023, 50011, 65001, 53003, 50126, 700025,
    ] {
        assert!(aadsts_info(code).is_some(), "{code}");
    }
    assert!(aadsts_info(500011).unwrap().1.contains("trailing slash"));
}

fn plain_prepared(auth: Auth) -> Prepared {
    let mut p = prep(json!({"uri": "https://app-contoso.msappproxy.net/api"})).unwrap();
    p.auth = auth;
    p
}

fn oauth() -> Auth {
    prep(json!({"uri": "https://h.example/", "authentication": {
        "type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "https://app-contoso.msappproxy.net/", "clientId": "c", "secret": "@parameters('clientSecret')"
    }}))
    .unwrap()
    .auth
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    Response {
        status,
        reason: String::new(),
        version: "HTTP/1.1".into(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.as_bytes().to_vec(),
        body_len: body.len() as u64,
        spilled_to: None,
        store: None,
    }
}

fn outcome(response: Option<Response>, failure: Option<Failure>, first_byte_ms: f64) -> Outcome {
    Outcome {
        action: "Call_API".into(),
        request: SentRequest {
            method: "GET".into(),
            url: "https://app-contoso.msappproxy.net/api".into(),
            headers: vec![],
            body: None,
        },
        response,
        failure,
        diagnosis: None,
        notes: vec![],
        timings: Timings {
            first_byte: Some(first_byte_ms),
            total: first_byte_ms + 5.0,
            ..Timings::default()
        },
        token: None,
        started_at: "2024-05-01T12:00:00Z".into(),
    }
}

fn kind_of(p: &Prepared, o: &Outcome) -> String {
    diagnose(p, o, &CallOptions::default())
        .0
        .map(|d| d.kind)
        .unwrap_or_else(|| "none".into())
}

#[test]
fn token_failures() {
    let p = plain_prepared(oauth());
    let e = TokenError {
        endpoint: "https://login.microsoftonline.com/t/oauth2/token".into(),
        status: Some(401),
        message: "invalid_client".into(),
        entra: Some(entra_body()),
        network: None,
    };
    let o = outcome(None, Some(Failure::Token(e)), 0.0);
    let (d, _) = diagnose(&p, &o, &CallOptions::default());
    let d = d.unwrap();
    assert_eq!(d.kind, "entra_error");
    assert!(
        d.message
            .starts_with("Entra ID refused the token request: "),
        "{}",
        d.message
    );
    assert!(d.message.contains("(AADSTS7000215)"));
    assert!(d.hint.as_deref().unwrap().contains("Secret ID"));
    assert!(d
        .evidence
        .iter()
        .any(|e| e.contains("0000aaaa-11bb-cccc-dd22-eeeeee333333")));
    assert!(d
        .evidence
        .iter()
        .any(|e| e.contains("aaaa0000-bb11-2222-33cc-444444dddddd")));
    assert_eq!(d.aadsts.unwrap().code, 7000215);

    let e = TokenError {
        endpoint: "https://login.example.invalid/t/oauth2/token".into(),
        status: None,
        message: "failed to lookup address information".into(),
        entra: None,
        network: Some("dns".into()),
    };
    let o = outcome(None, Some(Failure::Token(e)), 0.0);
    let (d, _) = diagnose(&p, &o, &CallOptions::default());
    let d = d.unwrap();
    assert_eq!(d.kind, "token_endpoint");
    assert!(d.message.contains("token"), "{}", d.message);
}

const LOGIN: &str = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/authorize?response_type=code&client_id=abc&redirect_uri=https%3a%2f%2fapp-contoso.msappproxy.net%2f&state=AppProxyState%3a%7b%22InvalidTokenRetry%22%3atrue%2c%22IsMsofba%22%3afalse%7d%23EndOfStateParam%23&nonce=n";

#[test]
fn app_proxy_redirects() {
    let p = plain_prepared(oauth());
    let o = outcome(Some(response(302, &[("Location", LOGIN)], "")), None, 40.0);
    let (d, _) = diagnose(&p, &o, &CallOptions::default());
    let d = d.unwrap();
    assert_eq!(d.kind, "proxy_rejected_token");
    assert_eq!(d.message, "The application proxy did not accept the token.");
    let hint = d.hint.unwrap();
    assert!(
        hint.contains("audience")
            && hint.contains("user_impersonation")
            && hint.contains("consent"),
        "{hint}"
    );
    assert!(d
        .evidence
        .iter()
        .any(|e| e.starts_with("Location: https://login.microsoftonline.com")));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.contains("\"InvalidTokenRetry\":true")),
        "{:?}",
        d.evidence
    );

    let no_token = LOGIN.replace(
        "%22InvalidTokenRetry%22%3atrue",
        "%22InvalidTokenRetry%22%3afalse",
    );
    let p0 = plain_prepared(Auth::None);
    let o = outcome(
        Some(response(302, &[("Location", &no_token)], "")),
        None,
        40.0,
    );
    assert_eq!(kind_of(&p0, &o), "proxy_no_token");

    // A local stand-in: any authorize path, relative or absolute, state in base64.
    let state =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"InvalidTokenRetry": true}"#);
    let loc = format!("/t/oauth2/v2.0/authorize?state={state}");
    let o = outcome(Some(response(302, &[("Location", &loc)], "")), None, 40.0);
    assert_eq!(kind_of(&p, &o), "proxy_rejected_token");
    let lr = login_redirect("http://127.0.0.1:9/t/oauth2/authorize?state=x", None).unwrap();
    assert!(!lr.invalid_token_retry);
    assert!(login_redirect("https://app.example/next", None).is_none());

    let o = outcome(
        Some(response(
            302,
            &[("Location", "https://app.example/next")],
            "",
        )),
        None,
        40.0,
    );
    assert_eq!(kind_of(&p, &o), "http_status");
}

#[test]
fn gateway_errors() {
    let p = plain_prepared(oauth());
    let o = outcome(
        Some(response(
            502,
            &[("x-ms-proxy-transaction-id", "tx-1")],
            "Bad Gateway",
        )),
        None,
        200.0,
    );
    let (d, _) = diagnose(&p, &o, &CallOptions::default());
    let d = d.unwrap();
    assert_eq!(d.kind, "bad_gateway");
    assert!(d
        .evidence
        .iter()
        .any(|e| e == "x-ms-proxy-transaction-id: tx-1"));

    let o = outcome(Some(response(504, &[], "Gateway Timeout")), None, 300.0);
    assert_eq!(kind_of(&p, &o), "gateway_timeout");
    let o = outcome(Some(response(504, &[], "Gateway Timeout")), None, 84_000.0);
    let (d, _) = diagnose(&p, &o, &CallOptions::default());
    let d = d.unwrap();
    assert_eq!(d.kind, "backend_timeout");
    assert!(d.message.contains("85 s"), "{}", d.message);
    assert!(d.hint.unwrap().contains("180 s"));
    let o = outcome(
        Some(response(
            504,
            &[],
            "<html>The backend server timed out</html>",
        )),
        None,
        300.0,
    );
    assert_eq!(kind_of(&p, &o), "backend_timeout");
    let long = CallOptions {
        proxy_backend_timeout: Duration::from_secs(180),
        ..CallOptions::default()
    };
    let o = outcome(Some(response(504, &[], "Gateway Timeout")), None, 90_000.0);
    assert_eq!(diagnose(&p, &o, &long).0.unwrap().kind, "gateway_timeout");
}

#[test]
fn network_input_and_status_kinds() {
    let p = plain_prepared(Auth::None);
    let cases = [
        (Failure::Dns("no such host".into()), "dns"),
        (Failure::Connect("connection refused".into()), "connect"),
        (Failure::Timeout("after 100 s".into()), "timeout"),
        (Failure::Input("a missing parameter".into()), "input"),
    ];
    for (f, kind) in cases {
        assert_eq!(kind_of(&p, &outcome(None, Some(f), 0.0)), kind);
    }
    let o = outcome(
        None,
        Some(Failure::Tls(
            "invalid peer certificate: UnknownIssuer".into(),
        )),
        0.0,
    );
    let d = diagnose(&p, &o, &CallOptions::default()).0.unwrap();
    assert_eq!(d.kind, "tls");
    assert!(d.hint.unwrap().contains("SSL_CERT_FILE"));
    let o = outcome(
        None,
        Some(Failure::Tls(
            "invalid peer certificate: NotValidForName".into(),
        )),
        0.0,
    );
    assert!(diagnose(&p, &o, &CallOptions::default())
        .0
        .unwrap()
        .hint
        .unwrap()
        .contains("host name"));

    let msi = plain_prepared(Auth::ManagedServiceIdentity {
        identity: None,
        audience: Some("https://a/".into()),
    });
    let o = outcome(None, Some(Failure::Input("needs a token".into())), 0.0);
    let d = diagnose(&msi, &o, &CallOptions::default()).0.unwrap();
    assert_eq!(d.kind, "managed_identity");
    assert!(d.message.contains("inside Azure"));

    let o = outcome(
        Some(response(
            401,
            &[("WWW-Authenticate", "Bearer realm=\"api\"")],
            "",
        )),
        None,
        10.0,
    );
    let d = diagnose(&p, &o, &CallOptions::default()).0.unwrap();
    assert_eq!(d.kind, "http_status");
    assert!(d
        .evidence
        .iter()
        .any(|e| e == "WWW-Authenticate: Bearer realm=\"api\""));
    let o = outcome(Some(response(404, &[], "")), None, 10.0);
    assert!(diagnose(&p, &o, &CallOptions::default())
        .0
        .unwrap()
        .message
        .contains("404"));
    let o = outcome(Some(response(200, &[], "{}")), None, 10.0);
    assert_eq!(kind_of(&p, &o), "none");
}

#[test]
fn warnings_become_notes_and_diagnoses_are_redacted() {
    let p = prep(json!({"uri": "https://h.example/", "headers": {"Authorization": "Bearer backend-token-123"},
        "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "@parameters('clientSecret')"}}))
    .unwrap();
    let o = outcome(
        None,
        Some(Failure::Connect(format!("refused while sending {SECRET}"))),
        0.0,
    );
    let (d, notes) = diagnose(&p, &o, &CallOptions::default());
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].kind, "authorization_header");
    let text = serde_json::to_string(&d).unwrap();
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("<secret:clientSecret>"), "{text}");
    let ok = outcome(Some(response(200, &[], "")), None, 1.0);
    let (d, notes) = diagnose(&p, &ok, &CallOptions::default());
    assert!(d.is_none());
    assert_eq!(notes.len(), 1);
}

// ---------------------------------------------------------------------------
// cURL

#[test]
fn curl_with_entra_token_and_no_secrets() {
    let p = prep(json!({
        "method": "POST",
        "uri": "https://app-contoso.msappproxy.net/api/orders",
        "queries": {"q": "it's"},
        "headers": {"X-Api-Key": "@parameters('apiKey')", "Accept": "application/json", "Authorization": "Bearer backend-token-123"},
        "body": {"note": "it's here"},
        "cookie": "a=b",
        "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "contoso.onmicrosoft.com",
            "audience": "https://app-contoso.msappproxy.net/", "clientId": "cid", "secret": "@parameters('clientSecret')"}
    }))
    .unwrap();
    let opts = CallOptions {
        follow_redirects: true,
        ..CallOptions::default()
    };
    let c = curl::to_curl(&p, &opts);
    assert!(!c.contains(SECRET), "{c}");
    assert!(!c.contains(API_KEY), "{c}");
    assert!(!c.contains("backend-token-123"), "{c}");
    assert!(c.contains("TOKEN=$(curl -s -X POST 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token'"), "{c}");
    assert!(c.contains("client_secret=\"$CLIENT_SECRET\""), "{c}");
    assert!(
        c.contains("resource='https://app-contoso.msappproxy.net/'"),
        "{c}"
    );
    assert!(c.contains("jq -r .access_token)"), "{c}");
    assert!(
        c.contains("curl -X POST 'https://app-contoso.msappproxy.net/api/orders?q=it%27s'"),
        "{c}"
    );
    assert!(c.contains("-H \"Authorization: Bearer $TOKEN\""), "{c}");
    assert!(c.contains("-H \"X-Api-Key: $X_API_KEY\""), "{c}");
    assert!(c.contains("-H 'Accept: application/json'"), "{c}");
    assert!(c.contains("-H 'Content-Type: application/json'"), "{c}");
    assert!(c.contains(r#"--data-raw '{"note":"it'\''s here"}'"#), "{c}");
    assert!(c.contains("-b 'a=b'"), "{c}");
    assert!(c.contains("-L --max-redirs 10"), "{c}");
    assert!(c.contains("--max-time 100"), "{c}");
    assert_eq!(c.matches("Authorization").count(), 1, "{c}");
}

#[test]
fn curl_for_basic_raw_and_certificates() {
    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "Basic", "username": "alice", "password": "pa55word!"}})).unwrap();
    let c = curl::to_curl(&p, &CallOptions::default());
    assert!(c.contains("-u \"alice:$PASSWORD\""), "{c}");
    assert!(!c.contains("pa55word!") && !c.contains("-X"), "{c}");

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "Raw", "value": "SharedAccessSignature sig=zzzz"}})).unwrap();
    let c = curl::to_curl(&p, &CallOptions::default());
    assert!(c.contains("-H \"Authorization: $AUTHORIZATION\""), "{c}");
    assert!(!c.contains("sig=zzzz"), "{c}");

    let pfx = base64::engine::general_purpose::STANDARD.encode(b"pkcs12-bytes-here");
    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "ClientCertificate", "pfx": pfx, "password": "pfxpass!"}})).unwrap();
    let c = curl::to_curl(&p, &CallOptions::default());
    assert!(
        c.contains("--cert-type P12 --cert \"client.pfx:$PFX_PASSWORD\""),
        "{c}"
    );
    assert!(!c.contains("pfxpass!") && !c.contains(&pfx), "{c}");

    let p = prep(json!({"uri": "https://h.example/", "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "https://a/", "clientId": "c", "pfx": pfx}})).unwrap();
    let c = curl::to_curl(
        &p,
        &CallOptions {
            token_endpoint: lapis::invoke::TokenEndpoint::V2,
            ..CallOptions::default()
        },
    );
    assert!(c.contains("/t/oauth2/v2.0/token"), "{c}");
    assert!(c.contains("client_assertion=\"$CLIENT_ASSERTION\""), "{c}");
    // The audience as written: its trailing slash stays (Entra's rule).
    assert!(c.contains("scope='https://a//.default'"), "{c}");
}

// ---------------------------------------------------------------------------
// Whole calls, against a local echo server

async fn echo(req: axum::extract::Request) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let port = host.rsplit(':').next().unwrap_or("80").to_owned();
    let redirect = |status: u16, loc: String| {
        axum::http::Response::builder()
            .status(status)
            .header("Location", loc)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let path = parts.uri.path();
    if let Some(code) = path.strip_prefix("/redirect/") {
        return match code {
            "other-host" => redirect(302, format!("http://localhost:{port}/echo")),
            "loop" => redirect(302, "/redirect/loop".into()),
            c => redirect(c.parse().unwrap_or(302), "/echo?from=redirect".into()),
        };
    }
    if path == "/proxy" {
        return redirect(
            302,
            format!("http://127.0.0.1:{port}/tenant/oauth2/authorize?state=AppProxyState%3a%7b%22InvalidTokenRetry%22%3atrue%7d"),
        );
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let mut v = json!({
        "method": parts.method.as_str(),
        "path": path,
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&bytes),
    });
    // What arrived is kept here: the answer Lapis shows has the secrets
    // it sent replaced, and the tests check the wire.
    {
        let mut log = RECEIVED.lock().unwrap();
        v["id"] = json!(log.len());
        log.push(v.clone());
    }
    axum::http::Response::builder()
        .status(200)
        .header("Content-Type", "application/json")
        .body(axum::body::Body::from(v.to_string()))
        .unwrap()
}

async fn server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let app = axum::Router::new().fallback(echo);
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Every request the echo servers received, by id.
static RECEIVED: std::sync::Mutex<Vec<Value>> = std::sync::Mutex::new(Vec::new());

/// The request as the echo server received it (found by the id in its
/// answer).
fn echoed(o: &Outcome) -> Value {
    let r = o.response.as_ref().expect("an answer");
    let shown: Value = serde_json::from_slice(&r.body).expect("echo JSON");
    let id = shown["id"].as_u64().expect("an id") as usize;
    RECEIVED.lock().unwrap()[id].clone()
}

fn header<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["headers"]
        .as_array()?
        .iter()
        .find(|h| h[0].as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
        .and_then(|h| h[1].as_str())
}

fn prep_at(addr: SocketAddr, inputs: Map<String, Value>) -> Prepared {
    let mut inputs = inputs;
    let uri = inputs
        .get("uri")
        .and_then(Value::as_str)
        .unwrap_or("/echo")
        .to_owned();
    inputs.insert("uri".into(), json!(format!("http://{addr}{uri}")));
    prep(Value::Object(inputs)).expect("prepares")
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[tokio::test]
async fn call_without_auth_sends_the_request() {
    let addr = server().await;
    let p = prep_at(
        addr,
        obj(
            json!({"method": "PUT", "uri": "/echo", "queries": {"a": "b c"}, "headers": {"X-Api-Key": "@parameters('apiKey')"},
            "body": {"x": 1}, "cookie": "k=v"}),
        ),
    );
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    assert!(o.failure.is_none(), "{:?}", o.failure);
    assert!(o.is_success());
    assert!(o.diagnosis.is_none());
    let v = echoed(&o);
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["query"], "a=b%20c");
    assert_eq!(v["body"], r#"{"x":1}"#);
    assert_eq!(header(&v, "content-type"), Some("application/json"));
    assert_eq!(header(&v, "cookie"), Some("k=v"));
    assert_eq!(header(&v, "x-api-key"), Some(API_KEY));
    // The request summary hides the key.
    let sent = serde_json::to_string(&o.request).unwrap();
    assert!(!sent.contains(API_KEY), "{sent}");
    assert!(sent.contains("<secret:apiKey>"));
    assert!(o.timings.total > 0.0);
    assert!(chrono::DateTime::parse_from_rfc3339(&o.started_at).is_ok());
}

#[tokio::test]
async fn call_with_basic_and_raw() {
    let addr = server().await;
    let p = prep_at(
        addr,
        obj(
            json!({"authentication": {"type": "Basic", "username": "alice", "password": "pa55word!"}}),
        ),
    );
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    let v = echoed(&o);
    assert_eq!(
        header(&v, "authorization"),
        Some("Basic YWxpY2U6cGE1NXdvcmQh")
    );
    let sent = serde_json::to_string(&o.request).unwrap();
    assert!(!sent.contains("YWxpY2U6cGE1NXdvcmQh"), "{sent}");
    // The server echoed the credentials: the answer shows a placeholder,
    // and a note says why.
    let shown = String::from_utf8(o.response.as_ref().unwrap().body.clone()).unwrap();
    assert!(!shown.contains("YWxpY2U6cGE1NXdvcmQh"), "{shown}");
    assert!(
        shown.contains("Basic <secret:basic-credentials>"),
        "{shown}"
    );
    assert!(
        o.notes.iter().any(|n| n.kind == "redacted"),
        "{:?}",
        o.notes
    );

    let p = prep_at(
        addr,
        obj(
            json!({"headers": {"Authorization": "Bearer from-the-action"},
            "authentication": {"type": "Raw", "value": "SharedAccessSignature sig=abcd"}}),
        ),
    );
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    let v = echoed(&o);
    assert_eq!(
        header(&v, "authorization"),
        Some("SharedAccessSignature sig=abcd")
    );
    assert_eq!(
        v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h[0] == "authorization")
            .count(),
        1,
        "the action's Authorization is replaced"
    );
    assert!(o.notes.iter().any(|n| n.kind == "authorization_header"));
    let sent = serde_json::to_string(&o.request).unwrap();
    assert!(!sent.contains("sig=abcd"), "{sent}");
}

#[tokio::test]
async fn managed_identity_needs_a_supplied_token() {
    let addr = server().await;
    let p = prep_at(
        addr,
        obj(
            json!({"authentication": {"type": "ManagedServiceIdentity", "audience": "https://a/"}}),
        ),
    );
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    assert!(o.response.is_none());
    assert_eq!(o.diagnosis.as_ref().unwrap().kind, "managed_identity");

    let opts = CallOptions {
        user_token: Some(Secret::new("user-supplied-token-xyz")),
        ..CallOptions::default()
    };
    let o = call(&p, &opts, &TokenCache::new()).await;
    let v = echoed(&o);
    assert_eq!(
        header(&v, "authorization"),
        Some("Bearer user-supplied-token-xyz")
    );
    let sent = serde_json::to_string(&o.request).unwrap();
    assert!(sent.contains("Bearer <token>"), "{sent}");
}

#[tokio::test]
async fn redirects_followed_or_not() {
    let addr = server().await;
    let opts = CallOptions::default();
    let p = prep_at(addr, obj(json!({"uri": "/redirect/302"})));
    let o = call(&p, &opts, &TokenCache::new()).await;
    assert_eq!(
        o.response.as_ref().unwrap().status,
        302,
        "not followed by default"
    );
    assert_eq!(o.diagnosis.as_ref().unwrap().kind, "http_status");

    let follow = CallOptions {
        follow_redirects: true,
        ..CallOptions::default()
    };
    // POST + 302 → GET without body; POST + 307 keeps both.
    let p = prep_at(
        addr,
        obj(json!({"method": "POST", "uri": "/redirect/302", "body": "data"})),
    );
    let o = call(&p, &follow, &TokenCache::new()).await;
    let v = echoed(&o);
    assert_eq!(
        (v["method"].as_str(), v["body"].as_str()),
        (Some("GET"), Some(""))
    );
    assert_eq!(v["query"], "from=redirect");
    assert!(o.notes.iter().any(|n| n.kind == "redirects"));
    let p = prep_at(
        addr,
        obj(json!({"method": "POST", "uri": "/redirect/307", "body": "data"})),
    );
    let v = echoed(&call(&p, &follow, &TokenCache::new()).await);
    assert_eq!(
        (v["method"].as_str(), v["body"].as_str()),
        (Some("POST"), Some("data"))
    );
    let p = prep_at(
        addr,
        obj(json!({"method": "PUT", "uri": "/redirect/303", "body": "data"})),
    );
    let v = echoed(&call(&p, &follow, &TokenCache::new()).await);
    assert_eq!(v["method"], "GET");

    // A new host loses the Authorization header.
    let p = prep_at(
        addr,
        obj(
            json!({"uri": "/redirect/other-host", "authentication": {"type": "Raw", "value": "Token abcd-1234"}}),
        ),
    );
    let v = echoed(&call(&p, &follow, &TokenCache::new()).await);
    assert_eq!(header(&v, "authorization"), None);
    let p = prep_at(
        addr,
        obj(
            json!({"uri": "/redirect/307", "authentication": {"type": "Raw", "value": "Token abcd-1234"}}),
        ),
    );
    let v = echoed(&call(&p, &follow, &TokenCache::new()).await);
    assert_eq!(header(&v, "authorization"), Some("Token abcd-1234"));

    // A loop stops after 10.
    let p = prep_at(addr, obj(json!({"uri": "/redirect/loop"})));
    let o = call(&p, &follow, &TokenCache::new()).await;
    assert_eq!(o.response.as_ref().unwrap().status, 302);

    // A sign-in redirect (local stand-in) is diagnosed, not followed.
    let p = prep_at(
        addr,
        obj(
            json!({"uri": "/proxy", "authentication": {"type": "Raw", "value": "Bearer abcd-token"}}),
        ),
    );
    let o = call(&p, &opts, &TokenCache::new()).await;
    assert_eq!(o.diagnosis.as_ref().unwrap().kind, "proxy_rejected_token");
}

#[tokio::test]
async fn connection_refused_is_diagnosed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let p = prep_at(addr, obj(json!({})));
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    assert!(
        matches!(o.failure, Some(Failure::Connect(_))),
        "{:?}",
        o.failure
    );
    assert_eq!(o.diagnosis.as_ref().unwrap().kind, "connect");
}

/// A server that answers every request with `status` and an nginx-like
/// page, and no App Proxy headers.
async fn gateway(status: u16) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let app = axum::Router::new().fallback(move || async move {
            axum::http::Response::builder()
                .status(status)
                .header("Server", "nginx")
                .body(axum::body::Body::from(
                    "<html><center>nginx</center></html>",
                ))
                .unwrap()
        });
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn a_502_or_504_without_app_proxy_is_not_blamed_on_its_connector() {
    for (status, kind) in [(502, "bad_gateway"), (504, "gateway_timeout")] {
        let addr = gateway(status).await;
        let p = prep_at(addr, obj(json!({"method": "GET", "uri": "/x"})));
        let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
        let d = o.diagnosis.expect("a diagnosis");
        assert_eq!(d.kind, kind, "{d:?}");
        assert!(d.message.contains("gateway or reverse proxy"), "{d:?}");
        let all = format!("{} {}", d.message, d.hint.unwrap_or_default());
        assert!(!all.contains("connector"), "{all}");
    }
}

#[tokio::test]
async fn logic_apps_headers_are_sent_and_dropped_headers_are_not() {
    let addr = server().await;
    let p = prep_at(
        addr,
        obj(json!({"method": "GET", "uri": "/echo", "headers": {
            "Cookie": "a=b", "Content-Language": "fr", "Host": "evil.example",
            "Accept": "application/json", "Accept-Encoding": "br", "X-Kept": "yes"
        }})),
    );
    // Dropped as Logic Apps drops them, and said.
    let names: Vec<&str> = p.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["Accept", "X-Kept"], "{names:?}");
    for h in ["Cookie", "Content-Language", "Host", "Accept-Encoding"] {
        assert!(
            p.warnings.iter().any(|w| w.contains(h)),
            "{h}: {:?}",
            p.warnings
        );
    }
    assert!(p.warnings.iter().any(|w| w.contains("`cookie` input")));
    assert!(p.platform_headers.len() >= 10);
    for (k, _) in &p.platform_headers {
        assert!(lapis::invoke::prepare::is_platform_header(k), "{k}");
    }
    assert!(!lapis::invoke::prepare::is_platform_header("X-Kept"));
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    let v = echoed(&o);
    let ua = header(&v, "user-agent").unwrap();
    assert!(ua.starts_with("azure-logic-apps/1.0,(workflow "), "{ua}");
    assert_eq!(header(&v, "x-ms-workflow-operation-name"), Some("Call_API"));
    assert_eq!(header(&v, "x-ms-workflow-name"), Some("workflow"));
    let run = header(&v, "x-ms-workflow-run-id").unwrap();
    assert_eq!(header(&v, "x-ms-client-tracking-id"), Some(run));
    assert_eq!(header(&v, "host").unwrap(), addr.to_string());
    assert_eq!(header(&v, "cookie"), None);
    assert_eq!(header(&v, "x-kept"), Some("yes"));
    // The request shown carries them too; an action's own User-Agent wins.
    assert!(o
        .request
        .headers
        .iter()
        .any(|(k, _)| k == "x-ms-workflow-run-id"));
    let p = prep_at(
        addr,
        obj(json!({"method": "GET", "uri": "/echo", "headers": {"User-Agent": "mine/1"}})),
    );
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    assert_eq!(header(&echoed(&o), "user-agent"), Some("mine/1"));
}

#[tokio::test]
async fn a_202_with_a_location_notes_the_asynchronous_pattern() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let app = axum::Router::new().fallback(|| async {
            axum::http::Response::builder()
                .status(202)
                .header("Location", "/status/1")
                .body(axum::body::Body::empty())
                .unwrap()
        });
        let _ = axum::serve(listener, app).await;
    });
    let p = prep_at(addr, obj(json!({"method": "POST", "uri": "/jobs"})));
    let o = call(&p, &CallOptions::default(), &TokenCache::new()).await;
    assert_eq!(o.response.as_ref().unwrap().status, 202);
    assert!(o.is_success());
    let n = o
        .notes
        .iter()
        .find(|n| n.kind == "async_pattern")
        .expect("a note");
    assert!(n.message.contains("DisableAsyncPattern"), "{}", n.message);
}
