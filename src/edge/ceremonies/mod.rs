//! The WebAuthn ceremonies: signup, registration of another passkey, and login.
//!
//! Each `start` answers the WebAuthn options and keeps, under the fresh challenge, what its
//! `complete` will need (in the ChallengeStore Durable Object, until the application's timeout).
//! Each `complete` takes that back by the challenge the credential signed (its clientDataJSON, as
//! the core's `ParsedResponse` read it), once only, checks it was issued by the same application for the same ceremony, verifies the
//! credential with the core and stores what it yields in one D1 batch.
//!
//! This module serves the endpoints under `/auth/passkey-provider/` (with the email
//! verification that precedes signup) and holds what the three ceremonies share.

mod login;
mod register;
mod signup;

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::json_fields::{self, Fields};
use crate::contract::routes::Endpoint;
use crate::edge::email_verification;
use crate::edge::metadata::store as metadata_store;
use crate::edge::passkeys::credentials::StoredCredential;
use crate::edge::platform::db::{error_text, failed, replica, D1Batch};
use crate::edge::platform::http::{separately, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::platform::web_crypto;
use crate::edge::platform::{challenge_store, config};
use crate::edge::tenancy::app_lookup;
use crate::metadata::attestation_trust;
use crate::metadata::display::AuthenticatorSummary;
use crate::metadata::provider_names::aaguid_string;
use crate::metadata::registration::claimed_aaguid;
use crate::tenancy::application::Application;
use crate::tenancy::email_address::normalize_email;
use crate::tokens::challenge::{self, CHALLENGE_LEN};
use crate::tokens::secrets::{random_token, RandomSource, SystemRandom};
use crate::webauthn::{
    base64url, creation_options, verify_registration_with, CreationOptionsInput, CredentialDescriptor, Deferred, ErrorCode as Check,
    ParsedRegistration, RegistrationPolicy, VerifiedRegistration, VerifyError, DEFAULT_ALGORITHMS,
};

/// Bytes of a new user's WebAuthn user handle.
const USER_HANDLE_LEN: usize = 32;
/// Longest passkey name or display name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// Which ceremony a challenge was issued for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Ceremony {
    Signup,
    Register,
    Login,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Register => "register",
            Self::Login => "login",
        }
    }
}

/// What a start keeps under its challenge.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending<T> {
    app_id: String,
    ceremony: Ceremony,
    data: T,
}

/// Serves `endpoint` (one of the ceremonies or the email verification before signup) for the
/// request's application (`known` when the router already found it): refused while its passkeys
/// are off, and logged (one JSON line per outcome).
pub async fn serve(endpoint: Endpoint, req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Ceremony, endpoint.log_name());
    let result = async {
        let app = app_lookup::for_request(&req, env, known).await?;
        log.set_app(&app.id);
        if !app.passkey.enabled {
            return Err(ApiError::new(ErrorCode::PasskeyDisabled, "passkeys are not enabled for this application"));
        }
        match endpoint {
            Endpoint::VerifyEmailRequest => separately(email_verification::request(req, env, &app, now_ms)).await,
            Endpoint::VerifyEmailConfirm => separately(email_verification::confirm(req, env, &app, now_ms)).await,
            Endpoint::SignupStart => separately(signup::start(req, env, &app, now_ms)).await,
            Endpoint::SignupComplete => separately(signup::complete(req, env, &app, now_ms)).await,
            Endpoint::RegisterStart => separately(register::start(req, env, &app, now_ms)).await,
            Endpoint::RegisterComplete => separately(register::complete(req, env, &app, now_ms)).await,
            Endpoint::LoginStart => separately(login::start(req, env, &app)).await,
            Endpoint::LoginComplete => separately(login::complete(req, env, &app, now_ms)).await,
            _ => Err(ApiError::not_found("no such endpoint")),
        }
    }
    .await;
    log.finish(result)
}

/// Keeps `data` under a fresh challenge until the application's timeout, and answers the challenge.
async fn keep_pending<T: Serialize>(env: &Env, req: &Request, app: &Application, ceremony: Ceremony, data: T) -> ApiResult<Vec<u8>> {
    let pending = serde_json::to_string(&Pending { app_id: app.id.clone(), ceremony, data }).map_err(|_| ApiError::internal())?;
    keep(env, req, app, pending).await
}

/// [`keep_pending`] once its data is JSON text: compiled once, not once per ceremony's data.
async fn keep(env: &Env, req: &Request, app: &Application, pending: String) -> ApiResult<Vec<u8>> {
    let mut random = [0u8; CHALLENGE_LEN];
    SystemRandom.fill(&mut random).map_err(|_| ApiError::internal())?;
    let challenge = challenge::issue(random, &edge_location(req), config::hmac_key(env)?.as_slice());
    let ttl_ms = i64::try_from(app.passkey.timeout_ms).unwrap_or(i64::MAX);
    challenge_store::put(env, &challenge, pending, ttl_ms).await?;
    Ok(challenge.to_vec())
}

/// The edge location serving `req` (`request.cf.colo`, e.g. "FRA"); "" when the runtime does
/// not say.
fn edge_location(req: &Request) -> String {
    let cf = js_sys::Reflect::get(req.inner(), &"cf".into()).unwrap_or_default();
    if cf.is_object() {
        js_sys::Reflect::get(&cf, &"colo".into()).ok().and_then(|c| c.as_string()).unwrap_or_default()
    } else {
        String::new()
    }
}

/// Takes, at most once, what the start of `ceremony` kept under the challenge the credential
/// signed (the `challenge` of its clientDataJSON: `ParsedResponse::challenge`), and answers that
/// challenge with it.
/// Unknown or used: 400 verification_failed; expired: 410 challenge_expired; issued by another
/// application or for another ceremony: 400 verification_failed (and the challenge is used up).
async fn take_pending<T: DeserializeOwned>(env: &Env, app: &Application, ceremony: Ceremony, signed: Option<&[u8]>) -> ApiResult<(Vec<u8>, T)> {
    // One this Worker did not issue (its MAC fails) is refused before any holder is asked.
    let key = config::hmac_key(env)?;
    let challenge =
        signed.filter(|c| challenge::is_issued(c, &key)).map(<[u8]>::to_vec).ok_or_else(|| ApiError::check(Check::Challenge, "unknown challenge"))?;
    let kept = challenge_store::take(env, &challenge).await?;
    let pending: Pending<Value> = serde_json::from_str(&kept).map_err(|_| ApiError::internal())?;
    if pending.app_id != app.id {
        return Err(ApiError::check(Check::Challenge, "the challenge was issued by another application"));
    }
    if pending.ceremony != ceremony {
        let message = format!("the challenge was issued for {}, not {}", pending.ceremony.as_str(), ceremony.as_str());
        return Err(ApiError::check(Check::Challenge, &message));
    }
    let data = serde_json::from_value(pending.data).map_err(|_| ApiError::internal())?;
    Ok((challenge, data))
}

/// A core verification failure: 400 verification_failed, naming the check that failed.
fn verification_failed(err: VerifyError) -> ApiError {
    ApiError::check_failed(&err)
}

// ---- request bodies ----

/// A start's body: a JSON object (an empty body counts as `{}`).
fn body_fields(body: Value) -> ApiResult<Fields> {
    json_fields::into_object(body)
}

/// A complete's body: the credential JSON itself, or `{"credential": ..., other fields}`.
struct CompleteBody<C> {
    credential: C,
    /// The fields next to `credential` (none when the body is the credential itself).
    fields: Fields,
}

fn complete_body<C: DeserializeOwned>(body: Value) -> ApiResult<CompleteBody<C>> {
    let mut fields = body_fields(body)?;
    let credential = match fields.remove("credential") {
        Some(credential) => credential,
        None => Value::Object(std::mem::take(&mut fields)),
    };
    let credential = serde_json::from_value(credential)
        .map_err(|e| ApiError::invalid_request(format!("the credential is not a WebAuthn response JSON (credential.toJSON()): {e}")))?;
    Ok(CompleteBody { credential, fields })
}

/// An optional string field (`null` counts as left out).
fn optional_string<'a>(fields: &'a Fields, key: &str) -> ApiResult<Option<&'a str>> {
    json_fields::optional_str(fields, key)
}

/// The `email` field, required and in canonical form.
fn required_email(fields: &Fields) -> ApiResult<String> {
    let email = optional_string(fields, "email")?.ok_or_else(|| json_fields::missing("email"))?;
    normalize_email(email).ok_or_else(|| ApiError::invalid_request("`email` is not a valid email address"))
}

/// An optional display text (a passkey's `name`, a `displayName`): trimmed, 1 to 64
/// characters, no control characters.
fn optional_name(fields: &Fields, key: &str) -> ApiResult<Option<String>> {
    let Some(raw) = optional_string(fields, key)? else { return Ok(None) };
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!("`{key}` must be 1 to {MAX_NAME_CHARS} characters without control characters")));
    }
    Ok(Some(name.to_owned()))
}

// ---- registration, shared by signup and register ----

/// Who a new passkey is created for, as the creation options name them.
struct NewPasskeyOwner<'a> {
    user_handle: &'a [u8],
    email: &'a str,
    display_name: &'a str,
}

/// The application's creation options for `owner`, excluding the passkeys they already have.
fn creation_options_json(app: &Application, challenge: &[u8], owner: &NewPasskeyOwner, existing: &[StoredCredential]) -> Value {
    let exclude: Vec<CredentialDescriptor> = existing
        .iter()
        .filter_map(|c| {
            let id = base64url::decode(&c.credential_id, crate::webauthn::limits::MAX_CREDENTIAL_ID, "credential id").ok()?;
            Some(CredentialDescriptor { id, transports: c.transports.clone() })
        })
        .collect();
    let config = &app.passkey;
    let options = creation_options(&CreationOptionsInput {
        challenge,
        rp_id: &app.rp_id,
        rp_name: &app.rp_name,
        user_id: owner.user_handle,
        user_name: owner.email,
        user_display_name: owner.display_name,
        algorithms: &DEFAULT_ALGORITHMS,
        timeout_ms: timeout_ms(app),
        exclude_credentials: &exclude,
        resident_key: config.resident_key,
        user_verification: config.user_verification,
        authenticator_attachment: config.authenticator_attachment,
        attestation: config.attestation,
        hints: &[],
    });
    serde_json::to_value(options).unwrap_or(Value::Null)
}

fn timeout_ms(app: &Application) -> u32 {
    u32::try_from(app.passkey.timeout_ms).unwrap_or(u32::MAX)
}

/// Verifies a registration response against the application and the challenge, its signatures
/// and new key through WebCrypto, then the application's authenticator policy against the
/// metadata of its AAGUID (one D1 read by primary key, through a read replica: the metadata
/// changes only when the daily MDS refresh writes it, so a moment-old copy is as good as the
/// stored one; with `attestationTrust: "mds"` the attestation must chain to that AAGUID's MDS
/// roots). A credential id already registered in the application is refused when it is stored
/// (the UNIQUE constraint, see [`commit`]).
async fn verify_new_passkey(
    env: &Env,
    app: &Application,
    challenge: &[u8],
    credential: &ParsedRegistration<'_>,
    now_ms: i64,
) -> ApiResult<(VerifiedRegistration, Option<AuthenticatorSummary>, bool)> {
    let aaguid = claimed_aaguid(credential.json());
    let entry = match &aaguid {
        Some(aaguid) => metadata_store::find(&replica(env)?, aaguid).await?,
        None => None,
    };
    let policy = &app.passkey.authenticators;
    let attestation_requested = app.passkey.attestation != crate::webauthn::AttestationConveyance::None;
    let anchors = policy.trust_anchors(attestation_requested, aaguid.as_deref().unwrap_or_default(), entry.as_ref());
    let signatures = Deferred::new();
    let verified = verify_registration_with(
        credential,
        &RegistrationPolicy {
            rp_id: &app.rp_id,
            origins: &app.accepted_origins(),
            allow_cross_origin: false,
            top_origins: &[],
            challenge,
            user_verification: app.passkey.user_verification,
            allowed_algorithms: &DEFAULT_ALGORITHMS,
            attestation: app.passkey.attestation,
            trust_anchors: anchors.as_deref().unwrap_or_default(),
            now_unix: u64::try_from(now_ms / 1000).ok(),
        },
        &signatures,
    )
    .map_err(verification_failed)?;
    web_crypto::run_pending(signatures.into_pending()).await.map_err(verification_failed)?;
    let refused = |refusal: crate::metadata::policy::Refusal| ApiError::verification_failed(format!("authenticator policy: {}", refusal.0));
    let anchored = !anchors.map_err(refused)?.is_empty();
    let aaguid = aaguid_string(&verified.aaguid);
    let entry = entry.filter(|e| e.aaguid == aaguid);
    policy.check(&aaguid, entry.as_ref()).map_err(refused)?;
    Ok((verified, entry.as_ref().map(AuthenticatorSummary::of), anchored))
}

/// `passkey.added`'s detail: the AAGUID and the authenticator's name (MDS, else the provider list).
fn passkey_detail(passkey: &StoredCredential, model: Option<&AuthenticatorSummary>) -> crate::edge::events::Detail {
    crate::edge::events::Detail::new()
        .text("aaguid", &passkey.aaguid)
        .text("authenticator", crate::metadata::display::model_name(&passkey.aaguid, model))
}

fn already_registered() -> ApiError {
    ApiError::check(Check::CredentialId, "this passkey is already registered")
}

/// The stored form of a verified new passkey of `user_id`.
fn new_stored_credential(
    app: &Application,
    user_id: &str,
    verified: VerifiedRegistration,
    anchored: bool,
    name: Option<String>,
    now_ms: i64,
) -> ApiResult<StoredCredential> {
    Ok(StoredCredential {
        id: random_id("pk_")?,
        app_id: app.id.clone(),
        user_id: user_id.to_owned(),
        credential_id: base64url::encode(&verified.credential_id),
        public_key: base64url::encode(&verified.public_key_cose),
        alg: verified.alg,
        sign_count: verified.sign_count,
        transports: verified.transports,
        aaguid: aaguid_string(&verified.aaguid),
        fmt: verified.fmt,
        // A chain is `trusted` only where it was checked against trust anchors, else `uncertain`.
        attestation_type: attestation_trust::reported_type(verified.attestation_type.as_str(), anchored).to_owned(),
        user_verified: verified.user_verified,
        backup_eligible: verified.backup_eligible,
        backed_up: verified.backed_up,
        name,
        created_at: now_ms,
        last_used_at: None,
    })
}

// ---- storing ----

/// Runs the writes of a complete as one transaction. A uniqueness conflict that slipped past the
/// checks (two completes racing) answers like the check would have.
async fn commit(db: &D1Database, statements: Vec<D1PreparedStatement>, doing: &str) -> ApiResult<()> {
    match db.run_batch(statements).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let text = error_text(&e);
            if text.contains("UNIQUE constraint failed: users.") {
                Err(email_taken())
            } else if text.contains("UNIQUE constraint failed: credentials.") {
                Err(already_registered())
            } else if text.contains(PASSKEY_CAP_TRIGGER_MESSAGE) {
                Err(ApiError::new(ErrorCode::PasskeyLimitReached, "this user has the most passkeys the application allows"))
            } else {
                Err(failed(doing, e))
            }
        }
    }
}

/// What the `credentials_per_user_cap` trigger (migrations/0005) aborts an insert with: a
/// complete that would go past `maxPasskeysPerUser` (two starts raced under the cap) stores nothing.
const PASSKEY_CAP_TRIGGER_MESSAGE: &str = "passkey_limit_reached";

/// `409 passkey_limit_reached` at register/start.
fn passkey_limit_reached(app: &Application) -> ApiError {
    ApiError::new(
        ErrorCode::PasskeyLimitReached,
        format!("this user has {} passkeys, the most the application allows: remove one first", app.passkey.max_passkeys_per_user),
    )
}

fn email_taken() -> ApiError {
    ApiError::new(ErrorCode::EmailTaken, "this email already has an account")
}

// ---- randomness ----

fn random_bytes(n: usize) -> ApiResult<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    SystemRandom.fill(&mut bytes).map_err(|_| ApiError::internal())?;
    Ok(bytes)
}

/// A new opaque id: `prefix` and 16 random bytes.
fn random_id(prefix: &str) -> ApiResult<String> {
    random_token(&mut SystemRandom, prefix, 16).map_err(|_| ApiError::internal())
}
