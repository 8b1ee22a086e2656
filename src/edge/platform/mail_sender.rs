//! Outgoing mail through the `send_email` binding `EMAIL`: the raw MIME message built by
//! `mail_message`. Locally `wrangler dev` stores each sent message and prints its path.

use worker::{console_error, EmailMessage, Env};

use crate::contract::error::ApiError;
use crate::edge::platform::config;
use crate::edge::platform::http::ApiResult;
use crate::mail::message::{build, Mail, MailError};
use crate::mail::verification::verification_mail;
use crate::tenancy::application::Application;
use crate::tokens::secrets::SystemRandom;

/// Mails `code` to `to` on behalf of `app`, from `AUTHAZ_MAIL_FROM` with the app's name.
pub async fn send_verification_code(env: &Env, app: &Application, to: &str, code: &str, expires_minutes: i64, now_ms: i64) -> ApiResult<()> {
    let from = config::mail_from(env)?;
    let content = verification_mail(&app.name, code, expires_minutes);
    let mail = Mail {
        from_name: &app.name,
        from_address: &from,
        to_address: to,
        subject: &content.subject,
        text: &content.text,
        html: &content.html,
        date_unix_ms: now_ms,
    };
    let built = build(&mail, &mut SystemRandom).map_err(|e| match e {
        MailError::InvalidRecipient => ApiError::invalid_request("`email` is not an address mail can be sent to"),
        MailError::InvalidSender => {
            console_error!("configuration: AUTHAZ_MAIL_FROM is not a plain address (local@domain)");
            ApiError::internal()
        }
        MailError::Random(_) => ApiError::internal(),
    })?;
    let message = EmailMessage::new(&from, to, &built.raw).map_err(|e| {
        console_error!("mail: the message could not be made: {}", String::from(e.message()));
        ApiError::internal()
    })?;
    let binding = env.send_email("EMAIL").map_err(|e| {
        console_error!("mail: the send_email binding EMAIL is missing: {e}");
        ApiError::internal()
    })?;
    binding.send(&message).await.map_err(|e| {
        // The error names the failure, never the message (which holds the code).
        console_error!("mail: sending {} failed: {}", built.message_id, String::from(e.message()));
        ApiError::internal()
    })?;
    Ok(())
}
