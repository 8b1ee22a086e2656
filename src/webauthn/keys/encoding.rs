//! Byte encodings of keys and signatures: ECDSA signatures DER <-> raw `r || s`, the PKCS#1 RSA
//! public key, RSA key sizes, leading zeros. A leaf: it imports nothing of the core but its error
//! and the DER reader.

use crate::webauthn::asn1::{self, Reader};
use crate::webauthn::error::{ErrorCode, VerifyError};

/// DER `Ecdsa-Sig-Value` from the two big-endian integers of a raw ECDSA signature
/// (as JWS ES256 and TPM signatures carry them).
pub fn ecdsa_signature_der(r: &[u8], s: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let bad = || VerifyError::new(ErrorCode::Signature, "malformed ECDSA signature");
    let mut integers = Vec::with_capacity(r.len() + s.len() + 8);
    for int in [r, s] {
        let magnitude = match strip_leading_zeros(int) {
            [] => &[0u8][..],
            magnitude => magnitude,
        };
        let sign: &[u8] = if magnitude.first().is_some_and(|&top| top >= 0x80) { &[0] } else { &[] };
        push_tlv(&mut integers, 0x02, &[sign, magnitude]).ok_or_else(bad)?; // INTEGER
    }
    let mut der = Vec::with_capacity(integers.len() + 6);
    push_tlv(&mut der, 0x30, &[&integers]).ok_or_else(bad)?;
    Ok(der)
}

/// Appends one DER value with the identifier octet `tag` whose content is `parts` one after
/// another (None when the content is 4 GiB or more).
fn push_tlv(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) -> Option<()> {
    let len = u32::try_from(parts.iter().map(|part| part.len()).sum::<usize>()).ok()?;
    out.push(tag);
    match len {
        0..=0x7F => out.push(len as u8),
        _ => {
            let octets = len.to_be_bytes();
            let skip = octets.iter().take_while(|&&octet| octet == 0).count();
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(octets.get(skip..)?);
        }
    }
    parts.iter().for_each(|part| out.extend_from_slice(part));
    Some(())
}

/// The two unsigned INTEGERs of exactly one DER `SEQUENCE { INTEGER, INTEGER }`, big-endian
/// without sign octets.
fn two_unsigned(der: &[u8]) -> asn1::Result<(&[u8], &[u8])> {
    let mut outer = Reader::new(der);
    let mut sequence = outer.sequence()?;
    outer.finish()?;
    let pair = (sequence.unsigned()?, sequence.unsigned()?);
    sequence.finish()?;
    Ok(pair)
}

/// `r || s`, each left-padded to `size` bytes, from a DER `Ecdsa-Sig-Value` (strict DER, no
/// trailing bytes, neither integer zero nor longer than `size`).
pub fn ecdsa_signature_raw(der_sig: &[u8], size: usize) -> Result<Vec<u8>, VerifyError> {
    let bad = || VerifyError::new(ErrorCode::Signature, "signature does not verify");
    let (r, s) = two_unsigned(der_sig).map_err(|_| bad())?;
    let mut raw = vec![0u8; 2 * size];
    for (bytes, half) in [r, s].into_iter().zip(raw.chunks_mut(size)) {
        if bytes.is_empty() || bytes.iter().all(|&b| b == 0) || bytes.len() > size {
            return Err(bad());
        }
        half[size - bytes.len()..].copy_from_slice(bytes);
    }
    Ok(raw)
}

/// Modulus and exponent of a PKCS#1 `RSAPublicKey`, big-endian, leading zero stripped.
pub fn rsa_components(pkcs1_der: &[u8]) -> Option<(&[u8], &[u8])> {
    two_unsigned(pkcs1_der).ok()
}

/// An RSA public key we accept: modulus odd and of `bits` size, exponent odd, at least 3 and
/// at most 2^33 - 1 (what the `rsa` crate accepts too).
pub fn rsa_key_acceptable(n: &[u8], e: &[u8], bits: core::ops::RangeInclusive<usize>) -> bool {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    let n_bits = n.first().map_or(0, |top| (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize));
    let e_value = if e.len() > 8 { u64::MAX } else { e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)) };
    bits.contains(&n_bits) && n.last().is_some_and(|b| b & 1 == 1) && (3..(1 << 33)).contains(&e_value) && e_value & 1 == 1
}

/// `bytes` without its leading zero octets (a big-endian integer's minimal form).
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Uncompressed SEC1 point `04 || x || y` when both coordinates have the curve's size.
pub fn sec1_point(x: &[u8], y: &[u8], size: usize) -> Option<Vec<u8>> {
    if x.len() != size || y.len() != size {
        return None;
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    Some(point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_der_and_raw_round_trip() {
        let der_sig = ecdsa_signature_der(&[0x80; 32], &[0x01]).unwrap();
        let raw = ecdsa_signature_raw(&der_sig, 32).unwrap();
        assert_eq!(&raw[..32], &[0x80; 32]);
        assert_eq!(raw[32..63], [0u8; 31]);
        assert_eq!(raw[63], 1);
        assert!(ecdsa_signature_raw(&der_sig, 16).is_err(), "r longer than the curve");
        let mut trailing = der_sig.clone();
        trailing.push(0);
        assert!(ecdsa_signature_raw(&trailing, 32).is_err());
        assert!(ecdsa_signature_raw(&[0x30, 0x02, 0x01], 32).is_err());
        let zero = ecdsa_signature_der(&[0], &[1]).unwrap();
        assert!(ecdsa_signature_raw(&zero, 32).is_err());
    }

    #[test]
    fn rsa_key_limits() {
        let n = [vec![0x00, 0xC5], vec![0xAB; 254], vec![0x01]].concat(); // 2048 bits, odd
        assert!(rsa_key_acceptable(&n, &[1, 0, 1], 1024..=4096));
        assert!(!rsa_key_acceptable(&n, &[1, 0, 1], 3072..=4096), "too short");
        let even = [&n[..n.len() - 1], &[0x02]].concat();
        assert!(!rsa_key_acceptable(&even, &[1, 0, 1], 1024..=4096), "even modulus");
        assert!(!rsa_key_acceptable(&n, &[1], 1024..=4096), "e = 1");
        assert!(!rsa_key_acceptable(&n, &[1, 0, 0], 1024..=4096), "even e");
        assert!(!rsa_key_acceptable(&n, &[2, 0, 0, 0, 1], 1024..=4096), "e >= 2^33");
    }
}
