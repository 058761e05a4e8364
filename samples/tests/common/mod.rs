//! Records covering every payload kind and value type, and what a reader must see for each:
//! the `evtx` crate's JSON (its conventions are those of the real records in
//! `shared/reference/EXAMPLES`) and a neutral element tree for python-evtx. Both are built
//! here from the record's meaning, independently of the writer's templates.

#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rdpsleuth_samples::{
    Element, EventRecord, Guid, NamedValue, Payload, Sid, SystemLayout, UserDataForm, Value,
};
use serde_json::{Map, Value as Json, json};

pub const RDPCORETS: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";
pub const RDPCORETS_GUID: &str = "{1139c61b-b549-4251-8ed3-27250a1edec8}";
pub const RDPCORETS_CHANNEL: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational";
pub const RCM: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
pub const RCM_CHANNEL: &str =
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";
pub const LSM: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager";
pub const CAPI2: &str = "Microsoft-Windows-CAPI2";

/// The folder of the real records, next to the workspace.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/EXAMPLES")
}

pub fn guid(text: &str) -> Guid {
    text.parse().expect("test GUID")
}

pub fn sid(text: &str) -> Sid {
    text.parse().expect("test SID")
}

/// A UTC time given as RFC 3339 text.
pub fn time(text: &str) -> DateTime<Utc> {
    text.parse().expect("test time")
}

pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap()
}

/// A manifest record with every `<System>` value set.
pub fn rdpcorets(id: u64, event_id: u16, data: Vec<NamedValue>) -> EventRecord {
    let mut record = EventRecord::new(
        RDPCORETS,
        event_id,
        RDPCORETS_CHANNEL,
        "RDS-HOST01.corp.example",
        base_time() + Duration::nanoseconds(id as i64 * 1_234_567_800),
        id,
    );
    record.provider_guid = Some(guid(RDPCORETS_GUID));
    record.task = Some(4);
    record.opcode = Some(15);
    record.keywords = Some(0x4000_0000_0000_0000);
    record.activity_id = Some(guid("{f4207c37-d7a8-4a5e-9a35-4e79caa60000}"));
    record.process_id = Some(388);
    record.thread_id = Some(1292);
    record.user_id = Some(sid("S-1-5-20"));
    record.payload = Payload::EventData { data, binary: None };
    record
}

/// One record of each payload kind and `<System>` shape, from `first_id` on.
pub fn every_kind(first_id: u64) -> Vec<EventRecord> {
    let mut records = Vec::new();
    let mut next_id = first_id;
    let mut id = || {
        next_id += 1;
        next_id - 1
    };

    // Named EventData of strings (RdpCoreTS 131).
    records.push(rdpcorets(
        id(),
        131,
        vec![
            NamedValue::new("ConnType", "TCP"),
            NamedValue::new("ClientIP", "10.20.30.40:51234"),
        ],
    ));

    // Every value type, and awkward text.
    let t = time("2024-05-01T09:29:59.9876543Z");
    records.push(rdpcorets(
        id(),
        227,
        vec![
            NamedValue::new("Int8", Value::Int8(-7)),
            NamedValue::new("UInt8", Value::UInt8(255)),
            NamedValue::new("Int16", Value::Int16(-30000)),
            NamedValue::new("UInt16", Value::UInt16(65535)),
            NamedValue::new("Int32", Value::Int32(-2_147_483_648)),
            NamedValue::new("Value", Value::UInt32(2_147_500_033)),
            NamedValue::new("Int64", Value::Int64(-9_000_000_000)),
            NamedValue::new("UInt64", Value::UInt64(18_000_000_000_000_000_000)),
            NamedValue::new("ErrorCode", Value::HexInt32(0x8009_0016)),
            NamedValue::new("Flags", Value::HexInt64(0x0080_0000_0000_0001)),
            NamedValue::new("Enabled", Value::Bool(true)),
            NamedValue::new("Disabled", Value::Bool(false)),
            NamedValue::new("Blob", Value::Binary(vec![0x5e, 0x00, 0x00, 0xc0, 0xff])),
            NamedValue::new(
                "Session",
                Value::Guid(guid("{12345678-9abc-def0-1234-56789abcdef0}")),
            ),
            NamedValue::new(
                "Account",
                Value::Sid(sid("S-1-5-21-3866364563-2820027588-3952592390-500")),
            ),
            NamedValue::new("When", Value::FileTime(t)),
            NamedValue::new("Local", Value::SystemTime(time("2024-02-29T23:59:58.250Z"))),
            NamedValue::new("Ansi", Value::AnsiString("plain ascii".into())),
            NamedValue::new("Unicode", "Zoë 日本 🖥️ <&>\"'"),
            NamedValue::new("Empty", ""),
            NamedValue::new("Missing", Value::Null),
            NamedValue::new("Threat Name", "name with spaces"),
            NamedValue::new("Lines", "first\r\nsecond\ttab"),
        ],
    ));

    // RCM 1149: UserData EventXML with a second namespace and an empty Param2.
    let mut rcm = EventRecord::new(
        RCM,
        1149,
        RCM_CHANNEL,
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(3),
        id(),
    );
    rcm.provider_guid = Some(guid("{c76baa63-ae81-421c-b425-340b4b24157f}"));
    rcm.keywords = Some(0x1000_0000_0000_0000);
    rcm.process_id = Some(812);
    rcm.thread_id = Some(1956);
    rcm.user_id = Some(sid("S-1-5-20"));
    rcm.payload = Payload::UserData {
        root: Element::new("EventXML")
            .attribute(
                "xmlns:auto-ns2",
                "http://schemas.microsoft.com/win/2004/08/events",
            )
            .attribute("xmlns", "Event_NS")
            .child(Element::new("Param1").text("alice"))
            .child(Element::new("Param2").text(Value::Null))
            .child(Element::new("Param3").text("10.20.30.40")),
        form: UserDataForm::Template,
    };
    records.push(rcm);

    // LSM 21 with typed UserData values and a correlation on both ids.
    let mut lsm = EventRecord::new(
        LSM,
        21,
        format!("{LSM}/Operational"),
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(4),
        id(),
    );
    lsm.provider_guid = Some(guid("{5d896912-022d-40aa-a3a8-4fa5515c76d7}"));
    lsm.keywords = Some(0x1000_0000_0000_0000);
    lsm.activity_id = Some(guid("{f4205bac-5c6b-4e0e-9e4d-3ae1e0160000}"));
    lsm.related_activity_id = Some(guid("{00000000-0000-0000-0000-000000000001}"));
    lsm.process_id = Some(632);
    lsm.thread_id = Some(4120);
    lsm.user_id = Some(sid("S-1-5-18"));
    lsm.payload = Payload::UserData {
        root: Element::event_xml([
            ("User", Value::from("CORP\\alice")),
            ("SessionID", Value::UInt32(2)),
            ("Address", Value::from("10.20.30.40")),
        ]),
        form: UserDataForm::Template,
    };
    records.push(lsm);

    // System, TermService 1056: classic layout, Qualifiers, one Data and a Binary.
    let mut tssvc = EventRecord::new(
        RCM,
        1056,
        "System",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(5),
        id(),
    );
    tssvc.provider_guid = Some(guid("{C76BAA63-AE81-421C-B425-340B4B24157F}"));
    tssvc.event_source_name = Some("TermService".into());
    tssvc.qualifiers = Some(49152);
    tssvc.keywords = Some(0x0080_0000_0000_0000);
    tssvc.process_id = Some(0);
    tssvc.thread_id = Some(0);
    tssvc.payload = Payload::Classic {
        data: vec!["RDS-HOST01.corp.example".into()],
        binary: Some(vec![
            0x59, 0xef, 0xf2, 0xe3, 0xb5, 0x09, 0xc8, 0x31, 0x37, 0xe8, 0x10, 0x85, 0xe0, 0x2a,
            0x1a, 0xc6, 0x3a, 0x7e, 0x61, 0xaa,
        ]),
    };
    records.push(tssvc);

    // System, NETLOGON 5719: a classic source without GUID, Version or Opcode; two strings.
    let mut netlogon = EventRecord::new(
        "NETLOGON",
        5719,
        "System",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(6),
        id(),
    );
    netlogon.event_source_name = Some("NETLOGON".into());
    netlogon.qualifiers = Some(0);
    netlogon.version = None;
    netlogon.opcode = None;
    netlogon.level = Some(2);
    netlogon.keywords = Some(0x0080_0000_0000_0000);
    netlogon.payload = Payload::Classic {
        data: vec!["CORP".into(), "%%1311".into()],
        binary: Some(vec![0x5e, 0x00, 0x00, 0xc0]),
    };
    records.push(netlogon);

    // Classic events with strings only, and with binary only.
    let mut strings_only = EventRecord::new(
        "Service Control Manager",
        7036,
        "System",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(7),
        id(),
    );
    strings_only.provider_guid = Some(guid("{555908d1-a6d7-4695-8e1e-26931d2012f4}"));
    strings_only.event_source_name = Some("Service Control Manager".into());
    strings_only.qualifiers = Some(16384);
    strings_only.payload = Payload::Classic {
        data: vec![
            "Remote Desktop Services".into(),
            "stopped".into(),
            "".into(),
        ],
        binary: None,
    };
    records.push(strings_only);
    let mut scm = EventRecord::new(
        "Service Control Manager",
        7000,
        "System",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(7),
        id(),
    );
    scm.provider_guid = Some(guid("{555908d1-a6d7-4695-8e1e-26931d2012f4}"));
    scm.event_source_name = Some("Service Control Manager".into());
    scm.qualifiers = Some(49152);
    scm.level = Some(2);
    scm.keywords = Some(0x8080_0000_0000_0000);
    scm.payload = Payload::EventData {
        data: vec![
            NamedValue::new("param1", "Remote Desktop Services"),
            NamedValue::new("param2", "%%1058"),
        ],
        binary: Some(
            "TermService"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .chain([0, 0])
                .collect(),
        ),
    };
    records.push(scm);
    let mut binary_only = EventRecord::new(
        "TermDD",
        56,
        "System",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(8),
        id(),
    );
    binary_only.event_source_name = Some("TermDD".into());
    binary_only.qualifiers = Some(49162);
    binary_only.level = Some(2);
    binary_only.payload = Payload::Classic {
        data: vec![],
        binary: Some(vec![
            0, 0, 8, 0, 2, 0, 0x38, 0, 0, 0, 0, 0, 0x38, 0, 0x0a, 0xc0,
        ]),
    };
    records.push(binary_only);
    // System, TermDD 56 as Windows 7 logs it: the smaller classic template.
    let mut termdd = EventRecord::new(
        "TermDD",
        56,
        "System",
        "WKS-WIN7.corp.example",
        base_time() + Duration::seconds(8),
        id(),
    );
    termdd.layout = Some(SystemLayout::Legacy);
    termdd.qualifiers = Some(49162);
    termdd.level = Some(2);
    termdd.keywords = Some(0x0080_0000_0000_0000);
    termdd.process_id = Some(4);
    termdd.thread_id = Some(68);
    termdd.payload = Payload::Classic {
        data: vec!["\\Device\\Termdd".into(), "10.20.30.40".into()],
        binary: Some(vec![
            0, 0, 4, 0, 2, 0, 0x2c, 0, 0, 0, 0, 0, 0x38, 0, 0x0a, 0xc0,
        ]),
    };
    records.push(termdd);

    // CAPI2 11 as a template: nested elements, attributes, repeated siblings.
    let mut capi2 = capi2_chain(id());
    capi2.payload = Payload::UserData {
        root: capi2_tree(),
        form: UserDataForm::Template,
    };
    records.push(capi2);

    // Nothing after System; an empty EventData; every optional System value left out.
    let mut bare = EventRecord::new(
        "Microsoft-Windows-Kernel-General",
        1,
        "System",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(9),
        id(),
    );
    bare.version = None;
    bare.level = None;
    bare.task = None;
    bare.opcode = None;
    records.push(bare);
    let mut empty = rdpcorets(id(), 65, vec![]);
    empty.activity_id = None;
    empty.process_id = None;
    empty.thread_id = None;
    empty.user_id = None;
    empty.provider_guid = None;
    records.push(empty);

    // A classic layout chosen without an event source name.
    let mut classic_manifest = rdpcorets(
        id(),
        102,
        vec![NamedValue::new("Reason", Value::UInt32(14))],
    );
    classic_manifest.layout = Some(SystemLayout::Classic);
    records.push(classic_manifest);

    records
}

/// Many records of every kind, identifiers from `first_id`.
pub fn many(first_id: u64, count: usize) -> Vec<EventRecord> {
    let pattern = every_kind(0);
    (0..count)
        .map(|i| {
            let mut record = pattern[i % pattern.len()].clone();
            record.record_id = first_id + i as u64;
            record.time_created = base_time()
                + chrono::Duration::milliseconds(i as i64 * 1500)
                + chrono::Duration::nanoseconds(i as i64 % 7 * 100);
            if let Payload::EventData { data, .. } = &mut record.payload {
                data.push(NamedValue::new("Sequence", Value::UInt64(i as u64)));
            }
            record
        })
        .collect()
}

/// A CAPI2 record (payload left to the caller).
pub fn capi2_chain(id: u64) -> EventRecord {
    let mut record = EventRecord::new(
        CAPI2,
        11,
        "Microsoft-Windows-CAPI2/Operational",
        "RDS-HOST01.corp.example",
        base_time() + Duration::seconds(10),
        id,
    );
    record.provider_guid = Some(guid("{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}"));
    record.layout = Some(SystemLayout::Classic);
    record.task = Some(11);
    record.opcode = Some(2);
    record.keywords = Some(0x4000_0000_0000_0003);
    record.process_id = Some(960);
    record.thread_id = Some(820);
    record.user_id = Some(sid("S-1-5-18"));
    record
}

/// A failing chain: expired certificate, CERT_E_EXPIRED.
pub fn capi2_tree() -> Element {
    let cert = |file: &str, subject: &str| {
        Element::new("Certificate")
            .attribute("fileRef", file)
            .attribute("subjectName", subject)
    };
    Element::new("CertGetCertificateChain")
        .child(cert("0A1B2C.cer", "RDS-HOST01.corp.example"))
        .child(Element::new("ValidationTime").text("2024-05-01T09:30:10Z"))
        .child(
            Element::new("AdditionalStore")
                .child(cert("0A1B2C.cer", "RDS-HOST01.corp.example"))
                .child(cert("3D4E5F.cer", "Corp Issuing CA")),
        )
        .child(
            Element::new("Flags")
                .attribute("value", "40000000")
                .attribute("CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT", "true"),
        )
        .child(Element::new("ChainEngineInfo").attribute("context", "machine"))
        .child(
            Element::new("CertificateChain")
                .attribute("chainRef", "{546E4482-6A62-4653-844C-97B12F78685E}")
                .child(
                    Element::new("TrustStatus")
                        .child(
                            Element::new("ErrorStatus")
                                .attribute("value", "1")
                                .attribute("CERT_TRUST_IS_NOT_TIME_VALID", "true"),
                        )
                        .child(Element::new("InfoStatus").attribute("value", "0")),
                )
                .child(
                    Element::new("ChainElement")
                        .child(cert("0A1B2C.cer", "RDS-HOST01.corp.example"))
                        .child(Element::new("IssuanceUsage")),
                )
                .child(Element::new("ChainElement").child(cert("3D4E5F.cer", "Corp Issuing CA"))),
        )
        .child(Element::new("EventAuxInfo").attribute("ProcessName", "svchost.exe"))
        .child(
            Element::new("Result")
                .attribute("value", "800B0101")
                .text(Value::Null),
        )
}

// ---------------------------------------------------------------------------------------
// What the `evtx` crate renders as JSON.

/// A value as the evtx crate renders it into JSON.
pub fn evtx_json_value(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::String(s) | Value::AnsiString(s) => json!(s),
        Value::Int8(v) => json!(v),
        Value::UInt8(v) => json!(v),
        Value::Int16(v) => json!(v),
        Value::UInt16(v) => json!(v),
        Value::Int32(v) => json!(v),
        Value::UInt32(v) => json!(v),
        Value::Int64(v) => json!(v),
        Value::UInt64(v) => json!(v),
        Value::HexInt32(v) => json!(format!("{v:#x}")),
        Value::HexInt64(v) => json!(format!("{v:#x}")),
        Value::Bool(v) => json!(v),
        Value::Binary(bytes) => json!(rdpsleuth_samples::hex_upper(bytes)),
        Value::Guid(g) => json!(g.to_string().to_ascii_lowercase()),
        Value::Sid(s) => json!(s.to_string()),
        Value::FileTime(t) => json!(format!(
            "{}.{:07}Z",
            t.format("%Y-%m-%dT%H:%M:%S"),
            t.timestamp_subsec_nanos() / 100
        )),
        Value::SystemTime(t) => json!(format!(
            "{}.{:07}Z",
            t.format("%Y-%m-%dT%H:%M:%S"),
            t.timestamp_subsec_millis() * 10_000
        )),
        Value::StringArray(items) => json!(items),
    }
}

/// An XML element as evtx renders it: `null` when empty, the bare value when it holds only
/// text, else an object with `#attributes`, `#text` and children (repeated names get `_1`,
/// `_2`, …).
fn evtx_element(
    attributes: Map<String, Json>,
    text: Option<Json>,
    children: Vec<(String, Json)>,
) -> Json {
    if attributes.is_empty() && children.is_empty() {
        return text.unwrap_or(Json::Null);
    }
    let mut object = Map::new();
    if !attributes.is_empty() {
        object.insert("#attributes".into(), Json::Object(attributes));
    }
    if let Some(text) = text {
        object.insert("#text".into(), text);
    }
    for (name, value) in children {
        let mut key = name.clone();
        let mut n = 0;
        while object.contains_key(&key) {
            n += 1;
            key = format!("{name}_{n}");
        }
        object.insert(key, value);
    }
    Json::Object(object)
}

fn user_data_json(element: &Element, inline: bool) -> Json {
    let render = |value: &Value| -> Json {
        if inline {
            value.to_xml_text().map_or(Json::Null, Json::String)
        } else {
            evtx_json_value(value)
        }
    };
    let attributes: Map<String, Json> = element
        .attributes
        .iter()
        .filter(|a| a.value != Value::Null)
        .map(|a| (a.name.clone(), render(&a.value)))
        .collect();
    let text = element
        .text
        .as_ref()
        .filter(|t| **t != Value::Null)
        .map(render);
    let children = element
        .children
        .iter()
        .map(|c| (c.name.clone(), user_data_json(c, inline)))
        .collect();
    evtx_element(attributes, text, children)
}

fn attributes(pairs: &[(&str, Option<Json>)]) -> Map<String, Json> {
    pairs
        .iter()
        .filter_map(|(name, value)| value.clone().map(|v| ((*name).to_owned(), v)))
        .collect()
}

/// The JSON the evtx crate renders for `record`.
pub fn expected_evtx_json(record: &EventRecord) -> Json {
    let classic = record.system_layout() != SystemLayout::Manifest;
    // The Windows 7 template has no Version, Opcode, Correlation or Execution.
    let full = record.system_layout() != SystemLayout::Legacy;
    let provider_guid = record.provider_guid.map(|g| {
        // A classic template holds the GUID as the text it was given; a manifest one as a GUID.
        if classic {
            json!(g.to_string())
        } else {
            json!(g.to_string().to_ascii_lowercase())
        }
    });
    let mut system = Map::new();
    system.insert(
        "Provider".into(),
        evtx_element(
            attributes(&[
                ("Name", Some(json!(record.provider_name))),
                ("Guid", provider_guid),
                (
                    "EventSourceName",
                    record.event_source_name.as_ref().map(|s| json!(s)),
                ),
            ]),
            None,
            vec![],
        ),
    );
    system.insert(
        "EventID".into(),
        evtx_element(
            attributes(&[("Qualifiers", record.qualifiers.map(|q| json!(q)))]),
            Some(json!(record.event_id)),
            vec![],
        ),
    );
    let mut optional = |name: &str, value: Option<Json>| {
        if let Some(value) = value {
            system.insert(name.into(), value);
        }
    };
    optional("Version", record.version.filter(|_| full).map(|v| json!(v)));
    optional("Level", record.level.map(|v| json!(v)));
    optional("Task", record.task.map(|v| json!(v)));
    optional("Opcode", record.opcode.filter(|_| full).map(|v| json!(v)));
    optional(
        "Keywords",
        record.keywords.map(|k| json!(format!("{k:#x}"))),
    );
    system.insert(
        "TimeCreated".into(),
        json!({"#attributes": {"SystemTime": evtx_json_value(&Value::FileTime(record.time_created))}}),
    );
    system.insert("EventRecordID".into(), json!(record.record_id));
    let lower = |g: &Option<Guid>| g.map(|g| json!(g.to_string().to_ascii_lowercase()));
    if full {
        system.insert(
            "Correlation".into(),
            evtx_element(
                attributes(&[
                    ("ActivityID", lower(&record.activity_id)),
                    ("RelatedActivityID", lower(&record.related_activity_id)),
                ]),
                None,
                vec![],
            ),
        );
        system.insert(
            "Execution".into(),
            evtx_element(
                attributes(&[
                    ("ProcessID", record.process_id.map(|v| json!(v))),
                    ("ThreadID", record.thread_id.map(|v| json!(v))),
                ]),
                None,
                vec![],
            ),
        );
    }
    system.insert("Channel".into(), json!(record.channel));
    system.insert("Computer".into(), json!(record.computer));
    system.insert(
        "Security".into(),
        evtx_element(
            attributes(&[(
                "UserID",
                record.user_id.as_ref().map(|s| json!(s.to_string())),
            )]),
            None,
            vec![],
        ),
    );

    let mut event = Map::new();
    event.insert(
        "#attributes".into(),
        json!({"xmlns": rdpsleuth_samples::EVENT_NAMESPACE}),
    );
    event.insert("System".into(), Json::Object(system));
    match &record.payload {
        Payload::None => {}
        Payload::EventData { data, binary } => {
            // An empty `<Data Name="…">` renders as an empty string (a UserData element as null).
            let mut fields: Map<String, Json> = data
                .iter()
                .map(|f| match f.value {
                    Value::Null => (f.name.clone(), json!("")),
                    ref value => (f.name.clone(), evtx_json_value(value)),
                })
                .collect();
            if let Some(binary) = binary {
                fields.insert("Binary".into(), json!(rdpsleuth_samples::hex_upper(binary)));
            }
            event.insert(
                "EventData".into(),
                if fields.is_empty() {
                    Json::Null
                } else {
                    Json::Object(fields)
                },
            );
        }
        Payload::Classic { data, binary } => {
            let mut children = Vec::new();
            match data.as_slice() {
                [] => {}
                [one] => children.push(("Data".to_owned(), json!({"#text": one}))),
                many => children.push(("Data".to_owned(), json!({"#text": many}))),
            }
            if let Some(binary) = binary {
                children.push((
                    "Binary".to_owned(),
                    json!(rdpsleuth_samples::hex_upper(binary)),
                ));
            }
            event.insert("EventData".into(), evtx_element(Map::new(), None, children));
        }
        Payload::UserData { root, form } => {
            let inline = *form == UserDataForm::Inline;
            event.insert(
                "UserData".into(),
                json!({ root.name.clone(): user_data_json(root, inline) }),
            );
        }
    }
    json!({ "Event": event })
}

// ---------------------------------------------------------------------------------------
// The neutral tree the python-evtx dump prints.

/// A value as `[type, data]`, as the python dump prints it.
pub fn tree_value(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Null => return None,
        Value::String(s) => json!(["string", s]),
        Value::AnsiString(s) => json!(["ansi_string", s]),
        Value::Int8(v) => json!(["int8", v]),
        Value::UInt8(v) => json!(["uint8", v]),
        Value::Int16(v) => json!(["int16", v]),
        Value::UInt16(v) => json!(["uint16", v]),
        Value::Int32(v) => json!(["int32", v]),
        Value::UInt32(v) => json!(["uint32", v]),
        Value::Int64(v) => json!(["int64", v]),
        Value::UInt64(v) => json!(["uint64", v]),
        Value::HexInt32(v) => json!(["hex_int32", v]),
        Value::HexInt64(v) => json!(["hex_int64", v]),
        Value::Bool(v) => json!(["bool", v]),
        Value::Binary(bytes) => json!(["binary", rdpsleuth_samples::hex_upper(bytes)]),
        Value::Guid(g) => json!(["guid", g.to_string().to_ascii_lowercase()]),
        Value::Sid(s) => json!(["sid", s.to_string()]),
        Value::FileTime(t) => json!([
            "file_time",
            rdpsleuth_samples::filetime(t).expect("valid time")
        ]),
        Value::SystemTime(t) => {
            use chrono::{Datelike, Timelike};
            json!([
                "system_time",
                [
                    t.year(),
                    t.month(),
                    t.weekday().num_days_from_sunday(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.timestamp_subsec_millis()
                ]
            ])
        }
        Value::StringArray(items) => json!(["string_array", items]),
    })
}

fn text(s: &str) -> Json {
    json!(["string", s])
}

/// A tree element.
fn node(name: &str, attributes: Vec<(&str, Option<Json>)>, children: Vec<Json>) -> Json {
    let attributes: Vec<Json> = attributes
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| json!([n, v])))
        .collect();
    json!({"name": name, "attributes": attributes, "children": children})
}

fn leaf(name: &str, value: Option<Json>) -> Json {
    node(
        name,
        vec![],
        value.map(|v| json!({"value": v})).into_iter().collect(),
    )
}

fn user_data_tree(element: &Element, inline: bool) -> Json {
    let render = |value: &Value| -> Option<Json> {
        if inline {
            value.to_xml_text().map(|t| text(&t))
        } else {
            tree_value(value)
        }
    };
    let attributes = element
        .attributes
        .iter()
        .map(|a| (a.name.as_str(), render(&a.value)))
        .collect();
    let mut children: Vec<Json> = element
        .text
        .iter()
        .filter_map(|t| render(t).map(|v| json!({"value": v})))
        .collect();
    children.extend(element.children.iter().map(|c| user_data_tree(c, inline)));
    node(&element.name, attributes, children)
}

/// The tree python-evtx reads for `record`.
pub fn expected_tree(record: &EventRecord) -> Json {
    let classic = record.system_layout() != SystemLayout::Manifest;
    let full = record.system_layout() != SystemLayout::Legacy;
    let provider_guid = record.provider_guid.map(|g| {
        if classic {
            text(&g.to_string())
        } else {
            tree_value(&Value::Guid(g)).expect("GUID")
        }
    });
    let guid_value = |g: &Option<Guid>| g.and_then(|g| tree_value(&Value::Guid(g)));
    let system = node(
        "System",
        vec![],
        vec![
            node(
                "Provider",
                vec![
                    ("Name", Some(text(&record.provider_name))),
                    ("Guid", provider_guid),
                    (
                        "EventSourceName",
                        record.event_source_name.as_deref().map(text),
                    ),
                ],
                vec![],
            ),
            node(
                "EventID",
                vec![(
                    "Qualifiers",
                    record.qualifiers.map(|q| json!(["uint16", q])),
                )],
                vec![json!({"value": ["uint16", record.event_id]})],
            ),
        ]
        .into_iter()
        .chain(
            record
                .version
                .filter(|_| full)
                .map(|v| leaf("Version", Some(json!(["uint8", v])))),
        )
        .chain(
            record
                .level
                .map(|v| leaf("Level", Some(json!(["uint8", v])))),
        )
        .chain(
            record
                .task
                .map(|v| leaf("Task", Some(json!(["uint16", v])))),
        )
        .chain(
            record
                .opcode
                .filter(|_| full)
                .map(|v| leaf("Opcode", Some(json!(["uint8", v])))),
        )
        .chain(
            record
                .keywords
                .map(|v| leaf("Keywords", Some(json!(["hex_int64", v])))),
        )
        .chain(
            [
                Some(node(
                    "TimeCreated",
                    vec![(
                        "SystemTime",
                        tree_value(&Value::FileTime(record.time_created)),
                    )],
                    vec![],
                )),
                Some(leaf(
                    "EventRecordID",
                    Some(json!(["uint64", record.record_id])),
                )),
                full.then(|| {
                    node(
                        "Correlation",
                        vec![
                            ("ActivityID", guid_value(&record.activity_id)),
                            ("RelatedActivityID", guid_value(&record.related_activity_id)),
                        ],
                        vec![],
                    )
                }),
                full.then(|| {
                    node(
                        "Execution",
                        vec![
                            ("ProcessID", record.process_id.map(|v| json!(["uint32", v]))),
                            ("ThreadID", record.thread_id.map(|v| json!(["uint32", v]))),
                        ],
                        vec![],
                    )
                }),
                Some(leaf("Channel", Some(text(&record.channel)))),
                Some(leaf("Computer", Some(text(&record.computer)))),
                Some(node(
                    "Security",
                    vec![(
                        "UserID",
                        record
                            .user_id
                            .as_ref()
                            .map(|s| json!(["sid", s.to_string()])),
                    )],
                    vec![],
                )),
            ]
            .into_iter()
            .flatten(),
        )
        .collect(),
    );
    let mut children = vec![system];
    match &record.payload {
        Payload::None => {}
        Payload::EventData { data, binary } => {
            let mut parts: Vec<Json> = data
                .iter()
                .map(|f| {
                    node(
                        "Data",
                        vec![("Name", Some(text(&f.name)))],
                        tree_value(&f.value)
                            .map(|v| json!({"value": v}))
                            .into_iter()
                            .collect(),
                    )
                })
                .collect();
            if let Some(binary) = binary {
                parts.push(leaf("Binary", tree_value(&Value::Binary(binary.clone()))));
            }
            children.push(node("EventData", vec![], parts));
        }
        Payload::Classic { data, binary } => {
            let mut parts = Vec::new();
            if !data.is_empty() {
                parts.push(leaf("Data", Some(json!(["string_array", data]))));
            }
            if let Some(binary) = binary {
                parts.push(leaf("Binary", tree_value(&Value::Binary(binary.clone()))));
            }
            children.push(node("EventData", vec![], parts));
        }
        Payload::UserData { root, form } => {
            children.push(node(
                "UserData",
                vec![],
                vec![user_data_tree(root, *form == UserDataForm::Inline)],
            ));
        }
    }
    node(
        "Event",
        vec![("xmlns", Some(text(rdpsleuth_samples::EVENT_NAMESPACE)))],
        children,
    )
}

// ---------------------------------------------------------------------------------------
// Real records (evtx_dump JSON) back into descriptions.

/// A payload value from evtx JSON: numbers become 64-bit integers, which render the same.
fn value_from_json(json: &Json) -> Result<Value, String> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => Value::String(s.clone()),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(v), _) => Value::UInt64(v),
            (None, Some(v)) => Value::Int64(v),
            _ => return Err(format!("number {n} is not an integer")),
        },
        Json::Array(items) => Value::StringArray(
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("array item {item}"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(_) => return Err(format!("object {json} where a value belongs")),
    })
}

/// A `UserData` element from evtx JSON (`name_1`, `name_2` … are siblings named `name`).
fn element_from_json(name: &str, json: &Json) -> Result<Element, String> {
    let mut element = Element::new(name);
    let Json::Object(object) = json else {
        if !json.is_null() {
            element.text = Some(value_from_json(json)?);
        }
        return Ok(element);
    };
    for (key, value) in object {
        match key.as_str() {
            "#attributes" => {
                for (attribute, value) in value.as_object().ok_or("#attributes is no object")? {
                    element = element.attribute(attribute.clone(), value_from_json(value)?);
                }
            }
            "#text" => element.text = Some(value_from_json(value)?),
            _ => {
                let base = match key.rsplit_once('_') {
                    Some((base, n)) if n.parse::<u32>().is_ok() && object.contains_key(base) => {
                        base
                    }
                    _ => key.as_str(),
                };
                element.children.push(element_from_json(base, value)?);
            }
        }
    }
    Ok(element)
}

fn attrs_of(json: &Json) -> Option<&Map<String, Json>> {
    json.get("#attributes").and_then(Json::as_object)
}

fn field<'j>(system: &'j Json, name: &str) -> Result<&'j Json, String> {
    system
        .get(name)
        .ok_or_else(|| format!("System/{name} is missing"))
}

fn number<T: TryFrom<u64>>(json: &Json, what: &str) -> Result<T, String> {
    json.as_u64()
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| format!("{what} {json} is not a number of its type"))
}

fn opt_number<T: TryFrom<u64>>(json: Option<&Json>, what: &str) -> Result<Option<T>, String> {
    json.map(|j| number(j, what)).transpose()
}

/// The description of a real record, from the JSON `evtx_dump` printed for it; `Err` says
/// which part of the record has a shape the writer does not produce.
pub fn record_from_evtx_json(json: &Json) -> Result<EventRecord, String> {
    let event = json.get("Event").ok_or("no Event")?;
    let system = event.get("System").ok_or("no System")?;
    let provider = attrs_of(field(system, "Provider")?).ok_or("Provider without attributes")?;
    let provider_name = provider
        .get("Name")
        .and_then(Json::as_str)
        .ok_or("Provider without Name")?;
    let event_id = field(system, "EventID")?;
    let (event_id, qualifiers) = match attrs_of(event_id) {
        Some(attributes) => (
            number(
                event_id.get("#text").ok_or("EventID without text")?,
                "EventID",
            )?,
            opt_number(attributes.get("Qualifiers"), "Qualifiers")?,
        ),
        None => (number(event_id, "EventID")?, None),
    };
    let time_created = field(system, "TimeCreated")?
        .pointer("/#attributes/SystemTime")
        .and_then(Json::as_str)
        .ok_or("TimeCreated without SystemTime")?;
    let record_id = number(field(system, "EventRecordID")?, "EventRecordID")?;
    let channel = field(system, "Channel")?
        .as_str()
        .ok_or("Channel is no text")?;
    let computer = field(system, "Computer")?
        .as_str()
        .ok_or("Computer is no text")?;
    let mut record = EventRecord::new(
        provider_name,
        event_id,
        channel,
        computer,
        time(time_created),
        record_id,
    );
    record.qualifiers = qualifiers;
    record.provider_guid = provider
        .get("Guid")
        .map(|g| {
            g.as_str()
                .ok_or("Guid is no text")?
                .parse::<Guid>()
                .map_err(|e| e.to_string())
        })
        .transpose()?;
    record.event_source_name = provider
        .get("EventSourceName")
        .and_then(Json::as_str)
        .map(str::to_owned);
    if system.get("Correlation").is_none() && system.get("Execution").is_none() {
        record.layout = Some(SystemLayout::Legacy);
    } else if record.event_source_name.is_some()
        || record.provider_guid.is_some_and(|g| g.is_uppercase())
    {
        record.layout = Some(SystemLayout::Classic);
    }
    record.version = opt_number(system.get("Version"), "Version")?;
    record.level = opt_number(system.get("Level"), "Level")?;
    record.task = opt_number(system.get("Task"), "Task")?;
    record.opcode = opt_number(system.get("Opcode"), "Opcode")?;
    record.keywords = system
        .get("Keywords")
        .map(|k| {
            k.as_str()
                .and_then(|k| k.strip_prefix("0x"))
                .and_then(|k| u64::from_str_radix(k, 16).ok())
                .ok_or(format!("Keywords {k}"))
        })
        .transpose()?;
    let guid_attr = |element: &Json, name: &str| -> Result<Option<Guid>, String> {
        attrs_of(element)
            .and_then(|a| a.get(name))
            .map(|g| {
                g.as_str()
                    .ok_or("GUID is no text")?
                    .parse::<Guid>()
                    .map_err(|e| e.to_string())
            })
            .transpose()
    };
    let correlation = system.get("Correlation").unwrap_or(&Json::Null);
    record.activity_id = guid_attr(correlation, "ActivityID")?;
    record.related_activity_id = guid_attr(correlation, "RelatedActivityID")?;
    let execution = system.get("Execution").unwrap_or(&Json::Null);
    record.process_id = opt_number(
        attrs_of(execution).and_then(|a| a.get("ProcessID")),
        "ProcessID",
    )?;
    record.thread_id = opt_number(
        attrs_of(execution).and_then(|a| a.get("ThreadID")),
        "ThreadID",
    )?;
    record.user_id = attrs_of(field(system, "Security")?)
        .and_then(|a| a.get("UserID"))
        .map(|s| {
            s.as_str()
                .ok_or("UserID is no text")?
                .parse::<Sid>()
                .map_err(|e| e.to_string())
        })
        .transpose()?;

    record.payload = if let Some(data) = event.get("EventData") {
        match data {
            Json::Null => Payload::EventData {
                data: vec![],
                binary: None,
            },
            // Unnamed Data (a `#text`), or a Binary alone: a classic event.
            Json::Object(object)
                if object.get("Data").is_some_and(|d| d.get("#text").is_some())
                    || (object.len() == 1 && object.contains_key("Binary")) =>
            {
                let strings = match object.get("Data").and_then(|d| d.get("#text")) {
                    None => vec![],
                    Some(Json::String(one)) => vec![one.clone()],
                    Some(Json::Array(many)) => many
                        .iter()
                        .map(|s| {
                            s.as_str()
                                .map(str::to_owned)
                                .ok_or(format!("Data item {s}"))
                        })
                        .collect::<Result<_, _>>()?,
                    Some(other) => return Err(format!("classic Data {other}")),
                };
                let binary = object
                    .get("Binary")
                    .map(|b| {
                        b.as_str()
                            .ok_or("Binary is no text")
                            .map(rdpsleuth_samples::parse_hex)
                    })
                    .transpose()?
                    .transpose()?;
                Payload::Classic {
                    data: strings,
                    binary,
                }
            }
            Json::Object(object) => Payload::EventData {
                data: object
                    .iter()
                    .filter(|(name, _)| name.as_str() != "Binary")
                    .map(|(name, value)| Ok(NamedValue::new(name.clone(), value_from_json(value)?)))
                    .collect::<Result<_, String>>()?,
                binary: object
                    .get("Binary")
                    .map(|b| {
                        b.as_str()
                            .ok_or("Binary is no text")
                            .map(rdpsleuth_samples::parse_hex)
                    })
                    .transpose()?
                    .transpose()?,
            },
            other => return Err(format!("EventData {other}")),
        }
    } else if let Some(user_data) = event.get("UserData") {
        let object = user_data.as_object().ok_or("UserData is no object")?;
        let [(name, root)] = object.iter().collect::<Vec<_>>()[..] else {
            return Err("UserData without exactly one root".into());
        };
        Payload::UserData {
            root: element_from_json(name, root)?,
            form: UserDataForm::Template,
        }
    } else {
        Payload::None
    };
    Ok(record)
}

/// The records of one EXAMPLES file (`.json`: one, `.jsonl`: one per line).
pub fn example_records(path: &std::path::Path) -> Vec<Json> {
    let text = std::fs::read_to_string(path).expect("readable example");
    if path.extension().is_some_and(|e| e == "jsonl") {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    } else {
        vec![serde_json::from_str(&text).expect("JSON file")]
    }
}
