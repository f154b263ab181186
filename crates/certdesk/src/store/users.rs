//! Accounts: creating them, reading them for sign-in, and the admins' list, role and
//! activation changes.

use domain::{ids::UserId, role::Role};
use jiff::Timestamp;
use sqlx::{any::AnyRow, Row};

use super::{
    new_id,
    sql::{contains_pattern, fold, fold_sql, RowExt, Select},
    ts_to_db, Conn, StoreError, StoreResult,
};

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: Timestamp,
    /// Also wants by e-mail the notices that are in-app only by default.
    pub mail_copies: bool,
    /// When the account last signed in (browser or API), if ever since this was recorded.
    pub last_login_at: Option<Timestamp>,
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub dni: Option<&'a str>,
    pub position: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub dependency: Option<&'a str>,
}

pub(super) const COLUMNS: &str =
    "id, email, name, role, active, created_at, mail_copies, last_login_at";

pub(super) fn from_row(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: row.parse("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: row.parse("role")?,
        active: row.try_get::<i64, _>("active")? == 1,
        created_at: row.ts("created_at")?,
        mail_copies: row.try_get::<i64, _>("mail_copies")? == 1,
        last_login_at: row.ts_opt("last_login_at")?,
    })
}

/// Sets whether the user also wants by e-mail the in-app-only notices.
pub async fn set_mail_copies(conn: &mut Conn, id: UserId, wanted: bool) -> StoreResult<()> {
    sqlx::query("UPDATE users SET mail_copies = $1 WHERE id = $2")
        .bind(i64::from(wanted))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Active analysts (not admins): who works the queue day to day.
pub async fn active_analysts(conn: &mut Conn) -> StoreResult<Vec<User>> {
    Select::new(&format!("SELECT {COLUMNS} FROM users"))
        .filter("role = ?", Role::Analista.as_str())
        .filter("active = ?", 1_i64)
        .order_limit("email", 1000)
        .fetch(conn, from_row)
        .await
}

/// Inserts an account. A taken e-mail is `Conflict` on `users.email` / `users_email_key`.
pub async fn insert(conn: &mut Conn, user: &NewUser<'_>, now: Timestamp) -> StoreResult<User> {
    let row = sqlx::query(&format!(
        "INSERT INTO users (id, email, name, role, password_hash, dni, position, unit, dependency, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) RETURNING {COLUMNS}"
    ))
    .bind(new_id::<UserId>(now).to_string())
    .bind(user.email)
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(user.dni)
    .bind(user.position)
    .bind(user.unit)
    .bind(user.dependency)
    .bind(ts_to_db(now))
    .fetch_one(&mut *conn)
    .await?;
    from_row(&row)
}

pub async fn by_id(conn: &mut Conn, id: UserId) -> StoreResult<User> {
    Select::new(&format!("SELECT {COLUMNS} FROM users"))
        .filter("id = ?", id.to_string())
        .one(conn, from_row)
        .await
}

/// The account and its password hash, for checking a login.
pub async fn credentials(
    conn: &mut Conn,
    email: &str,
) -> StoreResult<Option<(User, Option<String>)>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some((from_row(&row)?, row.try_get("password_hash")?))),
        None => Ok(None),
    }
}

pub async fn set_password_hash(conn: &mut Conn, user_id: UserId, hash: &str) -> StoreResult<()> {
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn count(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// The account with this e-mail, if any.
pub async fn by_email(conn: &mut Conn, email: &str) -> StoreResult<Option<User>> {
    Select::new(&format!("SELECT {COLUMNS} FROM users"))
        .filter("email = ?", email)
        .first(conn, from_row)
        .await
}

/// What the admins' list of accounts is narrowed to; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Each word must appear in the name or the e-mail (case and accents ignored).
    pub words: Vec<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Accounts by name (then id), as `filter` says; `after` is the last id of the previous
/// page. The cursor is an id: its name is looked up, so the page goes on after it.
pub async fn search(
    conn: &mut Conn,
    filter: &UserFilter,
    after: Option<UserId>,
    limit: i64,
) -> StoreResult<Vec<User>> {
    let matches = format!(
        "({} LIKE ? ESCAPE '\\' OR LOWER(email) LIKE ? ESCAPE '\\')",
        fold_sql("name")
    );
    let mut select = Select::new(&format!("SELECT {COLUMNS} FROM users"))
        .filter_opt("role = ?", filter.role.map(|r| r.as_str()))
        .filter_opt("active = ?", filter.active.map(i64::from));
    for word in &filter.words {
        select = select.filter(&matches, contains_pattern(&fold(word)));
    }
    if let Some(after) = after {
        let id = after.to_string();
        select = select.filter_pair(
            "(name > (SELECT c.name FROM users c WHERE c.id = ?1) \
             OR (name = (SELECT c.name FROM users c WHERE c.id = ?1) AND id > ?2))",
            id.clone(),
            id,
        );
    }
    select
        .order_limit("name, id", limit)
        .fetch(conn, from_row)
        .await
}

/// Takes the accounts lock for the rest of the transaction: role and activation changes
/// run one after the other, so the "last active admin" check cannot race.
pub async fn lock_accounts(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query("UPDATE batch_lock SET ticks = ticks + 1 WHERE name = 'accounts'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many active admins there are.
pub async fn count_active_admins(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = $1 AND active = 1")
        .bind(Role::Admin.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn set_role(conn: &mut Conn, id: UserId, role: Role) -> StoreResult<()> {
    let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn set_active(conn: &mut Conn, id: UserId, active: bool) -> StoreResult<()> {
    let done = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Records a successful sign-in.
pub async fn record_login(conn: &mut Conn, id: UserId, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(ts_to_db(now))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
