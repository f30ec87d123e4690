//! The designer shows the callback URL of the selected Request trigger,
//! signed as `lapis serve` checks it (key choice, expiry, copy), driven by
//! accessible labels.

mod common;
use common::app::{app_with, click, select, type_in};

use egui_kittest::kittest::Queryable;
use lapis::serve::sas;
use lapis::serve::server::invoke_path;
use lapis::serve::{KeyKind, KeyStore};
use serde_json::json;

fn url_in_field(h: &mut egui_kittest::Harness<'static, lapis::ui::LapisApp>) -> String {
    for _ in 0..200 {
        h.run();
        if let Some(n) = h.query_by_label("Callback URL") {
            if let Some(v) = n.value() {
                return v.to_string();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no callback URL shown");
}

#[test]
fn the_selected_request_trigger_shows_a_signed_callback_url() {
    let dir = tempfile::tempdir().unwrap();
    // This test file is its own process: the environment is ours.
    std::env::set_var("LAPIS_DATA_DIR", dir.path().join("data"));
    std::env::set_var("LAPIS_NO_KEYCHAIN", "1");
    let file = dir.path().join("orders.json");
    let def = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"method": "POST"}}},
        "actions": {"Response": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 200}, "runAfter": {}}},
        "outputs": {}
    });
    std::fs::write(&file, serde_json::to_vec_pretty(&def).unwrap()).unwrap();
    let mut h = app_with(Some(file.clone()));
    select(&mut h, "manual");
    click(&mut h, "Show callback URL");
    let url = url_in_field(&mut h);
    let base = "http://127.0.0.1:7071";
    let path = invoke_path("orders", "manual", false);
    assert!(
        url.starts_with(&format!(
            "{base}{path}?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig="
        )),
        "{url}"
    );
    let keys = KeyStore::file_only(&dir.path().join("data"));
    let k = keys
        .current(&lapis::serve::keys::workflow_id(&file, "orders"))
        .unwrap()
        .expect("keys were made");
    let query = url.split_once('?').unwrap().1;
    let p = sas::params(query).unwrap();
    assert_eq!(
        sas::verify(&k, &path, "manual", &p, chrono::Utc::now()),
        Ok(KeyKind::Primary)
    );
    // The secondary key, with an expiry.
    click(&mut h, "Secondary key");
    type_in(
        &mut h,
        "Not after (RFC 3339, optional)",
        "2099-01-01T00:00:00Z",
    );
    click(&mut h, "Show callback URL");
    let mut url2 = url_in_field(&mut h);
    for _ in 0..100 {
        if url2 != url {
            break;
        }
        url2 = url_in_field(&mut h);
    }
    assert!(url2.contains("&se=2099-01-01T00%3A00%3A00Z&sig="), "{url2}");
    let p = sas::params(url2.split_once('?').unwrap().1).unwrap();
    assert_eq!(
        sas::verify(&k, &path, "manual", &p, chrono::Utc::now()),
        Ok(KeyKind::Secondary)
    );
    click(&mut h, "Copy callback URL");
    // A bad expiry says what is wrong, and shows no URL.
    let field = "Not after (RFC 3339, optional)";
    h.get_by_label(field).focus();
    h.run();
    h.get_by_label(field).type_text("x");
    h.run();
    click(&mut h, "Show callback URL");
    h.run();
    assert!(h
        .query_by_label_contains("is not an RFC 3339 time")
        .is_some());
    assert!(h.query_by_label("Callback URL").is_none());
}
