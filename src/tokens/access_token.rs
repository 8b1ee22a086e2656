//! Access tokens: JWTs signed ES256 (ECDSA P-256 with SHA-256, RFC 7515/7518/7519).
//!
//! The signing keys come from the Worker secret `AUTHAZ_SIGNING_KEYS`: comma-separated base64url
//! P-256 private scalars. The first key signs; every key is published in the JWKS and accepted
//! when verifying, so a rotation (new key first, old key kept a while) never breaks live tokens.
//! A key's `kid` is the first 16 characters of base64url(SHA-256(its uncompressed SEC1 point)).
//!
//! The Worker derives each public point and signs through WebCrypto (`edge::platform::web_crypto`),
//! which keeps elliptic-curve arithmetic out of the wasm; native builds (`rust-crypto`: tests,
//! tools) derive, sign and verify with the `p256` crate.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
#[cfg(feature = "rust-crypto")]
use p256::ecdsa::{signature::Signer, signature::Verifier, Signature, SigningKey, VerifyingKey};
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

/// A P-256 private scalar and its public point (uncompressed SEC1, 65 bytes).
pub type KeyPair = ([u8; 32], [u8; 65]);

struct Key {
    kid: String,
    scalar: [u8; 32],
    point: [u8; 65],
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
    /// The private scalars of `AUTHAZ_SIGNING_KEYS`: base64url, separated by commas (spaces
    /// ignored), at least one. Whether each is a valid P-256 scalar is up to whoever derives its
    /// point (see [`Self::from_pairs`]).
    pub fn scalars(secret: &str) -> Result<Vec<[u8; 32]>, JwtError> {
        let scalars = secret.split(',').map(str::trim).filter(|part| !part.is_empty()).map(parse_scalar).collect::<Result<Vec<_>, _>>()?;
        if scalars.is_empty() {
            return Err(JwtError::BadSigningKeys);
        }
        Ok(scalars)
    }

    /// The keys from their scalars and derived public points, in the secret's order.
    pub fn from_pairs(pairs: Vec<KeyPair>) -> Result<Self, JwtError> {
        if pairs.is_empty() || pairs.iter().any(|(_, point)| point[0] != 4) {
            return Err(JwtError::BadSigningKeys);
        }
        Ok(Self { keys: pairs.into_iter().map(|(scalar, point)| Key { kid: kid(&point), scalar, point }).collect() })
    }

    /// Parses `AUTHAZ_SIGNING_KEYS`, deriving the public points with the `p256` crate.
    #[cfg(feature = "rust-crypto")]
    pub fn parse(secret: &str) -> Result<Self, JwtError> {
        let pairs = Self::scalars(secret)?
            .into_iter()
            .map(|scalar| {
                let signing = SigningKey::from_slice(&scalar).map_err(|_| JwtError::BadSigningKeys)?;
                let point = signing.verifying_key().to_sec1_point(false);
                let point = <[u8; 65]>::try_from(point.as_bytes()).map_err(|_| JwtError::BadSigningKeys)?;
                Ok((scalar, point))
            })
            .collect::<Result<Vec<_>, JwtError>>()?;
        Self::from_pairs(pairs)
    }

    /// The `kid` of the key that signs new tokens.
    pub fn current_kid(&self) -> &str {
        self.keys.first().map_or("", |k| k.kid.as_str())
    }

    /// Signs `claims` with the first key: `header.payload.signature`.
    #[cfg(feature = "rust-crypto")]
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, JwtError> {
        let (signing_input, key) = self.prepare(claims)?;
        let signing = SigningKey::from_slice(&self.keys[key].scalar).map_err(|_| JwtError::BadSigningKeys)?;
        let signature: Signature = signing.try_sign(signing_input.as_bytes()).map_err(|_| JwtError::BadSigningKeys)?;
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
    #[cfg(feature = "rust-crypto")]
    pub fn verify(&self, token: &str, audience: &str, issuer: Option<&str>, now: u64) -> Result<AccessClaims, JwtError> {
        let unverified = self.unverified(token)?;
        let key = VerifyingKey::from_sec1_bytes(&self.keys[unverified.key].point).map_err(|_| JwtError::BadSigningKeys)?;
        verify_es256(&key, unverified.signing_input.as_bytes(), &unverified.signature)?;
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
        let (x, y) = coordinates(&key.point);
        let b64 = |c: &[u8]| URL_SAFE_NO_PAD.encode(c);
        Some((b64(&key.scalar), b64(x), b64(y)))
    }

    /// Key `index`'s public point, uncompressed SEC1.
    pub fn public_point(&self, index: usize) -> Option<Vec<u8>> {
        Some(self.keys.get(index)?.point.to_vec())
    }

    /// The JSON Web Key Set of every key (RFC 7517), for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.keys.iter().map(|k| jwk(&k.kid, &k.point)).collect();
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

fn parse_scalar(b64: &str) -> Result<[u8; 32], JwtError> {
    let scalar = URL_SAFE_NO_PAD.decode(b64).map_err(|_| JwtError::BadSigningKeys)?;
    <[u8; 32]>::try_from(scalar.as_slice()).map_err(|_| JwtError::BadSigningKeys)
}

/// base64url(SHA-256(uncompressed SEC1 point)), first 16 characters.
fn kid(point: &[u8; 65]) -> String {
    let mut kid = URL_SAFE_NO_PAD.encode(Sha256::digest(point));
    kid.truncate(KID_LEN);
    kid
}

/// The x and y coordinates of an uncompressed SEC1 point.
fn coordinates(point: &[u8; 65]) -> (&[u8], &[u8]) {
    point[1..].split_at(32)
}

fn jwk(kid: &str, point: &[u8; 65]) -> Value {
    let (x, y) = coordinates(point);
    json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y),
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
    })
}

/// ES256 signatures in a JWS are r || s, 32 bytes each (RFC 7518 §3.4), not DER.
#[cfg(feature = "rust-crypto")]
fn verify_es256(key: &VerifyingKey, signing_input: &[u8], signature: &[u8]) -> Result<(), JwtError> {
    let signature = Signature::from_slice(signature).map_err(|_| JwtError::BadSignature)?;
    key.verify(signing_input, &signature).map_err(|_| JwtError::BadSignature)
}

fn decode_json<T: serde::de::DeserializeOwned>(b64: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).map_err(|_| JwtError::Malformed)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| JwtError::Malformed)?;
    serde_json::from_str(text).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
#[cfg(feature = "rust-crypto")]
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
        let key = &VerifyingKey::from_sec1_bytes(&keys.keys[0].point).unwrap();
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

    #[test]
    fn pairs_from_elsewhere_make_the_same_keys() {
        let parsed = SigningKeys::parse(RFC_D).unwrap();
        let scalars = SigningKeys::scalars(&format!(" {RFC_D} ,")).unwrap();
        assert_eq!(scalars.len(), 1);
        let point: [u8; 65] = parsed.public_point(0).unwrap().try_into().unwrap();
        let derived = SigningKeys::from_pairs(vec![(scalars[0], point)]).unwrap();
        assert_eq!(derived.jwks(), parsed.jwks());
        assert_eq!(derived.private_jwk(0), parsed.private_jwk(0));
        assert_eq!(derived.private_jwk(0).unwrap().0, RFC_D);
        let mut compressed = point;
        compressed[0] = 2;
        assert!(SigningKeys::from_pairs(vec![(scalars[0], compressed)]).is_err());
        assert!(SigningKeys::from_pairs(vec![]).is_err());
        for bad in ["", " , ", "not base64!", "AQID", &format!("{RFC_D},AQID")] {
            assert!(SigningKeys::scalars(bad).is_err(), "{bad}");
        }
    }
}
