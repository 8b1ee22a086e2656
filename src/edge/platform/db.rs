//! D1 access shared by the data-layer modules: the `DB` binding, reading rows and batches, and
//! the mapping of database failures to the contract's `500 internal` (the cause goes to the log,
//! never to the client).
//!
//! Statements are prepared and bound by hand too ([`query!`], each value converted by its
//! [`Bind`], one shared non-generic [`prepare`]), not through worker's `query!`, which serializes
//! every bound value through serde_wasm_bindgen, again for the size budget: the same values
//! (text, numbers within JavaScript's safe integers, NULL for `None`) reach D1.
//!
//! Rows are read by hand ([`Row`]'s getters by column name) and batches run through the binding
//! itself, not through worker's `first::<T>()`/`results::<T>()`/`meta()`: those deserialize every
//! row type through its own serde_wasm_bindgen instantiation, which the Worker's size budget
//! (400 KiB gzipped) cannot afford. The reading is as strict as serde's was: a column of the
//! wrong type fails the query (`500 internal`), NULL or a missing column reads as `None`.

use std::cell::Cell;

use js_sys::futures::JsFuture;
use js_sys::{Array, Number, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, D1Database, D1PreparedStatement, Env};

use crate::contract::error::ApiError;

pub fn database(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(|e| failed("binding DB", e))
}

/// A D1 session whose first query a nearby read replica may serve (the Sessions API,
/// `withSession("first-unconstrained")`), for the reads where a copy a moment behind the primary
/// is safe: the application lookup and login/start's credential list (README, Performance).
/// Writes, and reads that must see the latest write (challenge take, counter update,
/// refresh-token rotation), use [`database`], the primary. Typed as a `D1Database`: a session
/// has the same `prepare` and `batch`, which worker (and [`D1Batch`]) call by name.
pub fn replica(env: &Env) -> Result<D1Database, ApiError> {
    let db = JsValue::from(database(env)?);
    let session = db.unchecked_ref::<worker::worker_sys::D1Database>().with_session(Some("first-unconstrained"));
    session.map(|s| JsValue::from(s).unchecked_into()).map_err(|e| failed("D1 session", e))
}

/// `db.prepare(sql).bind(args...)`, each argument a [`Bind`] value: as worker's `query!` did,
/// text as text, integers as numbers (an integer beyond JavaScript's safe range fails the
/// statement), `None` as NULL.
macro_rules! query {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::edge::platform::db::prepare($db, $sql, &[$(&$arg as &dyn $crate::edge::platform::db::Bind),*])
    };
}
pub(crate) use query;

/// The SQL expression of the unix-milliseconds column `$column` as the API writes a time
/// (RFC 3339 UTC with milliseconds, `2026-01-31T12:00:00.123Z`), for JSON that SQLite builds.
macro_rules! sql_time {
    ($column:literal) => {
        concat!("(strftime('%Y-%m-%dT%H:%M:%S', ", $column, " / 1000, 'unixepoch') || printf('.%03dZ', ", $column, " % 1000))")
    };
}
pub(crate) use sql_time;

/// A value bound to a statement's `?N`.
pub trait Bind {
    fn js(&self) -> Result<JsValue, JsValue>;
}

impl Bind for str {
    fn js(&self) -> Result<JsValue, JsValue> {
        Ok(JsValue::from_str(self))
    }
}

impl Bind for String {
    fn js(&self) -> Result<JsValue, JsValue> {
        Ok(JsValue::from_str(self))
    }
}

impl Bind for i64 {
    fn js(&self) -> Result<JsValue, JsValue> {
        const SAFE: i64 = (1 << 53) - 1;
        if (-SAFE..=SAFE).contains(self) {
            Ok(JsValue::from_f64(*self as f64))
        } else {
            Err(JsValue::from_str(&format!("{self} can't be represented as a JavaScript number")))
        }
    }
}

impl Bind for i32 {
    fn js(&self) -> Result<JsValue, JsValue> {
        Ok(JsValue::from_f64(f64::from(*self)))
    }
}

impl Bind for u32 {
    fn js(&self) -> Result<JsValue, JsValue> {
        Ok(JsValue::from_f64(f64::from(*self)))
    }
}

impl<T: Bind> Bind for Option<T> {
    fn js(&self) -> Result<JsValue, JsValue> {
        match self {
            Some(value) => value.js(),
            None => Ok(JsValue::NULL),
        }
    }
}

impl<T: Bind + ?Sized> Bind for &T {
    fn js(&self) -> Result<JsValue, JsValue> {
        (**self).js()
    }
}

/// The statement `sql` with `args` bound to `?1`, `?2`... (see [`query!`]).
pub fn prepare(db: &D1Database, sql: &str, args: &[&dyn Bind]) -> Result<D1PreparedStatement, JsValue> {
    let db: &JsValue = db.as_ref();
    let stmt = db.unchecked_ref::<worker::worker_sys::D1Database>().prepare(sql)?;
    let values = Array::new();
    for arg in args {
        values.push(&arg.js()?);
    }
    Ok(stmt.bind(values)?.into())
}

/// An error a database call can fail with: worker's, or what D1 threw.
pub trait Cause {
    fn text(&self) -> String;
}

impl Cause for worker::Error {
    fn text(&self) -> String {
        match self {
            worker::Error::D1(d1) => d1_text(d1.as_ref(), d1.cause()),
            worker::Error::Internal(value) => js_text(value),
            other => other.to_string(),
        }
    }
}

impl Cause for JsValue {
    /// As worker words a D1 error (an `Error` whose message starts with "D1", with its cause's
    /// message), else the error's message.
    fn text(&self) -> String {
        match self.dyn_ref::<js_sys::Error>() {
            Some(error) if String::from(error.message()).starts_with("D1") => {
                let cause = error.cause().dyn_into::<js_sys::Error>().map(|c| String::from(c.message()));
                d1_text(error, cause.unwrap_or_else(|_| "unknown error".into()))
            }
            _ => js_text(self),
        }
    }
}

fn d1_text(error: &js_sys::Error, cause: String) -> String {
    format!("{} ({})", String::from(error.message()), cause)
}

/// A database call that failed: logged with what was being done, answered as `internal`.
pub fn failed(doing: &str, err: impl Cause) -> ApiError {
    console_error!("D1 failed ({doing}): {}", err.text());
    ApiError::internal()
}

/// What D1 said went wrong, e.g. "D1_ERROR: UNIQUE constraint failed: users.app_id, users.email".
///
/// Not `err.to_string()`: worker's Display of a D1 error is its Debug form, which release builds
/// compile out (`-Zfmt-debug=none`), leaving "D1: " and nothing to match a constraint on.
pub fn error_text(err: &impl Cause) -> String {
    err.text()
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unrecognized JavaScript value".to_owned())
}

/// How many rows a write changed.
pub fn changes(result: &Answer) -> usize {
    result.changes()
}

/// What D1 answered one statement of a batch: its rows and how many rows it changed.
pub struct Answer(JsValue);

impl Answer {
    /// Its `meta.changes`, 0 when D1 gave none.
    pub fn changes(&self) -> usize {
        let meta = Reflect::get(&self.0, &JsValue::from_str("meta")).unwrap_or(JsValue::UNDEFINED);
        Reflect::get(&meta, &JsValue::from_str("changes")).ok().and_then(|c| c.as_f64()).map_or(0, |c| c as usize)
    }

    /// Its rows (none when D1 gave no `results`).
    pub fn rows(&self) -> Vec<Row> {
        let results = Reflect::get(&self.0, &JsValue::from_str("results")).unwrap_or(JsValue::UNDEFINED);
        match results.dyn_into::<Array>() {
            Ok(rows) => rows.iter().map(Row::new).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// `db.batch(statements)`: one transaction, one [`Answer`] per statement, in order.
#[allow(async_fn_in_trait)]
pub trait D1Batch {
    async fn run_batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<Answer>, JsValue>;
}

impl D1Batch for D1Database {
    async fn run_batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<Answer>, JsValue> {
        let statements: Array = statements.iter().map(|s| JsValue::from(s.inner())).collect();
        let db: &JsValue = self.as_ref();
        let promise = db.unchecked_ref::<worker::worker_sys::D1Database>().batch(statements)?;
        let answers = JsFuture::from(promise).await?;
        Ok(answers.dyn_into::<Array>()?.iter().map(Answer).collect())
    }
}

/// The reads of a prepared statement.
#[allow(async_fn_in_trait)]
pub trait D1Read {
    /// The first row, if any.
    async fn first_row(&self) -> Result<Option<Row>, JsValue>;
    /// Every row.
    async fn all_rows(&self) -> Result<Vec<Row>, JsValue>;
    /// Column `column` of the first row: `None` when there is no row or the value is NULL.
    async fn first_text(&self, column: &str) -> Result<Option<String>, JsValue>;
    /// As [`D1Read::first_text`], for an integer column.
    async fn first_int(&self, column: &str) -> Result<Option<i64>, JsValue>;
    /// Runs it (a write), for how many rows it changed.
    async fn execute(&self) -> Result<Answer, JsValue>;
}

impl D1Read for D1PreparedStatement {
    async fn first_row(&self) -> Result<Option<Row>, JsValue> {
        let row = JsFuture::from(self.inner().first(None)?).await?;
        Ok(if nullish(&row) { None } else { Some(Row::new(row)) })
    }

    async fn all_rows(&self) -> Result<Vec<Row>, JsValue> {
        Ok(Answer(JsFuture::from(self.inner().all()?).await?).rows())
    }

    async fn first_text(&self, column: &str) -> Result<Option<String>, JsValue> {
        let value = JsFuture::from(self.inner().first(Some(column))?).await?;
        text_of(value).map_err(|_| unexpected(column))
    }

    async fn first_int(&self, column: &str) -> Result<Option<i64>, JsValue> {
        let value = JsFuture::from(self.inner().first(Some(column))?).await?;
        int_of(&value).map_err(|_| unexpected(column))
    }

    async fn execute(&self) -> Result<Answer, JsValue> {
        Ok(Answer(JsFuture::from(self.inner().run()?).await?))
    }
}

fn nullish(value: &JsValue) -> bool {
    value.is_null() || value.is_undefined()
}

fn text_of(value: JsValue) -> Result<Option<String>, ()> {
    if nullish(&value) {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or(())
}

/// An integer JavaScript can hold exactly (what serde_wasm_bindgen read as an `i64`).
fn int_of(value: &JsValue) -> Result<Option<i64>, ()> {
    if nullish(value) {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if Number::is_safe_integer(value) => Ok(Some(n as i64)),
        _ => Err(()),
    }
}

fn unexpected(column: &str) -> JsValue {
    JsValue::from_str(&format!("column {column}: unexpected value"))
}

/// A row as D1 answers it: column names to values. A getter that finds a value of the wrong
/// type (or none where one is required) marks the row bad; [`Row::read`] then fails.
pub struct Row {
    value: JsValue,
    bad: Cell<Option<&'static str>>,
}

impl Row {
    fn new(value: JsValue) -> Self {
        Self { value, bad: Cell::new(None) }
    }

    /// `decode` applied to the row, unless a column it read was not what it expected.
    pub fn read<T>(self, decode: fn(&Row) -> T) -> Result<T, JsValue> {
        let value = decode(&self);
        match self.bad.get() {
            Some(column) => Err(unexpected(column)),
            None => Ok(value),
        }
    }

    fn get(&self, column: &str) -> JsValue {
        Reflect::get(&self.value, &JsValue::from_str(column)).unwrap_or(JsValue::UNDEFINED)
    }

    fn mark(&self, column: &'static str) {
        if self.bad.get().is_none() {
            self.bad.set(Some(column));
        }
    }

    /// A TEXT column that may be NULL.
    pub fn opt_text(&self, column: &'static str) -> Option<String> {
        text_of(self.get(column)).unwrap_or_else(|()| {
            self.mark(column);
            None
        })
    }

    /// A TEXT column.
    pub fn text(&self, column: &'static str) -> String {
        self.opt_text(column).unwrap_or_else(|| {
            self.mark(column);
            String::new()
        })
    }

    /// An INTEGER column that may be NULL.
    pub fn opt_int(&self, column: &'static str) -> Option<i64> {
        int_of(&self.get(column)).unwrap_or_else(|()| {
            self.mark(column);
            None
        })
    }

    /// An INTEGER column.
    pub fn int(&self, column: &'static str) -> i64 {
        self.opt_int(column).unwrap_or_else(|| {
            self.mark(column);
            0
        })
    }
}

/// The first row read with `decode`, if there was one.
pub fn read_one<T>(row: Option<Row>, decode: fn(&Row) -> T, doing: &str) -> Result<Option<T>, ApiError> {
    row.map(|r| r.read(decode)).transpose().map_err(|e| failed(doing, e))
}

/// Every row read with `decode`.
pub fn read_all<T>(rows: Vec<Row>, decode: fn(&Row) -> T, doing: &str) -> Result<Vec<T>, ApiError> {
    let mut all = Vec::with_capacity(rows.len());
    for row in rows {
        all.push(row.read(decode).map_err(|e| failed(doing, e))?);
    }
    Ok(all)
}
