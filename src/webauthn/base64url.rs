//! base64url (RFC 4648 §5) as WebAuthn JSON uses it: encoded without padding, decoded with or
//! without it.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};

use super::error::{ErrorCode, VerifyError};
use super::limits::base64url_len_for;

const ENCODER: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, GeneralPurposeConfig::new().with_encode_padding(false));
const DECODER: GeneralPurpose =
    GeneralPurpose::new(&alphabet::URL_SAFE, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));

pub fn encode(bytes: &[u8]) -> String {
    ENCODER.encode(bytes)
}

/// Decode `text`, refusing anything that would decode to more than `max_bytes` bytes.
/// `what` names the field in the error message.
pub fn decode(text: &str, max_bytes: usize, what: &str) -> Result<Vec<u8>, VerifyError> {
    if text.len() > base64url_len_for(max_bytes) {
        return Err(VerifyError::new(ErrorCode::TooLarge, format!("{what} is longer than {max_bytes} bytes")));
    }
    let bytes = DECODER.decode(text).map_err(|e| VerifyError::malformed(format!("{what} is not base64url: {e}")))?;
    if bytes.len() > max_bytes {
        return Err(VerifyError::new(ErrorCode::TooLarge, format!("{what} is longer than {max_bytes} bytes")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_padding() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8", 10, "x").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("-_8=", 10, "x").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("", 10, "x").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn refuses_standard_alphabet_and_oversize() {
        assert_eq!(decode("+/8", 10, "x").unwrap_err().code, ErrorCode::Malformed);
        assert_eq!(decode("AAAAAAAA", 5, "x").unwrap_err().code, ErrorCode::TooLarge);
        assert_eq!(decode("AAAAAAA", 4, "x").unwrap_err().code, ErrorCode::TooLarge);
    }
}
