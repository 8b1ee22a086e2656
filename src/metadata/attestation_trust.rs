//! What a passkey's attestation is reported as: how far the Worker can vouch for the
//! authenticator that made it.
//!
//! The Worker checks every attestation statement and its certificate chain's signatures, but it
//! holds no trust anchors yet (FIDO metadata will supply them): a chain it verified reaches no
//! root it trusts, so it proves nothing about the authenticator's maker. Such a passkey (`basic`,
//! `attca` or `anonca` attestation to the core) is reported as `uncertain`, never as trusted.
//! `self` (signed by the credential key itself) and `none` are reported as they are.

/// The attestation types a passkey object shows (`attestationType`).
pub const NONE: &str = "none";
pub const SELF: &str = "self";
pub const UNCERTAIN: &str = "uncertain";

/// The reported type of an attestation the core found to be of type `core_type` (its
/// `AttestationType::as_str`, or a stored value), its chain checked against no trust anchor.
pub fn reported_type(core_type: &str) -> &'static str {
    match core_type {
        "none" => NONE,
        "self" => SELF,
        // basic, attca, anonca, and anything unknown: a chain that reaches no trusted root.
        _ => UNCERTAIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_without_anchors_are_uncertain() {
        assert_eq!(reported_type("none"), "none");
        assert_eq!(reported_type("self"), "self");
        for chained in ["basic", "attca", "anonca", "", "trusted"] {
            assert_eq!(reported_type(chained), "uncertain", "{chained}");
        }
    }
}
