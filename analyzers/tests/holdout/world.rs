//! Held-out cases: a small world of Windows machines whose logs are written the way Windows and
//! the usual tools write them — EVTX files (through the `rdpsleuth_samples` writer), Event
//! Viewer "Save All Events As… XML" exports (GUIDs in upper case, a localised `RenderingInfo`
//! message) and `evtx_dump -o jsonl` text (optionally with every number re-exported as a
//! string) — into a temporary folder, then read back through the whole pipeline
//! (`rdpsleuth_analyzers::analyse_paths`).
//!
//! The event shapes follow docs/EVENTS.md §2–§5 and the real records of its EXAMPLES; the
//! cases built on top (tests/holdout.rs) were designed from that reference alone, without the
//! sample recipes or scenarios, so that they test whether the diagnosis generalises.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rdpsleuth_analyzers::report::{ConnectionJson, Report};
use rdpsleuth_analyzers::{Analysed, Cause, analyse_paths};
use rdpsleuth_parser::catalog::channel;
use rdpsleuth_parser::ingest::IngestOptions;
use rdpsleuth_samples::{
    Element, EventRecord, NamedValue, Payload, SystemLayout, UserDataForm, Value, WriteOptions,
    write_log,
};
use serde_json::{Map, Value as Json, json};

// ---- providers ---------------------------------------------------------------------------------

/// A provider as the `<Provider>` element names it.
#[derive(Clone, Copy, Debug)]
pub struct Provider {
    /// `Name`.
    pub name: &'static str,
    /// `Guid`, when the provider has one.
    pub guid: Option<&'static str>,
    /// `EventSourceName` of classic sources.
    pub source: Option<&'static str>,
}

const fn provider(
    name: &'static str,
    guid: Option<&'static str>,
    source: Option<&'static str>,
) -> Provider {
    Provider { name, guid, source }
}

pub const CLIENT_AX: Provider = provider(
    "Microsoft-Windows-TerminalServices-ClientActiveXCore",
    Some("{28aa95bb-d444-4719-a36f-40462168127e}"),
    None,
);
pub const CORETS: Provider = provider(
    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
    Some("{1139c61b-b549-4251-8ed3-27250a1edec8}"),
    None,
);
pub const RCM: Provider = provider(
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
    Some("{c76baa63-ae81-421c-b425-340b4b24157f}"),
    None,
);
pub const TERMSERVICE: Provider = provider(
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
    Some("{C76BAA63-AE81-421C-B425-340B4B24157F}"),
    Some("TermService"),
);
pub const LSM: Provider = provider(
    "Microsoft-Windows-TerminalServices-LocalSessionManager",
    Some("{5d896912-022d-40aa-a3a8-4fa5515c76d7}"),
    None,
);
pub const SCHANNEL: Provider = provider(
    "Schannel",
    Some("{1f678132-5938-4686-9fdc-c8ff68f15c85}"),
    None,
);
pub const SCM: Provider = provider(
    "Service Control Manager",
    Some("{555908d1-a6d7-4695-8e1e-26931d2012f4}"),
    Some("Service Control Manager"),
);
pub const LSASRV: Provider = provider(
    "LsaSrv",
    Some("{199fe037-2b82-40a9-82ac-e1d46c792b99}"),
    Some("LsaSrv"),
);
pub const NETLOGON: Provider = provider("NETLOGON", None, None);
pub const TERMDD: Provider = provider("TermDD", None, None);
pub const AUDIT: Provider = provider(
    "Microsoft-Windows-Security-Auditing",
    Some("{54849625-5478-4994-a5ba-3e3b0328c30d}"),
    None,
);
pub const CAPI2: Provider = provider(
    "Microsoft-Windows-CAPI2",
    Some("{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}"),
    None,
);
pub const FIREWALL: Provider = provider(
    "Microsoft-Windows-Windows Firewall With Advanced Security",
    Some("{d1bc9aff-2abf-4d71-9146-ecb2a986eb85}"),
    None,
);
pub const DEFENDER: Provider = provider(
    "Microsoft-Windows-Windows Defender",
    Some("{11cd958a-c507-4ef3-b3f2-5fd9dfbd2c78}"),
    None,
);
pub const DNS_CLIENT: Provider = provider(
    "Microsoft-Windows-DNS-Client",
    Some("{1c95126e-7eea-49a9-a3fe-a378b03ddb4d}"),
    None,
);
pub const NETWORK_PROFILE: Provider = provider(
    "Microsoft-Windows-NetworkProfile",
    Some("{fbcfac3f-8459-419f-8e48-1f0b49cdb85e}"),
    None,
);
pub const RASCLIENT: Provider = provider("RasClient", None, Some("RasClient"));

// ---- events -------------------------------------------------------------------------------------

/// A typed value of a named field.
#[derive(Clone, Debug)]
pub enum V {
    /// Text.
    S(String),
    /// `win:UInt32`.
    U32(u32),
    /// `win:UInt64`.
    U64(u64),
    /// `win:HexInt32` (`0x…`).
    Hex32(u32),
    /// `win:HexInt64` (`0x…`).
    Hex64(u64),
    /// An empty element.
    Null,
}

impl From<&str> for V {
    fn from(s: &str) -> V {
        V::S(s.to_string())
    }
}

impl From<String> for V {
    fn from(s: String) -> V {
        V::S(s)
    }
}

impl From<u32> for V {
    fn from(n: u32) -> V {
        V::U32(n)
    }
}

impl V {
    fn text(&self) -> Option<String> {
        match self {
            V::S(s) => Some(s.clone()),
            V::U32(n) => Some(n.to_string()),
            V::U64(n) => Some(n.to_string()),
            V::Hex32(n) => Some(format!("0x{n:x}")),
            V::Hex64(n) => Some(format!("0x{n:x}")),
            V::Null => None,
        }
    }

    fn value(&self) -> Value {
        match self {
            V::S(s) => Value::String(s.clone()),
            V::U32(n) => Value::UInt32(*n),
            V::U64(n) => Value::UInt64(*n),
            V::Hex32(n) => Value::HexInt32(*n),
            V::Hex64(n) => Value::HexInt64(*n),
            V::Null => Value::Null,
        }
    }

    fn json(&self, strings: bool) -> Json {
        match self {
            V::U32(n) if !strings => json!(n),
            V::U64(n) if !strings => json!(n),
            V::Null => Json::Null,
            other => Json::String(other.text().unwrap_or_default()),
        }
    }
}

/// What follows `<System>`.
#[derive(Clone, Debug)]
pub enum Body {
    /// Nothing (`EventData` null).
    None,
    /// Named `<Data Name=…>` values and an optional `<Binary>`.
    Named(Vec<(String, V)>, Option<Vec<u8>>),
    /// A classic event's unnamed `<Data>` strings and optional `<Binary>`.
    Classic(Vec<String>, Option<Vec<u8>>),
    /// `UserData/EventXML` (xmlns `Event_NS`) with one child per field.
    EventXml(Vec<(String, V)>),
    /// A `UserData` tree written inline (CAPI2).
    Tree(Element),
}

/// One event as logged.
#[derive(Clone, Debug)]
pub struct Ev {
    pub host: String,
    pub channel: &'static str,
    pub provider: Provider,
    pub id: u16,
    pub qualifiers: Option<u16>,
    /// `None`: the Windows 7 / 2008 R2 classic layout (no Version, Opcode, Correlation or
    /// Execution).
    pub version: Option<u8>,
    pub level: u8,
    pub keywords: u64,
    pub time: DateTime<Utc>,
    pub activity: Option<u128>,
    pub user: Option<&'static str>,
    pub body: Body,
    /// The rendered message an Event Viewer export carries.
    pub message: Option<String>,
}

/// Named fields from pairs.
pub fn named<const N: usize>(pairs: [(&str, V); N]) -> Body {
    Body::Named(
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        None,
    )
}

/// A GUID as Windows prints it, lower case in braces.
pub fn guid_text(g: u128) -> String {
    let h = format!("{g:032x}");
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// UTF-16LE bytes of a text, NUL-terminated (SCM `Binary`).
pub fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// A TermDD IO_ERROR_LOG_PACKET: `error_code` at offset 12, one dump DWORD = `status` with the
/// HRESULT_FROM_NT bit, as the System log stores it.
pub fn termdd_packet(error_code: u32, status: u32) -> Vec<u8> {
    let mut b = vec![0u8; 40];
    b[2] = 4;
    b[4] = 2;
    b[6] = 0x2C;
    b[12..16].copy_from_slice(&error_code.to_le_bytes());
    b[20..24].copy_from_slice(&error_code.to_le_bytes());
    b.extend_from_slice(&(status | 0x1000_0000).to_le_bytes());
    b
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn time_text(t: &DateTime<Utc>) -> String {
    use chrono::Timelike;
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond() / 100
    )
}

fn value_text(v: &Value) -> Option<String> {
    v.to_xml_text()
}

impl Ev {
    fn record(&self, record_id: u64) -> EventRecord {
        let mut r = EventRecord::new(
            self.provider.name,
            self.id,
            self.channel,
            self.host.clone(),
            self.time,
            record_id,
        );
        r.provider_guid = self.provider.guid.and_then(|g| g.parse().ok());
        r.event_source_name = self.provider.source.map(str::to_string);
        r.qualifiers = self.qualifiers;
        r.version = self.version;
        r.level = Some(self.level);
        if self.version.is_none() {
            r.layout = Some(SystemLayout::Legacy);
            r.opcode = None;
        }
        r.keywords = Some(self.keywords);
        r.activity_id = self.activity.map(rdpsleuth_samples::Guid::from_u128);
        r.process_id = Some(if self.version.is_some() { 1044 } else { 0 });
        r.thread_id = Some(2288);
        r.user_id = self.user.and_then(|s| s.parse().ok());
        r.payload = match &self.body {
            Body::None => Payload::None,
            Body::Named(data, binary) => Payload::EventData {
                data: data
                    .iter()
                    .map(|(k, v)| NamedValue::new(k.clone(), v.value()))
                    .collect(),
                binary: binary.clone(),
            },
            Body::Classic(data, binary) => Payload::Classic {
                data: data.clone(),
                binary: binary.clone(),
            },
            Body::EventXml(fields) => Payload::UserData {
                root: Element::event_xml(fields.iter().map(|(k, v)| (k.clone(), v.value()))),
                form: UserDataForm::Template,
            },
            Body::Tree(root) => Payload::UserData {
                root: root.clone(),
                form: UserDataForm::Inline,
            },
        };
        r
    }

    /// The event as Event Viewer exports it (`<Event xmlns=…>` with `RenderingInfo`).
    fn xml(&self, record_id: u64) -> String {
        let mut x = String::from(
            "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>",
        );
        let _ = write!(x, "<Provider Name=\"{}\"", xml_escape(self.provider.name));
        if let Some(g) = self.provider.guid {
            let _ = write!(x, " Guid=\"{}\"", g.to_uppercase());
        }
        if let Some(s) = self.provider.source {
            let _ = write!(x, " EventSourceName=\"{}\"", xml_escape(s));
        }
        x.push_str("/>");
        match self.qualifiers {
            Some(q) => {
                let _ = write!(x, "<EventID Qualifiers=\"{q}\">{}</EventID>", self.id);
            }
            None => {
                let _ = write!(x, "<EventID>{}</EventID>", self.id);
            }
        }
        if let Some(v) = self.version {
            let _ = write!(x, "<Version>{v}</Version>");
        }
        let _ = write!(
            x,
            "<Level>{}</Level><Task>0</Task>{}<Keywords>0x{:x}</Keywords><TimeCreated SystemTime=\"{}\"/><EventRecordID>{record_id}</EventRecordID>",
            self.level,
            if self.version.is_some() {
                "<Opcode>0</Opcode>"
            } else {
                ""
            },
            self.keywords,
            time_text(&self.time)
        );
        if self.version.is_some() {
            match self.activity {
                Some(g) => {
                    let _ = write!(
                        x,
                        "<Correlation ActivityID=\"{}\"/>",
                        guid_text(g).to_uppercase()
                    );
                }
                None => x.push_str("<Correlation/>"),
            }
            x.push_str("<Execution ProcessID=\"1044\" ThreadID=\"2288\"/>");
        }
        let _ = write!(
            x,
            "<Channel>{}</Channel><Computer>{}</Computer>",
            xml_escape(self.channel),
            xml_escape(&self.host)
        );
        match self.user {
            Some(u) => {
                let _ = write!(x, "<Security UserID=\"{u}\"/>");
            }
            None => x.push_str("<Security/>"),
        }
        x.push_str("</System>");
        match &self.body {
            Body::None => x.push_str("<EventData/>"),
            Body::Named(data, binary) => {
                x.push_str("<EventData>");
                for (k, v) in data {
                    match v.text() {
                        Some(t) => {
                            let _ = write!(
                                x,
                                "<Data Name=\"{}\">{}</Data>",
                                xml_escape(k),
                                xml_escape(&t)
                            );
                        }
                        None => {
                            let _ = write!(x, "<Data Name=\"{}\"/>", xml_escape(k));
                        }
                    }
                }
                if let Some(b) = binary {
                    let _ = write!(x, "<Binary>{}</Binary>", hex_upper(b));
                }
                x.push_str("</EventData>");
            }
            Body::Classic(data, binary) => {
                x.push_str("<EventData>");
                for d in data {
                    let _ = write!(x, "<Data>{}</Data>", xml_escape(d));
                }
                if let Some(b) = binary {
                    let _ = write!(x, "<Binary>{}</Binary>", hex_upper(b));
                }
                x.push_str("</EventData>");
            }
            Body::EventXml(fields) => {
                x.push_str("<UserData><EventXML xmlns=\"Event_NS\">");
                for (k, v) in fields {
                    match v.text() {
                        Some(t) => {
                            let _ = write!(x, "<{k}>{}</{k}>", xml_escape(&t));
                        }
                        None => {
                            let _ = write!(x, "<{k}/>");
                        }
                    }
                }
                x.push_str("</EventXML></UserData>");
            }
            Body::Tree(root) => {
                x.push_str("<UserData>");
                element_xml(&mut x, root);
                x.push_str("</UserData>");
            }
        }
        if let Some(m) = &self.message {
            let _ = write!(
                x,
                "<RenderingInfo Culture=\"en-US\"><Message>{}</Message><Level>Information</Level><Task></Task><Opcode>Info</Opcode><Channel>{}</Channel><Provider>{}</Provider><Keywords></Keywords></RenderingInfo>",
                xml_escape(m),
                xml_escape(self.channel),
                xml_escape(self.provider.name)
            );
        }
        x.push_str("</Event>");
        x
    }

    /// The event as `evtx_dump -o jsonl` prints it; `strings`: every number as text, as in
    /// re-exported files.
    fn json(&self, record_id: u64, strings: bool) -> Json {
        let num = |n: u64| {
            if strings {
                json!(n.to_string())
            } else {
                json!(n)
            }
        };
        let mut provider = Map::new();
        provider.insert("Name".into(), json!(self.provider.name));
        if let Some(g) = self.provider.guid {
            provider.insert("Guid".into(), json!(g));
        }
        if let Some(s) = self.provider.source {
            provider.insert("EventSourceName".into(), json!(s));
        }
        let event_id = match self.qualifiers {
            Some(q) => {
                json!({"#attributes": {"Qualifiers": num(u64::from(q))}, "#text": num(u64::from(self.id))})
            }
            None => num(u64::from(self.id)),
        };
        let mut system = Map::new();
        system.insert("Provider".into(), json!({ "#attributes": provider }));
        system.insert("EventID".into(), event_id);
        if let Some(v) = self.version {
            system.insert("Version".into(), num(u64::from(v)));
        }
        system.insert("Level".into(), num(u64::from(self.level)));
        system.insert("Task".into(), num(0));
        if self.version.is_some() {
            system.insert("Opcode".into(), num(0));
        }
        system.insert("Keywords".into(), json!(format!("0x{:x}", self.keywords)));
        system.insert(
            "TimeCreated".into(),
            json!({"#attributes": {"SystemTime": time_text(&self.time)}}),
        );
        system.insert("EventRecordID".into(), num(record_id));
        if self.version.is_some() {
            system.insert(
                "Correlation".into(),
                self.activity.map_or(
                    Json::Null,
                    |g| json!({"#attributes": {"ActivityID": guid_text(g)}}),
                ),
            );
            system.insert(
                "Execution".into(),
                json!({"#attributes": {"ProcessID": num(1044), "ThreadID": num(2288)}}),
            );
        }
        system.insert("Channel".into(), json!(self.channel));
        system.insert("Computer".into(), json!(self.host));
        system.insert(
            "Security".into(),
            self.user
                .map_or(Json::Null, |u| json!({"#attributes": {"UserID": u}})),
        );
        let mut event = Map::new();
        event.insert(
            "#attributes".into(),
            json!({"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"}),
        );
        event.insert("System".into(), Json::Object(system));
        match &self.body {
            Body::None => {
                event.insert("EventData".into(), Json::Null);
            }
            Body::Named(data, binary) => {
                let mut m = Map::new();
                for (k, v) in data {
                    m.insert(k.clone(), v.json(strings));
                }
                if let Some(b) = binary {
                    m.insert("Binary".into(), json!(hex_upper(b)));
                }
                event.insert("EventData".into(), Json::Object(m));
            }
            Body::Classic(data, binary) => {
                let text = match data.as_slice() {
                    [one] => json!(one),
                    many => json!(many),
                };
                let mut m = Map::new();
                m.insert("Data".into(), json!({ "#text": text }));
                if let Some(b) = binary {
                    m.insert("Binary".into(), json!(hex_upper(b)));
                }
                event.insert("EventData".into(), Json::Object(m));
            }
            Body::EventXml(fields) => {
                let mut m = Map::new();
                m.insert("#attributes".into(), json!({"xmlns": "Event_NS"}));
                for (k, v) in fields {
                    m.insert(k.clone(), v.json(strings));
                }
                event.insert("UserData".into(), json!({ "EventXML": m }));
            }
            Body::Tree(root) => {
                let mut m = Map::new();
                m.insert(root.name.clone(), element_json(root));
                event.insert("UserData".into(), Json::Object(m));
            }
        }
        json!({ "Event": event })
    }
}

fn element_xml(x: &mut String, e: &Element) {
    let _ = write!(x, "<{}", e.name);
    for a in &e.attributes {
        if let Some(t) = value_text(&a.value) {
            let _ = write!(x, " {}=\"{}\"", a.name, xml_escape(&t));
        }
    }
    let text = e.text.as_ref().and_then(value_text);
    if text.is_none() && e.children.is_empty() {
        x.push_str("/>");
        return;
    }
    x.push('>');
    if let Some(t) = text {
        x.push_str(&xml_escape(&t));
    }
    for c in &e.children {
        element_xml(x, c);
    }
    let _ = write!(x, "</{}>", e.name);
}

fn element_json(e: &Element) -> Json {
    let text = e.text.as_ref().and_then(value_text);
    if e.attributes.is_empty() && e.children.is_empty() {
        return text.map_or(Json::Null, Json::String);
    }
    let mut m = Map::new();
    if !e.attributes.is_empty() {
        let mut a = Map::new();
        for attr in &e.attributes {
            if let Some(t) = value_text(&attr.value) {
                a.insert(attr.name.clone(), Json::String(t));
            }
        }
        m.insert("#attributes".into(), Json::Object(a));
    }
    if let Some(t) = text {
        m.insert("#text".into(), Json::String(t));
    }
    for c in &e.children {
        m.insert(c.name.clone(), element_json(c));
    }
    Json::Object(m)
}

// ---- machines and bundles ------------------------------------------------------------------------

/// How one host's log of one channel is handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An `.evtx` file.
    Evtx,
    /// An Event Viewer XML export.
    Xml,
    /// `evtx_dump -o jsonl` output.
    Jsonl,
    /// `evtx_dump -o jsonl` of a re-exported file: every number a string.
    JsonlStrings,
    /// `evtx_dump -o json`: each record pretty-printed after a `Record N` line.
    JsonPretty,
}

/// A machine.
#[derive(Clone, Debug)]
pub struct Machine {
    /// Its computer name as the logs write it (FQDN).
    pub fqdn: String,
    /// Its address.
    pub ip: String,
}

impl Machine {
    pub fn new(fqdn: &str, ip: &str) -> Machine {
        Machine {
            fqdn: fqdn.to_string(),
            ip: ip.to_string(),
        }
    }

    /// The short name, lower case, as a user types it.
    pub fn short(&self) -> String {
        self.fqdn
            .split('.')
            .next()
            .unwrap_or(&self.fqdn)
            .to_lowercase()
    }
}

/// The events of a case and how each log is written.
#[derive(Default)]
pub struct Bundle {
    pub events: Vec<Ev>,
    /// Per (host, channel): the format (default EVTX).
    pub formats: Vec<(String, &'static str, Format)>,
    /// Per host: the format of every channel not listed in `formats`.
    pub host_formats: Vec<(String, Format)>,
    /// Extra files: (path inside the bundle, content).
    pub files: Vec<(String, String)>,
    /// (host, channel) whose events are dropped: a log that was not collected.
    pub dropped: Vec<(String, &'static str)>,
}

/// The first record id per log (real logs rarely start at 1).
const FIRST_RECORD: u64 = 4_711;

impl Bundle {
    /// Writes every log into `dir`, one folder per host.
    pub fn write(&self, dir: &Path) {
        let mut logs: BTreeMap<(String, &'static str), Vec<&Ev>> = BTreeMap::new();
        for e in &self.events {
            if self
                .dropped
                .iter()
                .any(|(h, c)| h.eq_ignore_ascii_case(&e.host) && *c == e.channel)
            {
                continue;
            }
            logs.entry((e.host.clone(), e.channel)).or_default().push(e);
        }
        for ((host, chan), mut events) in logs {
            events.sort_by_key(|e| e.time);
            let short = host.split('.').next().unwrap_or(&host).to_uppercase();
            let folder = dir.join(&short);
            std::fs::create_dir_all(&folder).unwrap();
            let format = self
                .formats
                .iter()
                .find(|(h, c, _)| h.eq_ignore_ascii_case(&host) && *c == chan)
                .map(|x| x.2)
                .or_else(|| {
                    self.host_formats
                        .iter()
                        .find(|(h, _)| h.eq_ignore_ascii_case(&host))
                        .map(|x| x.1)
                })
                .unwrap_or(Format::Evtx);
            let base = chan.replace('/', "%4");
            let ids = (FIRST_RECORD..).take(events.len());
            match format {
                Format::Evtx => {
                    let records: Vec<EventRecord> =
                        events.iter().zip(ids).map(|(e, id)| e.record(id)).collect();
                    let log = write_log(&records, &WriteOptions::default()).unwrap();
                    std::fs::write(folder.join(format!("{base}.evtx")), log.bytes).unwrap();
                }
                Format::Xml => {
                    let mut text = String::from(
                        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n<Events>",
                    );
                    for (e, id) in events.iter().zip(ids) {
                        text.push_str(&e.xml(id));
                        text.push_str("\r\n");
                    }
                    text.push_str("</Events>");
                    std::fs::write(folder.join(format!("{base}.xml")), text).unwrap();
                }
                Format::JsonPretty => {
                    let mut text = String::new();
                    for (e, id) in events.iter().zip(ids) {
                        text.push_str(&format!("Record {id}\n"));
                        text.push_str(&serde_json::to_string_pretty(&e.json(id, false)).unwrap());
                        text.push('\n');
                    }
                    std::fs::write(folder.join(format!("{base}.json")), text).unwrap();
                }
                Format::Jsonl | Format::JsonlStrings => {
                    let strings = format == Format::JsonlStrings;
                    let mut text = String::new();
                    for (e, id) in events.iter().zip(ids) {
                        text.push_str(&e.json(id, strings).to_string());
                        text.push('\n');
                    }
                    std::fs::write(folder.join(format!("{base}.jsonl")), text).unwrap();
                }
            }
        }
        for (path, content) in &self.files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(p, content).unwrap();
        }
    }
}

// ---- the world of one case --------------------------------------------------------------------

/// 2023-11-14T08:00:00Z, a Tuesday.
pub fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 11, 14, 8, 0, 0).unwrap()
}

/// Seconds (fractional) after the base time.
pub fn at(seconds: f64) -> DateTime<Utc> {
    base() + Duration::microseconds((seconds * 1e6).round() as i64)
}

/// A client ActivityID (random-looking, as mstsc's are).
pub fn client_guid(n: u32) -> u128 {
    0x7c3e_0000_5a1d_4f0b_9e21_0000_0000_0000
        | (u128::from(n) << 96)
        | (u128::from(n.wrapping_mul(2_654_435_761)) & 0xffff_ffff)
}

/// A host connection's ActivityID (the `{f420…0000}` shape RdpCoreTS, RCM and LSM share).
pub fn host_guid(n: u32) -> u128 {
    0xf420_0000_0000_0000_0000_0000_0000_0000
        | (u128::from(n.wrapping_mul(40_503)) << 80)
        | (u128::from(n) << 16)
}

/// How a client attempt ends on the client.
#[derive(Clone, Copy, Debug)]
pub struct Attempt {
    /// The client's ActivityID.
    pub activity: u128,
    /// 1024 time, client clock, seconds after base.
    pub start: f64,
    /// Transport up (1025).
    pub connected: bool,
    /// Logged on (1027).
    pub logged_on: bool,
    /// Seconds from 1024 to 1026.
    pub duration: f64,
    /// The 1026 reason.
    pub reason: u32,
}

/// Builds the events of one case.
pub struct World {
    pub bundle: Bundle,
    /// Write 4624 as version 3 (with `RemoteCredentialGuard`, Windows 10 1809+ / 2019+).
    pub logon_v3: bool,
    /// Server clock minus client clock, seconds, per server (fqdn).
    pub skews: Vec<(String, f64)>,
}

impl World {
    pub fn new() -> World {
        World {
            bundle: Bundle::default(),
            logon_v3: false,
            skews: Vec::new(),
        }
    }

    fn skew(&self, host: &str) -> f64 {
        self.skews
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map_or(0.0, |x| x.1)
    }

    /// Adds an event; `t` is in seconds after base on the *reference* (client) clock, the
    /// host's skew is applied.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        m: &Machine,
        channel: &'static str,
        provider: Provider,
        id: u16,
        t: f64,
        activity: Option<u128>,
        body: Body,
    ) -> &mut Ev {
        let time = at(t + self.skew(&m.fqdn));
        let classic = provider.source.is_some() && channel == channel::SYSTEM;
        self.bundle.events.push(Ev {
            host: m.fqdn.clone(),
            channel,
            provider,
            id,
            qualifiers: classic.then_some(if provider.name == SCM.name { 16384 } else { 0 }),
            version: Some(0),
            level: 4,
            keywords: if channel == channel::SECURITY {
                0x8020_0000_0000_0000
            } else if classic {
                0x0080_0000_0000_0000
            } else {
                0x4000_0000_0000_0000
            },
            time,
            activity,
            user: None,
            body,
            message: None,
        });
        self.bundle.events.last_mut().unwrap()
    }

    // ---- client ---------------------------------------------------------------------------

    /// An RDPClient/Operational event.
    pub fn client(&mut self, c: &Machine, id: u16, t: f64, act: Option<u128>, body: Body) {
        self.push(c, channel::RDP_CLIENT, CLIENT_AX, id, t, act, body);
    }

    /// One mstsc attempt: 1024, (1025, 1029), (1027, 1102, 1103), 1026.
    pub fn attempt(&mut self, c: &Machine, target: &str, a: Attempt) {
        let act = Some(a.activity);
        self.client(
            c,
            1024,
            a.start,
            act,
            named([
                ("Name", "Server Name".into()),
                ("Value", target.into()),
                ("CustomLevel", "Info".into()),
            ]),
        );
        if a.connected {
            self.client(c, 1025, a.start + 0.21, act, Body::None);
            self.client(
                c,
                1029,
                a.start + 0.35,
                act,
                named([(
                    "TraceMessage",
                    "9YbNjTxQ0kE4CRyBRzJ3bFiwtdQmHGRgTR1Mh8YeGck=-".into(),
                )]),
            );
        }
        if a.logged_on {
            self.client(
                c,
                1027,
                a.start + 2.9,
                act,
                named([("DomainName", "CONTOSO".into()), ("SessionId", V::U32(3))]),
            );
            self.client(c, 1103, a.start + 3.4, act, Body::None);
        }
        self.client(
            c,
            1026,
            a.start + a.duration,
            act,
            named([
                ("Name", "Disconnect Reason".into()),
                ("Value", V::U32(a.reason)),
                ("CustomLevel", "Info".into()),
            ]),
        );
    }

    // ---- host RDP stack ---------------------------------------------------------------------

    pub fn corets(&mut self, s: &Machine, id: u16, t: f64, act: Option<u128>, body: Body) {
        self.push(s, channel::RDPCORETS, CORETS, id, t, act, body)
            .user = Some("S-1-5-20");
    }

    pub fn rcm(&mut self, s: &Machine, id: u16, t: f64, act: Option<u128>, body: Body) {
        self.push(s, channel::RCM, RCM, id, t, act, body).user = Some("S-1-5-20");
    }

    pub fn lsm(&mut self, s: &Machine, id: u16, t: f64, act: Option<u128>, body: Body) {
        self.push(s, channel::LSM, LSM, id, t, act, body).user = Some("S-1-5-18");
    }

    /// 131 (+ RCM 261) then 65 and 72 PrepareForAccept: the TCP connection accepted and the
    /// RDP connection object created.
    pub fn accept(&mut self, s: &Machine, act: u128, t: f64, client_ip: &str, port: u16) {
        let a = Some(act);
        self.corets(
            s,
            131,
            t,
            a,
            named([
                ("ConnType", "TCP".into()),
                ("ClientIP", format!("{client_ip}:{port}").into()),
            ]),
        );
        self.rcm(
            s,
            261,
            t + 0.004,
            a,
            Body::EventXml(vec![("listenerName".into(), "RDP-Tcp".into())]),
        );
        self.corets(
            s,
            65,
            t + 0.01,
            a,
            named([("ConnectionName", "RDP-Tcp#14".into())]),
        );
        self.corets(
            s,
            72,
            t + 0.011,
            a,
            named([("MethodName", "PrepareForAccept".into())]),
        );
    }

    /// TLS completed (153), as builds from Windows 10 1809 / Server 2019 log it.
    pub fn tls_ok(&mut self, s: &Machine, act: u128, t: f64) {
        self.corets(
            s,
            153,
            t,
            Some(act),
            named([("TLSVersion", "TLS 1.2".into())]),
        );
    }

    /// The host's teardown: 72 OnDisconnected, 102, 103.
    pub fn teardown(&mut self, s: &Machine, act: u128, t: f64) {
        let a = Some(act);
        self.corets(
            s,
            72,
            t,
            a,
            named([("MethodName", "OnDisconnected".into())]),
        );
        self.corets(s, 102, t + 0.02, a, Body::None);
        self.corets(s, 103, t + 0.03, a, named([("ReasonCode", V::U32(0))]));
    }

    /// NLA succeeded and a session was created: 4624 type 3, RCM 1149, LSM 41/21/22/42,
    /// RdpCoreTS 66, 4624 type 10.
    #[allow(clippy::too_many_arguments)]
    pub fn session(
        &mut self,
        s: &Machine,
        act: u128,
        t: f64,
        user: &str,
        client: &Machine,
        session: u32,
        lsm_correlated: bool,
    ) {
        let a = Some(act);
        self.logon(s, t, 3, user, client, "NtLmSsp ", 0x3a_1000 + session);
        self.rcm(
            s,
            1149,
            t + 0.2,
            a,
            Body::EventXml(vec![
                ("Param1".into(), user.into()),
                ("Param2".into(), "CONTOSO".into()),
                ("Param3".into(), client.ip.as_str().into()),
            ]),
        );
        let la = if lsm_correlated { a } else { None };
        let who = format!("CONTOSO\\{user}");
        self.lsm(
            s,
            41,
            t + 0.5,
            la,
            Body::EventXml(vec![
                ("User".into(), who.as_str().into()),
                ("SessionID".into(), V::U32(session)),
            ]),
        );
        self.logon(s, t + 1.1, 10, user, client, "User32 ", 0x3a_2000 + session);
        for (id, dt) in [(21u16, 1.6), (22, 1.7)] {
            self.lsm(
                s,
                id,
                t + dt,
                la,
                Body::EventXml(vec![
                    ("User".into(), who.as_str().into()),
                    ("SessionID".into(), V::U32(session)),
                    ("Address".into(), client.ip.as_str().into()),
                ]),
            );
        }
        self.lsm(
            s,
            42,
            t + 1.8,
            la,
            Body::EventXml(vec![
                ("User".into(), who.as_str().into()),
                ("SessionID".into(), V::U32(session)),
            ]),
        );
        self.corets(
            s,
            66,
            t + 1.9,
            a,
            named([
                ("ConnectionName", "RDP-Tcp#14".into()),
                ("SessionID", V::U32(session)),
            ]),
        );
    }

    /// A successful logon (4624 v2) from `client`.
    #[allow(clippy::too_many_arguments)]
    pub fn logon(
        &mut self,
        s: &Machine,
        t: f64,
        logon_type: u32,
        user: &str,
        client: &Machine,
        process: &str,
        logon_id: u32,
    ) {
        let package = if logon_type == 3 { "NTLM" } else { "Negotiate" };
        let v3 = self.logon_v3;
        let e = self.push(
            s,
            channel::SECURITY,
            AUDIT,
            4624,
            t,
            None,
            named([
                ("SubjectUserSid", "S-1-0-0".into()),
                ("SubjectUserName", "-".into()),
                ("SubjectDomainName", "-".into()),
                ("SubjectLogonId", "0x0".into()),
                (
                    "TargetUserSid",
                    "S-1-5-21-3623811015-3361044348-30300820-1013".into(),
                ),
                ("TargetUserName", user.into()),
                ("TargetDomainName", "CONTOSO".into()),
                ("TargetLogonId", V::Hex64(u64::from(logon_id))),
                ("LogonType", V::U32(logon_type)),
                ("LogonProcessName", process.into()),
                ("AuthenticationPackageName", package.into()),
                ("WorkstationName", client.short().to_uppercase().into()),
                ("LogonGuid", "{00000000-0000-0000-0000-000000000000}".into()),
                ("TransmittedServices", "-".into()),
                (
                    "LmPackageName",
                    if logon_type == 3 { "NTLM V2" } else { "-" }.into(),
                ),
                ("KeyLength", V::U32(if logon_type == 3 { 128 } else { 0 })),
                ("ProcessId", V::Hex64(0)),
                ("ProcessName", "-".into()),
                ("IpAddress", client.ip.as_str().into()),
                ("IpPort", "0".into()),
                ("ImpersonationLevel", "%%1833".into()),
                ("RestrictedAdminMode", "-".into()),
                ("TargetOutboundUserName", "-".into()),
                ("TargetOutboundDomainName", "-".into()),
                ("VirtualAccount", "%%1843".into()),
                ("TargetLinkedLogonId", V::Hex64(0)),
                ("ElevatedToken", "%%1843".into()),
            ]),
        );
        e.version = Some(2);
        e.level = 0;
        if v3 {
            // Version 3 inserts RemoteCredentialGuard after RestrictedAdminMode.
            e.version = Some(3);
            if let Body::Named(fields, _) = &mut e.body
                && let Some(i) = fields.iter().position(|(k, _)| k == "RestrictedAdminMode")
            {
                fields.insert(i + 1, ("RemoteCredentialGuard".into(), "-".into()));
            }
        }
    }

    /// A failed logon (4625) with Status/SubStatus.
    #[allow(clippy::too_many_arguments)]
    pub fn logon_failed(
        &mut self,
        s: &Machine,
        t: f64,
        logon_type: u32,
        user: &str,
        from_ip: &str,
        workstation: &str,
        status: u32,
        sub: u32,
        reason: &str,
    ) {
        let process = if logon_type == 3 {
            "NtLmSsp "
        } else {
            "User32 "
        };
        let package = if logon_type == 3 { "NTLM" } else { "Negotiate" };
        let e = self.push(
            s,
            channel::SECURITY,
            AUDIT,
            4625,
            t,
            None,
            named([
                ("SubjectUserSid", "S-1-0-0".into()),
                ("SubjectUserName", "-".into()),
                ("SubjectDomainName", "-".into()),
                ("SubjectLogonId", "0x0".into()),
                ("TargetUserSid", "S-1-0-0".into()),
                ("TargetUserName", user.into()),
                ("TargetDomainName", "CONTOSO".into()),
                ("Status", format!("0x{status:x}").into()),
                ("FailureReason", reason.into()),
                ("SubStatus", format!("0x{sub:x}").into()),
                ("LogonType", V::U32(logon_type)),
                ("LogonProcessName", process.into()),
                ("AuthenticationPackageName", package.into()),
                ("WorkstationName", workstation.into()),
                ("TransmittedServices", "-".into()),
                ("LmPackageName", "-".into()),
                ("KeyLength", V::U32(0)),
                ("ProcessId", "0x0".into()),
                ("ProcessName", "-".into()),
                ("IpAddress", from_ip.into()),
                ("IpPort", "0".into()),
            ]),
        );
        e.level = 0;
        e.keywords = 0x8010_0000_0000_0000;
    }

    /// A System event of a classic source (unnamed `Data`, optional `Binary`).
    #[allow(clippy::too_many_arguments)]
    pub fn classic(
        &mut self,
        m: &Machine,
        p: Provider,
        id: u16,
        t: f64,
        data: &[&str],
        binary: Option<Vec<u8>>,
        level: u8,
    ) -> &mut Ev {
        let e = self.push(
            m,
            channel::SYSTEM,
            p,
            id,
            t,
            None,
            Body::Classic(data.iter().map(|s| s.to_string()).collect(), binary),
        );
        e.level = level;
        e
    }

    /// An SCM event with named params and a `Binary`.
    pub fn scm(&mut self, m: &Machine, id: u16, t: f64, params: &[&str], binary: Option<&str>) {
        let data = params
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("param{}", i + 1), V::S((*p).to_string())))
            .collect();
        let e = self.push(
            m,
            channel::SYSTEM,
            SCM,
            id,
            t,
            None,
            Body::Named(data, binary.map(utf16z)),
        );
        e.keywords = 0x8080_0000_0000_0000;
    }

    /// A Schannel event (System, manifest provider, named data).
    pub fn schannel(&mut self, m: &Machine, id: u16, t: f64, body: Body) {
        let e = self.push(m, channel::SYSTEM, SCHANNEL, id, t, None, body);
        e.level = 2;
        e.keywords = 0x8000_0000_0000_0000;
        e.user = Some("S-1-5-18");
    }

    /// A Security event with named data.
    pub fn security(&mut self, m: &Machine, id: u16, t: f64, body: Body) {
        let e = self.push(m, channel::SECURITY, AUDIT, id, t, None, body);
        e.level = 0;
    }

    /// A successful connection of `client` to `server` at `t` (client clock), logged on both
    /// sides, ended by the user after `duration` seconds with reason 1 (or 2: log off).
    #[allow(clippy::too_many_arguments)]
    pub fn success(
        &mut self,
        client: &Machine,
        server: &Machine,
        n: u32,
        t: f64,
        user: &str,
        tls_153: bool,
        duration: f64,
    ) {
        self.attempt(
            client,
            &server.short(),
            Attempt {
                activity: client_guid(n),
                start: t,
                connected: true,
                logged_on: true,
                duration,
                reason: 1,
            },
        );
        self.host_success(server, client, n, t, user, tls_153, duration);
    }

    /// The host's side of a successful connection (no client log).
    #[allow(clippy::too_many_arguments)]
    pub fn host_success(
        &mut self,
        server: &Machine,
        client: &Machine,
        n: u32,
        t: f64,
        user: &str,
        tls_153: bool,
        duration: f64,
    ) {
        let h = host_guid(n);
        self.accept(server, h, t + 0.2, &client.ip, 50_000 + (n % 10_000) as u16);
        if tls_153 {
            self.tls_ok(server, h, t + 0.3);
        }
        self.session(server, h, t + 0.9, user, client, 2 + n % 5, true);
        self.teardown(server, h, t + duration + 0.05);
        self.lsm(
            server,
            24,
            t + duration + 0.1,
            Some(h),
            Body::EventXml(vec![
                ("User".into(), format!("CONTOSO\\{user}").into()),
                ("SessionID".into(), V::U32(2 + n % 5)),
                ("Address".into(), client.ip.as_str().into()),
            ]),
        );
    }

    /// An Internet scanner's connection: accepted, no credentials, dropped.
    pub fn scanner(&mut self, s: &Machine, n: u32, t: f64, ip: &str) {
        let h = host_guid(90_000 + n);
        self.corets(
            s,
            131,
            t,
            Some(h),
            named([
                ("ConnType", "TCP".into()),
                ("ClientIP", format!("{ip}:{}", 40_000 + n % 20_000).into()),
            ]),
        );
        self.corets(
            s,
            65,
            t + 0.01,
            Some(h),
            named([("ConnectionName", "RDP-Tcp#0".into())]),
        );
        self.corets(
            s,
            72,
            t + 0.012,
            Some(h),
            named([("MethodName", "PrepareForAccept".into())]),
        );
        self.corets(s, 102, t + 0.3, Some(h), Body::None);
    }

    /// Records no rule reads, as a busy Security log holds them (4672, special privileges),
    /// every `step` seconds from `from` to `to`: they only show how far the log runs.
    pub fn busy_security(&mut self, m: &Machine, from: f64, to: f64, step: f64) {
        let mut t = from;
        while t <= to {
            self.security(
                m,
                4672,
                t,
                named([
                    ("SubjectUserSid", "S-1-5-18".into()),
                    ("SubjectUserName", "SYSTEM".into()),
                    ("SubjectDomainName", "NT AUTHORITY".into()),
                    ("SubjectLogonId", V::Hex64(0x3e7)),
                    (
                        "PrivilegeList",
                        "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege".into(),
                    ),
                ]),
            );
            t += step;
        }
    }

    pub fn finish(self) -> Bundle {
        self.bundle
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

// ---- running and reading the outcome --------------------------------------------------------------

/// What a case expects of one connection.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The client's ActivityID (`None` for a connection only the host saw).
    pub client: Option<u128>,
    /// The host's ActivityID, when the connection should be found by it.
    pub server: Option<u128>,
    /// The cause (`Some(Unknown)` for a failure the logs cannot explain), `None` for a
    /// connection that did not fail.
    pub cause: Option<Cause>,
    /// An Internet scanner: must not be reported as a failure; counted apart.
    pub scanner: bool,
    /// (host short name, event id) that must be among the evidence of the chosen cause.
    pub evidence: Vec<(&'static str, u32)>,
    /// Event ids (or `0` for a fact) that must not be in the evidence for the chosen cause.
    pub not_evidence: Vec<u32>,
    /// Rule-level expectations of `against`: (host short name, event id) that must appear.
    pub against: Vec<(&'static str, u32)>,
    /// Event ids that must not be shown as counter-evidence.
    pub not_against: Vec<u32>,
    /// Texts that must appear in `missing_sources`.
    pub missing: Vec<&'static str>,
    /// Texts that must appear in the remediation steps.
    pub remediation: Vec<&'static str>,
    /// Texts that must not appear in `missing_sources`.
    pub not_missing: Vec<&'static str>,
    /// Confidence bounds.
    pub confidence: (f64, f64),
    /// An alternative that must be listed.
    pub alternative: Option<Cause>,
    /// A known miss: (what is produced instead, why it is not fixed — a cause before the
    /// diagnosis stage, or a deliberate limit of it). The expectation stays what is right; the
    /// test pins what comes out.
    pub known_miss: Option<(&'static str, &'static str)>,
}

impl Expect {
    fn base(client: Option<u128>, server: Option<u128>, cause: Option<Cause>) -> Expect {
        Expect {
            client,
            server,
            cause,
            scanner: false,
            evidence: Vec::new(),
            not_evidence: Vec::new(),
            against: Vec::new(),
            not_against: Vec::new(),
            missing: Vec::new(),
            remediation: Vec::new(),
            not_missing: Vec::new(),
            confidence: (0.0, 1.0),
            alternative: None,
            known_miss: None,
        }
    }

    /// A failed attempt of this client ActivityID with this cause.
    pub fn failed(client: u128, cause: Cause) -> Expect {
        Expect::base(Some(client), None, Some(cause))
    }

    /// A failed connection only the host logged.
    pub fn host_failed(server: u128, cause: Cause) -> Expect {
        Expect::base(None, Some(server), Some(cause))
    }

    /// A connection that did not fail.
    pub fn ok(client: u128) -> Expect {
        Expect::base(Some(client), None, None)
    }

    /// A scanner's connection.
    pub fn scanner(server: u128) -> Expect {
        let mut e = Expect::base(None, Some(server), None);
        e.scanner = true;
        e
    }

    pub fn evidence(mut self, host: &'static str, id: u32) -> Expect {
        self.evidence.push((host, id));
        self
    }

    pub fn not_evidence(mut self, id: u32) -> Expect {
        self.not_evidence.push(id);
        self
    }

    pub fn against(mut self, host: &'static str, id: u32) -> Expect {
        self.against.push((host, id));
        self
    }

    pub fn not_against(mut self, id: u32) -> Expect {
        self.not_against.push(id);
        self
    }

    pub fn missing(mut self, text: &'static str) -> Expect {
        self.missing.push(text);
        self
    }

    pub fn remediation(mut self, text: &'static str) -> Expect {
        self.remediation.push(text);
        self
    }

    pub fn not_missing(mut self, text: &'static str) -> Expect {
        self.not_missing.push(text);
        self
    }

    pub fn confidence(mut self, lo: f64, hi: f64) -> Expect {
        self.confidence = (lo, hi);
        self
    }

    pub fn alternative(mut self, c: Cause) -> Expect {
        self.alternative = Some(c);
        self
    }

    /// Marks a known miss: `got` is what the pipeline produces, `why` the reason.
    pub fn known_miss(mut self, got: &'static str, why: &'static str) -> Expect {
        self.known_miss = Some((got, why));
        self
    }

    /// The label shown in the tables.
    pub fn label(&self) -> String {
        self.cause
            .map_or_else(|| "(no failure)".to_string(), |c| c.id().to_string())
    }
}

/// One held-out case.
pub struct Case {
    /// Its name.
    pub name: &'static str,
    /// What it varies, in a line.
    pub about: &'static str,
    /// The logs.
    pub bundle: Bundle,
    /// The connections it labels.
    pub expect: Vec<Expect>,
}

/// The result of running a case.
pub struct Run {
    pub analysed: Analysed,
    pub report: Report,
}

/// Writes a case into a temporary folder and runs the whole pipeline over it.
pub fn run(case: &Case) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(case.name);
    std::fs::create_dir_all(&root).unwrap();
    case.bundle.write(&root);
    let analysed = analyse_paths(&[&root], &IngestOptions::default(), &());
    let report = analysed.report();
    Run { analysed, report }
}

/// The connection an expectation is about.
pub fn find<'r>(run: &'r Run, x: &Expect) -> Option<&'r ConnectionJson> {
    let want_client = x.client.map(guid_text);
    let want_server = x.server.map(guid_text);
    run.report.connections.iter().find(|c| {
        (want_client.is_some() && c.client_activity_id == want_client)
            || (want_client.is_none()
                && want_server.is_some()
                && c.server_activity_id == want_server)
    })
}

/// The predicted label of a connection (a cause id, "(no failure)", "(not found)").
pub fn predicted(run: &Run, x: &Expect) -> (String, Option<f64>) {
    match find(run, x) {
        None => ("(not found)".to_string(), None),
        Some(c) => match &c.diagnosis {
            Some(d) => (d.cause.id().to_string(), Some(d.confidence)),
            None if c.outcome == "failed" => ("unknown".to_string(), None),
            None if x.cause == Some(Cause::Unknown) && c.outcome == "unknown" => {
                // A connection the analysis could not even call failed: it says it cannot tell.
                ("unknown".to_string(), None)
            }
            None => ("(no failure)".to_string(), None),
        },
    }
}

fn short(host: Option<&str>) -> String {
    host.map(|h| h.split('.').next().unwrap_or(h).to_lowercase())
        .unwrap_or_default()
}

/// Every way a case's outcome differs from its expectations (empty: as expected).
pub fn check(case: &Case, run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    for x in &case.expect {
        let (label, confidence) = predicted(run, x);
        if let Some((got, why)) = x.known_miss {
            if label != got {
                problems.push(format!(
                    "{}: known miss ({why}) expected to give {got}, gave {label} — if it is now {}, drop the mark",
                    describe(x),
                    x.label()
                ));
            }
            continue;
        }
        if label != x.label() {
            problems.push(format!(
                "{}: expected {}, got {label} ({confidence:?})",
                describe(x),
                x.label()
            ));
            continue;
        }
        let Some(c) = find(run, x) else { continue };
        let Some(d) = &c.diagnosis else { continue };
        if d.confidence < x.confidence.0 || d.confidence > x.confidence.1 {
            problems.push(format!(
                "{}: confidence {:.3} outside {:?}",
                describe(x),
                d.confidence,
                x.confidence
            ));
        }
        for (host, id) in &x.evidence {
            let found = d.evidence.iter().any(|e| {
                e.cause == d.cause
                    && e.event_id == Some(*id)
                    && short(e.host.as_deref()) == *host
                    && e.record_id.is_some()
                    && e.source.is_some()
            });
            if !found {
                problems.push(format!(
                    "{}: no evidence {host}/{id} for {}; evidence: {:?}",
                    describe(x),
                    d.cause,
                    d.evidence
                        .iter()
                        .map(|e| format!(
                            "{}/{:?} {} ({})",
                            short(e.host.as_deref()),
                            e.event_id,
                            e.cause,
                            e.summary
                        ))
                        .collect::<Vec<_>>()
                ));
            }
        }
        for id in &x.not_evidence {
            if d.evidence
                .iter()
                .any(|e| e.cause == d.cause && e.event_id.unwrap_or(0) == *id)
            {
                problems.push(format!("{}: event {id} shown as evidence", describe(x)));
            }
        }
        for (host, id) in &x.against {
            let found = d
                .against
                .iter()
                .any(|e| e.event_id == Some(*id) && short(e.host.as_deref()) == *host);
            if !found {
                problems.push(format!(
                    "{}: no counter-evidence {host}/{id}; against: {:?}",
                    describe(x),
                    d.against
                        .iter()
                        .map(|e| format!(
                            "{}/{:?} {}",
                            short(e.host.as_deref()),
                            e.event_id,
                            e.summary
                        ))
                        .collect::<Vec<_>>()
                ));
            }
        }
        for id in &x.not_against {
            if d.against.iter().any(|e| e.event_id == Some(*id)) {
                problems.push(format!(
                    "{}: event {id} shown as counter-evidence",
                    describe(x)
                ));
            }
        }
        let missing = d.missing_sources.join("\n");
        for m in &x.missing {
            if !missing.contains(m) {
                problems.push(format!(
                    "{}: missing_sources lacks {m:?}:\n{missing}",
                    describe(x)
                ));
            }
        }
        let steps = d.remediation.join("\n");
        for r in &x.remediation {
            if !steps.contains(r) {
                problems.push(format!(
                    "{}: remediation lacks {r:?}:\n{steps}",
                    describe(x)
                ));
            }
        }
        for m in &x.not_missing {
            if missing.contains(m) {
                problems.push(format!(
                    "{}: missing_sources names {m:?}:\n{missing}",
                    describe(x)
                ));
            }
        }
        if let Some(alt) = x.alternative
            && !d.alternatives.iter().any(|a| a.cause == alt)
        {
            problems.push(format!(
                "{}: alternative {alt} not listed: {:?}",
                describe(x),
                d.alternatives
                    .iter()
                    .map(|a| (a.cause.id(), a.confidence))
                    .collect::<Vec<_>>()
            ));
        }
    }
    problems
}

fn describe(x: &Expect) -> String {
    match (x.client, x.server) {
        (Some(c), _) => format!("client {}", guid_text(c)),
        (None, Some(s)) => format!("host {}", guid_text(s)),
        _ => "?".to_string(),
    }
}

/// A diagnosis in a few lines, for failure messages.
pub fn explain(run: &Run, x: &Expect) -> String {
    let Some(c) = find(run, x) else {
        return format!(
            "not found; connections: {:?}",
            run.report
                .connections
                .iter()
                .map(|c| (
                    &c.id,
                    &c.client_activity_id,
                    &c.server_activity_id,
                    &c.outcome
                ))
                .collect::<Vec<_>>()
        );
    };
    let mut s = format!(
        "{} outcome={} reason={:?} client={:?} server={:?} addr={:?}\n",
        c.id, c.outcome, c.disconnect_reason, c.client, c.server, c.client_address
    );
    if let Some(d) = &c.diagnosis {
        let _ = writeln!(s, "  cause {} {:.3}", d.cause, d.confidence);
        for a in &d.alternatives {
            let _ = writeln!(s, "  alt {} {:.3}", a.cause, a.confidence);
        }
        for e in &d.evidence {
            let _ = writeln!(
                s,
                "  + {} {:?}/{:?} {}",
                e.cause,
                short(e.host.as_deref()),
                e.event_id,
                e.summary
            );
        }
        for e in &d.against {
            let _ = writeln!(
                s,
                "  - {} {:?}/{:?} {}",
                e.cause,
                short(e.host.as_deref()),
                e.event_id,
                e.summary
            );
        }
        for m in &d.missing_sources {
            let _ = writeln!(s, "  ? {m}");
        }
    }
    s
}
