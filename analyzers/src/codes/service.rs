//! Service Control Manager `Binary`: the service **key** name in UTF-16LE (7000/7023/7031/7034),
//! or `"<ServiceKey>/<state>"` for 7036 (`WerSvc/4`) — the locale-independent way to recognise a
//! service, since `param1` is the localised display name. Also the services that matter to RDP.
//!
//! Sources: EVENTS.md §3.8 and §5.13 (state digit = SERVICE_STATUS `dwCurrentState` from
//! winsvc.h; only 4 is confirmed on a real record); service key names are the standard Windows
//! service names, the ones EVENTS.md §3.8 names plus the firewall, key isolation and domain
//! services the cause matrix (§4) relies on.

use serde::Serialize;

use super::{CodeEntry, decode_hex, find, named};
use crate::cause::Cause;
use crate::cause::Cause::*;

/// Service states (`dwCurrentState`), sorted. Source: winsvc.h SERVICE_* state constants.
#[rustfmt::skip]
pub static SERVICE_STATES: &[CodeEntry] = &[
    named(1, "SERVICE_STOPPED", "The service is stopped.", &[]),
    named(2, "SERVICE_START_PENDING", "The service is starting.", &[]),
    named(3, "SERVICE_STOP_PENDING", "The service is stopping.", &[]),
    named(4, "SERVICE_RUNNING", "The service is running.", &[]),
    named(5, "SERVICE_CONTINUE_PENDING", "The service is resuming.", &[]),
    named(6, "SERVICE_PAUSE_PENDING", "The service is pausing.", &[]),
    named(7, "SERVICE_PAUSED", "The service is paused.", &[]),
];

/// The SERVICE_STATUS state with this value.
pub fn service_state(code: u32) -> Option<&'static CodeEntry> {
    find(SERVICE_STATES, code)
}

/// A service whose state changes matter to an RDP diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceRole {
    /// The service key name (case-insensitive in Windows).
    pub key: &'static str,
    /// Its usual display name (English).
    pub display: &'static str,
    /// Why it matters.
    pub role: &'static str,
    /// The causes its stopping, crashing or starting points to.
    pub causes: &'static [Cause],
}

const fn svc(
    key: &'static str,
    display: &'static str,
    role: &'static str,
    causes: &'static [Cause],
) -> ServiceRole {
    ServiceRole {
        key,
        display,
        role,
        causes,
    }
}

/// Services that matter to RDP connections. Source: EVENTS.md §3.8 and §4.
#[rustfmt::skip]
pub static RDP_SERVICES: &[ServiceRole] = &[
    svc("TermService", "Remote Desktop Services", "Accepts RDP connections; nothing listens on 3389 without it.", &[ServiceUnavailable]),
    svc("UmRdpService", "Remote Desktop Services UserMode Port Redirector", "Redirects drives, printers and ports into RDP sessions.", &[ServiceUnavailable]),
    svc("SessionEnv", "Remote Desktop Configuration", "Configures RDP sessions and their certificates.", &[ServiceUnavailable, CertExpired]),
    svc("mpssvc", "Windows Defender Firewall", "The Windows firewall; its rules decide whether 3389 is reachable.", &[FirewallBlock]),
    svc("BFE", "Base Filtering Engine", "Hosts the Windows Filtering Platform that firewalls and security products use.", &[FirewallBlock, SecuritySoftware]),
    svc("WinDefend", "Microsoft Defender Antivirus Service", "Microsoft's antivirus; network protection can block connections.", &[SecuritySoftware]),
    svc("KeyIso", "CNG Key Isolation", "Holds private keys for the local security authority, including the RDP certificate's.", &[PrivateKeyAccess]),
    svc("Netlogon", "Netlogon", "Keeps the secure channel to the domain controllers.", &[DomainTrust]),
    svc("Dnscache", "DNS Client", "Resolves names for the client.", &[Network]),
    svc("NlaSvc", "Network Location Awareness", "Decides which firewall profile a network gets.", &[Network, FirewallBlock]),
];

/// The RDP-relevant service with this key name (case-insensitive).
pub fn service_role(key: &str) -> Option<&'static ServiceRole> {
    let key = key.trim();
    RDP_SERVICES
        .iter()
        .find(|s| s.key.eq_ignore_ascii_case(key))
}

/// A decoded SCM `Binary`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceBinary {
    /// The service key name.
    pub key: String,
    /// The state number after `/` (7036), if present.
    pub state: Option<u32>,
    /// That state's entry, if known.
    pub state_entry: Option<&'static CodeEntry>,
    /// The service's RDP role, if it has one.
    pub role: Option<&'static ServiceRole>,
}

/// Longest service key accepted (Windows limits service names to 256 characters).
const MAX_KEY_CHARS: usize = 256;

/// Decodes an SCM `Binary` (hex of UTF-16LE text, NUL-terminated): `"WerSvc/4"` → key `WerSvc`,
/// state 4. `None` when the hex, the UTF-16 or the text is not a plausible service name
/// (printable ASCII: service key names in practice, and it keeps random hex from decoding).
pub fn service_binary(hex: &str) -> Option<ServiceBinary> {
    let bytes = decode_hex(hex)?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .take_while(|&u| u != 0)
        .collect();
    let text = String::from_utf16(&units).ok()?;
    if text.is_empty()
        || text.len() > MAX_KEY_CHARS
        || !text.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
    {
        return None;
    }
    let (key, state) = match text.rsplit_once('/') {
        Some((key, digits)) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            (key.to_owned(), digits.parse::<u32>().ok())
        }
        _ => (text, None),
    };
    if key.is_empty() {
        return None;
    }
    Some(ServiceBinary {
        state_entry: state.and_then(service_state),
        role: service_role(&key),
        key,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::table_checks::assert_well_formed;

    fn utf16_hex(text: &str) -> String {
        text.encode_utf16()
            .chain(std::iter::once(0))
            .flat_map(u16::to_le_bytes)
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    #[test]
    fn state_table() {
        assert_well_formed("service states", SERVICE_STATES);
        assert_eq!(
            service_state(4).and_then(|e| e.name),
            Some("SERVICE_RUNNING")
        );
        assert_eq!(
            service_state(1).and_then(|e| e.name),
            Some("SERVICE_STOPPED")
        );
        assert!(service_state(8).is_none());
    }

    #[test]
    fn real_7036_binary() {
        // System_SCM_7036.json: "Windows Error Reporting Service" entered "running".
        let b = service_binary("5700650072005300760063002F0034000000").unwrap();
        assert_eq!(b.key, "WerSvc");
        assert_eq!(b.state, Some(4));
        assert_eq!(b.state_entry.and_then(|e| e.name), Some("SERVICE_RUNNING"));
        assert!(b.role.is_none());
    }

    #[test]
    fn real_key_only_binaries() {
        // System_SCM_7023.json and System_SCM_7000_service_failed_start.json.
        let b = service_binary("6900700068006C0070007300760063000000").unwrap();
        assert_eq!(b.key, "iphlpsvc");
        assert_eq!(b.state, None);
        let steam = service_binary(
            "53007400650061006D00200043006C00690065006E007400200053006500720076006900630065000000",
        )
        .unwrap();
        assert_eq!(steam.key, "Steam Client Service");
    }

    #[test]
    fn termservice_stopped() {
        let b = service_binary(&utf16_hex("TermService/1")).unwrap();
        assert_eq!(b.key, "TermService");
        assert_eq!(b.state_entry.and_then(|e| e.name), Some("SERVICE_STOPPED"));
        assert_eq!(
            b.role.map(|r| r.causes),
            Some(&[Cause::ServiceUnavailable][..])
        );
        assert_eq!(
            service_role("termservice").map(|r| r.key),
            Some("TermService")
        );
    }

    #[test]
    fn bad_binaries() {
        assert!(service_binary("").is_none());
        assert!(service_binary("0000").is_none());
        assert!(service_binary("41").is_none(), "odd byte count");
        assert!(service_binary("00D8").is_none(), "lone surrogate");
        assert!(service_binary(&utf16_hex("/4")).is_none());
        assert!(service_binary(&utf16_hex("a\u{1}b")).is_none());
        assert!(
            service_binary("999999999999").is_none(),
            "CJK from random hex"
        );
        let slash = service_binary(&utf16_hex("odd/name")).unwrap();
        assert_eq!(slash.key, "odd/name");
        assert_eq!(slash.state, None);
    }
}
