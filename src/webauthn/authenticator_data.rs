//! Authenticator data (WebAuthn L3 §6.1): rpIdHash, flags, signature counter, attested
//! credential data and extensions.

use crate::webauthn::cbor::Value;
use sha2::{Digest, Sha256};

use super::cbor;
use super::error::{quoted, ErrorCode, VerifyError};
use super::keys::CoseKey;
use super::limits::{MAX_AUTHENTICATOR_DATA, MAX_CREDENTIAL_ID};
use super::options::UserVerification;

/// The flags byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    pub const UP: u8 = 0x01;
    pub const UV: u8 = 0x04;
    pub const BE: u8 = 0x08;
    pub const BS: u8 = 0x10;
    pub const AT: u8 = 0x40;
    pub const ED: u8 = 0x80;

    pub fn user_present(self) -> bool {
        self.0 & Flags::UP != 0
    }
    pub fn user_verified(self) -> bool {
        self.0 & Flags::UV != 0
    }
    pub fn backup_eligible(self) -> bool {
        self.0 & Flags::BE != 0
    }
    pub fn backed_up(self) -> bool {
        self.0 & Flags::BS != 0
    }
    pub fn attested_credential_data(self) -> bool {
        self.0 & Flags::AT != 0
    }
    pub fn extension_data(self) -> bool {
        self.0 & Flags::ED != 0
    }
}

/// Attested credential data: present in registrations.
#[derive(Clone, Debug)]
pub struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    pub public_key: CoseKey,
    /// The COSE_Key bytes exactly as in the authenticator data.
    pub public_key_cbor: Vec<u8>,
}

/// Parsed authenticator data.
#[derive(Clone, Debug)]
pub struct AuthenticatorData {
    pub rp_id_hash: [u8; 32],
    pub flags: Flags,
    pub sign_count: u32,
    pub attested_credential: Option<AttestedCredential>,
    /// The extension outputs map, when the ED flag is set.
    pub extensions: Option<Value>,
}

/// A cursor over the authenticator data bytes.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], VerifyError> {
        if self.bytes.len() < len {
            return Err(VerifyError::malformed(format!("authenticator data truncated in {what}")));
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], VerifyError> {
        let bytes = self.take(N, what)?;
        bytes.try_into().map_err(|_| VerifyError::malformed(format!("authenticator data truncated in {what}")))
    }

    fn skip(&mut self, len: usize) {
        self.bytes = self.bytes.get(len..).unwrap_or(&[]);
    }
}

impl AuthenticatorData {
    pub fn parse(bytes: &[u8]) -> Result<AuthenticatorData, VerifyError> {
        if bytes.len() > MAX_AUTHENTICATOR_DATA {
            return Err(VerifyError::new(ErrorCode::TooLarge, "authenticator data too large"));
        }
        let mut reader = Reader { bytes };
        let rp_id_hash = reader.array::<32>("rpIdHash")?;
        let [flags] = reader.array::<1>("flags")?;
        let flags = Flags(flags);
        let sign_count = u32::from_be_bytes(reader.array::<4>("signCount")?);
        let attested_credential = if flags.attested_credential_data() { Some(parse_attested_credential(&mut reader)?) } else { None };
        let extensions = if flags.extension_data() {
            let (value, len) = cbor::decode_prefix(reader.bytes)?;
            if !value.is_map() {
                return Err(VerifyError::malformed("authenticator extensions are not a map"));
            }
            reader.skip(len);
            Some(value)
        } else {
            None
        };
        if !reader.bytes.is_empty() {
            return Err(VerifyError::malformed("trailing bytes in authenticator data"));
        }
        Ok(AuthenticatorData { rp_id_hash, flags, sign_count, attested_credential, extensions })
    }

    /// rpIdHash is SHA-256 of `rp_id`, UP is set, UV is set when required, BS only with BE:
    /// the checks registrations and assertions share, in that order.
    pub fn check_rp_and_flags(&self, rp_id: &str, user_verification: UserVerification) -> Result<(), VerifyError> {
        // 7.1 step 14 / 7.2 step 15: rpIdHash.
        if self.rp_id_hash != <[u8; 32]>::from(Sha256::digest(rp_id.as_bytes())) {
            return Err(VerifyError::new(ErrorCode::RpIdHash, format!("rpIdHash is not the hash of {}", quoted(rp_id))));
        }
        // 7.1 step 15 / 7.2 step 16: UP.
        if !self.flags.user_present() {
            return Err(VerifyError::new(ErrorCode::UserPresent, "user presence flag not set"));
        }
        // 7.1 step 16 / 7.2 step 17: UV when required.
        if user_verification == UserVerification::Required && !self.flags.user_verified() {
            return Err(VerifyError::new(ErrorCode::UserVerified, "user verification required but UV flag not set"));
        }
        self.check_backup_flags()
    }

    /// BS (backed up) requires BE (backup eligible).
    pub fn check_backup_flags(&self) -> Result<(), VerifyError> {
        // 7.1 step 17 / 7.2 step 18: BS only with BE.
        if self.flags.backed_up() && !self.flags.backup_eligible() {
            return Err(VerifyError::new(ErrorCode::BackupState, "BS flag set without BE"));
        }
        Ok(())
    }
}

fn parse_attested_credential(reader: &mut Reader) -> Result<AttestedCredential, VerifyError> {
    let aaguid = reader.array::<16>("aaguid")?;
    let id_len = usize::from(u16::from_be_bytes(reader.array::<2>("credentialIdLength")?));
    // 7.1 step 25: credentialId at most 1023 bytes.
    if id_len > MAX_CREDENTIAL_ID {
        return Err(VerifyError::new(ErrorCode::CredentialIdLength, format!("credential id is {id_len} bytes, more than {MAX_CREDENTIAL_ID}")));
    }
    let credential_id = reader.take(id_len, "credentialId")?.to_vec();
    let (public_key, key_len) = CoseKey::from_cbor(reader.bytes)?;
    let public_key_cbor = reader.take(key_len, "credentialPublicKey")?.to_vec();
    Ok(AttestedCredential { aaguid, credential_id, public_key, public_key_cbor })
}
