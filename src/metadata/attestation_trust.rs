//! What a passkey's attestation is reported as: how far the Worker can vouch for the
//! authenticator that made it.
//!
//! The Worker checks every attestation statement and its certificate chain's signatures. A chain
//! is checked against trust anchors only where the application asks for it (`attestationTrust:
//! "mds"`: the FIDO Metadata Service's roots of the authenticator's AAGUID); there, one that
//! reaches a root is `trusted`. Any other chain it verified reaches no root it trusts, so it proves
//! nothing about the authenticator's maker: such a passkey (`basic`, `attca` or `anonca` to the
//! core) is reported as `uncertain`. `self` (signed by the credential key itself) and `none` are
//! reported as they are. The reported type is what is stored; rows stored before trust anchors
//! existed hold the core's type, and read as `uncertain`.

/// The attestation types a passkey object shows (`attestationType`).
pub const NONE: &str = "none";
pub const SELF: &str = "self";
pub const UNCERTAIN: &str = "uncertain";
pub const TRUSTED: &str = "trusted";

/// The reported type of a new attestation the core found to be of type `core_type` (its
/// `AttestationType::as_str`); `anchored` when its chain was checked against trust anchors (and
/// so reached one: the core refuses one that does not).
pub fn reported_type(core_type: &str, anchored: bool) -> &'static str {
    match core_type {
        "none" => NONE,
        "self" => SELF,
        _ if anchored => TRUSTED,
        // basic, attca, anonca, and anything unknown: a chain that reaches no trusted root.
        _ => UNCERTAIN,
    }
}

/// The reported type of a stored attestation type.
pub fn stored_type(stored: &str) -> &'static str {
    match stored {
        "none" => NONE,
        "self" => SELF,
        "trusted" => TRUSTED,
        _ => UNCERTAIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_without_anchors_are_uncertain() {
        assert_eq!(reported_type("none", false), "none");
        assert_eq!(reported_type("self", true), "self");
        for chained in ["basic", "attca", "anonca", ""] {
            assert_eq!(reported_type(chained, false), "uncertain", "{chained}");
            assert_eq!(reported_type(chained, true), "trusted", "{chained}");
            assert_eq!(stored_type(chained), "uncertain", "{chained}");
        }
        assert_eq!(stored_type("trusted"), "trusted");
        assert_eq!(stored_type("self"), "self");
    }
}
