//! The timeline model: hosts, the two halves of an RDP connection, and the joined connection.
//!
//! A [`ClientAttempt`] is what the client logged of one attempt (one client ActivityID); a
//! [`HostConnection`] is what a host logged of one inbound connection (one host ActivityID shared
//! by RdpCoreTS, RCM and LSM). Linking pairs them into a [`Connection`], whose timeline holds the
//! events it **owns** (grouped by activity id or joined by address, port, logon id; each event is
//! owned by at most one connection) and the **context** around it (host-state evidence in its time
//! window — certificate, TLS, service, firewall, security software, network — shared between the
//! connections whose window it falls in, each with its distance in time).
//!
//! Events are referred to by their index in [`Timelines::events`], which is sorted and stable.

use std::net::IpAddr;

use rdpsleuth_parser::{Event, Guid, Timestamp};
use serde::{Deserialize, Serialize};

/// Index of a host in [`Timelines::hosts`].
pub type HostId = usize;
/// Index of an event in [`Timelines::events`].
pub type EventIndex = usize;

/// What a host did in the RDP connections seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    /// It ran the RDP client (RDPClient events, or the source of a linked connection).
    pub client: bool,
    /// It accepted connections (RdpCoreTS / RCM / LSM connection events, or a linked target).
    pub server: bool,
}

/// One machine, identified from its own events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Display name: the FQDN when known, else the short computer name, else the bundle hint.
    pub name: String,
    /// Every name it is known by (Computer values, short names, bundle folder hints), lower case.
    pub aliases: Vec<String>,
    /// Its IP addresses, with where each was learned.
    pub addresses: Vec<HostAddress>,
    /// Its roles.
    pub roles: Roles,
    /// Its clock minus the reference clock, in seconds, when linked connections allow an estimate.
    pub clock_offset_seconds: Option<f64>,
    /// Earliest event time (own clock).
    pub first_event: Option<Timestamp>,
    /// Latest event time (own clock).
    pub last_event: Option<Timestamp>,
    /// Catalogued channels present in its logs.
    pub channels: Vec<String>,
}

/// An address of a host and the evidence for it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HostAddress {
    /// The address.
    pub ip: IpAddr,
    /// How it was learned, e.g. `client 1102 ServerAddress`, `RdpCoreTS 131 ClientIP on SRV01`,
    /// `pfirewall.log local address`, `Security 4624 IpAddress on SRV01`.
    pub learned_from: String,
}

/// What the client logged of one connection attempt (one client ActivityID).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientAttempt {
    /// The client host.
    pub client: HostId,
    /// The client-side ActivityID (absent on builds that log none: then grouped by sequence).
    pub activity_id: Option<Guid>,
    /// The server as typed by the user (1024 `Value`): a name or an IP.
    pub target: Option<String>,
    /// The server address the client used for UDP (1102 `Value`).
    pub server_address: Option<String>,
    /// First event (client clock).
    pub start: Timestamp,
    /// Last event (client clock).
    pub end: Timestamp,
    /// The transport connected (1025).
    pub transport_connected: bool,
    /// The logon completed (1027).
    pub logged_on: bool,
    /// The disconnect reason (1026 `Value`).
    pub disconnect_reason: Option<u32>,
    /// Its events, in time order.
    pub events: Vec<EventIndex>,
}

/// What a host logged of one inbound connection (one host ActivityID).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostConnection {
    /// The host.
    pub server: HostId,
    /// The host-side ActivityID shared by RdpCoreTS, RCM 261/1149 and LSM.
    pub activity_id: Option<Guid>,
    /// The client's address as the host saw it (131 `ClientIP`, 139/140 `IPString`, 1149 `Param3`, LSM `Address`).
    pub client_ip: Option<IpAddr>,
    /// The client's source port (131 `ClientIP`).
    pub client_port: Option<u16>,
    /// `TCP` or `UDP` (131 `ConnType`).
    pub transport: Option<String>,
    /// First event (host clock).
    pub start: Timestamp,
    /// Last event (host clock).
    pub end: Timestamp,
    /// Network authentication succeeded (RCM 1149).
    pub authenticated: bool,
    /// A session was logged on or reconnected (LSM 21/22/25, RdpCoreTS 66).
    pub session_started: bool,
    /// Bad user name or password (RdpCoreTS 140).
    pub credential_failure: bool,
    /// The security layer failed (RdpCoreTS 139, 97).
    pub security_layer_error: bool,
    /// The negotiated TLS version (RdpCoreTS 153), proof TLS completed.
    pub tls_version: Option<String>,
    /// The user, when logged (1149 `Param2\Param1`, LSM `User`).
    pub user: Option<String>,
    /// Its events, in time order.
    pub events: Vec<EventIndex>,
    /// ActivityIDs of the UDP side transports joined to it (a second RdpCoreTS 131 `[ip]:port`
    /// from the same client, logged under its own ActivityID).
    #[serde(default)]
    pub side_transports: Vec<Guid>,
    /// Session ids it was given (RdpCoreTS 66, LSM 21/22/25/41/42), in the order seen.
    #[serde(default)]
    pub sessions: Vec<u32>,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The connection did not give the user a session.
    Failed,
    /// A session was established.
    Succeeded,
    /// The logs do not say (e.g. a host saw a connection torn down with no error and no logon).
    Unknown,
}

/// When in a connection's life it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Before the user had a session: transport, TLS, authentication or logon failed.
    Setup,
    /// After a session was given: the session was dropped (an error disconnect on the client,
    /// or the host's record of an abnormal end).
    Session,
}

/// Where and when a failed connection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The stage it failed at.
    pub stage: Stage,
    /// Start of the failure's window on the reference clock: the connection's start for a
    /// failure during setup, the first record of the drop for a dropped session.
    pub start: Timestamp,
    /// End of the failure's window: the connection's end, or the last record of the drop.
    pub end: Timestamp,
}

/// Which lane of the two-lane timeline an entry is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Logged by the client.
    Client,
    /// Logged by the server.
    Server,
}

/// Why an event is in a connection's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same ActivityID as the attempt or the host connection.
    Activity,
    /// Joined by the client's address and time (RCM 1149 without Correlation, 139/140, TermDD 56).
    Address,
    /// A Security logon or session event joined by address, logon id and time.
    Logon,
    /// A WFP event or a firewall log line joined by address, port and time.
    Network,
    /// An event without address (Schannel…) attributed to this connection as the nearest one in time.
    Nearest,
    /// Host-state evidence in the connection's window (context, not owned).
    Context,
}

/// One event in a connection's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// The event.
    pub event: EventIndex,
    /// Its lane.
    pub lane: Lane,
    /// Why it is here.
    pub relation: Relation,
    /// Its time on the connection's reference clock (the server's when known), skew corrected.
    pub time: Timestamp,
    /// Seconds from the connection's window ([`Connection::failure_window`]: the drop of a
    /// dropped session, else `[start, end]`): 0 inside, negative before, positive after.
    pub distance_seconds: f64,
}

/// One RDP connection attempt, joined across client and host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// Stable id, e.g. `C0007` (order of start time, then hosts and activity ids).
    pub id: String,
    /// The client host.
    pub client: Option<HostId>,
    /// The server host.
    pub server: Option<HostId>,
    /// The target as typed on the client.
    pub target: Option<String>,
    /// The client's address.
    pub client_address: Option<IpAddr>,
    /// The client ActivityID.
    pub client_activity_id: Option<Guid>,
    /// The server ActivityID.
    pub server_activity_id: Option<Guid>,
    /// Start on the reference clock (the server's when known).
    pub start: Timestamp,
    /// End on the reference clock.
    pub end: Timestamp,
    /// How it ended.
    pub outcome: Outcome,
    /// For a failed connection, the stage and the window of its failure (`None` otherwise).
    #[serde(default)]
    pub failure: Option<Failure>,
    /// The client's disconnect reason (1026).
    pub disconnect_reason: Option<u32>,
    /// The client half, index into [`Timelines::attempts`].
    pub attempt: Option<usize>,
    /// The host half, index into [`Timelines::host_connections`].
    pub host_connection: Option<usize>,
    /// Events the connection owns, in time order.
    pub entries: Vec<TimelineEntry>,
    /// Host-state evidence around it, in time order (shared with other connections). `build`
    /// gathers it for failed connections; `gather_context` for others on demand.
    pub context: Vec<TimelineEntry>,
    /// Context left out because its kind had more events in the window than the per-kind cap
    /// (the nearest ones are kept), per catalog kind key.
    #[serde(default)]
    pub context_omitted: Vec<OmittedContext>,
    /// Seconds added to the client's times to put them on the reference clock (the estimated
    /// server-minus-client offset; 0 when unknown or without a server).
    #[serde(default)]
    pub client_clock_shift_seconds: f64,
}

impl Connection {
    /// The window its evidence is measured from: its failure's ([`Failure`]: the drop, for a
    /// session dropped after it started), else `[start, end]`.
    pub fn failure_window(&self) -> (Timestamp, Timestamp) {
        self.failure
            .map_or((self.start, self.end), |f| (f.start, f.end))
    }

    /// The stage it failed at, when it failed.
    pub fn stage(&self) -> Option<Stage> {
        self.failure.map(|f| f.stage)
    }
}

/// How many context events of one catalog kind were left out of a connection's window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OmittedContext {
    /// The catalog kind key (`schannel`, `wfp`, …).
    pub kind: String,
    /// Events of that kind in the window that are not listed.
    pub count: usize,
}

/// An estimated clock offset between a client and a server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClockOffset {
    /// The client host.
    pub client: HostId,
    /// The server host.
    pub server: HostId,
    /// Server clock minus client clock, in seconds.
    pub seconds: f64,
    /// Linked attempt/connection pairs supporting it.
    pub pairs: usize,
    /// Spread of the pairs around the estimate (median absolute deviation, seconds).
    pub spread_seconds: f64,
}

/// All timelines built from one analysis.
#[derive(Clone, Debug, Default)]
pub struct Timelines {
    /// Every catalogued event, sorted (time, host, channel, record id, source).
    pub events: Vec<Event>,
    /// The hosts.
    pub hosts: Vec<Host>,
    /// Client halves.
    pub attempts: Vec<ClientAttempt>,
    /// Host halves.
    pub host_connections: Vec<HostConnection>,
    /// Joined connections, in start order.
    pub connections: Vec<Connection>,
    /// Clock offsets per linked client/server pair.
    pub clock_offsets: Vec<ClockOffset>,
    /// For each event, the host it belongs to.
    pub event_host: Vec<HostId>,
    /// For each event, the connection that owns it, if any.
    pub owner: Vec<Option<usize>>,
}
