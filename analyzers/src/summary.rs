//! One-line summaries of events, with their codes decoded: what the evidence lists, the HTML
//! report and the timeline exports (CSV, JSONL) show as an event's message.
//!
//! One table, [`MESSAGES`], gives per catalog kind and event id a template in which
//! `{Field}` is a field's value, `{#n}` the n-th unnamed `Data` element, and `{Field:decoder}`
//! the value read through a decoder of [`crate::codes`] (`hresult`, `status`, `win32`,
//! `alert`, `reason`, `lsm`, `ref`, `logon`, `termdd`, `service`, `profiles`, `ntbinary`,
//! `trust`). `{A|B}` takes the first of two fields that is present; a `[ … ]` group is left
//! out when a placeholder inside it has no value. Values are cleaned
//! (control characters removed) and cut, since event fields come from attackers too.
//!
//! Example: `Schannel 36870 on SRV01: fatal error accessing the TLS server credential private
//! key — 0x8009030D SEC_E_UNKNOWN_CREDENTIALS, state 10001`.

use std::borrow::Cow;
use std::sync::OnceLock;

use foldhash::HashMap;
use rdpsleuth_parser::Event;

use crate::codes;
use crate::evidence::{error_code, number, service_key, service_state, text};

/// Longest value inserted into a summary, in characters.
pub const MAX_VALUE_CHARS: usize = 120;

/// A short label per catalog kind, for the start of a summary.
pub static KIND_LABELS: &[(&str, &str)] = &[
    ("rdpclient", "RDPClient"),
    ("credssp", "LsaSrv"),
    ("dns_client", "DNS Client"),
    ("rdpcorets", "RdpCoreTS"),
    ("rdpcorets_admin", "RdpCoreTS"),
    ("rcm", "RCM"),
    ("rcm_admin", "RCM"),
    ("rcm_system", "TermService"),
    ("lsm", "LSM"),
    ("termdd", "TermDD"),
    ("gateway", "RD Gateway"),
    ("schannel", "Schannel"),
    ("capi2", "CAPI2"),
    ("key_operations", "Security"),
    ("logon", "Security"),
    ("logon_failure", "Security"),
    ("audit_log", "Security"),
    ("wfp", "WFP"),
    ("firewall_policy_audit", "Security"),
    ("firewall", "Firewall"),
    ("firewall_log", "pfirewall.log"),
    ("network_profile", "NetworkProfile"),
    ("vpn", "RasClient"),
    ("service_control", "SCM"),
    ("eventlog_service", "EventLog"),
    ("netlogon", "NETLOGON"),
    ("kerberos", "Kerberos"),
    ("clock", "Time"),
    ("defender", "Defender"),
];

/// Message templates: (catalog kind, event ids, template). The first row that matches wins;
/// rows with no ids match every id of the kind.
#[rustfmt::skip]
pub static MESSAGES: &[(&str, &[u32], &str)] = &[
    // client
    ("rdpclient", &[1024], "the client starts connecting to {Value}"),
    ("rdpclient", &[1025], "the client's connection to the server is up"),
    ("rdpclient", &[1026], "the client disconnected, reason {Value:reason}"),
    ("rdpclient", &[1027], "logon done: domain {DomainName}, session {SessionId}"),
    ("rdpclient", &[1028], "server supports SSL: {TraceMessage}"),
    ("rdpclient", &[1029], "the client sends the user name hash (credentials stage reached)"),
    ("rdpclient", &[1033], "client error trace {Name}: {Value}"),
    ("rdpclient", &[1102], "the client starts a UDP transport to {Value}"),
    ("rdpclient", &[1103], "the UDP transport is up"),
    ("rdpclient", &[1104], "the UDP transport failed ({Value})"),
    ("rdpclient", &[1105], "the UDP transport disconnected"),
    ("rdpclient", &[226], "the client's state machine failed[ in {StateTransitionName}][: {PreviousStateName} → {NewStateName}][ on {EventName}], error {ErrorCode:hresult}"),
    ("rdpclient", &[], "client event"),
    // host RDP stack
    ("rdpcorets", &[131], "the server accepted a {ConnType} connection from {ClientIP}"),
    ("rdpcorets", &[65], "connection {ConnectionName} created"),
    ("rdpcorets", &[66], "connection {ConnectionName} assigned to session {SessionID}"),
    ("rdpcorets", &[68], "connection {ConnectionName} timings: credentials prompt {PromptForCredentials} ms, first graphics {FirstGraphicsReceived} ms"),
    ("rdpcorets", &[72], "interface method {MethodName}"),
    ("rdpcorets", &[97], "protocol component {ComponentName} found an error ({ErrorCode:hresult}) and dropped the client"),
    ("rdpcorets", &[98], "TCP connection established"),
    ("rdpcorets", &[99], "TCP connection failed: {ResultCode:hresult}"),
    ("rdpcorets", &[102], "the server ended the main RDP connection"),
    ("rdpcorets", &[103], "disconnect reason code {ReasonCode}"),
    ("rdpcorets", &[104], "client time zone bias {TimezoneBiasHour} h"),
    ("rdpcorets", &[129], "listener {TransportProtocolName} bound on port {Port}"),
    ("rdpcorets", &[139], "the security layer found an error ({ResultCode:hresult}) and disconnected client {IPString}"),
    ("rdpcorets", &[140], "logon from {IPString} failed: bad user name or password"),
    ("rdpcorets", &[142], "TCP socket read failed: {error:win32}"),
    ("rdpcorets", &[143], "TCP socket write failed: {error:win32}"),
    ("rdpcorets", &[145], "the server sent nothing for {IdleSeconds} s"),
    ("rdpcorets", &[146], "automatic reconnection failed: {Error}"),
    ("rdpcorets", &[147], "LogonUserExEx failed: {Error:status}"),
    ("rdpcorets", &[149], "the client's logon certificate failed validation: {ErrorCode:hresult}"),
    ("rdpcorets", &[153], "TLS negotiated: {TLSVersion}"),
    ("rdpcorets", &[154], "{Message}: {Error:hresult}"),
    ("rdpcorets", &[226], "state error[ in {StateTransition}][: {PreviousStateName} → {NewStateName}][ on {EventName}], error {ErrorCode:hresult}"),
    ("rdpcorets", &[227], "internal trace {Name}: {Value:hresult}"),
    ("rdpcorets", &[228], "disconnect trace {ComponentName}: {Message}"),
    ("rdpcorets", &[], "RDP stack event"),
    ("rdpcorets_admin", &[], "RDP stack error"),
    ("rcm", &[261], "listener {listenerName} received a connection"),
    ("rcm", &[1149], "network authentication succeeded for [{Param2}\\]{Param1}[ from {Param3}]"),
    ("rcm", &[1158], "Remote Desktop Services accepted a connection from {Param1}"),
    ("rcm", &[256], "Remote Connection Manager is starting"),
    ("rcm", &[257], "Remote Connection Manager finished starting (success: {isSuccess})"),
    ("rcm", &[258], "listener {listenerName} started"),
    ("rcm", &[259], "listener {listenerName} stopped"),
    ("rcm", &[260], "listener {listenerName} failed while listening: {errorCode:hresult}"),
    ("rcm", &[262], "listener {listenerName} was asked to stop"),
    ("rcm", &[20499, 20500], "loading the configuration of {UserName} from {ServerName} took too long"),
    ("rcm", &[], "Remote Connection Manager event"),
    ("rcm_admin", &[], "Remote Connection Manager error"),
    // RDP certificate
    ("rcm_system", &[1056], "a new self-signed RDP certificate was created for {#0}[ (SHA1 {Binary})]"),
    ("rcm_system", &[1057], "creating a new self-signed RDP certificate failed: {#0}"),
    ("rcm_system", &[1058], "replacing the expired self-signed RDP certificate failed: {#0}"),
    ("rcm_system", &[1059], "the RDP certificate configuration was invalid and has been reset"),
    ("rcm_system", &[1052], "the RDP certificate expires in {#1} days"),
    ("rcm_system", &[1053], "the configured RDP certificate has expired"),
    ("rcm_system", &[1054], "the configured RDP certificate is not valid for server authentication"),
    ("rcm_system", &[1055], "the private key of the configured RDP certificate cannot be accessed"),
    ("rcm_system", &[1067], "registering the TERMSRV service principal name failed: {#0}"),
    ("rcm_system", &[1070], "logons refused: the server is in drain mode"),
    ("rcm_system", &[1071], "logons refused: the server does not accept connections"),
    ("rcm_system", &[], "RDP certificate configuration event"),
    // sessions
    ("lsm", &[21], "session {SessionID} logon succeeded for {User} from {Address}"),
    ("lsm", &[22], "shell started for {User} in session {SessionID}"),
    ("lsm", &[23], "session {SessionID} of {User} logged off"),
    ("lsm", &[24], "session {SessionID} of {User} disconnected ({Address})"),
    ("lsm", &[25], "session {SessionID} of {User} reconnected from {Address}"),
    ("lsm", &[39], "session {TargetSession} disconnected by session {Source}"),
    ("lsm", &[40], "session {Session} disconnected, {Reason:lsm}"),
    ("lsm", &[41], "session arbitration began for {User} (session {SessionID})"),
    ("lsm", &[42], "session arbitration ended for {User} (session {SessionID})"),
    ("lsm", &[36, 37], "session {SessionId} state transition failed in {StateName} on {EventName}: {ErrorCode:hresult}"),
    ("lsm", &[43], "the Windows subsystem took too long to process a connect for session {Session}"),
    ("lsm", &[44], "the Windows subsystem took too long to process a disconnect for session {Session}"),
    ("lsm", &[45], "the Windows subsystem took too long to process a terminate for session {Session}"),
    ("lsm", &[48, 49, 50, 51, 52, 53], "Remote Connection Manager took too long to process a session transition for session {Session}"),
    ("lsm", &[34], "logons are not accepted because setup is running"),
    ("lsm", &[54], "the session manager received a shutdown"),
    ("lsm", &[], "session manager event"),
    // TermDD
    ("termdd", &[56], "the security layer found an error in the protocol stream and disconnected client {#1} — {Binary:termdd}"),
    ("termdd", &[50], "protocol component {#1} found an error in the stream and disconnected the client — {Binary:termdd}"),
    ("termdd", &[], "TermDD event"),
    // TLS
    ("schannel", &[36870], "fatal error accessing the TLS {Type} credential private key — {ErrorCode:hresult}[, state {ErrorStatus|ErrorState}]"),
    ("schannel", &[36871], "fatal error creating a TLS {Type} credential — state {ErrorState|ErrorStatus}"),
    ("schannel", &[36872], "the chain of the certificate could not be retrieved — {ErrorCode:hresult}"),
    ("schannel", &[36874], "a {Protocol} connection request arrived but the server supports none of the client's cipher suites"),
    ("schannel", &[36876], "the remote server's certificate did not validate — {ErrorCode:hresult}"),
    ("schannel", &[36877], "the remote client's certificate did not validate — {ErrorCode:hresult}"),
    ("schannel", &[36881], "the remote server's certificate is expired or not yet valid"),
    ("schannel", &[36882], "the remote server's certificate was issued by an untrusted authority"),
    ("schannel", &[36883], "the remote server's certificate was revoked"),
    ("schannel", &[36884], "the remote server's certificate does not contain the expected name {Name}"),
    ("schannel", &[36887], "fatal TLS alert received: {AlertDesc:alert}"),
    ("schannel", &[36888], "fatal TLS alert generated and sent: {AlertDesc:alert}[, state {ErrorState}]"),
    ("schannel", &[36880], "TLS handshake completed: {Protocol}, cipher suite {CipherSuite}"),
    ("schannel", &[], "Schannel event"),
    // keys
    ("key_operations", &[5058], "key file operation {Operation:ref} on {KeyName}[ ({KeyType:ref})][ by {SubjectUserName}]: {ReturnCode:hresult}[ — {KeyFilePath}]"),
    ("key_operations", &[5059], "key migration {Operation:ref} of {KeyName}: {ReturnCode:hresult}"),
    ("key_operations", &[5061], "cryptographic operation {Operation:ref} on {KeyName}[ ({KeyType:ref})][ by {SubjectUserName}]: {ReturnCode:hresult}"),
    ("key_operations", &[], "key operation"),
    // certificates
    ("capi2", &[11], "certificate chain of {Certificate@subjectName} built for {EventAuxInfo@ProcessName}: {CertificateChain.TrustStatus.ErrorStatus@value:trust}"),
    ("capi2", &[30], "certificate chain policy check of {Certificate@subjectName} for {EventAuxInfo@ProcessName}: {Result@value:hresult}"),
    ("capi2", &[41], "revocation check of {Certificate@subjectName}: {Result@value:hresult}"),
    ("capi2", &[53], "retrieving {URL} from the network: {Result@value:hresult}"),
    ("capi2", &[70], "acquiring the private key of {Certificate@subjectName} for {EventAuxInfo@ProcessName}: {Result@value:hresult}"),
    ("capi2", &[90], "certificate {Certificate@subjectName} valid until {Certificate.NotAfter}"),
    ("capi2", &[], "CAPI2 certificate event"),
    // authentication
    ("credssp", &[6041], "CredSSP to {#0} failed: the remote host offered version {#1}, which Encryption Oracle Remediation does not permit"),
    ("credssp", &[6037], "local authentication with target name {#2} failed"),
    ("credssp", &[6038, 6039], "NTLM authentication in use"),
    ("credssp", &[40960], "authentication error for {Target} with {Protocol}: {Error}"),
    ("credssp", &[40961], "no secured connection with {Target}: no authentication protocol available"),
    ("credssp", &[], "LSA authentication event"),
    ("dns_client", &[1014], "name resolution of {QueryName} timed out: no DNS server answered"),
    ("logon", &[4624], "logon type {LogonType:logon} of [{TargetDomainName}\\]{TargetUserName}[ from {IpAddress}][ ({AuthenticationPackageName})]"),
    ("logon", &[4634, 4647], "logoff of [{TargetDomainName}\\]{TargetUserName}"),
    ("logon", &[4648], "explicit credentials of {TargetUserName} used for {TargetServerName}"),
    ("logon", &[4776], "NTLM validation of {TargetUserName}[ from {Workstation}]: {Status:status}"),
    ("logon_failure", &[4625], "logon type {LogonType:logon} failed for [{TargetDomainName}\\]{TargetUserName}[ from {IpAddress}]: {SubStatus|Status:status}[ (status {Status:status})][, {FailureReason:ref}]"),
    ("logon_failure", &[4778], "session {SessionName} of [{AccountDomain}\\]{AccountName} reconnected[ from {ClientAddress}]"),
    ("logon_failure", &[4779], "session {SessionName} of [{AccountDomain}\\]{AccountName} disconnected[ from {ClientAddress}]"),
    ("audit_log", &[], "the Security log was cleared by {SubjectUserName}"),
    // packet filtering and firewall
    ("wfp", &[5152, 5153], "WFP dropped a packet {SourceAddress}:{SourcePort} → {DestAddress}:{DestPort}[ ({Direction:ref})][ filter {FilterRTID}]"),
    ("wfp", &[5155, 5159], "WFP blocked {Application} from listening on {SourceAddress}:{SourcePort}"),
    ("wfp", &[5156], "WFP permitted[ {Direction:ref}] connection local {SourceAddress}:{SourcePort} remote {DestAddress}:{DestPort}"),
    ("wfp", &[5157], "WFP blocked[ {Direction:ref}] connection local {SourceAddress}:{SourcePort} remote {DestAddress}:{DestPort}[ filter {FilterRTID}][ ({FilterOrigin})]"),
    ("firewall_policy_audit", &[4946], "firewall exception rule {RuleName} added"),
    ("firewall_policy_audit", &[4947], "firewall exception rule {RuleName} modified"),
    ("firewall_policy_audit", &[4948], "firewall exception rule {RuleName} deleted"),
    ("firewall_policy_audit", &[4950], "a firewall setting changed"),
    ("firewall", &[2004, 2071, 2097], "firewall rule {RuleName} added[ (direction {Direction}][, action {Action}][, ports {LocalPorts})]"),
    ("firewall", &[2005, 2073, 2099], "firewall rule {RuleName} modified[ (action {Action}][, active {Active}][, ports {LocalPorts})]"),
    ("firewall", &[2006, 2052], "firewall rule {RuleName} deleted[ by {ModifyingApplication}]"),
    ("firewall", &[2033], "all firewall rules were deleted"),
    ("firewall", &[2002], "a global firewall setting changed"),
    ("firewall", &[2003], "a firewall profile setting changed for {Profiles:profiles}"),
    ("firewall", &[2010], "the network profile of {InterfaceName} changed from {OldProfile:profiles} to {NewProfile:profiles}"),
    ("firewall", &[], "Windows Firewall event"),
    ("firewall_log", &[], "{action} {protocol} {src-ip}:{src-port} → {dst-ip}:{dst-port} {path}"),
    ("network_profile", &[10000], "network {Name} connected"),
    ("network_profile", &[10001], "network {Name} disconnected"),
    // services, machine, trust, clock
    ("service_control", &[7036], "{param1} entered the {param2} state"),
    ("service_control", &[7040], "the start type of {param1} changed from {param2} to {param3}"),
    ("service_control", &[7045], "service {ServiceName} installed[ ({ImagePath})]"),
    ("service_control", &[7031], "{param1} terminated unexpectedly ({param2} times)[; action: {param5}]"),
    ("service_control", &[7034], "{param1} terminated unexpectedly ({param2} times)"),
    ("service_control", &[7023], "{param1} terminated with error {param2:ref}"),
    ("service_control", &[7024], "{param1} terminated with service-specific error {param2}"),
    ("service_control", &[7000], "{param1} failed to start: {param2:ref}"),
    ("service_control", &[7001], "{param1} depends on {param2}, which failed to start: {param3:ref}"),
    ("service_control", &[7009, 7011], "a timeout of {param1} ms was reached waiting for {param2}"),
    ("service_control", &[7022], "{param1} hung on starting"),
    ("service_control", &[], "service event"),
    ("eventlog_service", &[6005], "the event log service started (machine start)"),
    ("eventlog_service", &[6006], "the event log service stopped (clean shutdown)"),
    ("eventlog_service", &[6008], "the previous shutdown was unexpected"),
    ("eventlog_service", &[1074], "a shutdown or restart was initiated"),
    ("eventlog_service", &[104], "the {Channel} log was cleared"),
    ("eventlog_service", &[], "event log service event"),
    ("netlogon", &[5719], "no secure session with a domain controller of {#0}[: {#1:ref}][ — {Binary:ntbinary}]"),
    ("netlogon", &[3210], "authenticating with domain controller {#1} of {#0} failed: machine account password not recognised"),
    ("netlogon", &[5783], "the session with domain controller {#0} of {#1} is not responsive"),
    ("netlogon", &[5722, 5723, 5805], "session setup from computer {#0} failed[ — {Binary:ntbinary}]"),
    ("netlogon", &[], "Netlogon event"),
    ("kerberos", &[], "Kerberos error"),
    ("clock", &[1], "the system time was changed"),
    ("clock", &[], "time service event"),
    // security software
    ("defender", &[1116], "Defender detected {Threat Name}[ in {Path}][ ({Process Name})]"),
    ("defender", &[1117], "Defender acted on {Threat Name}: {Action Name}"),
    ("defender", &[1125], "Defender network protection would block a connection to {Destination}[ ({Process Name|ProcessName})]"),
    ("defender", &[1126], "Defender network protection blocked a connection to {Destination}[ ({Process Name|ProcessName})]"),
    ("defender", &[5001], "Defender real-time protection was disabled"),
    ("defender", &[5007], "Defender configuration changed: {New Value}"),
    ("defender", &[5004], "Defender real-time protection configuration changed"),
    ("defender", &[5010, 5012], "Defender scanning was disabled"),
    ("defender", &[], "Defender event"),
    ("gateway", &[], "gateway[ user {Username}][ from {IpAddress}][ to {Resource}][: error {ErrorCode}]"),
];

/// [`KIND_LABELS`] and [`MESSAGES`] by kind: the label, and the message rows in table order
/// (their ids and their templates, split into pieces).
type KindIndex = HashMap<&'static str, (Option<&'static str>, Vec<(&'static [u32], Vec<Piece>)>)>;

fn kind_index() -> &'static KindIndex {
    static INDEX: OnceLock<KindIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = KindIndex::default();
        for (kind, label) in KIND_LABELS {
            index.entry(kind).or_default().0.get_or_insert(label);
        }
        for (kind, ids, template) in MESSAGES {
            index
                .entry(kind)
                .or_default()
                .1
                .push((ids, pieces(template)));
        }
        index
    })
}

/// The label and the message template of an event (the first row of its kind that lists its
/// id or lists none), as a scan of the tables finds them.
fn label_and_template(
    kind: &str,
    event_id: u32,
) -> (Option<&'static str>, Option<&'static [Piece]>) {
    let Some((label, rows)) = kind_index().get(kind) else {
        return (None, None);
    };
    let template = rows
        .iter()
        .find(|(ids, _)| ids.is_empty() || ids.contains(&event_id))
        .map(|(_, pieces)| pieces.as_slice());
    (*label, template)
}

/// The short name of a host (`SRV01.corp.local` → `SRV01`), unless it is an address.
pub fn short_host(host: &str) -> &str {
    let h = host.trim();
    // Only a name of digits and dots, or one with a colon, can be an address.
    let maybe_address = h.contains(':') || h.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if maybe_address && h.parse::<std::net::IpAddr>().is_ok() {
        return h;
    }
    h.split('.').next().filter(|s| !s.is_empty()).unwrap_or(h)
}

/// A value made safe for one line: control characters become spaces, runs of spaces one, and
/// the whole is cut to [`MAX_VALUE_CHARS`].
pub fn clean(value: &str) -> String {
    let mut out = String::new();
    clean_into(&mut out, value);
    out
}

/// [`clean`], appended to `out`.
fn clean_into(out: &mut String, value: &str) {
    // Most values are already clean: one line, single spaces, short.
    let bytes = value.as_bytes();
    if bytes.len() <= MAX_VALUE_CHARS
        && bytes.first().is_none_or(|b| *b != b' ')
        && bytes.last().is_none_or(|b| *b != b' ')
        && !bytes.windows(2).any(|w| w == b"  ")
        && !value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() && c != ' ')
    {
        out.push_str(value);
        return;
    }
    let start = out.len();
    let mut space = false;
    for c in value.trim().chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' {
            if !space && out.len() > start {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    let trimmed = out.get(start..).unwrap_or("").trim_end().len();
    out.truncate(start + trimmed);
    if let Some((cut, _)) = out
        .get(start..)
        .unwrap_or("")
        .char_indices()
        .nth(MAX_VALUE_CHARS)
    {
        out.truncate(start + cut);
        out.push('…');
    }
}

/// The raw text of a placeholder's field (`#n` for classic `Data`).
fn raw<'e>(e: &'e Event, name: &str) -> Option<&'e str> {
    if let Some(n) = name.strip_prefix('#') {
        return n.parse::<usize>().ok().and_then(|i| e.fields.data(i));
    }
    text(&e.fields, name)
}

fn hex32(code: u32) -> String {
    format!("0x{code:08X}")
}

/// Renders a value through a decoder; `None` when it cannot be read.
fn render(e: &Event, field: &str, value: &str, decoder: &str) -> Option<String> {
    Some(match decoder {
        "hresult" => {
            let code = error_code(value)?;
            let info = codes::hresult(code);
            match info.name() {
                Some(name) => format!("{} {name}", hex32(code)),
                None => hex32(code),
            }
        }
        "status" => {
            let code = error_code(value)?;
            match codes::ntstatus(code).and_then(|x| x.name) {
                Some(name) => format!("{} {name}", hex32(code)),
                None => hex32(code),
            }
        }
        "win32" => {
            let code = u32::try_from(number(&e.fields, field)?).ok()?;
            match codes::win32_error(code).and_then(|x| x.name) {
                Some(name) => format!("{code} {name}"),
                None => code.to_string(),
            }
        }
        "alert" => {
            let code = u8::try_from(number(&e.fields, field)?).ok()?;
            match codes::tls_alert(code) {
                Some(a) => format!("{code} {}", a.name),
                None => code.to_string(),
            }
        }
        "reason" => {
            let code = u32::try_from(number(&e.fields, field)?).ok()?;
            match codes::disconnect_reason(code) {
                Some(entry) => match entry.name {
                    Some(name) => format!("{code} ({code:#x}) {name}"),
                    None => format!(
                        "{code} ({code:#x}): {}",
                        entry.meaning.trim_end_matches('.')
                    ),
                },
                None => format!("{code} ({code:#x})"),
            }
        }
        "lsm" => {
            let code = u32::try_from(number(&e.fields, field)?).ok()?;
            match codes::lsm_reason(code) {
                Some(entry) => format!("reason {code}: {}", entry.meaning.trim_end_matches('.')),
                None => format!("reason {code}"),
            }
        }
        "ref" => {
            let id = codes::parse_message_ref(value)?;
            match codes::message_ref(id) {
                Some(r) => r.text.trim_end_matches('.').to_string(),
                None => match codes::win32_message_ref(value) {
                    Some(entry) => match entry.name {
                        Some(name) => format!("{id} {name}"),
                        None => id.to_string(),
                    },
                    None => value.to_string(),
                },
            }
        }
        "logon" => {
            let code = u32::try_from(number(&e.fields, field)?).ok()?;
            match codes::logon_type(code).and_then(|x| x.name) {
                Some(name) => format!("{code} ({name})"),
                None => code.to_string(),
            }
        }
        "termdd" => {
            let packet = codes::termdd_binary(value)?;
            let status = packet.status.unwrap_or(packet.error_code);
            match packet
                .status_entry()
                .or(packet.error_code_entry())
                .and_then(|x| x.name)
            {
                Some(name) => format!("status {} {name}", hex32(status)),
                None => format!("status {}", hex32(status)),
            }
        }
        "ntbinary" => {
            let code = codes::ntstatus_binary(value)?;
            match codes::ntstatus(code).and_then(|x| x.name) {
                Some(name) => format!("{} {name}", hex32(code)),
                None => hex32(code),
            }
        }
        "service" => {
            let b = codes::service_binary(value)?;
            match b.state_entry.and_then(|s| s.name) {
                Some(state) => format!("{} {state}", b.key),
                None => b.key,
            }
        }
        "profiles" => {
            let mask = u32::try_from(number(&e.fields, field)?).ok()?;
            codes::firewall_profiles(mask).describe()
        }
        "trust" => {
            let mask = u32::try_from(rdpsleuth_parser::event::parse_hex_u64(value)?).ok()?;
            if mask == 0 {
                "trusted, no error".to_string()
            } else {
                codes::cert_trust(mask).names()
            }
        }
        _ => return None,
    })
}

/// A message template, split once into the pieces [`fill`] writes.
#[derive(Debug, PartialEq)]
enum Piece {
    /// Text written as it is.
    Text(&'static str),
    /// A placeholder: `Field`, `A|B` or `Field:decoder`.
    Placeholder(Placeholder),
    /// `[ … ]`: dropped whole when a placeholder inside it is missing.
    Group(Vec<Piece>),
}

/// A placeholder's field names, tried in turn, and the decoder of its value.
#[derive(Debug, PartialEq)]
struct Placeholder {
    names: Vec<&'static str>,
    decoder: Option<&'static str>,
}

impl Placeholder {
    /// The placeholder of a spec (`Field`, `A|B`, `Field:decoder`).
    fn parse(spec: &'static str) -> Placeholder {
        let (names, decoder) = match spec.rsplit_once(':') {
            Some((n, d))
                if !d.is_empty()
                    && d.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) =>
            {
                (n, Some(d))
            }
            _ => (spec, None),
        };
        Placeholder {
            names: names.split('|').collect(),
            decoder,
        }
    }

    /// The value, or `None` when no field of it is present. With alternatives, a zero code is
    /// skipped in favour of the next one (4625 `SubStatus` 0x0 → `Status`).
    fn value<'e>(&self, e: &'e Event) -> Option<Cow<'e, str>> {
        let mut alternatives = self.names.iter().peekable();
        while let Some(&name) = alternatives.next() {
            let Some(v) = raw(e, name) else {
                continue;
            };
            let last = alternatives.peek().is_none();
            if !last
                && matches!(self.decoder, Some("status" | "hresult"))
                && error_code(v) == Some(0)
            {
                continue;
            }
            return Some(match self.decoder {
                Some(d) => render(e, name, v, d).map_or(Cow::Borrowed(v), Cow::Owned),
                None => Cow::Borrowed(v),
            });
        }
        None
    }
}

/// The pieces of a template without optional groups: text and `{placeholders}` (a `{` that
/// is never closed is text).
fn plain_pieces(template: &'static str, pieces: &mut Vec<Piece>) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let before = rest.get(..open).unwrap_or("");
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('}') else {
            break;
        };
        if !before.is_empty() {
            pieces.push(Piece::Text(before));
        }
        pieces.push(Piece::Placeholder(Placeholder::parse(
            after.get(..close).unwrap_or(""),
        )));
        rest = after.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
}

/// The pieces of a template: `[ … ]` groups hold their own (from a `[` that is never closed
/// on, the rest is plain template).
fn pieces(template: &'static str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('[') {
        plain_pieces(rest.get(..open).unwrap_or(""), &mut out);
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find(']') else {
            plain_pieces(rest.get(open..).unwrap_or(""), &mut out);
            return out;
        };
        let mut group = Vec::new();
        plain_pieces(after.get(..close).unwrap_or(""), &mut group);
        out.push(Piece::Group(group));
        rest = after.get(close + 1..).unwrap_or("");
    }
    plain_pieces(rest, &mut out);
    out
}

/// Appends the pieces, filled (a missing placeholder shows as `?`, a group with one is
/// dropped); returns whether a placeholder outside groups was missing.
fn fill(e: &Event, pieces: &[Piece], out: &mut String) -> bool {
    let mut missing = false;
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(placeholder) => match placeholder.value(e) {
                Some(v) => clean_into(out, &v),
                None => {
                    missing = true;
                    out.push('?');
                }
            },
            Piece::Group(group) => {
                let start = out.len();
                if fill(e, group, out) {
                    out.truncate(start);
                }
            }
        }
    }
    missing
}

/// Extra decoding some events deserve beyond their template.
fn extra(e: &Event) -> Option<String> {
    match (e.kind.key(), e.event_id) {
        ("service_control", 7036 | 7040 | 7031 | 7034 | 7023 | 7024 | 7000 | 7001) => {
            let key = service_key(e)?;
            let state = (e.event_id == 7036)
                .then(|| service_state(e))
                .flatten()
                .and_then(codes::service_state)
                .and_then(|s| s.name);
            Some(match state {
                Some(s) => format!("service {key}, {s}"),
                None => format!("service {key}"),
            })
        }
        _ => None,
    }
}

/// The one-line summary of an event: `<source> <id> on <HOST>: <what it says, decoded>`.
pub fn summarize(e: &Event) -> String {
    let kind = e.kind.key();
    let (label, template) = label_and_template(kind, e.event_id);
    let mut line = String::with_capacity(128);
    match label {
        Some(label) => line.push_str(label),
        None => clean_into(&mut line, &e.provider),
    }
    line.push(' ');
    line.push_str(itoa::Buffer::new().format(e.event_id));
    line.push_str(" on ");
    clean_into(&mut line, short_host(&e.host));
    line.push_str(": ");
    match template {
        Some(pieces) => {
            fill(e, pieces, &mut line);
        }
        None => match e.rendering.as_ref().and_then(|r| r.message.as_deref()) {
            Some(message) => clean_into(&mut line, message),
            None => {
                let all = crate::evidence::all_text(&e.fields);
                if all.is_empty() {
                    line.push_str("event");
                } else {
                    clean_into(&mut line, &all);
                }
            }
        },
    }
    if let Some(x) = extra(e) {
        line.push_str(" (");
        line.push_str(&x);
        line.push(')');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn templates_are_split_into_text_placeholders_and_groups() {
        let slot = |names: &[&'static str], decoder| {
            Piece::Placeholder(Placeholder {
                names: names.to_vec(),
                decoder,
            })
        };
        assert_eq!(
            pieces("gateway[ user {Username}][: error {SubStatus|Status:status}] end"),
            vec![
                Piece::Text("gateway"),
                Piece::Group(vec![Piece::Text(" user "), slot(&["Username"], None)]),
                Piece::Group(vec![
                    Piece::Text(": error "),
                    slot(&["SubStatus", "Status"], Some("status")),
                ]),
                Piece::Text(" end"),
            ]
        );
        // Not a decoder: the whole spec names the field.
        assert_eq!(pieces("{A:B C}"), vec![slot(&["A:B C"], None)]);
        // Never closed: text, as far as the template goes.
        assert_eq!(
            pieces("a{b[c}d"),
            vec![Piece::Text("a{b"), Piece::Text("[c}d")]
        );
        assert_eq!(
            pieces("x[y{Z}"),
            vec![Piece::Text("x"), Piece::Text("[y"), slot(&["Z"], None)]
        );
        assert_eq!(pieces(""), vec![]);
    }

    #[test]
    fn values_are_cleaned_to_one_short_line() {
        assert_eq!(clean("plain value"), "plain value");
        assert_eq!(clean(""), "");
        assert_eq!(clean("  a\tb  c\r\n"), "a b c");
        assert_eq!(clean("\u{2003}wide\u{2003}"), "wide");
        assert_eq!(clean("a\u{a0}b"), "a\u{a0}b");
        assert_eq!(clean("x\u{1}y"), "x y");
        let long = "é".repeat(MAX_VALUE_CHARS + 5);
        let cut = clean(&long);
        assert_eq!(cut.chars().count(), MAX_VALUE_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            clean(&"x".repeat(MAX_VALUE_CHARS)),
            "x".repeat(MAX_VALUE_CHARS)
        );
        // Appending keeps what was there.
        let mut out = String::from("> ");
        clean_into(&mut out, "  two  words ");
        assert_eq!(out, "> two words");
        // A leading control character adds no space, wherever the value is appended.
        assert_eq!(clean("\u{1}lead"), "lead");
        let mut out = String::from("> ");
        clean_into(&mut out, "\u{1}lead");
        assert_eq!(out, "> lead");
    }

    #[test]
    fn schannel_36870_reads_like_the_design() {
        let e = system(
            "SRV01.corp.local",
            "Schannel",
            36870,
            0,
            &[
                ("Type", "server"),
                ("ErrorCode", "0x8009030D"),
                ("ErrorStatus", "10001"),
            ],
        );
        assert_eq!(
            summarize(&e),
            "Schannel 36870 on SRV01: fatal error accessing the TLS server credential private key — 0x8009030D SEC_E_UNKNOWN_CREDENTIALS, state 10001"
        );
    }

    #[test]
    fn codes_are_decoded() {
        let e = client(
            "WS1",
            None,
            1026,
            0,
            &[("Name", "Disconnect Reason"), ("Value", "2308")],
        );
        assert!(summarize(&e).contains("2308 (0x904) disconnectReasonAtClientWinsockFDCLOSE"));
        let e = security(
            "SRV01",
            4625,
            0,
            &[
                ("LogonType", "3"),
                ("Status", "0xc000006d"),
                ("SubStatus", "0xc000006a"),
                ("TargetUserName", "bob"),
                ("TargetDomainName", "CORP"),
                ("IpAddress", "10.0.0.5"),
            ],
        );
        let s = summarize(&e);
        assert!(s.contains("0xC000006A STATUS_WRONG_PASSWORD"), "{s}");
        assert!(s.contains("3 (Network)") || s.contains("type 3"), "{s}");
        let e = system_data(
            "SRV01",
            "TermDD",
            56,
            0,
            &["\\Device\\Termdd", "10.0.0.5"],
            Some(
                "0000040002002C000000000038000AC00000000038000AC000000000000000000000000000000000B50000D0",
            ),
        );
        let s = summarize(&e);
        assert!(s.contains("0xC00000B5 STATUS_IO_TIMEOUT"), "{s}");
        let e = system(
            "SRV01",
            "Service Control Manager",
            7036,
            0,
            &[
                ("param1", "Remote Desktop Services"),
                ("param2", "stopped"),
                (
                    "Binary",
                    "5400650072006D0053006500720076006900630065002F0031000000",
                ),
            ],
        );
        let s = summarize(&e);
        assert!(s.contains("service TermService, SERVICE_STOPPED"), "{s}");
    }

    #[test]
    fn hostile_values_are_cleaned_and_cut() {
        let long = format!("evil\r\n{}", "x".repeat(500));
        let e = corets("SRV01", None, 140, 0, &[("IPString", &long)]);
        let s = summarize(&e);
        assert!(!s.contains('\n') && !s.contains('\r'));
        assert!(s.chars().count() < 250, "{}", s.len());
        let missing = corets("SRV01", None, 139, 0, &[]);
        assert!(summarize(&missing).contains('?'));
        let e = corets("SRV01", None, 143, 0, &[("error", "64")]);
        assert!(summarize(&e).ends_with("write failed: 64 ERROR_NETNAME_DELETED"));
        let e = security(
            "SRV01",
            5061,
            0,
            &[
                ("KeyName", "TSSecKeySet1"),
                ("Operation", "%%2480"),
                ("ReturnCode", "0x0"),
            ],
        );
        assert_eq!(
            summarize(&e),
            "Security 5061 on SRV01: cryptographic operation Open key on TSSecKeySet1: 0x00000000 S_OK"
        );
    }
}
