//! The callback URL of the selected Request trigger, signed as
//! `lapis serve` checks it: choose the key, optionally an expiry, copy the
//! URL. The key store is read on a worker thread (the keychain blocks);
//! the answer comes back through shared state and a repaint.

use crate::serve::server;
use crate::serve::{KeyKind, KeyStore};
use crate::ui::session::Session;
use egui::Ui;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
struct State {
    secondary: bool,
    not_after: String,
    base: String,
    result: Arc<Mutex<Option<Result<String, String>>>>,
}

impl Default for State {
    fn default() -> Self {
        State {
            secondary: false,
            not_after: String::new(),
            base: "http://127.0.0.1:7071".into(),
            result: Arc::default(),
        }
    }
}

/// Draws the "Callback URL" section of Request trigger `trigger`.
pub fn section(ui: &mut Ui, session: &Session, trigger: &str) {
    egui::CollapsingHeader::new("Callback URL (lapis serve)")
        .id_salt("lapis-serve-url-header")
        .default_open(true)
        .show(ui, |ui| {
            ui.push_id(("lapis-serve-url", trigger), |ui| {
                body(ui, session, trigger)
            });
        });
}

fn body(ui: &mut Ui, session: &Session, trigger: &str) {
    let id = egui::Id::unique(("lapis-serve-url-state", trigger));
    let mut st: State = ui.data_mut(|d| d.get_temp_mut_or_default::<State>(id).clone());
    ui.horizontal(|ui| {
        ui.radio_value(&mut st.secondary, false, "Primary key");
        ui.radio_value(&mut st.secondary, true, "Secondary key");
    });
    ui.horizontal(|ui| {
        let l = ui.label("Not after (RFC 3339, optional)");
        ui.add(egui::TextEdit::singleline(&mut st.not_after).hint_text("2026-12-31T23:59:00Z"))
            .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        let l = ui.label("Serve address");
        ui.text_edit_singleline(&mut st.base).labelled_by(l.id);
    });
    if ui.button("Show callback URL").clicked() {
        start(ui.ctx(), session, trigger, &st);
    }
    let result = st.result.lock().map(|r| r.clone()).unwrap_or(None);
    match result {
        None => {
            ui.weak("Run `lapis serve FILE` to answer this URL; regenerate keys with `lapis keys regenerate`.");
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        Some(Ok(url)) => {
            let mut shown = url.clone();
            let l = ui.label("Callback URL");
            ui.add(
                egui::TextEdit::multiline(&mut shown)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
            if ui.button("Copy callback URL").clicked() {
                ui.ctx().copy_text(url);
            }
        }
    }
    ui.data_mut(|d| d.insert_temp(id, st));
}

fn start(ctx: &egui::Context, session: &Session, trigger: &str, st: &State) {
    let slot = st.result.clone();
    let set = |r: Result<String, String>| {
        if let Ok(mut s) = slot.lock() {
            *s = Some(r);
        }
    };
    let not_after = match st.not_after.trim() {
        "" => None,
        t => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(d) => Some(d.with_timezone(&chrono::Utc)),
            Err(e) => {
                set(Err(format!(
                    "Not after `{t}` is not an RFC 3339 time ({e}); write e.g. 2026-12-31T23:59:00Z"
                )));
                return;
            }
        },
    };
    let Some(file) = session.path().cloned() else {
        set(Err(
            "Save the workflow first: access keys belong to a file.".into(),
        ));
        return;
    };
    let index = session.workflow;
    let kind = if st.secondary {
        KeyKind::Secondary
    } else {
        KeyKind::Primary
    };
    let trigger = trigger.to_owned();
    let base = st.base.trim().to_owned();
    let ctx = ctx.clone();
    if let Ok(mut s) = slot.lock() {
        *s = None;
    }
    std::thread::spawn(move || {
        let r = (|| {
            let all = server::load(std::slice::from_ref(&file))?;
            let wf = all
                .iter()
                .find(|w| w.index == index)
                .ok_or("this workflow has no Request trigger in the saved file")?;
            let keys = KeyStore::open_default()?;
            server::callback_url(&keys, wf, Some(&trigger), kind, not_after, &base)
        })();
        if let Ok(mut s) = slot.lock() {
            *s = Some(r);
        }
        ctx.request_repaint();
    });
}
