//! Signing a delivery in the Standard Webhooks format (standardwebhooks.com): the receiver gets
//! `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`
//! (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`), keyed by the endpoint's secret,
//! which it was shown once as `whsec_<base64>`.
//!
//! The secret itself is never stored: it is the HMAC of the endpoint's random salt under the
//! Worker's `AUTHAZ_HMAC_KEY`, so a copy of the database alone cannot sign a delivery.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::tokens::secrets::hmac_sha256;

/// The prefix Standard Webhooks libraries strip from a secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The signing secret of the endpoint whose salt is `salt`.
pub fn endpoint_secret(hmac_key: &[u8], salt: &str) -> [u8; 32] {
    hmac_sha256(hmac_key, &[b"webhook-secret:", salt.as_bytes()])
}

/// The secret as shown to the application: `whsec_` and its base64.
pub fn secret_text(secret: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(secret))
}

/// The `webhook-signature` header of the message `id` sent at `timestamp` with `body`.
pub fn signature(secret: &[u8], id: &str, timestamp: u64, body: &str) -> String {
    let ts = timestamp.to_string();
    let mac = hmac_sha256(secret, &[id.as_bytes(), b".", ts.as_bytes(), b".", body.as_bytes()]);
    format!("v1,{}", STANDARD.encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (and of its libraries' tests).
    #[test]
    fn signs_the_specification_example() {
        let secret = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn every_part_of_the_message_is_signed() {
        let secret = [7u8; 32];
        let base = signature(&secret, "evt_1", 100, "{}");
        assert_ne!(base, signature(&secret, "evt_2", 100, "{}"));
        assert_ne!(base, signature(&secret, "evt_1", 101, "{}"));
        assert_ne!(base, signature(&secret, "evt_1", 100, "{ }"));
        assert_ne!(base, signature(&[8u8; 32], "evt_1", 100, "{}"));
    }

    #[test]
    fn secrets_depend_on_key_and_salt_and_read_as_whsec() {
        let a = endpoint_secret(b"key", "salt-1");
        assert_ne!(a, endpoint_secret(b"key", "salt-2"));
        assert_ne!(a, endpoint_secret(b"other key", "salt-1"));
        let text = secret_text(&a);
        assert!(text.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&text[6..]).unwrap(), a);
    }
}
