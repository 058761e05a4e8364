//! Logon types of Security 4624/4625 `LogonType`.
//!
//! Source: EVENTS.md §5.9 (hayabusa-rules `Security_4625_FailedLogon.yaml` value map, which
//! follows the Security auditing documentation). For RDP: type 10 is the interactive logon of
//! the session; with NLA the credential check first shows as type 3.

use super::{CodeEntry, find, named};

/// Logon types, sorted. Source: EVENTS.md §5.9.
#[rustfmt::skip]
pub static LOGON_TYPES: &[CodeEntry] = &[
    named(0, "System", "Used only by the System account at start-up.", &[]),
    named(2, "Interactive", "A logon at the keyboard and screen of this computer.", &[]),
    named(3, "Network", "A logon from the network (file shares; with NLA, the credential check before an RDP session).", &[]),
    named(4, "Batch", "A scheduled task running on behalf of a user.", &[]),
    named(5, "Service", "A service started by the Service Control Manager.", &[]),
    named(7, "Unlock", "The workstation was unlocked.", &[]),
    named(8, "NetworkCleartext", "A network logon with the password sent in clear text (for example IIS basic authentication).", &[]),
    named(9, "NewCredentials", "A process ran with other credentials for outbound connections (RunAs /netonly).", &[]),
    named(10, "RemoteInteractive", "A Remote Desktop (Terminal Services) logon.", &[]),
    named(11, "CachedInteractive", "An interactive logon with cached domain credentials (no domain controller contacted).", &[]),
    named(12, "CachedRemoteInteractive", "A Remote Desktop logon with cached credentials.", &[]),
    named(13, "CachedUnlock", "An unlock with cached credentials.", &[]),
];

/// The logon type with this value.
pub fn logon_type(code: u32) -> Option<&'static CodeEntry> {
    find(LOGON_TYPES, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::table_checks::assert_well_formed;

    #[test]
    fn table_and_spot_checks() {
        assert_well_formed("logon types", LOGON_TYPES);
        assert_eq!(
            logon_type(10).and_then(|e| e.name),
            Some("RemoteInteractive")
        );
        assert_eq!(logon_type(3).and_then(|e| e.name), Some("Network"));
        assert!(logon_type(1).is_none());
        assert!(logon_type(6).is_none());
    }
}
