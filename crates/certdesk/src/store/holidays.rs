//! Non-working days for the batch calendar: national holidays (seeded per year) and the
//! days admins add by decree.

use jiff::{civil::Date, Timestamp};
use sqlx::Row;

use super::{ts_to_db, Conn, StoreError, StoreResult};

/// Where a holiday came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidaySource {
    /// Computed from the law (seeded).
    Nacional,
    /// Decreed non-working day, added by an admin.
    Decretado,
}

impl HolidaySource {
    pub fn as_str(self) -> &'static str {
        match self {
            HolidaySource::Nacional => "nacional",
            HolidaySource::Decretado => "decretado",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "nacional" => Ok(HolidaySource::Nacional),
            "decretado" => Ok(HolidaySource::Decretado),
            other => Err(StoreError::Corrupt(format!("holiday source {other}"))),
        }
    }
}

/// A stored non-working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHoliday {
    pub date: Date,
    pub name: String,
    pub source: HolidaySource,
}

fn stored_from(row: &sqlx::any::AnyRow) -> StoreResult<StoredHoliday> {
    let day: String = row.try_get("day")?;
    let source: String = row.try_get("source")?;
    Ok(StoredHoliday {
        date: day
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("holiday {day}")))?,
        name: row.try_get("name")?,
        source: HolidaySource::parse(&source)?,
    })
}

/// Every stored non-working day of `year`, in date order.
pub async fn in_year(conn: &mut Conn, year: i16) -> StoreResult<Vec<StoredHoliday>> {
    // `day` is `YYYY-MM-DD` text: the year's days sort between these two strings.
    let rows = sqlx::query(
        "SELECT day, name, source FROM holidays WHERE day >= $1 AND day <= $2 ORDER BY day",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(stored_from).collect()
}

/// The stored non-working day on `day`, if any.
pub async fn on(conn: &mut Conn, day: Date) -> StoreResult<Option<StoredHoliday>> {
    let row = sqlx::query("SELECT day, name, source FROM holidays WHERE day = $1")
        .bind(day.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(stored_from).transpose()
}

/// Adds a non-working day; a day already listed is `Conflict` (on `day`).
pub async fn insert(
    conn: &mut Conn,
    day: Date,
    name: &str,
    source: HolidaySource,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO holidays (day, name, source) VALUES ($1, $2, $3)")
        .bind(day.to_string())
        .bind(name)
        .bind(source.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes a decreed day; false when there was no decreed day on `day`.
pub async fn delete_decreed(conn: &mut Conn, day: Date) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM holidays WHERE day = $1 AND source = $2")
        .bind(day.to_string())
        .bind(HolidaySource::Decretado.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Years whose national holidays were already seeded, among `years`.
pub async fn seeded_years(conn: &mut Conn, from: i16, to: i16) -> StoreResult<Vec<i16>> {
    let rows = sqlx::query("SELECT year FROM holiday_years WHERE year >= $1 AND year <= $2")
        .bind(i64::from(from))
        .bind(i64::from(to))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let year: i64 = row.try_get("year")?;
            i16::try_from(year).map_err(|_| StoreError::Corrupt(format!("year {year}")))
        })
        .collect()
}

/// Seeds one year's holidays, once. False when another process seeded it first.
pub async fn seed_year(
    conn: &mut Conn,
    year: i16,
    holidays: &[(Date, String)],
    now: Timestamp,
) -> StoreResult<bool> {
    let claimed = sqlx::query(
        "INSERT INTO holiday_years (year, seeded_at) VALUES ($1, $2) ON CONFLICT (year) DO NOTHING",
    )
    .bind(i64::from(year))
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(false);
    }
    for (day, name) in holidays {
        sqlx::query(
            "INSERT INTO holidays (day, name, source) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING",
        )
        .bind(day.to_string())
        .bind(name)
        .bind(HolidaySource::Nacional.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Adds (or renames) a non-working day.
pub async fn upsert(
    conn: &mut Conn,
    day: Date,
    name: &str,
    source: HolidaySource,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO holidays (day, name, source) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO UPDATE SET name = excluded.name, source = excluded.source",
    )
    .bind(day.to_string())
    .bind(name)
    .bind(source.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every non-working day between the two dates, inclusive.
pub async fn between(conn: &mut Conn, from: Date, to: Date) -> StoreResult<Vec<Date>> {
    let rows = sqlx::query("SELECT day FROM holidays WHERE day >= $1 AND day <= $2 ORDER BY day")
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let day: String = row.try_get("day")?;
            day.parse()
                .map_err(|_| StoreError::Corrupt(format!("holiday {day}")))
        })
        .collect()
}
