//! The parts of the HTTP form too particular for the manifest's table:
//! authentication (type picker, the type's fields, certificates) and the
//! warning about an Authorization header that App Proxy would replace.

use super::pfx::{read_pfx, PfxJob};
use super::widgets::{block, child, combo, row, Field, Form, Kind};
use crate::workflow::edit::Edit;
use crate::workflow::model::{AadOAuth, Authentication, CredentialType};
use crate::workflow::oauth_check::{check_oauth, OAuthField};
use egui::Ui;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::mpsc;

/// Authentication types offered by the picker, as Logic Apps spells them.
pub(crate) const AUTH_TYPES: &[&str] = &[
    "None",
    "Basic",
    "ClientCertificate",
    "ActiveDirectoryOAuth",
    "Raw",
    "ManagedServiceIdentity",
];

/// What the picker shows for each of [`AUTH_TYPES`], as the portal names
/// them; the JSON keeps Logic Apps' values.
pub(crate) const AUTH_LABELS: &[&str] = &[
    "None",
    "Basic",
    "Client certificate",
    "Active Directory OAuth",
    "Raw",
    "Managed identity",
];

/// The picker's label for an authentication type (as Logic Apps spells
/// it, any case); other text is shown as it is.
pub(crate) fn auth_label(type_name: &str) -> &str {
    AUTH_TYPES
        .iter()
        .position(|t| t.eq_ignore_ascii_case(type_name))
        .map_or(type_name, |i| AUTH_LABELS[i])
}

/// App Proxy puts its Entra token in `Authorization`: a header of that name
/// set by the action cannot reach the backend.
pub(crate) fn authorization_clash(ui: &mut Ui, f: &mut Form, inputs: &str) {
    let Some(Value::Object(h)) = f.get(&child(inputs, "headers")) else {
        return;
    };
    if !h.keys().any(|k| k.eq_ignore_ascii_case("Authorization")) {
        return;
    }
    let aad = matches!(
        f.get(&child(inputs, "authentication"))
            .map(Authentication::read),
        Some(Authentication::ActiveDirectoryOAuth(_))
    );
    if aad {
        ui.colored_label(
            f.theme.warning,
            "⚠ The Entra token goes in the Authorization header, so the backend will not \
             see this one. Use a custom header (such as PRIVATE-TOKEN) or a cookie instead.",
        );
    }
}

/// The fields a type of authentication has, by JSON name.
fn auth_fields(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "Basic" => &["username", "password"],
        "ClientCertificate" => &["pfx", "password"],
        "ActiveDirectoryOAuth" => &[
            "authority",
            "tenant",
            "audience",
            "clientId",
            "credentialType",
            "secret",
            "pfx",
            "password",
        ],
        "Raw" => &["value"],
        "ManagedServiceIdentity" => &["identity", "audience"],
        _ => &[],
    }
}

/// The authentication picker and the fields of the type picked.
pub(crate) fn authentication(ui: &mut Ui, f: &mut Form, auth: &str) {
    let value = f.get(auth).cloned();
    let read = value.as_ref().map(Authentication::read);
    let current = match &read {
        None | Some(Authentication::None) => "None".to_owned(),
        Some(Authentication::Expression(_)) => "(expression)".to_owned(),
        Some(Authentication::Other { type_name }) if type_name.is_empty() => "(unknown)".into(),
        Some(a) => a.type_name().to_owned(),
    };
    super::widgets::form_grid(("lapis-auth", auth)).show(ui, |ui| {
        let l = ui.label("Authentication type");
        ui.vertical(|ui| {
            if let Some(i) = combo(ui, auth, l.id, auth_label(&current), AUTH_LABELS) {
                set_auth_type(f, auth, AUTH_TYPES[i]);
            }
            f.show_error(ui, auth);
        });
        ui.end_row();
        let p = |k: &str| child(auth, k);
        match &read {
            None | Some(Authentication::None) => {}
            Some(Authentication::Basic { .. }) => {
                row(ui, f, &Field::new("Username", p("username")));
                row(ui, f, &Field::new("Password", p("password")).secret());
            }
            Some(Authentication::ClientCertificate { .. }) => {
                pfx_row(ui, f, &p("pfx"));
                row(
                    ui,
                    f,
                    &Field::new("Password", p("password")).secret().optional(),
                );
            }
            Some(Authentication::ActiveDirectoryOAuth(a)) => aad(ui, f, auth, a),
            Some(Authentication::Raw { .. }) => {
                row(
                    ui,
                    f,
                    &Field::new("Value", p("value"))
                        .secret()
                        .hint("the whole Authorization header"),
                );
            }
            Some(Authentication::ManagedServiceIdentity { .. }) => {
                row(
                    ui,
                    f,
                    &Field::new("Identity", p("identity"))
                        .optional()
                        .hint("system-assigned; or a user-assigned identity's resource id"),
                );
                row(ui, f, &Field::new("Audience", p("audience")).optional());
            }
            Some(Authentication::Expression(_)) => {
                row(
                    ui,
                    f,
                    &Field::new("Authentication expression", auth.to_owned()).optional(),
                );
            }
            Some(Authentication::Other { .. }) => {}
        }
    });
    if let Some(Authentication::Other { type_name }) = &read {
        let what = if type_name.is_empty() {
            "This authentication has no known type".to_owned()
        } else {
            format!("The authentication type `{type_name}` is not one the form knows")
        };
        ui.colored_label(f.theme.warning, format!("{what}; edit it as JSON:"));
        block(
            ui,
            f,
            &Field::new("Authentication JSON", auth.to_owned())
                .kind(Kind::Json)
                .rows(5),
        );
    }
}

/// Switches the authentication type, keeping the fields the new type also
/// has. "None" removes `authentication`.
fn set_auth_type(f: &mut Form, auth: &str, new: &str) {
    if new == "None" {
        if f.get(auth).is_some() {
            f.apply(
                Edit::Remove {
                    pointer: auth.to_owned(),
                },
                auth,
            );
        }
        return;
    }
    let old = f.get(auth).and_then(Value::as_object).cloned();
    if old
        .as_ref()
        .and_then(|o| o.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(new))
    {
        return;
    }
    let mut m = Map::new();
    m.insert("type".into(), Value::String(new.to_owned()));
    if let Some(old) = &old {
        for k in auth_fields(new) {
            if let Some(v) = old.get(*k) {
                m.insert((*k).to_owned(), v.clone());
            }
        }
    }
    f.apply(
        Edit::Set {
            pointer: auth.to_owned(),
            value: Value::Object(m),
        },
        auth,
    );
}

/// The checks of authority, tenant and audience (against the action's
/// URI) for `field`, as a row under it: they run as the user types.
fn oauth_checks(ui: &mut Ui, f: &Form, auth: &str, field: OAuthField) {
    let text = |ptr: String| f.get(&ptr).and_then(Value::as_str).map(str::to_owned);
    let uri = auth
        .rsplit_once('/')
        .and_then(|(inputs, _)| text(child(inputs, "uri")));
    let findings = check_oauth(
        text(child(auth, "authority")).as_deref(),
        text(child(auth, "tenant")).as_deref(),
        text(child(auth, "audience")).as_deref(),
        uri.as_deref(),
    );
    let mine: Vec<_> = findings.into_iter().filter(|x| x.field == field).collect();
    if mine.is_empty() {
        return;
    }
    ui.label("");
    ui.vertical(|ui| {
        for x in mine {
            if x.error {
                ui.colored_label(f.theme.error, format!("✖ {}", x.message));
            } else {
                ui.colored_label(f.theme.warning, format!("⚠ {}", x.message));
            }
        }
    });
    ui.end_row();
}

/// The fields of ActiveDirectoryOAuth.
fn aad(ui: &mut Ui, f: &mut Form, auth: &str, a: &AadOAuth) {
    let p = |k: &str| child(auth, k);
    row(
        ui,
        f,
        &Field::new("Authority", p("authority"))
            .optional()
            .hint(AadOAuth::DEFAULT_AUTHORITY),
    );
    oauth_checks(ui, f, auth, OAuthField::Authority);
    row(
        ui,
        f,
        &Field::new("Tenant", p("tenant")).hint("directory (tenant) id or domain"),
    );
    oauth_checks(ui, f, auth, OAuthField::Tenant);
    row(
        ui,
        f,
        &Field::new("Audience", p("audience")).hint("https://yourapp.msappproxy.net"),
    );
    oauth_checks(ui, f, auth, OAuthField::Audience);
    row(
        ui,
        f,
        &Field::new("Client ID", p("clientId")).hint("application (client) id"),
    );
    ui.label("Credential type");
    let ct = a.credential_type();
    let mut picked = ct;
    let clicked = ui
        .horizontal(|ui| {
            let s = ui.radio_value(&mut picked, CredentialType::Secret, "Secret");
            let c = ui.radio_value(&mut picked, CredentialType::Certificate, "Certificate");
            s.clicked() || c.clicked()
        })
        .inner;
    ui.end_row();
    // A click writes `credentialType`, also when it was only inferred.
    if clicked && (picked != ct || a.credential_type_written.is_none()) {
        set_credential_type(f, auth, picked);
    }
    match ct {
        CredentialType::Secret => {
            row(ui, f, &Field::new("Client secret", p("secret")).secret());
        }
        CredentialType::Certificate => {
            pfx_row(ui, f, &p("pfx"));
            row(
                ui,
                f,
                &Field::new("Password", p("password")).secret().optional(),
            );
        }
    }
}

/// Writes `credentialType` and removes the other credential's fields, as one
/// step.
fn set_credential_type(f: &mut Form, auth: &str, to: CredentialType) {
    let (name, drop): (&str, &[&str]) = match to {
        CredentialType::Secret => ("Secret", &["pfx", "password"]),
        CredentialType::Certificate => ("Certificate", &["secret"]),
    };
    let mut edits = vec![Edit::Set {
        pointer: child(auth, "credentialType"),
        value: Value::String(name.into()),
    }];
    for k in drop {
        let ptr = child(auth, k);
        if f.get(&ptr).is_some() {
            edits.push(Edit::Remove { pointer: ptr });
        }
    }
    f.apply(
        Edit::Batch {
            label: format!("Use a {} credential", name.to_lowercase()),
            edits,
        },
        auth,
    );
}

/// Starts reading a certificate in the background: from `path`, or from a
/// file the user picks in the system's dialog.
fn start_pfx(f: &mut Form, ctx: &egui::Context, target: &str, path: Option<PathBuf>) {
    let (tx, rx) = mpsc::channel();
    let ctx = ctx.clone();
    let wanted = path.clone();
    std::thread::spawn(move || {
        let path = match wanted {
            Some(p) => Some(p),
            None => rfd::FileDialog::new()
                .add_filter("Certificate", &["pfx", "p12"])
                .pick_file(),
        };
        if let Some(p) = path {
            let _ = tx.send(read_pfx(&p));
        }
        ctx.request_repaint();
    });
    f.st.forms.pfx_job = Some(PfxJob {
        target: target.to_owned(),
        rx,
        started: std::time::Instant::now(),
        dialog: path.is_none(),
    });
    f.st.forms.pfx_note = None;
}

/// Takes the answer of a certificate load, if it came.
pub(crate) fn poll_pfx(f: &mut Form, ctx: &egui::Context) {
    let Some(job) = &f.st.forms.pfx_job else {
        return;
    };
    match job.rx.try_recv() {
        Ok(Ok((text, note))) => {
            let target = job.target.clone();
            f.st.forms.pfx_job = None;
            if f.apply(
                Edit::Set {
                    pointer: target.clone(),
                    value: Value::String(text),
                },
                &target,
            ) {
                f.st.forms.pfx_note = Some((false, note));
            }
        }
        Ok(Err(e)) => {
            f.st.forms.pfx_job = None;
            f.st.forms.pfx_note = Some((true, e));
        }
        Err(mpsc::TryRecvError::Disconnected) => {
            // No answer: the dialog was cancelled, or (when that came back
            // at once) no system dialog could be shown.
            let quick = job.dialog && job.started.elapsed() < std::time::Duration::from_millis(400);
            f.st.forms.pfx_job = None;
            if quick {
                f.st.forms.pfx_note = Some((
                    true,
                    "No system file dialog here: type the file's path below.".into(),
                ));
            }
        }
        Err(mpsc::TryRecvError::Empty) => {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }
}

/// The Pfx field (a secret) with its loaders: the system's file dialog, and
/// an in-app path field.
fn pfx_row(ui: &mut Ui, f: &mut Form, pointer: &str) {
    row(
        ui,
        f,
        &Field::new("Pfx", pointer.to_owned())
            .secret()
            .hint("base64 of the .pfx file, or an expression"),
    );
    ui.label("");
    ui.vertical(|ui| {
        let busy = f.st.forms.pfx_job.is_some();
        if std::env::var_os("LAPIS_NO_NATIVE_DIALOG").is_none()
            && ui
                .add_enabled(!busy, egui::Button::new("Choose .pfx…"))
                .clicked()
        {
            let ctx = ui.ctx().clone();
            start_pfx(f, &ctx, pointer, None);
        }
        let pl = ui.label("Pfx file path");
        let path_w = (ui.available_width() - 72.0).max(100.0);
        ui.horizontal(|ui| {
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut f.st.forms.pfx_path)
                        .desired_width(path_w)
                        .hint_text(egui::RichText::new("/path/to/client.pfx").weak()),
                )
                .labelled_by(pl.id);
            let go = ui
                .add_enabled(
                    !busy && !f.st.forms.pfx_path.trim().is_empty(),
                    egui::Button::new("Load"),
                )
                .clicked()
                || (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
            if go && !busy && !f.st.forms.pfx_path.trim().is_empty() {
                let path = PathBuf::from(f.st.forms.pfx_path.trim());
                let ctx = ui.ctx().clone();
                start_pfx(f, &ctx, pointer, Some(path));
            }
        });
        if busy {
            ui.weak("Reading the certificate…");
        }
        if let Some((is_err, note)) = &f.st.forms.pfx_note {
            let color = if *is_err {
                f.theme.error
            } else {
                ui.visuals().weak_text_color()
            };
            ui.colored_label(color, note.clone());
        }
    });
    ui.end_row();
}
