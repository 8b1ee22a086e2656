//! Writing an audit event: the `INSERT` that goes into the caller's `db.batch` next to the change
//! it records (so an event exists exactly when its change committed), and what happens once the
//! batch committed (`committed`: the webhooks queue hears of it).
//!
//! Events name users, passkeys and sessions by id and carry the request's client IP and user
//! agent; `detail` is type-specific and never holds a secret or an email address.

use worker::{D1Database, D1PreparedStatement, Env, Request};

use crate::contract::error::ApiError;
use crate::edge::platform::db::{failed, query, D1Batch};
use crate::edge::platform::http::ApiResult;
use crate::events::EventType;
use crate::tokens::secrets::{random_token, SystemRandom};

/// Longest user agent kept, in characters.
const MAX_USER_AGENT_CHARS: usize = 256;

/// Where a request came from, as an event records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// `CF-Connecting-IP`.
    pub ip: Option<String>,
    /// `User-Agent`, cut to 256 characters.
    pub user_agent: Option<String>,
}

impl Client {
    pub fn of(req: &Request) -> Self {
        let header = |name: &str| req.headers().get(name).ok().flatten().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            ip: header("cf-connecting-ip").filter(|ip| ip.len() <= 64),
            user_agent: header("user-agent").map(|ua| ua.chars().filter(|c| !c.is_control()).take(MAX_USER_AGENT_CHARS).collect()),
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The user themselves (a ceremony, a Bearer token).
    User,
    /// The operator key.
    Operator,
    /// An application API key, by its id (`key_...`).
    Key(String),
    /// The Worker itself (e.g. a Cron Trigger).
    System,
}

impl Actor {
    /// From `admin::caller::authenticate_actor`'s second value (`operator` or `key:<id>`).
    pub fn from_recorded(actor: &str) -> Self {
        match actor.strip_prefix("key:") {
            Some(id) => Self::Key(id.to_owned()),
            None if actor == "operator" => Self::Operator,
            None => Self::System,
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Self::User => "user".to_owned(),
            Self::Operator => "operator".to_owned(),
            Self::Key(id) => format!("key:{id}"),
            Self::System => "system".to_owned(),
        }
    }
}

/// An event's `detail`: a JSON object written as text field by field (in the Worker a
/// `serde_json::Value` built by `json!` at every call site costs several times the code).
#[derive(Debug, Clone, Default)]
pub struct Detail(String);

impl Detail {
    pub fn new() -> Self {
        Self::default()
    }

    fn key(&mut self, key: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        push_json_string(&mut self.0, key);
        self.0.push(':');
    }

    pub fn text(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_string(&mut self.0, value);
        self
    }

    /// A string, or `null` when absent.
    pub fn optional_text(mut self, key: &str, value: Option<&str>) -> Self {
        self.key(key);
        match value {
            Some(v) => push_json_string(&mut self.0, v),
            None => self.0.push_str("null"),
        }
        self
    }

    pub fn number(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        self.0.push_str(&value.to_string());
        self
    }

    pub fn flag(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
        self
    }

    pub fn texts<S: AsRef<str>>(mut self, key: &str, values: &[S]) -> Self {
        self.key(key);
        self.0.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            push_json_string(&mut self.0, v.as_ref());
        }
        self.0.push(']');
        self
    }

    /// The object's JSON text.
    pub fn into_json(self) -> String {
        if self.0.is_empty() {
            "{}".to_owned()
        } else {
            self.0 + "}"
        }
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: EventType,
    pub app_id: &'a str,
    pub user_id: Option<&'a str>,
    pub passkey_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub actor: Actor,
    pub detail: Detail,
    /// Whether the event is announced to the webhooks queue once committed: `false` only where
    /// the application is known to have no enabled webhook endpoint ([`NewEvent::announced`]).
    pub announce: bool,
}

impl<'a> NewEvent<'a> {
    /// An event of `kind` in `app_id`, by the user, with nothing else set.
    pub fn new(kind: EventType, app_id: &'a str) -> Self {
        Self { kind, app_id, user_id: None, passkey_id: None, session_id: None, actor: Actor::User, detail: Detail::default(), announce: true }
    }

    pub fn user(mut self, id: &'a str) -> Self {
        self.user_id = Some(id);
        self
    }

    pub fn passkey(mut self, id: &'a str) -> Self {
        self.passkey_id = Some(id);
        self
    }

    pub fn session(mut self, id: &'a str) -> Self {
        self.session_id = Some(id);
        self
    }

    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    pub fn detail(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    /// Announced only when the application has an enabled webhook endpoint (its
    /// `Application::webhooks`, read with it): the ceremonies of an application without webhooks
    /// make no queue call. Should that flag be a moment stale (a replica's copy), the deliveries
    /// the event's trigger wrote are announced by the hourly sweep.
    pub fn announced(mut self, webhooks: bool) -> Self {
        self.announce = webhooks;
        self
    }
}

/// An event whose `INSERT` is ready for a batch: after the batch committed, pass it to
/// [`committed`].
pub struct Recorded {
    pub id: String,
    pub stmt: D1PreparedStatement,
    announce: bool,
}

/// The `INSERT` of `event`, at `now_ms`, from `client`.
pub fn record(db: &D1Database, client: &Client, event: NewEvent, now_ms: i64) -> ApiResult<Recorded> {
    record_with(db, client, event, now_ms, false)
}

/// [`record`] for a change that may turn out to change nothing (a conditional `UPDATE` or
/// `DELETE`): the row is inserted only when the statement just before it in the batch changed a
/// row (SQLite's `changes()`). Hand it to [`committed`] only when that change happened.
pub fn record_if_changed(db: &D1Database, client: &Client, event: NewEvent, now_ms: i64) -> ApiResult<Recorded> {
    record_with(db, client, event, now_ms, true)
}

/// Writes a refused action's event alone (nothing else was written), then hands it on.
pub async fn write_alone(env: &Env, db: &D1Database, client: &Client, event: NewEvent<'_>, now_ms: i64) -> ApiResult<()> {
    let recorded = record(db, client, event, now_ms)?;
    db.run_batch(vec![recorded.stmt.clone()]).await.map_err(|e| failed("store event", e))?;
    committed(env, vec![recorded]).await;
    Ok(())
}

fn record_with(db: &D1Database, client: &Client, event: NewEvent, now_ms: i64, if_changed: bool) -> ApiResult<Recorded> {
    let id = random_token(&mut SystemRandom, "evt_", 16).map_err(|_| ApiError::internal())?;
    let actor = event.actor.as_string();
    let announce = event.announce;
    let detail_text = event.detail.into_json();
    let sql = if if_changed {
        "INSERT INTO events (id, app_id, type, user_id, passkey_id, session_id, actor, ip, user_agent, detail, at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE changes() > 0"
    } else {
        "INSERT INTO events (id, app_id, type, user_id, passkey_id, session_id, actor, ip, user_agent, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    };
    let stmt = query!(
        db,
        sql,
        &id,
        event.app_id,
        event.kind.as_str(),
        &event.user_id,
        &event.passkey_id,
        &event.session_id,
        &actor,
        &client.ip,
        &client.user_agent,
        &detail_text,
        now_ms,
    )
    .map_err(|e| failed("prepare event insert", e))?;
    Ok(Recorded { id, stmt, announce })
}

/// Sets `detail.<key>` of the event `event_id` to the number of rows the statement just before
/// this one in the batch changed (SQLite's `changes()`), e.g. the sessions a removal ended.
pub fn detail_count_stmt(db: &D1Database, event_id: &str, key: &str) -> ApiResult<D1PreparedStatement> {
    let path = format!("$.{key}");
    query!(db, "UPDATE events SET detail = json_set(detail, ?2, changes()) WHERE id = ?1", event_id, &path)
        .map_err(|e| failed("prepare event detail count", e))
}

/// Hands events on once the batch that wrote them committed (never before: a change that did
/// not commit is never announced): the webhooks queue learns their ids.
pub async fn committed(env: &Env, events: Vec<Recorded>) {
    let ids: Vec<&str> = events.iter().filter(|e| e.announce).map(|e| e.id.as_str()).collect();
    crate::edge::webhooks::announce::events(env, &ids).await;
}
