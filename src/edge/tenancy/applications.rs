//! Applications in D1: the `applications` table, with each hostname mirrored in
//! `application_hostnames` (one application per hostname) for the Host lookup of public requests.
//! Every change is one D1 batch, which runs as a transaction: it happens whole or not at all, and
//! runs through `app_lookup::run_changing_batch`, which empties the isolate's cache of
//! looked-up applications around it.

use wasm_bindgen::JsValue;
use worker::{console_error, D1Database, D1PreparedStatement};

use crate::contract::error::ApiError;
use crate::edge::events::Recorded;
use crate::edge::platform::db::{self, error_text, failed, query, read_one, Answer, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::edge::tenancy::app_lookup;
use crate::tenancy::application::{Application, ApplicationPatch, NewApplication, PasskeyConfig, PasskeyConfigPatch};
use crate::tenancy::branding::{Branding, BrandingPatch};

const COLUMNS: &str = "id, name, rp_id, rp_name, origins, hostnames, redirect_uris, passkey_config, created_at, updated_at, event_retention_days, logo_url, primary_color, support_url";
/// Read with every application: whether it has an enabled webhook endpoint (`Application::webhooks`).
const WEBHOOKS: &str = "EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.app_id = applications.id AND w.enabled = 1) AS webhooks";

/// A row as D1 answers it: lists and the passkey config are JSON text.
struct Row {
    id: String,
    name: String,
    rp_id: String,
    rp_name: String,
    origins: String,
    hostnames: String,
    redirect_uris: String,
    passkey_config: String,
    created_at: i64,
    updated_at: i64,
    event_retention_days: i64,
    logo_url: Option<String>,
    primary_color: Option<String>,
    support_url: Option<String>,
    webhooks: bool,
}

fn from_row(r: &db::Row) -> Row {
    Row {
        id: r.text("id"),
        name: r.text("name"),
        rp_id: r.text("rp_id"),
        rp_name: r.text("rp_name"),
        origins: r.text("origins"),
        hostnames: r.text("hostnames"),
        redirect_uris: r.text("redirect_uris"),
        passkey_config: r.text("passkey_config"),
        created_at: r.int("created_at"),
        updated_at: r.int("updated_at"),
        event_retention_days: r.int("event_retention_days"),
        logo_url: r.opt_text("logo_url"),
        primary_color: r.opt_text("primary_color"),
        support_url: r.opt_text("support_url"),
        webhooks: r.opt_int("webhooks").unwrap_or(0) != 0,
    }
}

impl Row {
    fn into_application(self) -> ApiResult<Application> {
        let list = |text: &str, column: &str| serde_json::from_str::<Vec<String>>(text).map_err(|_| corrupt(&self.id, column));
        Ok(Application {
            origins: list(&self.origins, "origins")?,
            hostnames: list(&self.hostnames, "hostnames")?,
            redirect_uris: list(&self.redirect_uris, "redirect_uris")?,
            passkey: parse_config(&self.id, &self.passkey_config)?,
            event_retention_days: u32::try_from(self.event_retention_days).unwrap_or(crate::tenancy::application::DEFAULT_EVENT_RETENTION_DAYS),
            branding: Branding { logo_url: self.logo_url, primary_color: self.primary_color, support_url: self.support_url },
            webhooks: self.webhooks,
            id: self.id,
            name: self.name,
            rp_id: self.rp_id,
            rp_name: self.rp_name,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn parse_config(app_id: &str, text: &str) -> ApiResult<PasskeyConfig> {
    serde_json::from_str(text).map_err(|_| corrupt(app_id, "passkey_config"))
}

fn corrupt(app_id: &str, column: &str) -> ApiError {
    console_error!("D1: application {app_id} has an unreadable {column}");
    ApiError::internal()
}

fn json_text<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|_| ApiError::internal())
}

/// The application `id`.
pub async fn find(db: &D1Database, id: &str) -> ApiResult<Option<Application>> {
    let sql = format!("SELECT {COLUMNS}, {WEBHOOKS} FROM applications WHERE id = ?1");
    let stmt = query!(db, &sql, id).map_err(|e| failed("prepare application lookup", e))?;
    first(stmt, "find application").await
}

/// The application served at `hostname` (lowercase, without port), else the application `id`:
/// one query, so a request named by `X-Authaz-App` costs one D1 round trip, not two.
pub async fn find_by_hostname_or_id(db: &D1Database, hostname: Option<&str>, id: Option<&str>) -> ApiResult<Option<Application>> {
    let sql = format!(
        "SELECT {COLUMNS}, {WEBHOOKS} FROM applications
         WHERE id = (SELECT app_id FROM application_hostnames WHERE hostname = ?1) OR id = ?2
         ORDER BY id IS ?2 LIMIT 1"
    );
    let stmt = query!(db, &sql, &hostname, &id).map_err(|e| failed("prepare application lookup", e))?;
    first(stmt, "find application by hostname or id").await
}

async fn first(stmt: D1PreparedStatement, doing: &str) -> ApiResult<Option<Application>> {
    let row = stmt.first_row().await.map_err(|e| failed(doing, e))?;
    read_one(row, from_row, doing)?.map(Row::into_application).transpose()
}

/// Refuses hostnames that another application already serves (`400 invalid_request`: the
/// contract has no conflict code for applications).
pub async fn check_hostnames_free(db: &D1Database, hostnames: &[String], app_id: Option<&str>) -> ApiResult<()> {
    if hostnames.is_empty() {
        return Ok(());
    }
    let hostnames = json_text(&hostnames)?;
    let taken = query!(
        db,
        "SELECT hostname FROM application_hostnames
         WHERE hostname IN (SELECT value FROM json_each(?1)) AND app_id IS NOT ?2 LIMIT 1",
        &hostnames,
        &app_id
    )
    .map_err(|e| failed("prepare hostname check", e))?
    .first_text("hostname")
    .await
    .map_err(|e| failed("check hostnames", e))?;
    match taken {
        Some(hostname) => Err(hostname_taken(Some(&hostname))),
        None => Ok(()),
    }
}

fn hostname_taken(hostname: Option<&str>) -> ApiError {
    let which = hostname.map(|h| format!("\"{h}\"")).unwrap_or_else(|| "a hostname".to_owned());
    ApiError::invalid_request(format!("`hostnames`: {which} is already used by another application"))
}

/// A batch failed: a hostname taken meanwhile by another application is the caller's problem
/// (the batch was rolled back); anything else is ours.
fn batch_failed(doing: &str, err: JsValue) -> ApiError {
    if error_text(&err).contains("application_hostnames.hostname") {
        return hostname_taken(None);
    }
    failed(doing, err)
}

fn insert_hostnames(db: &D1Database, app_id: &str, hostnames: &[String]) -> ApiResult<D1PreparedStatement> {
    let hostnames = json_text(&hostnames)?;
    query!(db, "INSERT INTO application_hostnames (hostname, app_id) SELECT value, ?2 FROM json_each(?1)", &hostnames, app_id)
        .map_err(|e| failed("prepare hostnames insert", e))
}

/// Stores a new application, its hostnames and `extra` (its API key and its record) in one transaction.
pub async fn create(db: &D1Database, id: &str, new: &NewApplication, now_ms: i64, extra: Vec<D1PreparedStatement>) -> ApiResult<Application> {
    let app = Application {
        id: id.to_owned(),
        name: new.name.clone(),
        rp_id: new.rp_id.clone(),
        rp_name: new.rp_name.clone(),
        origins: new.origins.clone(),
        hostnames: new.hostnames.clone(),
        redirect_uris: new.redirect_uris.clone(),
        passkey: PasskeyConfig::default(),
        event_retention_days: new.event_retention_days,
        branding: new.branding.clone(),
        webhooks: false,
        created_at: now_ms,
        updated_at: now_ms,
    };
    let (origins, hostnames) = (json_text(&app.origins)?, json_text(&app.hostnames)?);
    let (redirect_uris, passkey) = (json_text(&app.redirect_uris)?, json_text(&app.passkey)?);
    let insert_app = query!(
        db,
        &format!("INSERT INTO applications ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)"),
        &app.id,
        &app.name,
        &app.rp_id,
        &app.rp_name,
        &origins,
        &hostnames,
        &redirect_uris,
        &passkey,
        now_ms,
        app.event_retention_days,
        &app.branding.logo_url,
        &app.branding.primary_color,
        &app.branding.support_url
    )
    .map_err(|e| failed("prepare application insert", e))?;
    let mut statements = vec![insert_app];
    statements.extend(extra);
    if !app.hostnames.is_empty() {
        statements.push(insert_hostnames(db, id, &app.hostnames)?);
    }
    app_lookup::run_changing_batch(db, statements).await.map_err(|e| batch_failed("create application", e))?;
    Ok(app)
}

/// Applies `patch` to the application `id`, with `extra` (its audit event) in the same batch;
/// `None` when there is no such application. The fields left out of the patch are not written,
/// so concurrent patches of different fields both take effect.
pub async fn update(
    db: &D1Database,
    id: &str,
    patch: &ApplicationPatch,
    now_ms: i64,
    extra: Vec<D1PreparedStatement>,
) -> ApiResult<Option<Application>> {
    let list = |l: &Option<Vec<String>>| l.as_ref().map(json_text).transpose();
    let (origins, hostnames, redirect_uris) = (list(&patch.origins)?, list(&patch.hostnames)?, list(&patch.redirect_uris)?);
    // A branding field: NULL keeps it, '' clears it (no valid value is empty), else the new value.
    let branding = |field: fn(&BrandingPatch) -> &Option<Option<String>>| -> Option<String> {
        patch.branding.as_ref().and_then(|b| field(b).as_ref()).map(|v| v.clone().unwrap_or_default())
    };
    let update = query!(
        db,
        "UPDATE applications SET
           name = coalesce(?2, name), rp_name = coalesce(?3, rp_name), origins = coalesce(?4, origins),
           hostnames = coalesce(?5, hostnames), redirect_uris = coalesce(?6, redirect_uris), updated_at = ?7,
           event_retention_days = coalesce(?8, event_retention_days),
           logo_url = CASE WHEN ?9 IS NULL THEN logo_url ELSE nullif(?9, '') END,
           primary_color = CASE WHEN ?10 IS NULL THEN primary_color ELSE nullif(?10, '') END,
           support_url = CASE WHEN ?11 IS NULL THEN support_url ELSE nullif(?11, '') END
         WHERE id = ?1",
        id,
        &patch.name,
        &patch.rp_name,
        &origins,
        &hostnames,
        &redirect_uris,
        now_ms,
        &patch.event_retention_days,
        &branding(|b| &b.logo_url),
        &branding(|b| &b.primary_color),
        &branding(|b| &b.support_url)
    )
    .map_err(|e| failed("prepare application update", e))?;
    let mut statements = vec![update];
    statements.extend(extra);
    if let (Some(list), Some(hostnames)) = (&patch.hostnames, &hostnames) {
        statements.push(query!(db, "DELETE FROM application_hostnames WHERE app_id = ?1", id).map_err(|e| failed("prepare hostnames delete", e))?);
        if !list.is_empty() {
            // Only while the application exists: a patch of an unknown id must leave no rows.
            statements.push(
                query!(
                    db,
                    "INSERT INTO application_hostnames (hostname, app_id)
                     SELECT value, ?2 FROM json_each(?1) WHERE EXISTS (SELECT 1 FROM applications WHERE id = ?2)",
                    hostnames,
                    id
                )
                .map_err(|e| failed("prepare hostnames insert", e))?,
            );
        }
    }
    let sql = format!("SELECT {COLUMNS}, {WEBHOOKS} FROM applications WHERE id = ?1");
    statements.push(query!(db, &sql, id).map_err(|e| failed("prepare application lookup", e))?);
    let results = app_lookup::run_changing_batch(db, statements).await.map_err(|e| batch_failed("update application", e))?;
    let row = results.last().and_then(|r| r.rows().into_iter().next());
    read_one(row, from_row, "update application")?.map(Row::into_application).transpose()
}

/// How often a passkey-config write is retried when another write changed the config between
/// our read and our write.
const CONFIG_WRITE_ATTEMPTS: usize = 5;

/// Merges `patch` into the passkey config of application `id`; `None` when there is no such
/// application. Read, merge, then write only if the stored config is still what was read (a
/// compare-and-set), so a concurrent PUT of other fields is never lost. `event` makes the audit
/// event of a change from the stored config to the merged one (`None`: nothing to record); it is
/// written in the write's batch, only when the write took effect.
pub async fn update_passkey_config(
    db: &D1Database,
    id: &str,
    patch: &PasskeyConfigPatch,
    now_ms: i64,
    mut event: impl FnMut(&PasskeyConfig, &PasskeyConfig) -> ApiResult<Option<Recorded>>,
) -> ApiResult<Option<(PasskeyConfig, Option<Recorded>)>> {
    for _ in 0..CONFIG_WRITE_ATTEMPTS {
        let stored = query!(db, "SELECT passkey_config FROM applications WHERE id = ?1", id)
            .map_err(|e| failed("prepare passkey config read", e))?
            .first_text("passkey_config")
            .await
            .map_err(|e| failed("read passkey config", e))?;
        let Some(stored) = stored else { return Ok(None) };
        let before = parse_config(id, &stored)?;
        let merged = patch.apply(&before);
        let merged_text = json_text(&merged)?;
        let recorded = event(&before, &merged)?;
        let write = query!(
            db,
            "UPDATE applications SET passkey_config = ?1, updated_at = ?2 WHERE id = ?3 AND passkey_config = ?4",
            &merged_text,
            now_ms,
            id,
            &stored
        )
        .map_err(|e| failed("prepare passkey config write", e))?;
        let mut statements = vec![write];
        statements.extend(recorded.as_ref().map(|r| r.stmt.clone()));
        let results = app_lookup::run_changing_batch(db, statements).await.map_err(|e| failed("write passkey config", e))?;
        let changes = results.first().map_or(0, Answer::changes);
        if changes == 1 {
            return Ok(Some((merged, recorded)));
        }
    }
    console_error!("passkey config of {id}: gave up after {CONFIG_WRITE_ATTEMPTS} concurrent writes");
    Err(ApiError::internal())
}
