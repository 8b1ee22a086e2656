//! A software authenticator for tests: registrations (`none` and `packed` self attestation)
//! and assertions with ES256, ES384, EdDSA and RS256 keys, any flags, counters and client data.
//! Keys come from fixed seeds so every run signs the same way (ECDSA and Ed25519 signatures are
//! deterministic; RSA PKCS#1 v1.5 is too).
#![allow(dead_code)] // each test crate uses a different part

use authaz::webauthn::base64url;
use authaz::webauthn::response_json::{AssertionResponseJson, AttestationResponseJson, AuthenticationResponseJson, RegistrationResponseJson};
use authaz::webauthn::{AttestationConveyance, AuthenticationPolicy, RegistrationPolicy, UserVerification, DEFAULT_ALGORITHMS};
use ciborium::Value;
use sha2::{Digest, Sha256};

pub const RP_ID: &str = "example.org";
pub const ORIGIN: &str = "https://example.org";

pub const UP: u8 = 0x01;
pub const UV: u8 = 0x04;
pub const BE: u8 = 0x08;
pub const BS: u8 = 0x10;
pub const AT: u8 = 0x40;
pub const ED: u8 = 0x80;

/// A 2048-bit RSA test key: its two primes (generated once with Python's `cryptography`).
const RSA_P: &str = "f4f7437c9c9469612ed714460d06cec2364d65b7a42592d80cf645d7fb9d5b01a47027af8f39962774beaf15b18570405b0f76e072c8e07e8543b5f048eedbd7f4d4e8c4c66d5a72e11151c4aa8f7ac806aaa477f305796f862155dd307d1f7e2b37e64f514c0598767a856f81ca55bec43c1a543f7ff2de15e784ab19022ec7";
const RSA_Q: &str = "c7260932bc652f9991e2134b177c18f3325042a853c66b175c7d797b87ee8ae23b9a1b0a0aa11d8d3ac9b044d71dec46daa488034bc27f5f48eb27ff68766d9f8cf057a858fb2a5aa5e6ba8bbac971a6912c742d759e3ee6e54af99f5207d3df87424e35e032448f14fb98a0d2297c1ef29c31a4ddde5267f4e95a6cb83e5d1d";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Es256,
    Es384,
    EdDsa,
    Rs256,
}

impl KeyKind {
    pub const ALL: [KeyKind; 4] = [KeyKind::Es256, KeyKind::Es384, KeyKind::EdDsa, KeyKind::Rs256];

    pub fn alg(self) -> i64 {
        match self {
            KeyKind::Es256 => -7,
            KeyKind::Es384 => -35,
            KeyKind::EdDsa => -8,
            KeyKind::Rs256 => -257,
        }
    }
}

enum Signer {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
}

/// One credential of the software authenticator.
pub struct Credential {
    pub kind: KeyKind,
    pub id: Vec<u8>,
    signer: Signer,
}

fn seed_bytes(seed: u8, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u8;
    while out.len() < len {
        out.extend_from_slice(&Sha256::digest([seed, counter]));
        counter += 1;
    }
    out.truncate(len);
    out
}

pub fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn rsa_key() -> rsa::PrivateKey {
    let uint = |hex_text: &str| rsa::BoxedUint::from_be_slice_vartime(&hex(hex_text));
    rsa::PrivateKey::from_p_q(uint(RSA_P), uint(RSA_Q), rsa::BoxedUint::from(65537u32)).unwrap()
}

impl Credential {
    /// A credential of `kind` whose key and 32-byte id derive from `seed`.
    pub fn new(kind: KeyKind, seed: u8) -> Credential {
        let secret = seed_bytes(seed, 48);
        let signer = match kind {
            KeyKind::Es256 => Signer::P256(p256::ecdsa::SigningKey::from_slice(&secret[..32]).unwrap()),
            KeyKind::Es384 => Signer::P384(p384::ecdsa::SigningKey::from_slice(&secret).unwrap()),
            KeyKind::EdDsa => Signer::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret[..32].try_into().unwrap())),
            KeyKind::Rs256 => Signer::Rsa(Box::new(rsa_key())),
        };
        Credential { kind, id: seed_bytes(seed.wrapping_add(100), 32), signer }
    }

    /// The signature in WebAuthn encoding (ECDSA as DER).
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        match &self.signer {
            Signer::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(data);
                sig.to_der().as_bytes().to_vec()
            }
            Signer::P384(key) => {
                let sig: p384::ecdsa::Signature = key.sign(data);
                sig.to_der().as_bytes().to_vec()
            }
            Signer::Ed25519(key) => key.sign(data).to_bytes().to_vec(),
            Signer::Rsa(key) => key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(data)).unwrap(),
        }
    }

    /// The COSE_Key, in CTAP2 canonical order.
    pub fn cose_key(&self) -> Vec<u8> {
        let int = |i: i64| Value::Integer(i.into());
        let bytes = |b: &[u8]| Value::Bytes(b.to_vec());
        let alg = self.kind.alg();
        let entries = match &self.signer {
            Signer::P256(key) => {
                let point = key.verifying_key().to_sec1_point(false);
                vec![(1, int(2)), (3, int(alg)), (-1, int(1)), (-2, bytes(point.x().unwrap())), (-3, bytes(point.y().unwrap()))]
            }
            Signer::P384(key) => {
                let point = key.verifying_key().to_sec1_point(false);
                vec![(1, int(2)), (3, int(alg)), (-1, int(2)), (-2, bytes(point.x().unwrap())), (-3, bytes(point.y().unwrap()))]
            }
            Signer::Ed25519(key) => vec![(1, int(1)), (3, int(alg)), (-1, int(6)), (-2, bytes(key.verifying_key().as_bytes()))],
            Signer::Rsa(key) => {
                use rsa::traits::PublicKeyParts;
                let public = key.as_public_key();
                vec![(1, int(3)), (3, int(alg)), (-1, bytes(&public.n_bytes())), (-2, bytes(&[1, 0, 1]))]
            }
        };
        cbor(&Value::Map(entries.into_iter().map(|(k, v)| (int(k), v)).collect()))
    }
}

pub fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

/// What the client and authenticator put into one ceremony.
#[derive(Clone, Debug)]
pub struct Ceremony {
    pub client_data_type: String,
    pub challenge: Vec<u8>,
    pub origin: String,
    pub cross_origin: Option<bool>,
    pub top_origin: Option<String>,
    /// The RP ID whose hash goes into the authenticator data.
    pub rp_id: String,
    pub flags: u8,
    pub sign_count: u32,
    /// CBOR map of authenticator extension outputs (written when the ED flag is set).
    pub extensions: Option<Value>,
    pub aaguid: [u8; 16],
}

impl Ceremony {
    pub fn create() -> Ceremony {
        Ceremony {
            client_data_type: "webauthn.create".into(),
            challenge: vec![0xc4; 32],
            origin: ORIGIN.into(),
            cross_origin: Some(false),
            top_origin: None,
            rp_id: RP_ID.into(),
            flags: UP | UV | AT,
            sign_count: 0,
            extensions: None,
            aaguid: [0x42; 16],
        }
    }

    pub fn get() -> Ceremony {
        Ceremony { client_data_type: "webauthn.get".into(), challenge: vec![0x9a; 32], flags: UP | UV, ..Ceremony::create() }
    }

    pub fn client_data_json(&self) -> Vec<u8> {
        let mut data = serde_json::json!({
            "type": self.client_data_type,
            "challenge": base64url::encode(&self.challenge),
            "origin": self.origin,
        });
        if let Some(cross_origin) = self.cross_origin {
            data["crossOrigin"] = cross_origin.into();
        }
        if let Some(top_origin) = &self.top_origin {
            data["topOrigin"] = top_origin.clone().into();
        }
        serde_json::to_vec(&data).unwrap()
    }

    /// Authenticator data; attested credential data is written when the AT flag is set.
    pub fn auth_data(&self, credential: &Credential) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(self.flags);
        data.extend_from_slice(&self.sign_count.to_be_bytes());
        if self.flags & AT != 0 {
            data.extend_from_slice(&self.aaguid);
            data.extend_from_slice(&(credential.id.len() as u16).to_be_bytes());
            data.extend_from_slice(&credential.id);
            data.extend_from_slice(&credential.cose_key());
        }
        if self.flags & ED != 0 {
            let extensions = self.extensions.clone().unwrap_or(Value::Map(Vec::new()));
            data.extend_from_slice(&cbor(&extensions));
        }
        data
    }
}

/// The attestation statement formats the software authenticator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    None,
    PackedSelf,
}

/// `authData || SHA-256(clientDataJSON)`.
pub fn signed_data(auth_data: &[u8], client_data_json: &[u8]) -> Vec<u8> {
    let mut data = auth_data.to_vec();
    data.extend_from_slice(&Sha256::digest(client_data_json));
    data
}

pub fn attestation_object(fmt: &str, att_stmt: Value, auth_data: &[u8]) -> Vec<u8> {
    cbor(&Value::Map(vec![
        (Value::Text("fmt".into()), Value::Text(fmt.into())),
        (Value::Text("attStmt".into()), att_stmt),
        (Value::Text("authData".into()), Value::Bytes(auth_data.to_vec())),
    ]))
}

impl Credential {
    pub fn register(&self, ceremony: &Ceremony, format: Format) -> RegistrationResponseJson {
        let client_data_json = ceremony.client_data_json();
        let auth_data = ceremony.auth_data(self);
        let (fmt, att_stmt) = match format {
            Format::None => ("none", Value::Map(Vec::new())),
            Format::PackedSelf => {
                let sig = self.sign(&signed_data(&auth_data, &client_data_json));
                let att_stmt = Value::Map(vec![
                    (Value::Text("alg".into()), Value::Integer(self.kind.alg().into())),
                    (Value::Text("sig".into()), Value::Bytes(sig)),
                ]);
                ("packed", att_stmt)
            }
        };
        registration_json(&self.id, &client_data_json, &attestation_object(fmt, att_stmt, &auth_data))
    }

    pub fn assert(&self, ceremony: &Ceremony, user_handle: Option<&[u8]>) -> AuthenticationResponseJson {
        let client_data_json = ceremony.client_data_json();
        let auth_data = ceremony.auth_data(self);
        let signature = self.sign(&signed_data(&auth_data, &client_data_json));
        AuthenticationResponseJson {
            id: base64url::encode(&self.id),
            raw_id: base64url::encode(&self.id),
            type_: "public-key".into(),
            response: AssertionResponseJson {
                client_data_json: base64url::encode(&client_data_json),
                authenticator_data: base64url::encode(&auth_data),
                signature: base64url::encode(&signature),
                user_handle: user_handle.map(base64url::encode),
            },
            authenticator_attachment: Some("platform".into()),
            client_extension_results: serde_json::json!({}),
        }
    }
}

pub fn registration_json(id: &[u8], client_data_json: &[u8], attestation_object: &[u8]) -> RegistrationResponseJson {
    RegistrationResponseJson {
        id: base64url::encode(id),
        raw_id: base64url::encode(id),
        type_: "public-key".into(),
        response: AttestationResponseJson {
            client_data_json: base64url::encode(client_data_json),
            attestation_object: base64url::encode(attestation_object),
            authenticator_data: None,
            transports: Some(vec!["internal".into(), "hybrid".into()]),
            public_key: None,
            public_key_algorithm: None,
        },
        authenticator_attachment: Some("platform".into()),
        client_extension_results: serde_json::json!({"credProps": {"rk": true}}),
    }
}

/// The Relying Party side of a test: owns what the policies borrow.
pub struct RelyingParty {
    pub rp_id: String,
    pub origins: Vec<String>,
    pub top_origins: Vec<String>,
    pub allow_cross_origin: bool,
    pub user_verification: UserVerification,
    pub algorithms: Vec<i64>,
}

impl Default for RelyingParty {
    fn default() -> RelyingParty {
        RelyingParty {
            rp_id: RP_ID.into(),
            origins: vec![ORIGIN.into()],
            top_origins: Vec::new(),
            allow_cross_origin: false,
            user_verification: UserVerification::Required,
            algorithms: [DEFAULT_ALGORITHMS.as_slice(), &[-35]].concat(),
        }
    }
}

impl RelyingParty {
    pub fn registration<'a>(&'a self, challenge: &'a [u8]) -> RegistrationPolicy<'a> {
        RegistrationPolicy {
            rp_id: &self.rp_id,
            origins: &self.origins,
            allow_cross_origin: self.allow_cross_origin,
            top_origins: &self.top_origins,
            challenge,
            user_verification: self.user_verification,
            allowed_algorithms: &self.algorithms,
            attestation: AttestationConveyance::None,
            trust_anchors: &[],
            now_unix: None,
        }
    }

    pub fn authentication<'a>(&'a self, challenge: &'a [u8], public_key_cose: &'a [u8]) -> AuthenticationPolicy<'a> {
        AuthenticationPolicy {
            rp_id: &self.rp_id,
            origins: &self.origins,
            allow_cross_origin: self.allow_cross_origin,
            top_origins: &self.top_origins,
            challenge,
            user_verification: self.user_verification,
            public_key_cose,
            stored_sign_count: 0,
            backup_eligible: None,
            user_handle: None,
        }
    }
}
