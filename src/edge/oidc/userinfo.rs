//! `GET|POST {issuer}/userinfo` (OIDC Core 5.3): the signed-in person's claims for the scopes
//! granted, with the access token of a session issued to an OAuth client (`Bearer`, RFC 6750).

use worker::{Env, Request, Response};

use crate::contract::error::ErrorCode;
use crate::edge::oidc::{oauth_error, oauth_json, provider, Form};
use crate::edge::platform::db::{database, failed, query, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::edge::sessions;
use crate::edge::users;
use crate::oidc::error::{OAuthError, OAuthErrorCode};
use crate::oidc::id_token::{userinfo, Subject};
use crate::tenancy::application::Application;

pub async fn serve(req: &Request, env: &Env, known: Option<&Application>, form: Form<'_>, now_ms: i64) -> ApiResult<Response> {
    let (app, _) = provider(req, env, known, form).await?;
    let invalid = |why: &str| Ok(oauth_error(&OAuthError::new(OAuthErrorCode::InvalidToken, why)));
    let bearer = match sessions::authenticate_bearer(req, env, &app, now_ms).await {
        Ok(bearer) => bearer,
        Err(err) if err.code == ErrorCode::Unauthorized => return invalid(&err.message),
        Err(err) => return Err(err),
    };
    let db = database(env)?;
    let scope = query!(&db, "SELECT scope FROM oidc_sessions WHERE session_id = ?1", &bearer.session_id)
        .map_err(|e| failed("prepare session binding lookup", e))?
        .first_text("scope")
        .await
        .map_err(|e| failed("find session binding", e))?;
    let Some(scope) = scope else { return invalid("the access token was not issued to an OAuth client") };
    let Some(user) = users::find_by_id(&db, &app.id, &bearer.user_id).await? else { return invalid("the user no longer exists") };
    let subject = Subject { user_id: &user.id, email: &user.email, email_verified: user.email_verified, display_name: &user.display_name };
    Ok(oauth_json(200, &userinfo(&scope, &subject)))
}
