//! Outgoing mail through the `send_email` binding `EMAIL`, in its structured form (the binding
//! writes the MIME message): the fields checked by `mail::message`, the words from the mail
//! catalogue of the recipient's language. Locally `wrangler dev` stores the text and HTML of each
//! sent message and prints their paths.

use worker::{console_error, EmailAddress, Env, SendEmailBuilder};

use crate::contract::error::ApiError;
use crate::edge::i18n::{catalogue, Audience};
use crate::edge::platform::config;
use crate::edge::platform::http::ApiResult;
use crate::i18n::Locale;
use crate::mail::message::{prepare, Mail, MailError};
use crate::mail::notice::{notice_mail, Notice};
use crate::mail::verification::verification_mail;
use crate::mail::MailContent;
use crate::tenancy::application::Application;

/// Mails `code` to `to` on behalf of `app`, from `AUTHAZ_MAIL_FROM` with the app's name.
pub async fn send_verification_code(env: &Env, app: &Application, to: &str, locale: Locale, code: &str, expires_minutes: i64) -> ApiResult<()> {
    let words = catalogue(env, Audience::Mail, locale).await?;
    send(env, &app.name, to, &verification_mail(&words, &app.name, code, expires_minutes)).await
}

/// Mails a security notice. The change it tells of has committed: a failure is logged (never
/// with the address) and does not undo or fail it.
pub async fn send_notice(env: &Env, to: &str, locale: Locale, notice: &Notice<'_>) {
    let sent = match catalogue(env, Audience::Mail, locale).await {
        Ok(words) => send(env, notice.app_name, to, &notice_mail(&words, notice)).await,
        Err(e) => Err(e),
    };
    if sent.is_err() {
        console_error!("mail: a security notice ({:?}) could not be sent", notice.kind);
    }
}

async fn send(env: &Env, from_name: &str, to: &str, content: &MailContent) -> ApiResult<()> {
    let from = config::mail_from(env)?;
    let mail = Mail { from_name, from_address: &from, to_address: to, subject: &content.subject, text: &content.text, html: &content.html };
    let out = prepare(&mail).map_err(|e| match e {
        MailError::InvalidRecipient => ApiError::invalid_request("`email` is not an address mail can be sent to"),
        MailError::InvalidSender => {
            console_error!("configuration: AUTHAZ_MAIL_FROM is not a plain address (local@domain)");
            ApiError::internal()
        }
    })?;
    let message = match &out.from_name {
        Some(name) => SendEmailBuilder::new_with_email_address_and_str(&EmailAddress::new(name, &out.from_address), &out.to_address, &out.subject),
        None => SendEmailBuilder::new(&out.from_address, &out.to_address, &out.subject),
    };
    message.set_text(&out.text);
    message.set_html(&out.html);
    let binding = env.send_email("EMAIL").map_err(|e| {
        console_error!("mail: the send_email binding EMAIL is missing: {e}");
        ApiError::internal()
    })?;
    binding.send_with_builder(&message).await.map_err(|e| {
        // The error names the failure, never the message (which holds the code).
        console_error!("mail: sending failed: {}", String::from(e.message()));
        ApiError::internal()
    })?;
    Ok(())
}
