//! Disconnect reasons: the client's main reason (RDPClient/Operational 1026 `Value`), the
//! ActiveX extended reason (which shares its values with the server's MS-RDPBCGR errorInfo),
//! and LocalSessionManager 40 `Reason`.
//!
//! Sources: EVENTS.md §5.1 (names and descriptions from the Win32 `IMsTscAxEvents::OnDisconnected`
//! page, extra values and client message texts from the EvtxECmd 1026 map), §5.2 (the
//! `ExtendedDisconnectReasonCode` enumeration on learn.microsoft.com and MS-RDPBCGR 2.2.5.1.1),
//! §5.3 (EvtxECmd LocalSessionManager 40 map). Descriptions are restated, not quoted.

use serde::Serialize;

use super::{CodeEntry, find, named, unnamed};
use crate::cause::Cause;
use crate::cause::Cause::*;

/// Causes behind a client-side "socket closed" (0x904) or a server that denied the connection
/// (extended 7): EVENTS.md §4 lists every one of these as a candidate; only other logs decide.
const SERVER_CLOSED: &[Cause] = &[
    CertExpired,
    PrivateKeyAccess,
    TlsMismatch,
    CredsspNla,
    SecuritySoftware,
    FirewallBlock,
    Network,
    DomainTrust,
    SessionStuck,
];

/// Client disconnect reasons (RDPClient/Operational 1026 `Value`), sorted by value.
/// Source: EVENTS.md §5.1 ("W32" names from the `OnDisconnected` documentation, "EZ" values
/// from the EvtxECmd map). Values ending in 0x04 are socket failures, 0x07 authentication
/// results (SSL_ERR_*), 0x3000000 and up RD Gateway errors.
#[rustfmt::skip]
pub static DISCONNECT_REASONS: &[CodeEntry] = &[
    named(0x0, "disconnectReasonNoInfo", "No information is available.", &[]),
    named(0x1, "disconnectReasonLocalNotError", "The user disconnected on the client; not an error.", &[]),
    named(0x2, "disconnectReasonRemoteByUser", "The user logged off or disconnected from the remote side; not an error.", &[]),
    named(0x3, "disconnectReasonByServer", "The server ended the connection (an administrator, or an error while the connection was being set up).", &[]),
    named(0x104, "disconnectReasonDNSLookupFailed", "The client could not resolve the computer name (DNS lookup failed).", &[Network]),
    unnamed(0x105, "The client access licence stored on this computer is in an invalid format.", &[]),
    named(0x106, "disconnectReasonOutOfMemory", "The client ran out of memory.", &[]),
    unnamed(0x107, "No error (client message).", &[]),
    named(0x108, "disconnectReasonConnectionTimedOut", "The connection timed out: the two computers could not connect in the time allowed.", &[Network, FirewallBlock]),
    unnamed(0x109, "The local computer's client access licence could not be upgraded or renewed.", &[]),
    unnamed(0x10A, "The smart card service is not running.", &[]),
    unnamed(0x10B, "The remote session ended because the licence store could not be created (access denied).", &[]),
    named(0x204, "disconnectReasonSocketConnectFailed", "The TCP connect failed: remote access disabled, the computer off or unreachable, or the port closed.", &[ServiceUnavailable, FirewallBlock, Network]),
    named(0x206, "disconnectReasonOutOfMemory2", "The client ran out of memory.", &[]),
    named(0x208, "disconnectReasonHostNotFound", "The host was not found.", &[Network]),
    unnamed(0x20A, "No smart card reader was detected.", &[]),
    named(0x304, "disconnectReasonWinsockSendFailed", "A socket send failed: the connection was lost to a network error.", &[Network]),
    named(0x306, "disconnectReasonOutOfMemory3", "The client ran out of memory.", &[]),
    named(0x308, "disconnectReasonInvalidIPAddr", "The IP address is not valid.", &[Network]),
    unnamed(0x30A, "No card is inserted in the smart card reader.", &[]),
    unnamed(0x400, "The client could not find the destination computer.", &[Network]),
    unnamed(0x402, "An error occurred while the client was loading the destination computer.", &[]),
    named(0x404, "disconnectReasonSocketRecvFailed", "A socket receive failed (client message: an error occurred while redirecting to the destination computer).", &[Network]),
    unnamed(0x405, "There was a problem setting up the virtual machine.", &[]),
    named(0x406, "disconnectReasonInvalidSecurityData", "The security data was not valid: a security error stopped the connection.", &[TlsMismatch, CertExpired]),
    unnamed(0x407, "The IP address of the destination virtual machine could not be found.", &[Network]),
    named(0x408, "disconnectReasonInternalError", "Internal client error (client message: the computer name contains invalid characters).", &[]),
    unnamed(0x409, "Connection processing was cancelled.", &[]),
    unnamed(0x40A, "An error occurred in the smart card subsystem.", &[]),
    unnamed(0x410, "The Connection Broker could not validate the settings of the RDP file.", &[]),
    unnamed(0x411, "A time-out occurred while the virtual machine was being started.", &[]),
    unnamed(0x412, "A session monitoring error occurred while the virtual machine was being started.", &[]),
    named(0x506, "disconnectReasonInvalidEncryption", "The encryption method is not valid.", &[TlsMismatch]),
    named(0x508, "disconnectReasonDNSLookupFailed2", "The DNS lookup failed.", &[Network]),
    named(0x604, "disconnectReasonGetHostByNameFailed", "Resolving the host name (gethostbyname) failed.", &[Network]),
    named(0x606, "disconnectReasonInvalidServerSecurityInfo", "The server's security data is not valid.", &[TlsMismatch, CertExpired]),
    named(0x608, "disconnectReasonTimerError", "Internal timer error.", &[]),
    named(0x704, "disconnectReasonTimeoutOccurred", "A time-out occurred: this computer cannot connect to the remote computer.", &[Network, FirewallBlock]),
    named(0x706, "disconnectReasonServerCertificateUnpackErr", "The server certificate could not be unpacked.", &[CertExpired]),
    unnamed(0x708, "A console session is already in progress.", &[]),
    named(0x804, "disconnectReasonInvalidIP", "A bad IP address was specified.", &[Network]),
    named(0x807, "SSL_ERR_LOGON_FAILURE", "The logon failed.", &[LogonDenied]),
    named(0x808, "disconnectReasonLicensingFailed", "Licence negotiation failed: the remote computer ended the session because of a licensing protocol error.", &[]),
    named(0x904, "disconnectReasonAtClientWinsockFDCLOSE", "Socket closed: the connection to the remote computer was closed from the other side or in between (network, or the server/security layer dropped it).", SERVER_CLOSED),
    named(0x906, "disconnectReasonInternalSecurityError", "Internal security error.", &[TlsMismatch]),
    unnamed(0x907, "The connection ended because the remote computer presented an unexpected server authentication certificate.", &[CertExpired]),
    named(0x908, "disconnectReasonLicensingTimeout", "Licensing timed out while the client was connecting.", &[]),
    named(0xA06, "disconnectReasonInternalSecurityError2", "Internal security error.", &[TlsMismatch]),
    named(0xA07, "SSL_ERR_NO_SUCH_USER", "The specified user has no account.", &[LogonDenied]),
    unnamed(0xB04, "An error occurred that prevented the connection.", &[]),
    named(0xB06, "disconnectReasonEncryptionError", "Encryption error: the session ends because of a data encryption error.", &[TlsMismatch]),
    named(0xB07, "SSL_ERR_ACCOUNT_DISABLED", "The user account is disabled.", &[LogonDenied]),
    unnamed(0xB09, "The remote computer requires Network Level Authentication, which this client does not support.", &[CredsspNla]),
    named(0xC06, "disconnectReasonDecryptionError", "Decryption error.", &[TlsMismatch]),
    named(0xC07, "SSL_ERR_ACCOUNT_RESTRICTION", "An account restriction (for example a time-of-day restriction) prevents the logon.", &[LogonDenied]),
    named(0xC08, "disconnectReasonClientDecompressionError", "The session ended because of a decompression failure on the client.", &[]),
    named(0xD07, "SSL_ERR_ACCOUNT_LOCKED_OUT", "The user account is locked out after too many logon or password-change attempts.", &[LogonDenied]),
    unnamed(0xD09, "Local security policy requires the password to be typed in the Windows Security dialog.", &[CredsspNla]),
    unnamed(0xE06, "The client cannot connect because it does not support the FIPS encryption level.", &[TlsMismatch]),
    named(0xE07, "SSL_ERR_ACCOUNT_EXPIRED", "The user account has expired.", &[LogonDenied]),
    unnamed(0xE08, "Reconnecting to the remote session failed.", &[SessionStuck]),
    unnamed(0xE09, "The remote computer does not support Restricted Administration mode.", &[CredsspNla]),
    named(0xF07, "SSL_ERR_PASSWORD_EXPIRED", "The user's password has expired.", &[LogonDenied]),
    unnamed(0xF08, "No connection is made because credentials may not be sent to the remote computer (CredSSP policy).", &[CredsspNla]),
    unnamed(0x1007, "The administrator restricted the times at which this user may log on.", &[LogonDenied]),
    unnamed(0x1008, "The session ended because this computer is low on video resources.", &[]),
    unnamed(0x10F3, "The remote computer does not support RemoteApp.", &[]),
    unnamed(0x1107, "The administrator restricted the computers this user may log on from.", &[LogonDenied]),
    unnamed(0x1192, "The session ended because of a decryption error on the server.", &[TlsMismatch]),
    named(0x1207, "SSL_ERR_PASSWORD_MUST_CHANGE", "The password must be changed before the first logon.", &[LogonDenied]),
    unnamed(0x1307, "The administrator restricted the logon types (network or interactive) this user may use.", &[LogonDenied]),
    unnamed(0x1407, "The Kerberos User2User sub-protocol is required.", &[CredsspNla]),
    named(0x1607, "SSL_ERR_DELEGATION_POLICY", "Policy does not allow delegating credentials to the target.", &[CredsspNla]),
    named(0x1707, "SSL_ERR_POLICY_NTLM_ONLY", "Delegation is not allowed unless mutual authentication succeeds (only NTLM was available).", &[CredsspNla]),
    named(0x1807, "SSL_ERR_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication (domain unreachable or trust failure).", &[DomainTrust, Network]),
    named(0x1B07, "SSL_ERR_CERT_EXPIRED", "The certificate received from the remote computer is expired or not valid.", &[CertExpired]),
    named(0x1C07, "SSL_ERR_SMARTCARD_WRONG_PIN", "Wrong smart card PIN.", &[LogonDenied]),
    unnamed(0x1D07, "The clocks of this computer and the remote computer differ too much.", &[DomainTrust, CredsspNla]),
    named(0x2107, "SSL_ERR_FRESH_CRED_REQUIRED_BY_SERVER", "Server policy does not accept saved credentials.", &[CredsspNla]),
    named(0x2207, "SSL_ERR_SMARTCARD_CARD_BLOCKED", "The smart card is blocked (locked out).", &[LogonDenied]),
    unnamed(0x2507, "Automatic reconnection to the applications failed; they must be started again.", &[]),
    unnamed(0x2604, "Client and server versions do not match.", &[]),
    unnamed(0x2000001, "Reconnecting to the remote program failed.", &[]),
    unnamed(0x2000002, "The remote computer does not support RemoteApp.", &[]),
    unnamed(0x3000001, "RD Gateway: the user name or password is not valid.", &[LogonDenied]),
    unnamed(0x3000002, "RD Gateway: the certificate revocation list cannot be checked.", &[GatewayCertMismatch, Network]),
    unnamed(0x3000003, "RD Gateway: the requested gateway address and the subject name of its certificate do not match, or the certificate is expired or revoked.", &[GatewayCertMismatch]),
    unnamed(0x3000004, "RD Gateway: the certificate was revoked by its certification authority.", &[GatewayCertMismatch]),
    unnamed(0x3000005, "RD Gateway: this computer cannot verify the identity of the gateway.", &[GatewayCertMismatch]),
    unnamed(0x3000006, "RD Gateway: the requested gateway address and the certificate subject name do not match.", &[GatewayCertMismatch]),
    unnamed(0x3000007, "RD Gateway: the gateway's certificate has expired or has been revoked.", &[GatewayCertMismatch]),
    unnamed(0x3000008, "RD Gateway: an error occurred on the remote computer.", &[]),
    unnamed(0x3000009, "RD Gateway: sending data to the gateway failed; it is unavailable or the network is down.", &[Network]),
    unnamed(0x300000A, "RD Gateway: the server is temporarily unavailable or the network connection is down.", &[Network]),
    unnamed(0x300000B, "RD Gateway: another logon method is required.", &[]),
    unnamed(0x300000C, "RD Gateway: the gateway address is unreachable or wrong.", &[Network]),
    unnamed(0x300000D, "RD Gateway: the gateway is temporarily unavailable.", &[Network]),
    unnamed(0x300000E, "RD Gateway: the Remote Desktop client component is missing or the wrong version.", &[]),
    unnamed(0x300000F, "RD Gateway: the gateway is low on resources and temporarily unavailable.", &[]),
    unnamed(0x3000010, "RD Gateway: a wrong version of rpcrt4.dll was detected.", &[]),
    unnamed(0x3000011, "RD Gateway: no smart card service is installed.", &[]),
    unnamed(0x3000012, "RD Gateway: the smart card was removed.", &[]),
    unnamed(0x3000013, "RD Gateway: no smart card is available.", &[]),
    unnamed(0x3000014, "RD Gateway: the smart card was removed.", &[]),
    unnamed(0x3000015, "RD Gateway: the user name or password is not valid.", &[LogonDenied]),
    unnamed(0x3000017, "RD Gateway: a security package error occurred in the transport layer.", &[TlsMismatch]),
    unnamed(0x3000018, "RD Gateway: the gateway ended the connection.", &[]),
    unnamed(0x3000019, "RD Gateway: the gateway administrator ended the connection.", &[]),
    unnamed(0x300001A, "RD Gateway: the credentials were wrong or the smart card was not recognised.", &[LogonDenied]),
    unnamed(0x300001B, "RD Gateway: the user account is not in the gateway's permission list.", &[LogonDenied]),
    unnamed(0x300001C, "RD Gateway: the user is not authorised on the gateway, or the authentication method is incompatible.", &[LogonDenied]),
    unnamed(0x300001F, "RD Gateway: the network administrator restricted access to this gateway.", &[LogonDenied]),
    unnamed(0x3000020, "RD Gateway: the web proxy requires authentication.", &[Network]),
    unnamed(0x3000021, "RD Gateway: the password has expired or must be changed.", &[LogonDenied]),
    unnamed(0x3000022, "RD Gateway: the gateway reached its maximum number of connections.", &[]),
    unnamed(0x3000023, "RD Gateway: the gateway does not support the request.", &[]),
    unnamed(0x3000024, "RD Gateway: the client does not support one of the gateway's capabilities.", &[]),
    unnamed(0x3000025, "RD Gateway: the gateway and this computer are incompatible.", &[]),
    unnamed(0x3000026, "RD Gateway: the credentials used are not valid.", &[LogonDenied]),
    unnamed(0x3000027, "RD Gateway: this computer did not pass the Network Access Protection requirements.", &[]),
    unnamed(0x3000028, "RD Gateway: no certificate is configured on the gateway.", &[GatewayCertMismatch]),
    unnamed(0x3000029, "RD Gateway: the administrator of this computer does not allow this gateway.", &[]),
    unnamed(0x300002A, "RD Gateway: this computer did not meet the Network Access Protection requirements.", &[]),
    unnamed(0x300002B, "RD Gateway: a user name and password are required instead of smart card credentials.", &[]),
    unnamed(0x300002C, "RD Gateway: smart card credentials are required instead of a user name and password.", &[]),
    unnamed(0x300002D, "RD Gateway: no smart card reader was detected.", &[]),
    unnamed(0x300002F, "RD Gateway: authenticating to the firewall failed, firewall credentials are missing.", &[]),
    unnamed(0x3000030, "RD Gateway: authenticating to the firewall failed, firewall credentials are not valid.", &[]),
    unnamed(0x3000032, "RD Gateway: the remote computer received no input from the user.", &[]),
    unnamed(0x3000033, "RD Gateway: the session time-out limit was reached.", &[]),
    unnamed(0x3000034, "RD Gateway: an invalid cookie was sent to the gateway.", &[]),
    unnamed(0x3000035, "RD Gateway: the gateway rejected the cookie.", &[]),
    unnamed(0x3000037, "RD Gateway: the gateway expects a different authentication method.", &[]),
    unnamed(0x3000038, "RD Gateway: the connection ended because periodic user authentication failed.", &[LogonDenied]),
    unnamed(0x3000039, "RD Gateway: the connection ended because periodic user authorisation failed.", &[LogonDenied]),
    unnamed(0x300003B, "RD Gateway: the gateway and the remote computer cannot exchange policies.", &[]),
    unnamed(0x300003C, "RD Gateway: the smart card is not valid, its certificate is not in the store, or Certificate Propagation is not running.", &[]),
    unnamed(0x300003D, "RD Gateway: the user must first log on to a web site.", &[]),
    unnamed(0x300003E, "RD Gateway: the user must first log on to an authentication web site.", &[]),
    unnamed(0x300003F, "RD Gateway: the session ended; the user must log on to a web site to continue.", &[]),
    unnamed(0x3000040, "RD Gateway: the session ended; the user must log on to an authentication web site to continue.", &[]),
    unnamed(0x3000041, "RD Gateway: periodic user authorisation failed.", &[LogonDenied]),
    unnamed(0x3000042, "RD Gateway: the cookie exceeds the supported size.", &[]),
    unnamed(0x3000044, "RD Gateway: the forward proxy configuration does not allow the connection.", &[Network]),
    unnamed(0x3000045, "RD Gateway: the user has no permission to this resource.", &[LogonDenied]),
    unnamed(0x3000046, "RD Gateway: no resources are currently available.", &[]),
    unnamed(0x3000047, "RD Gateway: an error occurred while accessing the resource.", &[]),
    unnamed(0x3000049, "RD Gateway: the client needs to be updated to the newest version.", &[]),
    unnamed(0x300004A, "RD Gateway: the network configuration does not allow the required HTTPS ports.", &[FirewallBlock, Network]),
    unnamed(0x300004B, "RD Gateway: more resources are being set up; try again in a few minutes.", &[]),
    unnamed(0x300004C, "RD Gateway: the user name does not match the one used to subscribe to the applications.", &[]),
    unnamed(0x300004D, "Azure RemoteApp: too many users are trying the service at the moment.", &[]),
    unnamed(0x300004E, "Azure RemoteApp: the maximum number of users has been reached.", &[]),
    unnamed(0x300004F, "Azure RemoteApp: the trial period has expired.", &[]),
    unnamed(0x3000050, "Azure RemoteApp: the user no longer has access.", &[]),
];

/// Extended disconnect reasons (`ExtendedDisconnectReasonCode`), sorted by value. Values 0–12
/// equal the server's MS-RDPBCGR 2.2.5.1.1 errorInfo codes (ERRINFO_*), 256–267 the licensing
/// errors (ERRINFO_LICENSE_*). Source: EVENTS.md §5.2; the licensing names from the enumeration
/// page on learn.microsoft.com. The ERRINFO names for 4–12 follow by value (partly unconfirmed).
#[rustfmt::skip]
pub static EXTENDED_REASONS: &[CodeEntry] = &[
    named(0, "exDiscReasonNoInfo", "No additional information (ERRINFO_NONE).", &[]),
    named(1, "exDiscReasonAPIInitiatedDisconnect", "An application, such as an administrative tool on the server, disconnected the session (ERRINFO_RPC_INITIATED_DISCONNECT).", &[]),
    named(2, "exDiscReasonAPIInitiatedLogoff", "An application logged the session off (ERRINFO_RPC_INITIATED_LOGOFF).", &[]),
    named(3, "exDiscReasonServerIdleTimeout", "The server's idle session limit elapsed (ERRINFO_IDLE_TIMEOUT).", &[]),
    named(4, "exDiscReasonServerLogonTimeout", "The server's active or connection time limit elapsed (ERRINFO_LOGON_TIMEOUT).", &[]),
    named(5, "exDiscReasonReplacedByOtherConnection", "Another connection took over the session (ERRINFO_DISCONNECTED_BY_OTHERCONNECTION).", &[]),
    named(6, "exDiscReasonOutOfMemory", "The server ran out of memory (ERRINFO_OUT_OF_MEMORY).", &[]),
    named(7, "exDiscReasonServerDeniedConnection", "The server denied the connection (ERRINFO_SERVER_DENIED_CONNECTION).", SERVER_CLOSED),
    named(8, "exDiscReasonServerDeniedConnectionFips", "The server denied the connection for security reasons: FIPS encryption required (ERRINFO_SERVER_DENIED_CONNECTION_FIPS).", &[TlsMismatch]),
    named(9, "exDiscReasonServerInsufficientPrivileges", "The user lacks the privileges to connect (ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES).", &[LogonDenied]),
    named(10, "exDiscReasonServerFreshCredsRequired", "The server requires freshly typed credentials and refused saved ones (ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED).", &[CredsspNla]),
    named(11, "exDiscReasonRpcInitiatedDisconnectByUser", "User activity on the server disconnected the session (ERRINFO_RPC_INITIATED_DISCONNECT_BYUSER).", &[]),
    named(12, "exDiscReasonLogoffByUser", "The user logged off (ERRINFO_LOGOFF_BY_USER).", &[]),
    named(256, "exDiscReasonLicenseInternal", "Licensing: internal error in the server's licensing component.", &[]),
    named(257, "exDiscReasonLicenseNoLicenseServer", "Licensing: no licence server is available.", &[]),
    named(258, "exDiscReasonLicenseNoLicense", "Licensing: no client access licences are available.", &[]),
    named(259, "exDiscReasonLicenseErrClientMsg", "Licensing: the server received a bad message from the client.", &[]),
    named(260, "exDiscReasonLicenseHwidDoesntMatchLicense", "Licensing: the client's stored licence was issued to other hardware.", &[]),
    named(261, "exDiscReasonLicenseErrClientLicense", "Licensing: the client's licence is not valid.", &[]),
    named(262, "exDiscReasonLicenseCantFinishProtocol", "Licensing: the licensing protocol could not be completed (network problem).", &[Network]),
    named(263, "exDiscReasonLicenseClientEndedProtocol", "Licensing: the client ended the licensing protocol early.", &[]),
    named(264, "exDiscReasonLicenseErrClientEncryption", "Licensing: a licensing message was encrypted wrongly.", &[]),
    named(265, "exDiscReasonLicenseCantUpgradeLicense", "Licensing: the client's licence could not be upgraded or renewed.", &[]),
    named(266, "exDiscReasonLicenseNoRemoteConnections", "Licensing: the server does not allow remote connections (licensing mode).", &[]),
    named(267, "exDiscReasonLicenseCreatingLicStoreAccDenied", "Licensing: the client could not create its licence store (access denied).", &[]),
    named(768, "exDiscReasonRdpEncInvalidCredentials", "The credentials are not valid.", &[LogonDenied]),
];

/// A span of extended reasons that share one meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RangeEntry {
    /// First value of the span.
    pub first: u32,
    /// Last value of the span (inclusive).
    pub last: u32,
    /// The symbolic names of the span's bounds.
    pub name: &'static str,
    /// What a value in the span means.
    pub meaning: &'static str,
    /// The failure causes a value in the span supports.
    pub causes: &'static [Cause],
}

/// Spans of extended reasons. Source: EVENTS.md §5.2 (`exDiscReasonProtocolRangeStart` 0x1000
/// to `exDiscReasonProtocolRangeEnd` 0x7FFF; MS-RDPBCGR numbers its protocol errors in it).
pub static EXTENDED_RANGES: &[RangeEntry] = &[RangeEntry {
    first: 0x1000,
    last: 0x7FFF,
    name: "exDiscReasonProtocolRangeStart..exDiscReasonProtocolRangeEnd",
    meaning: "An internal RDP protocol error detected by the server; its own event log (TermDD, RdpCoreTS) says which.",
    causes: &[],
}];

/// An extended disconnect reason: an exact value of the enumeration, or a value in one of its spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExtendedReason {
    /// A value the enumeration names.
    Exact(&'static CodeEntry),
    /// A value inside a named span.
    InRange {
        /// The value looked up.
        code: u32,
        /// The span it falls in.
        range: &'static RangeEntry,
    },
}

impl ExtendedReason {
    /// The symbolic name (of the value, or of the span's bounds).
    pub fn name(&self) -> &'static str {
        match self {
            ExtendedReason::Exact(e) => e.name.unwrap_or_default(),
            ExtendedReason::InRange { range, .. } => range.name,
        }
    }

    /// What the value means.
    pub fn meaning(&self) -> &'static str {
        match self {
            ExtendedReason::Exact(e) => e.meaning,
            ExtendedReason::InRange { range, .. } => range.meaning,
        }
    }

    /// The failure causes the value supports.
    pub fn causes(&self) -> &'static [Cause] {
        match self {
            ExtendedReason::Exact(e) => e.causes,
            ExtendedReason::InRange { range, .. } => range.causes,
        }
    }
}

/// LocalSessionManager/Operational 40 `Reason`, sorted. Source: EVENTS.md §5.3 (EvtxECmd map;
/// the texts are the MS-RDPBCGR errorInfo descriptions; the map has no 8).
#[rustfmt::skip]
pub static LSM_REASONS: &[CodeEntry] = &[
    unnamed(0, "No additional information (for example the user closed the client window, or the network dropped).", &[]),
    unnamed(1, "An administrative tool on the server, in another session, disconnected the session.", &[]),
    unnamed(2, "An administrative tool in another session forced a logoff.", &[]),
    unnamed(3, "The idle session limit elapsed.", &[]),
    unnamed(4, "The active session limit elapsed.", &[]),
    unnamed(5, "Another connection replaced this one (the user reconnected).", &[]),
    unnamed(6, "The server ran out of memory.", &[]),
    unnamed(7, "The server denied the connection.", SERVER_CLOSED),
    unnamed(9, "The user lacks the access privileges.", &[LogonDenied]),
    unnamed(10, "The server does not accept saved credentials; fresh credentials are required.", &[CredsspNla]),
    unnamed(11, "The user (or an administrative tool) disconnected the session.", &[]),
    unnamed(12, "The user logged off.", &[]),
];

/// The client disconnect reason (RDPClient 1026 `Value`) with this value.
pub fn disconnect_reason(code: u32) -> Option<&'static CodeEntry> {
    find(DISCONNECT_REASONS, code)
}

/// The extended disconnect reason with this value, exact or within a span.
pub fn extended_reason(code: u32) -> Option<ExtendedReason> {
    if let Some(e) = find(EXTENDED_REASONS, code) {
        return Some(ExtendedReason::Exact(e));
    }
    EXTENDED_RANGES
        .iter()
        .find(|r| (r.first..=r.last).contains(&code))
        .map(|range| ExtendedReason::InRange { code, range })
}

/// The LocalSessionManager 40 `Reason` with this value.
pub fn lsm_reason(code: u32) -> Option<&'static CodeEntry> {
    find(LSM_REASONS, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::table_checks::assert_well_formed;

    #[test]
    fn tables_are_well_formed() {
        assert_well_formed("disconnect", DISCONNECT_REASONS);
        assert_well_formed("extended", EXTENDED_REASONS);
        assert_well_formed("lsm", LSM_REASONS);
    }

    #[test]
    fn the_0x904_reason() {
        let e = disconnect_reason(2308).unwrap();
        assert_eq!(e.code, 0x904);
        assert_eq!(e.name, Some("disconnectReasonAtClientWinsockFDCLOSE"));
        assert!(e.causes.contains(&Cause::TlsMismatch));
        assert!(e.causes.contains(&Cause::FirewallBlock));
    }

    #[test]
    fn spot_checks_against_events_md() {
        let name = |c| disconnect_reason(c).and_then(|e| e.name);
        assert_eq!(name(516), Some("disconnectReasonSocketConnectFailed"));
        assert_eq!(name(260), Some("disconnectReasonDNSLookupFailed"));
        assert_eq!(name(0xB07), Some("SSL_ERR_ACCOUNT_DISABLED"));
        assert_eq!(name(6151), Some("SSL_ERR_NO_AUTHENTICATING_AUTHORITY"));
        assert_eq!(name(6919), Some("SSL_ERR_CERT_EXPIRED"));
        // EvtxECmd-only values have no symbolic name but are known.
        let nla = disconnect_reason(2825).unwrap();
        assert_eq!(nla.name, None);
        assert_eq!(nla.causes, &[Cause::CredsspNla]);
        // RD Gateway certificate name mismatch (EVENTS.md §4, RDG row).
        for c in [50331651, 50331654] {
            assert_eq!(
                disconnect_reason(c).unwrap().causes,
                &[Cause::GatewayCertMismatch]
            );
        }
        assert_eq!(disconnect_reason(0x3000050).map(|e| e.code), Some(50331728));
        assert!(disconnect_reason(0x3000016).is_none());
        assert!(disconnect_reason(7).is_none());
        assert_eq!(DISCONNECT_REASONS.len(), 155);
    }

    #[test]
    fn extended_reasons() {
        let seven = extended_reason(7).unwrap();
        assert_eq!(seven.name(), "exDiscReasonServerDeniedConnection");
        assert!(seven.meaning().contains("ERRINFO_SERVER_DENIED_CONNECTION"));
        assert_eq!(seven.causes(), SERVER_CLOSED);
        assert_eq!(
            extended_reason(12).unwrap().name(),
            "exDiscReasonLogoffByUser"
        );
        assert_eq!(
            extended_reason(267).unwrap().name(),
            "exDiscReasonLicenseCreatingLicStoreAccDenied"
        );
        assert_eq!(
            extended_reason(768).unwrap().causes(),
            &[Cause::LogonDenied]
        );
        match extended_reason(0x10C9).unwrap() {
            ExtendedReason::InRange { code, range } => {
                assert_eq!(code, 0x10C9);
                assert_eq!(range.first, 4096);
                assert_eq!(range.last, 32767);
            }
            other => panic!("expected the protocol range, got {other:?}"),
        }
        assert!(extended_reason(13).is_none());
        assert!(extended_reason(268).is_none());
        assert!(extended_reason(32768).is_none());
        assert_eq!(EXTENDED_REASONS.len(), 26);
    }

    #[test]
    fn lsm_reasons() {
        assert!(lsm_reason(5).unwrap().meaning.contains("reconnected"));
        assert_eq!(lsm_reason(9).unwrap().causes, &[Cause::LogonDenied]);
        assert!(lsm_reason(8).is_none(), "the source has no 8");
        assert_eq!(LSM_REASONS.len(), 12);
    }
}
