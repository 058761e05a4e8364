//! Win32 and Winsock error codes that show up in RDP-related events: SCM `%%<error>` parameters
//! (7000/7001/7023), NETLOGON 5719, RdpCoreTS 142/143 `error`, RD Gateway `ErrorCode`, and the
//! low word of FACILITY_WIN32 HRESULTs.
//!
//! Source: winerror.h (names and values, as shipped in the Windows SDK and its public ports);
//! the selection follows EVENTS.md §5.12 plus the errors RDP connections commonly end with.

use super::{CodeEntry, find, named};
use crate::cause::Cause::*;

/// Win32 / Winsock errors, sorted by value. Source: winerror.h; EVENTS.md §5.12 for where they appear.
#[rustfmt::skip]
pub static WIN32_ERRORS: &[CodeEntry] = &[
    named(0, "ERROR_SUCCESS", "The operation completed successfully.", &[]),
    named(2, "ERROR_FILE_NOT_FOUND", "The file was not found.", &[]),
    named(5, "ERROR_ACCESS_DENIED", "Access is denied (for RDP: typically the service cannot open its certificate's private key).", &[PrivateKeyAccess]),
    named(6, "ERROR_INVALID_HANDLE", "The handle is not valid.", &[]),
    named(8, "ERROR_NOT_ENOUGH_MEMORY", "Not enough memory to complete the operation.", &[]),
    named(21, "ERROR_NOT_READY", "The device or service is not ready.", &[ServiceUnavailable]),
    named(53, "ERROR_BAD_NETPATH", "The network path was not found.", &[Network]),
    named(64, "ERROR_NETNAME_DELETED", "The network name is no longer available: the peer closed or reset the connection.", &[Network]),
    named(86, "ERROR_INVALID_PASSWORD", "The network password is not correct.", &[LogonDenied]),
    named(87, "ERROR_INVALID_PARAMETER", "A parameter is not valid.", &[]),
    named(121, "ERROR_SEM_TIMEOUT", "The semaphore time-out period expired (a network operation timed out).", &[Network]),
    named(1053, "ERROR_SERVICE_REQUEST_TIMEOUT", "The service did not respond to the start or control request in time.", &[ServiceUnavailable]),
    named(1056, "ERROR_SERVICE_ALREADY_RUNNING", "An instance of the service is already running.", &[]),
    named(1058, "ERROR_SERVICE_DISABLED", "The service cannot be started because it is disabled.", &[ServiceUnavailable]),
    named(1060, "ERROR_SERVICE_DOES_NOT_EXIST", "The service is not installed.", &[ServiceUnavailable]),
    named(1062, "ERROR_SERVICE_NOT_ACTIVE", "The service has not been started.", &[ServiceUnavailable]),
    named(1067, "ERROR_PROCESS_ABORTED", "The service process terminated unexpectedly.", &[ServiceUnavailable]),
    named(1068, "ERROR_SERVICE_DEPENDENCY_FAIL", "A service this one depends on failed to start.", &[ServiceUnavailable]),
    named(1069, "ERROR_SERVICE_LOGON_FAILED", "The service could not start because its logon failed.", &[ServiceUnavailable]),
    named(1075, "ERROR_SERVICE_DEPENDENCY_DELETED", "A service this one depends on does not exist or is marked for deletion.", &[ServiceUnavailable]),
    named(1223, "ERROR_CANCELLED", "The operation was cancelled by the user.", &[]),
    named(1225, "ERROR_CONNECTION_REFUSED", "The remote computer refused the network connection.", &[ServiceUnavailable, FirewallBlock]),
    named(1226, "ERROR_GRACEFUL_DISCONNECT", "The network connection was gracefully closed.", &[]),
    named(1231, "ERROR_NETWORK_UNREACHABLE", "The remote network is not reachable.", &[Network]),
    named(1232, "ERROR_HOST_UNREACHABLE", "The remote host is not reachable.", &[Network]),
    named(1236, "ERROR_CONNECTION_ABORTED", "The network connection was aborted by the local system.", &[Network, SecuritySoftware]),
    named(1311, "ERROR_NO_LOGON_SERVERS", "No logon server (domain controller) is available to service the request.", &[DomainTrust, Network]),
    named(1317, "ERROR_NO_SUCH_USER", "The specified account does not exist.", &[LogonDenied]),
    named(1326, "ERROR_LOGON_FAILURE", "Unknown user name or bad password.", &[LogonDenied]),
    named(1327, "ERROR_ACCOUNT_RESTRICTION", "An account restriction prevents this logon (for example blank passwords not allowed).", &[LogonDenied]),
    named(1328, "ERROR_INVALID_LOGON_HOURS", "The account may not log on at this time.", &[LogonDenied]),
    named(1329, "ERROR_INVALID_WORKSTATION", "The account may not log on from this computer.", &[LogonDenied]),
    named(1330, "ERROR_PASSWORD_EXPIRED", "The password has expired.", &[LogonDenied]),
    named(1331, "ERROR_ACCOUNT_DISABLED", "The account is disabled.", &[LogonDenied]),
    named(1355, "ERROR_NO_SUCH_DOMAIN", "The domain does not exist or cannot be contacted.", &[DomainTrust, Network]),
    named(1385, "ERROR_LOGON_TYPE_NOT_GRANTED", "The user has not been granted the requested logon type (for RDP: \"Allow log on through Remote Desktop Services\").", &[LogonDenied]),
    named(1396, "ERROR_WRONG_TARGET_NAME", "The target account name (SPN) is not correct.", &[CredsspNla, DomainTrust]),
    named(1398, "ERROR_TIME_SKEW", "The clocks of the client and the server differ too much.", &[DomainTrust]),
    named(1460, "ERROR_TIMEOUT", "The operation returned because its time-out expired.", &[Network]),
    named(1722, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable (host down, blocked, or service not listening).", &[Network, FirewallBlock]),
    named(1727, "RPC_S_CALL_FAILED_DNE", "The remote procedure call failed and did not execute.", &[Network]),
    named(1753, "EPT_S_NOT_REGISTERED", "The RPC endpoint mapper has no endpoint for the service.", &[Network, ServiceUnavailable]),
    named(1786, "ERROR_NO_TRUST_LSA_SECRET", "The workstation has no trust secret for the primary domain.", &[DomainTrust]),
    named(1787, "ERROR_NO_TRUST_SAM_ACCOUNT", "The domain controller has no computer account for this trust relationship.", &[DomainTrust]),
    named(1788, "ERROR_TRUSTED_DOMAIN_FAILURE", "The trust between the primary domain and the trusted domain failed.", &[DomainTrust]),
    named(1789, "ERROR_TRUSTED_RELATIONSHIP_FAILURE", "The trust between this workstation and the primary domain failed.", &[DomainTrust]),
    named(1790, "ERROR_TRUST_FAILURE", "The network logon failed (trust failure).", &[DomainTrust]),
    named(1792, "ERROR_NETLOGON_NOT_STARTED", "The Netlogon service has not been started.", &[DomainTrust, ServiceUnavailable]),
    named(1793, "ERROR_ACCOUNT_EXPIRED", "The user's account has expired.", &[LogonDenied]),
    named(1907, "ERROR_PASSWORD_MUST_CHANGE", "The password must be changed before logging on the first time.", &[LogonDenied]),
    named(1909, "ERROR_ACCOUNT_LOCKED_OUT", "The account is locked out.", &[LogonDenied]),
    named(10004, "WSAEINTR", "A blocking socket call was interrupted.", &[]),
    named(10013, "WSAEACCES", "Socket access forbidden (for example the port is reserved or blocked by policy).", &[FirewallBlock, SecuritySoftware]),
    named(10048, "WSAEADDRINUSE", "The local address and port are already in use.", &[]),
    named(10049, "WSAEADDRNOTAVAIL", "The requested address is not valid in its context.", &[Network]),
    named(10050, "WSAENETDOWN", "The network is down.", &[Network]),
    named(10051, "WSAENETUNREACH", "The network is unreachable.", &[Network]),
    named(10052, "WSAENETRESET", "The connection was broken by keep-alive activity.", &[Network]),
    named(10053, "WSAECONNABORTED", "Software on this computer aborted the connection (time-out, protocol error, or a local filter).", &[Network, SecuritySoftware]),
    named(10054, "WSAECONNRESET", "The remote side (or a device in between) forcibly reset the connection.", &[Network, FirewallBlock, SecuritySoftware]),
    named(10057, "WSAENOTCONN", "The socket is not connected.", &[]),
    named(10058, "WSAESHUTDOWN", "The socket was already shut down.", &[]),
    named(10060, "WSAETIMEDOUT", "The connection attempt timed out: no answer from the remote host (dropped by a firewall, or host down).", &[Network, FirewallBlock]),
    named(10061, "WSAECONNREFUSED", "The remote host actively refused the connection: nothing listens on the port.", &[ServiceUnavailable, FirewallBlock]),
    named(10064, "WSAEHOSTDOWN", "The remote host is down.", &[Network]),
    named(10065, "WSAEHOSTUNREACH", "No route to the remote host.", &[Network]),
    named(11001, "WSAHOST_NOT_FOUND", "The host name is not known to DNS.", &[Network]),
    named(11002, "WSATRY_AGAIN", "Temporary DNS failure; the server did not answer.", &[Network]),
    named(11003, "WSANO_RECOVERY", "Non-recoverable DNS error.", &[Network]),
    named(11004, "WSANO_DATA", "The name is valid but has no data record of the requested type.", &[Network]),
];

/// The Win32 or Winsock error with this value.
pub fn win32_error(code: u32) -> Option<&'static CodeEntry> {
    find(WIN32_ERRORS, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;
    use crate::codes::table_checks::assert_well_formed;

    #[test]
    fn table_is_well_formed() {
        assert_well_formed("win32", WIN32_ERRORS);
    }

    #[test]
    fn spot_checks_against_events_md() {
        let name = |c| win32_error(c).and_then(|e| e.name);
        assert_eq!(name(64), Some("ERROR_NETNAME_DELETED"));
        assert_eq!(name(1058), Some("ERROR_SERVICE_DISABLED"));
        assert_eq!(name(1053), Some("ERROR_SERVICE_REQUEST_TIMEOUT"));
        assert_eq!(name(1311), Some("ERROR_NO_LOGON_SERVERS"));
        assert_eq!(name(1226), Some("ERROR_GRACEFUL_DISCONNECT"));
        assert_eq!(name(10054), Some("WSAECONNRESET"));
        assert_eq!(name(11001), Some("WSAHOST_NOT_FOUND"));
        assert_eq!(
            win32_error(10061).unwrap().causes,
            &[Cause::ServiceUnavailable, Cause::FirewallBlock]
        );
        assert!(win32_error(3).is_none());
    }
}
