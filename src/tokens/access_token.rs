//! Access tokens: JWTs signed ES256 (ECDSA P-256 with SHA-256, RFC 7515/7518/7519).
//!
//! The signing keys come from the Worker secret `AUTHAZ_SIGNING_KEYS`: comma-separated base64url
//! P-256 private scalars. The first key signs; every key is published in the JWKS and accepted
//! when verifying, so a rotation (new key first, old key kept a while) never breaks live tokens.
//! A key's `kid` is the first 16 characters of base64url(SHA-256(its uncompressed SEC1 point)).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Lifetime of an access token.
pub const ACCESS_TOKEN_TTL_SECS: u64 = 15 * 60;
/// Tokens longer than this are refused before any decoding.
const MAX_TOKEN_LEN: usize = 4096;
/// How far in the future `iat` may lie (clocks of different machines drift).
const CLOCK_SKEW_SECS: u64 = 60;
const KID_LEN: usize = 16;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The application's id.
    pub aud: String,
    /// The user's id.
    pub sub: String,
    /// The session's id.
    pub sid: String,
    pub iat: u64,
    pub exp: u64,
    /// When the passkey ceremony behind the session happened (unix seconds, OpenID Connect's
    /// `auth_time`); 0 in tokens minted before it was carried (never recent).
    #[serde(default)]
    pub auth_time: u64,
}

/// Why a key set or a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtError {
    /// `AUTHAZ_SIGNING_KEYS` is empty or holds something that is not a P-256 scalar.
    BadSigningKeys,
    /// Not three base64url parts of JSON, a header other than ES256, or claims missing.
    Malformed,
    /// The header's `kid` names none of our keys.
    UnknownKey,
    BadSignature,
    WrongAudience,
    WrongIssuer,
    Expired,
    IssuedInTheFuture,
}

struct Key {
    kid: String,
    signing: SigningKey,
}

/// The keys that sign and verify access tokens; the first one signs.
pub struct SigningKeys {
    keys: Vec<Key>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    /// Critical extensions we would have to understand: we understand none.
    #[serde(default, skip_serializing)]
    crit: Option<Value>,
}

impl SigningKeys {
    /// Parses `AUTHAZ_SIGNING_KEYS`: base64url scalars separated by commas (spaces ignored).
    pub fn parse(secret: &str) -> Result<Self, JwtError> {
        let keys = secret.split(',').map(str::trim).filter(|part| !part.is_empty()).map(parse_key).collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(JwtError::BadSigningKeys);
        }
        Ok(Self { keys })
    }

    /// The `kid` of the key that signs new tokens.
    pub fn current_kid(&self) -> &str {
        self.keys.first().map_or("", |k| k.kid.as_str())
    }

    /// Signs `claims` with the first key: `header.payload.signature`.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, JwtError> {
        let (signing_input, key) = self.prepare(claims)?;
        let signature: Signature = self.keys[key].signing.try_sign(signing_input.as_bytes()).map_err(|_| JwtError::BadSigningKeys)?;
        Ok(finish(signing_input, &signature.to_bytes()))
    }

    /// The JWS signing input `header.payload` of `claims` and the index of the key that must
    /// sign it (the first), for a signer elsewhere (WebCrypto in the Worker); see [`finish`].
    pub fn prepare(&self, claims: &AccessClaims) -> Result<(String, usize), JwtError> {
        self.prepare_claims(claims)
    }

    /// [`Self::prepare`] for a JWT of other claims (the OIDC ID token), signed the same way.
    pub fn prepare_claims<T: Serialize>(&self, claims: &T) -> Result<(String, usize), JwtError> {
        let key = self.keys.first().ok_or(JwtError::BadSigningKeys)?;
        let header = Header { alg: "ES256".into(), typ: Some("JWT".into()), kid: Some(key.kid.clone()), crit: None };
        let header = serde_json::to_vec(&header).map_err(|_| JwtError::Malformed)?;
        let payload = serde_json::to_vec(claims).map_err(|_| JwtError::Malformed)?;
        Ok((format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload)), 0))
    }

    /// Checks a token's header, signature (by its `kid`), audience, issuer (when `issuer` is
    /// given) and lifetime at `now` (unix seconds), and answers its claims.
    pub fn verify(&self, token: &str, audience: &str, issuer: Option<&str>, now: u64) -> Result<AccessClaims, JwtError> {
        let unverified = self.unverified(token)?;
        verify_es256(self.keys[unverified.key].signing.verifying_key(), unverified.signing_input.as_bytes(), &unverified.signature)?;
        unverified.check_claims(audience, issuer, now)
    }

    /// A token's header checked and its key found, the signature not yet checked: for a
    /// verifier elsewhere (WebCrypto in the Worker), then [`UnverifiedToken::check_claims`].
    pub fn unverified<'t>(&self, token: &'t str) -> Result<UnverifiedToken<'t>, JwtError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(JwtError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(JwtError::Malformed);
        };
        let header: Header = decode_json(header_b64)?;
        if header.alg != "ES256" || header.crit.is_some() {
            return Err(JwtError::Malformed);
        }
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let key = self.keys.iter().position(|k| k.kid == kid).ok_or(JwtError::UnknownKey)?;
        let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| JwtError::Malformed)?;
        let signing_input_len = header_b64.len() + 1 + payload_b64.len();
        let signing_input = token.get(..signing_input_len).ok_or(JwtError::Malformed)?;
        Ok(UnverifiedToken { key, signing_input, payload_b64, signature })
    }

    /// The kid of key `index`.
    pub fn kid(&self, index: usize) -> Option<&str> {
        self.keys.get(index).map(|k| k.kid.as_str())
    }

    /// Key `index` as the base64url `(d, x, y)` of a private EC JWK.
    pub fn private_jwk(&self, index: usize) -> Option<(String, String, String)> {
        let key = self.keys.get(index)?;
        let point = key.signing.verifying_key().to_sec1_point(false);
        let b64 = |c: &[u8]| URL_SAFE_NO_PAD.encode(c);
        Some((b64(&key.signing.to_bytes()), b64(point.x()?.as_slice()), b64(point.y()?.as_slice())))
    }

    /// Key `index`'s public point, uncompressed SEC1.
    pub fn public_point(&self, index: usize) -> Option<Vec<u8>> {
        Some(self.keys.get(index)?.signing.verifying_key().to_sec1_point(false).as_bytes().to_vec())
    }

    /// The JSON Web Key Set of every key (RFC 7517), for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.keys.iter().map(|k| jwk(&k.kid, k.signing.verifying_key())).collect();
        json!({ "keys": keys })
    }
}

/// An ES256 JWS: `signing_input` and the 64-byte `r || s` signature over it.
pub fn finish(signing_input: String, signature: &[u8]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A token whose header is checked and whose key is known; its signature and claims are not.
pub struct UnverifiedToken<'t> {
    /// Index of the key named by the token's `kid`.
    pub key: usize,
    pub signing_input: &'t str,
    pub signature: Vec<u8>,
    payload_b64: &'t str,
}

impl UnverifiedToken<'_> {
    /// The payload as `T`, nothing checked (for tokens of other claims, after the signature).
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JwtError> {
        decode_json(self.payload_b64)
    }

    /// After the signature has verified: the claims, checked for audience, issuer (when given)
    /// and lifetime at `now` (unix seconds).
    pub fn check_claims(self, audience: &str, issuer: Option<&str>, now: u64) -> Result<AccessClaims, JwtError> {
        let claims: AccessClaims = decode_json(self.payload_b64)?;
        if claims.aud != audience {
            return Err(JwtError::WrongAudience);
        }
        if issuer.is_some_and(|iss| iss != claims.iss) {
            return Err(JwtError::WrongIssuer);
        }
        if claims.exp <= now {
            return Err(JwtError::Expired);
        }
        if claims.iat > now.saturating_add(CLOCK_SKEW_SECS) {
            return Err(JwtError::IssuedInTheFuture);
        }
        Ok(claims)
    }
}

/// A token's `aud`, read WITHOUT checking its signature: only to choose which application to
/// verify it for (`SigningKeys::verify` then checks everything).
pub fn unverified_audience(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Audience {
        aud: String,
    }
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let payload = token.split('.').nth(1)?;
    decode_json::<Audience>(payload).ok().map(|a| a.aud)
}

fn parse_key(b64: &str) -> Result<Key, JwtError> {
    let scalar = URL_SAFE_NO_PAD.decode(b64).map_err(|_| JwtError::BadSigningKeys)?;
    if scalar.len() != 32 {
        return Err(JwtError::BadSigningKeys);
    }
    let signing = SigningKey::from_slice(&scalar).map_err(|_| JwtError::BadSigningKeys)?;
    Ok(Key { kid: kid(signing.verifying_key()), signing })
}

/// base64url(SHA-256(uncompressed SEC1 point)), first 16 characters.
fn kid(key: &VerifyingKey) -> String {
    let point = key.to_sec1_point(false);
    let mut kid = URL_SAFE_NO_PAD.encode(Sha256::digest(point.as_bytes()));
    kid.truncate(KID_LEN);
    kid
}

fn jwk(kid: &str, key: &VerifyingKey) -> Value {
    let point = key.to_sec1_point(false);
    let coordinate = |c: Option<&[u8]>| URL_SAFE_NO_PAD.encode(c.unwrap_or_default());
    json!({
        "kty": "EC",
        "crv": "P-256",
        "x": coordinate(point.x().map(|x| x.as_slice())),
        "y": coordinate(point.y().map(|y| y.as_slice())),
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
    })
}

/// ES256 signatures in a JWS are r || s, 32 bytes each (RFC 7518 §3.4), not DER.
fn verify_es256(key: &VerifyingKey, signing_input: &[u8], signature: &[u8]) -> Result<(), JwtError> {
    let signature = Signature::from_slice(signature).map_err(|_| JwtError::BadSignature)?;
    key.verify(signing_input, &signature).map_err(|_| JwtError::BadSignature)
}

fn decode_json<T: serde::de::DeserializeOwned>(b64: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7515 Appendix A.3: an ES256 key and a JWS it signed.
    const RFC_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
    const RFC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const RFC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    const RFC_JWS: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    const OTHER_D: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";

    fn claims(iat: u64) -> AccessClaims {
        AccessClaims {
            iss: "https://auth.example".into(),
            aud: "app_1".into(),
            sub: "usr_1".into(),
            sid: "ses_1".into(),
            iat,
            exp: iat + ACCESS_TOKEN_TTL_SECS,
            auth_time: iat - 10,
        }
    }

    fn b64json(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn public_key_and_signature_match_rfc7515_a3() {
        let keys = SigningKeys::parse(RFC_D).unwrap();
        let jwks = keys.jwks();
        assert_eq!(jwks["keys"][0]["x"], RFC_X);
        assert_eq!(jwks["keys"][0]["y"], RFC_Y);
        let (input, sig) = RFC_JWS.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        let key = keys.keys[0].signing.verifying_key();
        assert_eq!(verify_es256(key, input.as_bytes(), &sig), Ok(()));
        assert_eq!(verify_es256(key, b"tampered", &sig), Err(JwtError::BadSignature));
    }

    #[test]
    fn kid_is_a_prefix_of_the_point_hash() {
        let keys = SigningKeys::parse(RFC_D).unwrap();
        let mut point = vec![4u8];
        point.extend(URL_SAFE_NO_PAD.decode(RFC_X).unwrap());
        point.extend(URL_SAFE_NO_PAD.decode(RFC_Y).unwrap());
        let expected = &URL_SAFE_NO_PAD.encode(Sha256::digest(&point))[..16];
        assert_eq!(keys.current_kid(), expected);
        assert_eq!(keys.jwks()["keys"][0]["kid"], expected);
        assert_eq!(keys.jwks()["keys"][0]["alg"], "ES256");
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let keys = SigningKeys::parse(RFC_D).unwrap();
        let token = keys.sign(&claims(1_000)).unwrap();
        let header: Value = decode_json(token.split('.').next().unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "ES256", "typ": "JWT", "kid": keys.current_kid()}));
        assert_eq!(keys.verify(&token, "app_1", None, 1_000), Ok(claims(1_000)));
        assert_eq!(keys.verify(&token, "app_1", Some("https://auth.example"), 1_899), Ok(claims(1_000)));
    }

    #[test]
    fn verify_refuses_wrong_audience_issuer_and_times() {
        let keys = SigningKeys::parse(RFC_D).unwrap();
        let token = keys.sign(&claims(1_000)).unwrap();
        assert_eq!(keys.verify(&token, "app_2", None, 1_000), Err(JwtError::WrongAudience));
        assert_eq!(keys.verify(&token, "app_1", Some("https://other"), 1_000), Err(JwtError::WrongIssuer));
        assert_eq!(keys.verify(&token, "app_1", None, 1_900), Err(JwtError::Expired));
        assert_eq!(keys.verify(&token, "app_1", None, 5_000), Err(JwtError::Expired));
        assert_eq!(keys.verify(&token, "app_1", None, 939), Err(JwtError::IssuedInTheFuture));
        assert!(keys.verify(&token, "app_1", None, 940).is_ok());
    }

    #[test]
    fn rotation_signs_with_the_first_and_accepts_all() {
        let old = SigningKeys::parse(RFC_D).unwrap();
        let rotated = SigningKeys::parse(&format!("{OTHER_D}, {RFC_D}")).unwrap();
        assert_ne!(rotated.current_kid(), old.current_kid());
        let jwks = rotated.jwks();
        let kids: Vec<&Value> = jwks["keys"].as_array().unwrap().iter().map(|k| &k["kid"]).collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[1], old.current_kid());
        let old_token = old.sign(&claims(1_000)).unwrap();
        assert!(rotated.verify(&old_token, "app_1", None, 1_000).is_ok());
        let new_token = rotated.sign(&claims(1_000)).unwrap();
        assert_eq!(old.verify(&new_token, "app_1", None, 1_000), Err(JwtError::UnknownKey));
    }

    #[test]
    fn forged_and_malformed_tokens_are_refused() {
        let keys = SigningKeys::parse(RFC_D).unwrap();
        let token = keys.sign(&claims(1_000)).unwrap();
        let (header, rest) = token.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();

        // Claims swapped under the same signature.
        let mut other = claims(1_000);
        other.sub = "usr_2".into();
        let forged = format!("{header}.{}.{sig}", b64json(&serde_json::to_value(&other).unwrap()));
        assert_eq!(keys.verify(&forged, "app_1", None, 1_000), Err(JwtError::BadSignature));

        // A token signed by a key we do not hold, claiming our kid.
        let stranger = SigningKeys::parse(OTHER_D).unwrap();
        let theirs = stranger.sign(&claims(1_000)).unwrap();
        let (_, their_rest) = theirs.split_once('.').unwrap();
        assert_eq!(keys.verify(&format!("{header}.{their_rest}"), "app_1", None, 1_000), Err(JwtError::BadSignature));

        // alg none, alg HS256, missing kid, crit header.
        let payload = rest.split_once('.').unwrap().0;
        for h in [
            json!({"alg": "none", "kid": keys.current_kid()}),
            json!({"alg": "HS256", "kid": keys.current_kid()}),
            json!({"alg": "ES256", "kid": keys.current_kid(), "crit": ["exp"]}),
        ] {
            assert_eq!(keys.verify(&format!("{}.{payload}.{sig}", b64json(&h)), "app_1", None, 1_000), Err(JwtError::Malformed));
        }
        let no_kid = format!("{}.{payload}.{sig}", b64json(&json!({"alg": "ES256"})));
        assert_eq!(keys.verify(&no_kid, "app_1", None, 1_000), Err(JwtError::UnknownKey));

        for bad in ["", ".", "..", "a.b.c", "a.b.c.d", &format!("{token}."), &format!("{header}.{payload}."), &"a".repeat(5000)] {
            assert!(keys.verify(bad, "app_1", None, 1_000).is_err(), "{bad}");
        }
        // A signature of the wrong length, and the all-zero signature.
        let short = format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode([1u8; 63]));
        assert_eq!(keys.verify(&short, "app_1", None, 1_000), Err(JwtError::BadSignature));
        let zero = format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode([0u8; 64]));
        assert_eq!(keys.verify(&zero, "app_1", None, 1_000), Err(JwtError::BadSignature));
    }

    #[test]
    fn the_audience_can_be_read_before_verifying() {
        let keys = SigningKeys::parse(RFC_D).unwrap();
        let token = keys.sign(&claims(1_000)).unwrap();
        assert_eq!(unverified_audience(&token).as_deref(), Some("app_1"));
        for bad in ["", "a", "a.b", "a.e30.c", &"a".repeat(5000)] {
            assert_eq!(unverified_audience(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_signing_keys_are_refused() {
        for bad in ["", " , ", "not base64!", "AQID", &URL_SAFE_NO_PAD.encode([0u8; 32]), &URL_SAFE_NO_PAD.encode([0xffu8; 32])] {
            assert!(SigningKeys::parse(bad).is_err(), "{bad}");
        }
        assert!(SigningKeys::parse(&format!("{RFC_D},AQID")).is_err());
    }
}
