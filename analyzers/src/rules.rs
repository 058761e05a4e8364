//! The evidence rules: one static table, [`RULES`], of everything that argues for or against a
//! cause of a failed connection.
//!
//! A [`Rule`] says which event (catalog kind, event ids, field [`Cond`]itions — equality, sets,
//! numbers in any rendering, bits, regexes, values decoded from `Binary` blobs and `%%`
//! references) or which connection-level [`Fact`] triggers it; on which machine of the
//! connection it counts ([`Side`]); whether the event must be owned by the connection or may be
//! context around it ([`Scope`]); which causes it argues for or against and how strongly
//! ([`Effect`], weights in log-odds units, see [`crate::score`]); and in which time window
//! around the connection it counts, with a half-life for the decay of its weight
//! ([`Window`]). Rules flagged `onset` describe a change of the host's state (a certificate
//! renewal, a firewall rule, a service installed…) and are what [`crate::onset`] looks for
//! between the last success and the first failure.
//!
//! Sources: docs/EVENTS.md §3 (event fields), §4 (cause → evidence matrix) and §5 (code
//! tables, used through [`crate::codes`] wherever a code names its causes: a rule with
//! [`CauseSource::Decoded`] supports whatever the decoder's table says).

use rdpsleuth_parser::catalog::SECURITY_VENDOR_PATTERN;

use crate::cause::Cause;
use crate::cause::Cause::*;

/// Log-odds weight of evidence that settles a cause on its own (Schannel 36870 with state
/// 10001, LsaSrv 6041).
pub const DEFINITIVE: f64 = 4.0;
/// Strong, direct evidence (a failing RDP key read, a WFP drop of the connection, 4625).
pub const STRONG: f64 = 3.0;
/// Evidence that clearly points at a cause but also fits others.
pub const MODERATE: f64 = 2.0;
/// Circumstantial evidence.
pub const WEAK: f64 = 1.0;
/// A hint: only tips a balance.
pub const HINT: f64 = 0.5;

/// Which machine of the connection an event must come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The RDP client.
    Client,
    /// The host the client connected to.
    Server,
    /// Either one.
    Either,
}

/// Whether an event must belong to the connection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scope {
    /// Owned by the connection (same ActivityID, or joined by address, port or logon id).
    Owned,
    /// Host state around the connection (owned by no connection at all).
    Context,
    /// Either; context counts with this factor (a per-connection record nobody owns may
    /// belong to a connection whose logs we do not have).
    Any(f64),
}

/// The time window in which a rule counts, relative to the connection's window
/// `[start, end]` on the connection's reference clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Seconds before the start.
    pub before: f64,
    /// Seconds after the end.
    pub after: f64,
    /// The weight halves every this many seconds of distance from the window.
    pub half_life: f64,
}

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

/// The handshake's own seconds (Schannel, TermDD, key reads).
pub const HANDSHAKE: Window = Window {
    before: 30.0,
    after: 30.0,
    half_life: 15.0,
};
/// Around a logon.
pub const LOGON: Window = Window {
    before: MINUTE,
    after: MINUTE,
    half_life: 30.0,
};
/// Minutes: network changes, security products acting.
pub const MINUTES: Window = Window {
    before: 10.0 * MINUTE,
    after: 2.0 * MINUTE,
    half_life: 5.0 * MINUTE,
};
/// Hours: hung sessions, service failures, network profiles.
pub const HOURS: Window = Window {
    before: HOUR,
    after: 10.0 * MINUTE,
    half_life: 30.0 * MINUTE,
};
/// A day: trust failures, service start types.
pub const A_DAY: Window = Window {
    before: DAY,
    after: HOUR,
    half_life: 6.0 * HOUR,
};
/// A week: firewall rule changes, products installed.
pub const A_WEEK: Window = Window {
    before: 7.0 * DAY,
    after: 10.0 * MINUTE,
    half_life: 2.0 * DAY,
};
/// Two weeks: certificate renewal failures repeat daily until fixed.
pub const TWO_WEEKS: Window = Window {
    before: 14.0 * DAY,
    after: HOUR,
    half_life: 4.0 * DAY,
};

/// Where a condition reads text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// A named field (exact name, else the same name ignoring case).
    Field(&'static str),
    /// The n-th unnamed classic `Data` element.
    Data(usize),
    /// Every field value, joined by spaces, and Event Viewer's rendered message when the
    /// export carried one.
    All,
    /// Event Viewer's rendered message, when the export carried one.
    Message,
    /// The provider name.
    Provider,
}

/// A value decoded from an event with the tables of [`crate::codes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decode {
    /// An HRESULT in a field (hex with or without `0x`, decimal, signed decimal).
    Hresult(&'static str),
    /// An NTSTATUS: the first of these fields that holds a known, non-zero value.
    NtStatus(&'static [&'static str]),
    /// The status at the end of a TermDD IO_ERROR_LOG_PACKET `Binary` (an NTSTATUS, or an
    /// SSPI HRESULT for `0x8009…`).
    TermddStatus,
    /// A classic `Binary` holding one little-endian NTSTATUS (NETLOGON).
    NtStatusBinary,
    /// A TLS alert number.
    TlsAlert(&'static str),
    /// A Schannel error state (with the event id and the alert, when there is one).
    SchannelState(&'static str),
    /// A client disconnect reason (1026 `Value`).
    DisconnectReason(&'static str),
    /// An LSM 40 `Reason`.
    LsmReason(&'static str),
    /// A `%%NNNN` message reference (4625 `FailureReason`).
    MessageRef(&'static str),
    /// An NTSTATUS or HRESULT written inside text, e.g. `"… (0xc0000234)"` (LsaSrv 40960).
    CodeInText(Text),
}

/// A test on an event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cond {
    /// The text equals one of these, ignoring case and padding.
    OneOf(Text, &'static [&'static str]),
    /// The value of one of these fields, as a number in any rendering, is one of these.
    Num(&'static [&'static str], &'static [u64]),
    /// None of these fields holds one of these numbers (absent fields pass).
    NotNum(&'static [&'static str], &'static [u64]),
    /// The field holds a number that is not zero.
    NonZero(&'static str),
    /// The field holds a number (hex without `0x` accepted) with any of these bits set.
    Bits(&'static str, u64),
    /// The text matches this regex (compiled once, case-insensitive).
    Matches(Text, &'static str),
    /// The text is absent or does not match this regex.
    NotMatches(Text, &'static str),
    /// The text is absent or matches this regex (a field some builds omit).
    AbsentOrMatches(Text, &'static str),
    /// The SCM service key (from `Binary`, `param4`, or a known display name) is one of these.
    Service(&'static [&'static str]),
    /// The SCM 7036 state (from the `Binary` digit, or the localised `param2` text) is this
    /// SERVICE_STATUS value.
    ServiceState(u32),
    /// The decoded value is one of these.
    Decoded(Decode, &'static [u64]),
    /// A key operation on the RDP certificate's machine key (`TSSecKeySet1`, the
    /// RdCertificateFactory keys, or a key file under `MachineKeys`).
    RdpMachineKey,
    /// Not the benign `0x80090016` of a normal key creation: an Open Key that fails with
    /// NTE_BAD_KEYSET and is followed by a successful Create Key of the same key name.
    NotBenignKeyCreation,
    /// A CAPI2 90 certificate whose `NotAfter` lies before the event.
    CertNotAfterPassed,
    /// The field names the connection's target or server (a DNS query, a destination).
    NamesServer(&'static str),
    /// A packet-filter record whose remote address is the connection's client address.
    FromClient,
    /// The connection's client address is not known (an attempt that never reached the host,
    /// from a client no log gives the address of).
    ClientAddressUnknown,
    /// A packet-filter record of inbound traffic to an RDP port of the logging machine
    /// (WFP `Direction` / pfirewall.log `path`, ports normalised to local/remote).
    InboundToRdpPort,
    /// A time change (Kernel-General 1 `NewTime` / `OldTime`) of at least this many seconds
    /// either way (synchronisation logs many changes of microseconds).
    TimeJump(f64),
}

/// Connection-level facts: what the two timelines show or do not show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fact {
    /// The client connected its socket (1025) but the server's RdpCoreTS log, which covers
    /// the time, shows no connection from it.
    ConnectedButNeverAccepted,
    /// The client never got a connected socket and the server's RdpCoreTS log, which covers
    /// the time, shows no connection from it.
    NeverReachedHost,
    /// The host accepted the connection (131) and the socket failed (142/143) before the RDP
    /// stack created the connection (no 65 or 72): something reset it.
    AcceptedThenDropped,
    /// The client's TCP connect failed after [`CONNECT_TIMEOUT_SECONDS`] or more without a
    /// connected socket: its SYNs went unanswered — dropped by a filter, or the host
    /// unreachable (Windows gives up after about 21 s: SYNs at 0, 3 and 9 s).
    ConnectTimedOut,
    /// The client's TCP connect failed within [`CONNECT_REFUSED_SECONDS`]: the host answered
    /// at once with a reset (nothing listening on the port) or the route was refused.
    ConnectRefused,
    /// LSM began arbitrating a session (41) for the connection and never finished (no 42, 21
    /// or 25).
    ArbitrationNeverEnded,
    /// The last state change of TermService before the failure was "stopped".
    TermServiceStopped,
    /// The host never saw the attempt and was shutting down or restarting at the time: the
    /// last start/stop marker of its event log service before the attempt is a shutdown
    /// (User32 1074, EventLog 6006), with nothing logged between it and the attempt.
    HostDown,
    /// The same client connected successfully to the same host soon after, with no change of
    /// the host's state in between.
    LaterSuccessUnchanged,
    /// The host's state changed between the last success and the first failure of the run of
    /// failures this connection belongs to (see [`crate::onset`]).
    ChangedBeforeOnset,
}

/// A never-connected attempt that failed at least this long after it began timed out.
pub const CONNECT_TIMEOUT_SECONDS: f64 = 15.0;
/// A never-connected attempt that failed within this time was refused.
pub const CONNECT_REFUSED_SECONDS: f64 = 5.0;
/// Client disconnect reasons of a TCP connect that failed (0x204 connect failed, 0x108 timed
/// out).
pub const CONNECT_FAILED_REASONS: &[u32] = &[0x204, 0x108];

/// Shutdown markers (User32 1074 initiated, EventLog 6006 clean shutdown) and the start
/// marker (EventLog 6005) of the `eventlog_service` kind.
pub const SHUTDOWN_IDS: &[u32] = &[1074, 6006];
/// The start marker of the `eventlog_service` kind.
pub const STARTUP_ID: u32 = 6005;

/// What a rule triggers on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trigger {
    /// An event of this catalog kind and these ids (empty = any id), passing every condition.
    Event {
        /// The catalog kind key.
        kind: &'static str,
        /// The event ids; empty for any.
        ids: &'static [u32],
        /// Conditions, all of which must hold.
        conds: &'static [Cond],
    },
    /// A fact about the connection.
    Fact(Fact),
}

/// Whether a rule argues for or against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Supports the cause.
    For,
    /// Argues against the cause.
    Against,
}

/// Which causes an effect names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CauseSource {
    /// These causes.
    Fixed(&'static [Cause]),
    /// The causes the changed host state bears on (the onset change's own rule's causes).
    OfChange {
        /// The causes it usually yields.
        typical: &'static [Cause],
    },
    /// The causes the decoded value's table row names (the first at full weight, the others
    /// at half; a value that fits more than [`MAX_DECODED_CAUSES`] causes decides nothing).
    /// `typical` lists what the rule usually supports, for planning missing logs.
    Decoded {
        /// The decoder.
        decode: Decode,
        /// The causes it usually yields.
        typical: &'static [Cause],
    },
}

/// A decoded code that fits more causes than this argues for none of them.
pub const MAX_DECODED_CAUSES: usize = 3;

/// One effect of a rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effect {
    /// For or against.
    pub direction: Direction,
    /// Which causes.
    pub causes: CauseSource,
    /// Weight, log-odds units.
    pub weight: f64,
}

/// One evidence rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// Stable id, shown with the evidence and used by remediation steps.
    pub id: &'static str,
    /// What a match means, in a few words.
    pub about: &'static str,
    /// The event or fact.
    pub trigger: Trigger,
    /// The machine.
    pub side: Side,
    /// Owned or context.
    pub scope: Scope,
    /// What it argues.
    pub effects: &'static [Effect],
    /// When it counts.
    pub window: Window,
    /// A change of host state that can mark the onset of failures.
    pub onset: bool,
}

const fn ev(kind: &'static str, ids: &'static [u32], conds: &'static [Cond]) -> Trigger {
    Trigger::Event { kind, ids, conds }
}

const fn pro(causes: &'static [Cause], weight: f64) -> Effect {
    Effect {
        direction: Direction::For,
        causes: CauseSource::Fixed(causes),
        weight,
    }
}

const fn con(causes: &'static [Cause], weight: f64) -> Effect {
    Effect {
        direction: Direction::Against,
        causes: CauseSource::Fixed(causes),
        weight,
    }
}

const fn decoded(decode: Decode, typical: &'static [Cause], weight: f64) -> Effect {
    Effect {
        direction: Direction::For,
        causes: CauseSource::Decoded { decode, typical },
        weight,
    }
}

#[allow(clippy::too_many_arguments)]
const fn rule(
    id: &'static str,
    about: &'static str,
    trigger: Trigger,
    side: Side,
    scope: Scope,
    effects: &'static [Effect],
    window: Window,
    onset: bool,
) -> Rule {
    Rule {
        id,
        about,
        trigger,
        side,
        scope,
        effects,
        window,
        onset,
    }
}

// ---- text patterns (case-insensitive; localised where Windows writes localised text) --------

/// RCM 1057/1058 status texts that name a key problem: "Keyset does not exist", "Access is
/// denied" and their translations (de, fr, es, it, pt, ja, ko, zh, nl, ru, pl, tr), or the raw
/// codes.
pub const KEY_PROBLEM_TEXT: &str = r"(?i)keyset|key set|key does not exist|access (is )?denied|schlüsselsatz|zugriff verweigert|jeu de clés|accès refusé|conjunto de claves|acceso denegado|accesso negato|set di chiavi|conjunto de chaves|acesso negado|キー ?セット|アクセスが拒否|키 ?집합|액세스가 거부|密钥集|拒绝访问|金鑰組|存取被拒|sleutelset|toegang geweigerd|набор ключей|отказано в доступе|zestaw kluczy|odmowa dostępu|anahtar kümesi|erişim engellendi|0x80090016|0x80070005|0x8009000d|0x80090010|nte_";
/// Firewall rule names that concern Remote Desktop (built-in rule names in several languages,
/// the port, the service).
pub const RDP_RULE_NAME: &str = r"(?i)remote ?desktop|\brdp\b|3389|termservice|remotedesktop|bureau à distance|escritorio remoto|desktop remoto|área de trabalho remota|リモート ?デスクトップ|원격 ?데스크톱|远程桌面|遠端桌面|удаленн\S* рабоч\S* стол|pulpit zdalny|extern bureaublad|uzak masaüstü";
/// Display names of TermService (`param1` of SCM events when the `Binary` is absent).
pub const TERMSERVICE_DISPLAY: &str = r"(?i)^(remote desktop services|terminal services|termservice|remotedesktopdienste|services bureau à distance|servicios de escritorio remoto|servizi desktop remoto|serviços de área de trabalho remota|リモート ?デスクトップ ?サービス|원격 ?데스크톱 ?서비스|远程桌面服务|遠端桌面服務|службы удаленных рабочих столов|usługi pulpitu zdalnego|extern bureaublad-services|uzak masaüstü hizmetleri)$";
/// SCM 7040 start type "disabled", localised.
pub const DISABLED_TEXT: &str = r"(?i)disabled|deaktiviert|désactivé|deshabilitado|disabilitato|desativado|無効|사용 ?안 ?함|禁用|停用|отключена|wyłączony|uitgeschakeld|devre dışı";
/// Words of a security product's event that speak of blocking RDP traffic.
pub const BLOCK_TEXT: &str = r"(?i)block|drop|\bden(y|ied)\b|reject|prevent|quarantin|intrusion|\bips\b|firewall|attack|exploit|brute|3389|\brdp\b|remote desktop|blockiert|bloqué|bloqueado|bloccat|ブロック|차단|阻止|拦截|封鎖|заблокир";
/// Processes whose certificate work is about RDP (client, host service, LSA).
pub const RDP_PROCESS: &str = r"(?i)mstsc|msrdc|rdclient|remote ?desktop|svchost|lsass";
/// Names of security products (the parser catalog's list), for SCM and Security Center text.
pub const VENDOR_TEXT: &str = SECURITY_VENDOR_PATTERN;
/// Defender detections that concern RDP binaries or traffic.
pub const RDP_THREAT_TEXT: &str = r"(?i)mstsc|msrdc|termsrv|rdpclip|\.rdp\b|3389|remote ?desktop";
/// An SPN or target naming a Remote Desktop host.
pub const TERMSRV_SPN: &str = r"(?i)^termsrv/";
/// SCM 7036 `param2` "stopped", localised (used when the `Binary` is absent).
pub const STOPPED_TEXT: &str = r"(?i)^(stopped|beendet|angehalten|arrêté|detenido|interrotto|arrestato|parado|interrompido|停止|已停止|중지됨|остановлен|zatrzyman|gestopt|durduruldu)";
/// SCM 7036 `param2` "running", localised.
pub const RUNNING_TEXT: &str = r"(?i)^(running|wird ausgeführt|ausgeführt|en cours d'exécution|en ejecución|in esecuzione|em execução|実行中|실행 ?중|正在运行|正在執行|執行中|работает|uruchomion|actief|wordt uitgevoerd|çalışıyor)";
/// Regexes used by the evaluation itself rather than by a rule's conditions.
pub const INTERNAL_PATTERNS: &[&str] = &[TERMSERVICE_DISPLAY, STOPPED_TEXT, RUNNING_TEXT];

// ---- the table -------------------------------------------------------------------------------

const HOST_STATE: &[Cause] = &[
    CertExpired,
    PrivateKeyAccess,
    TlsMismatch,
    ServiceUnavailable,
    FirewallBlock,
    SessionStuck,
];
const TLS_LAYER: &[Cause] = &[TlsMismatch, CertExpired, PrivateKeyAccess];
const RDP_KEY_OPS: &[u32] = &[5058, 5059, 5061];
const WFP_BLOCKS: &[u32] = &[5152, 5153, 5157];
const RULE_ADDED: &[u32] = &[2004, 2071, 2097];
const RULE_MODIFIED: &[u32] = &[2005, 2073, 2099];
const RULE_DELETED: &[u32] = &[2006, 2052];
const TERMSERVICE: &[&str] = &["TermService"];
const LSM_HUNG: &[u32] = &[43, 44, 45, 48, 49, 50, 51, 52, 53];

/// Every evidence rule. Ids are unique (a test checks), grouped by what they read.
#[rustfmt::skip]
pub static RULES: &[Rule] = &[
    // ---- the client's own connection events ---------------------------------------------------
    rule("client-disconnect-reason", "the client's disconnect reason names a cause",
        ev("rdpclient", &[1026], &[]),
        Side::Client, Scope::Owned,
        &[decoded(Decode::DisconnectReason("Value"), &[GatewayCertMismatch, LogonDenied, CredsspNla, Network, ServiceUnavailable], STRONG)],
        LOGON, false),
    rule("client-udp-failed", "the client's UDP transport failed or dropped (1104/1105)",
        ev("rdpclient", &[1104, 1105], &[]),
        Side::Client, Scope::Owned,
        &[pro(&[Network], HINT)],
        LOGON, false),
    rule("client-state-error", "the client's state machine failed with a code",
        ev("rdpclient", &[226], &[Cond::NonZero("ErrorCode")]),
        Side::Client, Scope::Owned,
        &[decoded(Decode::Hresult("ErrorCode"), &[TlsMismatch, CredsspNla, CertExpired], MODERATE)],
        LOGON, false),

    // ---- the host's RDP stack ---------------------------------------------------------------------
    rule("host-security-layer-error", "the host's security layer rejected the stream with a code",
        ev("rdpcorets", &[139], &[]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::Hresult("ResultCode"), &[TlsMismatch, PrivateKeyAccess, CertExpired, CredsspNla], STRONG)],
        LOGON, false),
    rule("host-bad-credentials", "the host says the user name or password is wrong (RdpCoreTS 140)",
        ev("rdpcorets", &[140], &[]),
        Side::Server, Scope::Owned,
        &[pro(&[LogonDenied], STRONG)],
        LOGON, false),
    rule("host-protocol-error", "an RDP protocol component dropped the client",
        ev("rdpcorets", &[97], &[]),
        Side::Server, Scope::Owned,
        &[pro(&[TlsMismatch], WEAK), pro(&[Network], HINT)],
        LOGON, false),
    rule("host-tcp-failed", "the host's TCP connection failed",
        ev("rdpcorets", &[99], &[]),
        Side::Server, Scope::Owned,
        &[pro(&[Network], MODERATE)],
        LOGON, false),
    rule("host-tls-completed", "TLS completed for this connection (RdpCoreTS 153)",
        ev("rdpcorets", &[153], &[]),
        Side::Server, Scope::Owned,
        &[con(TLS_LAYER, STRONG)],
        LOGON, false),
    rule("host-authenticated", "network authentication succeeded for this connection (RCM 1149)",
        ev("rcm", &[1149], &[]),
        Side::Server, Scope::Owned,
        &[con(TLS_LAYER, STRONG), con(&[CredsspNla], STRONG), con(&[FirewallBlock, ServiceUnavailable], MODERATE)],
        LOGON, false),
    rule("host-accepted", "the host's RDP stack accepted the connection (RdpCoreTS 131): the listener runs and the packets got through",
        ev("rdpcorets", &[131], &[]),
        Side::Server, Scope::Owned,
        &[con(&[ServiceUnavailable], MODERATE), con(&[FirewallBlock], MODERATE)],
        LOGON, false),
    rule("host-socket-error", "the host's socket to the client failed (RdpCoreTS 142/143)",
        ev("rdpcorets", &[142, 143], &[Cond::NonZero("error")]),
        Side::Server, Scope::Owned,
        &[pro(&[Network], WEAK)],
        LOGON, false),
    rule("host-peer-closed", "the connection was closed under the host (RdpCoreTS 226 ERROR_NETNAME_DELETED)",
        ev("rdpcorets", &[226], &[Cond::Num(&["ErrorCode"], &[0x8007_0040])]),
        Side::Server, Scope::Owned,
        &[pro(&[Network], HINT)],
        LOGON, false),
    rule("host-logon-api-failed", "LogonUserExEx failed on the host with a status",
        ev("rdpcorets", &[147], &[]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::NtStatus(&["Error"]), &[DomainTrust, LogonDenied], MODERATE)],
        LOGON, false),
    rule("host-autoreconnect-failed", "automatic reconnection to the session failed",
        ev("rdpcorets", &[146], &[]),
        Side::Server, Scope::Owned,
        &[pro(&[SessionStuck], WEAK)],
        LOGON, false),
    rule("host-idle", "the host sent nothing for a while before dropping the connection",
        ev("rdpcorets", &[145], &[Cond::NonZero("IdleSeconds")]),
        Side::Server, Scope::Owned,
        &[pro(&[Network], HINT), pro(&[SessionStuck], HINT)],
        LOGON, false),
    rule("host-generic-error", "the host logged an error with a code",
        ev("rdpcorets", &[154], &[Cond::NonZero("Error")]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::Hresult("Error"), &[TlsMismatch], WEAK)],
        LOGON, false),
    rule("host-listener-failed", "the RDP listener failed while listening (RCM 260)",
        ev("rcm", &[260], &[]),
        Side::Server, Scope::Context,
        &[pro(&[ServiceUnavailable], STRONG)],
        HOURS, true),
    rule("host-listener-stopped", "the RDP listener stopped (RCM 259/262)",
        ev("rcm", &[259, 262], &[]),
        Side::Server, Scope::Context,
        &[pro(&[ServiceUnavailable], MODERATE)],
        HOURS, true),
    rule("host-user-config-slow", "loading the user's configuration from a domain controller took too long",
        ev("rcm", &[20499, 20500], &[]),
        Side::Server, Scope::Any(1.0),
        &[pro(&[DomainTrust], WEAK)],
        MINUTES, false),
    rule("fact-accepted-then-dropped", "the host accepted the TCP connection and the socket failed before the RDP stack started",
        Trigger::Fact(Fact::AcceptedThenDropped),
        Side::Server, Scope::Owned,
        &[pro(&[SecuritySoftware], STRONG), pro(&[Network], WEAK), pro(&[FirewallBlock], WEAK)],
        LOGON, false),
    rule("fact-connected-never-accepted", "the client's socket connected but the host's RDP stack never saw the connection",
        Trigger::Fact(Fact::ConnectedButNeverAccepted),
        Side::Server, Scope::Owned,
        &[pro(&[SecuritySoftware], MODERATE), pro(&[FirewallBlock], WEAK), pro(&[Network], WEAK)],
        LOGON, false),
    rule("fact-connect-timed-out", "the client's TCP connect went unanswered until it timed out (about 21 s): dropped on the way or by a filter",
        Trigger::Fact(Fact::ConnectTimedOut),
        Side::Client, Scope::Owned,
        &[pro(&[FirewallBlock], WEAK), pro(&[Network], WEAK)],
        LOGON, false),
    rule("fact-connect-refused", "the client's TCP connect was refused at once: nothing listened on the RDP port",
        Trigger::Fact(Fact::ConnectRefused),
        Side::Client, Scope::Owned,
        &[pro(&[ServiceUnavailable], WEAK), pro(&[Network], HINT)],
        LOGON, false),
    rule("fact-never-reached-host", "the client could not connect and the host's RDP stack never saw the connection",
        Trigger::Fact(Fact::NeverReachedHost),
        Side::Server, Scope::Owned,
        &[pro(&[FirewallBlock], MODERATE), pro(&[Network], WEAK), pro(&[SecuritySoftware], WEAK), pro(&[ServiceUnavailable], HINT)],
        LOGON, false),

    // ---- the RDP certificate (System, TermService) -------------------------------------------------
    rule("cert-renewal-failed", "the expired self-signed RDP certificate could not be replaced (1058)",
        ev("rcm_system", &[1058], &[]),
        Side::Server, Scope::Context,
        &[pro(&[CertExpired], STRONG)],
        TWO_WEEKS, true),
    rule("cert-renewal-failed-key", "the certificate renewal failed on its private key (1058: keyset missing / access denied)",
        ev("rcm_system", &[1058], &[Cond::Matches(Text::All, KEY_PROBLEM_TEXT)]),
        Side::Server, Scope::Context,
        &[pro(&[PrivateKeyAccess], MODERATE)],
        TWO_WEEKS, false),
    rule("cert-creation-failed", "a new self-signed RDP certificate could not be created (1057)",
        ev("rcm_system", &[1057], &[]),
        Side::Server, Scope::Context,
        &[pro(&[CertExpired], MODERATE), pro(&[PrivateKeyAccess], MODERATE)],
        TWO_WEEKS, true),
    rule("cert-creation-failed-key", "the certificate creation failed on its private key (1057: keyset missing / access denied)",
        ev("rcm_system", &[1057], &[Cond::Matches(Text::All, KEY_PROBLEM_TEXT)]),
        Side::Server, Scope::Context,
        &[pro(&[PrivateKeyAccess], STRONG)],
        TWO_WEEKS, false),
    rule("cert-configured-expired", "the configured RDP certificate has expired (1053)",
        ev("rcm_system", &[1053], &[]),
        Side::Server, Scope::Context,
        &[pro(&[CertExpired], STRONG)],
        TWO_WEEKS, true),
    rule("cert-wrong-usage", "the configured RDP certificate is not valid for server authentication (1054)",
        ev("rcm_system", &[1054], &[]),
        Side::Server, Scope::Context,
        &[pro(&[CertExpired], MODERATE)],
        TWO_WEEKS, true),
    rule("cert-key-inaccessible", "the private key of the configured RDP certificate cannot be accessed (1055)",
        ev("rcm_system", &[1055], &[]),
        Side::Server, Scope::Context,
        &[pro(&[PrivateKeyAccess], STRONG)],
        TWO_WEEKS, true),
    rule("cert-expiring", "the RDP certificate is about to expire or its configuration was reset (1052/1059)",
        ev("rcm_system", &[1052, 1059], &[]),
        Side::Server, Scope::Context,
        &[pro(&[CertExpired], WEAK)],
        TWO_WEEKS, true),
    rule("cert-custom-problem", "a problem with a custom RDP certificate (1050/1051, 1060-1065)",
        ev("rcm_system", &[1050, 1051, 1060, 1061, 1062, 1063, 1064, 1065], &[]),
        Side::Server, Scope::Context,
        &[pro(&[CertExpired], WEAK)],
        TWO_WEEKS, true),
    // Only before the failure: a certificate created after it is the fix, not a reason to doubt.
    rule("cert-renewed", "a new self-signed RDP certificate was created shortly before (1056)",
        ev("rcm_system", &[1056], &[]),
        Side::Server, Scope::Context,
        &[con(&[CertExpired], MODERATE)],
        Window { before: DAY, after: 5.0, half_life: 6.0 * HOUR }, true),
    rule("spn-registration-failed", "the TERMSRV SPN could not be registered (1067)",
        ev("rcm_system", &[1067], &[]),
        Side::Server, Scope::Context,
        &[pro(&[DomainTrust], WEAK)],
        A_DAY, false),
    rule("logons-refused", "the host refuses new logons: drain mode or not accepting connections (1070/1071)",
        ev("rcm_system", &[1070, 1071], &[]),
        Side::Server, Scope::Any(1.0),
        &[pro(&[ServiceUnavailable], DEFINITIVE)],
        HOURS, true),
    rule("logons-not-accepted", "the session manager does not accept logons (LSM 34)",
        ev("lsm", &[34], &[]),
        Side::Server, Scope::Any(1.0),
        &[pro(&[ServiceUnavailable], MODERATE)],
        MINUTES, false),

    // ---- TLS (Schannel) ----------------------------------------------------------------------------
    rule("schannel-key-error", "Schannel could not use the private key of the TLS credential (36870)",
        ev("schannel", &[36870], &[]),
        Side::Server, Scope::Any(0.6),
        &[pro(&[PrivateKeyAccess], STRONG)],
        HANDSHAKE, false),
    rule("schannel-key-error-state", "36870 with state 10001 / SEC_E_UNKNOWN_CREDENTIALS: the key is unreadable",
        ev("schannel", &[36870], &[Cond::Num(&["ErrorStatus", "ErrorState"], &[10001])]),
        Side::Server, Scope::Any(0.6),
        &[pro(&[PrivateKeyAccess], WEAK)],
        HANDSHAKE, false),
    rule("schannel-credential-error", "Schannel could not create a TLS credential (36871)",
        ev("schannel", &[36871], &[]),
        Side::Either, Scope::Any(0.8),
        &[pro(&[TlsMismatch], STRONG)],
        HANDSHAKE, true),
    rule("schannel-credential-policy", "36871 with state 10013: the TLS versions needed are disabled by policy",
        ev("schannel", &[36871], &[Cond::Num(&["ErrorState", "ErrorStatus"], &[10013])]),
        Side::Either, Scope::Any(0.8),
        &[pro(&[TlsMismatch], WEAK)],
        HANDSHAKE, false),
    rule("schannel-chain-error", "the certificate's chain could not be retrieved (36872)",
        ev("schannel", &[36872], &[]),
        Side::Server, Scope::Any(0.6),
        &[pro(&[PrivateKeyAccess], WEAK), pro(&[CertExpired], WEAK)],
        HANDSHAKE, false),
    rule("schannel-no-common-cipher", "no cipher suite offered by the client is supported by the server (36874)",
        ev("schannel", &[36874], &[]),
        Side::Server, Scope::Any(0.6),
        &[pro(&[TlsMismatch], STRONG)],
        HANDSHAKE, false),
    rule("schannel-server-cert-invalid", "the server's certificate did not validate on the client (36876)",
        ev("schannel", &[36876], &[]),
        Side::Client, Scope::Any(0.8),
        &[decoded(Decode::Hresult("ErrorCode"), &[CertExpired, GatewayCertMismatch], STRONG)],
        HANDSHAKE, false),
    rule("schannel-server-cert-expired", "the server's certificate is expired or not yet valid (36881)",
        ev("schannel", &[36881], &[]),
        Side::Client, Scope::Any(0.8),
        &[pro(&[CertExpired], STRONG)],
        HANDSHAKE, false),
    rule("schannel-server-cert-untrusted", "the server's certificate was issued by an untrusted authority (36882)",
        ev("schannel", &[36882], &[]),
        Side::Client, Scope::Any(0.8),
        &[pro(&[CertExpired], WEAK)],
        HANDSHAKE, false),
    rule("schannel-server-cert-revoked", "the server's certificate is revoked (36883)",
        ev("schannel", &[36883], &[]),
        Side::Client, Scope::Any(0.8),
        &[pro(&[GatewayCertMismatch], MODERATE), pro(&[CertExpired], WEAK)],
        HANDSHAKE, false),
    rule("schannel-server-name-mismatch", "the server's certificate does not hold the expected name (36884)",
        ev("schannel", &[36884], &[]),
        Side::Client, Scope::Any(0.8),
        &[pro(&[GatewayCertMismatch], STRONG)],
        HANDSHAKE, false),
    rule("schannel-alert", "a fatal TLS alert was sent or received (36887/36888)",
        ev("schannel", &[36887, 36888], &[Cond::NonZero("AlertDesc")]),
        Side::Either, Scope::Any(0.5),
        &[decoded(Decode::TlsAlert("AlertDesc"), &[TlsMismatch, CertExpired], MODERATE)],
        HANDSHAKE, false),
    rule("schannel-alert-state", "the Schannel error state of the alert is known",
        ev("schannel", &[36888], &[Cond::NonZero("ErrorState")]),
        Side::Either, Scope::Any(0.5),
        &[decoded(Decode::SchannelState("ErrorState"), &[TlsMismatch], WEAK)],
        HANDSHAKE, false),
    rule("termdd-security-layer", "TermDD dropped the client at the security layer with a status (56)",
        ev("termdd", &[56], &[]),
        Side::Server, Scope::Any(0.6),
        &[decoded(Decode::TermddStatus, &[Network, SessionStuck, TlsMismatch], STRONG)],
        HANDSHAKE, false),
    rule("termdd-protocol-error", "TermDD found an error in the RDP protocol stream (50)",
        ev("termdd", &[50], &[]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::TermddStatus, &[TlsMismatch], WEAK)],
        HANDSHAKE, false),

    // ---- private keys (Security 5058/5059/5061, CAPI2 70) -------------------------------------------
    rule("rdp-key-operation-failed", "reading or opening the RDP certificate's machine key failed",
        ev("key_operations", RDP_KEY_OPS, &[Cond::NonZero("ReturnCode"), Cond::RdpMachineKey, Cond::NotBenignKeyCreation]),
        Side::Server, Scope::Any(0.8),
        &[pro(&[PrivateKeyAccess], STRONG)],
        HANDSHAKE, false),
    rule("capi2-private-key-failed", "acquiring a certificate's private key failed (CAPI2 70)",
        ev("capi2", &[70], &[Cond::NonZero("Result@value"), Cond::AbsentOrMatches(Text::Field("EventAuxInfo@ProcessName"), RDP_PROCESS)]),
        Side::Server, Scope::Any(0.8),
        &[decoded(Decode::Hresult("Result@value"), &[PrivateKeyAccess], MODERATE)],
        HANDSHAKE, false),

    // ---- certificate chains (CAPI2) -----------------------------------------------------------------
    rule("capi2-chain-expired", "a certificate in the chain is outside its validity period (CAPI2 11)",
        ev("capi2", &[11], &[Cond::Bits("CertificateChain.TrustStatus.ErrorStatus@value", 0x1), Cond::AbsentOrMatches(Text::Field("EventAuxInfo@ProcessName"), RDP_PROCESS)]),
        Side::Either, Scope::Any(0.8),
        &[pro(&[CertExpired], STRONG)],
        Window { before: 120.0, after: 60.0, half_life: 60.0 }, false),
    rule("capi2-policy-failed", "the certificate chain policy check failed (CAPI2 30)",
        ev("capi2", &[30], &[Cond::NonZero("Result@value"), Cond::AbsentOrMatches(Text::Field("EventAuxInfo@ProcessName"), RDP_PROCESS)]),
        Side::Either, Scope::Any(0.8),
        &[decoded(Decode::Hresult("Result@value"), &[GatewayCertMismatch, CertExpired], STRONG)],
        Window { before: 120.0, after: 60.0, half_life: 60.0 }, false),
    rule("capi2-revocation-failed", "revocation checking failed (CAPI2 41)",
        ev("capi2", &[41], &[Cond::NonZero("Result@value")]),
        Side::Client, Scope::Any(0.8),
        &[decoded(Decode::Hresult("Result@value"), &[GatewayCertMismatch, Network], WEAK)],
        Window { before: 120.0, after: 60.0, half_life: 60.0 }, false),
    rule("capi2-url-retrieval-failed", "fetching a CRL or certificate from the network failed (CAPI2 53)",
        ev("capi2", &[53], &[Cond::NonZero("Result@value")]),
        Side::Client, Scope::Any(0.8),
        &[pro(&[Network], WEAK)],
        Window { before: 120.0, after: 60.0, half_life: 60.0 }, false),
    rule("capi2-cert-not-after", "a certificate looked at had already expired (CAPI2 90 NotAfter)",
        ev("capi2", &[90], &[Cond::CertNotAfterPassed]),
        Side::Either, Scope::Any(0.8),
        &[pro(&[CertExpired], WEAK)],
        Window { before: 120.0, after: 60.0, half_life: 60.0 }, false),

    // ---- CredSSP / NLA (LsaSrv) -------------------------------------------------------------------
    rule("credssp-version-refused", "CredSSP could not agree a version with the host: Encryption Oracle Remediation (6041)",
        ev("credssp", &[6041], &[]),
        Side::Client, Scope::Any(1.0),
        &[pro(&[CredsspNla], DEFINITIVE)],
        MINUTES, false),
    rule("credssp-authentication-error", "an authentication error for the host with a status (40960)",
        ev("credssp", &[40960], &[]),
        Side::Either, Scope::Any(0.8),
        &[decoded(Decode::CodeInText(Text::Field("Error")), &[DomainTrust, LogonDenied], MODERATE), pro(&[DomainTrust], HINT)],
        MINUTES, false),
    rule("credssp-no-protocol", "no authentication protocol was available for the RDP host (40961)",
        ev("credssp", &[40961], &[Cond::Matches(Text::Field("Target"), TERMSRV_SPN)]),
        Side::Either, Scope::Any(0.8),
        &[pro(&[CredsspNla], MODERATE), pro(&[DomainTrust], WEAK)],
        MINUTES, false),
    rule("credssp-bad-target", "local authentication with the target name failed (6037)",
        ev("credssp", &[6037], &[]),
        Side::Either, Scope::Any(0.8),
        &[pro(&[CredsspNla], WEAK)],
        MINUTES, false),

    // ---- logons (Security) -------------------------------------------------------------------------
    rule("logon-failed", "the host refused the logon with a status (4625)",
        ev("logon_failure", &[4625], &[]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::NtStatus(&["SubStatus", "Status"]), &[LogonDenied, DomainTrust], STRONG)],
        LOGON, false),
    rule("logon-failed-reason", "the failure reason of the refused logon (4625 FailureReason)",
        ev("logon_failure", &[4625], &[Cond::Matches(Text::Field("FailureReason"), r"^%%23\d\d$")]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::MessageRef("FailureReason"), &[LogonDenied, DomainTrust], WEAK)],
        LOGON, false),
    rule("ntlm-validation-failed", "NTLM validation of the user failed with a status (4776)",
        ev("logon", &[4776], &[Cond::NonZero("Status")]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::NtStatus(&["Status"]), &[LogonDenied, DomainTrust], MODERATE)],
        LOGON, false),
    rule("network-logon-succeeded", "the network logon of NLA succeeded (4624 type 3)",
        ev("logon", &[4624], &[Cond::Num(&["LogonType"], &[3])]),
        Side::Server, Scope::Owned,
        &[con(&[CredsspNla], MODERATE)],
        LOGON, false),

    // ---- packet filtering and firewall ----------------------------------------------------------------
    rule("wfp-blocked", "the Windows Filtering Platform blocked this connection (5152/5153/5157)",
        ev("wfp", WFP_BLOCKS, &[Cond::NotMatches(Text::Field("FilterOrigin"), VENDOR_TEXT)]),
        Side::Either, Scope::Owned,
        &[pro(&[FirewallBlock], STRONG)],
        LOGON, false),
    rule("wfp-blocked-by-product", "a security product's filter blocked this connection (WFP FilterOrigin)",
        ev("wfp", WFP_BLOCKS, &[Cond::Matches(Text::Field("FilterOrigin"), VENDOR_TEXT)]),
        Side::Either, Scope::Owned,
        &[pro(&[SecuritySoftware], STRONG)],
        LOGON, false),
    rule("wfp-blocked-client-address", "the Windows Filtering Platform blocked the client's address on the RDP port around the attempt",
        ev("wfp", WFP_BLOCKS, &[Cond::FromClient, Cond::InboundToRdpPort, Cond::NotMatches(Text::Field("FilterOrigin"), VENDOR_TEXT)]),
        Side::Server, Scope::Context,
        &[pro(&[FirewallBlock], STRONG)],
        Window { before: 30.0, after: 30.0, half_life: 20.0 }, false),
    // A client that never reached the host and whose address no log gives: a block on the RDP
    // port during its attempt may be its own SYNs — or someone else's, hence weak.
    rule("wfp-blocked-during-attempt", "the Windows Filtering Platform blocked inbound RDP traffic during the attempt of a client whose address is not known",
        ev("wfp", WFP_BLOCKS, &[Cond::ClientAddressUnknown, Cond::InboundToRdpPort, Cond::NotMatches(Text::Field("FilterOrigin"), VENDOR_TEXT)]),
        Side::Server, Scope::Context,
        &[pro(&[FirewallBlock], WEAK)],
        Window { before: 2.0, after: 2.0, half_life: 2.0 }, false),
    rule("wfp-permitted", "the Windows Filtering Platform permitted this connection (5156)",
        ev("wfp", &[5156], &[]),
        Side::Server, Scope::Owned,
        &[con(&[FirewallBlock], MODERATE)],
        LOGON, false),
    rule("firewall-log-drop", "the firewall log dropped this connection's packets (pfirewall.log DROP)",
        ev("firewall_log", &[rdpsleuth_parser::catalog::firewall_log_id::DROP], &[]),
        Side::Either, Scope::Owned,
        &[pro(&[FirewallBlock], STRONG)],
        LOGON, false),
    rule("firewall-log-allow", "the firewall log allowed this connection (pfirewall.log ALLOW)",
        ev("firewall_log", &[rdpsleuth_parser::catalog::firewall_log_id::ALLOW], &[]),
        Side::Server, Scope::Owned,
        &[con(&[FirewallBlock], MODERATE)],
        LOGON, false),
    rule("firewall-rdp-rule-deleted", "a firewall rule for Remote Desktop was deleted",
        ev("firewall", RULE_DELETED, &[Cond::Matches(Text::Field("RuleName"), RDP_RULE_NAME)]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], STRONG)],
        A_WEEK, true),
    rule("firewall-rdp-rule-deleted-audit", "a firewall exception rule for Remote Desktop was deleted (Security 4948)",
        ev("firewall_policy_audit", &[4948], &[Cond::Matches(Text::Field("RuleName"), RDP_RULE_NAME)]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], STRONG)],
        A_WEEK, true),
    rule("firewall-block-rule-added", "a firewall rule blocking Remote Desktop was added or changed",
        ev("firewall", &[2004, 2005, 2071, 2073, 2097, 2099], &[Cond::Num(&["Action"], &[2]), Cond::Matches(Text::All, RDP_RULE_NAME)]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], STRONG)],
        A_WEEK, true),
    rule("firewall-rdp-rule-allowed", "a firewall rule allowing Remote Desktop was added (a fix, or a change)",
        ev("firewall", RULE_ADDED, &[Cond::Matches(Text::All, RDP_RULE_NAME), Cond::NotNum(&["Action"], &[2])]),
        Side::Either, Scope::Context,
        &[],
        A_WEEK, true),
    rule("firewall-rdp-rule-modified", "a firewall rule for Remote Desktop was modified",
        ev("firewall", RULE_MODIFIED, &[Cond::Matches(Text::Field("RuleName"), RDP_RULE_NAME)]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], MODERATE)],
        A_WEEK, true),
    rule("firewall-rdp-rule-disabled", "a firewall rule for Remote Desktop was disabled",
        ev("firewall", RULE_MODIFIED, &[Cond::Matches(Text::Field("RuleName"), RDP_RULE_NAME), Cond::OneOf(Text::Field("Active"), &["0", "false", "no"])]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], WEAK)],
        A_WEEK, false),
    rule("firewall-rdp-rule-changed-audit", "a firewall exception rule for Remote Desktop was added or modified (Security 4946/4947)",
        ev("firewall_policy_audit", &[4946, 4947], &[Cond::Matches(Text::Field("RuleName"), RDP_RULE_NAME)]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], MODERATE)],
        A_WEEK, true),
    rule("firewall-all-rules-deleted", "all firewall rules were deleted (2033)",
        ev("firewall", &[2033], &[]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], MODERATE)],
        A_WEEK, true),
    rule("firewall-setting-changed", "a firewall profile or global setting changed (2002/2003, 4950)",
        ev("firewall", &[2002, 2003], &[]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], WEAK)],
        A_DAY, true),
    rule("firewall-rule-added-other", "another firewall rule was added (not a Remote Desktop one)",
        ev("firewall", RULE_ADDED, &[Cond::NotMatches(Text::All, RDP_RULE_NAME)]),
        Side::Either, Scope::Context,
        &[],
        A_DAY, true),
    rule("firewall-profile-changed", "an interface's network profile changed (2010)",
        ev("firewall", &[2010], &[]),
        Side::Either, Scope::Context,
        &[pro(&[Network], MODERATE), pro(&[FirewallBlock], WEAK)],
        HOURS, true),

    // ---- network -----------------------------------------------------------------------------------
    rule("dns-timeout-target", "resolving the RDP host's name timed out (1014)",
        ev("dns_client", &[1014], &[Cond::NamesServer("QueryName")]),
        Side::Client, Scope::Any(1.0),
        &[pro(&[Network], STRONG)],
        MINUTES, false),
    rule("dns-timeout", "name resolution timed out on the client (1014)",
        ev("dns_client", &[1014], &[]),
        Side::Client, Scope::Any(1.0),
        &[pro(&[Network], WEAK)],
        MINUTES, false),
    rule("network-disconnected", "a network disconnected (NetworkProfile 10001)",
        ev("network_profile", &[10001], &[]),
        Side::Either, Scope::Context,
        &[pro(&[Network], MODERATE)],
        MINUTES, true),
    rule("network-connected", "a network connected (NetworkProfile 10000)",
        ev("network_profile", &[10000], &[]),
        Side::Either, Scope::Context,
        &[pro(&[Network], WEAK)],
        MINUTES, true),
    rule("vpn-dropped", "the VPN disconnected or failed (RasClient)",
        ev("vpn", &[20226, 20227], &[]),
        Side::Either, Scope::Context,
        &[pro(&[Network], MODERATE)],
        MINUTES, true),
    rule("vpn-activity", "the VPN dialled or connected (RasClient)",
        ev("vpn", &[20221, 20222, 20223, 20224, 20225], &[]),
        Side::Either, Scope::Context,
        &[pro(&[Network], HINT)],
        MINUTES, true),
    rule("clock-changed", "the system time jumped by minutes or more",
        ev("clock", &[1], &[Cond::TimeJump(120.0)]),
        Side::Either, Scope::Context,
        &[pro(&[DomainTrust], HINT)],
        A_DAY, true),
    rule("host-restarted", "the machine restarted or shut down",
        ev("eventlog_service", &[6005, 6006, 6008, 1074], &[]),
        Side::Either, Scope::Context,
        &[],
        A_DAY, true),

    // ---- services (Service Control Manager) ----------------------------------------------------------
    rule("fact-termservice-stopped", "Remote Desktop Services was stopped at the time of the failure",
        Trigger::Fact(Fact::TermServiceStopped),
        Side::Server, Scope::Context,
        &[pro(&[ServiceUnavailable], DEFINITIVE)],
        A_DAY, false),
    rule("fact-host-down", "the host was shutting down or restarting at the time of the attempt",
        Trigger::Fact(Fact::HostDown),
        Side::Server, Scope::Context,
        &[pro(&[ServiceUnavailable], STRONG)],
        A_DAY, false),
    rule("termservice-state-changed", "Remote Desktop Services changed state (7036)",
        ev("service_control", &[7036], &[Cond::Service(TERMSERVICE)]),
        Side::Server, Scope::Context,
        &[],
        A_DAY, true),
    rule("termservice-disabled", "Remote Desktop Services was set to Disabled (7040)",
        ev("service_control", &[7040], &[Cond::Service(TERMSERVICE), Cond::Matches(Text::Field("param3"), DISABLED_TEXT)]),
        Side::Server, Scope::Context,
        &[pro(&[ServiceUnavailable], STRONG)],
        A_DAY, true),
    rule("termservice-failed", "Remote Desktop Services crashed or failed to start (7000/7001/7023/7024/7031/7034)",
        ev("service_control", &[7000, 7001, 7023, 7024, 7031, 7034], &[Cond::Service(TERMSERVICE)]),
        Side::Server, Scope::Context,
        &[pro(&[ServiceUnavailable], STRONG)],
        HOURS, true),
    rule("termservice-hung", "Remote Desktop Services hung starting or in a transaction (7009/7011/7022)",
        ev("service_control", &[7009, 7011, 7022], &[Cond::Service(TERMSERVICE)]),
        Side::Server, Scope::Context,
        &[pro(&[SessionStuck], MODERATE), pro(&[ServiceUnavailable], WEAK)],
        HOURS, true),
    rule("keyiso-stopped", "CNG Key Isolation stopped (7036)",
        ev("service_control", &[7036], &[Cond::Service(&["KeyIso"]), Cond::ServiceState(1)]),
        Side::Server, Scope::Context,
        &[pro(&[PrivateKeyAccess], MODERATE)],
        HOURS, true),
    rule("keyiso-failed", "CNG Key Isolation crashed or failed",
        ev("service_control", &[7023, 7024, 7031, 7034], &[Cond::Service(&["KeyIso"])]),
        Side::Server, Scope::Context,
        &[pro(&[PrivateKeyAccess], MODERATE)],
        HOURS, true),
    rule("netlogon-stopped", "Netlogon stopped or failed",
        ev("service_control", &[7023, 7024, 7031, 7034], &[Cond::Service(&["Netlogon"])]),
        Side::Server, Scope::Context,
        &[pro(&[DomainTrust], MODERATE)],
        HOURS, true),
    rule("firewall-service-changed", "the firewall or filtering engine service changed state",
        ev("service_control", &[7023, 7024, 7031, 7034, 7036, 7040], &[Cond::Service(&["mpssvc", "BFE"])]),
        Side::Either, Scope::Context,
        &[pro(&[FirewallBlock], HINT)],
        A_DAY, true),
    rule("security-service-installed", "a security product's service or driver was installed (7045)",
        ev("service_control", &[7045], &[Cond::Matches(Text::All, VENDOR_TEXT)]),
        Side::Either, Scope::Context,
        &[pro(&[SecuritySoftware], MODERATE)],
        A_WEEK, true),
    rule("service-installed", "a service or driver was installed (7045)",
        ev("service_control", &[7045], &[Cond::NotMatches(Text::All, VENDOR_TEXT)]),
        Side::Either, Scope::Context,
        &[pro(&[SecuritySoftware], HINT)],
        A_WEEK, true),
    rule("security-service-state", "a security product's service changed state",
        ev("service_control", &[7036, 7040], &[Cond::Matches(Text::All, VENDOR_TEXT)]),
        Side::Either, Scope::Context,
        &[pro(&[SecuritySoftware], HINT)],
        A_DAY, true),

    // ---- domain trust ---------------------------------------------------------------------------------
    rule("netlogon-no-dc", "no secure session with a domain controller (NETLOGON 5719/5783)",
        ev("netlogon", &[5719, 5783], &[]),
        Side::Server, Scope::Context,
        &[pro(&[DomainTrust], STRONG)],
        A_DAY, true),
    rule("netlogon-machine-password", "the domain controller did not accept the machine account password (NETLOGON 3210)",
        ev("netlogon", &[3210], &[]),
        Side::Server, Scope::Context,
        &[pro(&[DomainTrust], STRONG)],
        A_DAY, true),
    rule("netlogon-trust-account", "machine-account session setup failures on a domain controller (5722/5723/5805)",
        ev("netlogon", &[5722, 5723, 5805], &[]),
        Side::Either, Scope::Context,
        &[pro(&[DomainTrust], WEAK)],
        A_DAY, false),
    rule("kerberos-error", "Kerberos reported an error",
        ev("kerberos", &[], &[]),
        Side::Either, Scope::Context,
        &[pro(&[DomainTrust], WEAK)],
        HOURS, false),

    // ---- sessions -------------------------------------------------------------------------------------
    rule("session-hung", "a session transition took too long (LSM 43-45, 48-53)",
        ev("lsm", LSM_HUNG, &[]),
        Side::Server, Scope::Any(1.0),
        &[pro(&[SessionStuck], STRONG)],
        HOURS, true),
    rule("session-state-error", "a session state transition failed (LSM 36/37)",
        ev("lsm", &[36, 37], &[]),
        Side::Server, Scope::Any(1.0),
        &[pro(&[SessionStuck], MODERATE)],
        HOURS, false),
    rule("session-disconnect-reason", "the host gave a reason for disconnecting the session (LSM 40)",
        ev("lsm", &[40], &[]),
        Side::Server, Scope::Owned,
        &[decoded(Decode::LsmReason("Reason"), &[LogonDenied, CredsspNla], WEAK)],
        LOGON, false),
    rule("fact-arbitration-never-ended", "session arbitration began for the connection and never ended",
        Trigger::Fact(Fact::ArbitrationNeverEnded),
        Side::Server, Scope::Owned,
        &[pro(&[SessionStuck], MODERATE)],
        LOGON, false),

    // ---- security software ----------------------------------------------------------------------------
    rule("defender-network-block", "Defender network protection blocked a connection (1126)",
        ev("defender", &[1126], &[]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], STRONG)],
        MINUTES, false),
    rule("defender-network-block-server", "Defender network protection blocked a connection to this host",
        ev("defender", &[1125, 1126], &[Cond::NamesServer("Destination")]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], MODERATE)],
        MINUTES, false),
    rule("defender-network-block-rdp", "Defender network protection blocked the RDP client or port",
        ev("defender", &[1125, 1126], &[Cond::Matches(Text::All, RDP_THREAT_TEXT)]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], MODERATE)],
        MINUTES, false),
    rule("defender-network-audit", "Defender network protection would have blocked a connection (1125)",
        ev("defender", &[1125], &[]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], WEAK)],
        MINUTES, false),
    rule("defender-rdp-detection", "Defender detected or acted on an RDP binary or file",
        ev("defender", &[1116, 1117, 1118, 1119, 1121, 1122], &[Cond::Matches(Text::All, RDP_THREAT_TEXT)]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], MODERATE)],
        HOURS, false),
    rule("defender-configuration", "Defender protection was turned off or reconfigured",
        ev("defender", &[5001, 5004, 5007, 5010, 5012], &[]),
        Side::Either, Scope::Context,
        &[pro(&[SecuritySoftware], HINT)],
        A_DAY, true),
    rule("security-product-block", "a security product logged a block or an intrusion near the failure",
        ev("security_vendor_application", &[], &[Cond::Matches(Text::All, BLOCK_TEXT)]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], STRONG)],
        MINUTES, false),
    rule("security-product-block-channel", "a security product logged a block or an intrusion near the failure (own channel)",
        ev("security_vendor_channel", &[], &[Cond::Matches(Text::All, BLOCK_TEXT)]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], STRONG)],
        MINUTES, false),
    rule("security-product-activity", "a security product was active around the failure",
        ev("security_vendor_application", &[], &[]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], WEAK)],
        HOURS, true),
    rule("security-product-activity-channel", "a security product was active around the failure (own channel)",
        ev("security_vendor_channel", &[], &[]),
        Side::Either, Scope::Any(1.0),
        &[pro(&[SecuritySoftware], WEAK)],
        HOURS, true),
    rule("security-product-registered", "a third-party security product registered with or changed state in Security Center",
        ev("security_center", &[], &[Cond::Matches(Text::All, VENDOR_TEXT)]),
        Side::Either, Scope::Context,
        &[pro(&[SecuritySoftware], WEAK)],
        A_WEEK, true),

    // ---- what changed before the failures began ------------------------------------------------
    rule("onset-change", "the host's state changed between the last success and the first failure",
        Trigger::Fact(Fact::ChangedBeforeOnset),
        Side::Either, Scope::Context,
        &[Effect { direction: Direction::For, causes: CauseSource::OfChange { typical: &[CertExpired, PrivateKeyAccess, TlsMismatch, FirewallBlock, SecuritySoftware, ServiceUnavailable, Network] }, weight: WEAK }],
        Window { before: 366.0 * DAY, after: 366.0 * DAY, half_life: 366.0 * DAY }, false),

    // ---- what happened next ------------------------------------------------------------------------------
    // Nothing on the host was fixed, yet it worked again: the cause came and went by itself,
    // which is what network trouble does.
    rule("fact-later-success", "the same client connected to the same host soon after, with nothing changed in between",
        Trigger::Fact(Fact::LaterSuccessUnchanged),
        Side::Server, Scope::Context,
        &[con(HOST_STATE, MODERATE), pro(&[Network], HINT)],
        Window { before: 0.0, after: DAY, half_life: 2.0 * HOUR }, false),
];

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Every regex the table and the evaluation use (for compiling once and for the tests).
pub fn patterns() -> impl Iterator<Item = &'static str> {
    INTERNAL_PATTERNS
        .iter()
        .copied()
        .chain(RULES.iter().flat_map(|r| {
            let conds: &'static [Cond] = match r.trigger {
                Trigger::Event { conds, .. } => conds,
                Trigger::Fact(_) => &[],
            };
            conds.iter().filter_map(|c| match c {
                Cond::Matches(_, p) | Cond::NotMatches(_, p) | Cond::AbsentOrMatches(_, p) => {
                    Some(*p)
                }
                _ => None,
            })
        }))
}

/// The causes an effect can support: the fixed list, or the decoder's typical causes.
pub fn effect_causes(effect: &Effect) -> &'static [Cause] {
    match effect.causes {
        CauseSource::Fixed(c) => c,
        CauseSource::OfChange { typical } | CauseSource::Decoded { typical, .. } => typical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdpsleuth_parser::EventKind;

    #[test]
    fn ids_are_unique_and_kinds_exist() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule id");
        for r in RULES {
            if let Trigger::Event { kind, .. } = r.trigger {
                assert!(EventKind::from_key(kind).is_some(), "{}: kind {kind}", r.id);
            }
            assert!(!r.about.is_empty());
            assert!(r.window.half_life > 0.0 && r.window.before >= 0.0 && r.window.after >= 0.0);
            for e in r.effects {
                assert!(e.weight > 0.0 && e.weight <= DEFINITIVE, "{}", r.id);
                assert!(!effect_causes(e).is_empty(), "{}", r.id);
                assert!(!effect_causes(e).contains(&Cause::Unknown), "{}", r.id);
            }
            if let Scope::Any(f) = r.scope {
                assert!(f > 0.0 && f <= 1.0, "{}", r.id);
            }
        }
    }

    #[test]
    fn every_pattern_compiles() {
        for p in patterns() {
            assert!(regex::Regex::new(p).is_ok(), "{p}");
        }
    }

    #[test]
    fn every_cause_has_supporting_rules() {
        for cause in Cause::all().filter(|c| *c != Cause::Unknown) {
            let n = RULES
                .iter()
                .flat_map(|r| r.effects.iter())
                .filter(|e| e.direction == Direction::For && effect_causes(e).contains(&cause))
                .count();
            assert!(n >= 2, "{cause}: {n} rules");
        }
    }

    #[test]
    fn localised_texts_match() {
        let key = regex::Regex::new(KEY_PROBLEM_TEXT).unwrap();
        for t in [
            "Keyset does not exist\r\n",
            "Access is denied.",
            "Der Schlüsselsatz ist nicht vorhanden.",
            "Le jeu de clés n'existe pas.",
            "El conjunto de claves no existe.",
            "Acesso negado.",
            "キー セットがありません。",
            "키 집합이 없습니다.",
            "액세스가 거부되었습니다.",
            "密钥集不存在。",
            "拒绝访问。",
            "Отказано в доступе.",
        ] {
            assert!(key.is_match(t), "{t}");
        }
        assert!(!key.is_match("Object already exists."));
        let rule = regex::Regex::new(RDP_RULE_NAME).unwrap();
        for t in [
            "Remote Desktop - User Mode (TCP-In)",
            "Bureau à distance - Mode utilisateur (TCP-Entrée)",
            "Allow RDP",
            "Block 3389",
            "Remotedesktop - Benutzermodus (TCP eingehend)",
        ] {
            assert!(rule.is_match(t), "{t}");
        }
        assert!(!rule.is_match("Core Networking - DNS (UDP-Out)"));
        let svc = regex::Regex::new(TERMSERVICE_DISPLAY).unwrap();
        assert!(svc.is_match("Remote Desktop Services"));
        assert!(svc.is_match("원격 데스크톱 서비스"));
        assert!(svc.is_match("远程桌面服务"));
        let stopped = regex::Regex::new(STOPPED_TEXT).unwrap();
        let running = regex::Regex::new(RUNNING_TEXT).unwrap();
        for t in ["stopped", "beendet", "停止", "중지됨", "已停止"] {
            assert!(stopped.is_match(t) && !running.is_match(t), "{t}");
        }
        for t in [
            "running",
            "wird ausgeführt",
            "実行中",
            "실행 중",
            "正在运行",
        ] {
            assert!(running.is_match(t) && !stopped.is_match(t), "{t}");
        }
        let disabled = regex::Regex::new(DISABLED_TEXT).unwrap();
        for t in ["Disabled", "Deaktiviert", "無効", "사용 안 함", "禁用"] {
            assert!(disabled.is_match(t), "{t}");
        }
        assert!(!disabled.is_match("自動") && !disabled.is_match("수동 시작"));
        assert!(!svc.is_match("Remote Desktop Services UserMode Port Redirector"));
    }
}
