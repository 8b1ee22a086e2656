//! Deleting a user: every row stored of them (passkeys, recovery codes, sessions and their
//! refresh tokens and OAuth bindings, email codes of their address, pending email changes,
//! hand-off and OAuth codes, the user) goes in one `db.batch` with the `user.deleted` event, so
//! their access tokens, whose session row is gone, stop working at once. The audit trail keeps
//! its events, which name the user by id only (never an email address).

use worker::{Env, Request};

use crate::edge::events::{self, Actor, Client, NewEvent};
use crate::edge::platform::db::{database, failed, query, D1Batch};
use crate::edge::platform::http::ApiResult;
use crate::edge::users::User;
use crate::events::EventType;

/// The deletes keyed by the user's id (`?1`), children before their parents.
const BY_USER: &[&str] = &[
    "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?1)",
    "DELETE FROM oidc_sessions WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?1)",
    "DELETE FROM sessions WHERE user_id = ?1",
    "DELETE FROM credentials WHERE user_id = ?1",
    "DELETE FROM recovery_codes WHERE user_id = ?1",
    "DELETE FROM authorization_codes WHERE user_id = ?1",
    "DELETE FROM oidc_codes WHERE user_id = ?1",
    "DELETE FROM email_changes WHERE user_id = ?1",
];

/// Deletes `user` and everything of theirs, recording `user.deleted` by `actor` (from session
/// `session_id` when the user acts) in the same transaction.
pub async fn delete_user(env: &Env, req: &Request, user: &User, actor: Actor, session_id: Option<&str>, now_ms: i64) -> ApiResult<()> {
    let db = database(env)?;
    let prepare = |e| failed("prepare user delete", e);
    let mut batch = Vec::with_capacity(BY_USER.len() + 3);
    for sql in BY_USER {
        batch.push(query!(&db, *sql, &user.id).map_err(prepare)?);
    }
    batch.push(query!(&db, "DELETE FROM email_verifications WHERE app_id = ?1 AND email = ?2", &user.app_id, &user.email).map_err(prepare)?);
    batch.push(query!(&db, "DELETE FROM users WHERE id = ?1 AND app_id = ?2", &user.id, &user.app_id).map_err(prepare)?);
    let mut event = NewEvent::new(EventType::UserDeleted, &user.app_id).user(&user.id).by(actor);
    event.session_id = session_id;
    let recorded = events::record(&db, &Client::of(req), event, now_ms)?;
    batch.push(recorded.stmt.clone());
    db.run_batch(batch).await.map_err(|e| failed("delete user", e))?;
    events::committed(env, vec![recorded]).await;
    Ok(())
}
