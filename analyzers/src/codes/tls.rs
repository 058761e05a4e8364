//! TLS alerts (Schannel 36887 received / 36888 sent, `AlertDesc`) and Schannel's internal
//! error states (36870 `ErrorStatus`, 36871 / 36888 `ErrorState`).
//!
//! Sources: EVENTS.md §5.4 (alert numbers and names from RFC 8446 §6 and the
//! `SCHANNEL_ALERT_TOKEN` documentation; the SEC_E code Schannel reports when it *receives* an
//! alert from "Schannel error codes for TLS and SSL alerts"), RFC 6066 §9 (111, 114), and
//! EVENTS.md §5.5 for the error states (Microsoft publishes no table; each row names its origin).

use serde::Serialize;

use crate::cause::Cause;
use crate::cause::Cause::*;

/// One TLS alert description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TlsAlert {
    /// The `AlertDescription` value.
    pub code: u8,
    /// Its RFC name (`handshake_failure`).
    pub name: &'static str,
    /// The SSPI status Schannel returns when it receives this alert, if the source gives one.
    pub received_as: Option<u32>,
    /// What the alert usually means for an RDP connection.
    pub meaning: &'static str,
    /// The failure causes it supports.
    pub causes: &'static [Cause],
}

/// What Schannel returns for a received alert that has no specific mapping (EVENTS.md §5.4,
/// "other"): SEC_E_ILLEGAL_MESSAGE.
pub const DEFAULT_RECEIVED_AS: u32 = SEC_E_ILLEGAL_MESSAGE;

const SEC_E_UNSUPPORTED_FUNCTION: u32 = 0x8009_0302;
const SEC_E_INTERNAL_ERROR: u32 = 0x8009_0304;
const SEC_E_LOGON_DENIED: u32 = 0x8009_030C;
const SEC_E_MESSAGE_ALTERED: u32 = 0x8009_030F;
const SEC_E_UNTRUSTED_ROOT: u32 = 0x8009_0325;
const SEC_E_ILLEGAL_MESSAGE: u32 = 0x8009_0326;
const SEC_E_CERT_UNKNOWN: u32 = 0x8009_0327;
const SEC_E_CERT_EXPIRED: u32 = 0x8009_0328;
const SEC_E_DECRYPT_FAILURE: u32 = 0x8009_0330;
const SEC_E_ALGORITHM_MISMATCH: u32 = 0x8009_0331;
const SEC_E_UNFINISHED_CONTEXT_DELETED: u32 = 0x8009_0333;
const CRYPT_E_REVOKED: u32 = 0x8009_2010;

const fn alert(
    code: u8,
    name: &'static str,
    received_as: Option<u32>,
    meaning: &'static str,
    causes: &'static [Cause],
) -> TlsAlert {
    TlsAlert {
        code,
        name,
        received_as,
        meaning,
        causes,
    }
}

/// TLS alert descriptions, sorted by value. Source: EVENTS.md §5.4; 111 and 114 from RFC 6066 §9.
#[rustfmt::skip]
pub static TLS_ALERTS: &[TlsAlert] = &[
    alert(0, "close_notify", None, "Orderly close of the TLS connection; not an error.", &[]),
    alert(10, "unexpected_message", Some(SEC_E_ILLEGAL_MESSAGE), "A message arrived out of place: non-TLS bytes, a scanner, or protocol confusion.", &[TlsMismatch, SecuritySoftware]),
    alert(20, "bad_record_mac", Some(SEC_E_MESSAGE_ALTERED), "A record failed its integrity check: corruption or a middlebox altering traffic (Schannel state 960 \"Unwrap_DecryptFailure\").", &[Network, SecuritySoftware]),
    alert(21, "decryption_failed", Some(SEC_E_DECRYPT_FAILURE), "Record decryption failed (reserved in current TLS).", &[]),
    alert(22, "record_overflow", Some(SEC_E_ILLEGAL_MESSAGE), "A record was longer than allowed.", &[]),
    alert(30, "decompression_failure", Some(SEC_E_MESSAGE_ALTERED), "Decompression failed (reserved in current TLS).", &[]),
    alert(40, "handshake_failure", Some(SEC_E_ILLEGAL_MESSAGE), "No acceptable set of security parameters: usually no cipher suite in common.", &[TlsMismatch]),
    alert(41, "no_certificate", None, "No certificate available (SSL 3.0 only).", &[]),
    alert(42, "bad_certificate", Some(SEC_E_CERT_UNKNOWN), "A certificate was corrupt or its signature did not verify.", &[CertExpired]),
    alert(43, "unsupported_certificate", Some(SEC_E_CERT_UNKNOWN), "A certificate of an unsupported type.", &[CertExpired]),
    alert(44, "certificate_revoked", Some(CRYPT_E_REVOKED), "A certificate was revoked by its issuer.", &[GatewayCertMismatch, CertExpired]),
    alert(45, "certificate_expired", Some(SEC_E_CERT_EXPIRED), "A certificate has expired or is not yet valid.", &[CertExpired]),
    alert(46, "certificate_unknown", Some(SEC_E_CERT_UNKNOWN), "The certificate was not accepted for another reason (for example an untrusted self-signed certificate).", &[CertExpired]),
    alert(47, "illegal_parameter", Some(SEC_E_ILLEGAL_MESSAGE), "A handshake field was out of range or inconsistent.", &[TlsMismatch]),
    alert(48, "unknown_ca", Some(SEC_E_UNTRUSTED_ROOT), "The certificate chain ends in a certification authority the peer does not trust.", &[CertExpired, GatewayCertMismatch]),
    alert(49, "access_denied", Some(SEC_E_LOGON_DENIED), "The peer's certificate was valid but access was refused.", &[]),
    alert(50, "decode_error", Some(SEC_E_ILLEGAL_MESSAGE), "A message could not be decoded.", &[]),
    alert(51, "decrypt_error", Some(SEC_E_DECRYPT_FAILURE), "A handshake cryptographic operation failed, such as a signature made with the wrong key (inference).", &[PrivateKeyAccess]),
    alert(60, "export_restriction", Some(SEC_E_ILLEGAL_MESSAGE), "Export-grade restriction (reserved).", &[]),
    alert(70, "protocol_version", Some(SEC_E_UNSUPPORTED_FUNCTION), "The peer does not support the offered TLS version: protocol version mismatch.", &[TlsMismatch]),
    alert(71, "insufficient_security", Some(SEC_E_ALGORITHM_MISMATCH), "The peer requires stronger ciphers than offered: cipher suite mismatch.", &[TlsMismatch]),
    alert(80, "internal_error", Some(SEC_E_INTERNAL_ERROR), "An internal error on the sender, often a credential or private key problem (unconfirmed).", &[PrivateKeyAccess]),
    alert(86, "inappropriate_fallback", None, "A version fallback the server does not allow.", &[TlsMismatch]),
    alert(90, "user_canceled", Some(SEC_E_UNFINISHED_CONTEXT_DELETED), "The handshake was cancelled before it completed.", &[Network]),
    alert(100, "no_renegotiation", Some(SEC_E_ILLEGAL_MESSAGE), "Renegotiation was refused.", &[]),
    alert(109, "missing_extension", None, "A required TLS 1.3 extension was missing.", &[TlsMismatch]),
    alert(110, "unsupported_extension", Some(SEC_E_ILLEGAL_MESSAGE), "An extension was not expected in this message.", &[]),
    alert(111, "certificate_unobtainable", None, "A certificate could not be fetched from its URL.", &[]),
    alert(112, "unrecognized_name", None, "The server does not know the requested name (SNI).", &[GatewayCertMismatch]),
    alert(113, "bad_certificate_status_response", None, "The OCSP response for the certificate was not valid.", &[CertExpired]),
    alert(114, "bad_certificate_hash_value", None, "A certificate's hash did not match.", &[]),
    alert(115, "unknown_psk_identity", None, "Unknown pre-shared key identity.", &[]),
    alert(116, "certificate_required", None, "The server requires a client certificate.", &[]),
    alert(120, "no_application_protocol", None, "No application protocol (ALPN) in common.", &[]),
];

/// The TLS alert with this `AlertDesc` value.
pub fn tls_alert(code: u8) -> Option<&'static TlsAlert> {
    TLS_ALERTS
        .binary_search_by_key(&code, |a| a.code)
        .ok()
        .and_then(|i| TLS_ALERTS.get(i))
}

/// The TLS alert with this RFC name, ignoring ASCII case.
pub fn tls_alert_by_name(name: &str) -> Option<&'static TlsAlert> {
    TLS_ALERTS
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// One known Schannel internal error state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SchannelState {
    /// The Schannel event that logs it (36870 `ErrorStatus`, 36871 / 36888 `ErrorState`).
    pub event_id: u32,
    /// The state value.
    pub state: u32,
    /// The alert it was seen with (36888), if that matters.
    pub alert: Option<u8>,
    /// What it indicates.
    pub meaning: &'static str,
    /// The failure causes it supports.
    pub causes: &'static [Cause],
    /// Whether a cited source ties the meaning to the state (false: only seen in context).
    pub confirmed: bool,
    /// Where the meaning comes from.
    pub source: &'static str,
}

/// Known Schannel error states. Source: EVENTS.md §5.5.
pub static SCHANNEL_STATES: &[SchannelState] = &[
    SchannelState {
        event_id: 36870,
        state: 10001,
        alert: None,
        meaning: "The private key of the server's TLS credential cannot be used (MachineKeys permissions, or a missing or corrupt RSA key); seen with 0x8009030D.",
        causes: &[PrivateKeyAccess],
        confirmed: true,
        source: "Microsoft, Troubleshoot RDP connection issues by event ID",
    },
    SchannelState {
        event_id: 36871,
        state: 10013,
        alert: None,
        meaning: "Creating the TLS credential failed because the TLS versions it needs are disabled by policy.",
        causes: &[TlsMismatch],
        confirmed: true,
        source: "Microsoft, Troubleshoot RDP connection issues by event ID",
    },
    SchannelState {
        event_id: 36888,
        state: 960,
        alert: Some(20),
        meaning: "Unwrap_DecryptFailure: a received record could not be decrypted (corruption or tampering in transit).",
        causes: &[Network, SecuritySoftware],
        confirmed: true,
        source: "Microsoft TechNet blog, TLS handshake failing, Schannel error 36888",
    },
    SchannelState {
        event_id: 36888,
        state: 1203,
        alert: Some(10),
        meaning: "Seen when plain non-TLS data or a scanner hits the TLS port; meaning unconfirmed.",
        causes: &[],
        confirmed: false,
        source: "forum and issue threads",
    },
    SchannelState {
        event_id: 36888,
        state: 1205,
        alert: Some(40),
        meaning: "Seen with cipher suite restrictions (handshake_failure); meaning unconfirmed.",
        causes: &[TlsMismatch],
        confirmed: false,
        source: "forum and issue threads",
    },
    SchannelState {
        event_id: 36888,
        state: 1207,
        alert: Some(40),
        meaning: "Seen with cipher suite restrictions (handshake_failure); meaning unconfirmed.",
        causes: &[TlsMismatch],
        confirmed: false,
        source: "forum and issue threads",
    },
    SchannelState {
        event_id: 36888,
        state: 105,
        alert: Some(70),
        meaning: "Protocol version not supported; meaning unconfirmed.",
        causes: &[TlsMismatch],
        confirmed: false,
        source: "Stack Overflow quote",
    },
];

/// The known meaning of a Schannel error state logged by `event_id`. When the row was seen with
/// a particular alert and `alert` is given, the alert must match too.
pub fn schannel_state(
    event_id: u32,
    state: u32,
    alert: Option<u8>,
) -> Option<&'static SchannelState> {
    SCHANNEL_STATES.iter().find(|s| {
        s.event_id == event_id
            && s.state == state
            && match (s.alert, alert) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            }
    })
}

/// Every known row with this state value, whatever the event (for free-text lookups).
pub fn schannel_states_with(state: u32) -> impl Iterator<Item = &'static SchannelState> {
    SCHANNEL_STATES.iter().filter(move |s| s.state == state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::hresult::hresult_entry;

    #[test]
    fn alerts_sorted_named_and_mapped_to_known_codes() {
        for pair in TLS_ALERTS.windows(2) {
            assert!(pair[0].code < pair[1].code);
        }
        for a in TLS_ALERTS {
            assert!(!a.name.is_empty() && !a.meaning.is_empty());
            if let Some(code) = a.received_as {
                assert!(
                    hresult_entry(code).is_some(),
                    "{} maps to unknown {code:#X}",
                    a.name
                );
            }
        }
        assert!(hresult_entry(DEFAULT_RECEIVED_AS).is_some());
    }

    #[test]
    fn spot_checks_against_events_md() {
        let a = tls_alert(40).unwrap();
        assert_eq!(a.name, "handshake_failure");
        assert_eq!(a.received_as, Some(0x80090326));
        assert_eq!(a.causes, &[Cause::TlsMismatch]);
        assert_eq!(tls_alert(70).unwrap().received_as, Some(0x80090302));
        assert_eq!(tls_alert(71).unwrap().received_as, Some(0x80090331));
        assert_eq!(tls_alert(45).unwrap().causes, &[Cause::CertExpired]);
        assert_eq!(tls_alert(48).unwrap().received_as, Some(0x80090325));
        assert!(tls_alert(41).unwrap().received_as.is_none());
        assert!(tls_alert(1).is_none());
        assert!(tls_alert(255).is_none());
        assert_eq!(
            tls_alert_by_name("Insufficient_Security").map(|a| a.code),
            Some(71)
        );
    }

    #[test]
    fn error_states() {
        let s = schannel_state(36871, 10013, None).unwrap();
        assert_eq!(s.causes, &[Cause::TlsMismatch]);
        assert!(s.confirmed);
        assert_eq!(
            schannel_state(36870, 10001, None).unwrap().causes,
            &[Cause::PrivateKeyAccess]
        );
        assert_eq!(schannel_state(36888, 960, Some(20)).unwrap().state, 960);
        assert!(schannel_state(36888, 960, Some(40)).is_none());
        assert!(schannel_state(36888, 1205, None).is_some_and(|s| !s.confirmed));
        assert!(schannel_state(36871, 10001, None).is_none());
        assert_eq!(schannel_states_with(1205).count(), 1);
    }
}
