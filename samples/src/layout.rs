//! How an [`EventRecord`] becomes the template instances Windows writes: the `<Event>`
//! template with its `<System>` values as substitutions (three layouts, tables below, as read
//! from real Windows chunks), and the payload as a nested BinXML value (its own template, or
//! inline elements for CAPI2).

use std::borrow::Cow;

use crate::binxml::{Content, FieldValue, Instance, Node, Slot, SlotValue, TemplateElement};
use crate::record::{Element, EventRecord, NamedValue, Payload, SystemLayout, UserDataForm};
use crate::value::{Value, code};

/// The event schema namespace of the `<Event>` root.
pub const EVENT_NAMESPACE: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// Where each `<System>` value goes in the substitution array of one layout. Provider name,
/// provider GUID and channel are `None` where the layout holds them as template text.
struct SystemSlots {
    level: u16,
    opcode: u16,
    task: u16,
    event_id: u16,
    qualifiers: u16,
    keywords: u16,
    time_created: u16,
    activity_id: u16,
    process_id: u16,
    thread_id: u16,
    record_id: u16,
    version: u16,
    user_id: u16,
    related_activity_id: u16,
    provider_name: Option<u16>,
    provider_guid: Option<u16>,
    channel: Option<u16>,
    payload: u16,
    /// Length of the array (the classic layout leaves 13..=17 empty).
    count: u16,
    /// Whether the template has `Version`, `Opcode`, `Correlation` and `Execution`.
    full_system: bool,
}

/// Manifest providers on Windows 8/2012 and later (RdpCoreTS, LocalSessionManager, RCM
/// Operational, Security, Firewall …).
const MANIFEST: SystemSlots = SystemSlots {
    level: 0,
    opcode: 1,
    task: 2,
    event_id: 3,
    qualifiers: 4,
    keywords: 5,
    time_created: 6,
    activity_id: 7,
    process_id: 8,
    thread_id: 9,
    record_id: 10,
    version: 11,
    user_id: 12,
    related_activity_id: 13,
    provider_name: Some(14),
    provider_guid: Some(15),
    channel: Some(16),
    payload: 17,
    count: 18,
    full_system: true,
};

/// Classic event sources in System (TermService, NETLOGON, Service Control Manager) and
/// CAPI2.
const CLASSIC: SystemSlots = SystemSlots {
    level: 0,
    opcode: 1,
    task: 2,
    event_id: 3,
    qualifiers: 4,
    keywords: 5,
    time_created: 6,
    activity_id: 7,
    process_id: 8,
    thread_id: 9,
    record_id: 10,
    version: 11,
    user_id: 12,
    related_activity_id: 18,
    provider_name: None,
    provider_guid: None,
    channel: None,
    payload: 19,
    count: 20,
    full_system: true,
};

/// Classic event sources on Windows 7 / Server 2008 R2: the classic array, a smaller
/// template.
const LEGACY: SystemSlots = SystemSlots {
    full_system: false,
    ..CLASSIC
};

fn slots(layout: SystemLayout) -> &'static SystemSlots {
    match layout {
        SystemLayout::Manifest => &MANIFEST,
        SystemLayout::Classic => &CLASSIC,
        SystemLayout::Legacy => &LEGACY,
    }
}

/// An optional substitution of `value_type` at `index`.
fn optional(index: u16, value_type: u8) -> Content {
    Content::Slot(Slot {
        index,
        value_type,
        optional: true,
    })
}

/// A normal substitution of `value_type` at `index`.
fn normal(index: u16, value_type: u8) -> Content {
    Content::Slot(Slot {
        index,
        value_type,
        optional: false,
    })
}

/// `<Name dep=index>?index</Name>`: an element that disappears with its value.
fn dependent(name: &'static str, index: u16, value_type: u8) -> TemplateElement {
    TemplateElement::new(name)
        .depends_on(index)
        .content(optional(index, value_type))
}

/// The value of an optional field, or an empty one.
fn value_or_null<T>(value: Option<T>, make: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, make)
}

/// The instance that writes `record`.
pub(crate) fn event_instance(record: &EventRecord) -> Instance {
    let layout = record.system_layout();
    let s = slots(layout);

    let mut provider = TemplateElement::new("Provider");
    provider = match s.provider_name {
        Some(index) => provider.attribute("Name", optional(index, code::STRING)),
        None => provider.attribute("Name", Content::Text(record.provider_name.clone())),
    };
    provider = match (s.provider_guid, record.provider_guid) {
        (Some(index), _) => provider.attribute("Guid", optional(index, code::GUID)),
        (None, Some(guid)) => provider.attribute("Guid", Content::Text(guid.to_string())),
        (None, None) => provider,
    };
    if let Some(source) = &record.event_source_name {
        provider = provider.attribute("EventSourceName", Content::Text(source.clone()));
    }
    let channel = match s.channel {
        Some(index) => TemplateElement::new("Channel")
            .depends_on(index)
            .content(optional(index, code::STRING)),
        None => TemplateElement::new("Channel").content(Content::Text(record.channel.clone())),
    };

    let event_id = TemplateElement::new("EventID")
        .depends_on(s.event_id)
        .attribute("Qualifiers", optional(s.qualifiers, code::UINT16))
        .content(optional(s.event_id, code::UINT16));
    let time_created = TemplateElement::new("TimeCreated")
        .attribute("SystemTime", optional(s.time_created, code::FILETIME));
    let correlation = TemplateElement::new("Correlation")
        .attribute("ActivityID", optional(s.activity_id, code::GUID))
        .attribute(
            "RelatedActivityID",
            optional(s.related_activity_id, code::GUID),
        );
    let execution = TemplateElement::new("Execution")
        .attribute("ProcessID", optional(s.process_id, code::UINT32))
        .attribute("ThreadID", optional(s.thread_id, code::UINT32));
    let computer = TemplateElement::new("Computer").content(Content::Text(record.computer.clone()));
    let security =
        TemplateElement::new("Security").attribute("UserID", optional(s.user_id, code::SID));
    let full = s.full_system;
    let children = [
        Some(provider),
        Some(event_id),
        full.then(|| dependent("Version", s.version, code::UINT8)),
        Some(dependent("Level", s.level, code::UINT8)),
        Some(dependent("Task", s.task, code::UINT16)),
        full.then(|| dependent("Opcode", s.opcode, code::UINT8)),
        Some(dependent("Keywords", s.keywords, code::HEX_INT64)),
        Some(time_created),
        Some(dependent("EventRecordID", s.record_id, code::UINT64)),
        full.then_some(correlation),
        full.then_some(execution),
        Some(channel),
        Some(computer),
        Some(security),
    ];
    let system = children
        .into_iter()
        .flatten()
        .fold(TemplateElement::new("System"), TemplateElement::child);

    let payload_slot = optional(s.payload, code::BINXML);
    let mut root = TemplateElement::new("Event")
        .attribute("xmlns", Content::Text(EVENT_NAMESPACE.to_owned()))
        .child(system);
    root = match record.payload {
        Payload::UserData { .. } => root.child(
            TemplateElement::new("UserData")
                .depends_on(s.payload)
                .content(payload_slot),
        ),
        Payload::None | Payload::EventData { .. } | Payload::Classic { .. } => {
            root.content(payload_slot)
        }
    };

    let mut values: Vec<FieldValue> = (0..s.count)
        .map(|_| system_value("unused", Value::Null))
        .collect();
    let mut set = |index: u16, field: &'static str, value: SlotValue| {
        if let Some(slot) = values.get_mut(usize::from(index)) {
            *slot = FieldValue {
                field: field.into(),
                value,
            };
        }
    };
    let plain = |value: Value| SlotValue::Plain {
        value,
        nul_terminated: false,
    };
    set(
        s.level,
        "System/Level",
        plain(value_or_null(record.level, Value::UInt8)),
    );
    set(
        s.opcode,
        "System/Opcode",
        plain(value_or_null(record.opcode, Value::UInt8)),
    );
    set(
        s.task,
        "System/Task",
        plain(value_or_null(record.task, Value::UInt16)),
    );
    set(
        s.event_id,
        "System/EventID",
        plain(Value::UInt16(record.event_id)),
    );
    set(
        s.qualifiers,
        "System/EventID/@Qualifiers",
        plain(value_or_null(record.qualifiers, Value::UInt16)),
    );
    set(
        s.keywords,
        "System/Keywords",
        plain(value_or_null(record.keywords, Value::HexInt64)),
    );
    set(
        s.time_created,
        "System/TimeCreated/@SystemTime",
        plain(Value::FileTime(record.time_created)),
    );
    set(
        s.activity_id,
        "System/Correlation/@ActivityID",
        plain(value_or_null(record.activity_id, Value::Guid)),
    );
    set(
        s.related_activity_id,
        "System/Correlation/@RelatedActivityID",
        plain(value_or_null(record.related_activity_id, Value::Guid)),
    );
    set(
        s.process_id,
        "System/Execution/@ProcessID",
        plain(value_or_null(record.process_id, Value::UInt32)),
    );
    set(
        s.thread_id,
        "System/Execution/@ThreadID",
        plain(value_or_null(record.thread_id, Value::UInt32)),
    );
    set(
        s.record_id,
        "System/EventRecordID",
        plain(Value::UInt64(record.record_id)),
    );
    set(
        s.version,
        "System/Version",
        plain(value_or_null(record.version, Value::UInt8)),
    );
    set(
        s.user_id,
        "System/Security/@UserID",
        plain(value_or_null(record.user_id.clone(), Value::Sid)),
    );
    if let Some(index) = s.provider_name {
        set(
            index,
            "System/Provider/@Name",
            plain(Value::String(record.provider_name.clone())),
        );
    }
    if let Some(index) = s.provider_guid {
        set(
            index,
            "System/Provider/@Guid",
            plain(value_or_null(record.provider_guid, Value::Guid)),
        );
    }
    if let Some(index) = s.channel {
        set(
            index,
            "System/Channel",
            plain(Value::String(record.channel.clone())),
        );
    }
    set(s.payload, "payload", payload_value(&record.payload));

    Instance { root, values }
}

fn system_value(field: &'static str, value: Value) -> FieldValue {
    FieldValue {
        field: field.into(),
        value: SlotValue::Plain {
            value,
            nul_terminated: false,
        },
    }
}

/// A payload value: strings carry their NUL, as Windows writes event data.
fn payload_field(field: impl Into<Cow<'static, str>>, value: Value) -> FieldValue {
    FieldValue {
        field: field.into(),
        value: SlotValue::Plain {
            value,
            nul_terminated: true,
        },
    }
}

/// The nested BinXML of the payload.
fn payload_value(payload: &Payload) -> SlotValue {
    match payload {
        Payload::None => SlotValue::Plain {
            value: Value::Null,
            nul_terminated: false,
        },
        Payload::EventData { data, binary } => {
            SlotValue::Nested(Box::new(named_event_data(data, binary.as_deref())))
        }
        Payload::Classic { data, binary } => {
            SlotValue::Nested(Box::new(classic_event_data(data, binary.as_deref())))
        }
        Payload::UserData {
            root,
            form: UserDataForm::Template,
        } => SlotValue::Nested(Box::new(user_data_template(root))),
        Payload::UserData {
            root,
            form: UserDataForm::Inline,
        } => SlotValue::Inline(Box::new(inline_element(root))),
    }
}

/// `<EventData><Data Name="…">%n</Data>…[<Binary>%m</Binary>]</EventData>`; a binary
/// comes after its length, as Windows writes it.
fn named_event_data(data: &[NamedValue], binary: Option<&[u8]>) -> Instance {
    let mut root = TemplateElement::new("EventData");
    let mut values = Vec::with_capacity(data.len() + 2);
    for field in data {
        let index = slot_index(values.len());
        root = root.child(
            TemplateElement::new("Data")
                .attribute("Name", Content::Text(field.name.clone()))
                .content(normal(index, declared_type(&field.value))),
        );
        values.push(payload_field(
            format!("EventData/{}", field.name),
            field.value.clone(),
        ));
    }
    if let Some(binary) = binary {
        values.push(payload_field(
            "EventData/Binary length",
            Value::UInt32(u32::try_from(binary.len()).unwrap_or(u32::MAX)),
        ));
        let index = slot_index(values.len());
        root = root.child(TemplateElement::new("Binary").content(normal(index, code::BINARY)));
        values.push(payload_field(
            "EventData/Binary",
            Value::Binary(binary.to_vec()),
        ));
    }
    Instance { root, values }
}

/// The index of the next value (past 65535 values the record is far too large anyway).
fn slot_index(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// A classic event's `<EventData>`: the insertion strings as one string array (which
/// renders one `<Data>` per string), the binary's length, the binary.
fn classic_event_data(data: &[String], binary: Option<&[u8]>) -> Instance {
    let root = TemplateElement::new("EventData")
        .child(dependent("Data", 0, code::STRING_ARRAY))
        .child(dependent("Binary", 2, code::BINARY));
    let strings = if data.is_empty() {
        Value::Null
    } else {
        Value::StringArray(data.to_vec())
    };
    let length = binary.map_or(0, |bytes| u32::try_from(bytes.len()).unwrap_or(u32::MAX));
    let binary = binary.map_or(Value::Null, |bytes| Value::Binary(bytes.to_vec()));
    Instance {
        root,
        values: vec![
            payload_field("EventData/Data", strings),
            payload_field("EventData/Binary length", Value::UInt32(length)),
            payload_field("EventData/Binary", binary),
        ],
    }
}

/// The type a template declares for a value (an empty value declares a string).
fn declared_type(value: &Value) -> u8 {
    match value {
        Value::Null => code::STRING,
        other => other.type_code(),
    }
}

/// Attributes that are schema constants, template text rather than values.
fn is_namespace(name: &str) -> bool {
    name == "xmlns" || name.starts_with("xmlns:")
}

/// A `UserData` root as its own template: every value a substitution in document order.
fn user_data_template(root: &Element) -> Instance {
    fn build(element: &Element, path: &str, values: &mut Vec<FieldValue>) -> TemplateElement {
        let path = format!("{path}/{}", element.name);
        let mut out = TemplateElement::new(element.name.clone());
        let next_slot =
            |values: &mut Vec<FieldValue>, field: String, value: &Value, optional: bool| {
                let index = u16::try_from(values.len()).unwrap_or(u16::MAX);
                values.push(payload_field(field, value.clone()));
                Content::Slot(Slot {
                    index,
                    value_type: declared_type(value),
                    optional,
                })
            };
        for attribute in &element.attributes {
            let content = match (&attribute.value, is_namespace(&attribute.name)) {
                (Value::String(text), true) => Content::Text(text.clone()),
                (value, _) => next_slot(values, format!("{path}/@{}", attribute.name), value, true),
            };
            out = out.attribute(attribute.name.clone(), content);
        }
        if let Some(text) = &element.text {
            out = out.content(next_slot(values, path.clone(), text, false));
        }
        for child in &element.children {
            out = out.child(build(child, &path, values));
        }
        out
    }
    let mut values = Vec::new();
    let root = build(root, "UserData", &mut values);
    Instance { root, values }
}

/// A `UserData` root as inline elements with every value as text.
fn inline_element(element: &Element) -> TemplateElement {
    let mut out = TemplateElement::new(element.name.clone());
    for attribute in &element.attributes {
        if let Some(text) = attribute.value.to_xml_text() {
            out = out.attribute(attribute.name.clone(), Content::Text(text));
        }
    }
    if let Some(text) = element.text.as_ref().and_then(Value::to_xml_text) {
        out = out.node(Node::Content(Content::Text(text)));
    }
    for child in &element.children {
        out = out.child(inline_element(child));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record() -> EventRecord {
        EventRecord::new(
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
            131,
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
            "HOST",
            chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            7,
        )
    }

    fn value_at(instance: &Instance, index: u16) -> &SlotValue {
        &instance.values[usize::from(index)].value
    }

    #[test]
    fn slot_tables_cover_every_index_once() {
        for table in [&MANIFEST, &CLASSIC, &LEGACY] {
            let mut used: Vec<u16> = [
                table.level,
                table.opcode,
                table.task,
                table.event_id,
                table.qualifiers,
                table.keywords,
                table.time_created,
                table.activity_id,
                table.process_id,
                table.thread_id,
                table.record_id,
                table.version,
                table.user_id,
                table.related_activity_id,
                table.payload,
            ]
            .into_iter()
            .chain(table.provider_name)
            .chain(table.provider_guid)
            .chain(table.channel)
            .collect();
            used.sort_unstable();
            let before = used.len();
            used.dedup();
            assert_eq!(used.len(), before, "an index is used twice");
            assert!(used.iter().all(|&index| index < table.count));
        }
    }

    #[test]
    fn manifest_layout_puts_system_values_in_windows_order() {
        let mut r = record();
        r.keywords = Some(0x4000_0000_0000_0000);
        r.payload = Payload::EventData {
            data: vec![NamedValue::new("ConnType", "TCP")],
            binary: None,
        };
        let instance = event_instance(&r);
        assert_eq!(instance.values.len(), 18);
        let plain = |value| SlotValue::Plain {
            value,
            nul_terminated: false,
        };
        assert_eq!(value_at(&instance, 3), &plain(Value::UInt16(131)));
        assert_eq!(
            value_at(&instance, 5),
            &plain(Value::HexInt64(0x4000_0000_0000_0000))
        );
        assert_eq!(value_at(&instance, 10), &plain(Value::UInt64(7)));
        assert_eq!(value_at(&instance, 4), &plain(Value::Null));
        assert_eq!(
            value_at(&instance, 14),
            &plain(Value::from(
                "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"
            ))
        );
        let SlotValue::Nested(payload) = value_at(&instance, 17) else {
            panic!("payload should be a nested template")
        };
        assert_eq!(payload.root.name, "EventData");
        assert_eq!(payload.values[0].field, "EventData/ConnType");
    }

    #[test]
    fn classic_layout_holds_provider_and_channel_as_text() {
        let mut r = record();
        r.event_source_name = Some("TermService".into());
        r.provider_guid = Some("{C76BAA63-AE81-421C-B425-340B4B24157F}".parse().unwrap());
        r.payload = Payload::Classic {
            data: vec!["a".into()],
            binary: Some(vec![1, 2]),
        };
        let instance = event_instance(&r);
        assert_eq!(instance.values.len(), 20);
        let Node::Element(system) = &instance.root.children[0] else {
            panic!("System first")
        };
        let Node::Element(provider) = &system.children[0] else {
            panic!("Provider first")
        };
        let texts: Vec<_> = provider
            .attributes
            .iter()
            .map(|a| (&*a.name, &a.value))
            .collect();
        assert_eq!(
            texts,
            [
                ("Name", &Content::Text(r.provider_name.clone())),
                (
                    "Guid",
                    &Content::Text("{C76BAA63-AE81-421C-B425-340B4B24157F}".into())
                ),
                ("EventSourceName", &Content::Text("TermService".into())),
            ]
        );
        let SlotValue::Nested(payload) = value_at(&instance, 19) else {
            panic!("payload should be a nested template")
        };
        let lengths: Vec<_> = payload.values.iter().map(|v| &v.value).collect();
        assert_eq!(
            lengths[1],
            &SlotValue::Plain {
                value: Value::UInt32(2),
                nul_terminated: true
            }
        );
    }

    #[test]
    fn user_data_values_become_slots_in_document_order() {
        let root = Element::new("CertGetCertificateChain")
            .child(
                Element::new("Certificate")
                    .attribute("fileRef", "A.cer")
                    .attribute("subjectName", "host"),
            )
            .child(Element::new("Result").attribute("value", "800B0101"));
        let instance = user_data_template(&root);
        let fields: Vec<_> = instance.values.iter().map(|v| &*v.field).collect();
        assert_eq!(
            fields,
            [
                "UserData/CertGetCertificateChain/Certificate/@fileRef",
                "UserData/CertGetCertificateChain/Certificate/@subjectName",
                "UserData/CertGetCertificateChain/Result/@value",
            ]
        );
        let xml = Element::event_xml([("Param1", "alice")]);
        let instance = user_data_template(&xml);
        assert_eq!(instance.values.len(), 1, "xmlns is template text");
        assert_eq!(
            instance.root.attributes[0].value,
            Content::Text("Event_NS".into())
        );
    }
}
