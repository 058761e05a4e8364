//! HRESULTs: the SSPI, crypto and certificate codes RDP failures carry (Schannel `ErrorCode`,
//! RdpCoreTS 139/227 `ResultCode`/`Value`, client 226 `ErrorCode`, Security 5058/5061
//! `ReturnCode`, CAPI2 `Result@value`), and a generic decoding of any value.
//!
//! Layout of an HRESULT (winerror.h): bit 31 severity (1 = failure), bit 30 reserved (an NT
//! severity bit, so a value with it set is really an NTSTATUS), bit 29 customer, bit 28 "N"
//! (HRESULT_FROM_NT: the rest is an NTSTATUS), bits 16–26 facility, bits 0–15 code.
//! FACILITY_WIN32 (7) wraps a Win32 error in the low word (HRESULT_FROM_WIN32).
//!
//! Sources: winerror.h (values and names) for every row; EVENTS.md §5.6 for where each code is
//! seen and which cause it points to.

use std::fmt;

use serde::Serialize;

use super::{CodeEntry, find, named, ntstatus, win32};
use crate::cause::Cause;
use crate::cause::Cause::*;

/// Known HRESULTs, sorted by value. Source: winerror.h; causes from EVENTS.md §5.6.
#[rustfmt::skip]
pub static HRESULTS: &[CodeEntry] = &[
    named(0x0000_0000, "S_OK", "Success.", &[]),
    named(0x0009_0312, "SEC_I_CONTINUE_NEEDED", "The security handshake needs more messages; not an error.", &[]),
    named(0x0009_0313, "SEC_I_COMPLETE_NEEDED", "The token must be completed; not an error.", &[]),
    named(0x0009_0314, "SEC_I_COMPLETE_AND_CONTINUE", "The token must be completed and more messages exchanged; not an error.", &[]),
    named(0x0009_0315, "SEC_I_LOCAL_LOGON", "The logon was completed locally; not an error.", &[]),
    named(0x0009_0317, "SEC_I_CONTEXT_EXPIRED", "The security context was closed by the peer.", &[]),
    named(0x0009_0320, "SEC_I_INCOMPLETE_CREDENTIALS", "The credentials supplied were incomplete (the server asked for a client certificate).", &[]),
    named(0x0009_0321, "SEC_I_RENEGOTIATE", "The peer asked to renegotiate the context.", &[]),
    named(0x8000_4001, "E_NOTIMPL", "Not implemented (seen in benign RdpCoreTS 227 traces).", &[]),
    named(0x8000_4002, "E_NOINTERFACE", "The interface is not supported.", &[]),
    named(0x8000_4003, "E_POINTER", "An invalid pointer was used.", &[]),
    named(0x8000_4004, "E_ABORT", "The operation was aborted.", &[]),
    named(0x8000_4005, "E_FAIL", "Unspecified failure.", &[]),
    named(0x8000_FFFF, "E_UNEXPECTED", "Catastrophic (unexpected) failure.", &[]),
    named(0x8007_0005, "E_ACCESSDENIED", "Access denied (for RDP: the service cannot open its certificate's private key).", &[PrivateKeyAccess]),
    named(0x8007_0006, "E_HANDLE", "The handle is not valid.", &[]),
    named(0x8007_000E, "E_OUTOFMEMORY", "Out of memory.", &[]),
    named(0x8007_0057, "E_INVALIDARG", "An argument is not valid.", &[]),
    named(0x8009_0001, "NTE_BAD_UID", "Bad cryptographic provider UID.", &[]),
    named(0x8009_0002, "NTE_BAD_HASH", "Bad hash.", &[]),
    named(0x8009_0003, "NTE_BAD_KEY", "Bad key.", &[PrivateKeyAccess]),
    named(0x8009_0004, "NTE_BAD_LEN", "Bad length.", &[]),
    named(0x8009_0005, "NTE_BAD_DATA", "Bad data.", &[]),
    named(0x8009_0006, "NTE_BAD_SIGNATURE", "The signature is not valid.", &[]),
    named(0x8009_0007, "NTE_BAD_VER", "Bad version of the provider.", &[]),
    named(0x8009_0008, "NTE_BAD_ALGID", "The algorithm is not valid.", &[]),
    named(0x8009_0009, "NTE_BAD_FLAGS", "The flags are not valid.", &[]),
    named(0x8009_000A, "NTE_BAD_TYPE", "The type is not valid.", &[]),
    named(0x8009_000B, "NTE_BAD_KEY_STATE", "The key is not valid for use in the specified state.", &[PrivateKeyAccess]),
    named(0x8009_000C, "NTE_BAD_HASH_STATE", "The hash is not valid for use in the specified state.", &[]),
    named(0x8009_000D, "NTE_NO_KEY", "The key does not exist.", &[PrivateKeyAccess]),
    named(0x8009_000E, "NTE_NO_MEMORY", "The provider ran out of memory.", &[]),
    named(0x8009_000F, "NTE_EXISTS", "The object already exists.", &[]),
    named(0x8009_0010, "NTE_PERM", "Access denied to the key.", &[PrivateKeyAccess]),
    named(0x8009_0011, "NTE_NOT_FOUND", "The object was not found.", &[]),
    named(0x8009_0012, "NTE_DOUBLE_ENCRYPT", "The data was already encrypted.", &[]),
    named(0x8009_0013, "NTE_BAD_PROVIDER", "The cryptographic provider is not valid.", &[]),
    named(0x8009_0014, "NTE_BAD_PROV_TYPE", "The provider type is not valid.", &[]),
    named(0x8009_0015, "NTE_BAD_PUBLIC_KEY", "The provider's public key is not valid.", &[]),
    named(0x8009_0016, "NTE_BAD_KEYSET", "The keyset does not exist (RCM 1057 \"Keyset does not exist\"): the certificate's key container is missing or unreadable.", &[PrivateKeyAccess]),
    named(0x8009_0017, "NTE_PROV_TYPE_NOT_DEF", "The provider type is not defined.", &[]),
    named(0x8009_0018, "NTE_PROV_TYPE_ENTRY_BAD", "The registered provider type is not valid.", &[]),
    named(0x8009_0019, "NTE_KEYSET_NOT_DEF", "The keyset is not defined.", &[PrivateKeyAccess]),
    named(0x8009_001A, "NTE_KEYSET_ENTRY_BAD", "The registered keyset is not valid.", &[PrivateKeyAccess]),
    named(0x8009_001B, "NTE_PROV_TYPE_NO_MATCH", "The provider type does not match the registered value.", &[]),
    named(0x8009_001C, "NTE_SIGNATURE_FILE_BAD", "The digital signature file is corrupt.", &[]),
    named(0x8009_001D, "NTE_PROVIDER_DLL_FAIL", "The provider DLL could not be loaded or initialised.", &[]),
    named(0x8009_001E, "NTE_PROV_DLL_NOT_FOUND", "The provider DLL was not found.", &[]),
    named(0x8009_001F, "NTE_BAD_KEYSET_PARAM", "The keyset parameter is not valid.", &[]),
    named(0x8009_0020, "NTE_FAIL", "An internal error occurred in the provider.", &[]),
    named(0x8009_0021, "NTE_SYS_ERR", "A base error occurred in the provider.", &[]),
    named(0x8009_0022, "NTE_SILENT_CONTEXT", "The provider needs to show UI but the context is silent.", &[]),
    named(0x8009_0024, "NTE_TEMPORARY_PROFILE", "The profile is temporary.", &[]),
    named(0x8009_0027, "NTE_INVALID_PARAMETER", "A parameter is not valid.", &[]),
    named(0x8009_0029, "NTE_NOT_SUPPORTED", "The requested operation is not supported.", &[]),
    named(0x8009_002C, "NTE_DECRYPTION_FAILURE", "Decryption failed.", &[PrivateKeyAccess]),
    named(0x8009_002D, "NTE_INTERNAL_ERROR", "Internal provider error.", &[]),
    named(0x8009_0300, "SEC_E_INSUFFICIENT_MEMORY", "Not enough memory for the security operation.", &[]),
    named(0x8009_0301, "SEC_E_INVALID_HANDLE", "The security handle is not valid.", &[]),
    named(0x8009_0302, "SEC_E_UNSUPPORTED_FUNCTION", "The function is not supported; Schannel's result for a received protocol_version alert (TLS version mismatch).", &[TlsMismatch]),
    named(0x8009_0303, "SEC_E_TARGET_UNKNOWN", "The target is unknown or unreachable.", &[CredsspNla, DomainTrust]),
    named(0x8009_0304, "SEC_E_INTERNAL_ERROR", "The Local Security Authority cannot be contacted or had an internal error (seen in RdpCoreTS 139 with cipher mismatches and key problems).", &[TlsMismatch, PrivateKeyAccess]),
    named(0x8009_0305, "SEC_E_SECPKG_NOT_FOUND", "The requested security package does not exist.", &[]),
    named(0x8009_0306, "SEC_E_NOT_OWNER", "The caller does not own the credentials.", &[]),
    named(0x8009_0307, "SEC_E_CANNOT_INSTALL", "The security package failed to initialise.", &[]),
    named(0x8009_0308, "SEC_E_INVALID_TOKEN", "The token supplied to the function is not valid.", &[TlsMismatch, CredsspNla]),
    named(0x8009_0309, "SEC_E_CANNOT_PACK", "The security package cannot marshal the logon buffer.", &[]),
    named(0x8009_030A, "SEC_E_QOP_NOT_SUPPORTED", "Per-message quality of protection is not supported.", &[]),
    named(0x8009_030B, "SEC_E_NO_IMPERSONATION", "The security context does not allow impersonation.", &[]),
    named(0x8009_030C, "SEC_E_LOGON_DENIED", "The logon attempt failed.", &[LogonDenied, CredsspNla]),
    named(0x8009_030D, "SEC_E_UNKNOWN_CREDENTIALS", "The credentials supplied to the package were not recognised; with Schannel 36870 the server certificate's private key is unusable.", &[PrivateKeyAccess]),
    named(0x8009_030E, "SEC_E_NO_CREDENTIALS", "No credentials are available in the security package (no usable certificate or key).", &[PrivateKeyAccess, CertExpired]),
    named(0x8009_030F, "SEC_E_MESSAGE_ALTERED", "The message or signature was altered.", &[Network, TlsMismatch]),
    named(0x8009_0310, "SEC_E_OUT_OF_SEQUENCE", "The message was received out of sequence.", &[Network]),
    named(0x8009_0311, "SEC_E_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication.", &[DomainTrust, Network]),
    named(0x8009_0316, "SEC_E_BAD_PKGID", "The requested security package does not exist.", &[]),
    named(0x8009_0317, "SEC_E_CONTEXT_EXPIRED", "The security context has expired.", &[]),
    named(0x8009_0318, "SEC_E_INCOMPLETE_MESSAGE", "The supplied message is incomplete.", &[]),
    named(0x8009_0320, "SEC_E_INCOMPLETE_CREDENTIALS", "The credentials supplied were incomplete and could not be verified.", &[]),
    named(0x8009_0321, "SEC_E_BUFFER_TOO_SMALL", "The buffers supplied to the function were too small.", &[]),
    named(0x8009_0322, "SEC_E_WRONG_PRINCIPAL", "The target principal name (SPN) is incorrect.", &[CredsspNla, DomainTrust]),
    named(0x8009_0324, "SEC_E_TIME_SKEW", "The clocks of the client and server machines are skewed.", &[DomainTrust, CredsspNla]),
    named(0x8009_0325, "SEC_E_UNTRUSTED_ROOT", "The certificate chain was issued by an authority that is not trusted.", &[CertExpired, GatewayCertMismatch]),
    named(0x8009_0326, "SEC_E_ILLEGAL_MESSAGE", "The message received was unexpected or badly formatted; Schannel's default result for a received alert (e.g. handshake_failure).", &[TlsMismatch]),
    named(0x8009_0327, "SEC_E_CERT_UNKNOWN", "An unknown error occurred while processing the certificate.", &[CertExpired]),
    named(0x8009_0328, "SEC_E_CERT_EXPIRED", "The received certificate has expired.", &[CertExpired]),
    named(0x8009_0329, "SEC_E_ENCRYPT_FAILURE", "The data could not be encrypted.", &[]),
    named(0x8009_0330, "SEC_E_DECRYPT_FAILURE", "The data could not be decrypted.", &[TlsMismatch]),
    named(0x8009_0331, "SEC_E_ALGORITHM_MISMATCH", "Client and server cannot communicate because they have no algorithm (cipher suite) in common.", &[TlsMismatch]),
    named(0x8009_0332, "SEC_E_SECURITY_QOS_FAILED", "The requested quality of protection could not be provided.", &[]),
    named(0x8009_0333, "SEC_E_UNFINISHED_CONTEXT_DELETED", "A security context was deleted before it was complete (the peer went away mid-handshake).", &[Network]),
    named(0x8009_0334, "SEC_E_NO_TGT_REPLY", "The client tried to negotiate a context and the server wanted user-to-user, but did not send a TGT reply.", &[CredsspNla]),
    named(0x8009_0335, "SEC_E_NO_IP_ADDRESSES", "No IP addresses are available for the security operation.", &[Network]),
    named(0x8009_0336, "SEC_E_WRONG_CREDENTIAL_HANDLE", "The supplied credential handle does not match the one in the context.", &[]),
    named(0x8009_0337, "SEC_E_CRYPTO_SYSTEM_INVALID", "The crypto system or checksum function is not valid.", &[TlsMismatch]),
    named(0x8009_0338, "SEC_E_MAX_REFERRALS_EXCEEDED", "The number of maximum ticket referrals was exceeded.", &[DomainTrust]),
    named(0x8009_0339, "SEC_E_MUST_BE_KDC", "The local machine must be a Kerberos KDC and it is not.", &[]),
    named(0x8009_033A, "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED", "The other end requires strong cryptography that is not supported here.", &[TlsMismatch]),
    named(0x8009_033B, "SEC_E_TOO_MANY_PRINCIPALS", "The KDC reply contained more than one principal name.", &[]),
    named(0x8009_033C, "SEC_E_NO_PA_DATA", "Expected pre-authentication data was not found.", &[]),
    named(0x8009_033D, "SEC_E_PKINIT_NAME_MISMATCH", "The client certificate does not contain a valid UPN or does not match the client name.", &[]),
    named(0x8009_033E, "SEC_E_SMARTCARD_LOGON_REQUIRED", "Smart card logon is required and was not used.", &[LogonDenied]),
    named(0x8009_033F, "SEC_E_SHUTDOWN_IN_PROGRESS", "A system shutdown is in progress.", &[]),
    named(0x8009_0340, "SEC_E_KDC_INVALID_REQUEST", "An invalid request was sent to the KDC.", &[DomainTrust]),
    named(0x8009_0341, "SEC_E_KDC_UNABLE_TO_REFER", "The KDC could not generate a referral for the request.", &[DomainTrust]),
    named(0x8009_0342, "SEC_E_KDC_UNKNOWN_ETYPE", "The encryption type requested is not supported by the KDC.", &[DomainTrust]),
    named(0x8009_0343, "SEC_E_UNSUPPORTED_PREAUTH", "An unsupported pre-authentication mechanism was presented to the Kerberos package.", &[]),
    named(0x8009_0345, "SEC_E_DELEGATION_REQUIRED", "The operation requires delegation to be enabled on the machine.", &[CredsspNla]),
    named(0x8009_0346, "SEC_E_BAD_BINDINGS", "The client's channel bindings were incorrect.", &[CredsspNla]),
    named(0x8009_0347, "SEC_E_MULTIPLE_ACCOUNTS", "Several accounts map to the client certificate.", &[]),
    named(0x8009_0348, "SEC_E_NO_KERB_KEY", "No Kerberos key was found.", &[]),
    named(0x8009_0349, "SEC_E_CERT_WRONG_USAGE", "The certificate is not valid for the requested usage.", &[CertExpired]),
    named(0x8009_0350, "SEC_E_DOWNGRADE_DETECTED", "The system detected a possible attempt to compromise security (authentication downgrade).", &[CredsspNla, DomainTrust]),
    named(0x8009_0351, "SEC_E_SMARTCARD_CERT_REVOKED", "The smart card certificate used for authentication has been revoked.", &[LogonDenied]),
    named(0x8009_0352, "SEC_E_ISSUING_CA_UNTRUSTED", "An untrusted certification authority issued the certificate used for authentication.", &[]),
    named(0x8009_0353, "SEC_E_REVOCATION_OFFLINE_C", "The revocation status of the smart card certificate could not be determined.", &[Network]),
    named(0x8009_0354, "SEC_E_PKINIT_CLIENT_FAILURE", "The smart card certificate is not trusted.", &[]),
    named(0x8009_0355, "SEC_E_SMARTCARD_CERT_EXPIRED", "The smart card certificate has expired.", &[LogonDenied]),
    named(0x8009_0356, "SEC_E_NO_S4U_PROT_SUPPORT", "The Kerberos subsystem had an error.", &[]),
    named(0x8009_0357, "SEC_E_CROSSREALM_DELEGATION_FAILURE", "An attempt was made to delegate across realms, which the KDC does not support.", &[CredsspNla]),
    named(0x8009_0358, "SEC_E_REVOCATION_OFFLINE_KDC", "The revocation status of the domain controller certificate could not be determined.", &[Network]),
    named(0x8009_0359, "SEC_E_ISSUING_CA_UNTRUSTED_KDC", "An untrusted certification authority issued the domain controller certificate.", &[DomainTrust]),
    named(0x8009_035A, "SEC_E_KDC_CERT_EXPIRED", "The domain controller certificate has expired.", &[DomainTrust]),
    named(0x8009_035B, "SEC_E_KDC_CERT_REVOKED", "The domain controller certificate has been revoked.", &[DomainTrust]),
    named(0x8009_035D, "SEC_E_INVALID_PARAMETER", "A parameter to the security function is not valid.", &[]),
    named(0x8009_035E, "SEC_E_DELEGATION_POLICY", "Policy does not allow delegating credentials to the target server.", &[CredsspNla]),
    named(0x8009_035F, "SEC_E_POLICY_NLTM_ONLY", "Delegation is not allowed because only NTLM authenticated the target (no mutual authentication).", &[CredsspNla]),
    named(0x8009_0361, "SEC_E_NO_CONTEXT", "The context was not found or has expired.", &[]),
    named(0x8009_0362, "SEC_E_PKU2U_CERT_FAILURE", "The PKU2U certificate could not be used.", &[]),
    named(0x8009_0363, "SEC_E_MUTUAL_AUTH_FAILED", "The identity of the server computer could not be verified.", &[CredsspNla, DomainTrust]),
    named(0x8009_0365, "SEC_E_ONLY_HTTPS_ALLOWED", "Only HTTPS is allowed.", &[]),
    named(0x8009_0367, "SEC_E_APPLICATION_PROTOCOL_MISMATCH", "No application protocol (ALPN) in common.", &[TlsMismatch]),
    named(0x8009_1001, "CRYPT_E_MSG_ERROR", "An error occurred while performing a cryptographic message operation.", &[]),
    named(0x8009_2004, "CRYPT_E_NOT_FOUND", "The object or property was not found (for example no certificate with that thumbprint in the store).", &[CertExpired]),
    named(0x8009_2010, "CRYPT_E_REVOKED", "The certificate is revoked.", &[GatewayCertMismatch, CertExpired]),
    named(0x8009_2011, "CRYPT_E_NO_REVOCATION_DLL", "No DLL or exported function was found to verify revocation.", &[]),
    named(0x8009_2012, "CRYPT_E_NO_REVOCATION_CHECK", "The revocation function was unable to check revocation for the certificate.", &[GatewayCertMismatch, Network]),
    named(0x8009_2013, "CRYPT_E_REVOCATION_OFFLINE", "Revocation could not be checked because the revocation server was offline.", &[GatewayCertMismatch, Network]),
    named(0x8009_2014, "CRYPT_E_NOT_IN_REVOCATION_DATABASE", "The certificate is not in the revocation server's database.", &[]),
    named(0x8009_6001, "TRUST_E_SYSTEM_ERROR", "A system-level error occurred while verifying trust.", &[]),
    named(0x8009_6002, "TRUST_E_NO_SIGNER_CERT", "The certificate for the signer of the message is not valid or not found.", &[]),
    named(0x8009_6003, "TRUST_E_COUNTER_SIGNER", "One of the counter-signatures was not valid.", &[]),
    named(0x8009_6004, "TRUST_E_CERT_SIGNATURE", "The signature of the certificate cannot be verified.", &[CertExpired]),
    named(0x8009_6005, "TRUST_E_TIME_STAMP", "The time-stamp signature or certificate could not be verified or is malformed.", &[]),
    named(0x8009_6010, "TRUST_E_BAD_DIGEST", "The digital signature of the object did not verify.", &[]),
    named(0x8009_6019, "TRUST_E_BASIC_CONSTRAINTS", "A certificate's basic constraint extension has not been observed.", &[CertExpired]),
    named(0x8009_601E, "TRUST_E_FINANCIAL_CRITERIA", "The certificate does not meet or contain the Authenticode financial extensions.", &[]),
    named(0x800B_0001, "TRUST_E_PROVIDER_UNKNOWN", "Unknown trust provider.", &[]),
    named(0x800B_0002, "TRUST_E_ACTION_UNKNOWN", "The trust verification action is not supported by the trust provider.", &[]),
    named(0x800B_0003, "TRUST_E_SUBJECT_FORM_UNKNOWN", "The form of the subject is not supported by the trust provider.", &[]),
    named(0x800B_0004, "TRUST_E_SUBJECT_NOT_TRUSTED", "The subject is not trusted for the specified action.", &[]),
    named(0x800B_0100, "TRUST_E_NOSIGNATURE", "No signature was present in the subject.", &[]),
    named(0x800B_0101, "CERT_E_EXPIRED", "A required certificate is not within its validity period.", &[CertExpired]),
    named(0x800B_0102, "CERT_E_VALIDITYPERIODNESTING", "The validity periods of the certification chain do not nest correctly.", &[CertExpired]),
    named(0x800B_0103, "CERT_E_ROLE", "A certificate that can only be used as an end-entity is being used as a CA, or the reverse.", &[]),
    named(0x800B_0104, "CERT_E_PATHLENCONST", "A path length constraint in the certification chain has been violated.", &[]),
    named(0x800B_0105, "CERT_E_CRITICAL", "A certificate contains an unknown extension marked critical.", &[]),
    named(0x800B_0106, "CERT_E_PURPOSE", "A certificate is being used for a purpose other than the ones its CA allows.", &[CertExpired]),
    named(0x800B_0107, "CERT_E_ISSUERCHAINING", "A parent of the certificate did not issue it.", &[]),
    named(0x800B_0108, "CERT_E_MALFORMED", "A certificate is missing or has an empty value for an important field.", &[]),
    named(0x800B_0109, "CERT_E_UNTRUSTEDROOT", "The chain ends in a root certificate that is not trusted (for example the host's self-signed certificate).", &[CertExpired]),
    named(0x800B_010A, "CERT_E_CHAINING", "A certificate chain could not be built to a trusted root.", &[CertExpired]),
    named(0x800B_010B, "TRUST_E_FAIL", "Generic trust failure.", &[]),
    named(0x800B_010C, "CERT_E_REVOKED", "A certificate was explicitly revoked by its issuer.", &[GatewayCertMismatch, CertExpired]),
    named(0x800B_010D, "CERT_E_UNTRUSTEDTESTROOT", "The chain ends in an untrusted test root.", &[CertExpired]),
    named(0x800B_010E, "CERT_E_REVOCATION_FAILURE", "The revocation process could not continue; the certificates could not be checked.", &[GatewayCertMismatch, Network]),
    named(0x800B_010F, "CERT_E_CN_NO_MATCH", "The certificate's name does not match the name connected to (for RDP usually the RD Gateway).", &[GatewayCertMismatch]),
    named(0x800B_0110, "CERT_E_WRONG_USAGE", "The certificate is not valid for the requested usage (EKU).", &[CertExpired]),
    named(0x800B_0111, "TRUST_E_EXPLICIT_DISTRUST", "The certificate was explicitly marked as untrusted.", &[CertExpired]),
    named(0x800B_0112, "CERT_E_UNTRUSTEDCA", "A certification chain processed correctly but one of the CA certificates is not trusted.", &[CertExpired]),
    named(0x800B_0113, "CERT_E_INVALID_POLICY", "The certificate has an invalid policy.", &[]),
    named(0x800B_0114, "CERT_E_INVALID_NAME", "The certificate has an invalid name or a name outside its permitted names.", &[GatewayCertMismatch]),
];

/// HRESULT facility names, sorted by value. Source: winerror.h FACILITY_* constants (where
/// two names share a value, the one used for the codes above is kept).
pub static FACILITIES: &[(u16, &str)] = &[
    (0, "FACILITY_NULL"),
    (1, "FACILITY_RPC"),
    (2, "FACILITY_DISPATCH"),
    (3, "FACILITY_STORAGE"),
    (4, "FACILITY_ITF"),
    (7, "FACILITY_WIN32"),
    (8, "FACILITY_WINDOWS"),
    (9, "FACILITY_SECURITY"),
    (10, "FACILITY_CONTROL"),
    (11, "FACILITY_CERT"),
    (12, "FACILITY_INTERNET"),
    (13, "FACILITY_MEDIASERVER"),
    (14, "FACILITY_MSMQ"),
    (15, "FACILITY_SETUPAPI"),
    (16, "FACILITY_SCARD"),
    (17, "FACILITY_COMPLUS"),
    (18, "FACILITY_AAF"),
    (19, "FACILITY_URT"),
    (20, "FACILITY_ACS"),
    (21, "FACILITY_DPLAY"),
    (22, "FACILITY_UMI"),
    (23, "FACILITY_SXS"),
    (24, "FACILITY_WINDOWS_CE"),
    (25, "FACILITY_HTTP"),
    (26, "FACILITY_USERMODE_COMMONLOG"),
    (32, "FACILITY_BACKGROUNDCOPY"),
    (33, "FACILITY_CONFIGURATION"),
    (34, "FACILITY_STATE_MANAGEMENT"),
    (35, "FACILITY_METADIRECTORY"),
    (36, "FACILITY_WINDOWSUPDATE"),
    (37, "FACILITY_DIRECTORYSERVICE"),
    (38, "FACILITY_GRAPHICS"),
    (39, "FACILITY_SHELL"),
    (40, "FACILITY_TPM_SERVICES"),
    (41, "FACILITY_TPM_SOFTWARE"),
    (50, "FACILITY_FWP"),
    (51, "FACILITY_WINRM"),
    (52, "FACILITY_NDIS"),
    (80, "FACILITY_WINDOWS_DEFENDER"),
];

/// FACILITY_WIN32.
pub const FACILITY_WIN32: u16 = 7;
/// The "N" bit: HRESULT_FROM_NT sets it on an NTSTATUS.
pub const FACILITY_NT_BIT: u32 = 0x1000_0000;

/// A value an HRESULT carries inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Wrapped {
    /// HRESULT_FROM_WIN32: a Win32 error in the low word of a FACILITY_WIN32 failure.
    Win32 {
        /// The Win32 error.
        code: u32,
        /// Its table entry, if known.
        entry: Option<&'static CodeEntry>,
    },
    /// HRESULT_FROM_NT (the N bit cleared), or an NTSTATUS given where an HRESULT was expected.
    NtStatus {
        /// The NTSTATUS.
        code: u32,
        /// Its table entry, if known.
        entry: Option<&'static CodeEntry>,
        /// True when the value had the N bit (HRESULT_FROM_NT), false for a bare NTSTATUS.
        from_nt: bool,
    },
}

impl Wrapped {
    /// The table entry of the wrapped value, if known.
    pub fn entry(&self) -> Option<&'static CodeEntry> {
        match self {
            Wrapped::Win32 { entry, .. } | Wrapped::NtStatus { entry, .. } => *entry,
        }
    }
}

/// Everything one can say about a 32-bit value read as an HRESULT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HresultInfo {
    /// The value.
    pub code: u32,
    /// Severity bit: true for a failure.
    pub failure: bool,
    /// Customer bit: defined by a third party rather than Microsoft.
    pub customer: bool,
    /// Facility (bits 16–26).
    pub facility: u16,
    /// The facility's name, if known.
    pub facility_name: Option<&'static str>,
    /// The low word.
    pub status_code: u16,
    /// The value's own table entry, if known.
    pub entry: Option<&'static CodeEntry>,
    /// A Win32 error or NTSTATUS carried inside the value.
    pub wrapped: Option<Wrapped>,
}

impl HresultInfo {
    /// The best known name: the value's own, else a wrapper around the wrapped value's name
    /// (`HRESULT_FROM_WIN32(ERROR_NETNAME_DELETED)`).
    pub fn name(&self) -> Option<String> {
        if let Some(name) = self.entry.and_then(|e| e.name) {
            return Some(name.to_owned());
        }
        match self.wrapped {
            Some(Wrapped::Win32 { code, entry }) => Some(format!(
                "HRESULT_FROM_WIN32({})",
                entry
                    .and_then(|e| e.name)
                    .map_or_else(|| code.to_string(), str::to_owned)
            )),
            Some(Wrapped::NtStatus {
                entry: Some(e),
                from_nt,
                ..
            }) => e.name.map(|n| {
                if from_nt {
                    format!("HRESULT_FROM_NT({n})")
                } else {
                    n.to_owned()
                }
            }),
            _ => None,
        }
    }

    /// What the value means; always says something, down to its bare structure.
    pub fn meaning(&self) -> String {
        if let Some(e) = self.entry {
            return e.meaning.to_owned();
        }
        if let Some(e) = self.wrapped.and_then(|w| w.entry()) {
            return e.meaning.to_owned();
        }
        self.structure()
    }

    /// The value's structure in words: severity, facility, code and what it wraps.
    pub fn structure(&self) -> String {
        let severity = if self.failure { "failure" } else { "success" };
        let facility = self
            .facility_name
            .map_or_else(|| format!("facility {}", self.facility), str::to_owned);
        let customer = if self.customer {
            ", customer-defined"
        } else {
            ""
        };
        match self.wrapped {
            Some(Wrapped::Win32 { code, .. }) => {
                format!("{severity} HRESULT wrapping Win32 error {code}{customer}")
            }
            Some(Wrapped::NtStatus {
                code,
                from_nt: true,
                ..
            }) => format!(
                "{severity} HRESULT wrapping NTSTATUS {code:#010X} (HRESULT_FROM_NT){customer}"
            ),
            Some(Wrapped::NtStatus { code, .. }) => {
                format!(
                    "not an HRESULT: the NT severity bits are set, so it reads as NTSTATUS {code:#010X}"
                )
            }
            None => format!(
                "{severity} HRESULT, {facility}, code {:#06X} ({}){customer}",
                self.status_code, self.status_code
            ),
        }
    }

    /// The causes of the value's own entry, else of the wrapped value's entry.
    pub fn causes(&self) -> &'static [Cause] {
        self.entry
            .or_else(|| self.wrapped.and_then(|w| w.entry()))
            .map_or(&[], |e| e.causes)
    }
}

impl fmt::Display for HresultInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010X}", self.code)?;
        if let Some(name) = self.name() {
            write!(f, " {name}")?;
        }
        write!(f, ": {}", self.meaning())
    }
}

/// The HRESULT table entry with this value.
pub fn hresult_entry(code: u32) -> Option<&'static CodeEntry> {
    find(HRESULTS, code)
}

/// The name of an HRESULT facility.
pub fn facility_name(facility: u16) -> Option<&'static str> {
    FACILITIES
        .binary_search_by_key(&facility, |(f, _)| *f)
        .ok()
        .and_then(|i| FACILITIES.get(i))
        .map(|(_, n)| *n)
}

/// Decodes any 32-bit value as an HRESULT; never fails.
pub fn hresult(code: u32) -> HresultInfo {
    let failure = code & 0x8000_0000 != 0;
    let nt_severity = code & 0x4000_0000 != 0;
    let customer = code & 0x2000_0000 != 0;
    let facility = ((code >> 16) & 0x7FF) as u16;
    let status_code = (code & 0xFFFF) as u16;
    let wrapped = if code & FACILITY_NT_BIT != 0 && !customer {
        let nt = code & !FACILITY_NT_BIT;
        Some(Wrapped::NtStatus {
            code: nt,
            entry: ntstatus::ntstatus(nt),
            from_nt: true,
        })
    } else if failure && nt_severity {
        Some(Wrapped::NtStatus {
            code,
            entry: ntstatus::ntstatus(code),
            from_nt: false,
        })
    } else if failure && facility == FACILITY_WIN32 && !customer {
        let w = u32::from(status_code);
        Some(Wrapped::Win32 {
            code: w,
            entry: win32::win32_error(w),
        })
    } else {
        None
    };
    HresultInfo {
        code,
        failure,
        customer,
        facility,
        facility_name: facility_name(facility),
        status_code,
        entry: hresult_entry(code),
        wrapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::table_checks::assert_well_formed;

    #[test]
    fn table_is_well_formed() {
        assert_well_formed("hresult", HRESULTS);
        for pair in FACILITIES.windows(2) {
            assert!(pair[0].0 < pair[1].0);
        }
    }

    #[test]
    fn spot_checks_against_events_md() {
        let name = |c| hresult_entry(c).and_then(|e| e.name);
        assert_eq!(name(0x80090331), Some("SEC_E_ALGORITHM_MISMATCH"));
        assert_eq!(name(0x8009030D), Some("SEC_E_UNKNOWN_CREDENTIALS"));
        assert_eq!(name(0x80090016), Some("NTE_BAD_KEYSET"));
        assert_eq!(name(0x800B0101), Some("CERT_E_EXPIRED"));
        assert_eq!(name(0x800B010F), Some("CERT_E_CN_NO_MATCH"));
        assert_eq!(name(0x80092013), Some("CRYPT_E_REVOCATION_OFFLINE"));
        assert_eq!(name(0x80096004), Some("TRUST_E_CERT_SIGNATURE"));
        assert_eq!(
            hresult_entry(0x80090331).unwrap().causes,
            &[Cause::TlsMismatch]
        );
        assert_eq!(
            hresult_entry(0x800B010F).unwrap().causes,
            &[Cause::GatewayCertMismatch]
        );
        assert_eq!(
            hresult_entry(0x8009030D).unwrap().causes,
            &[Cause::PrivateKeyAccess]
        );
    }

    #[test]
    fn known_value_decodes_with_structure() {
        let h = hresult(0x80090331);
        assert!(h.failure && !h.customer);
        assert_eq!(h.facility, 9);
        assert_eq!(h.facility_name, Some("FACILITY_SECURITY"));
        assert_eq!(h.status_code, 0x331);
        assert_eq!(h.name().as_deref(), Some("SEC_E_ALGORITHM_MISMATCH"));
        assert!(h.wrapped.is_none());
        assert!(
            h.to_string()
                .starts_with("0x80090331 SEC_E_ALGORITHM_MISMATCH: ")
        );
    }

    #[test]
    fn win32_facility_unwraps() {
        let h = hresult(0x80070040);
        assert!(h.entry.is_none());
        match h.wrapped {
            Some(Wrapped::Win32 {
                code: 64,
                entry: Some(e),
            }) => {
                assert_eq!(e.name, Some("ERROR_NETNAME_DELETED"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            h.name().as_deref(),
            Some("HRESULT_FROM_WIN32(ERROR_NETNAME_DELETED)")
        );
        assert_eq!(h.causes(), &[Cause::Network]);
        // Known HRESULT that also wraps a Win32 error keeps its own name.
        let denied = hresult(0x80070005);
        assert_eq!(denied.name().as_deref(), Some("E_ACCESSDENIED"));
        assert!(matches!(
            denied.wrapped,
            Some(Wrapped::Win32 { code: 5, .. })
        ));
        // Unknown Win32 error still decodes.
        let odd = hresult(0x80070003);
        assert_eq!(odd.name().as_deref(), Some("HRESULT_FROM_WIN32(3)"));
        assert!(odd.meaning().contains("Win32 error 3"));
    }

    #[test]
    fn nt_bit_unwraps_to_ntstatus() {
        let h = hresult(0xD00000B5);
        match h.wrapped {
            Some(Wrapped::NtStatus {
                code,
                entry: Some(e),
                from_nt: true,
            }) => {
                assert_eq!(code, 0xC00000B5);
                assert_eq!(e.name, Some("STATUS_IO_TIMEOUT"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            h.name().as_deref(),
            Some("HRESULT_FROM_NT(STATUS_IO_TIMEOUT)")
        );
        assert_eq!(h.causes(), &[Cause::Network]);
        let bare = hresult(0xC000006A);
        assert!(matches!(
            bare.wrapped,
            Some(Wrapped::NtStatus { from_nt: false, .. })
        ));
        assert_eq!(bare.name().as_deref(), Some("STATUS_WRONG_PASSWORD"));
    }

    #[test]
    fn unknown_values_still_say_something() {
        for code in [0u32, 1, 0x8001_0001, 0xA123_4567, 0xFFFF_FFFF, 0x7FFF_FFFF] {
            let h = hresult(code);
            assert!(!h.meaning().is_empty());
            assert!(!h.to_string().is_empty());
        }
        let h = hresult(0x800F_0001);
        assert_eq!(h.facility_name, Some("FACILITY_SETUPAPI"));
        assert!(h.meaning().contains("FACILITY_SETUPAPI"));
        assert!(!hresult(0x0000_0001).failure);
    }
}
