//! Held-out cases: RDP failures and non-failures designed from docs/EVENTS.md §2–§5, its real
//! EXAMPLES and how Windows behaves — independently of the sample recipes and scenarios — and
//! deliberately varied where the samples might have fixed something: partial logs (only the
//! host's System log, only the client, only Security), other Windows builds (Server 2012 R2
//! without RdpCoreTS 153, Server 2022 firewall ids, LSM and RCM records without Correlation),
//! other export formats (EVTX, Event Viewer XML with upper-case GUIDs, evtx_dump JSONL with
//! numbers as strings), other languages, other timing (clock skew, evidence hours or days
//! before, failures over days, retries seconds apart), other noise (scanners at the same
//! second, other users' bad passwords, an IIS TLS alert, logon floods, Defender updates,
//! unrelated services) and competing causes. Every case runs through the whole pipeline
//! (`analyse_paths` over a temporary folder) and is checked for its cause, the records its
//! evidence rests on, counter-evidence and the logs named as missing.
//!
//! `held_out_accuracy` prints the accuracy table of docs/README ("Held-out accuracy").

#[path = "holdout/world.rs"]
mod world;

use rdpsleuth_analyzers::Cause;
use rdpsleuth_analyzers::eval::{Case as EvalCase, Evaluation, ExpectedConnection};
use rdpsleuth_parser::catalog::channel;
use rdpsleuth_samples::Element;
use world::*;

const DAY: f64 = 86_400.0;
const HOUR: f64 = 3_600.0;

fn m(fqdn: &str, ip: &str) -> Machine {
    Machine::new(fqdn, ip)
}

/// A failed attempt: 1024, 1025 (when `connected`), 1026 with `reason` after `duration` s.
fn fail(n: u32, start: f64, reason: u32, connected: bool, duration: f64) -> Attempt {
    Attempt {
        activity: client_guid(n),
        start,
        connected,
        logged_on: false,
        duration,
        reason,
    }
}

/// The host's side of a connection stopped in the handshake: accepted, then torn down.
fn host_handshake_failed(w: &mut World, s: &Machine, n: u32, t: f64, client_ip: &str) {
    let h = host_guid(n);
    w.accept(s, h, t, client_ip, 51_000 + (n % 1000) as u16);
    w.teardown(s, h, t + 0.6);
}

fn ev_named<const N: usize>(pairs: [(&str, V); N]) -> Body {
    named(pairs)
}

fn capi2(root: Element) -> Body {
    Body::Tree(root)
}

fn el(name: &str) -> Element {
    Element::new(name)
}

/// CAPI2 `CorrelationAuxInfo` and `EventAuxInfo` children.
fn capi2_aux(root: Element, process: &str, seq: u32) -> Element {
    root.child(el("EventAuxInfo").attribute("ProcessName", process))
        .child(
            el("CorrelationAuxInfo")
                .attribute("TaskId", "{6C9A53F1-3F8B-4E47-9B5C-0D8E5D2A7C11}")
                .attribute("SeqNumber", seq.to_string()),
        )
}

// ==== cert_expired ===============================================================================

/// The host's self-signed certificate expired and could not be replaced when the service
/// restarted two hours before the failure (RCM 1058 with a German status text); the client
/// logs come as an Event Viewer XML export.
fn cert_renewal_failed_at_service_start() -> Case {
    let c = m("WKS-0412.contoso.lan", "10.20.4.12");
    let s = m("TS-APP01.contoso.lan", "10.20.1.21");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "jdoe", true, 1_800.0);
    w.scm(
        &s,
        7036,
        -2.0 * HOUR - 5.0,
        &["Remotedesktopdienste", "wird ausgeführt"],
        Some("TermService/4"),
    );
    w.classic(
        &s,
        TERMSERVICE,
        1058,
        -2.0 * HOUR,
        &["Das Objekt ist bereits vorhanden.\r\n"],
        None,
        2,
    );
    w.attempt(&c, "ts-app01", fail(2, 0.0, 2308, true, 0.8));
    host_handshake_failed(&mut w, &s, 2, 0.25, &c.ip);
    let mut bundle = w.finish();
    bundle.host_formats.push((c.fqdn.clone(), Format::Xml));
    Case {
        name: "cert_renewal_failed_at_service_start",
        about: "cert_expired: RCM 1058 (German text) 2 h before, at service start; client as XML export",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::CertExpired).evidence("ts-app01", 1058),
            Expect::ok(client_guid(1)),
        ],
    }
}

/// Only the client's logs: CAPI2 (enabled) shows mstsc building the host's chain with a
/// certificate outside its validity period and the SSL policy failing with CERT_E_EXPIRED.
fn cert_expired_seen_by_client_capi2_only() -> Case {
    let c = m("LAPTOP-7K2Q.contoso.lan", "10.20.9.77");
    let s = m("TS-APP03.contoso.lan", "10.20.1.23");
    let mut w = World::new();
    w.attempt(&c, "ts-app03.contoso.lan", fail(3, 0.0, 2308, true, 4.1));
    let chain = el("CertGetCertificateChain")
        .child(
            el("Certificate")
                .attribute("fileRef", "6F1D2C93A0B7E55C1F2E9D7A3B64C0E1A9D8F271.cer")
                .attribute("subjectName", "TS-APP03.contoso.lan"),
        )
        .child(el("ValidationTime").text("2023-11-14T08:00:00.412Z"))
        .child(el("Flags").attribute("value", "40000000"))
        .child(el("ChainEngineInfo").attribute("context", "user"))
        .child(
            el("CertificateChain")
                .attribute("chainRef", "{2F6C1B0A-0C1D-4E2F-8A3B-5C6D7E8F9A0B}")
                .child(
                    el("TrustStatus")
                        .child(
                            el("ErrorStatus")
                                .attribute("value", "21")
                                .attribute("CERT_TRUST_IS_NOT_TIME_VALID", "true")
                                .attribute("CERT_TRUST_IS_UNTRUSTED_ROOT", "true"),
                        )
                        .child(
                            el("InfoStatus")
                                .attribute("value", "C")
                                .attribute("CERT_TRUST_HAS_NAME_MATCH_ISSUER", "true")
                                .attribute("CERT_TRUST_IS_SELF_SIGNED", "true"),
                        ),
                ),
        );
    let chain = capi2_aux(chain, "mstsc.exe", 4).child(el("Result").attribute("value", "0"));
    let e = w.push(&c, channel::CAPI2, CAPI2, 11, 0.42, None, capi2(chain));
    e.level = 2;
    e.keywords = 0x4000_0000_0000_0001;
    let policy = el("CertVerifyCertificateChainPolicy")
        .child(
            el("Policy")
                .attribute("type", "CERT_CHAIN_POLICY_SSL")
                .attribute("constant", "4"),
        )
        .child(
            el("Certificate")
                .attribute("fileRef", "6F1D2C93A0B7E55C1F2E9D7A3B64C0E1A9D8F271.cer")
                .attribute("subjectName", "TS-APP03.contoso.lan"),
        )
        .child(
            el("CertificateChain").attribute("chainRef", "{2F6C1B0A-0C1D-4E2F-8A3B-5C6D7E8F9A0B}"),
        )
        .child(el("Flags").attribute("value", "0"));
    let policy =
        capi2_aux(policy, "mstsc.exe", 5).child(el("Result").attribute("value", "800B0101"));
    let e = w.push(&c, channel::CAPI2, CAPI2, 30, 0.43, None, capi2(policy));
    e.level = 2;
    let mut bundle = w.finish();
    bundle.host_formats.push((c.fqdn.clone(), Format::Jsonl));
    let _ = s;
    Case {
        name: "cert_expired_seen_by_client_capi2_only",
        about: "cert_expired: client logs only, CAPI2 11 NOT_TIME_VALID + 30 CERT_E_EXPIRED (JSONL)",
        bundle,
        expect: vec![
            Expect::failed(client_guid(3), Cause::CertExpired)
                .evidence("laptop-7k2q", 30)
                .missing("of the server ts-app03"),
        ],
    }
}

/// Server 2012 R2 (no RdpCoreTS 153 even on success): the renewal of the expired certificate
/// fails every night for five days; the failure is in the morning of the fifth. The web server
/// on the same host sends an unrelated TLS alert at the same second.
fn cert_renewal_failing_daily_2012r2() -> Case {
    let c = m("PC-ACC-031.corp.example", "172.16.8.31");
    let s = m("RDS-LEGACY.corp.example", "172.16.0.40");
    let mut w = World::new();
    w.success(&c, &s, 1, -5.0 * DAY, "mmeyer", false, 3_600.0);
    for d in 0..5 {
        w.classic(
            &s,
            TERMSERVICE,
            1058,
            -(5.0 - f64::from(d)) * DAY + 3.0 * HOUR - 6.0 * HOUR,
            &["The RPC server is unavailable.\r\n"],
            None,
            2,
        );
    }
    w.attempt(&c, "rds-legacy.corp.example", fail(2, 0.0, 2308, true, 1.1));
    host_handshake_failed(&mut w, &s, 2, 0.3, &c.ip);
    // IIS on the same host: a browser without a common cipher, at the same second.
    w.schannel(
        &s,
        36888,
        0.35,
        ev_named([
            ("AlertDesc", V::U32(40)),
            ("ErrorState", V::U32(1205)),
            ("TargetName", "".into()),
        ]),
    );
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::SYSTEM, Format::JsonPretty));
    Case {
        name: "cert_renewal_failing_daily_2012r2",
        about: "cert_expired: 2012 R2 host, 1058 nightly for 5 days, an IIS TLS alert at the failure second",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::CertExpired).evidence("rds-legacy", 1058),
            Expect::ok(client_guid(1)),
        ],
    }
}

// ==== private_key_access =========================================================================

/// A single secondary event: CAPI2 on the host shows TermService's svchost failing to acquire
/// the RDP certificate's private key (NTE_BAD_KEYSET). Nothing else explains the failure.
fn key_capi2_70_only() -> Case {
    let c = m("WKS-2290.contoso.lan", "10.20.5.90");
    let s = m("TS-HR02.contoso.lan", "10.20.1.32");
    let mut w = World::new();
    w.success(&c, &s, 1, -3.0 * HOUR, "asmith", true, 900.0);
    w.attempt(&c, "ts-hr02", fail(2, 0.0, 2308, true, 0.7));
    host_handshake_failed(&mut w, &s, 2, 0.2, &c.ip);
    let acquire = el("CryptAcquireCertificatePrivateKey")
        .child(
            el("Certificate")
                .attribute("fileRef", "0D4C6A1F2B3E4D5C6B7A8091A2B3C4D5E6F70819.cer")
                .attribute("subjectName", "TS-HR02.contoso.lan"),
        )
        .child(
            el("Flags")
                .attribute("value", "70000")
                .attribute("CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG", "true"),
        );
    let acquire =
        capi2_aux(acquire, "svchost.exe", 2).child(el("Result").attribute("value", "80090016"));
    let e = w.push(&s, channel::CAPI2, CAPI2, 70, 0.24, None, capi2(acquire));
    e.level = 2;
    Case {
        name: "key_capi2_70_only",
        about: "private_key_access: a single CAPI2 70 Result 80090016 on the host",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::PrivateKeyAccess)
                .evidence("ts-hr02", 70)
                .confidence(0.4, 0.9),
        ],
    }
}

/// Schannel 36870 (SEC_E_UNKNOWN_CREDENTIALS, state 10001) at each attempt and RCM 1057 three
/// days before with the Spanish "keyset does not exist"; the host's System log is an Event
/// Viewer export, the client's JSONL; the host's clock runs two minutes behind the client's.
fn key_schannel_36870_skewed_xml() -> Case {
    let c = m("PORTATIL-22.contoso.es", "192.168.50.22");
    let s = m("SRV-ESCRITORIO.contoso.es", "192.168.50.5");
    let mut w = World::new();
    w.skews.push((s.fqdn.clone(), -120.0));
    w.success(&c, &s, 1, -4.0 * DAY, "lgarcia", true, 7_200.0);
    w.classic(
        &s,
        TERMSERVICE,
        1057,
        -3.0 * DAY,
        &["El conjunto de claves no existe.\r\n"],
        None,
        2,
    )
    .message = Some(
        "El servidor host de sesión de Escritorio remoto no pudo crear un nuevo certificado autofirmado para usarlo en la autenticación del servidor en TLS. El código de estado era El conjunto de claves no existe."
            .into(),
    );
    for (k, t) in [(2u32, 0.0), (3, 2.5)] {
        w.attempt(&c, "srv-escritorio", fail(k, t, 2308, true, 0.5));
        host_handshake_failed(&mut w, &s, k, t + 0.2, &c.ip);
        w.schannel(
            &s,
            36870,
            t + 0.22,
            ev_named([
                ("Type", "server".into()),
                ("ErrorCode", V::Hex32(0x8009_030D)),
                ("ErrorStatus", V::U32(10001)),
            ]),
        );
    }
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::SYSTEM, Format::Xml));
    bundle.host_formats.push((c.fqdn.clone(), Format::Jsonl));
    Case {
        name: "key_schannel_36870_skewed_xml",
        about: "private_key_access: 36870/10001 per attempt, 1057 (Spanish) 3 days before, host clock -2 min, XML + JSONL",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::PrivateKeyAccess)
                .evidence("srv-escritorio", 36870),
            Expect::failed(client_guid(3), Cause::PrivateKeyAccess)
                .evidence("srv-escritorio", 36870),
            Expect::ok(client_guid(1)),
        ],
    }
}

#[allow(clippy::too_many_arguments)]
fn key_op(
    w: &mut World,
    s: &Machine,
    id: u16,
    t: f64,
    sid: &str,
    key: &str,
    path: Option<&str>,
    op: &str,
    code: u32,
) {
    let mut f: Vec<(String, V)> = vec![
        ("SubjectUserSid".into(), sid.into()),
        (
            "SubjectUserName".into(),
            if sid == "S-1-5-20" { "SRV$" } else { "SYSTEM" }.into(),
        ),
        ("SubjectDomainName".into(), "CONTOSO".into()),
        (
            "SubjectLogonId".into(),
            if sid == "S-1-5-20" { "0x3e4" } else { "0x3e7" }.into(),
        ),
        (
            "ProviderName".into(),
            "Microsoft Software Key Storage Provider".into(),
        ),
        ("AlgorithmName".into(), "RSA".into()),
        ("KeyName".into(), key.into()),
        ("KeyType".into(), "%%2499".into()),
    ];
    if let Some(p) = path {
        f.push(("KeyFilePath".into(), p.into()));
    }
    f.push(("Operation".into(), op.into()));
    f.push(("ReturnCode".into(), V::Hex32(code)));
    let e = w.push(
        s,
        channel::SECURITY,
        AUDIT,
        id,
        t,
        None,
        Body::Named(f, None),
    );
    e.level = 0;
    e.version = Some(if id == 5058 { 1 } else { 0 });
    e.keywords = if code == 0 {
        0x8020_0000_0000_0000
    } else {
        0x8010_0000_0000_0000
    };
}

/// Only the host's Security log (and the client's RDPClient log): reading the RDP key
/// `TSSecKeySet1` from MachineKeys fails with access denied at each attempt. Yesterday the
/// host created a new certificate key, whose first Open Key failed with the benign
/// NTE_BAD_KEYSET before the Create Key succeeded.
fn key_tsseckeyset_security_only() -> Case {
    let c = m("WKS-0007.fabrikam.local", "10.1.7.7");
    let s = m("JUMP01.fabrikam.local", "10.1.0.50");
    let mut w = World::new();
    let path = r"C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys\f686aace6942fb7f7ceb231212eef4a4_5d8b3e1c-0a4f-4b2e-9c71-2a6d4f8e0b13";
    w.success(&c, &s, 1, -DAY - 2.0 * HOUR, "kbauer", true, 600.0);
    // Yesterday's benign key creation (RdCertificateFactory), then the success.
    let factory = "RdCertificateFactory-Key1c9917e8-2343-4c44-95ef-f5405796479b";
    key_op(
        &mut w,
        &s,
        5061,
        -DAY - 3.0 * HOUR,
        "S-1-5-18",
        factory,
        None,
        "%%2480",
        0x8009_0016,
    );
    key_op(
        &mut w,
        &s,
        5061,
        -DAY - 3.0 * HOUR + 0.05,
        "S-1-5-18",
        factory,
        None,
        "%%2481",
        0,
    );
    for (k, t) in [(2u32, 0.0), (3, 40.0)] {
        w.attempt(&c, "jump01", fail(k, t, 2308, true, 0.6));
        key_op(
            &mut w,
            &s,
            5058,
            t + 0.25,
            "S-1-5-20",
            "TSSecKeySet1",
            Some(path),
            "%%2458",
            0x8007_0005,
        );
    }
    let mut bundle = w.finish();
    for chan in [channel::RDPCORETS, channel::RCM, channel::LSM] {
        bundle.dropped.push((s.fqdn.clone(), chan));
    }
    Case {
        name: "key_tsseckeyset_security_only",
        about: "private_key_access: only the host's Security log, 5058 TSSecKeySet1 access denied; benign 0x80090016 the day before",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::PrivateKeyAccess)
                .evidence("jump01", 5058)
                .remediation("f686aace6942fb7f7ceb231212eef4a4_5d8b3e1c"),
            Expect::failed(client_guid(3), Cause::PrivateKeyAccess).evidence("jump01", 5058),
        ],
    }
}

/// A busy host: thousands of file-server logons, other RDP users' permitted connections,
/// Defender signature updates, an unrelated service stopping and an IIS alert — and one user
/// failing on the RDP key (Schannel 36870 and 5061 Open Key NTE_BAD_KEYSET on TSSecKeySet1).
fn key_failure_in_a_flood() -> Case {
    let c = m("WKS-1100.contoso.lan", "10.20.11.100");
    let s = m("TS-SHARED.contoso.lan", "10.20.1.10");
    let others: Vec<Machine> = (0..12)
        .map(|k| {
            m(
                &format!("WKS-2{k:03}.contoso.lan"),
                &format!("10.20.12.{}", 10 + k),
            )
        })
        .collect();
    let mut w = World::new();
    w.success(&c, &s, 1, -6.0 * HOUR, "pnovak", true, 1_200.0);
    for k in 0..3_000u32 {
        let t = -3.0 * HOUR + f64::from(k) * 3.7;
        let o = &others[(k % 12) as usize];
        w.logon(
            &s,
            t,
            3,
            &format!("user{}", k % 40),
            o,
            "Kerberos",
            0x90_0000 + k,
        );
        let e = w.push(
            &s,
            channel::SECURITY,
            AUDIT,
            4634,
            t + 1.5,
            None,
            ev_named([
                (
                    "TargetUserSid",
                    "S-1-5-21-3623811015-3361044348-30300820-1201".into(),
                ),
                ("TargetUserName", format!("user{}", k % 40).into()),
                ("TargetDomainName", "CONTOSO".into()),
                ("TargetLogonId", V::Hex64(u64::from(0x90_0000 + k))),
                ("LogonType", V::U32(3)),
            ]),
        );
        e.level = 0;
    }
    // Other users' RDP sessions on the host, permitted by WFP.
    for (k, o) in others.iter().enumerate().take(8) {
        let t = -2.0 * HOUR + k as f64 * 600.0;
        w.host_success(&s, o, 100 + k as u32, t, &format!("user{k}"), true, 300.0);
        w.security(
            &s,
            5156,
            t + 0.15,
            ev_named([
                ("ProcessID", V::U32(1044)),
                (
                    "Application",
                    r"\device\harddiskvolume2\windows\system32\svchost.exe".into(),
                ),
                ("Direction", "%%14592".into()),
                ("SourceAddress", s.ip.as_str().into()),
                ("SourcePort", "3389".into()),
                ("DestAddress", o.ip.as_str().into()),
                ("DestPort", format!("{}", 50_100 + k).into()),
                ("Protocol", V::U32(6)),
                ("FilterRTID", V::U32(71_234)),
                ("LayerName", "%%14610".into()),
                ("LayerRTID", V::U32(44)),
                ("RemoteUserID", "S-1-0-0".into()),
                ("RemoteMachineID", "S-1-0-0".into()),
            ]),
        );
    }
    // Permitted RDP connections from other clients all along, some in the failure's seconds.
    for k in 0..2_000u32 {
        let t = -2.0 * HOUR + f64::from(k) * 3.61;
        let o = &others[(k % 12) as usize];
        w.security(
            &s,
            5156,
            t,
            ev_named([
                ("ProcessID", V::U32(1044)),
                (
                    "Application",
                    r"\device\harddiskvolume2\windows\system32\svchost.exe".into(),
                ),
                ("Direction", "%%14592".into()),
                ("SourceAddress", s.ip.as_str().into()),
                ("SourcePort", "3389".into()),
                ("DestAddress", o.ip.as_str().into()),
                ("DestPort", format!("{}", 49_152 + k % 16_000).into()),
                ("Protocol", V::U32(6)),
                ("FilterRTID", V::U32(71_234)),
                ("LayerName", "%%14610".into()),
                ("LayerRTID", V::U32(44)),
            ]),
        );
    }
    for k in 0..4 {
        w.push(
            &s,
            channel::DEFENDER,
            DEFENDER,
            5007,
            -3.0 * HOUR + f64::from(k) * 2_700.0,
            None,
            ev_named([
                ("Product Name", "%%827".into()),
                ("Product Version", "4.18.23100.2009".into()),
                ("Old Value", r"HKLM\SOFTWARE\Microsoft\Windows Defender\Signature Updates\SignaturesLastUpdated = 0x1DA16D4C5A1B2C3".into()),
                ("New Value", r"HKLM\SOFTWARE\Microsoft\Windows Defender\Signature Updates\SignaturesLastUpdated = 0x1DA16E1F0B2C3D4".into()),
            ]),
        );
    }
    w.scm(
        &s,
        7036,
        0.1,
        &["Windows Update", "stopped"],
        Some("wuauserv/1"),
    );
    w.schannel(
        &s,
        36888,
        1.0,
        ev_named([
            ("AlertDesc", V::U32(46)),
            ("ErrorState", V::U32(1203)),
            ("TargetName", "".into()),
        ]),
    );
    w.attempt(&c, "ts-shared", fail(2, 0.0, 2308, true, 0.6));
    host_handshake_failed(&mut w, &s, 2, 0.2, &c.ip);
    w.schannel(
        &s,
        36870,
        0.23,
        ev_named([
            ("Type", "server".into()),
            ("ErrorCode", V::Hex32(0x8009_0016)),
            ("ErrorStatus", V::U32(10001)),
        ]),
    );
    key_op(
        &mut w,
        &s,
        5061,
        0.22,
        "S-1-5-20",
        "TSSecKeySet1",
        None,
        "%%2480",
        0x8009_0016,
    );
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::SECURITY, Format::Jsonl));
    Case {
        name: "key_failure_in_a_flood",
        about: "private_key_access: 36870 + 5061 TSSecKeySet1 amid 6,000 logon records, other sessions, Defender updates, IIS alert",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::PrivateKeyAccess)
                .evidence("ts-shared", 36870)
                .evidence("ts-shared", 5061)
                .confidence(0.85, 0.99),
            Expect::ok(client_guid(1)),
        ],
    }
}

// ==== tls_mismatch ===============================================================================

/// Only the client: its own Schannel cannot create a client credential because the TLS
/// versions it needs are disabled by policy (36871, state 10013).
fn tls_client_36871_only() -> Case {
    let c = m("KIOSK-04.shop.example", "10.30.0.104");
    let mut w = World::new();
    w.attempt(&c, "10.30.0.5", fail(1, 0.0, 2308, true, 0.4));
    w.schannel(
        &c,
        36871,
        0.25,
        ev_named([("Type", "client".into()), ("ErrorState", V::U32(10013))]),
    );
    Case {
        name: "tls_client_36871_only",
        about: "tls_mismatch: client logs only, Schannel 36871 state 10013",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::TlsMismatch)
                .evidence("kiosk-04", 36871)
                .missing("of the server 10.30.0.5"),
        ],
    }
}

/// A Server 2022 host that accepts only TLS 1.2 with a short cipher list, reachable from the
/// Internet: scanners hit it at the same second as the real user, with their own Schannel
/// errors. The user's connection carries RdpCoreTS 139 SEC_E_ALGORITHM_MISMATCH.
fn tls_host_139_amid_scanners() -> Case {
    let c = m("HOMEPC.home.example", "203.0.113.45");
    let s = m("RDS-GW01.contoso.com", "198.51.100.20");
    let mut w = World::new();
    for k in 0..30u32 {
        let t = -20.0 + f64::from(k) * 1.3;
        let ip = format!("45.{}.{}.{}", 130 + k % 7, k * 3 % 250, 10 + k);
        w.scanner(&s, k, t, &ip);
        w.schannel(
            &s,
            36874,
            t + 0.05,
            ev_named([("Protocol", "TLS 1.0".into())]),
        );
        w.schannel(
            &s,
            36888,
            t + 0.06,
            ev_named([
                ("AlertDesc", V::U32(40)),
                ("ErrorState", V::U32(1205)),
                ("TargetName", "".into()),
            ]),
        );
    }
    w.attempt(&c, "rds-gw01.contoso.com", fail(1, 0.0, 2308, true, 0.5));
    let h = host_guid(1);
    w.accept(&s, h, 0.15, &c.ip, 61_022);
    w.corets(
        &s,
        139,
        0.2,
        Some(h),
        ev_named([
            ("ResultCode", V::Hex32(0x8009_0331)),
            ("IPString", c.ip.as_str().into()),
        ]),
    );
    w.teardown(&s, h, 0.25);
    let mut expect =
        vec![Expect::failed(client_guid(1), Cause::TlsMismatch).evidence("rds-gw01", 139)];
    expect.extend((0..30).map(|k| Expect::scanner(host_guid(90_000 + k))));
    Case {
        name: "tls_host_139_amid_scanners",
        about: "tls_mismatch: RdpCoreTS 139 0x80090331 while 30 scanners cause 36874/36888 in the same seconds",
        bundle: w.finish(),
        expect,
    }
}

/// A Windows 7-era client against a host that refuses its protocol version: the host sends
/// alert 70 and logs that no cipher suite of the client is supported; the host's clock is two
/// minutes ahead.
fn tls_protocol_version_skewed() -> Case {
    let c = m("OLDPC-12.contoso.lan", "10.20.30.12");
    let s = m("TS-SEC.contoso.lan", "10.20.1.60");
    let mut w = World::new();
    w.skews.push((s.fqdn.clone(), 121.5));
    w.host_success(
        &s,
        &m("WKS-0100.contoso.lan", "10.20.4.100"),
        9,
        -HOUR,
        "admin2",
        true,
        600.0,
    );
    w.success(&c, &s, 1, -30.0 * DAY, "olduser", true, 600.0);
    w.attempt(&c, "ts-sec", fail(2, 0.0, 2308, true, 0.3));
    host_handshake_failed(&mut w, &s, 2, 0.1, &c.ip);
    w.schannel(&s, 36874, 0.12, ev_named([("Protocol", "TLS 1.0".into())]));
    w.schannel(
        &s,
        36888,
        0.13,
        ev_named([
            ("AlertDesc", V::U32(70)),
            ("ErrorState", V::U32(105)),
            ("TargetName", "".into()),
        ]),
    );
    Case {
        name: "tls_protocol_version_skewed",
        about: "tls_mismatch: 36874 + 36888 alert 70 on a host whose clock is 2 min ahead",
        bundle: w.finish(),
        expect: vec![Expect::failed(client_guid(2), Cause::TlsMismatch).evidence("ts-sec", 36874)],
    }
}

// ==== credssp_nla ================================================================================

/// The client refuses the host's CredSSP version (Encryption Oracle Remediation): LsaSrv 6041
/// in the client's System log; the host only saw a handshake that stopped.
fn credssp_6041_client_system() -> Case {
    let c = m("WKS-PATCHED.contoso.lan", "10.20.7.41");
    let s = m("TS-UNPATCHED.contoso.lan", "10.20.1.41");
    let mut w = World::new();
    w.attempt(&c, "ts-unpatched", fail(1, 0.0, 2308, true, 1.3));
    host_handshake_failed(&mut w, &s, 1, 0.2, &c.ip);
    w.tls_ok(&s, host_guid(1), 0.4);
    w.classic(
        &c,
        LSASRV,
        6041,
        1.0,
        &["TERMSRV/ts-unpatched", "2"],
        None,
        2,
    );
    Case {
        name: "credssp_6041_client_system",
        about: "credssp_nla: LsaSrv 6041 on the client, host shows TLS done and nothing after",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::CredsspNla)
                .evidence("wks-patched", 6041)
                .not_against(153),
        ],
    }
}

/// The client cannot do NLA: mstsc gives up with reason 2825 and LsaSrv 40961 says no
/// authentication protocol was available for the TERMSRV SPN. Only the client's logs.
fn credssp_nla_unsupported_client_only() -> Case {
    let c = m("THINCLIENT-9.contoso.lan", "10.20.40.9");
    let mut w = World::new();
    w.attempt(&c, "ts-fin01.contoso.lan", fail(1, 0.0, 2825, true, 0.9));
    let e = w.push(
        &c,
        channel::SYSTEM,
        LSASRV,
        40961,
        0.6,
        None,
        ev_named([("Target", "TERMSRV/ts-fin01.contoso.lan".into())]),
    );
    e.qualifiers = Some(0);
    e.level = 3;
    Case {
        name: "credssp_nla_unsupported_client_only",
        about: "credssp_nla: client 1026 reason 2825 + LsaSrv 40961 TERMSRV SPN",
        bundle: w.finish(),
        expect: vec![Expect::failed(client_guid(1), Cause::CredsspNla)],
    }
}

// ==== security_software ==========================================================================

/// The host accepted the TCP connection and the socket was reset before the RDP stack created
/// its connection object, while the endpoint product logged (in German) that it blocked the
/// inbound RDP connection.
fn av_reset_after_accept_de() -> Case {
    let c = m("NB-VERTRIEB-3.contoso.de", "10.40.3.33");
    let s = m("TS-VERTRIEB.contoso.de", "10.40.0.10");
    let mut w = World::new();
    w.success(&c, &s, 1, -2.0 * DAY, "hschulz", true, 3_000.0);
    w.attempt(&c, "ts-vertrieb", fail(2, 0.0, 2308, true, 0.2));
    let h = host_guid(2);
    w.corets(
        &s,
        131,
        0.1,
        Some(h),
        ev_named([
            ("ConnType", "TCP".into()),
            ("ClientIP", format!("{}:52811", c.ip).into()),
        ]),
    );
    w.rcm(
        &s,
        261,
        0.104,
        Some(h),
        Body::EventXml(vec![("listenerName".into(), "RDP-Tcp".into())]),
    );
    w.corets(&s, 143, 0.13, Some(h), ev_named([("error", V::U32(64))]));
    w.corets(&s, 102, 0.15, Some(h), Body::None);
    let e = w.push(
        &s,
        channel::APPLICATION,
        Provider {
            name: "ESET Security",
            guid: None,
            source: Some("ESET Security"),
        },
        2,
        0.12,
        None,
        Body::Classic(
            vec![format!(
                "Eingehende Verbindung von {} an Port 3389 wurde blockiert (Netzwerkangriffsschutz: RDP.BruteForce)",
                c.ip
            )],
            None,
        ),
    );
    e.qualifiers = Some(0);
    e.level = 3;
    e.version = Some(0);
    Case {
        name: "av_reset_after_accept_de",
        about: "security_software: 131 then 143 before 65/72, vendor block message in German",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::SecuritySoftware),
            Expect::ok(client_guid(1)),
        ],
    }
}

/// Windows 11 / Server 2022 WFP 5157 (version 3) naming the third-party filter that blocked
/// the inbound connection.
fn av_wfp_filter_origin() -> Case {
    let c = m("WKS-3310.contoso.lan", "10.20.33.10");
    let s = m("TS-ENG01.contoso.lan", "10.20.1.70");
    let mut w = World::new();
    w.success(&c, &s, 1, -5.0 * HOUR, "rkhan", true, 2_000.0);
    w.attempt(&c, "ts-eng01", fail(2, 0.0, 516, false, 21.0));
    for k in 0..3 {
        let e = w.push(
            &s,
            channel::SECURITY,
            AUDIT,
            5157,
            0.05 + f64::from(k) * 3.0,
            None,
            ev_named([
                ("ProcessID", V::U32(0)),
                ("Application", "-".into()),
                ("Direction", "%%14592".into()),
                ("SourceAddress", s.ip.as_str().into()),
                ("SourcePort", "3389".into()),
                ("DestAddress", c.ip.as_str().into()),
                ("DestPort", "55120".into()),
                ("Protocol", V::U32(6)),
                ("FilterRTID", V::U32(88_412)),
                ("LayerName", "%%14610".into()),
                ("LayerRTID", V::U32(44)),
                ("RemoteUserID", "S-1-0-0".into()),
                ("RemoteMachineID", "S-1-0-0".into()),
                ("InterfaceIndex", V::U32(7)),
                ("FilterOrigin", "Trellix Endpoint Security Firewall".into()),
                ("OriginalProfile", "Domain".into()),
                ("CurrentProfile", "Domain".into()),
                ("IsLoopback", "false".into()),
                ("HasRemoteDynamicKeywordAddress", "false".into()),
            ]),
        );
        e.level = 0;
        e.version = Some(3);
        e.keywords = 0x8010_0000_0000_0000;
    }
    Case {
        name: "av_wfp_filter_origin",
        about: "security_software: WFP 5157 v3 FilterOrigin = third-party firewall, client 516",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::SecuritySoftware).evidence("ts-eng01", 5157),
        ],
    }
}

// ==== firewall_block =============================================================================

/// Server 2012 R2: the built-in Remote Desktop rule was disabled (2005, Active 0) three days
/// before; attempts no longer reach the host. Host Firewall and client logs are XML exports.
fn firewall_rule_disabled_2012r2() -> Case {
    let c = m("WKS-0815.contoso.lan", "10.20.8.15");
    let s = m("APP-OLD.contoso.lan", "10.20.1.80");
    let mut w = World::new();
    w.success(&c, &s, 1, -4.0 * DAY, "tmueller", false, 1_000.0);
    w.host_success(
        &s,
        &m("WKS-0900.contoso.lan", "10.20.9.0"),
        7,
        -2.0 * HOUR,
        "ops",
        false,
        900.0,
    );
    w.push(
        &s,
        channel::FIREWALL,
        FIREWALL,
        2005,
        -3.0 * DAY,
        None,
        ev_named([
            ("RuleId", "RemoteDesktop-UserMode-In-TCP".into()),
            ("RuleName", "Remote Desktop - User Mode (TCP-In)".into()),
            ("Origin", V::U32(1)),
            (
                "ApplicationPath",
                r"%SystemRoot%\system32\svchost.exe".into(),
            ),
            ("ServiceName", "termservice".into()),
            ("Direction", V::U32(1)),
            ("Protocol", V::U32(6)),
            ("LocalPorts", "3389".into()),
            ("RemotePorts", "*".into()),
            ("Action", V::U32(3)),
            ("Profiles", V::U32(2_147_483_647)),
            ("LocalAddresses", "*".into()),
            ("RemoteAddresses", "*".into()),
            ("RemoteMachineAuthorizationList", "".into()),
            ("RemoteUserAuthorizationList", "".into()),
            ("EmbeddedContext", "@FirewallAPI.dll,-28752".into()),
            ("Flags", V::U32(1)),
            ("Active", V::U32(0)),
            ("EdgeTraversal", V::U32(0)),
            ("LooseSourceMapped", V::U32(0)),
            ("SecurityOptions", V::U32(0)),
            (
                "ModifyingUser",
                "S-1-5-21-3623811015-3361044348-30300820-500".into(),
            ),
            (
                "ModifyingApplication",
                r"C:\Windows\System32\mmc.exe".into(),
            ),
            ("SchemaVersion", V::U32(521)),
            ("RuleStatus", V::U32(65_536)),
            ("LocalOnlyMapped", V::U32(0)),
        ]),
    );
    for (k, t) in [(2u32, 0.0), (3, 35.0)] {
        w.attempt(&c, "app-old", fail(k, t, 516, false, 21.0));
    }
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::FIREWALL, Format::Xml));
    bundle.host_formats.push((c.fqdn.clone(), Format::Xml));
    Case {
        name: "firewall_rule_disabled_2012r2",
        about: "firewall_block: 2005 Remote Desktop rule disabled 3 days before, attempts never reach the host (XML)",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::FirewallBlock)
                .evidence("app-old", 2005)
                .remediation("Restore the firewall rule 'Remote Desktop - User Mode (TCP-In)'"),
            Expect::failed(client_guid(3), Cause::FirewallBlock),
        ],
    }
}

/// The host's pfirewall.log (local time, UTC+1) shows the user's SYNs dropped on 3389; an
/// earlier allowed connection is also in it. No Security or Firewall channel collected.
fn firewall_pfirewall_log_drops() -> Case {
    let c = m("WKS-5521.contoso.lan", "10.50.5.21");
    let s = m("TS-LAGER.contoso.lan", "10.50.0.30");
    let mut w = World::new();
    w.success(&c, &s, 1, -3.0 * HOUR, "nkoch", true, 1_500.0);
    w.host_success(
        &s,
        &m("WKS-5530.contoso.lan", "10.50.5.30"),
        8,
        -HOUR,
        "lager",
        true,
        400.0,
    );
    w.attempt(&c, "ts-lager", fail(2, 0.0, 516, false, 21.0));
    let local = |t: f64| {
        (at(t) + chrono::Duration::hours(1))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let mut log = String::from(
        "#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\r\n\r\n",
    );
    log.push_str(&format!(
        "{} ALLOW TCP {} {} 50001 3389 0 - 0 0 0 - - - RECEIVE\r\n",
        local(-3.0 * HOUR + 0.2),
        c.ip,
        s.ip
    ));
    log.push_str(&format!(
        "{} ALLOW TCP 10.50.5.30 {} 50008 3389 0 - 0 0 0 - - - RECEIVE\r\n",
        local(-HOUR + 0.2),
        s.ip
    ));
    // The SYN and its retransmissions (1 s, 2 s, 4 s apart).
    for t in [0.02, 1.02, 3.02, 7.02] {
        log.push_str(&format!(
            "{} DROP TCP {} {} 55310 3389 52 S 1882340071 0 64240 - - - RECEIVE\r\n",
            local(t),
            c.ip,
            s.ip
        ));
    }
    let mut bundle = w.finish();
    bundle.files.push(("TS-LAGER/pfirewall.log".into(), log));
    Case {
        name: "firewall_pfirewall_log_drops",
        about: "firewall_block: pfirewall.log DROP lines (local time UTC+1), no Security log",
        bundle,
        expect: vec![Expect::failed(client_guid(2), Cause::FirewallBlock).evidence("ts-lager", 1)],
    }
}

/// Competing causes: a block rule for 3389 added yesterday (Windows Server 2022: 2097, Action
/// 2) and the user's SYNs dropped now (5152), next to an RCM 1058 from thirteen days ago.
fn firewall_block_rule_2022_beside_old_cert_error() -> Case {
    let c = m("WKS-7001.contoso.lan", "10.20.70.1");
    let s = m("TS-2022.contoso.lan", "10.20.1.22");
    let mut w = World::new();
    w.success(&c, &s, 1, -2.0 * DAY, "bwhite", true, 3_600.0);
    w.classic(
        &s,
        TERMSERVICE,
        1058,
        -13.0 * DAY,
        &["Unspecified error\r\n"],
        None,
        2,
    );
    w.push(
        &s,
        channel::FIREWALL,
        FIREWALL,
        2097,
        -DAY + 2.0 * HOUR,
        None,
        ev_named([
            ("RuleId", "{7B2E3C4D-1A2B-4C3D-8E9F-0A1B2C3D4E5F}".into()),
            ("RuleName", "IR - deny inbound 3389".into()),
            ("Origin", V::U32(1)),
            ("ApplicationPath", "".into()),
            ("ServiceName", "".into()),
            ("Direction", V::U32(1)),
            ("Protocol", V::U32(6)),
            ("LocalPorts", "3389".into()),
            ("RemotePorts", "*".into()),
            ("Action", V::U32(2)),
            ("Profiles", V::U32(2_147_483_647)),
            ("LocalAddresses", "*".into()),
            ("RemoteAddresses", "10.20.0.0/16".into()),
            ("RemoteMachineAuthorizationList", "".into()),
            ("RemoteUserAuthorizationList", "".into()),
            ("EmbeddedContext", "".into()),
            ("Flags", V::U32(1)),
            ("Active", V::U32(1)),
            ("EdgeTraversal", V::U32(0)),
            ("LooseSourceMapped", V::U32(0)),
            ("SecurityOptions", V::U32(0)),
            (
                "ModifyingUser",
                "S-1-5-21-3623811015-3361044348-30300820-500".into(),
            ),
            (
                "ModifyingApplication",
                r"C:\Windows\System32\wbem\WmiPrvSE.exe".into(),
            ),
            ("SchemaVersion", V::U32(542)),
            ("RuleStatus", V::U32(65_536)),
            ("LocalOnlyMapped", V::U32(0)),
            ("PolicyAppId", "".into()),
        ]),
    );
    w.attempt(&c, "ts-2022", fail(2, 0.0, 516, false, 21.0));
    for k in 0..3 {
        let e = w.push(
            &s,
            channel::SECURITY,
            AUDIT,
            5152,
            0.01 + f64::from(k) * 3.0,
            None,
            ev_named([
                ("ProcessId", V::U32(0)),
                ("Application", "-".into()),
                ("Direction", "%%14592".into()),
                ("SourceAddress", c.ip.as_str().into()),
                ("SourcePort", "60211".into()),
                ("DestAddress", s.ip.as_str().into()),
                ("DestPort", "3389".into()),
                ("Protocol", V::U32(6)),
                ("FilterRTID", V::U32(91_822)),
                ("LayerName", "%%14597".into()),
                ("LayerRTID", V::U32(13)),
            ]),
        );
        e.level = 0;
        e.keywords = 0x8010_0000_0000_0000;
    }
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::FIREWALL, Format::JsonlStrings));
    Case {
        name: "firewall_block_rule_2022_beside_old_cert_error",
        about: "firewall_block: 2097 block rule (strings JSONL) + 5152 drops now vs a 13-day-old 1058",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::FirewallBlock)
                .evidence("ts-2022", 5152)
                .not_evidence(1058),
        ],
    }
}

// ==== gateway_cert_mismatch ======================================================================

/// Only the client, re-exported with every number as a string: the gateway disconnect reason.
fn gateway_reason_only_strings() -> Case {
    let c = m("HOMEOFFICE-17.contoso.lan", "192.168.178.34");
    let mut w = World::new();
    w.attempt(
        &c,
        "ts-fin01.contoso.lan",
        fail(1, 0.0, 50_331_654, true, 1.4),
    );
    let mut bundle = w.finish();
    bundle
        .host_formats
        .push((c.fqdn.clone(), Format::JsonlStrings));
    Case {
        name: "gateway_reason_only_strings",
        about: "gateway_cert_mismatch: 1026 Value \"50331654\" as text, client only",
        bundle,
        expect: vec![Expect::failed(client_guid(1), Cause::GatewayCertMismatch)],
    }
}

/// The gateway's certificate does not hold the name the client asked for: Schannel 36884 and
/// CAPI2 30 CERT_E_CN_NO_MATCH on the client, then reason 0x3000003.
fn gateway_name_mismatch_36884_capi2() -> Case {
    let c = m("NB-REMOTE-2.contoso.lan", "192.168.1.50");
    let mut w = World::new();
    w.attempt(
        &c,
        "ts-fin01.contoso.lan",
        fail(1, 0.0, 50_331_651, true, 2.2),
    );
    w.schannel(
        &c,
        36884,
        1.1,
        ev_named([("Name", "rdgw.contoso.com".into())]),
    );
    let policy = el("CertVerifyCertificateChainPolicy")
        .child(
            el("Policy")
                .attribute("type", "CERT_CHAIN_POLICY_SSL")
                .attribute("constant", "4"),
        )
        .child(
            el("Certificate")
                .attribute("fileRef", "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678.cer")
                .attribute("subjectName", "gw.contoso-legacy.com"),
        )
        .child(el("Flags").attribute("value", "0"));
    let policy =
        capi2_aux(policy, "mstsc.exe", 7).child(el("Result").attribute("value", "800B010F"));
    let e = w.push(&c, channel::CAPI2, CAPI2, 30, 1.05, None, capi2(policy));
    e.level = 2;
    Case {
        name: "gateway_name_mismatch_36884_capi2",
        about: "gateway_cert_mismatch: 36884 + CAPI2 30 800B010F + reason 0x3000003",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::GatewayCertMismatch)
                .evidence("nb-remote-2", 36884),
        ],
    }
}

// ==== network ====================================================================================

/// A 20-minute session drops when the client's VPN goes down: RasClient 20226 and a network
/// disconnect on the client, TermDD 56 STATUS_IO_TIMEOUT and a socket error on the host.
fn network_vpn_drop_mid_session() -> Case {
    let c = m("NB-FIELD-08.contoso.lan", "10.99.0.58");
    let s = m("TS-CRM.contoso.lan", "10.20.1.90");
    let mut w = World::new();
    w.attempt(
        &c,
        "ts-crm",
        Attempt {
            activity: client_guid(1),
            start: 0.0,
            connected: true,
            logged_on: true,
            duration: 1_215.0,
            reason: 2308,
        },
    );
    let h = host_guid(1);
    w.accept(&s, h, 0.2, &c.ip, 50_877);
    w.tls_ok(&s, h, 0.3);
    w.session(&s, h, 0.9, "fwagner", &c, 4, true);
    let ras = w.push(
        &c,
        channel::APPLICATION,
        RASCLIENT,
        20226,
        1_200.0,
        None,
        Body::Classic(
            vec![
                "{7f3e9a10-3c2b-4d1e-9f8a-0b1c2d3e4f50}".into(),
                "CONTOSO-VPN".into(),
                "The connection was terminated by the remote computer before it could be completed.".into(),
            ],
            None,
        ),
    );
    ras.qualifiers = Some(0);
    ras.level = 4;
    w.push(
        &c,
        channel::NETWORK_PROFILE,
        NETWORK_PROFILE,
        10001,
        1_201.0,
        None,
        ev_named([
            ("Name", "CONTOSO-VPN".into()),
            ("Description", "CONTOSO-VPN".into()),
            ("Type", V::U32(0)),
            ("State", V::U32(0)),
            ("Category", V::U32(2)),
        ]),
    );
    w.corets(&s, 142, 1_213.0, Some(h), ev_named([("error", V::U32(64))]));
    w.classic(
        &s,
        TERMDD,
        56,
        1_213.1,
        &["\\Device\\Termdd", &c.ip],
        Some(termdd_packet(0xC00A_0038, 0xC000_00B5)),
        2,
    )
    .qualifiers = Some(49162);
    w.teardown(&s, h, 1_213.2);
    w.lsm(
        &s,
        24,
        1_213.3,
        Some(h),
        Body::EventXml(vec![
            ("User".into(), "CONTOSO\\fwagner".into()),
            ("SessionID".into(), V::U32(4)),
            ("Address".into(), c.ip.as_str().into()),
        ]),
    );
    w.lsm(
        &s,
        40,
        1_213.35,
        Some(h),
        Body::EventXml(vec![
            ("Session".into(), V::U32(4)),
            ("Reason".into(), V::U32(0)),
        ]),
    );
    Case {
        name: "network_vpn_drop_mid_session",
        about: "network: VPN drop (RasClient 20226, NetworkProfile 10001) 20 min into a session, TermDD 56 IO timeout",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::Network)
                .evidence("ts-crm", 56)
                .evidence("nb-field-08", 20226),
        ],
    }
}

/// Flaky Wi-Fi: three retries two seconds apart, DNS timeouts for the host's name and the
/// network dropping and returning on the client; each attempt reaches the host and the socket
/// fails.
fn network_retries_two_seconds_apart() -> Case {
    let c = m("TABLET-03.contoso.lan", "10.60.3.3");
    let s = m("TS-LAB.contoso.lan", "10.60.0.10");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "cmartin", true, 600.0);
    w.push(
        &c,
        channel::NETWORK_PROFILE,
        NETWORK_PROFILE,
        10001,
        -8.0,
        None,
        ev_named([
            ("Name", "LAB-WIFI".into()),
            ("Description", "LAB-WIFI".into()),
            ("Type", V::U32(0)),
            ("State", V::U32(0)),
            ("Category", V::U32(1)),
        ]),
    );
    w.push(
        &c,
        channel::NETWORK_PROFILE,
        NETWORK_PROFILE,
        10000,
        -3.0,
        None,
        ev_named([
            ("Name", "LAB-WIFI".into()),
            ("Description", "LAB-WIFI".into()),
            ("Type", V::U32(0)),
            ("State", V::U32(1)),
            ("Category", V::U32(1)),
        ]),
    );
    for (k, t) in [(2u32, 0.0), (3, 2.0), (4, 4.0)] {
        let dns = w.push(
            &c,
            channel::SYSTEM,
            DNS_CLIENT,
            1014,
            t - 0.5,
            None,
            ev_named([
                ("QueryName", "ts-lab.contoso.lan".into()),
                ("AddressLength", V::U32(128)),
                (
                    "Address",
                    "02000000AC10000A000000000000000002000000AC10000B0000000000000000".into(),
                ),
            ]),
        );
        dns.level = 3;
        w.attempt(&c, "ts-lab", fail(k, t, 2308, true, 1.6));
        let h = host_guid(k);
        w.accept(&s, h, t + 0.3, &c.ip, 49_700 + k as u16);
        w.corets(&s, 142, t + 1.4, Some(h), ev_named([("error", V::U32(64))]));
        w.corets(
            &s,
            226,
            t + 1.41,
            Some(h),
            ev_named([
                ("StateTransition", "RDP_TCP".into()),
                ("PreviousState", V::U32(5)),
                ("PreviousStateName", "StateUnknown".into()),
                ("NewState", V::U32(9)),
                ("NewStateName", "StateDisconnected".into()),
                ("Event", V::U32(11)),
                ("EventName", "Event_Disconnect".into()),
                ("ErrorCode", V::Hex32(0x8007_0040)),
            ]),
        );
        w.teardown(&s, h, t + 1.45);
    }
    Case {
        name: "network_retries_two_seconds_apart",
        about: "network: 3 retries 2 s apart, DNS 1014 for the host, network drop/return, host socket errors",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::Network).evidence("tablet-03", 1014),
            Expect::failed(client_guid(3), Cause::Network),
            Expect::failed(client_guid(4), Cause::Network),
            Expect::ok(client_guid(1)),
        ],
    }
}

// ==== service_unavailable ========================================================================

/// TermService stopped ten minutes before (7036, German texts, `Binary` "TermService/1");
/// another service stops at the very second of the failure.
fn termservice_stopped_de() -> Case {
    let c = m("WKS-1980.contoso.de", "10.40.19.80");
    let s = m("TS-BUCHHALTUNG.contoso.de", "10.40.0.20");
    let mut w = World::new();
    w.success(&c, &s, 1, -3.0 * HOUR, "akaiser", true, 1_800.0);
    w.scm(
        &s,
        7036,
        -600.0,
        &["Remotedesktopdienste", "beendet"],
        Some("TermService/1"),
    );
    w.scm(
        &s,
        7036,
        0.3,
        &["Windows Update", "beendet"],
        Some("wuauserv/1"),
    );
    w.attempt(&c, "ts-buchhaltung", fail(2, 0.0, 516, false, 2.0));
    Case {
        name: "termservice_stopped_de",
        about: "service_unavailable: 7036 \"beendet\" with Binary TermService/1; another 7036 at the failure",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::ServiceUnavailable)
                .evidence("ts-buchhaltung", 7036),
        ],
    }
}

/// TermService set to Disabled and stopped (Japanese texts); the user tries again over three
/// days, minutes apart.
fn termservice_disabled_over_days_ja() -> Case {
    let c = m("PC-TOKYO-12.contoso.jp", "10.81.0.12");
    let s = m("TS-TOKYO.contoso.jp", "10.81.0.2");
    let mut w = World::new();
    w.success(&c, &s, 1, -2.0 * DAY, "tanaka", true, 3_000.0);
    w.scm(
        &s,
        7040,
        -DAY - 2.0 * HOUR,
        &[
            "リモート デスクトップ サービス",
            "要求による開始",
            "無効",
            "TermService",
        ],
        None,
    );
    w.scm(
        &s,
        7036,
        -DAY - 2.0 * HOUR + 4.0,
        &["リモート デスクトップ サービス", "停止"],
        Some("TermService/1"),
    );
    // The System log goes on: Windows Update starting and stopping every few hours.
    for k in 0..24 {
        let t = -DAY - HOUR + f64::from(k) * 3.0 * HOUR;
        w.scm(
            &s,
            7036,
            t,
            &["Windows Update", "実行中"],
            Some("wuauserv/4"),
        );
        w.scm(
            &s,
            7036,
            t + 600.0,
            &["Windows Update", "停止"],
            Some("wuauserv/1"),
        );
    }
    let times = [
        -DAY + 60.0,
        -DAY + 300.0,
        6.0 * HOUR,
        DAY + 9.0 * HOUR,
        DAY + 9.0 * HOUR + 120.0,
    ];
    for (k, t) in times.iter().enumerate() {
        w.attempt(&c, "ts-tokyo", fail(2 + k as u32, *t, 516, false, 2.0));
    }
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::SYSTEM, Format::Xml));
    Case {
        name: "termservice_disabled_over_days_ja",
        about: "service_unavailable: 7040 → 無効 and 7036 停止, five failures over three days",
        bundle,
        expect: (0..5)
            .map(|k| {
                Expect::failed(client_guid(2 + k), Cause::ServiceUnavailable)
                    .evidence("ts-tokyo", 7036)
            })
            .collect(),
    }
}

// ==== domain_trust ===============================================================================

/// NLA fails on the host with STATUS_TRUSTED_RELATIONSHIP_FAILURE (4625 type 3) while another
/// user mistypes a password from another address at the same second; a console user is logged
/// on (LSM 21 with the Turkish "YEREL").
fn trust_4625_trust_failure() -> Case {
    let c = m("WKS-ANK-04.contoso.com.tr", "10.70.4.4");
    let s = m("TS-ANKARA.contoso.com.tr", "10.70.0.5");
    let mut w = World::new();
    w.logon_v3 = true;
    w.success(&c, &s, 1, -DAY, "ayilmaz", true, 600.0);
    w.lsm(
        &s,
        21,
        -50.0,
        Some(0x61a5_5000_55e5_1017_0000_0000_0000_0000),
        Body::EventXml(vec![
            ("User".into(), "TS-ANKARA\\Administrator".into()),
            ("SessionID".into(), V::U32(1)),
            ("Address".into(), "YEREL".into()),
        ]),
    );
    w.attempt(&c, "ts-ankara", fail(2, 0.0, 2308, true, 1.9));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 50_212);
    w.tls_ok(&s, h, 0.3);
    w.logon_failed(
        &s,
        1.0,
        3,
        "ayilmaz",
        &c.ip,
        "WKS-ANK-04",
        0xC000_018D,
        0,
        "%%2304",
    );
    w.logon_failed(
        &s,
        1.0,
        3,
        "mdemir",
        "10.70.9.99",
        "WKS-ANK-99",
        0xC000_006D,
        0xC000_006A,
        "%%2313",
    );
    w.logon_failed(
        &s,
        1.4,
        3,
        "mdemir",
        "10.70.9.99",
        "WKS-ANK-99",
        0xC000_006D,
        0xC000_006A,
        "%%2313",
    );
    w.teardown(&s, h, 1.7);
    Case {
        name: "trust_4625_trust_failure",
        about: "domain_trust: 4625 0xC000018D, another user's bad passwords the same second, console YEREL",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::DomainTrust).evidence("ts-ankara", 4625),
            Expect::ok(client_guid(1)),
        ],
    }
}

/// The host lost its secure channel: NETLOGON 3210 and 5719 hours before, RCM 1067 (French)
/// could not register the SPN; the Security log was not collected.
fn trust_netlogon_without_security_fr() -> Case {
    let c = m("PC-LYON-07.contoso.fr", "10.33.7.7");
    let s = m("TS-LYON.contoso.fr", "10.33.0.9");
    let mut w = World::new();
    w.success(&c, &s, 1, -3.0 * DAY, "jmartin", true, 1_200.0);
    w.classic(
        &s,
        NETLOGON,
        5719,
        -4.0 * HOUR,
        &["CONTOSO", "%%1311"],
        Some(vec![0x5E, 0, 0, 0xC0]),
        2,
    );
    w.classic(
        &s,
        NETLOGON,
        3210,
        -3.0 * HOUR,
        &["CONTOSO", "\\\\DC02.contoso.fr"],
        None,
        2,
    );
    w.classic(
        &s,
        TERMSERVICE,
        1067,
        -3.0 * HOUR + 30.0,
        &["Le domaine spécifié n’existe pas ou n’a pas pu être contacté.\r\n"],
        None,
        3,
    )
    .qualifiers = Some(49152);
    w.attempt(&c, "ts-lyon", fail(2, 0.0, 2308, true, 2.4));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 50_333);
    w.tls_ok(&s, h, 0.3);
    w.teardown(&s, h, 2.2);
    let mut bundle = w.finish();
    bundle.dropped.push((s.fqdn.clone(), channel::SECURITY));
    Case {
        name: "trust_netlogon_without_security_fr",
        about: "domain_trust: NETLOGON 3210/5719 hours before, 1067 in French, no Security log",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::DomainTrust)
                .evidence("ts-lyon", 3210)
                .missing("Security log of TS-LYON.contoso.fr (Logon auditing"),
        ],
    }
}

// ==== session_stuck ==============================================================================

/// An older build: LSM records without Correlation and RCM 1149 with Correlation null. The
/// user authenticates, arbitration of their session begins and never ends; LSM had already
/// reported an RCM transition taking too long.
fn stuck_arbitration_without_correlation() -> Case {
    let c = m("WKS-0333.contoso.lan", "10.20.3.33");
    let s = m("TS-OLDBUILD.contoso.lan", "10.20.1.33");
    let mut w = World::new();
    w.lsm(
        &s,
        51,
        -1_800.0,
        None,
        Body::EventXml(vec![("Session".into(), V::U32(3))]),
    );
    w.lsm(
        &s,
        52,
        -900.0,
        None,
        Body::EventXml(vec![("Session".into(), V::U32(3))]),
    );
    w.attempt(&c, "ts-oldbuild", fail(1, 0.0, 2308, true, 62.0));
    let h = host_guid(1);
    w.accept(&s, h, 0.2, &c.ip, 50_444);
    w.tls_ok(&s, h, 0.3);
    w.logon(&s, 0.9, 3, "dlee", &c, "NtLmSsp ", 0x51_0001);
    w.rcm(
        &s,
        1149,
        1.1,
        None,
        Body::EventXml(vec![
            ("Param1".into(), "dlee".into()),
            ("Param2".into(), "CONTOSO".into()),
            ("Param3".into(), c.ip.as_str().into()),
        ]),
    );
    w.lsm(
        &s,
        41,
        1.4,
        None,
        Body::EventXml(vec![
            ("User".into(), "CONTOSO\\dlee".into()),
            ("SessionID".into(), V::U32(3)),
        ]),
    );
    w.teardown(&s, h, 61.5);
    Case {
        name: "stuck_arbitration_without_correlation",
        about: "session_stuck: LSM 51/52 earlier, 41 without 42/21/25; LSM and 1149 without Correlation",
        bundle: w.finish(),
        expect: vec![Expect::failed(client_guid(1), Cause::SessionStuck)],
    }
}

/// TermDD reports STATUS_INVALID_DEVICE_STATE for the client and the service timed out on a
/// transaction an hour before.
fn stuck_termdd_invalid_state() -> Case {
    let c = m("WKS-4410.contoso.lan", "10.20.44.10");
    let s = m("TS-CALL.contoso.lan", "10.20.1.44");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "vrossi", true, 900.0);
    w.scm(&s, 7011, -HOUR, &["30000", "TermService"], None);
    w.attempt(&c, "ts-call", fail(2, 0.0, 2308, true, 1.2));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 50_555);
    w.tls_ok(&s, h, 0.3);
    w.classic(
        &s,
        TERMDD,
        56,
        0.9,
        &["\\Device\\Termdd", &c.ip],
        Some(termdd_packet(0xC00A_0038, 0xC000_0184)),
        2,
    )
    .qualifiers = Some(49162);
    w.teardown(&s, h, 1.0);
    Case {
        name: "stuck_termdd_invalid_state",
        about: "session_stuck: TermDD 56 0xC0000184 + SCM 7011 for TermService an hour before",
        bundle: w.finish(),
        expect: vec![Expect::failed(client_guid(2), Cause::SessionStuck).evidence("ts-call", 56)],
    }
}

// ==== logon_denied ===============================================================================

/// NLA with a wrong password (4625 type 3, 0xC000006A) while a brute-forcer hammers the host
/// from the Internet with other user names at the same time.
fn logon_bad_password_amid_bruteforce() -> Case {
    let c = m("WKS-2525.contoso.lan", "10.20.25.25");
    let s = m("TS-PUBLIC.contoso.lan", "10.20.1.99");
    let mut w = World::new();
    w.success(&c, &s, 1, -HOUR, "ebrown", true, 300.0);
    for k in 0..20u32 {
        let t = -10.0 + f64::from(k) * 1.1;
        w.logon_failed(
            &s,
            t,
            3,
            &format!("admin{k}"),
            "185.220.101.4",
            "-",
            0xC000_006D,
            0xC000_0064,
            "%%2313",
        );
    }
    w.attempt(&c, "ts-public", fail(2, 0.0, 2308, true, 2.0));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 50_666);
    w.tls_ok(&s, h, 0.3);
    w.logon_failed(
        &s,
        1.2,
        3,
        "ebrown",
        &c.ip,
        "WKS-2525",
        0xC000_006D,
        0xC000_006A,
        "%%2313",
    );
    w.teardown(&s, h, 1.8);
    Case {
        name: "logon_bad_password_amid_bruteforce",
        about: "logon_denied: 4625 0xC000006A from the client among 20 brute-force 4625s from another IP",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::LogonDenied).evidence("ts-public", 4625),
            Expect::ok(client_guid(1)),
        ],
    }
}

/// Server 2012 R2 without NLA: the user is not allowed to log on through Remote Desktop
/// (4625 type 10, 0xC000015B), amid thousands of unrelated network logons.
fn logon_type_not_granted_2012r2() -> Case {
    let c = m("WKS-8080.contoso.lan", "10.20.80.80");
    let s = m("TS-2012.contoso.lan", "10.20.1.12");
    let files: Vec<Machine> = (0..5)
        .map(|k| m(&format!("FS-CL{k}.contoso.lan"), &format!("10.20.90.{k}")))
        .collect();
    let mut w = World::new();
    for k in 0..2_000u32 {
        let t = -2.0 * HOUR + f64::from(k) * 3.6;
        w.logon(
            &s,
            t,
            3,
            "svc_backup",
            &files[(k % 5) as usize],
            "Kerberos",
            0x77_0000 + k,
        );
    }
    w.attempt(&c, "ts-2012", fail(1, 0.0, 2308, true, 6.0));
    let h = host_guid(1);
    w.accept(&s, h, 0.2, &c.ip, 50_777);
    w.logon_failed(
        &s,
        5.2,
        10,
        "intern01",
        &c.ip,
        "WKS-8080",
        0xC000_015B,
        0,
        "%%2308",
    );
    w.teardown(&s, h, 5.8);
    Case {
        name: "logon_type_not_granted_2012r2",
        about: "logon_denied: 4625 type 10 0xC000015B on a host without NLA, 2,000 unrelated 4624s",
        bundle: w.finish(),
        expect: vec![Expect::failed(client_guid(1), Cause::LogonDenied).evidence("ts-2012", 4625)],
    }
}

/// Only the host's RdpCoreTS log: 140 says the user name or password was wrong.
fn logon_rdpcorets_140_only() -> Case {
    let c = m("WKS-1400.contoso.lan", "10.20.14.0");
    let s = m("TS-KASSE.contoso.lan", "10.20.1.14");
    let mut w = World::new();
    w.success(&c, &s, 1, -HOUR, "kasse1", true, 300.0);
    w.attempt(&c, "ts-kasse", fail(2, 0.0, 2308, true, 3.0));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 50_888);
    w.tls_ok(&s, h, 0.3);
    w.corets(
        &s,
        140,
        2.5,
        Some(h),
        ev_named([("IPString", c.ip.as_str().into())]),
    );
    w.corets(&s, 143, 2.6, Some(h), ev_named([("error", V::U32(64))]));
    w.teardown(&s, h, 2.7);
    let mut bundle = w.finish();
    for chan in [channel::SECURITY, channel::SYSTEM] {
        bundle.dropped.push((s.fqdn.clone(), chan));
    }
    Case {
        name: "logon_rdpcorets_140_only",
        about: "logon_denied: RdpCoreTS 140 only, no Security or System log",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::LogonDenied)
                .evidence("ts-kasse", 140)
                .missing("Security log of TS-KASSE.contoso.lan"),
        ],
    }
}

// ==== unknown ====================================================================================

/// Only the host's RDP channels: a user who had a session yesterday connects and the host
/// tears the connection down without a session and without any trace of why.
fn unknown_host_only_no_trace() -> Case {
    let c = m("WKS-9999.contoso.lan", "10.20.99.99");
    let s = m("TS-QUIET.contoso.lan", "10.20.1.199");
    let mut w = World::new();
    w.host_success(&s, &c, 1, -DAY, "gquiet", true, 1_000.0);
    let h = host_guid(2);
    w.accept(&s, h, 0.0, &c.ip, 51_999);
    w.tls_ok(&s, h, 0.1);
    w.teardown(&s, h, 1.5);
    let mut bundle = w.finish();
    bundle.dropped.push((s.fqdn.clone(), channel::SECURITY));
    Case {
        name: "unknown_host_only_no_trace",
        about: "unknown: host RDP channels only, teardown without session and without a reason",
        bundle,
        expect: vec![
            Expect::host_failed(h, Cause::Unknown)
                .missing("System log of TS-QUIET.contoso.lan covering 2023-11-14 07:55–08:05 UTC")
                .missing("Security log of TS-QUIET.contoso.lan (Other System Events auditing; Logon auditing")
                .missing("RDPClient/Operational, ")
                .missing("logs of the client at 10.20.99.99 covering 2023-11-14 07:55–08:05 UTC")
                .not_missing("RdpCoreTS/Operational log of TS-QUIET"),
        ],
    }
}

/// Only the client's RDPClient log: a socket closed after connecting, nothing else.
fn unknown_client_only() -> Case {
    let c = m("WKS-4040.contoso.lan", "10.20.40.40");
    let mut w = World::new();
    w.attempt(&c, "ts-nowhere.contoso.lan", fail(1, 0.0, 2308, true, 0.8));
    Case {
        name: "unknown_client_only",
        about: "unknown: client RDPClient log only",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::Unknown)
                .missing("RdpCoreTS/Operational")
                .missing(
                    "of the server ts-nowhere.contoso.lan covering 2023-11-14 07:55–08:05 UTC",
                ),
        ],
    }
}

// ==== no failure =================================================================================

/// Sessions that end normally: the user disconnects (reason 1), logs off (2), or an admin ends
/// a three-hour session (3) — none is a failure.
fn negatives_normal_endings() -> Case {
    let c = m("WKS-0101.contoso.lan", "10.20.1.101");
    let s = m("TS-NORMAL.contoso.lan", "10.20.1.201");
    let mut w = World::new();
    for (k, reason, t, dur) in [
        (1u32, 1u32, -5.0 * HOUR, 1_800.0),
        (2, 2, -2.0 * HOUR, 600.0),
        (3, 3, -12.0 * HOUR, 3.0 * HOUR),
    ] {
        w.attempt(
            &c,
            "ts-normal",
            Attempt {
                activity: client_guid(k),
                start: t,
                connected: true,
                logged_on: true,
                duration: dur,
                reason,
            },
        );
        w.host_success(&s, &c, k, t, "pnormal", true, dur);
    }
    Case {
        name: "negatives_normal_endings",
        about: "no failure: 1026 reasons 1, 2 and 3 (after 3 h) following 1027",
        bundle: w.finish(),
        expect: (1..=3).map(|k| Expect::ok(client_guid(k))).collect(),
    }
}

/// Internet scanners (no credentials) at the same second as a real success, with TLS alerts;
/// none is a failure.
fn negatives_scanners_and_a_success() -> Case {
    let c = m("WKS-7777.contoso.lan", "10.20.77.77");
    let s = m("TS-EDGE.contoso.com", "198.51.100.77");
    let mut w = World::new();
    for k in 0..40u32 {
        let t = -60.0 + f64::from(k) * 3.0;
        w.scanner(
            &s,
            k,
            t,
            &format!("91.{}.{}.{}", 200 + k % 50, k, 100 + k % 100),
        );
        w.schannel(
            &s,
            36888,
            t + 0.04,
            ev_named([
                ("AlertDesc", V::U32(10)),
                ("ErrorState", V::U32(1203)),
                ("TargetName", "".into()),
            ]),
        );
    }
    w.success(&c, &s, 1, 0.0, "edge", true, 900.0);
    let mut expect = vec![Expect::ok(client_guid(1))];
    expect.extend((0..40).map(|k| Expect::scanner(host_guid(90_000 + k))));
    Case {
        name: "negatives_scanners_and_a_success",
        about: "no failure: 40 scanners with TLS alerts around a real success",
        bundle: w.finish(),
        expect,
    }
}

/// A new self-signed certificate is created (RCM 1056, with the benign NTE_BAD_KEYSET of the
/// key creation) right before a successful connection.
fn negatives_new_certificate_then_success() -> Case {
    let c = m("WKS-5656.contoso.lan", "10.20.56.56");
    let s = m("TS-FRESH.contoso.lan", "10.20.1.56");
    let mut w = World::new();
    let factory = "RdCertificateFactory-Keyd2a5c8e1-77b0-4c0e-a1f3-5b9e2d4c6a80";
    key_op(
        &mut w,
        &s,
        5061,
        -60.0,
        "S-1-5-18",
        factory,
        None,
        "%%2480",
        0x8009_0016,
    );
    key_op(
        &mut w, &s, 5061, -59.9, "S-1-5-18", factory, None, "%%2481", 0,
    );
    w.classic(
        &s,
        TERMSERVICE,
        1056,
        -59.0,
        &["TS-FRESH.contoso.lan"],
        Some(vec![
            0x3C, 0xD6, 0xB0, 0xEF, 0xAF, 0x68, 0x54, 0x9E, 0xFE, 0x9E, 0xD2, 0x31, 0x64, 0x26,
            0xFC, 0xD7, 0xFF, 0x81, 0xA6, 0xA8,
        ]),
        4,
    )
    .qualifiers = Some(16384);
    w.success(&c, &s, 1, 0.0, "fresh", true, 600.0);
    Case {
        name: "negatives_new_certificate_then_success",
        about: "no failure: 1056 + benign RdCertificateFactory 0x80090016 before a success",
        bundle: w.finish(),
        expect: vec![Expect::ok(client_guid(1))],
    }
}

// ==== competing causes and fixes ================================================================

/// Failures while the certificate cannot be renewed, then the administrator fixes it: a new
/// certificate (1056) and a success; a failure after the fix is not blamed on the old error.
fn fix_then_success() -> Case {
    let c = m("WKS-6060.contoso.lan", "10.20.60.60");
    let s = m("TS-FIXED.contoso.lan", "10.20.1.66");
    let mut w = World::new();
    w.success(&c, &s, 1, -3.0 * DAY, "ffixer", true, 900.0);
    w.classic(
        &s,
        TERMSERVICE,
        1058,
        -DAY,
        &["Access is denied.\r\n"],
        None,
        2,
    );
    w.classic(
        &s,
        TERMSERVICE,
        1058,
        -60.0,
        &["Access is denied.\r\n"],
        None,
        2,
    );
    for (k, t) in [(2u32, 0.0), (3, 600.0)] {
        w.attempt(&c, "ts-fixed", fail(k, t, 2308, true, 0.7));
        host_handshake_failed(&mut w, &s, k, t + 0.2, &c.ip);
    }
    w.classic(
        &s,
        TERMSERVICE,
        1056,
        3_000.0,
        &["TS-FIXED.contoso.lan"],
        Some(vec![0x11; 20]),
        4,
    )
    .qualifiers = Some(16384);
    w.success(&c, &s, 4, 3_300.0, "ffixer", true, 900.0);
    Case {
        name: "fix_then_success",
        about: "cert_expired (1058 Access is denied) until a new certificate (1056), then success",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::CertExpired)
                .evidence("ts-fixed", 1058)
                .not_against(1056)
                .alternative(Cause::PrivateKeyAccess),
            Expect::failed(client_guid(3), Cause::CertExpired).not_against(1056),
            Expect::ok(client_guid(4)),
        ],
    }
}

/// A transient reset: TLS completed, the host's socket read failed (peer closed) and the same
/// client connected fine 20 s later with nothing changed on the host.
fn transient_reset_then_success() -> Case {
    let c = m("WKS-2020.contoso.lan", "10.20.20.20");
    let s = m("TS-BUSY.contoso.lan", "10.20.1.120");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "tbusy", true, 600.0);
    w.attempt(&c, "ts-busy", fail(2, 0.0, 2308, true, 1.1));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 51_020);
    w.tls_ok(&s, h, 0.3);
    w.corets(&s, 142, 0.9, Some(h), ev_named([("error", V::U32(64))]));
    w.corets(
        &s,
        226,
        0.91,
        Some(h),
        ev_named([
            ("StateTransition", "RDP_TCP".into()),
            ("PreviousState", V::U32(5)),
            ("PreviousStateName", "StateUnknown".into()),
            ("NewState", V::U32(9)),
            ("NewStateName", "StateDisconnected".into()),
            ("Event", V::U32(11)),
            ("EventName", "Event_Disconnect".into()),
            ("ErrorCode", V::Hex32(0x8007_0040)),
        ]),
    );
    w.teardown(&s, h, 0.95);
    w.success(&c, &s, 3, 20.0, "tbusy", true, 900.0);
    Case {
        name: "transient_reset_then_success",
        about: "network: peer reset after TLS, same client succeeds 20 s later with nothing changed",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::Network).confidence(0.0, 0.8),
            Expect::ok(client_guid(3)),
        ],
    }
}

/// Only the host's System log (no RDP channels, no Security) and the client's log: the
/// certificate renewal failed in the night.
fn cert_host_system_only() -> Case {
    let c = m("WKS-3003.contoso.lan", "10.20.30.3");
    let s = m("TS-MINIMAL.contoso.lan", "10.20.1.3");
    let mut w = World::new();
    w.success(&c, &s, 1, -2.0 * DAY, "vmin", true, 900.0);
    w.classic(
        &s,
        TERMSERVICE,
        1058,
        -6.0 * HOUR,
        &["アクセスが拒否されました。\r\n"],
        None,
        2,
    );
    for k in 0..12 {
        let t = -10.0 * HOUR + f64::from(k) * HOUR;
        w.scm(
            &s,
            7036,
            t,
            &["Windows Modules Installer", "running"],
            Some("TrustedInstaller/4"),
        );
    }
    w.attempt(&c, "ts-minimal", fail(2, 0.0, 2308, true, 0.9));
    host_handshake_failed(&mut w, &s, 2, 0.2, &c.ip);
    let mut bundle = w.finish();
    for chan in [
        channel::RDPCORETS,
        channel::RCM,
        channel::LSM,
        channel::SECURITY,
    ] {
        bundle.dropped.push((s.fqdn.clone(), chan));
    }
    Case {
        name: "cert_host_system_only",
        about: "cert_expired: the host gave only its System log (1058 six hours before)",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::CertExpired)
                .evidence("ts-minimal", 1058)
                .missing("RdpCoreTS/Operational log of TS-MINIMAL.contoso.lan covering 2023-11-14 07:55–08:05 UTC")
                .confidence(0.3, 0.85),
        ],
    }
}

/// A wrong password on an Internet-facing host while a scanner connects 50 ms before the
/// user's own connection.
fn logon_denied_scanner_same_instant() -> Case {
    let c = m("LAPTOP-HOME-5.contoso.lan", "203.0.113.80");
    let s = m("RDS-PUBLIC.contoso.com", "198.51.100.90");
    let mut w = World::new();
    w.scanner(&s, 1, 0.15, "45.146.164.9");
    w.scanner(&s, 2, -40.0, "45.146.164.9");
    w.scanner(&s, 3, 37.0, "80.94.95.15");
    w.attempt(&c, "rds-public.contoso.com", fail(1, 0.0, 2308, true, 2.2));
    let h = host_guid(1);
    w.accept(&s, h, 0.2, &c.ip, 61_500);
    w.tls_ok(&s, h, 0.3);
    w.logon_failed(
        &s,
        1.4,
        3,
        "nhome",
        &c.ip,
        "LAPTOP-HOME-5",
        0xC000_006D,
        0xC000_006A,
        "%%2313",
    );
    w.teardown(&s, h, 2.0);
    Case {
        name: "logon_denied_scanner_same_instant",
        about: "logon_denied: 4625 from the client while a scanner connects 50 ms earlier",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::LogonDenied).evidence("rds-public", 4625),
            Expect::scanner(host_guid(90_001)),
            Expect::scanner(host_guid(90_002)),
            Expect::scanner(host_guid(90_003)),
        ],
    }
}

/// The RDP connection completed TLS and was torn down without a reason logged, while the web
/// server on the same host sent a certificate_unknown alert at the same second.
fn unknown_iis_alert_beside_tls_done() -> Case {
    let c = m("WKS-6161.contoso.lan", "10.20.61.61");
    let s = m("TS-WEB.contoso.lan", "10.20.1.61");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "wweb", true, 600.0);
    w.attempt(&c, "ts-web", fail(2, 0.0, 2308, true, 1.0));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 51_616);
    w.tls_ok(&s, h, 0.3);
    w.teardown(&s, h, 0.9);
    w.schannel(
        &s,
        36888,
        0.5,
        ev_named([
            ("AlertDesc", V::U32(46)),
            ("ErrorState", V::U32(1203)),
            ("TargetName", "".into()),
        ]),
    );
    w.scm(
        &s,
        7036,
        0.6,
        &["Print Spooler", "stopped"],
        Some("Spooler/1"),
    );
    Case {
        name: "unknown_iis_alert_beside_tls_done",
        about: "unknown: TLS done (153), IIS alert 46 and an unrelated service stop at the same second",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::Unknown)
                .missing("System log of WKS-6161.contoso.lan covering 2023-11-14 07:55–08:05 UTC")
                .not_missing("RdpCoreTS/Operational log of TS-WEB"),
        ],
    }
}

/// Two users fail on the same host in the same second: one mistyped the password, the other
/// comes from a workstation that lost its trust with the domain. Each failure keeps its own
/// evidence (joined by address).
fn two_clients_same_second() -> Case {
    let a = m("WKS-A.contoso.lan", "10.20.100.1");
    let b = m("WKS-B.contoso.lan", "10.20.100.2");
    let s = m("TS-SHARED2.contoso.lan", "10.20.1.100");
    let mut w = World::new();
    w.success(&a, &s, 1, -DAY, "ua", true, 600.0);
    w.success(&b, &s, 2, -DAY + 900.0, "ub", true, 600.0);
    w.attempt(&a, "ts-shared2", fail(3, 0.0, 2308, true, 2.0));
    w.attempt(&b, "ts-shared2", fail(4, 0.4, 2308, true, 2.0));
    for (n, c, t, user, status, sub, reason) in [
        (3u32, &a, 0.2, "ua", 0xC000_006D, 0xC000_006A, "%%2313"),
        (4, &b, 0.6, "ub", 0xC000_018D, 0, "%%2304"),
    ] {
        let h = host_guid(n);
        w.accept(&s, h, t, &c.ip, 52_000 + n as u16);
        w.tls_ok(&s, h, t + 0.1);
        w.logon_failed(
            &s,
            t + 1.0,
            3,
            user,
            &c.ip,
            &c.short().to_uppercase(),
            status,
            sub,
            reason,
        );
        w.teardown(&s, h, t + 1.5);
    }
    Case {
        name: "two_clients_same_second",
        about: "ownership: bad password from A and trust failure from B on one host in the same second",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(3), Cause::LogonDenied).evidence("ts-shared2", 4625),
            Expect::failed(client_guid(4), Cause::DomainTrust).evidence("ts-shared2", 4625),
        ],
    }
}

/// The client connects to two hosts: the one that fails has a key problem; the other, whose
/// logs are in the same collection, lost its domain controller at the same time.
fn two_servers_evidence_stays_home() -> Case {
    let c = m("WKS-ADMIN.contoso.lan", "10.20.200.5");
    let s1 = m("TS-KEYS.contoso.lan", "10.20.1.150");
    let s2 = m("TS-OTHER.contoso.lan", "10.20.1.151");
    let mut w = World::new();
    w.success(&c, &s1, 1, -2.0 * DAY, "admin", true, 600.0);
    w.success(&c, &s2, 2, -10.0, "admin", true, 600.0);
    w.classic(
        &s2,
        NETLOGON,
        5719,
        -30.0,
        &["CONTOSO", "%%1311"],
        Some(vec![0x5E, 0, 0, 0xC0]),
        2,
    );
    w.attempt(&c, "ts-keys", fail(3, 5.0, 2308, true, 0.6));
    host_handshake_failed(&mut w, &s1, 3, 5.2, &c.ip);
    w.schannel(
        &s1,
        36870,
        5.23,
        ev_named([
            ("Type", "server".into()),
            ("ErrorCode", V::Hex32(0x8009_030D)),
            ("ErrorStatus", V::U32(10001)),
        ]),
    );
    Case {
        name: "two_servers_evidence_stays_home",
        about: "ownership: 36870 on the failing host, NETLOGON 5719 on another host of the same client",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(3), Cause::PrivateKeyAccess)
                .evidence("ts-keys", 36870)
                .not_evidence(5719),
            Expect::ok(client_guid(1)),
            Expect::ok(client_guid(2)),
        ],
    }
}

/// Only the host's logs: a user authenticates (1149) and the connection dies on an I/O
/// timeout before the session is up.
fn network_host_only_io_timeout() -> Case {
    let c = m("WKS-0600.contoso.lan", "10.20.6.0");
    let s = m("TS-WAN.contoso.lan", "10.20.1.6");
    let mut w = World::new();
    let h = host_guid(1);
    w.accept(&s, h, 0.0, &c.ip, 50_600);
    w.tls_ok(&s, h, 0.1);
    w.logon(&s, 0.8, 3, "wan", &c, "NtLmSsp ", 0x66_0001);
    w.rcm(
        &s,
        1149,
        1.0,
        Some(h),
        Body::EventXml(vec![
            ("Param1".into(), "wan".into()),
            ("Param2".into(), "CONTOSO".into()),
            ("Param3".into(), c.ip.as_str().into()),
        ]),
    );
    w.corets(&s, 142, 31.0, Some(h), ev_named([("error", V::U32(121))]));
    w.classic(
        &s,
        TERMDD,
        56,
        31.1,
        &["\\Device\\Termdd", &c.ip],
        Some(termdd_packet(0xC00A_0038, 0xC000_00B5)),
        2,
    )
    .qualifiers = Some(49162);
    w.teardown(&s, h, 31.2);
    Case {
        name: "network_host_only_io_timeout",
        about: "network: host logs only, 1149 then TermDD 56 STATUS_IO_TIMEOUT and socket error 121",
        bundle: w.finish(),
        expect: vec![Expect::host_failed(h, Cause::Network).evidence("ts-wan", 56)],
    }
}

/// The host's interface fell back to the Public profile an hour before, where the Remote
/// Desktop rule does not apply; a client that never connected before has its SYNs blocked
/// (5157 by the Windows Firewall).
fn firewall_public_profile_first_contact() -> Case {
    let c = m("WKS-NEW-01.contoso.lan", "10.20.210.1");
    let s = m("TS-PROFILE.contoso.lan", "10.20.1.210");
    let mut w = World::new();
    w.host_success(
        &s,
        &m("WKS-OLD-01.contoso.lan", "10.20.210.9"),
        9,
        -3.0 * HOUR,
        "old",
        true,
        600.0,
    );
    w.push(
        &s,
        channel::FIREWALL,
        FIREWALL,
        2010,
        -HOUR,
        None,
        ev_named([
            (
                "InterfaceGuid",
                "{4B2F1C3D-5E6F-4A7B-8C9D-0E1F2A3B4C5D}".into(),
            ),
            ("InterfaceName", "Ethernet0".into()),
            ("OldProfile", V::U32(1)),
            ("NewProfile", V::U32(4)),
        ]),
    );
    w.attempt(&c, "ts-profile", fail(1, 0.0, 516, false, 21.0));
    for t in [0.01, 3.01, 9.01] {
        let e = w.push(
            &s,
            channel::SECURITY,
            AUDIT,
            5157,
            t,
            None,
            ev_named([
                ("ProcessID", V::U32(0)),
                ("Application", "-".into()),
                ("Direction", "%%14592".into()),
                ("SourceAddress", s.ip.as_str().into()),
                ("SourcePort", "3389".into()),
                ("DestAddress", c.ip.as_str().into()),
                ("DestPort", "61001".into()),
                ("Protocol", V::U32(6)),
                ("FilterRTID", V::U32(0)),
                ("LayerName", "%%14610".into()),
                ("LayerRTID", V::U32(44)),
                ("RemoteUserID", "S-1-0-0".into()),
                ("RemoteMachineID", "S-1-0-0".into()),
            ]),
        );
        e.level = 0;
        e.version = Some(1);
        e.keywords = 0x8010_0000_0000_0000;
    }
    Case {
        name: "firewall_public_profile_first_contact",
        about: "firewall_block: 2010 to Public an hour before, 5157 drops of a client never seen before",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::FirewallBlock).evidence("ts-profile", 5157),
        ],
    }
}

/// Remote Desktop turned off in System Properties: the RDP-Tcp listener stopped (RCM 262,
/// 259) while TermService keeps running.
fn rdp_disabled_listener_stopped() -> Case {
    let c = m("WKS-0262.contoso.lan", "10.20.2.62");
    let s = m("TS-OFF.contoso.lan", "10.20.1.62");
    let mut w = World::new();
    w.success(&c, &s, 1, -5.0 * HOUR, "uoff", true, 600.0);
    for (id, t) in [(262u16, -1_200.0), (259, -1_199.5)] {
        w.rcm(
            &s,
            id,
            t,
            None,
            Body::EventXml(vec![("listenerName".into(), "RDP-Tcp".into())]),
        );
    }
    for k in 0..6 {
        w.scm(
            &s,
            7036,
            -3_000.0 + f64::from(k) * 900.0,
            &["Windows Update", "running"],
            Some("wuauserv/4"),
        );
    }
    w.attempt(&c, "ts-off", fail(2, 0.0, 516, false, 2.1));
    Case {
        name: "rdp_disabled_listener_stopped",
        about: "service_unavailable: RCM 262/259 RDP-Tcp listener stopped 20 min before, TermService running",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::ServiceUnavailable).evidence("ts-off", 259),
        ],
    }
}

/// LogonUserExEx fails on the host with the trust failure status (RdpCoreTS 147); no
/// Security log.
fn trust_rdpcorets_147() -> Case {
    let c = m("WKS-1470.contoso.lan", "10.20.14.70");
    let s = m("TS-147.contoso.lan", "10.20.1.147");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "u147", true, 600.0);
    w.attempt(&c, "ts-147", fail(2, 0.0, 2308, true, 3.0));
    let h = host_guid(2);
    w.accept(&s, h, 0.2, &c.ip, 51_470);
    w.tls_ok(&s, h, 0.3);
    let e = w.push(
        &s,
        channel::RDPCORETS,
        CORETS,
        147,
        2.1,
        Some(h),
        ev_named([("Error", V::Hex32(0xC000_018D))]),
    );
    e.level = 2;
    w.teardown(&s, h, 2.5);
    let mut bundle = w.finish();
    bundle.dropped.push((s.fqdn.clone(), channel::SECURITY));
    Case {
        name: "trust_rdpcorets_147",
        about: "domain_trust: RdpCoreTS 147 LogonUserExEx failed 0xC000018D, no Security log",
        bundle,
        expect: vec![Expect::failed(client_guid(2), Cause::DomainTrust).evidence("ts-147", 147)],
    }
}

/// A Korean host whose System log reached us through a forwarder that drops `Binary`: only the
/// localised texts say that Remote Desktop Services stopped and was disabled.
fn termservice_stopped_ko_without_binary() -> Case {
    let c = m("PC-SEOUL-3.contoso.kr", "10.82.0.3");
    let s = m("TS-SEOUL.contoso.kr", "10.82.0.1");
    let mut w = World::new();
    w.success(&c, &s, 1, -DAY, "kim", true, 900.0);
    w.scm(
        &s,
        7040,
        -3_600.0,
        &[
            "원격 데스크톱 서비스",
            "수동 시작",
            "사용 안 함",
            "TermService",
        ],
        None,
    );
    w.scm(
        &s,
        7036,
        -3_590.0,
        &["원격 데스크톱 서비스", "중지됨"],
        None,
    );
    for k in 0..4 {
        w.scm(
            &s,
            7036,
            -3_000.0 + f64::from(k) * 900.0,
            &["Windows Update", "실행 중"],
            None,
        );
    }
    w.attempt(&c, "ts-seoul", fail(2, 0.0, 516, false, 2.0));
    let mut bundle = w.finish();
    bundle
        .formats
        .push((s.fqdn.clone(), channel::SYSTEM, Format::Jsonl));
    Case {
        name: "termservice_stopped_ko_without_binary",
        about: "service_unavailable: Korean 7040/7036 texts, no Binary (forwarded)",
        bundle,
        expect: vec![
            Expect::failed(client_guid(2), Cause::ServiceUnavailable)
                .evidence("ts-seoul", 7036)
                .remediation("Start-Service TermService"),
        ],
    }
}

/// A Chinese host: the new certificate could not be created because the keyset is missing
/// (RCM 1057 in Simplified Chinese), Schannel 36870 at the attempt.
fn key_1057_zh() -> Case {
    let c = m("PC-SH-21.contoso.cn", "10.86.0.21");
    let s = m("TS-SHANGHAI.contoso.cn", "10.86.0.2");
    let mut w = World::new();
    w.success(&c, &s, 1, -2.0 * DAY, "wang", true, 900.0);
    w.classic(&s, TERMSERVICE, 1057, -DAY, &["密钥集不存在\r\n"], None, 2);
    w.attempt(&c, "ts-shanghai", fail(2, 0.0, 2308, true, 0.5));
    host_handshake_failed(&mut w, &s, 2, 0.2, &c.ip);
    w.schannel(
        &s,
        36870,
        0.21,
        ev_named([
            ("Type", "server".into()),
            ("ErrorCode", V::Hex32(0x8009_0016)),
            ("ErrorStatus", V::U32(10001)),
        ]),
    );
    Case {
        name: "key_1057_zh",
        about: "private_key_access: RCM 1057 \"密钥集不存在\" a day before, 36870 at the attempt",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::PrivateKeyAccess)
                .evidence("ts-shanghai", 36870)
                .evidence("ts-shanghai", 1057),
        ],
    }
}

/// Competing causes: the Remote Desktop firewall rule was edited six days ago (and RDP kept
/// working since), while the failure itself carries the key error.
fn key_in_window_beside_old_firewall_change() -> Case {
    let c = m("WKS-4242.contoso.lan", "10.20.42.42");
    let s = m("TS-OLDFW.contoso.lan", "10.20.1.42");
    let mut w = World::new();
    w.push(
        &s,
        channel::FIREWALL,
        FIREWALL,
        2005,
        -6.0 * DAY,
        None,
        ev_named([
            ("RuleId", "RemoteDesktop-UserMode-In-TCP".into()),
            ("RuleName", "Remote Desktop - User Mode (TCP-In)".into()),
            ("Direction", V::U32(1)),
            ("Protocol", V::U32(6)),
            ("LocalPorts", "3389".into()),
            ("Action", V::U32(3)),
            ("Active", V::U32(1)),
            ("RemoteAddresses", "10.20.0.0/16".into()),
        ]),
    );
    w.success(&c, &s, 1, -5.0 * DAY, "ufw", true, 600.0);
    w.success(&c, &s, 2, -DAY, "ufw", true, 600.0);
    w.attempt(&c, "ts-oldfw", fail(3, 0.0, 2308, true, 0.6));
    host_handshake_failed(&mut w, &s, 3, 0.2, &c.ip);
    key_op(
        &mut w,
        &s,
        5061,
        0.22,
        "S-1-5-20",
        "TSSecKeySet1",
        None,
        "%%2480",
        0x8009_0016,
    );
    Case {
        name: "key_in_window_beside_old_firewall_change",
        about: "private_key_access: 5061 TSSecKeySet1 now vs an RDP firewall rule edited 6 days ago (successes since)",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(3), Cause::PrivateKeyAccess)
                .evidence("ts-oldfw", 5061)
                .not_evidence(2005),
        ],
    }
}

/// Nothing but absence: the client's connect fails (516) and the host logs no connection.
/// Whether that absence is observed depends on whether the host's logs run past the attempt.
fn absence_only(name: &'static str, shown: bool) -> Case {
    let c = m("WKS-ABS-1.contoso.lan", "10.20.222.1");
    let s = m("TS-ABSENT.contoso.lan", "10.20.1.222");
    let mut w = World::new();
    w.success(&c, &s, 1, -6.0 * HOUR, "uabs", true, 600.0);
    // The host's Security log runs until the collection: an hour after the attempt, or an
    // hour before it.
    let until = if shown { HOUR } else { -HOUR };
    w.busy_security(&s, -7.0 * HOUR, until, 300.0);
    w.attempt(&c, "ts-absent", fail(2, 0.0, 516, false, 21.0));
    Case {
        name,
        about: if shown {
            "firewall_block (absence only): no 131 while the host's logs run past the attempt"
        } else {
            "firewall_block (absence only): no 131, host's logs end an hour before the attempt"
        },
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::FirewallBlock)
                .confidence(0.2, if shown { 0.9 } else { 0.6 }),
        ],
    }
}

fn absence_only_logs_run_past() -> Case {
    absence_only("absence_only_logs_run_past", true)
}

fn absence_only_logs_end_before() -> Case {
    absence_only("absence_only_logs_end_before", false)
}

/// The host restarts for updates: User32 1074 and EventLog 6006 before the attempt, 6005 and
/// TermService running again after it. The client's connect times out meanwhile.
fn host_rebooting_for_updates() -> Case {
    let c = m("WKS-0909.contoso.lan", "10.20.9.9");
    let s = m("TS-PATCH.contoso.lan", "10.20.1.9");
    let mut w = World::new();
    w.success(&c, &s, 1, -3.0 * HOUR, "upatch", true, 1_800.0);
    let e = w.push(
        &s,
        channel::SYSTEM,
        Provider {
            name: "User32",
            guid: None,
            source: Some("User32"),
        },
        1074,
        -60.0,
        None,
        Body::Classic(
            vec![
                r"C:\Windows\servicing\TrustedInstaller.exe (TS-PATCH)".into(),
                "TS-PATCH".into(),
                "Operating System: Upgrade (Planned)".into(),
                "0x80020003".into(),
                "restart".into(),
                "".into(),
                r"NT AUTHORITY\SYSTEM".into(),
            ],
            None,
        ),
    );
    e.qualifiers = Some(32768);
    let eventlog = Provider {
        name: "EventLog",
        guid: None,
        source: Some("EventLog"),
    };
    w.classic(&s, eventlog, 6006, -25.0, &[], None, 4)
        .qualifiers = Some(32768);
    w.attempt(&c, "ts-patch", fail(2, 0.0, 516, false, 21.0));
    w.classic(&s, eventlog, 6005, 95.0, &[], None, 4).qualifiers = Some(32768);
    w.scm(
        &s,
        7036,
        110.0,
        &["Remote Desktop Services", "running"],
        Some("TermService/4"),
    );
    w.corets(
        &s,
        129,
        111.0,
        None,
        ev_named([
            ("TransportProtocolName", "TCP".into()),
            ("Port", V::U32(3389)),
        ]),
    );
    w.success(&c, &s, 3, 240.0, "upatch", true, 600.0);
    Case {
        name: "host_rebooting_for_updates",
        about: "service_unavailable: the attempt falls between 1074/6006 and 6005 of a host restarting for updates",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(2), Cause::ServiceUnavailable)
                .evidence("ts-patch", 6006)
                .remediation("TS-PATCH.contoso.lan was shutting down or restarting"),
            Expect::ok(client_guid(3)),
        ],
    }
}

/// A live session dropped because its host restarted for updates: the client's 2308 comes
/// seconds after User32 1074 and EventLog 6006 on the host; the host is back (6005) minutes later.
fn session_dropped_by_host_restart() -> Case {
    let c = m("WKS-0411.contoso.lan", "10.20.4.11");
    let s = m("TS-FIN.contoso.lan", "10.20.1.41");
    let mut w = World::new();
    w.attempt(
        &c,
        "ts-fin",
        Attempt {
            activity: client_guid(1),
            start: -2_400.0,
            connected: true,
            logged_on: true,
            duration: 2_405.0,
            reason: 2308,
        },
    );
    let h = host_guid(1);
    w.accept(&s, h, -2_399.8, &c.ip, 51_102);
    w.tls_ok(&s, h, -2_399.7);
    w.session(&s, h, -2_399.0, "mkeller", &c, 3, true);
    let e = w.push(
        &s,
        channel::SYSTEM,
        Provider {
            name: "User32",
            guid: None,
            source: Some("User32"),
        },
        1074,
        -20.0,
        None,
        Body::Classic(
            vec![
                r"C:\Windows\servicing\TrustedInstaller.exe (TS-FIN)".into(),
                "TS-FIN".into(),
                "Operating System: Upgrade (Planned)".into(),
                "0x80020003".into(),
                "restart".into(),
                "".into(),
                r"NT AUTHORITY\SYSTEM".into(),
            ],
            None,
        ),
    );
    e.qualifiers = Some(32768);
    let eventlog = Provider {
        name: "EventLog",
        guid: None,
        source: Some("EventLog"),
    };
    w.classic(&s, eventlog, 6006, 2.0, &[], None, 4).qualifiers = Some(32768);
    w.classic(&s, eventlog, 6005, 180.0, &[], None, 4)
        .qualifiers = Some(32768);
    w.success(&c, &s, 2, 400.0, "mkeller", true, 600.0);
    Case {
        name: "session_dropped_by_host_restart",
        about: "service_unavailable: a live session ends with 2308 as its host restarts for updates (1074, 6006)",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::ServiceUnavailable).evidence("ts-fin", 6006),
            Expect::ok(client_guid(2)),
        ],
    }
}

/// Only the client: at the second of the attempt its Schannel received a protocol_version alert
/// (36887, alert 70) — the host accepts no TLS version the client offers.
fn tls_client_alert_received_only() -> Case {
    let c = m("WIN7-LAB-2.contoso.lan", "10.20.77.2");
    let mut w = World::new();
    w.attempt(&c, "ts-modern.contoso.lan", fail(1, 0.0, 2308, true, 0.35));
    let e = w.push(
        &c,
        channel::SYSTEM,
        SCHANNEL,
        36887,
        0.3,
        None,
        ev_named([("AlertDesc", V::U32(70))]),
    );
    e.level = 2;
    e.version = None;
    Case {
        name: "tls_client_alert_received_only",
        about: "tls_mismatch: client logs only, Schannel 36887 alert 70 received at the attempt (Windows 7 layout)",
        bundle: w.finish(),
        expect: vec![
            Expect::failed(client_guid(1), Cause::TlsMismatch).evidence("win7-lab-2", 36887),
        ],
    }
}

// ==== the table ===================================================================================

macro_rules! cases {
    ($($f:ident),* $(,)?) => {
        /// Every held-out case.
        const ALL: &[fn() -> Case] = &[$($f),*];
        mod each {
            $(
                #[test]
                fn $f() {
                    super::verify(super::$f());
                }
            )*
        }
    };
}

cases!(
    cert_renewal_failed_at_service_start,
    cert_expired_seen_by_client_capi2_only,
    cert_renewal_failing_daily_2012r2,
    key_capi2_70_only,
    key_schannel_36870_skewed_xml,
    key_tsseckeyset_security_only,
    key_failure_in_a_flood,
    tls_client_36871_only,
    tls_host_139_amid_scanners,
    tls_protocol_version_skewed,
    credssp_6041_client_system,
    credssp_nla_unsupported_client_only,
    av_reset_after_accept_de,
    av_wfp_filter_origin,
    firewall_rule_disabled_2012r2,
    firewall_pfirewall_log_drops,
    firewall_block_rule_2022_beside_old_cert_error,
    gateway_reason_only_strings,
    gateway_name_mismatch_36884_capi2,
    network_vpn_drop_mid_session,
    network_retries_two_seconds_apart,
    termservice_stopped_de,
    termservice_disabled_over_days_ja,
    trust_4625_trust_failure,
    trust_netlogon_without_security_fr,
    stuck_arbitration_without_correlation,
    stuck_termdd_invalid_state,
    logon_bad_password_amid_bruteforce,
    logon_type_not_granted_2012r2,
    logon_rdpcorets_140_only,
    unknown_host_only_no_trace,
    unknown_client_only,
    negatives_normal_endings,
    negatives_scanners_and_a_success,
    negatives_new_certificate_then_success,
    fix_then_success,
    transient_reset_then_success,
    cert_host_system_only,
    logon_denied_scanner_same_instant,
    unknown_iis_alert_beside_tls_done,
    two_clients_same_second,
    two_servers_evidence_stays_home,
    network_host_only_io_timeout,
    firewall_public_profile_first_contact,
    rdp_disabled_listener_stopped,
    trust_rdpcorets_147,
    termservice_stopped_ko_without_binary,
    key_1057_zh,
    key_in_window_beside_old_firewall_change,
    absence_only_logs_run_past,
    absence_only_logs_end_before,
    host_rebooting_for_updates,
    session_dropped_by_host_restart,
    tls_client_alert_received_only,
);

fn verify(case: Case) {
    let r = run(&case);
    let problems = check(&case, &r);
    if !problems.is_empty() {
        let details: Vec<String> = case.expect.iter().map(|x| explain(&r, x)).collect();
        panic!(
            "{} ({}):\n{}\n---\n{}",
            case.name,
            case.about,
            problems.join("\n"),
            details.join("\n")
        );
    }
    // Every failed connection says when it failed, and only those.
    for c in &r.report.connections {
        assert_eq!(
            c.failure_stage.is_some(),
            c.outcome == "failed",
            "{}: {} {:?}",
            case.name,
            c.id,
            c.failure_stage
        );
    }
    // No cause is ever certain (only `unknown`, when the logs hold nothing, may be).
    for c in &r.report.connections {
        if let Some(d) = &c.diagnosis
            && d.cause != Cause::Unknown
        {
            assert!(
                d.confidence <= 0.98,
                "{}: {} {} {}",
                case.name,
                c.id,
                d.cause,
                d.confidence
            );
        }
    }
}

/// A session dropped twenty minutes in is a failure of the `session` stage; connect-time
/// failures are `setup`.
#[test]
fn failure_stage_tells_a_dropped_session_from_a_failed_setup() {
    let r = run(&network_vpn_drop_mid_session());
    let dropped: Vec<_> = r
        .report
        .connections
        .iter()
        .filter(|c| c.outcome == "failed")
        .collect();
    assert!(!dropped.is_empty());
    assert!(
        dropped
            .iter()
            .all(|c| c.failure_stage.as_deref() == Some("session")),
        "{dropped:?}"
    );
    let r = run(&network_retries_two_seconds_apart());
    let failed: Vec<_> = r
        .report
        .connections
        .iter()
        .filter(|c| c.outcome == "failed")
        .collect();
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .all(|c| c.failure_stage.as_deref() == Some("setup")),
        "{failed:?}"
    );
}

/// Runs every case and prints the accuracy table (the README's "Held-out accuracy").
#[test]
fn held_out_accuracy() {
    let mut cases = Vec::new();
    let mut scanners = Vec::new();
    let mut bundles = Vec::new();
    for make in ALL {
        let case = make();
        let r = run(&case);
        bundles.push(case.name.to_string());
        let verbose = std::env::var_os("HOLDOUT_VERBOSE").is_some();
        for x in &case.expect {
            if verbose && !x.scanner {
                println!("## {}\n{}", case.name, explain(&r, x));
            }
            let (label, confidence) = predicted(&r, x);
            let c = find(&r, x);
            let e = EvalCase {
                bundle: case.name.to_string(),
                expected: ExpectedConnection {
                    client_activity_id: x.client.map(guid_text),
                    server_activity_id: x.server.map(guid_text),
                    cause: x.cause.map(|c| c.id().to_string()),
                    kind: x.scanner.then(|| "scanner".to_string()),
                    ..ExpectedConnection::default()
                },
                expected_label: x.label(),
                connection: c.map(|c| c.id.clone()),
                predicted_label: label,
                confidence,
            };
            if x.scanner {
                scanners.push(e);
            } else {
                cases.push(e);
            }
        }
    }
    let evaluation = Evaluation {
        cases,
        scanners,
        bundles,
    };
    println!("{evaluation}");
    for c in evaluation.cases.iter().filter(|c| !c.correct()) {
        println!(
            "miss: {} {:?}: expected {}, got {}",
            c.bundle, c.expected.client_activity_id, c.expected_label, c.predicted_label
        );
    }
    assert_eq!(evaluation.scanners_diagnosed(), 0);
    let known: usize = ALL
        .iter()
        .map(|make| {
            make()
                .expect
                .iter()
                .filter(|x| x.known_miss.is_some())
                .count()
        })
        .sum();
    assert_eq!(
        evaluation.correct() + known,
        evaluation.cases.len(),
        "{evaluation}"
    );
}
