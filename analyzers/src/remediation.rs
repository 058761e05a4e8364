//! The fix: concrete, ordered steps per cause, each tied to the evidence that calls for it.
//!
//! One table, [`STEPS`], in the order the steps are given. A step is shown when its
//! [`When`] holds for the findings behind the diagnosis: always, when one of the named rules
//! fired for the cause, or when a decoded status or disconnect reason was seen. Step texts
//! name the machines and objects the evidence names — `{server}`, `{client}`, `{target}`,
//! `{client_address}`, `{key_file}`, `{rule_name}`, `{product}`, `{user}` — with a fallback
//! after `|` when the evidence does not say (`{rule_name|Remote Desktop - User Mode (TCP-In)}`).
//!
//! Sources: the seed field notes and the Microsoft guidance cited in docs/EVENTS.md (renewing
//! the self-signed certificate, MachineKeys permissions, Schannel protocol settings, CredSSP
//! Encryption Oracle Remediation, the firewall rule group, RD Gateway certificate names, secure
//! channel repair, session reset, the 4625 status meanings). Texts are our own.

use crate::cause::Cause;
use crate::cause::Cause::*;
use crate::evidence::{Analysis, Finding, text};
use crate::rules::Direction;

/// When a step applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Always, for its cause.
    Always,
    /// When one of these rules supports the cause.
    Fired(&'static [&'static str]),
    /// When one of these NTSTATUS values (4625 `Status`/`SubStatus`, 4776, 147) was decoded.
    Status(&'static [u64]),
    /// When one of these client disconnect reasons was decoded.
    Reason(&'static [u64]),
    /// When no status or reason was decoded at all.
    NoCode,
}

/// One remediation step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The cause it fixes.
    pub cause: Cause,
    /// When it applies.
    pub when: When,
    /// What to do (with placeholders).
    pub text: &'static str,
}

const fn step(cause: Cause, when: When, text: &'static str) -> Step {
    Step { cause, when, text }
}

use When::{Always, Fired, NoCode, Reason, Status};

/// Every step, in order within each cause.
#[rustfmt::skip]
pub static STEPS: &[Step] = &[
    // cert_expired
    step(CertExpired, Always, "On {server}, open certlm.msc → Remote Desktop → Certificates and look at the certificate issued to {server}: if it has expired (or the store holds a broken one), delete it."),
    step(CertExpired, Always, "Restart the Remote Desktop Services service (TermService) on {server}: it creates a new self-signed certificate, and the System log shows event 1056 when it succeeds."),
    step(CertExpired, Fired(&["cert-renewal-failed-key", "cert-creation-failed-key", "cert-creation-failed"]), "Renewal itself failed (TermService 1057/1058): first restore the key store — NETWORK SERVICE needs Read on C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys — then restart TermService again."),
    step(CertExpired, Fired(&["cert-configured-expired", "cert-wrong-usage", "cert-custom-problem"]), "The certificate is set by Group Policy or WMI (SSLCertificateSHA1Hash): enrol a new one with the Server Authentication usage and point the setting at its thumbprint."),
    step(CertExpired, Fired(&["schannel-server-cert-expired", "capi2-chain-expired", "capi2-policy-failed", "schannel-server-cert-invalid", "client-disconnect-reason"]), "On {client}, clear the stale trust: if clients must trust the RDP certificate, deploy the renewed certificate (or its issuing CA) to their Trusted Root store."),
    // private_key_access
    step(PrivateKeyAccess, Fired(&["rdp-key-operation-failed"]), "Grant NETWORK SERVICE Read on {key_file} (the RDP certificate's private key, which TermService failed to read) and restart TermService."),
    step(PrivateKeyAccess, Always, "On {server}, check the permissions of C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys: Administrators and SYSTEM Full control, NETWORK SERVICE Read on the RDP key (f686aace…_<MachineGuid>); restore them if a hardening script or an antivirus changed them."),
    step(PrivateKeyAccess, Always, "If the key is missing or corrupt, delete the certificate in certlm.msc → Remote Desktop → Certificates and restart TermService so that a new certificate and key pair are created (System event 1056)."),
    step(PrivateKeyAccess, Fired(&["keyiso-stopped", "keyiso-failed"]), "Start the CNG Key Isolation service (KeyIso) on {server} and find out why it stopped."),
    step(PrivateKeyAccess, Fired(&["cert-key-inaccessible", "capi2-private-key-failed"]), "For a certificate deployed by policy, re-import it with its private key and give NETWORK SERVICE Read on the key (certlm.msc → the certificate → All Tasks → Manage Private Keys)."),
    // tls_mismatch
    step(TlsMismatch, Always, "Compare the TLS versions enabled on {server} and {client} under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols (Client and Server subkeys): both ends must share at least one version, normally TLS 1.2 (Enabled=1, DisabledByDefault=0)."),
    step(TlsMismatch, Fired(&["schannel-no-common-cipher", "schannel-alert", "host-security-layer-error"]), "Align the cipher suites: compare the 'SSL Cipher Suite Order' policy (Computer Configuration → Administrative Templates → Network → SSL Configuration Settings) or the IIS Crypto settings of both ends so that they share a suite."),
    step(TlsMismatch, Fired(&["schannel-credential-error", "schannel-credential-policy"]), "Schannel could not create its credential because the TLS versions it needs are disabled by policy: re-enable them in the SCHANNEL\\Protocols registry keys or the security baseline that disabled them, and restart the machine."),
    step(TlsMismatch, Fired(&["onset-change"]), "The failures began after a change of the machine's state (listed under onset): check which baseline, update or script changed the Schannel settings then."),
    step(TlsMismatch, Always, "As a temporary test only, set 'Require use of specific security layer for remote (RDP) connections' to Negotiate on {server} (Group Policy → Remote Desktop Session Host → Security) and retry."),
    // credssp_nla
    step(CredsspNla, Fired(&["credssp-version-refused"]), "Install the CredSSP updates (CVE-2018-0886, May 2018 or later) on both {client} and {server}, so that they speak the same CredSSP version."),
    step(CredsspNla, Reason(&[0xB09]), "The host requires Network Level Authentication and {client} does not offer it: use an up-to-date Remote Desktop client with CredSSP enabled (on old systems, turn on the CredSSP security provider); switching off 'Require user authentication … Network Level Authentication' on {server} is a last resort."),
    step(CredsspNla, Reason(&[0x1607, 0x1707, 0x2107, 0xF08]), "Credential delegation policy stops {client} from sending credentials to the host: allow it for TERMSRV/{target} (Computer Configuration → Administrative Templates → System → Credentials Delegation → 'Allow delegating fresh credentials', with NTLM-only server authentication if the host is not in the domain), or type the credentials when asked instead of using saved ones."),
    step(CredsspNla, Always, "If one end cannot be updated at once, set 'Encryption Oracle Remediation' (Computer Configuration → Administrative Templates → System → Credentials Delegation) to Mitigated on the updated end for the time being — never leave it on Vulnerable — then update the other end and restore Force Updated Clients."),
    step(CredsspNla, Fired(&["credssp-no-protocol", "credssp-authentication-error", "credssp-bad-target"]), "Check that {server} reaches a domain controller and that its TERMSRV service principal names are registered (setspn -L {server})."),
    step(CredsspNla, Always, "Check the client's saved credentials (Credential Manager) and the host's 'Require user authentication for remote connections by using Network Level Authentication' setting."),
    // security_software
    step(SecuritySoftware, Fired(&["security-product-block", "security-product-block-channel", "security-product-activity", "security-product-activity-channel", "wfp-blocked-by-product"]), "Review what {product} logged at the failure time and add an exclusion for Remote Desktop: inbound TCP 3389 to the svchost hosting TermService on {server}, and mstsc.exe on {client}."),
    step(SecuritySoftware, Fired(&["defender-network-block", "defender-network-block-server", "defender-network-audit"]), "Microsoft Defender network protection blocked the connection: allow the destination {target}, or set network protection to audit mode while you test (Set-MpPreference -EnableNetworkProtection AuditMode)."),
    step(SecuritySoftware, Fired(&["fact-accepted-then-dropped", "fact-connected-never-accepted"]), "The TCP connection was torn down before the RDP stack started: look for a network filter or intrusion-prevention module of the security product on {server} (fltmc, netcfg -s n) and retry with it disabled."),
    step(SecuritySoftware, Fired(&["security-service-installed", "security-product-registered", "onset-change"]), "A security product was installed or changed shortly before the failures began: check its firewall and intrusion-prevention rules for RDP."),
    step(SecuritySoftware, Always, "After changing the product's policy, retry and confirm that RdpCoreTS on {server} logs 131 followed by 153 (TLS negotiated)."),
    // firewall_block
    step(FirewallBlock, Fired(&["firewall-rdp-rule-deleted", "firewall-rdp-rule-deleted-audit", "firewall-rdp-rule-modified", "firewall-rdp-rule-disabled", "firewall-rdp-rule-changed-audit", "firewall-all-rules-deleted"]), "Restore the firewall rule '{rule_name|Remote Desktop - User Mode (TCP-In)}' on {server}: re-create or re-enable it (Enable-NetFirewallRule -DisplayGroup \"Remote Desktop\", or wf.msc → Inbound Rules)."),
    step(FirewallBlock, Fired(&["firewall-block-rule-added"]), "Remove or narrow the rule '{rule_name|blocking TCP 3389}' on {server}: block rules take precedence over allow rules."),
    step(FirewallBlock, Always, "Make sure the inbound rule 'Remote Desktop - User Mode (TCP-In)' is enabled on {server} for the profile of the network {client_address} comes from (Get-NetFirewallRule -DisplayGroup \"Remote Desktop\" | Format-Table Name, Enabled, Profile, Action)."),
    step(FirewallBlock, Fired(&["firewall-profile-changed"]), "The network profile changed (for example to Public) before the failures: put the interface back in its domain or private profile, or enable the RDP rule for the current profile."),
    step(FirewallBlock, Always, "Check the firewalls on the path as well — network firewalls, NAT or port forwarding, cloud security groups — for TCP 3389 from {client_address} to {server}."),
    // gateway_cert_mismatch
    step(GatewayCertMismatch, Always, "Check the RD Gateway's SSL certificate: its subject or Subject Alternative Names must contain the exact gateway name users type (mstsc → Advanced → Settings → server name)."),
    step(GatewayCertMismatch, Always, "Either connect with the name on the certificate, or issue a certificate whose SAN includes that name and bind it in RD Gateway Manager → Properties → SSL Certificate."),
    step(GatewayCertMismatch, Fired(&["schannel-server-cert-expired", "schannel-server-cert-revoked", "capi2-revocation-failed"]), "Renew the gateway certificate if it has expired or was revoked, and make sure {client} can reach its CRL and OCSP addresses."),
    step(GatewayCertMismatch, Always, "Make sure {client} trusts the certificate's issuing CA (Trusted Root Certification Authorities)."),
    // network
    step(Network, Fired(&["dns-timeout-target", "dns-timeout"]), "Name resolution failed on {client}: check its DNS servers (ipconfig /all, Resolve-DnsName {target}), flush the cache (ipconfig /flushdns), or connect by IP address to confirm."),
    step(Network, Fired(&["vpn-dropped", "vpn-activity", "network-disconnected", "network-connected", "firewall-profile-changed"]), "The VPN or the network changed around the failure: reconnect the VPN, check that its routes include {server}, and test with Test-NetConnection {target} -Port 3389."),
    step(Network, Fired(&["termdd-security-layer", "host-idle", "host-tcp-failed", "fact-accepted-then-dropped"]), "The connection went silent or was reset in transit: look for packet loss or MTU problems on the path (ping -f -l 1372 {target}), Wi-Fi quality, and devices that reset idle TCP sessions."),
    step(Network, Always, "Test reachability from {client}: Test-NetConnection {target} -Port 3389."),
    // service_unavailable
    step(ServiceUnavailable, Fired(&["fact-host-down"]), "{server} was shutting down or restarting when {client} tried to connect: nothing could answer until it was up again (System event 6005, then TermService running). If restarts for updates hit working hours, move them into a maintenance window (Windows Update active hours, or the update tool's restart schedule)."),
    step(ServiceUnavailable, Always, "On {server}, start Remote Desktop Services and set its start type to Manual or Automatic (Set-Service TermService -StartupType Manual; Start-Service TermService)."),
    step(ServiceUnavailable, Always, "Check that remote connections are allowed on {server}: System Properties → Remote → 'Allow remote connections to this computer' (fDenyTSConnections = 0)."),
    step(ServiceUnavailable, Fired(&["termservice-failed", "termservice-hung"]), "TermService crashed or failed to start: read the details of the System events 7031/7034/7023/7000 and the Application log for its svchost, and apply pending updates."),
    step(ServiceUnavailable, Fired(&["logons-refused"]), "The server refuses new logons: run 'change logon /query' and 'change logon /enable' on {server}."),
    step(ServiceUnavailable, Fired(&["host-listener-failed", "host-listener-stopped"]), "The RDP-Tcp listener failed or stopped: check that no other process holds port 3389 (netstat -abno) and that the listener's security layer and certificate settings are valid, then restart TermService."),
    // domain_trust
    step(DomainTrust, Always, "On {server}, test the secure channel with the domain: Test-ComputerSecureChannel -Verbose; repair it with Test-ComputerSecureChannel -Repair -Credential <domain admin> (or Reset-ComputerMachinePassword)."),
    step(DomainTrust, Always, "Check that {server} can reach a domain controller: nltest /dsgetdc:<domain>, DNS pointing at the domain's DNS servers, and ports 88, 389 and 445 open."),
    step(DomainTrust, Fired(&["clock-changed"]), "Fix the clock of {server} (w32tm /resync): Kerberos fails when clocks differ by more than five minutes."),
    step(DomainTrust, Status(&[0xC000_018C, 0xC000_0413]), "The trust between two domains failed: validate it in Active Directory Domains and Trusts (or netdom trust /verify)."),
    step(DomainTrust, Always, "If the machine account cannot be repaired, rejoin {server} to the domain."),
    // session_stuck
    step(SessionStuck, Always, "List the sessions on {server} (qwinsta /server:{server}) and reset the stuck one (rwinsta <id> /server:{server}) or log it off (logoff <id> /server:{server})."),
    step(SessionStuck, Fired(&["session-hung", "termdd-security-layer", "termservice-hung"]), "If the session cannot be reset, restart Remote Desktop Services in a maintenance window (it ends every session) or restart {server}."),
    step(SessionStuck, Always, "Look for hung processes in the session (winlogon, LogonUI, the user profile service) and apply pending Remote Desktop Services updates."),
    // logon_denied
    step(LogonDenied, Status(&[0xC000_006A, 0xC000_0064, 0xC000_006D]), "The user name or password was wrong: check the account name ({user}), have the user type the password again, and remove stale saved credentials on {client} (Credential Manager)."),
    step(LogonDenied, Fired(&["host-bad-credentials"]), "The host reports a wrong user name or password: check the account name ({user}) and remove stale saved credentials on {client} (Credential Manager)."),
    step(LogonDenied, Status(&[0xC000_0234]), "The account is locked out: unlock it (Active Directory Users and Computers → Account → Unlock account, or Unlock-ADAccount) and find the source of the bad passwords."),
    step(LogonDenied, Reason(&[0xD07]), "The client reports the account is locked out: unlock it and find the source of the bad passwords."),
    step(LogonDenied, Status(&[0xC000_0072]), "The account is disabled: enable it (Enable-ADAccount, or Local Users and Groups on {server})."),
    step(LogonDenied, Reason(&[0xB07]), "The client reports the account is disabled: enable it."),
    step(LogonDenied, Status(&[0xC000_0193]), "The account has expired: extend its expiry date."),
    step(LogonDenied, Reason(&[0xE07]), "The client reports the account has expired: extend its expiry date."),
    step(LogonDenied, Status(&[0xC000_0071, 0xC000_0224]), "The password has expired or must be changed: reset it, or let the user change it before connecting."),
    step(LogonDenied, Reason(&[0xF07, 0x1207]), "The client reports an expired password or one that must be changed: reset it or let the user change it."),
    step(LogonDenied, Status(&[0xC000_015B]), "The user lacks the right to log on through Remote Desktop: add the account to 'Remote Desktop Users' on {server} and check the 'Allow / Deny log on through Remote Desktop Services' user rights."),
    step(LogonDenied, Status(&[0xC000_006E, 0xC000_006F, 0xC000_0070]), "An account restriction (logon hours, allowed workstations, blank password) blocks the logon: review the account's properties."),
    step(LogonDenied, NoCode, "Read the Status and SubStatus of the host's Security event 4625 for this logon: they say whether the password, the account state or a logon right is at fault."),
    // unknown
    step(Unknown, Always, "Collect the logs listed as missing and run the analysis again."),
    step(Unknown, Always, "Reproduce the failure once with CAPI2/Operational enabled on both machines (wevtutil sl Microsoft-Windows-CAPI2/Operational /e:true) and with Security auditing of Logon, Filtering Platform Packet Drop and Other System Events turned on."),
];

/// What the evidence names, to fill the step texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// The server's name.
    pub server: Option<String>,
    /// The client's name.
    pub client: Option<String>,
    /// The target as typed.
    pub target: Option<String>,
    /// The client's address.
    pub client_address: Option<String>,
    /// The private key file that could not be read.
    pub key_file: Option<String>,
    /// The firewall rule changed.
    pub rule_name: Option<String>,
    /// The security product.
    pub product: Option<String>,
    /// The user.
    pub user: Option<String>,
}

impl Names {
    /// Collects the names from the connection and the findings.
    pub fn collect(a: &Analysis<'_>, conn: usize, findings: &[Finding]) -> Names {
        let tl = a.timelines;
        let c = tl.connections.get(conn);
        let host = |h: Option<usize>| h.and_then(|h| tl.hosts.get(h)).map(|h| h.name.clone());
        let mut names = Names {
            server: c.and_then(|c| host(c.server)),
            client: c.and_then(|c| host(c.client)),
            target: c.and_then(|c| c.target.clone()),
            client_address: c.and_then(|c| c.client_address.map(|ip| ip.to_string())),
            user: c
                .and_then(|c| c.host_connection)
                .and_then(|h| tl.host_connections.get(h))
                .and_then(|h| h.user.clone()),
            ..Names::default()
        };
        for f in findings.iter().filter(|f| f.direction == Direction::For) {
            let Some(e) = f.event.and_then(|i| a.event(i)) else {
                continue;
            };
            let fields = &e.fields;
            match e.kind.key() {
                "key_operations" if names.key_file.is_none() => {
                    names.key_file = text(fields, "KeyFilePath")
                        .map(str::to_string)
                        .or_else(|| {
                            text(fields, "KeyName").map(|k| {
                                format!("the key file of {k} in C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys")
                            })
                        });
                }
                "firewall" | "firewall_policy_audit" if names.rule_name.is_none() => {
                    names.rule_name = text(fields, "RuleName").map(str::to_string);
                }
                "security_vendor_application" | "security_vendor_channel" | "security_center"
                    if names.product.is_none() =>
                {
                    names.product = Some(e.provider.to_string());
                }
                "defender" if names.product.is_none() => {
                    names.product = Some("Microsoft Defender".to_string());
                }
                "service_control" if names.product.is_none() && e.event_id == 7045 => {
                    names.product = text(fields, "ServiceName").map(str::to_string);
                }
                "logon_failure" if names.user.is_none() => {
                    let user = text(fields, "TargetUserName");
                    let domain = text(fields, "TargetDomainName");
                    names.user = match (domain, user) {
                        (Some(d), Some(u)) => Some(format!("{d}\\{u}")),
                        (None, Some(u)) => Some(u.to_string()),
                        _ => None,
                    };
                }
                _ => {}
            }
        }
        if names.product.is_none() {
            names.product = Some("the security product".to_string());
        }
        names
    }

    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "server" => self.server.as_deref(),
            "client" => self.client.as_deref(),
            "target" => self.target.as_deref(),
            "client_address" => self.client_address.as_deref(),
            "key_file" => self.key_file.as_deref(),
            "rule_name" => self.rule_name.as_deref(),
            "product" => self.product.as_deref(),
            "user" => self.user.as_deref(),
            _ => None,
        }
    }

    fn default_for(key: &str) -> &'static str {
        match key {
            "server" => "the host",
            "client" => "the client",
            "target" => "the host",
            "client_address" => "the client",
            "key_file" => {
                "the RDP key file under C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys"
            }
            "rule_name" => "the Remote Desktop rule",
            "product" => "the security product",
            "user" => "the user",
            _ => "?",
        }
    }
}

/// Fills `{name}` / `{name|fallback}` placeholders.
fn fill(template: &str, names: &Names) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or(""));
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('}') else {
            out.push_str(rest.get(open..).unwrap_or(""));
            return out;
        };
        let spec = after.get(..close).unwrap_or("");
        rest = after.get(close + 1..).unwrap_or("");
        let (key, fallback) = match spec.split_once('|') {
            Some((k, f)) => (k, Some(f)),
            None => (spec, None),
        };
        let value = names
            .get(key)
            .map(crate::summary::clean)
            .unwrap_or_else(|| fallback.unwrap_or(Names::default_for(key)).to_string());
        out.push_str(&value);
    }
    out.push_str(rest);
    out
}

/// The steps for a cause, filled, in table order.
pub fn remediation(cause: Cause, findings: &[Finding], names: &Names) -> Vec<String> {
    let supporting: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.direction == Direction::For && f.cause == cause)
        .collect();
    let decoded_of = |rules: &[&str]| -> Vec<u64> {
        supporting
            .iter()
            .filter(|f| rules.contains(&f.rule.id))
            .filter_map(|f| f.code)
            .collect()
    };
    let statuses = decoded_of(&[
        "logon-failed",
        "ntlm-validation-failed",
        "host-logon-api-failed",
    ]);
    let reasons: Vec<u64> = findings
        .iter()
        .filter(|f| f.direction == Direction::For && f.rule.id == "client-disconnect-reason")
        .filter_map(|f| f.code)
        .collect();
    let mut out: Vec<String> = Vec::new();
    for s in STEPS.iter().filter(|s| s.cause == cause) {
        let applies = match s.when {
            Always => true,
            Fired(ids) => supporting.iter().any(|f| ids.contains(&f.rule.id)),
            Status(codes) => statuses.iter().any(|c| codes.contains(c)),
            Reason(codes) => reasons.iter().any(|c| codes.contains(c)),
            NoCode => statuses.is_empty() && reasons.is_empty(),
        };
        if applies {
            let text = fill(s.text, names);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::rule_by_id;

    #[test]
    fn every_cause_has_unconditional_steps_and_rule_ids_exist() {
        for cause in Cause::all() {
            assert!(
                STEPS
                    .iter()
                    .any(|s| s.cause == cause && matches!(s.when, Always | NoCode)),
                "{cause}"
            );
        }
        for s in STEPS {
            if let Fired(ids) = s.when {
                for id in ids {
                    assert!(rule_by_id(id).is_some(), "unknown rule {id}");
                }
            }
        }
    }

    #[test]
    fn placeholders_fill_with_names_or_fallbacks() {
        let names = Names {
            server: Some("SRV01.corp.local".into()),
            rule_name: None,
            ..Names::default()
        };
        let t = fill(
            "Restore '{rule_name|Remote Desktop - User Mode (TCP-In)}' on {server} for {client}.",
            &names,
        );
        assert_eq!(
            t,
            "Restore 'Remote Desktop - User Mode (TCP-In)' on SRV01.corp.local for the client."
        );
    }

    #[test]
    fn steps_follow_the_evidence() {
        let finding = |id: &str, code: Option<u64>| Finding {
            rule: rule_by_id(id).unwrap(),
            cause: Cause::LogonDenied,
            direction: Direction::For,
            weight: 3.0,
            event: None,
            time: None,
            distance: 0.0,
            detail: None,
            code,
            basis: crate::evidence::Basis::Record,
        };
        let names = Names {
            user: Some("CORP\\bob".into()),
            ..Names::default()
        };
        let locked = remediation(
            Cause::LogonDenied,
            &[finding("logon-failed", Some(0xC000_0234))],
            &names,
        );
        assert_eq!(locked.len(), 1);
        assert!(locked[0].contains("locked out"));
        let none = remediation(
            Cause::LogonDenied,
            &[finding("host-bad-credentials", None)],
            &names,
        );
        assert!(none.iter().any(|s| s.contains("CORP\\bob")));
        assert!(none.iter().any(|s| s.contains("4625")));
    }
}
