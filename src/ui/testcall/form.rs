//! The parameters form of the Test tab: every parameter of the workflow in
//! one place, filled before Send. Plain values are overrides for this
//! session's calls; secure ones are typed masked, kept in memory for the
//! session (and in the OS keychain when asked), and never drawn again.

use super::TestCalls;
use crate::secrets::Secret;
use crate::workflow::Document;
use egui::{RichText, Ui};
use serde_json::Value;
use std::collections::BTreeMap;

/// What is typed in the form.
#[derive(Default)]
pub struct ParamForm {
    /// Plain parameters' values, as typed (empty: the file's value).
    pub values: BTreeMap<String, String>,
    /// Secure parameters' values being typed (moved to the session's
    /// store at Send, then cleared).
    pub secrets: BTreeMap<String, String>,
    /// Also store the typed secrets in the OS keychain.
    pub remember: bool,
    /// The parameter the last call lacked, shown as such.
    pub missing: Option<String>,
    /// Open the form on the next frame (a value is missing).
    pub reveal: bool,
}

impl std::fmt::Debug for ParamForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let masked: Vec<(&String, &str)> = self
            .secrets
            .iter()
            .map(|(k, v)| (k, super::mask(v)))
            .collect();
        f.debug_struct("ParamForm")
            .field("values", &self.values)
            .field("secrets", &masked)
            .field("remember", &self.remember)
            .field("missing", &self.missing)
            .finish()
    }
}

impl ParamForm {
    /// The plain values typed, as `--param` style overrides.
    pub fn overrides(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A parameter of the definition: its name, type and default as text.
struct Declared {
    name: String,
    ty: String,
    default: Option<String>,
}

fn declared(doc: &Document, wf: usize) -> Vec<Declared> {
    let Some(Value::Object(params)) = doc.definition(wf).get("parameters") else {
        return Vec::new();
    };
    params
        .iter()
        .map(|(name, decl)| Declared {
            name: name.clone(),
            ty: decl
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            default: decl.get("defaultValue").map(|v| match v {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            }),
        })
        .collect()
}

fn is_secure(ty: &str) -> bool {
    ty.to_ascii_lowercase().starts_with("secure")
}

/// Takes the typed secrets into the session's store (and the keychain
/// when asked), clearing them from the form.
pub(super) fn take_secrets(t: &mut TestCalls) {
    let typed = std::mem::take(&mut t.form.secrets);
    for (name, mut value) in typed {
        if value.is_empty() {
            continue;
        }
        let secret = Secret::new(value.clone());
        zeroize::Zeroize::zeroize(&mut value);
        t.store.set(&name, secret.clone());
        if t.form.remember {
            // The keychain may block (D-Bus): not on the UI thread.
            let store = t.store.clone();
            let note = t.keychain_note.clone();
            std::thread::spawn(move || {
                let text = match store.remember(&name, secret) {
                    Ok(()) => Ok(format!("`{name}` is remembered in the OS keychain.")),
                    Err(e) => Err(format!(
                        "`{name}` could not be remembered in the OS keychain ({e}); it is kept for this session only."
                    )),
                };
                if let Ok(mut n) = note.lock() {
                    *n = Some(text);
                }
            });
        }
    }
    t.form.missing = None;
}

/// The form; true when "Use and send" was pressed.
pub(super) fn show(ui: &mut Ui, t: &mut TestCalls, doc: &Document, wf: usize) -> bool {
    let params = declared(doc, wf);
    if params.is_empty() {
        return false;
    }
    let reveal = std::mem::take(&mut t.form.reveal);
    let in_session = t.store.names();
    let mut send = false;
    let header = egui::CollapsingHeader::new("Parameters and secrets")
        .id_salt("test-params")
        .default_open(true);
    let header = if reveal {
        header.open(Some(true))
    } else {
        header
    };
    header.show(ui, |ui| {
        ui.weak("Values for this session's test calls; empty plain values use the file's. Secrets are masked and kept in memory only.");
        egui::Grid::new("test-param-grid")
            .num_columns(3)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                for p in &params {
                    let secure = is_secure(&p.ty);
                    ui.label(RichText::new(&p.name).monospace())
                        .on_hover_text(&p.ty);
                    let name = format!("Value of {}", p.name);
                    if secure {
                        let v = t.form.secrets.entry(p.name.clone()).or_default();
                        let kept = in_session.contains(&p.name);
                        let hint = if kept {
                            "kept for this session (type to replace)"
                        } else {
                            "secret: type it here"
                        };
                        let r = ui.add(
                            egui::TextEdit::singleline(v)
                                .password(true)
                                .hint_text(hint)
                                .desired_width(260.0),
                        );
                        let r = r.accessible_name(name);
                        if r.lost_focus()
                            && ui.input(|i| i.key_pressed(egui::Key::Enter))
                            && !v.is_empty()
                        {
                            send = true;
                        }
                        if t.form.missing.as_deref() == Some(&p.name) && !kept {
                            ui.colored_label(ui.visuals().error_fg_color, "✖ needed for this call");
                        } else if kept {
                            ui.weak("🔒 kept for this session");
                        } else {
                            ui.weak("🔒 secret");
                        }
                    } else {
                        let v = t.form.values.entry(p.name.clone()).or_default();
                        let hint = p.default.clone().unwrap_or_else(|| "no value in the file".into());
                        ui.add(
                            egui::TextEdit::singleline(v)
                                .hint_text(hint)
                                .desired_width(260.0),
                        )
                        .accessible_name(name);
                        if t.form.missing.as_deref() == Some(&p.name) && v.trim().is_empty() {
                            ui.colored_label(ui.visuals().error_fg_color, "✖ needed for this call");
                        } else {
                            ui.weak(&p.ty);
                        }
                    }
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            ui.checkbox(&mut t.form.remember, "Remember in the OS keychain");
            if ui
                .add_enabled(t.running_action().is_none(), egui::Button::new("Use and send"))
                .clicked()
            {
                send = true;
            }
        });
    });
    send
}
