//! The fixed vocabulary of failure causes (docs/DESIGN.md, "Cause ids").
//!
//! [`Cause`] is the single definition of the ids that appear in `diagnoses.json`, in the
//! timelines' cause columns and in every code table of [`crate::codes`]. The ids are part of
//! the output contract: change them only together with the design document and its tests.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a Remote Desktop connection failed, as far as the logs can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The host's RDP certificate is expired, not renewed, or not trusted by the client.
    CertExpired,
    /// The service cannot use the private key of its RDP certificate (MachineKeys ACL, corrupt key).
    PrivateKeyAccess,
    /// Client and host share no TLS protocol version or cipher suite.
    TlsMismatch,
    /// CredSSP / Network Level Authentication could not be negotiated.
    CredsspNla,
    /// Antivirus or other third-party security software dropped or altered the connection.
    SecuritySoftware,
    /// A firewall (Windows Filtering Platform or another) blocked the connection.
    FirewallBlock,
    /// The RD Gateway's certificate does not match its name, or is expired or revoked.
    GatewayCertMismatch,
    /// DNS, routing, VPN or an unstable link.
    Network,
    /// The Remote Desktop service is stopped, disabled or not accepting logons.
    ServiceUnavailable,
    /// The host cannot reach a domain controller or its trust with the domain is broken.
    DomainTrust,
    /// A session on the host is hung or left in a state that blocks new connections.
    SessionStuck,
    /// The host refused this user (bad password, disabled/locked/expired account, no right).
    LogonDenied,
    /// The logs given cannot tell.
    Unknown,
}

/// Every cause with its id and title, in the order of the design document.
static CAUSES: [(Cause, &str, &str); 13] = [
    (
        Cause::CertExpired,
        "cert_expired",
        "RDP certificate expired, not renewed or not trusted",
    ),
    (
        Cause::PrivateKeyAccess,
        "private_key_access",
        "RDP certificate private key not accessible",
    ),
    (
        Cause::TlsMismatch,
        "tls_mismatch",
        "TLS protocol version or cipher suite mismatch",
    ),
    (
        Cause::CredsspNla,
        "credssp_nla",
        "CredSSP / Network Level Authentication failure",
    ),
    (
        Cause::SecuritySoftware,
        "security_software",
        "Antivirus or third-party security software interference",
    ),
    (
        Cause::FirewallBlock,
        "firewall_block",
        "Firewall blocking the connection",
    ),
    (
        Cause::GatewayCertMismatch,
        "gateway_cert_mismatch",
        "RD Gateway certificate name mismatch or invalid certificate",
    ),
    (Cause::Network, "network", "DNS, network or VPN problem"),
    (
        Cause::ServiceUnavailable,
        "service_unavailable",
        "Remote Desktop service stopped, disabled or refusing logons",
    ),
    (
        Cause::DomainTrust,
        "domain_trust",
        "Domain trust or domain controller failure",
    ),
    (
        Cause::SessionStuck,
        "session_stuck",
        "Stuck or unresponsive session on the host",
    ),
    (
        Cause::LogonDenied,
        "logon_denied",
        "Logon refused for this user",
    ),
    (
        Cause::Unknown,
        "unknown",
        "Cannot be determined from the logs given",
    ),
];

impl Cause {
    /// Every cause, in the order of the design document.
    pub fn all() -> impl ExactSizeIterator<Item = Cause> + Clone {
        CAUSES.iter().map(|(c, _, _)| *c)
    }

    fn row(self) -> &'static (Cause, &'static str, &'static str) {
        // `CAUSES` lists the variants in declaration order; the test `table_matches_variants`
        // keeps it that way, so the discriminant is the row.
        &CAUSES[self as usize]
    }

    /// The stable id used in JSON and CSV (`cert_expired`, …).
    pub fn id(self) -> &'static str {
        self.row().1
    }

    /// A short human title for reports.
    pub fn title(self) -> &'static str {
        self.row().2
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The text was not one of the cause ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cause id {0:?}")]
pub struct UnknownCause(pub String);

impl FromStr for Cause {
    type Err = UnknownCause;

    /// Parses a cause id, ignoring ASCII case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        CAUSES
            .iter()
            .find(|(_, id, _)| id.eq_ignore_ascii_case(t))
            .map(|(c, _, _)| *c)
            .ok_or_else(|| UnknownCause(t.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_variants() {
        for (i, (cause, _, _)) in CAUSES.iter().enumerate() {
            assert_eq!(*cause as usize, i, "{cause:?} out of order");
        }
    }

    #[test]
    fn ids_are_the_design_vocabulary() {
        let ids: Vec<&str> = Cause::all().map(Cause::id).collect();
        assert_eq!(
            ids,
            [
                "cert_expired",
                "private_key_access",
                "tls_mismatch",
                "credssp_nla",
                "security_software",
                "firewall_block",
                "gateway_cert_mismatch",
                "network",
                "service_unavailable",
                "domain_trust",
                "session_stuck",
                "logon_denied",
                "unknown",
            ]
        );
    }

    #[test]
    fn serde_uses_the_ids() {
        for cause in Cause::all() {
            let json = serde_json::to_string(&cause).unwrap();
            assert_eq!(json, format!("\"{}\"", cause.id()));
            let back: Cause = serde_json::from_str(&json).unwrap();
            assert_eq!(back, cause);
            assert_eq!(cause.to_string(), cause.id());
        }
    }

    #[test]
    fn parses_ids_case_insensitively() {
        assert_eq!(" TLS_Mismatch ".parse::<Cause>(), Ok(Cause::TlsMismatch));
        assert_eq!("tls".parse::<Cause>(), Err(UnknownCause("tls".to_owned())));
    }

    #[test]
    fn titles_are_distinct_and_non_empty() {
        let mut titles: Vec<&str> = Cause::all().map(Cause::title).collect();
        assert!(titles.iter().all(|t| !t.is_empty()));
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), CAUSES.len());
    }
}
