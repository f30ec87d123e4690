//! The condition builder (If, Until): rows of operand / operator / operand
//! in And / Or groups, two-way with the `expression` JSON through
//! [`crate::workflow::condition`]. Basic mode shows rows; advanced mode the
//! JSON. An expression the rows cannot show opens in advanced mode with a
//! note.
//!
//! Accessible names: "Condition row N left operand", "… operator",
//! "… right operand", "Remove condition row N", "Group G operator And" /
//! "… Or", "Add row", "Add group" (in group G > 1: "Add row to group G"),
//! "Remove group G"; rows and groups are numbered depth first, the outer
//! group is group 1.

use super::widgets::{buffered, field_input, Field, Form, Kind, Name};
use crate::workflow::condition::{self, Group, Item, Op, Row};
use crate::workflow::edit::Edit;
use egui::{RichText, TextEdit, Ui};

/// Draws the builder for the condition at `pointer`.
pub(crate) fn condition(
    ui: &mut Ui,
    f: &mut Form,
    pointer: &str,
    label: &'static str,
    rows: usize,
    hint: Option<&'static str>,
) {
    let current = f.get(pointer).cloned();
    let parsed = match &current {
        None => Some(Group::default()),
        Some(v) => condition::from_json(v),
    };
    let advanced = parsed.is_none() || f.st.forms.advanced.contains(pointer);
    let label_id = ui
        .horizontal(|ui| {
            let l = ui.label(RichText::new(label).strong());
            let basic = ui
                .add_enabled(
                    parsed.is_some(),
                    egui::Button::selectable(!advanced, "Basic"),
                )
                .accessible_name("Basic mode")
                .on_hover_text("Rows of operand, operator, operand");
            if basic.clicked() {
                f.st.forms.advanced.remove(pointer);
                f.relayout();
            }
            let adv = ui
                .add(egui::Button::selectable(advanced, "Advanced"))
                .accessible_name("Advanced mode")
                .on_hover_text("The expression as JSON");
            if adv.clicked() {
                f.st.forms.advanced.insert(pointer.to_owned());
                f.relayout();
            }
            l.id
        })
        .inner;
    match parsed {
        Some(g) if !advanced => {
            let mut counters = Counters::default();
            let mut out = Outcome::None;
            group_ui(ui, f, pointer, &g, &[], &mut counters, &mut out);
            apply(f, pointer, g, out);
            f.show_error(ui, pointer);
        }
        _ => {
            if parsed.is_none() && current.is_some() {
                ui.colored_label(
                    f.theme.warning,
                    "This condition cannot be shown as rows (an expression string, a function \
                     other than the comparisons, or a `not` around a group): edit its JSON.",
                );
                if ui
                    .button("Use rows instead")
                    .accessible_name("Replace with an empty condition")
                    .on_hover_text("Replaces the expression by one empty row")
                    .clicked()
                {
                    f.st.forms.advanced.remove(pointer);
                    f.apply(
                        Edit::Set {
                            pointer: pointer.to_owned(),
                            value: condition::to_json(&Group::default()),
                        },
                        pointer,
                    );
                }
            }
            let mut field = Field::new(label, pointer.to_owned())
                .kind(Kind::JsonOrText)
                .rows(rows);
            if let Some(h) = hint {
                field = field.hint(h);
            }
            field_input(ui, f, &field, Name::LabelledBy(label_id));
        }
    }
}

#[derive(Default)]
struct Counters {
    rows: usize,
    groups: usize,
}

/// What the user did this frame, by path.
enum Outcome {
    None,
    /// Typed an operand: (path, left, text, typing key).
    Operand(Vec<usize>, bool, String, String),
    Op(Vec<usize>, Op),
    Join(Vec<usize>, bool),
    AddRow(Vec<usize>),
    AddGroup(Vec<usize>),
    Remove(Vec<usize>),
}

fn group_ui(
    ui: &mut Ui,
    f: &mut Form,
    pointer: &str,
    g: &Group,
    path: &[usize],
    n: &mut Counters,
    out: &mut Outcome,
) {
    n.groups += 1;
    let gn = n.groups;
    let frame = egui::Frame::group(ui.style()).inner_margin(6.0);
    frame.show(ui, |ui| {
        ui.horizontal(|ui| {
            for (and, text) in [(true, "And"), (false, "Or")] {
                if ui
                    .add(egui::Button::selectable(g.and == and, text))
                    .accessible_name(format!("Group {gn} operator {text}"))
                    .on_hover_text(if and {
                        "Every row must hold"
                    } else {
                        "One row must hold"
                    })
                    .clicked()
                    && g.and != and
                {
                    *out = Outcome::Join(path.to_vec(), and);
                }
            }
            if !path.is_empty()
                && ui
                    .small_button("🗑")
                    .accessible_name(format!("Remove group {gn}"))
                    .on_hover_text("Remove this group and its rows")
                    .clicked()
            {
                *out = Outcome::Remove(path.to_vec());
            }
        });
        for (i, it) in g.items.iter().enumerate() {
            let mut p = path.to_vec();
            p.push(i);
            match it {
                Item::Row(r) => row_ui(ui, f, pointer, r, &p, n, out),
                Item::Group(inner) => group_ui(ui, f, pointer, inner, &p, n, out),
            }
        }
        ui.horizontal(|ui| {
            let (add_row, add_group) = if gn == 1 {
                ("Add row".to_owned(), "Add group".to_owned())
            } else {
                (
                    format!("Add row to group {gn}"),
                    format!("Add group to group {gn}"),
                )
            };
            if ui.small_button("✚ Row").accessible_name(&add_row).clicked() {
                *out = Outcome::AddRow(path.to_vec());
            }
            if ui
                .small_button("✚ Group")
                .accessible_name(&add_group)
                .clicked()
            {
                *out = Outcome::AddGroup(path.to_vec());
            }
        });
    });
}

fn row_ui(
    ui: &mut Ui,
    f: &mut Form,
    pointer: &str,
    r: &Row,
    path: &[usize],
    n: &mut Counters,
    out: &mut Outcome,
) {
    n.rows += 1;
    let rn = n.rows;
    // Two lines: the left operand (and the remove button), then the
    // operator and the right operand. Widths come from the space left, kept
    // under the form's width so the panel never grows from them.
    let room = (ui.available_width() - 48.0).min(f.width - 48.0).max(80.0);
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            operand(ui, f, pointer, r, path, rn, true, room, out);
            if ui
                .small_button("🗑")
                .accessible_name(format!("Remove condition row {rn}"))
                .on_hover_text("Remove this row")
                .clicked()
            {
                *out = Outcome::Remove(path.to_vec());
            }
        });
        ui.horizontal(|ui| {
            let salt = format!("{pointer}#op{rn}");
            let mut picked = None;
            egui::ComboBox::from_id_salt(("lapis-cond", &salt))
                .selected_text(r.op.label())
                .width(150.0)
                .show_ui(ui, |ui| {
                    for op in Op::ALL {
                        if ui.selectable_label(op == r.op, op.label()).clicked() {
                            picked = Some(op);
                            ui.close();
                        }
                    }
                })
                .response
                .accessible_name(format!("Condition row {rn} operator"));
            if let Some(op) = picked.filter(|op| *op != r.op) {
                *out = Outcome::Op(path.to_vec(), op);
            }
            let rest = (room - 150.0 - ui.spacing().item_spacing.x).max(80.0);
            operand(ui, f, pointer, r, path, rn, false, rest, out);
        });
    });
    ui.add_space(2.0);
}

/// The text field of one operand.
#[allow(clippy::too_many_arguments)]
fn operand(
    ui: &mut Ui,
    f: &mut Form,
    pointer: &str,
    r: &Row,
    path: &[usize],
    rn: usize,
    left: bool,
    width: f32,
    out: &mut Outcome,
) {
    let side = if left { "left" } else { "right" };
    let key = format!("{pointer}#row{rn}{side}");
    let v = if left { &r.left } else { &r.right };
    let mut typed: Option<String> = None;
    buffered(
        ui,
        f,
        &key,
        condition::operand_text(v),
        pointer,
        |t, id| {
            TextEdit::singleline(t)
                .id(id)
                .desired_width(width)
                .hint_text(RichText::new(if left { "@body('…')" } else { "value" }).weak())
        },
        Name::Named(format!("Condition row {rn} {side} operand")),
        &mut |_f: &mut Form, text: &str| typed = Some(text.to_owned()),
        None,
        None,
    );
    if let Some(t) = typed {
        *out = Outcome::Operand(path.to_vec(), left, t, key);
    }
}

fn apply(f: &mut Form, pointer: &str, mut g: Group, out: Outcome) {
    let structural = |f: &mut Form, g: &Group| {
        f.apply(
            Edit::Set {
                pointer: pointer.to_owned(),
                value: condition::to_json(g),
            },
            pointer,
        );
    };
    match out {
        Outcome::None => {}
        Outcome::Operand(path, left, text, key) => {
            if let Some(Item::Row(r)) = g.item_mut(&path) {
                let v = condition::operand_value(&text);
                if left {
                    r.left = v;
                } else {
                    r.right = v;
                }
                let value = condition::to_json(&g);
                if f.get(pointer) != Some(&value) {
                    f.set_typing(pointer, value, &key);
                }
            }
        }
        Outcome::Op(path, op) => {
            if let Some(Item::Row(r)) = g.item_mut(&path) {
                r.op = op;
                structural(f, &g);
            }
        }
        Outcome::Join(path, and) => {
            if let Some(inner) = g.group_mut(&path) {
                inner.and = and;
                structural(f, &g);
            }
        }
        Outcome::AddRow(path) => {
            if let Some(inner) = g.group_mut(&path) {
                inner.items.push(Item::Row(Row::default()));
                structural(f, &g);
            }
        }
        Outcome::AddGroup(path) => {
            if let Some(inner) = g.group_mut(&path) {
                inner.items.push(Item::Group(Group::default()));
                structural(f, &g);
            }
        }
        Outcome::Remove(path) => {
            if g.remove(&path) {
                structural(f, &g);
            }
        }
    }
}
