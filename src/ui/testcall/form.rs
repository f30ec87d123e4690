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

/// The parameters `action` refers to (`parameters('name')` in its JSON).
fn used_by(action: Option<&Value>, params: &[Declared]) -> Vec<bool> {
    let text = action.map(Value::to_string).unwrap_or_default();
    params
        .iter()
        .map(|p| text.contains(&format!("parameters('{}')", p.name)))
        .collect()
}

/// How a parameter stands before Send.
enum Standing {
    /// A plain value typed, or the file's default.
    Plain,
    /// A plain parameter with neither.
    PlainMissing,
    /// A secret kept in this session's memory.
    Kept,
    /// A secret in a `LAPIS_SECRET_` variable.
    Environment(String),
    /// A secret not known yet (the keychain is asked at Send).
    Unknown,
}

fn standing(t: &TestCalls, p: &Declared, in_session: &[String]) -> Standing {
    if is_secure(&p.ty) {
        if in_session.contains(&p.name) {
            return Standing::Kept;
        }
        let var = crate::secrets::env_var_name(&p.name);
        if std::env::var_os(&var).is_some() {
            return Standing::Environment(var);
        }
        Standing::Unknown
    } else if p.default.is_none()
        && t.form
            .values
            .get(&p.name)
            .is_none_or(|v| v.trim().is_empty())
    {
        Standing::PlainMissing
    } else {
        Standing::Plain
    }
}

/// The form; true when "Use and send" was pressed. The parameters the
/// action uses come first; the workflow's others are folded below them.
/// Each action's form first shows open when one of the parameters it uses
/// has no value, and keeps its own open or folded state.
pub(super) fn show(
    ui: &mut Ui,
    t: &mut TestCalls,
    doc: &Document,
    wf: usize,
    name: &str,
    action: Option<&Value>,
) -> bool {
    let params = declared(doc, wf);
    if params.is_empty() {
        return false;
    }
    let used = used_by(action, &params);
    let reveal = std::mem::take(&mut t.form.reveal);
    let in_session = t.store.names();
    let lacking = params.iter().zip(&used).any(|(p, u)| {
        *u && matches!(
            standing(t, p, &in_session),
            Standing::PlainMissing | Standing::Unknown
        )
    });
    let mut send = false;
    let header = egui::CollapsingHeader::new("Parameters and secrets")
        .id_salt(("test-params", name))
        .default_open(lacking);
    let header = if reveal {
        header.open(Some(true))
    } else {
        header
    };
    header.show(ui, |ui| {
        ui.weak("Values for this session's test calls; empty plain values use the file's. Secrets are masked and kept in memory only.");
        let mine: Vec<&Declared> = params
            .iter()
            .zip(&used)
            .filter_map(|(p, u)| u.then_some(p))
            .collect();
        let others: Vec<&Declared> = params
            .iter()
            .zip(&used)
            .filter_map(|(p, u)| (!u).then_some(p))
            .collect();
        if mine.is_empty() {
            ui.weak("This action uses no parameter.");
        }
        for p in &mine {
            send |= param_row(ui, t, p, &in_session);
        }
        if !others.is_empty() {
            egui::CollapsingHeader::new(format!(
                "Other parameters of the workflow ({})",
                others.len()
            ))
            .id_salt(("test-params-others", name))
            .default_open(others.iter().any(|p| t.form.missing.as_deref() == Some(&p.name)))
            .show(ui, |ui| {
                for p in &others {
                    send |= param_row(ui, t, p, &in_session);
                }
            });
        }
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

/// One parameter: its name, its field as wide as the tab allows, its type,
/// and under it what is known of its value. True when Enter was pressed in
/// a secret's field.
fn param_row(ui: &mut Ui, t: &mut TestCalls, p: &Declared, in_session: &[String]) -> bool {
    const NAME_WIDTH: f32 = 120.0;
    const TYPE_WIDTH: f32 = 90.0;
    let secure = is_secure(&p.ty);
    let stand = standing(t, p, in_session);
    let missing = t.form.missing.as_deref() == Some(&p.name);
    let mut send = false;
    ui.horizontal(|ui| {
        let height = ui.spacing().interact_size.y;
        ui.allocate_ui_with_layout(
            egui::vec2(NAME_WIDTH, height),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                ui.set_min_width(NAME_WIDTH);
                ui.add(egui::Label::new(RichText::new(&p.name).monospace()).truncate())
                    .on_hover_text(&p.name);
            },
        );
        let width = (ui.available_width() - TYPE_WIDTH).max(120.0);
        let name = format!("Value of {}", p.name);
        if secure {
            let v = t.form.secrets.entry(p.name.clone()).or_default();
            let hint = match &stand {
                Standing::Kept => "kept for this session (type to replace)",
                Standing::Environment(_) => "from the environment (type to replace)",
                _ => "secret: type it here",
            };
            let r = ui
                .add(
                    egui::TextEdit::singleline(v)
                        .password(true)
                        .hint_text(hint)
                        .desired_width(width),
                )
                .accessible_name(name);
            if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !v.is_empty() {
                send = true;
            }
            ui.weak("🔒 secret").on_hover_text(&p.ty);
        } else {
            let v = t.form.values.entry(p.name.clone()).or_default();
            let hint = p
                .default
                .clone()
                .unwrap_or_else(|| "no value in the file".into());
            ui.add(
                egui::TextEdit::singleline(v)
                    .hint_text(hint)
                    .desired_width(width),
            )
            .accessible_name(name);
            ui.weak(&p.ty);
        }
    });
    // What is known of the value, under the field.
    let note = |ui: &mut Ui, text: String, error: bool| {
        ui.horizontal(|ui| {
            ui.add_space(NAME_WIDTH + ui.spacing().item_spacing.x);
            if error {
                ui.colored_label(ui.visuals().error_fg_color, text);
            } else {
                ui.weak(text);
            }
        });
    };
    match stand {
        Standing::PlainMissing | Standing::Unknown if missing => {
            note(ui, "✖ needed for this call".into(), true);
        }
        Standing::Kept => note(ui, "🔒 kept for this session".into(), false),
        Standing::Environment(var) => note(ui, format!("🔒 from {var}"), false),
        _ => {}
    }
    send
}
