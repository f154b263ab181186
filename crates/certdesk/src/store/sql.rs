//! Two small tools every store module uses: reading a column into its domain type (a value
//! that does not parse is [`StoreError::Corrupt`], naming the column, never the value,
//! which may be personal data), and building a `SELECT` whose filters are optional.

use std::str::FromStr;

use jiff::{civil::Date, Timestamp};
use sqlx::{any::AnyRow, Row};

use super::{ts_from_db, Conn, StoreError, StoreResult};

/// Reading typed values out of a row.
pub(crate) trait RowExt {
    /// A TEXT column read into its type: ids, statuses, DNIs, dates.
    fn parse<T: FromStr>(&self, column: &str) -> StoreResult<T>;
    /// A nullable TEXT column read into its type.
    fn parse_opt<T: FromStr>(&self, column: &str) -> StoreResult<Option<T>>;
    /// A BIGINT microseconds column.
    fn ts(&self, column: &str) -> StoreResult<Timestamp>;
    /// A nullable BIGINT microseconds column.
    fn ts_opt(&self, column: &str) -> StoreResult<Option<Timestamp>>;
}

fn corrupt(column: &str) -> StoreError {
    StoreError::Corrupt(format!("column {column} holds a value that does not parse"))
}

impl RowExt for AnyRow {
    fn parse<T: FromStr>(&self, column: &str) -> StoreResult<T> {
        let raw: String = self.try_get(column)?;
        raw.parse().map_err(|_| corrupt(column))
    }

    fn parse_opt<T: FromStr>(&self, column: &str) -> StoreResult<Option<T>> {
        let raw: Option<String> = self.try_get(column)?;
        raw.map(|v| v.parse().map_err(|_| corrupt(column)))
            .transpose()
    }

    fn ts(&self, column: &str) -> StoreResult<Timestamp> {
        ts_from_db(self.try_get(column)?)
    }

    fn ts_opt(&self, column: &str) -> StoreResult<Option<Timestamp>> {
        self.try_get::<Option<i64>, _>(column)?
            .map(ts_from_db)
            .transpose()
    }
}

/// Dates are stored as `YYYY-MM-DD` text.
pub(crate) fn date_to_db(d: Date) -> String {
    d.to_string()
}

/// Letters folded for searching: each accented letter (either case) and its plain one.
/// `LOWER` folds ASCII on both databases but other letters only on PostgreSQL, so both
/// cases of each are listed.
const FOLDS: [(&str, &str); 16] = [
    ("á", "a"),
    ("Á", "a"),
    ("é", "e"),
    ("É", "e"),
    ("í", "i"),
    ("Í", "i"),
    ("ó", "o"),
    ("Ó", "o"),
    ("ú", "u"),
    ("Ú", "u"),
    ("ü", "u"),
    ("Ü", "u"),
    ("ñ", "n"),
    ("Ñ", "n"),
    ("à", "a"),
    ("è", "e"),
];

/// `expr` folded in SQL the way [`fold`] folds text in Rust: lower case, without accents.
/// The same on SQLite and PostgreSQL (`LOWER` and `REPLACE` only).
pub(crate) fn fold_sql(expr: &str) -> String {
    FOLDS
        .iter()
        .fold(format!("LOWER({expr})"), |acc, (from, to)| {
            format!("REPLACE({acc}, '{from}', '{to}')")
        })
}

/// Text folded for searching: lower case, without accents (as [`fold_sql`] folds columns).
pub(crate) fn fold(text: &str) -> String {
    let mut out = text.to_lowercase();
    for (from, to) in FOLDS {
        out = out.replace(from, to);
    }
    out
}

/// A `LIKE` pattern that finds `needle` anywhere, its `%`, `_` and backslash taken literally
/// (with `ESCAPE` backslash).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Rows of a multi-row `INSERT … VALUES`: `($1, $2), ($3, $4)` for 2 rows of 2 columns.
pub(crate) fn values_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row `INSERT`: 500 rows of up to 12 values stay far below both engines'
/// bound on bound values.
pub(crate) const ROWS_PER_INSERT: usize = 500;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

/// A `SELECT` whose `WHERE` conditions are added only when their value is present, with
/// `$n` placeholders numbered as they come (sqlx's `QueryBuilder` writes `?` for the Any
/// driver, which PostgreSQL refuses).
#[derive(Debug)]
pub(crate) struct Select {
    sql: String,
    args: Vec<Arg>,
    has_where: bool,
}

impl Select {
    /// `SELECT … FROM …` with no `WHERE`.
    pub(crate) fn new(select_from: &str) -> Self {
        Select {
            sql: select_from.to_owned(),
            args: Vec::new(),
            has_where: false,
        }
    }

    /// Adds a condition that takes no value (`t.status IN ('enviado', …)`).
    pub(crate) fn where_sql(mut self, condition: &str) -> Self {
        self.sql
            .push_str(if self.has_where { " AND " } else { " WHERE " });
        self.sql.push_str(condition);
        self.has_where = true;
        self
    }

    /// Adds `condition` with each `?` replaced by the next placeholder bound to `value`.
    pub(crate) fn filter(mut self, condition: &str, value: impl Into<Arg>) -> Self {
        let n = self.args.len() + 1;
        self.args.push(value.into());
        self.where_sql(&condition.replace('?', &format!("${n}")))
    }

    /// Adds `condition` with `?1` and `?2` bound to the two values (a keyset cursor).
    pub(crate) fn filter_pair(
        mut self,
        condition: &str,
        first: impl Into<Arg>,
        second: impl Into<Arg>,
    ) -> Self {
        let n = self.args.len() + 1;
        self.args.push(first.into());
        self.args.push(second.into());
        let condition = condition
            .replace("?1", &format!("${n}"))
            .replace("?2", &format!("${}", n + 1));
        self.where_sql(&condition)
    }

    /// [`filter`](Self::filter) when `value` is present.
    pub(crate) fn filter_opt<V: Into<Arg>>(self, condition: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.filter(condition, v),
            None => self,
        }
    }

    /// The query so far as a subquery: `prefix` before it and `suffix` after it (their own
    /// placeholders, if any, come after the query's).
    pub(crate) fn wrapped(mut self, prefix: &str, suffix: &str) -> Self {
        self.sql = format!("{prefix}{}{suffix}", self.sql);
        self.has_where = false;
        self
    }

    /// `ORDER BY …` without a limit (the outer order of a [`wrapped`](Self::wrapped) page).
    pub(crate) fn order_by(mut self, order_by: &str) -> Self {
        self.sql.push_str(&format!(" ORDER BY {order_by}"));
        self
    }

    /// Ends the query: `ORDER BY …` and `LIMIT`.
    pub(crate) fn order_limit(mut self, order_by: &str, limit: i64) -> Self {
        let n = self.args.len() + 1;
        self.sql
            .push_str(&format!(" ORDER BY {order_by} LIMIT ${n}"));
        self.args.push(Arg::Int(limit));
        self
    }

    /// Runs a lookup by a unique key and reads its row, if any.
    pub(crate) async fn first<T>(
        self,
        conn: &mut Conn,
        read: impl Fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        let mut rows = self.fetch(conn, read).await?;
        Ok((!rows.is_empty()).then(|| rows.swap_remove(0)))
    }

    /// Runs a lookup by a unique key and reads its row; `NotFound` when there is none.
    pub(crate) async fn one<T>(
        self,
        conn: &mut Conn,
        read: impl Fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.first(conn, read).await?.ok_or(StoreError::NotFound)
    }

    /// Runs the query and reads every row with `read`.
    pub(crate) async fn fetch<T>(
        self,
        conn: &mut Conn,
        read: impl Fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut query = sqlx::query(&self.sql);
        for arg in self.args {
            query = match arg {
                Arg::Text(v) => query.bind(v),
                Arg::Int(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&mut *conn).await?;
        rows.iter().map(read).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_the_order_conditions_are_added() {
        let q = Select::new("SELECT * FROM t")
            .filter_opt("a = ?", Some("x"))
            .filter_opt("b = ?", None::<&str>)
            .where_sql("c IS NULL")
            .filter("(d > ? OR d = ?)", 5)
            .filter_pair("(e > ?1 OR (e = ?1 AND id > ?2))", 7, "k")
            .order_limit("id DESC", 10);
        assert_eq!(
            q.sql,
            "SELECT * FROM t WHERE a = $1 AND c IS NULL AND (d > $2 OR d = $2) \
             AND (e > $3 OR (e = $3 AND id > $4)) ORDER BY id DESC LIMIT $5"
        );
        assert_eq!(q.args.len(), 5);
    }
}
