//! Run history: every local run kept in one SQLite file
//! (`runs.sqlite` under [`crate::paths::data_dir`]) with a run row, an
//! action row per action and a row per loop repetition.
//!
//! Choices (Microsoft's documentation covers the portal's history, not a
//! local store):
//! - **Retention:** the newest [`DEFAULT_RETENTION`] runs of each workflow
//!   (by file when known, else by workflow name) are kept; storing one more
//!   deletes the oldest. Azure keeps Consumption runs for 90 days by
//!   default; a count suits a desk tool better, where hundreds of runs can
//!   happen in an afternoon.
//! - **Journal:** WAL, so the designer can read the list while the command
//!   line writes; `secure_delete` so deleted rows are overwritten on disk.
//! - **Secure data, defence in depth:** before a run is written it is
//!   scrubbed again ([`scrub`]): every value the engine already hid stays
//!   hidden, every `Authorization`/`Proxy-Authorization` header, every
//!   bearer token, and every known secret value (the secret store's values
//!   and `LAPIS_SECRET_*` variables, in their wire forms) is replaced.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

use super::model::{Run, HIDDEN};
use crate::secrets::{Redactor, Secret, SecretStore};

/// Runs kept per workflow unless [`History::set_retention`] says otherwise.
pub const DEFAULT_RETENTION: usize = 100;

/// The history file's name inside the data folder.
pub const FILE_NAME: &str = "runs.sqlite";

/// One line of the runs list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// The run's id.
    pub run_id: String,
    /// The workflow's name.
    pub workflow: String,
    /// The file it ran from, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Its status (as Logic Apps names it).
    pub status: String,
    /// RFC 3339 start.
    pub start: String,
    /// RFC 3339 end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Milliseconds from start to end, when both parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// The run's error message, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The run history store.
pub struct History {
    conn: Connection,
    path: PathBuf,
    retention: usize,
    redactor: Redactor,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("path", &self.path)
            .field("retention", &self.retention)
            .finish()
    }
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("run history {}: {e}", path.display())
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    workflow TEXT NOT NULL,
    file TEXT,
    scope_key TEXT NOT NULL,
    status TEXT NOT NULL,
    start TEXT NOT NULL,
    end TEXT,
    error TEXT,
    trigger TEXT NOT NULL,
    response TEXT,
    outputs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_scope ON runs(scope_key, seq);
CREATE TABLE IF NOT EXISTS actions (
    run_seq INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_seq, name)
);
CREATE TABLE IF NOT EXISTS repetitions (
    run_seq INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
    action TEXT NOT NULL,
    ord INTEGER NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_seq, action, ord)
);
";

impl History {
    /// Opens (creating when needed) the history in the data folder.
    pub fn open_default() -> Result<History, String> {
        let dir = crate::paths::data_dir()
            .ok_or("run history: no data folder (set LAPIS_DATA_DIR)".to_owned())?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("run history: cannot create {}: {e}", dir.display()))?;
        History::open(&dir.join(FILE_NAME))
    }

    /// Opens (creating when needed) the history in `path`.
    pub fn open(path: &Path) -> Result<History, String> {
        let err = db_err(path);
        let conn = Connection::open(path).map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(&err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(&err)?;
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(&err)?;
        conn.execute_batch(SCHEMA).map_err(&err)?;
        let mut redactor = SecretStore::without_keychain().redactor();
        redactor.extend(&environment_secrets());
        Ok(History {
            conn,
            path: path.to_owned(),
            retention: DEFAULT_RETENTION,
            redactor,
        })
    }

    /// The file the history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps at most `n` runs per workflow (at least 1).
    pub fn set_retention(&mut self, n: usize) {
        self.retention = n.max(1);
    }

    /// Adds the values of `store` (and anything else in `redactor`) to
    /// what is scrubbed before a write.
    pub fn add_secrets(&mut self, store: &SecretStore) {
        self.redactor.extend(&store.redactor());
    }

    /// Adds one more value to scrub.
    pub fn add_secret(&mut self, name: &str, value: &Secret) {
        self.redactor.add(name, value);
    }

    /// Stores `run` (scrubbed first), replacing a run with the same id,
    /// then applies the retention limit to its workflow.
    pub fn store(&mut self, run: &Run) -> Result<(), String> {
        let run = scrub(run, &self.redactor);
        let err = db_err(&self.path);
        let scope_key = scope_key(&run);
        let json = |v: &Value| serde_json::to_string(v).unwrap_or_else(|_| "null".into());
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute("DELETE FROM runs WHERE run_id = ?1", params![run.run_id])
            .map_err(&err)?;
        tx.execute(
            "INSERT INTO runs (run_id, workflow, file, scope_key, status, start, end, error, trigger, response, outputs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                run.run_id,
                run.workflow,
                run.file,
                scope_key,
                run.status.as_str(),
                run.start,
                run.end,
                run.error
                    .as_ref()
                    .map(|e| serde_json::to_string(e).unwrap_or_default()),
                json(&run.trigger),
                run.response
                    .as_ref()
                    .map(|r| serde_json::to_string(r).unwrap_or_default()),
                json(&Value::Object(run.outputs.clone())),
            ],
        )
        .map_err(&err)?;
        let seq = tx.last_insert_rowid();
        {
            let mut act = tx
                .prepare(
                    "INSERT INTO actions (run_seq, ord, name, status, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&err)?;
            let mut rep = tx
                .prepare(
                    "INSERT INTO repetitions (run_seq, action, ord, status, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&err)?;
            for (ord, (name, value)) in run.actions.iter().enumerate() {
                let mut record = value.clone();
                let reps = match record.as_object_mut() {
                    Some(o) => o.remove("repetitions"),
                    None => None,
                };
                act.execute(params![
                    seq,
                    ord as i64,
                    name,
                    status_of(&record),
                    json(&record)
                ])
                .map_err(&err)?;
                if let Some(Value::Array(reps)) = reps {
                    for (i, r) in reps.iter().enumerate() {
                        rep.execute(params![seq, name, i as i64, status_of(r), json(r)])
                            .map_err(&err)?;
                    }
                }
            }
        }
        tx.execute(
            "DELETE FROM runs WHERE scope_key = ?1 AND seq NOT IN
               (SELECT seq FROM runs WHERE scope_key = ?1 ORDER BY seq DESC LIMIT ?2)",
            params![scope_key, self.retention as i64],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// The runs, newest first; only those of `file` (a path, compared after
    /// canonicalising) or of the workflow named `file` when given.
    pub fn list(&self, file: Option<&str>) -> Result<Vec<RunSummary>, String> {
        let err = db_err(&self.path);
        let mut sql =
            String::from("SELECT run_id, workflow, file, status, start, end, error FROM runs");
        let mut args: Vec<String> = Vec::new();
        if let Some(f) = file {
            sql.push_str(" WHERE scope_key = ?1 OR scope_key = ?2 OR workflow = ?3");
            args.push(file_key(f));
            args.push(format!("workflow:{f}"));
            args.push(f.to_owned());
        }
        sql.push_str(" ORDER BY seq DESC");
        let mut stmt = self.conn.prepare(&sql).map_err(&err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                let start: String = r.get(4)?;
                let end: Option<String> = r.get(5)?;
                let error: Option<String> = r.get(6)?;
                Ok(RunSummary {
                    duration_ms: duration_ms(&start, end.as_deref()),
                    run_id: r.get(0)?,
                    workflow: r.get(1)?,
                    file: r.get(2)?,
                    status: r.get(3)?,
                    start,
                    end,
                    error: error
                        .and_then(|e| serde_json::from_str::<Value>(&e).ok())
                        .and_then(|e| e.get("message").and_then(Value::as_str).map(str::to_owned)),
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&err)
    }

    /// One whole run, as stored.
    pub fn get(&self, run_id: &str) -> Result<Option<Run>, String> {
        let err = db_err(&self.path);
        let row = self
            .conn
            .query_row(
                "SELECT seq, run_id, workflow, file, status, start, end, error, trigger, response, outputs
                 FROM runs WHERE run_id = ?1",
                params![run_id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        [
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(8)?,
                            r.get::<_, String>(10)?,
                        ],
                        [
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, Option<String>>(6)?,
                            r.get::<_, Option<String>>(7)?,
                            r.get::<_, Option<String>>(9)?,
                        ],
                    ))
                },
            )
            .optional()
            .map_err(&err)?;
        let Some((
            seq,
            [id, workflow, status, start, trigger, outputs],
            [file, end, error, response],
        )) = row
        else {
            return Ok(None);
        };
        let bad = |what: &str, e: serde_json::Error| {
            format!(
                "run history {}: run {id}: unreadable {what}: {e}",
                self.path.display()
            )
        };
        let parse =
            |what: &str, s: &str| serde_json::from_str::<Value>(s).map_err(|e| bad(what, e));
        let mut actions = Map::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT name, record FROM actions WHERE run_seq = ?1 ORDER BY ord")
                .map_err(&err)?;
            let rows = stmt
                .query_map(params![seq], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(&err)?;
            for row in rows {
                let (name, record) = row.map_err(&err)?;
                actions.insert(name.clone(), parse(&format!("action {name}"), &record)?);
            }
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT action, record FROM repetitions WHERE run_seq = ?1 ORDER BY action, ord",
                )
                .map_err(&err)?;
            let rows = stmt
                .query_map(params![seq], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(&err)?;
            for row in rows {
                let (name, record) = row.map_err(&err)?;
                let rep = parse(&format!("repetition of {name}"), &record)?;
                if let Some(Value::Object(o)) = actions.get_mut(&name) {
                    if let Value::Array(a) = o
                        .entry("repetitions")
                        .or_insert_with(|| Value::Array(Vec::new()))
                    {
                        a.push(rep);
                    }
                }
            }
        }
        let value = serde_json::json!({
            "run_id": id,
            "workflow": workflow,
            "file": file,
            "status": status,
            "start": start,
            "end": end,
            "error": error.map(|e| parse("error", &e)).transpose()?,
            "trigger": parse("trigger", &trigger)?,
            "actions": actions,
            "response": response.map(|r| parse("response", &r)).transpose()?,
            "outputs": parse("outputs", &outputs)?,
        });
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| bad("run", e))
    }

    /// Deletes one run; false when there was none with that id.
    pub fn delete(&self, run_id: &str) -> Result<bool, String> {
        let n = self
            .conn
            .execute("DELETE FROM runs WHERE run_id = ?1", params![run_id])
            .map_err(db_err(&self.path))?;
        Ok(n > 0)
    }
}

fn status_of(v: &Value) -> String {
    v.get("status")
        .and_then(Value::as_str)
        .unwrap_or("Unknown")
        .to_owned()
}

/// The key runs are grouped by for retention and listing.
fn scope_key(run: &Run) -> String {
    match &run.file {
        Some(f) => file_key(f),
        None => format!("workflow:{}", run.workflow),
    }
}

fn file_key(f: &str) -> String {
    let p = std::fs::canonicalize(f).unwrap_or_else(|_| PathBuf::from(f));
    format!("file:{}", p.display())
}

fn duration_ms(start: &str, end: Option<&str>) -> Option<i64> {
    let s = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let e = chrono::DateTime::parse_from_rfc3339(end?).ok()?;
    Some((e - s).num_milliseconds())
}

/// A redactor for every `LAPIS_SECRET_*` environment variable.
pub fn environment_secrets() -> Redactor {
    let mut r = Redactor::new();
    for (k, v) in std::env::vars_os() {
        let (Some(k), Some(v)) = (k.to_str(), v.to_str()) else {
            continue;
        };
        if let Some(name) = k.strip_prefix("LAPIS_SECRET_") {
            r.add(name, &Secret::new(v));
        }
    }
    r
}

/// Header names whose values are credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-ms-client-secret",
    "client_secret",
    "clientsecret",
    "password",
    "pfx",
    "sig",
];

/// `run` with every secret value replaced: known secrets (in their wire
/// forms) by `<secret:NAME>`, credential headers and fields and bearer
/// tokens by [`HIDDEN`].
pub fn scrub(run: &Run, redactor: &Redactor) -> Run {
    let mut run = run.clone();
    let clean = |v: &mut Value| scrub_value(v, redactor);
    clean(&mut run.trigger);
    for v in run.actions.values_mut() {
        clean(v);
    }
    for v in run.outputs.values_mut() {
        clean(v);
    }
    if let Some(r) = &mut run.response {
        for v in r.headers.iter_mut() {
            if CREDENTIAL_KEYS.contains(&v.0.to_ascii_lowercase().as_str()) {
                *v.1 = Value::String(HIDDEN.into());
            } else {
                clean(v.1);
            }
        }
        clean(&mut r.body);
    }
    if let Some(e) = &mut run.error {
        e.message = scrub_text(&e.message, redactor);
    }
    run
}

fn scrub_text(s: &str, redactor: &Redactor) -> String {
    let mut s = redactor.redact(s);
    // A bearer token anywhere in text (an error message, a header echoed
    // in a body): the token up to the next blank or quote.
    let mut from = 0;
    while let Some(i) = s[from..].to_ascii_lowercase().find("bearer ") {
        let start = from + i + "bearer ".len();
        let len = s[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';'))
            .unwrap_or(s.len() - start);
        if len >= 8 && &s[start..start + len] != HIDDEN {
            s.replace_range(start..start + len, HIDDEN);
            from = start + HIDDEN.len();
        } else {
            from = start + len;
        }
    }
    s
}

fn scrub_value(v: &mut Value, redactor: &Redactor) {
    match v {
        Value::String(s) => {
            let t = scrub_text(s, redactor);
            if t != *s {
                *s = t;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_value(x, redactor)),
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                let Some(x) = o.get_mut(&k) else { continue };
                if CREDENTIAL_KEYS.contains(&k.to_ascii_lowercase().as_str()) && !x.is_null() {
                    *x = Value::String(HIDDEN.into());
                } else {
                    scrub_value(x, redactor);
                }
            }
            // A key that is itself a secret value.
            let bad: Vec<String> = o
                .keys()
                .filter(|k| !redactor.is_clean(k))
                .cloned()
                .collect();
            for k in bad {
                if let Some(x) = o.remove(&k) {
                    o.insert(redactor.redact(&k), x);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_and_authorization_headers_are_hidden() {
        let r = Redactor::new();
        let mut v = serde_json::json!({
            "headers": {"Authorization": "Basic abc", "X-Other": "ok"},
            "note": "sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig to the proxy"
        });
        scrub_value(&mut v, &r);
        assert_eq!(v["headers"]["Authorization"], HIDDEN);
        assert_eq!(v["headers"]["X-Other"], "ok");
        assert_eq!(v["note"], format!("sent Bearer {HIDDEN} to the proxy"));
    }
}
