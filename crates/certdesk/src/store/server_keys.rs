//! Secrets the server makes for itself, once per database, so that every instance on the
//! same database shares them (the key that signs anonymous CSRF tokens).

use jiff::Timestamp;

use super::{ts_to_db, Conn, StoreResult};

/// The secret called `name`: the stored one, or `candidate` stored now when there is none.
/// Instances racing to create it all end up with the same one (the first insert wins).
pub async fn get_or_create(
    conn: &mut Conn,
    name: &str,
    candidate: &str,
    now: Timestamp,
) -> StoreResult<String> {
    sqlx::query(
        "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(candidate)
    .bind(ts_to_db(now))
    .execute(&mut *conn)
    .await?;
    let secret: String = sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(secret)
}
