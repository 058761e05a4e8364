//! Builds the raw record of a wanted EVTX record straight from its template instance, without
//! rendering it to XML and reading it back.
//!
//! Only the plain shapes Windows writes are built here: an `Event` template ([`Shape::Event`])
//! whose `System` values are literals or single substitutions, and whose payload is either an
//! `EventData` element — in the template itself, or in the template of the nested BinXml value
//! that holds the payload — made of `Data` elements with literal names, unnamed `Data` elements
//! and `Binary`, or a `UserData` element holding that nested value, whose template is a root
//! element ([`Shape::UserDataRoot`]) of plain leaves. Each field holds one literal or one
//! substitution whose rendering is plain ([`Value::text`]). The record comes out as
//! [`crate::xml::parse_event`] reads the crate's rendering of it: the same `System` values, the
//! same field names, order and values (named `Data` and `UserData` leaves as fields, unnamed
//! `Data` as one `Data` list unless some `Data` is named, empty values as `Null`). Anything else gives `None`, and the reader renders the record instead. The readers'
//! equivalence tests compare both ways on real and generated logs.

use std::borrow::Cow;
use std::sync::Arc;

use crate::binxml::{
    Definition, FIRST_FILETIME_PAST_9999, FieldItem, Fields, Shape, Source, Value, kind,
    renders_as_is,
};
use crate::event::{FieldValue, Guid, Timestamp};
use crate::flatten::{SystemSlot, normalise_value};
use crate::record::{RawRecord, RawSystem, field_name};

/// The payload of a record: the `EventData` description and the values it takes from.
pub(crate) type Payload<'d, 'c> = (&'d Fields, &'d [Value<'c>]);

/// The raw record of an `Event` instance, or `None` when it is not a shape built here.
/// `payload` is the `EventData` the record carries, when it has one.
pub(crate) fn raw_record(
    definition: &Definition,
    values: &[Value<'_>],
    payload: Option<Payload<'_, '_>>,
) -> Option<RawRecord> {
    // The crate reads every nested fragment, used or not: only the payload's is read here.
    let nested = |value: &Value<'_>| value.kind == kind::BINXML && !value.bytes.is_empty();
    if definition.shape != Shape::Event
        || !values.iter().all(readable)
        || values
            .iter()
            .enumerate()
            .any(|(i, v)| nested(v) && Some(i) != definition.payload)
        || !payload.is_none_or(|(_, values)| values.iter().all(|v| readable(v) && !nested(v)))
    {
        return None;
    }
    let mut system = RawSystem::default();
    for (slot, source) in &definition.system {
        if let (SystemSlot::Time, Source::Slot { index, .. }) = (slot, source) {
            // A FILETIME is kept as the time it counts, not as text to be parsed again.
            let value = values.get(*index)?;
            if value.kind == kind::FILETIME
                && let Some(filetime) = value.filetime().filter(|&t| t < FIRST_FILETIME_PAST_9999)
            {
                system.timestamp = Some(Timestamp::from_filetime(filetime));
                continue;
            }
        }
        // Numbers and GUIDs are kept as they are, not written as text to be parsed again.
        if let Source::Slot { index, .. } = source {
            let value = values.get(*index)?;
            if let (Some(number), Some(v)) = (slot.number_of(&mut system.numbers), value.unsigned())
            {
                *number = Some(v);
                continue;
            }
            if *slot == SystemSlot::ActivityId
                && let Some(bytes) = value.guid_bytes()
            {
                system.numbers.activity_id = Some(Guid::from_windows_bytes(bytes));
                continue;
            }
        }
        let text = match source {
            Source::Absent => continue,
            Source::Literal(text) if renders_as_is(text) => text.clone(),
            // An empty value gives no System value, whether its element is left out or not.
            Source::Slot { index, .. } => scalar_text(values.get(*index)?)?,
            Source::Literal(_) | Source::Complex => return None,
        };
        if !text.is_empty() {
            *slot.of(&mut system) = Some(text);
        }
    }
    let mut record = RawRecord {
        system,
        ..RawRecord::default()
    };
    if let Some((fields, values)) = payload {
        record.fields = event_data(fields, values)?;
        record.user_data_root = fields.root.clone();
    }
    Some(record)
}

/// Whether the crate reads a value as it is written, used or not: a scalar type, a nested
/// BinXml fragment or a string array, of a size its type allows. Any other value may make it
/// fail the record, which must then not be built.
fn readable(value: &Value<'_>) -> bool {
    match value.kind {
        kind::STRING => value.bytes.len() % 2 == 0,
        kind::SIZE_T => matches!(value.bytes.len(), 4 | 8),
        kind::NULL..=kind::HEX_INT64 | kind::BINXML | kind::STRING_ARRAY => true,
        _ => false,
    }
}

/// The fields of an `EventData` element, as the readers lay them out.
fn event_data(fields: &Fields, values: &[Value<'_>]) -> Option<Vec<(Arc<str>, FieldValue)>> {
    if !fields.complete {
        return None;
    }
    let named_form = fields
        .items
        .iter()
        .any(|(item, _)| matches!(item, FieldItem::Named(_)));
    let mut out = Vec::with_capacity(fields.items.len());
    let mut list_written = false;
    for (item, source) in &fields.items {
        match item {
            FieldItem::Named(name) => out.push((name.clone(), leaf(source, values)?)),
            FieldItem::Binary => out.push((field_name("Binary"), leaf(source, values)?)),
            FieldItem::Positional if named_form || list_written => {}
            FieldItem::Positional => {
                list_written = true;
                let mut list = Vec::new();
                for (item, source) in &fields.items {
                    if *item == FieldItem::Positional {
                        positional(source, values, &mut list)?;
                    }
                }
                out.push((field_name("Data"), FieldValue::List(list)));
            }
        }
    }
    Some(out)
}

/// The value of a named `Data` or of `Binary`: its text, `Null` when empty.
fn leaf(source: &Source, values: &[Value<'_>]) -> Option<FieldValue> {
    let text = match source {
        Source::Absent => return Some(FieldValue::Null),
        Source::Literal(text) if renders_as_is(text) => text.clone(),
        Source::Slot { index, .. } => {
            let value = values.get(*index)?;
            // An array repeats its element once per item: rendering decides.
            let text = scalar_text(value)?;
            // An empty string or binary value keeps its element, empty: the crate leaves an
            // element out only for a NULL value it depends on (rendering decides those).
            if text.is_empty() && !matches!(value.kind, kind::STRING | kind::BINARY) {
                return None;
            }
            text
        }
        Source::Literal(_) | Source::Complex => return None,
    };
    Some(if text.is_empty() {
        FieldValue::Null
    } else {
        FieldValue::Text(normalised(text))
    })
}

/// A value as the readers keep it ([`normalise_value`]), reusing its allocation when it is
/// already normal.
fn normalised(text: String) -> Box<str> {
    let changed = match normalise_value(&text) {
        Cow::Owned(changed) => Some(changed),
        Cow::Borrowed(_) => None,
    };
    changed.unwrap_or(text).into_boxed_str()
}

/// Appends the items of one unnamed `Data` to the positional list.
fn positional(source: &Source, values: &[Value<'_>], list: &mut Vec<Box<str>>) -> Option<()> {
    match source {
        Source::Absent => list.push("".into()),
        Source::Literal(text) if renders_as_is(text) => list.push(normalise_value(text).into()),
        Source::Slot { index, .. } => {
            let value = values.get(*index)?;
            if value.kind == kind::STRING_ARRAY {
                // The element is repeated once per item; an empty array leaves it out.
                let items = value.string_items()?;
                if items.is_empty() {
                    return None;
                }
                for item in items {
                    if !renders_as_is(&item) {
                        return None;
                    }
                    list.push(normalised(item));
                }
            } else {
                list.push(normalised(plain_text(value)?));
            }
        }
        Source::Literal(_) | Source::Complex => return None,
    }
    Some(())
}

/// The rendered text of a scalar value; `None` for arrays, nested BinXml, values whose
/// rendering is not plain, and empty values (rendering may leave their element out).
fn plain_text(value: &Value<'_>) -> Option<String> {
    scalar_text(value).filter(|text| !text.is_empty())
}

/// The rendered text of a scalar value, empty or not; `None` for arrays, nested BinXml and
/// values whose rendering is not plain.
fn scalar_text(value: &Value<'_>) -> Option<String> {
    if value.kind & kind::ARRAY != 0 || value.kind == kind::BINXML {
        return None;
    }
    Some(value.text()?.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_the_crate_reads_as_written_are_built_from() {
        let value = |kind: u8, bytes: &'static [u8]| Value { kind, bytes, at: 0 };
        assert!(readable(&value(kind::STRING, &[0x41, 0])));
        assert!(!readable(&value(kind::STRING, &[0x41])));
        assert!(readable(&value(kind::SIZE_T, &[0; 8])));
        assert!(!readable(&value(kind::SIZE_T, &[0; 6])));
        assert!(readable(&value(kind::BINXML, &[])));
        assert!(readable(&value(kind::STRING_ARRAY, &[0x41, 0, 0, 0])));
        // Handles, EvtXml, arrays other than strings, unknown types.
        for other in [0x20, 0x23, 0x84, 0x3d, 0xff] {
            assert!(!readable(&value(other, &[0; 4])), "{other:#x}");
        }
    }

    #[test]
    fn empty_strings_are_null_fields_and_null_values_are_rendered() {
        let value = |kind: u8, bytes: &'static [u8]| Value { kind, bytes, at: 0 };
        let values = [
            value(kind::STRING, &[]),
            value(kind::STRING, &[0, 0, 0x41, 0]),
            value(kind::BINARY, &[]),
            value(kind::NULL, &[]),
        ];
        let slot = |index| Source::Slot {
            index,
            optional: true,
        };
        // A string sized 0 or starting with NUL, and an empty binary, keep their element.
        for index in 0..3 {
            assert_eq!(
                leaf(&slot(index), &values),
                Some(FieldValue::Null),
                "{index}"
            );
        }
        // A NULL may leave out the element that depends on it: only rendering tells.
        assert_eq!(leaf(&slot(3), &values), None);
    }

    #[test]
    fn system_numbers_and_the_activity_id_are_kept_as_numbers() {
        let value = |kind: u8, bytes: &'static [u8]| Value { kind, bytes, at: 0 };
        const ACTIVITY: [u8; 16] = [
            0x9d, 0x06, 0x20, 0xf4, 0x65, 0xbb, 0xd5, 0x4b, 0x99, 0x67, 0xd9, 0xbd, 0xb2, 0x27,
            0x00, 0x00,
        ];
        let values = [
            value(kind::UINT16, &[0x83, 0]),
            value(kind::UINT8, &[4]),
            value(kind::UINT32, &[0x10, 0x02, 0, 0]),
            value(kind::GUID, &ACTIVITY),
            value(kind::INT16, &[0, 0x40]),
            value(kind::STRING, &[0x53, 0, 0x52, 0, 0x56, 0]),
        ];
        let slot = |index| Source::Slot {
            index,
            optional: false,
        };
        let definition = Definition {
            payload: None,
            payload_in_user_data: false,
            fields: None,
            system: vec![
                (
                    SystemSlot::Provider,
                    Source::Literal("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS".into()),
                ),
                (SystemSlot::EventId, slot(0)),
                (SystemSlot::Level, slot(1)),
                (SystemSlot::ProcessId, slot(2)),
                (SystemSlot::ActivityId, slot(3)),
                (SystemSlot::Qualifiers, slot(4)),
                (
                    SystemSlot::Channel,
                    Source::Literal(crate::catalog::channel::RDPCORETS.into()),
                ),
                (SystemSlot::Computer, slot(5)),
            ],
            shape: Shape::Event,
        };
        let raw = raw_record(&definition, &values, None).expect("built");
        let s = &raw.system;
        assert_eq!(
            (s.numbers.event_id, s.numbers.level, s.numbers.process_id),
            (Some(131), Some(4), Some(528))
        );
        assert_eq!((s.event_id.as_deref(), s.level.as_deref()), (None, None));
        // A signed value is not an unsigned number: it stays text, as rendering writes it.
        assert_eq!(s.numbers.qualifiers, None);
        assert_eq!(s.qualifiers.as_deref(), Some("16384"));
        // The same record with every value as text gives the same event.
        let text = RawRecord {
            system: RawSystem {
                provider: s.provider.clone(),
                event_id: Some("131".into()),
                level: Some("4".into()),
                process_id: Some("528".into()),
                activity_id: Some("{f420069d-bb65-4bd5-9967-d9bdb2270000}".into()),
                qualifiers: Some("16384".into()),
                channel: s.channel.clone(),
                computer: s.computer.clone(),
                time: Some("2024-05-01T10:00:00.0000000Z".into()),
                ..RawSystem::default()
            },
            ..RawRecord::default()
        };
        let mut built = raw.clone();
        built.system.time = text.system.time.clone();
        let event = |r: RawRecord| {
            let source = crate::event::SourceRef {
                input: Arc::from("x.evtx"),
                locator: crate::event::Locator::Record(1),
            };
            match r.normalise(crate::catalog::Catalog::global(), source, None) {
                Ok(crate::record::Normalised::Event(e)) => *e,
                other => panic!("{other:?}"),
            }
        };
        let (from_numbers, from_text) = (event(built), event(text));
        assert_eq!(from_numbers, from_text);
        assert_eq!(
            from_numbers.activity_id.map(|g| g.to_string()).as_deref(),
            Some("{f420069d-bb65-4bd5-9967-d9bdb2270000}")
        );
    }

    #[test]
    fn positional_lists_and_leaves() {
        let values = [
            Value {
                kind: kind::UINT32,
                bytes: &[7, 0, 0, 0],
                at: 0,
            },
            Value {
                kind: kind::NULL,
                bytes: &[],
                at: 4,
            },
        ];
        let slot = |index| Source::Slot {
            index,
            optional: false,
        };
        let fields = Fields {
            complete: true,
            root: None,
            items: vec![
                (FieldItem::Positional, slot(0)),
                (FieldItem::Binary, Source::Absent),
                (FieldItem::Positional, Source::Absent),
            ],
        };
        assert_eq!(
            event_data(&fields, &values),
            Some(vec![
                (
                    Arc::from("Data"),
                    FieldValue::List(vec!["7".into(), "".into()])
                ),
                (Arc::from("Binary"), FieldValue::Null),
            ])
        );
        // An empty value may leave its element out when rendered: not built.
        let empty = Fields {
            items: vec![(FieldItem::Named("x".into()), slot(1))],
            ..fields
        };
        assert_eq!(event_data(&empty, &values), None);
    }
}
