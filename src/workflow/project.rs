//! A Standard logic app project: the folder that holds `host.json`,
//! `parameters.json`, `connections.json`, `local.settings.json` and one
//! folder per workflow (`<project>/<workflow>/workflow.json`).
//!
//! The project is read when a `workflow.json` is opened, so that the
//! workflow's references (parameters, connections, app settings) can be
//! checked. The files are read, never written. Of `local.settings.json`
//! only the names of the app settings are kept: their values (often
//! secrets) are never held, printed or logged.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One JSON file of the project.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its JSON, or why it could not be read (with line and column).
    pub value: Result<Value, String>,
}

/// The Standard project around a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The project folder.
    pub dir: PathBuf,
    /// `parameters.json`.
    pub parameters: Option<ProjectFile>,
    /// `connections.json`.
    pub connections: Option<ProjectFile>,
    /// `host.json`.
    pub host: Option<ProjectFile>,
    /// `local.settings.json`, when present: where it is, and the names of
    /// its `Values` (or why it could not be read).
    pub settings: Option<(PathBuf, Result<Vec<String>, String>)>,
}

/// The project files Lapis reads.
pub const PROJECT_FILES: [&str; 4] = [
    "host.json",
    "parameters.json",
    "connections.json",
    "local.settings.json",
];

fn read_json(path: &Path) -> Option<ProjectFile> {
    let bytes = std::fs::read(path).ok()?;
    let value = super::text::read_source(&bytes)
        .and_then(|s| super::text::parse_json(&s.json))
        .map_err(|e| format!("{}:{}", path.display(), e));
    Some(ProjectFile {
        path: path.to_owned(),
        value,
    })
}

impl Project {
    /// The project of a `workflow.json` (its folder's parent), when that
    /// folder holds one of the project files.
    pub fn around(workflow_json: &Path) -> Option<Project> {
        let abs = if workflow_json.is_absolute() {
            workflow_json.to_owned()
        } else {
            std::env::current_dir().ok()?.join(workflow_json)
        };
        let dir = abs.parent()?.parent()?;
        Project::open(dir)
    }

    /// Reads the project in `dir`; `None` when it holds no project file.
    pub fn open(dir: &Path) -> Option<Project> {
        if !PROJECT_FILES.iter().any(|f| dir.join(f).is_file()) {
            return None;
        }
        let settings = {
            let p = dir.join("local.settings.json");
            read_json(&p).map(|f| {
                let names = f.value.and_then(|v| match v.get("Values") {
                    Some(Value::Object(m)) => Ok(m.keys().cloned().collect()),
                    None => Ok(Vec::new()),
                    Some(_) => Err(format!(
                        "{}: `Values` must be an object of app settings",
                        p.display()
                    )),
                });
                (p, names)
            })
        };
        Some(Project {
            dir: dir.to_owned(),
            parameters: read_json(&dir.join("parameters.json")),
            connections: read_json(&dir.join("connections.json")),
            host: read_json(&dir.join("host.json")),
            settings,
        })
    }

    /// True when `dir` is a project folder (it holds a project file, or a
    /// workflow folder).
    pub fn is_project_dir(dir: &Path) -> bool {
        PROJECT_FILES.iter().any(|f| dir.join(f).is_file())
            || !Project::workflows_in(dir).is_empty()
    }

    /// The `workflow.json` files of the project in `dir`, by folder name.
    pub fn workflows_in(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path().join("workflow.json"))
            .filter(|p| p.is_file())
            .collect();
        out.sort();
        out
    }

    /// `parameters.json` as an object, when it parses as one.
    pub fn parameter_map(&self) -> Option<&Map<String, Value>> {
        self.parameters.as_ref()?.value.as_ref().ok()?.as_object()
    }

    /// The names `parameters.json` declares.
    pub fn parameter_names(&self) -> Vec<String> {
        self.parameter_map()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The parameters for a read-only list: name, type and the value as
    /// JSON text (an `@appsetting('…')` reference shows as written: the
    /// app setting's value is never read; a secure value is masked).
    pub fn parameter_rows(&self) -> Vec<(String, String, String)> {
        let Some(m) = self.parameter_map() else {
            return Vec::new();
        };
        m.iter()
            .map(|(k, v)| {
                let ty = v
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                let val = match v.get("value") {
                    Some(Value::String(s)) if s.starts_with('@') => s.clone(),
                    // A secure value written in the file is not shown.
                    Some(_) if ty.to_ascii_lowercase().starts_with("secure") => "••••••".into(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                (k.clone(), ty, val)
            })
            .collect()
    }

    /// `connections.json` as an object, when it parses as one.
    pub fn connections_map(&self) -> Option<&Map<String, Value>> {
        self.connections.as_ref()?.value.as_ref().ok()?.as_object()
    }

    /// The names of the app settings of `local.settings.json`, when it was
    /// read.
    pub fn app_setting_names(&self) -> Option<&[String]> {
        self.settings.as_ref()?.1.as_ref().ok().map(Vec::as_slice)
    }
}

/// Replaces each folder of `paths` by the `workflow.json` files of the
/// project in it (a folder with none stays, so that opening it fails with
/// a clear message).
pub fn expand_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = Project::workflows_in(p);
            if found.is_empty() {
                out.push(p.clone());
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// The app setting names a value refers to with `@appsetting('NAME')`
/// (anywhere in its strings), with the JSON pointer of each string.
pub fn app_setting_refs(v: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.to_ascii_lowercase().find("appsetting(") {
                rest = &rest[i + "appsetting(".len()..];
                let t = rest.trim_start();
                let Some(q) = t.chars().next().filter(|c| *c == '\'') else {
                    continue;
                };
                let body = &t[q.len_utf8()..];
                if let Some(end) = body.find('\'') {
                    out.push((body[..end].to_owned(), pointer.to_owned()));
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                app_setting_refs(x, &format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                app_setting_refs(
                    x,
                    &format!("{pointer}/{}", super::text::escape_pointer(k)),
                    out,
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_app_setting_references() {
        let v = json!({"a": "@appsetting('X')", "b": ["@{appsetting( 'Y' )}-@appsetting('Z')"], "c": "appsetting"});
        let mut out = Vec::new();
        app_setting_refs(&v, "", &mut out);
        assert_eq!(
            out,
            vec![
                ("X".to_owned(), "/a".to_owned()),
                ("Y".to_owned(), "/b/0".to_owned()),
                ("Z".to_owned(), "/b/0".to_owned())
            ]
        );
    }
}
