//! NTSTATUS values (Security 4625 `Status`/`SubStatus`, LsaSrv 40960 text, TermDD and NETLOGON
//! `Binary`) and the decoding of the classic `Binary` blobs that carry them.
//!
//! Layout of an NTSTATUS (ntstatus.h): bits 30–31 severity (0 success, 1 informational,
//! 2 warning, 3 error), bit 29 customer, bit 28 reserved (set by HRESULT_FROM_NT), bits 16–27
//! facility, bits 0–15 code.
//!
//! TermDD 50/56 `Binary` is an IO_ERROR_LOG_PACKET (EVENTS.md §3.6, little-endian): byte 0
//! MajorFunctionCode, 1 RetryCount, 2–3 DumpDataSize, 4–5 NumberOfStrings, 6–7 StringOffset,
//! 8–9 EventCategory, 12–15 ErrorCode (the message id: 0xC00A0038 → event 56), 16–19
//! UniqueErrorValue, 20–23 FinalStatus, 24–27 SequenceNumber, 28–31 IoControlCode, 32–39
//! DeviceOffset, then DumpDataSize bytes of dump data. For event 56 the dump is one status
//! DWORD stored as HRESULT_FROM_NT (`B50000D0` → 0xD00000B5 → STATUS_IO_TIMEOUT). Offsets
//! 12–15 and the trailing status are confirmed on real records; 16–39 follow the WDK structure.
//! NETLOGON 5719/5723/5805 `Binary` is a bare little-endian NTSTATUS (`5E0000C0` → 0xC000005E).
//!
//! Sources: ntstatus.h (values and names); EVENTS.md §5.8 and §3.6 for where each is seen
//! and the causes.

use serde::Serialize;

use super::{CodeEntry, decode_hex, find, named, win32};
use crate::cause::Cause::*;

/// Known NTSTATUS values, sorted. Source: ntstatus.h; causes from EVENTS.md §5.8 and §3.6.
#[rustfmt::skip]
pub static NTSTATUSES: &[CodeEntry] = &[
    named(0x0000_0000, "STATUS_SUCCESS", "Success.", &[]),
    named(0xC000_0001, "STATUS_UNSUCCESSFUL", "The operation failed (unspecified).", &[]),
    named(0xC000_0022, "STATUS_ACCESS_DENIED", "Access denied.", &[]),
    named(0xC000_005E, "STATUS_NO_LOGON_SERVERS", "No logon server (domain controller) is available.", &[DomainTrust, Network]),
    named(0xC000_005F, "STATUS_NO_SUCH_LOGON_SESSION", "The logon session does not exist or has ended.", &[]),
    named(0xC000_0064, "STATUS_NO_SUCH_USER", "The user name does not exist.", &[LogonDenied]),
    named(0xC000_006A, "STATUS_WRONG_PASSWORD", "The user name is correct but the password is wrong.", &[LogonDenied]),
    named(0xC000_006C, "STATUS_PASSWORD_RESTRICTION", "The password does not meet the password policy.", &[LogonDenied]),
    named(0xC000_006D, "STATUS_LOGON_FAILURE", "Bad user name or authentication information (generic; SubStatus tells which).", &[LogonDenied, CredsspNla]),
    named(0xC000_006E, "STATUS_ACCOUNT_RESTRICTION", "An account restriction blocks the logon (for example a blank password).", &[LogonDenied]),
    named(0xC000_006F, "STATUS_INVALID_LOGON_HOURS", "The user may not log on at this time of day.", &[LogonDenied]),
    named(0xC000_0070, "STATUS_INVALID_WORKSTATION", "The user may not log on from this computer.", &[LogonDenied]),
    named(0xC000_0071, "STATUS_PASSWORD_EXPIRED", "The password has expired.", &[LogonDenied]),
    named(0xC000_0072, "STATUS_ACCOUNT_DISABLED", "The account is disabled.", &[LogonDenied]),
    named(0xC000_009A, "STATUS_INSUFFICIENT_RESOURCES", "Insufficient system resources.", &[]),
    named(0xC000_00B5, "STATUS_IO_TIMEOUT", "An I/O operation timed out (TermDD 56: the client stopped answering).", &[Network]),
    named(0xC000_00C9, "STATUS_NETWORK_NAME_DELETED", "The network name was deleted (connection closed).", &[Network]),
    named(0xC000_00DC, "STATUS_INVALID_SERVER_STATE", "The SAM or domain server was in the wrong state for the operation.", &[DomainTrust]),
    named(0xC000_00E5, "STATUS_INTERNAL_ERROR", "Internal error (benign in NETLOGON 5719 during service restarts on some builds).", &[]),
    named(0xC000_0120, "STATUS_CANCELLED", "The I/O request was cancelled.", &[]),
    named(0xC000_0133, "STATUS_TIME_DIFFERENCE_AT_DC", "The clocks of this computer and the domain controller differ too much (Kerberos).", &[DomainTrust, CredsspNla]),
    named(0xC000_013B, "STATUS_LOCAL_DISCONNECT", "The connection was closed by the local side.", &[Network]),
    named(0xC000_013C, "STATUS_REMOTE_DISCONNECT", "The connection was closed by the remote side.", &[Network]),
    named(0xC000_015B, "STATUS_LOGON_TYPE_NOT_GRANTED", "The user was not granted this logon type (for RDP: \"Allow log on through Remote Desktop Services\").", &[LogonDenied]),
    named(0xC000_0184, "STATUS_INVALID_DEVICE_STATE", "The device is not in a valid state for the request (TermDD 56: a stuck listener or session).", &[SessionStuck]),
    named(0xC000_018A, "STATUS_NO_TRUST_LSA_SECRET", "This workstation has no trust secret for the domain.", &[DomainTrust]),
    named(0xC000_018B, "STATUS_NO_TRUST_SAM_ACCOUNT", "The domain has no computer account for this trust (NETLOGON 5723).", &[DomainTrust]),
    named(0xC000_018C, "STATUS_TRUSTED_DOMAIN_FAILURE", "The trust between the primary domain and the trusted domain failed.", &[DomainTrust]),
    named(0xC000_018D, "STATUS_TRUSTED_RELATIONSHIP_FAILURE", "The trust between this workstation and the primary domain failed.", &[DomainTrust]),
    named(0xC000_0192, "STATUS_NETLOGON_NOT_STARTED", "The Netlogon service is not started.", &[DomainTrust, ServiceUnavailable]),
    named(0xC000_0193, "STATUS_ACCOUNT_EXPIRED", "The account has expired.", &[LogonDenied]),
    named(0xC000_019B, "STATUS_DOMAIN_TRUST_INCONSISTENT", "The domain's security identifier is inconsistent with the trust information.", &[DomainTrust]),
    named(0xC000_020C, "STATUS_CONNECTION_DISCONNECTED", "The transport connection is disconnected.", &[Network]),
    named(0xC000_020D, "STATUS_CONNECTION_RESET", "The transport connection was reset.", &[Network, FirewallBlock, SecuritySoftware]),
    named(0xC000_0224, "STATUS_PASSWORD_MUST_CHANGE", "The password must be changed before logging on.", &[LogonDenied]),
    named(0xC000_0234, "STATUS_ACCOUNT_LOCKED_OUT", "The account is locked out.", &[LogonDenied]),
    named(0xC000_0236, "STATUS_CONNECTION_REFUSED", "The remote system refused the connection.", &[ServiceUnavailable, FirewallBlock]),
    named(0xC000_023C, "STATUS_NETWORK_UNREACHABLE", "The remote network is not reachable.", &[Network]),
    named(0xC000_023D, "STATUS_HOST_UNREACHABLE", "The remote host is not reachable.", &[Network]),
    named(0xC000_0241, "STATUS_CONNECTION_ABORTED", "The local system aborted the connection.", &[Network, SecuritySoftware]),
    named(0xC000_02EE, "STATUS_UNFINISHED_CONTEXT_DELETED", "A security context was deleted before it completed (an error during logon).", &[Network, CredsspNla]),
    named(0xC000_0388, "STATUS_DOWNGRADE_DETECTED", "An authentication downgrade was detected.", &[CredsspNla, DomainTrust]),
    named(0xC000_0413, "STATUS_AUTHENTICATION_FIREWALL_FAILED", "The machine may not authenticate across this trust (selective authentication).", &[DomainTrust]),
    named(0xC00A_0006, "STATUS_CTX_CLOSE_PENDING", "A close operation is pending on the session.", &[SessionStuck]),
    named(0xC00A_0010, "STATUS_CTX_TD_ERROR", "An error occurred in the Terminal Services transport driver.", &[Network]),
    named(0xC00A_0012, "STATUS_CTX_LICENSE_CLIENT_INVALID", "The client's Terminal Services licence is not valid.", &[]),
    named(0xC00A_0013, "STATUS_CTX_LICENSE_NOT_AVAILABLE", "No Terminal Services licence is available.", &[]),
    named(0xC00A_0014, "STATUS_CTX_LICENSE_EXPIRED", "The Terminal Services licence has expired.", &[]),
    named(0xC00A_0015, "STATUS_CTX_WINSTATION_NOT_FOUND", "The session (WinStation) does not exist.", &[SessionStuck]),
    named(0xC00A_0016, "STATUS_CTX_WINSTATION_NAME_COLLISION", "A session with this name already exists.", &[SessionStuck]),
    named(0xC00A_0017, "STATUS_CTX_WINSTATION_BUSY", "The session is busy processing a connect, disconnect, reset or delete.", &[SessionStuck]),
    named(0xC00A_002B, "STATUS_CTX_WINSTATION_ACCESS_DENIED", "The user may not access this session (Remote Desktop permissions).", &[LogonDenied]),
    named(0xC00A_0032, "STATUS_RDP_PROTOCOL_ERROR", "The RDP stack found an error in the protocol stream and dropped the client (TermDD 50; stream corruption, a scanner, or a TLS-layer failure).", &[TlsMismatch, Network]),
    named(0xC00A_0037, "STATUS_CTX_LOGON_DISABLED", "Remote logons are disabled on the server.", &[ServiceUnavailable]),
    named(0xC00A_0038, "STATUS_CTX_SECURITY_LAYER_ERROR", "The Remote Desktop security layer found a protocol error and dropped the client (TermDD 56).", &[TlsMismatch, CredsspNla]),
    named(0xC00A_0039, "STATUS_TS_INCOMPATIBLE_SESSIONS", "The target session is incompatible with the current one.", &[]),
];

/// NTSTATUS facility names, sorted. Source: ntstatus.h FACILITY_* constants.
pub static NT_FACILITIES: &[(u16, &str)] = &[
    (0x1, "FACILITY_DEBUGGER"),
    (0x2, "FACILITY_RPC_RUNTIME"),
    (0x3, "FACILITY_RPC_STUBS"),
    (0x4, "FACILITY_IO_ERROR_CODE"),
    (0x7, "FACILITY_NTWIN32"),
    (0xA, "FACILITY_TERMINAL_SERVER"),
    (0x10, "FACILITY_USB_ERROR_CODE"),
    (0x11, "FACILITY_HID_ERROR_CODE"),
    (0x12, "FACILITY_FIREWIRE_ERROR_CODE"),
    (0x13, "FACILITY_CLUSTER_ERROR_CODE"),
    (0x14, "FACILITY_ACPI_ERROR_CODE"),
    (0x15, "FACILITY_SXS_ERROR_CODE"),
    (0x19, "FACILITY_TRANSACTION"),
    (0x1A, "FACILITY_COMMONLOG_ERROR_CODE"),
];

/// FACILITY_NTWIN32: the low word is a Win32 error.
pub const FACILITY_NTWIN32: u16 = 0x7;

/// The NTSTATUS with this value.
pub fn ntstatus(code: u32) -> Option<&'static CodeEntry> {
    find(NTSTATUSES, code)
}

/// NTSTATUS severity (bits 30–31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NtSeverity {
    /// 0
    Success,
    /// 1
    Informational,
    /// 2
    Warning,
    /// 3
    Error,
}

/// Everything one can say about a 32-bit value read as an NTSTATUS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NtStatusInfo {
    /// The value.
    pub code: u32,
    /// Severity bits.
    pub severity: NtSeverity,
    /// Customer bit.
    pub customer: bool,
    /// Facility (bits 16–27).
    pub facility: u16,
    /// The facility's name, if known.
    pub facility_name: Option<&'static str>,
    /// The low word.
    pub status_code: u16,
    /// The table entry, if known.
    pub entry: Option<&'static CodeEntry>,
    /// For FACILITY_NTWIN32, the Win32 error in the low word and its entry.
    pub win32: Option<(u32, Option<&'static CodeEntry>)>,
}

impl NtStatusInfo {
    /// What the value means; always says something.
    pub fn meaning(&self) -> String {
        if let Some(e) = self.entry {
            return e.meaning.to_owned();
        }
        if let Some((_, Some(e))) = self.win32 {
            return e.meaning.to_owned();
        }
        let severity = match self.severity {
            NtSeverity::Success => "success",
            NtSeverity::Informational => "informational",
            NtSeverity::Warning => "warning",
            NtSeverity::Error => "error",
        };
        let facility = self
            .facility_name
            .map_or_else(|| format!("facility {:#X}", self.facility), str::to_owned);
        format!(
            "{severity} NTSTATUS, {facility}, code {:#06X} ({})",
            self.status_code, self.status_code
        )
    }
}

/// Decodes any 32-bit value as an NTSTATUS; never fails.
pub fn ntstatus_info(code: u32) -> NtStatusInfo {
    let severity = match code >> 30 {
        0 => NtSeverity::Success,
        1 => NtSeverity::Informational,
        2 => NtSeverity::Warning,
        _ => NtSeverity::Error,
    };
    let facility = ((code >> 16) & 0xFFF) as u16;
    let status_code = (code & 0xFFFF) as u16;
    let win32 = (facility == FACILITY_NTWIN32 && severity == NtSeverity::Error).then(|| {
        let w = u32::from(status_code);
        (w, win32::win32_error(w))
    });
    NtStatusInfo {
        code,
        severity,
        customer: code & 0x2000_0000 != 0,
        facility,
        facility_name: NT_FACILITIES
            .binary_search_by_key(&facility, |(f, _)| *f)
            .ok()
            .and_then(|i| NT_FACILITIES.get(i))
            .map(|(_, n)| *n),
        status_code,
        entry: ntstatus(code),
        win32,
    }
}

/// Clears the bit HRESULT_FROM_NT sets (0xD00000B5 → 0xC00000B5) when the value is an NT
/// error or warning with it set; other values are returned unchanged.
pub fn clear_nt_bit(code: u32) -> u32 {
    if code & 0x8000_0000 != 0 && code & 0x1000_0000 != 0 && code & 0x2000_0000 == 0 {
        code & !0x1000_0000
    } else {
        code
    }
}

/// Reads a classic `Binary` holding one little-endian NTSTATUS (NETLOGON 5719/5723/5805:
/// `"5E0000C0"` → 0xC000005E). The HRESULT_FROM_NT bit is cleared. `None` unless the hex is
/// exactly four bytes.
pub fn ntstatus_binary(hex: &str) -> Option<u32> {
    let bytes: [u8; 4] = decode_hex(hex)?.try_into().ok()?;
    Some(clear_nt_bit(u32::from_le_bytes(bytes)))
}

/// Size of the fixed part of an IO_ERROR_LOG_PACKET before the dump data.
pub const IO_ERROR_LOG_HEADER: usize = 40;

/// A decoded TermDD `Binary` (IO_ERROR_LOG_PACKET).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IoErrorLogPacket {
    /// Byte 0.
    pub major_function: u8,
    /// Byte 1.
    pub retry_count: u8,
    /// Bytes 2–3: how many dump bytes follow the header.
    pub dump_data_size: u16,
    /// Bytes 4–5.
    pub number_of_strings: u16,
    /// Bytes 6–7.
    pub string_offset: u16,
    /// Bytes 8–9.
    pub event_category: u16,
    /// Bytes 12–15: the NTSTATUS that is also the message id (0xC00A0038 → event 56).
    pub error_code: u32,
    /// Bytes 16–19 (layout from the WDK structure, unconfirmed on real data).
    pub unique_error_value: u32,
    /// Bytes 20–23 (layout from the WDK structure, unconfirmed on real data).
    pub final_status: u32,
    /// Bytes 24–27 (layout from the WDK structure, unconfirmed on real data).
    pub sequence_number: u32,
    /// Bytes 28–31 (layout from the WDK structure, unconfirmed on real data).
    pub io_control_code: u32,
    /// Bytes 32–39 (layout from the WDK structure, unconfirmed on real data).
    pub device_offset: u64,
    /// The dump data present (at most `dump_data_size` bytes).
    pub dump_data: Vec<u8>,
    /// True when the blob ended before `dump_data_size` bytes of dump data.
    pub dump_truncated: bool,
    /// The status carried as the dump's single DWORD (event 56), as stored (0xD00000B5).
    pub status_raw: Option<u32>,
    /// That status with the HRESULT_FROM_NT bit cleared (0xC00000B5), still an HRESULT when it
    /// is an SSPI code (0x8009…).
    pub status: Option<u32>,
}

impl IoErrorLogPacket {
    /// The event id the ErrorCode selects (its low word: 0xC00A0038 → 56).
    pub fn message_id(&self) -> u16 {
        (self.error_code & 0xFFFF) as u16
    }

    /// The table entry of the ErrorCode.
    pub fn error_code_entry(&self) -> Option<&'static CodeEntry> {
        ntstatus(self.error_code)
    }

    /// The table entry of the carried status, as an NTSTATUS or an HRESULT.
    pub fn status_entry(&self) -> Option<&'static CodeEntry> {
        let s = self.status?;
        ntstatus(s).or_else(|| super::hresult::hresult_entry(s))
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Decodes a TermDD `Binary` (hex) as an IO_ERROR_LOG_PACKET. `None` when the hex is not valid
/// or shorter than the 40-byte header. A dump of exactly one DWORD is read as the status
/// (event 56); other dumps (event 50: a DWORD then the offending PDU bytes) are only returned.
pub fn termdd_binary(hex: &str) -> Option<IoErrorLogPacket> {
    let b = decode_hex(hex)?;
    let dump_data_size = u16_at(&b, 2)?;
    let declared = usize::from(dump_data_size);
    let rest = b.get(IO_ERROR_LOG_HEADER..)?;
    let dump_data: Vec<u8> = rest.iter().take(declared).copied().collect();
    let status_raw = if declared == 4 && dump_data.len() == 4 {
        u32_at(&dump_data, 0)
    } else {
        None
    };
    Some(IoErrorLogPacket {
        major_function: *b.first()?,
        retry_count: *b.get(1)?,
        dump_data_size,
        number_of_strings: u16_at(&b, 4)?,
        string_offset: u16_at(&b, 6)?,
        event_category: u16_at(&b, 8)?,
        error_code: u32_at(&b, 12)?,
        unique_error_value: u32_at(&b, 16)?,
        final_status: u32_at(&b, 20)?,
        sequence_number: u32_at(&b, 24)?,
        io_control_code: u32_at(&b, 28)?,
        device_offset: u64_at(&b, 32)?,
        dump_truncated: dump_data.len() < declared,
        dump_data,
        status_raw,
        status: status_raw.map(clear_nt_bit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;
    use crate::codes::table_checks::assert_well_formed;

    // Real records (EVENTS.md EXAMPLES: System_TermDD_56_status_IO_TIMEOUT.json,
    // System_TermDD_56_status_RDP_PROTOCOL_ERROR.json, System_TermDD_50_RDP_PROTOCOL_ERROR.json).
    const TERMDD_56_TIMEOUT: &str =
        "0000040002002C000000000038000AC00000000038000AC000000000000000000000000000000000B50000D0";
    const TERMDD_56_PROTOCOL: &str =
        "0000040002002C000000000038000AC00000000038000AC00000000000000000000000000000000032000AD0";
    const TERMDD_50: &str = "0000240002004C000000000032000AC00000000032000AC000000000000000000000000000000000270000000300002002F08064000703EB701212001700F003EA0301000001040024000000";

    #[test]
    fn table_is_well_formed() {
        assert_well_formed("ntstatus", NTSTATUSES);
        for pair in NT_FACILITIES.windows(2) {
            assert!(pair[0].0 < pair[1].0);
        }
    }

    #[test]
    fn spot_checks_against_events_md() {
        let name = |c| ntstatus(c).and_then(|e| e.name);
        assert_eq!(name(0xC000006A), Some("STATUS_WRONG_PASSWORD"));
        assert_eq!(
            name(0xC000018D),
            Some("STATUS_TRUSTED_RELATIONSHIP_FAILURE")
        );
        assert_eq!(name(0xC00A0032), Some("STATUS_RDP_PROTOCOL_ERROR"));
        assert_eq!(name(0xC00A0038), Some("STATUS_CTX_SECURITY_LAYER_ERROR"));
        assert_eq!(name(0xC0000184), Some("STATUS_INVALID_DEVICE_STATE"));
        assert_eq!(ntstatus(0xC000006A).unwrap().causes, &[Cause::LogonDenied]);
        assert_eq!(ntstatus(0xC000018D).unwrap().causes, &[Cause::DomainTrust]);
        assert_eq!(ntstatus(0xC0000184).unwrap().causes, &[Cause::SessionStuck]);
    }

    #[test]
    fn generic_decoding() {
        let i = ntstatus_info(0xC00A0038);
        assert_eq!(i.severity, NtSeverity::Error);
        assert_eq!(i.facility, 0xA);
        assert_eq!(i.facility_name, Some("FACILITY_TERMINAL_SERVER"));
        assert_eq!(i.status_code, 0x38);
        let w = ntstatus_info(0xC0070040);
        assert_eq!(w.win32.map(|(c, _)| c), Some(64));
        assert!(w.meaning().contains("peer closed"));
        let unknown = ntstatus_info(0xC0AB0001);
        assert!(unknown.entry.is_none());
        assert!(unknown.meaning().starts_with("error NTSTATUS"));
        assert_eq!(
            ntstatus_info(0x4000_0000).severity,
            NtSeverity::Informational
        );
        assert_eq!(ntstatus_info(0x8000_0005).severity, NtSeverity::Warning);
        assert_eq!(ntstatus_info(0).severity, NtSeverity::Success);
    }

    #[test]
    fn netlogon_binary() {
        assert_eq!(ntstatus_binary("5E0000C0"), Some(0xC000005E));
        assert_eq!(ntstatus_binary("8B0100C0"), Some(0xC000018B));
        assert_eq!(ntstatus_binary("220000C0"), Some(0xC0000022));
        assert_eq!(ntstatus_binary("B50000D0"), Some(0xC00000B5));
        assert_eq!(ntstatus_binary("5E0000"), None);
        assert_eq!(ntstatus_binary("5E0000C000"), None);
        assert_eq!(ntstatus_binary("nothex!!"), None);
    }

    #[test]
    fn termdd_56_io_timeout() {
        let p = termdd_binary(TERMDD_56_TIMEOUT).unwrap();
        assert_eq!(p.dump_data_size, 4);
        assert_eq!(p.number_of_strings, 2);
        assert_eq!(p.string_offset, 0x2C);
        assert_eq!(p.error_code, 0xC00A0038);
        assert_eq!(p.message_id(), 56);
        assert_eq!(
            p.error_code_entry().and_then(|e| e.name),
            Some("STATUS_CTX_SECURITY_LAYER_ERROR")
        );
        assert_eq!(p.status_raw, Some(0xD00000B5));
        assert_eq!(p.status, Some(0xC00000B5));
        assert_eq!(
            p.status_entry().and_then(|e| e.name),
            Some("STATUS_IO_TIMEOUT")
        );
        assert!(!p.dump_truncated);
    }

    #[test]
    fn termdd_56_protocol_error() {
        let p = termdd_binary(TERMDD_56_PROTOCOL).unwrap();
        assert_eq!(p.status, Some(0xC00A0032));
        assert_eq!(
            p.status_entry().and_then(|e| e.name),
            Some("STATUS_RDP_PROTOCOL_ERROR")
        );
    }

    #[test]
    fn termdd_50_keeps_the_dump() {
        let p = termdd_binary(TERMDD_50).unwrap();
        assert_eq!(p.message_id(), 50);
        assert_eq!(p.error_code, 0xC00A0032);
        assert_eq!(p.dump_data_size, 36);
        assert_eq!(p.dump_data.len(), 36);
        // A DWORD, then the offending PDU starting with a TPKT header (03 00).
        assert_eq!(p.dump_data.get(4..6), Some(&[0x03, 0x00][..]));
        assert_eq!(p.status, None);
    }

    #[test]
    fn termdd_bad_input() {
        assert!(termdd_binary("").is_none());
        assert!(termdd_binary("00").is_none());
        assert!(
            termdd_binary(&TERMDD_56_TIMEOUT[..78]).is_none(),
            "39 bytes: no header"
        );
        let short = termdd_binary(&TERMDD_56_TIMEOUT[..84]).unwrap();
        assert!(short.dump_truncated);
        assert_eq!(short.status, None);
        assert!(termdd_binary("0G").is_none());
    }

    #[test]
    fn nt_bit_clearing() {
        assert_eq!(clear_nt_bit(0xD00A0032), 0xC00A0032);
        assert_eq!(clear_nt_bit(0x80090331), 0x80090331);
        assert_eq!(clear_nt_bit(0x10000000), 0x10000000);
    }
}
