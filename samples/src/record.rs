//! The description of one event record: every `<System>` value Windows stores and the
//! payload (named `EventData`, a classic event's unnamed `Data` + `Binary`, or a `UserData`
//! tree). Serde-friendly, so that scenarios can be written as data files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::value::{Guid, Sid, Value, hex_bytes_opt, hex_u64_opt};

/// How the record's `<System>` template is laid out; Windows uses two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemLayout {
    /// Manifest-based providers on current Windows: provider name and GUID and the channel
    /// are substitutions (18 values, the payload last).
    Manifest,
    /// Classic event sources (and some older providers): provider name, GUID,
    /// `EventSourceName` and the channel are text of the template (20 values).
    Classic,
    /// Classic event sources as Windows 7 / Server 2008 R2 log them: as [`Classic`], but the
    /// template has no `Version`, `Opcode`, `Correlation` or `Execution` element.
    ///
    /// [`Classic`]: SystemLayout::Classic
    Legacy,
}

/// How a `UserData` tree is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserDataForm {
    /// As manifest providers log it (LocalSessionManager, RemoteConnectionManager): a
    /// template of its own whose values are substitutions; `xmlns` attributes are template
    /// text.
    #[default]
    Template,
    /// As CAPI2 logs it: the elements inline, no template, every value as text. python-evtx
    /// 0.8 cannot read this form (it expects every element to come from a template).
    Inline,
}

/// One `<Data Name="…">` value of a manifest event's `EventData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedValue {
    /// The `Name` attribute (any text, spaces included: "Threat Name").
    pub name: String,
    /// The value; [`Value::Null`] renders an empty element.
    pub value: Value,
}

impl NamedValue {
    /// A named value.
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Self {
        NamedValue {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// An attribute of a `UserData` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The attribute's name (an XML name; `xmlns` and `xmlns:…` are template text).
    pub name: String,
    /// Its value; [`Value::Null`] leaves the attribute out.
    pub value: Value,
}

/// An element of a `UserData` tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Element {
    /// The element's name (an XML name).
    pub name: String,
    /// Its attributes, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Its text, before any child element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Value>,
    /// Its child elements, in order (siblings may share a name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Element>,
}

/// The `xmlns` of the `EventXML` root that LocalSessionManager and RemoteConnectionManager
/// events use.
pub const EVENT_XML_NAMESPACE: &str = "Event_NS";

impl Element {
    /// An empty element.
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            attributes: Vec::new(),
            text: None,
            children: Vec::new(),
        }
    }

    /// The `<EventXML xmlns="Event_NS">` root of a manifest event's `UserData`, with one
    /// text child per field.
    pub fn event_xml<N, V>(fields: impl IntoIterator<Item = (N, V)>) -> Self
    where
        N: Into<String>,
        V: Into<Value>,
    {
        let mut root = Element::new("EventXML").attribute("xmlns", EVENT_XML_NAMESPACE);
        root.children = fields
            .into_iter()
            .map(|(name, value)| Element::new(name).text(value))
            .collect();
        root
    }

    /// The element with one more attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.push(Attribute {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The element with this text.
    pub fn text(mut self, value: impl Into<Value>) -> Self {
        self.text = Some(value.into());
        self
    }

    /// The element with one more child.
    pub fn child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }
}

/// What follows `<System>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Payload {
    /// Nothing.
    #[default]
    None,
    /// A manifest event's `<EventData>` of named `<Data Name="…">` values (none: an empty
    /// `<EventData/>`), and a `<Binary>` after them for the few that have one (Service
    /// Control Manager).
    EventData {
        /// The values, in order.
        #[serde(default)]
        data: Vec<NamedValue>,
        /// The binary data, written in data files as hex digits.
        #[serde(
            default,
            with = "hex_bytes_opt",
            skip_serializing_if = "Option::is_none"
        )]
        binary: Option<Vec<u8>>,
    },
    /// A classic event's `<EventData>`: unnamed `<Data>` insertion strings and an optional
    /// `<Binary>`.
    Classic {
        /// The insertion strings, in order (`%%1311` insertions stay text).
        #[serde(default)]
        data: Vec<String>,
        /// The binary data, written in data files as hex digits.
        #[serde(
            default,
            with = "hex_bytes_opt",
            skip_serializing_if = "Option::is_none"
        )]
        binary: Option<Vec<u8>>,
    },
    /// `<UserData>` holding one root element.
    UserData {
        /// The root element (`EventXML`, `CertGetCertificateChain`, …).
        root: Element,
        /// How it is stored.
        #[serde(default)]
        form: UserDataForm,
    },
}

/// One event record, with every `<System>` value Windows stores. `None` leaves an optional
/// value out, as Windows does (`<Correlation/>`, `<Security/>`, an `EventID` without
/// `Qualifiers`, no `<Version>` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// `Provider/@Name`.
    pub provider_name: String,
    /// `Provider/@Guid` (classic event sources often have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_guid: Option<Guid>,
    /// `Provider/@EventSourceName` (classic event sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source_name: Option<String>,
    /// `EventID`.
    pub event_id: u16,
    /// `EventID/@Qualifiers` (classic events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifiers: Option<u16>,
    /// `Version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// `Level` (2 error, 3 warning, 4 information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// `Task`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<u16>,
    /// `Opcode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opcode: Option<u8>,
    /// `Keywords`, written in data files as `"0x…"`.
    #[serde(default, with = "hex_u64_opt", skip_serializing_if = "Option::is_none")]
    pub keywords: Option<u64>,
    /// `TimeCreated/@SystemTime` (and the record's written time), to the 100 ns.
    pub time_created: DateTime<Utc>,
    /// `EventRecordID`; strictly increasing within a log.
    pub record_id: u64,
    /// `Correlation/@ActivityID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<Guid>,
    /// `Correlation/@RelatedActivityID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_activity_id: Option<Guid>,
    /// `Execution/@ProcessID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u32>,
    /// `Execution/@ThreadID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<u32>,
    /// `Channel`.
    pub channel: String,
    /// `Computer`.
    pub computer: String,
    /// `Security/@UserID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Sid>,
    /// The `<System>` layout; by default [`SystemLayout::Classic`] when there is an
    /// `EventSourceName`, else [`SystemLayout::Manifest`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<SystemLayout>,
    /// What follows `<System>`.
    #[serde(default)]
    pub payload: Payload,
}

impl EventRecord {
    /// A record with the values most events have: version 0, level 4 (information),
    /// task 0, opcode 0, no keywords, nothing optional, no payload.
    pub fn new(
        provider_name: impl Into<String>,
        event_id: u16,
        channel: impl Into<String>,
        computer: impl Into<String>,
        time_created: DateTime<Utc>,
        record_id: u64,
    ) -> Self {
        EventRecord {
            provider_name: provider_name.into(),
            provider_guid: None,
            event_source_name: None,
            event_id,
            qualifiers: None,
            version: Some(0),
            level: Some(4),
            task: Some(0),
            opcode: Some(0),
            keywords: None,
            time_created,
            record_id,
            activity_id: None,
            related_activity_id: None,
            process_id: None,
            thread_id: None,
            channel: channel.into(),
            computer: computer.into(),
            user_id: None,
            layout: None,
            payload: Payload::None,
        }
    }

    /// The layout the record is written with (see [`EventRecord::layout`]).
    pub fn system_layout(&self) -> SystemLayout {
        self.layout.unwrap_or(if self.event_source_name.is_some() {
            SystemLayout::Classic
        } else {
            SystemLayout::Manifest
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_from_toml() {
        let text = r#"
            provider_name = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
            provider_guid = "{C76BAA63-AE81-421C-B425-340B4B24157F}"
            event_source_name = "TermService"
            event_id = 1056
            qualifiers = 49152
            version = 0
            level = 4
            task = 0
            opcode = 0
            keywords = "0x80000000000000"
            time_created = "2018-07-06T18:45:47.0178202Z"
            record_id = 201
            process_id = 0
            thread_id = 0
            channel = "System"
            computer = "DESKTOP-1N4R894"

            [payload]
            kind = "classic"
            data = ["DESKTOP-1N4R894"]
            binary = "59EFF2E3B509C83137E81085E02A1AC63A7E61AA"
        "#;
        let record: EventRecord = toml::from_str(text).unwrap();
        assert_eq!(record.system_layout(), SystemLayout::Classic);
        assert_eq!(record.keywords, Some(0x0080_0000_0000_0000));
        assert!(record.provider_guid.is_some_and(|guid| guid.is_uppercase()));
        let Payload::Classic { data, binary } = &record.payload else {
            panic!("classic payload expected, got {:?}", record.payload)
        };
        assert_eq!(data, &["DESKTOP-1N4R894"]);
        assert_eq!(binary.as_ref().map(Vec::len), Some(20));
        let again: EventRecord = toml::from_str(&toml::to_string(&record).unwrap()).unwrap();
        assert_eq!(again, record);
    }

    #[test]
    fn user_data_trees_read_from_json() {
        let text = r#"{
            "provider_name": "Microsoft-Windows-TerminalServices-LocalSessionManager",
            "event_id": 21, "channel": "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
            "computer": "HOST", "time_created": "2024-01-01T00:00:00Z", "record_id": 1,
            "payload": {"kind": "user_data", "root": {
                "name": "EventXML", "attributes": [{"name": "xmlns", "value": {"string": "Event_NS"}}],
                "children": [{"name": "User", "text": {"string": "CORP\\alice"}},
                             {"name": "SessionID", "text": {"uint32": 2}}]}}
        }"#;
        let record: EventRecord = serde_json::from_str(text).unwrap();
        assert_eq!(record.system_layout(), SystemLayout::Manifest);
        let expected = Element::event_xml([
            ("User", Value::from("CORP\\alice")),
            ("SessionID", Value::UInt32(2)),
        ]);
        assert_eq!(
            record.payload,
            Payload::UserData {
                root: expected,
                form: UserDataForm::Template
            }
        );
        assert!(
            serde_json::from_str::<EventRecord>(&text.replace("\"record_id\"", "\"recordid\""))
                .is_err()
        );
    }
}
