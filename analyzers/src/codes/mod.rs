//! Decoders for the numeric codes found in RDP-related Windows events.
//!
//! Every table is static data with its source named next to it (EVENTS.md is the team's
//! sourced reference, docs/EVENTS.md in the project). Each entry that points at a failure
//! carries the [`Cause`] ids it supports. Typed lookups, one per table:
//!
//! | table | lookup | module |
//! |---|---|---|
//! | client disconnect reason (RDPClient 1026 `Value`) | [`disconnect_reason`] | [`disconnect`] |
//! | extended disconnect reason / server errorInfo | [`extended_reason`] | [`disconnect`] |
//! | LocalSessionManager 40 `Reason` | [`lsm_reason`] | [`disconnect`] |
//! | TLS alert (Schannel 36887/36888 `AlertDesc`) | [`tls_alert`] | [`tls`] |
//! | Schannel internal error state | [`schannel_state`] | [`tls`] |
//! | HRESULT (SEC_E_*, CERT_E_*, NTE_*, CRYPT_E_*, TRUST_E_*, generic) | [`hresult()`], [`hresult_entry`] | [`hresult`](mod@hresult) |
//! | Win32 / Winsock errors | [`win32_error`] | [`win32`] |
//! | NTSTATUS, TermDD and classic `Binary` | [`ntstatus()`], [`ntstatus_info`], [`termdd_binary`], [`ntstatus_binary`] | [`ntstatus`](mod@ntstatus) |
//! | CERT_TRUST_* bits | [`cert_trust`] | [`certtrust`] |
//! | `%%NNNN` message references | [`message_ref`], [`parse_message_ref`] | [`msgref`] |
//! | logon types | [`logon_type`] | [`logon`] |
//! | SCM service `Binary`, service states, RDP-relevant services | [`service_binary`], [`service_state`], [`service_role`] | [`service`] |
//! | Windows Firewall profile bitmask | [`firewall_profiles`] | [`firewall`] |
//!
//! [`explain()`] reads any of these from free text (the `rdpsleuth explain` command).

pub mod certtrust;
pub mod disconnect;
pub mod explain;
pub mod firewall;
pub mod hresult;
pub mod logon;
pub mod msgref;
pub mod ntstatus;
pub mod service;
pub mod tls;
pub mod win32;

use serde::Serialize;

use crate::cause::Cause;

pub use certtrust::{TrustStatus, cert_trust};
pub use disconnect::{ExtendedReason, disconnect_reason, extended_reason, lsm_reason};
pub use explain::{Explanation, Notation, Table, explain};
pub use firewall::{ProfileSet, firewall_profiles};
pub use hresult::{HresultInfo, Wrapped, hresult, hresult_entry};
pub use logon::logon_type;
pub use msgref::{MessageRef, message_ref, parse_message_ref, win32_message_ref};
pub use ntstatus::{
    IoErrorLogPacket, NtStatusInfo, ntstatus, ntstatus_binary, ntstatus_info, termdd_binary,
};
pub use service::{ServiceBinary, ServiceRole, service_binary, service_role, service_state};
pub use tls::{SchannelState, TlsAlert, schannel_state, tls_alert};
pub use win32::win32_error;

/// One row of a code table: a value, its symbolic name where the source gives one, what it
/// means, and the causes it points to (empty when it is not a failure or fits none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CodeEntry {
    /// The numeric value.
    pub code: u32,
    /// The symbolic name (`SEC_E_ALGORITHM_MISMATCH`), if the source names it.
    pub name: Option<&'static str>,
    /// What the value means, in one sentence.
    pub meaning: &'static str,
    /// The failure causes this value supports.
    pub causes: &'static [Cause],
}

/// A table row with a symbolic name.
pub(crate) const fn named(
    code: u32,
    name: &'static str,
    meaning: &'static str,
    causes: &'static [Cause],
) -> CodeEntry {
    CodeEntry {
        code,
        name: Some(name),
        meaning,
        causes,
    }
}

/// A table row whose source gives no symbolic name.
pub(crate) const fn unnamed(
    code: u32,
    meaning: &'static str,
    causes: &'static [Cause],
) -> CodeEntry {
    CodeEntry {
        code,
        name: None,
        meaning,
        causes,
    }
}

/// Finds `code` in a table sorted by code (every table's test checks the order).
pub(crate) fn find(table: &'static [CodeEntry], code: u32) -> Option<&'static CodeEntry> {
    table
        .binary_search_by_key(&code, |e| e.code)
        .ok()
        .and_then(|i| table.get(i))
}

/// Finds an entry by symbolic name, ignoring ASCII case.
pub(crate) fn find_name(table: &'static [CodeEntry], name: &str) -> Option<&'static CodeEntry> {
    table
        .iter()
        .find(|e| e.name.is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// Decodes a hex string (`"B50000D0"`, optional `0x`, ASCII whitespace ignored) into bytes.
/// `None` for odd lengths or non-hex characters.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let mut digits = t
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| (b as char).to_digit(16));
    let mut out = Vec::with_capacity(t.len() / 2);
    loop {
        match (digits.next(), digits.next()) {
            (None, _) => break,
            (Some(Some(hi)), Some(Some(lo))) => out.push((hi * 16 + lo) as u8),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod table_checks {
    //! Shared checks every table's tests run.
    use super::CodeEntry;

    /// Strictly increasing codes (so binary search works and there are no duplicates),
    /// non-empty meanings, distinct names.
    pub(crate) fn assert_well_formed(label: &str, table: &[CodeEntry]) {
        assert!(!table.is_empty(), "{label}: empty");
        for pair in table.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{label}: {:#X} then {:#X}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut names: Vec<&str> = table.iter().filter_map(|e| e.name).collect();
        names.sort_unstable();
        for pair in names.windows(2) {
            assert_ne!(pair[0], pair[1], "{label}: duplicate name");
        }
        for e in table {
            assert!(
                !e.meaning.trim().is_empty(),
                "{label}: {:#X} has no meaning",
                e.code
            );
            assert!(e.name.is_none_or(|n| !n.is_empty()), "{label}: empty name");
            let mut causes = e.causes.to_vec();
            causes.sort_unstable();
            causes.dedup();
            assert_eq!(
                causes.len(),
                e.causes.len(),
                "{label}: {:#X} repeats a cause",
                e.code
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex("B50000D0"), Some(vec![0xB5, 0, 0, 0xD0]));
        assert_eq!(decode_hex(" 0x5e 00 00 c0 "), Some(vec![0x5E, 0, 0, 0xC0]));
        assert_eq!(decode_hex(""), Some(vec![]));
        assert_eq!(decode_hex("ABC"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex("é1"), None);
    }
}
