//! Security notices to a user (`mail::notice`), with the rule of who gets them: only a verified
//! address, since an address nobody confirmed may be someone else's. The email change's notice
//! to the old address is the one exception and is sent by `email_change` itself.

use worker::Env;

use super::User;
use crate::edge::platform::mail_sender;
use crate::mail::notice::Notice;

/// Mails `notice` to `user` if their address is verified; a failed send is logged, never fatal.
pub async fn send(env: &Env, user: &User, notice: &Notice<'_>) {
    if user.email_verified {
        mail_sender::send_notice(env, &user.email, user.locale, notice).await;
    }
}
