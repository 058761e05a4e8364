//! CERT_TRUST_* error status bits (CAPI2 11/30 `ErrorStatus@value`, a hex mask such as `"21"`).
//!
//! Sources: wincrypt.h (names and values) and the `CERT_TRUST_STATUS` documentation, as listed
//! in EVENTS.md §5.7; causes from the same section.

use serde::Serialize;

use super::{CodeEntry, named};
use crate::cause::Cause;
use crate::cause::Cause::*;

/// The error bits of `CERT_TRUST_STATUS.dwErrorStatus`, in bit order. Source: wincrypt.h.
#[rustfmt::skip]
pub static CERT_TRUST_BITS: &[CodeEntry] = &[
    named(0x1, "CERT_TRUST_IS_NOT_TIME_VALID", "A certificate in the chain is expired or not yet valid.", &[CertExpired]),
    named(0x2, "CERT_TRUST_IS_NOT_TIME_NESTED", "The validity periods of the chain do not nest.", &[]),
    named(0x4, "CERT_TRUST_IS_REVOKED", "A certificate in the chain is revoked.", &[GatewayCertMismatch, CertExpired]),
    named(0x8, "CERT_TRUST_IS_NOT_SIGNATURE_VALID", "A certificate's signature is not valid.", &[]),
    named(0x10, "CERT_TRUST_IS_NOT_VALID_FOR_USAGE", "The certificate is not valid for the requested usage (EKU).", &[CertExpired]),
    named(0x20, "CERT_TRUST_IS_UNTRUSTED_ROOT", "The chain ends in an untrusted root (for example a self-signed certificate).", &[CertExpired]),
    named(0x40, "CERT_TRUST_REVOCATION_STATUS_UNKNOWN", "Revocation could not be checked (CRL or OCSP unreachable).", &[Network]),
    named(0x80, "CERT_TRUST_IS_CYCLIC", "The chain is cyclic.", &[]),
    named(0x100, "CERT_TRUST_INVALID_EXTENSION", "A certificate has an invalid extension.", &[]),
    named(0x200, "CERT_TRUST_INVALID_POLICY_CONSTRAINTS", "A policy constraint is violated.", &[]),
    named(0x400, "CERT_TRUST_INVALID_BASIC_CONSTRAINTS", "A basic constraint is violated.", &[]),
    named(0x800, "CERT_TRUST_INVALID_NAME_CONSTRAINTS", "A name constraint is invalid.", &[]),
    named(0x1000, "CERT_TRUST_HAS_NOT_SUPPORTED_NAME_CONSTRAINT", "A name constraint has an unsupported type.", &[]),
    named(0x2000, "CERT_TRUST_HAS_NOT_DEFINED_NAME_CONSTRAINT", "A name constraint is not defined for a name type present.", &[]),
    named(0x4000, "CERT_TRUST_HAS_NOT_PERMITTED_NAME_CONSTRAINT", "A name is outside the permitted names.", &[]),
    named(0x8000, "CERT_TRUST_HAS_EXCLUDED_NAME_CONSTRAINT", "A name is among the excluded names.", &[]),
    named(0x10000, "CERT_TRUST_IS_PARTIAL_CHAIN", "The chain could not be built to a root (missing intermediate or untrusted).", &[CertExpired]),
    named(0x20000, "CERT_TRUST_CTL_IS_NOT_TIME_VALID", "A certificate trust list is not time valid.", &[]),
    named(0x40000, "CERT_TRUST_CTL_IS_NOT_SIGNATURE_VALID", "A certificate trust list has an invalid signature.", &[]),
    named(0x80000, "CERT_TRUST_CTL_IS_NOT_VALID_FOR_USAGE", "A certificate trust list is not valid for this usage.", &[]),
    named(0x100000, "CERT_TRUST_HAS_WEAK_SIGNATURE", "A certificate is signed with a weak algorithm.", &[]),
    named(0x200000, "CERT_TRUST_HAS_WEAK_HYGIENE", "A certificate fails the weak-hygiene checks.", &[]),
    named(0x1000000, "CERT_TRUST_IS_OFFLINE_REVOCATION", "The revocation server was offline.", &[Network]),
    named(0x2000000, "CERT_TRUST_NO_ISSUANCE_CHAIN_POLICY", "No issuance chain policy is present.", &[]),
    named(0x4000000, "CERT_TRUST_IS_EXPLICIT_DISTRUST", "A certificate is explicitly distrusted.", &[CertExpired]),
    named(0x8000000, "CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT", "A certificate has an unsupported critical extension.", &[]),
];

/// A decoded `ErrorStatus` mask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustStatus {
    /// The mask.
    pub mask: u32,
    /// The known bits set, in bit order.
    pub bits: Vec<&'static CodeEntry>,
    /// Set bits no entry describes.
    pub unknown_bits: u32,
}

impl TrustStatus {
    /// The names of the set bits joined with ` | `, or `CERT_TRUST_NO_ERROR`.
    pub fn names(&self) -> String {
        if self.mask == 0 {
            return "CERT_TRUST_NO_ERROR".to_owned();
        }
        let mut parts: Vec<String> = self
            .bits
            .iter()
            .filter_map(|e| e.name.map(str::to_owned))
            .collect();
        if self.unknown_bits != 0 {
            parts.push(format!("{:#X}", self.unknown_bits));
        }
        parts.join(" | ")
    }

    /// The causes of all set bits, without repeats, in vocabulary order.
    pub fn causes(&self) -> Vec<Cause> {
        let mut causes: Vec<Cause> = self
            .bits
            .iter()
            .flat_map(|e| e.causes.iter().copied())
            .collect();
        causes.sort_unstable();
        causes.dedup();
        causes
    }
}

/// Decodes a CERT_TRUST error status mask.
pub fn cert_trust(mask: u32) -> TrustStatus {
    let bits: Vec<&'static CodeEntry> = CERT_TRUST_BITS
        .iter()
        .filter(|e| mask & e.code != 0)
        .collect();
    let known = bits.iter().fold(0, |acc, e| acc | e.code);
    TrustStatus {
        mask,
        bits,
        unknown_bits: mask & !known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::table_checks::assert_well_formed;

    #[test]
    fn table_is_single_bits_in_order() {
        assert_well_formed("cert trust", CERT_TRUST_BITS);
        for e in CERT_TRUST_BITS {
            assert_eq!(e.code.count_ones(), 1, "{:#X}", e.code);
        }
    }

    #[test]
    fn mask_0x21() {
        let t = cert_trust(0x21);
        assert_eq!(
            t.names(),
            "CERT_TRUST_IS_NOT_TIME_VALID | CERT_TRUST_IS_UNTRUSTED_ROOT"
        );
        assert_eq!(t.unknown_bits, 0);
        assert_eq!(t.causes(), vec![Cause::CertExpired]);
    }

    #[test]
    fn sample_value_40_and_others() {
        let t = cert_trust(0x40);
        assert_eq!(t.names(), "CERT_TRUST_REVOCATION_STATUS_UNKNOWN");
        assert_eq!(t.causes(), vec![Cause::Network]);
        assert_eq!(cert_trust(0).names(), "CERT_TRUST_NO_ERROR");
        let odd = cert_trust(0x8000_0001);
        assert_eq!(odd.unknown_bits, 0x8000_0000);
        assert_eq!(odd.names(), "CERT_TRUST_IS_NOT_TIME_VALID | 0x80000000");
        let revoked = cert_trust(0x4);
        assert_eq!(
            revoked.causes(),
            vec![Cause::CertExpired, Cause::GatewayCertMismatch]
        );
    }
}
