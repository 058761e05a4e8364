//! `%%NNNN` values: message-table references the event renderers leave unexpanded.
//!
//! In Security events they point into msobjs.dll (WFP direction and layer in 5152–5159, key
//! operations and key types in 5058/5059/5061, logon failure reasons in 4625 `FailureReason`).
//! In Service Control Manager parameters (7000/7001/7023) and NETLOGON 5719 data the number is a
//! Win32 error instead (`%%1058`, `%%1311`); see [`super::win32_error`].
//!
//! Sources: EVENTS.md §5.10 (WFP, msobjs.dll ids 0x3900–0x3913), §5.11 (key operations),
//! §5.8 (FailureReason %%2304–%%2315, msobjs.dll 0x900–0x90B), all from libyal winevt-kb's
//! msobjs.dll message table; texts restated.

use serde::Serialize;

use super::{CodeEntry, find};
use crate::cause::Cause;
use crate::cause::Cause::*;

/// What a message reference is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefGroup {
    /// 4625 `FailureReason`.
    LogonFailure,
    /// 5058/5059/5061 `Operation` and failure texts.
    KeyOperation,
    /// 5058/5059/5061 `KeyType`.
    KeyType,
    /// 5152–5159 `Direction`.
    WfpDirection,
    /// 5152–5159 `LayerName`.
    WfpLayer,
}

impl RefGroup {
    /// Where the reference appears, for display.
    pub fn title(self) -> &'static str {
        match self {
            RefGroup::LogonFailure => "logon failure reason (4625 FailureReason)",
            RefGroup::KeyOperation => "key operation (5058/5059/5061)",
            RefGroup::KeyType => "key type (5058/5059/5061 KeyType)",
            RefGroup::WfpDirection => "WFP direction (5152-5159 Direction)",
            RefGroup::WfpLayer => "WFP layer (5152-5159 LayerName)",
        }
    }
}

/// One msobjs.dll message reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MessageRef {
    /// The number after `%%`.
    pub id: u32,
    /// Which field family uses it.
    pub group: RefGroup,
    /// The text it expands to, restated.
    pub text: &'static str,
    /// The failure causes it supports.
    pub causes: &'static [Cause],
}

const fn r(id: u32, group: RefGroup, text: &'static str, causes: &'static [Cause]) -> MessageRef {
    MessageRef {
        id,
        group,
        text,
        causes,
    }
}

use RefGroup::{KeyOperation, KeyType, LogonFailure, WfpDirection, WfpLayer};

/// msobjs.dll references, sorted by id. Source: EVENTS.md §5.8, §5.10, §5.11.
#[rustfmt::skip]
pub static MESSAGE_REFS: &[MessageRef] = &[
    r(2304, LogonFailure, "An error occurred during logon.", &[]),
    r(2305, LogonFailure, "The specified user account has expired.", &[LogonDenied]),
    r(2306, LogonFailure, "The NetLogon component is not active.", &[DomainTrust, ServiceUnavailable]),
    r(2307, LogonFailure, "The account is locked out.", &[LogonDenied]),
    r(2308, LogonFailure, "The user has not been granted the requested logon type on this machine.", &[LogonDenied]),
    r(2309, LogonFailure, "The specified account's password has expired.", &[LogonDenied]),
    r(2310, LogonFailure, "The account is currently disabled.", &[LogonDenied]),
    r(2311, LogonFailure, "An account logon time restriction was violated.", &[LogonDenied]),
    r(2312, LogonFailure, "The user may not log on from this computer.", &[LogonDenied]),
    r(2313, LogonFailure, "Unknown user name or bad password.", &[LogonDenied]),
    r(2314, LogonFailure, "The domain security identifier is inconsistent.", &[DomainTrust]),
    r(2315, LogonFailure, "Smart card logon is required and was not used.", &[LogonDenied]),
    r(2448, KeyOperation, "Failed to unprotect a persistent cryptographic key.", &[PrivateKeyAccess]),
    r(2456, KeyOperation, "Open key file.", &[]),
    r(2457, KeyOperation, "Delete key file.", &[]),
    r(2458, KeyOperation, "Read persisted key from file.", &[]),
    r(2459, KeyOperation, "Write persisted key to file.", &[]),
    r(2464, KeyOperation, "Export of persistent cryptographic key.", &[]),
    r(2465, KeyOperation, "Import of persistent cryptographic key.", &[]),
    r(2480, KeyOperation, "Open key.", &[]),
    r(2481, KeyOperation, "Create key.", &[]),
    r(2482, KeyOperation, "Delete key.", &[]),
    r(2483, KeyOperation, "Encrypt.", &[]),
    r(2484, KeyOperation, "Decrypt.", &[]),
    r(2485, KeyOperation, "Sign hash.", &[]),
    r(2486, KeyOperation, "Secret agreement.", &[]),
    r(2499, KeyType, "Machine key.", &[]),
    r(2500, KeyType, "User key.", &[]),
    r(14592, WfpDirection, "Inbound.", &[]),
    r(14593, WfpDirection, "Outbound.", &[]),
    r(14596, WfpLayer, "IP Packet.", &[]),
    r(14597, WfpLayer, "Transport.", &[]),
    r(14600, WfpLayer, "Datagram Data.", &[]),
    r(14601, WfpLayer, "ICMP Error.", &[]),
    r(14602, WfpLayer, "MAC 802.3.", &[]),
    r(14603, WfpLayer, "MAC Native.", &[]),
    r(14604, WfpLayer, "vSwitch.", &[]),
    r(14608, WfpLayer, "Resource Assignment (bind).", &[]),
    r(14609, WfpLayer, "Listen.", &[]),
    r(14610, WfpLayer, "Receive/Accept (an inbound connection).", &[]),
    r(14611, WfpLayer, "Connect (an outbound connection).", &[]),
];

/// The msobjs.dll reference with this number.
pub fn message_ref(id: u32) -> Option<&'static MessageRef> {
    MESSAGE_REFS
        .binary_search_by_key(&id, |m| m.id)
        .ok()
        .and_then(|i| MESSAGE_REFS.get(i))
}

/// The number in a `%%NNNN` value (surrounding spaces allowed); `None` for anything else.
pub fn parse_message_ref(text: &str) -> Option<u32> {
    let digits = text.trim().strip_prefix("%%")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A `%%NNNN` value from a Service Control Manager or NETLOGON parameter: a Win32 error.
pub fn win32_message_ref(text: &str) -> Option<&'static CodeEntry> {
    find(super::win32::WIN32_ERRORS, parse_message_ref(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sorted_and_filled() {
        for pair in MESSAGE_REFS.windows(2) {
            assert!(pair[0].id < pair[1].id);
        }
        assert!(MESSAGE_REFS.iter().all(|m| !m.text.is_empty()));
    }

    #[test]
    fn spot_checks_against_events_md() {
        let bad_pw = message_ref(2313).unwrap();
        assert_eq!(bad_pw.group, RefGroup::LogonFailure);
        assert_eq!(bad_pw.causes, &[Cause::LogonDenied]);
        assert_eq!(message_ref(14592).unwrap().text, "Inbound.");
        assert_eq!(message_ref(14610).unwrap().group, RefGroup::WfpLayer);
        assert_eq!(message_ref(2499).unwrap().text, "Machine key.");
        assert_eq!(message_ref(2314).unwrap().causes, &[Cause::DomainTrust]);
        assert!(message_ref(2316).is_none());
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_message_ref("%%2313"), Some(2313));
        assert_eq!(parse_message_ref(" %%14592 "), Some(14592));
        assert_eq!(parse_message_ref("%%"), None);
        assert_eq!(parse_message_ref("%%-1"), None);
        assert_eq!(parse_message_ref("%%99999999999"), None);
        assert_eq!(parse_message_ref("2313"), None);
        assert_eq!(
            win32_message_ref("%%1058").and_then(|e| e.name),
            Some("ERROR_SERVICE_DISABLED")
        );
        assert_eq!(
            win32_message_ref("%%1311").and_then(|e| e.name),
            Some("ERROR_NO_LOGON_SERVERS")
        );
    }
}
