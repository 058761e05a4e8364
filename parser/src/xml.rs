//! XML renderings of event records: Event Viewer "Save All Events As… XML", `wevtutil qe /f:xml`,
//! `evtx_dump -o xml`, and the records the EVTX reader renders itself.
//!
//! [`parse_event`] turns one `<Event>` element into a [`RawRecord`] without building a DOM: a
//! quick-xml pull parser over the record's bytes fills the `System` values from
//! [`crate::flatten::SYSTEM_VALUES`] and flattens the payload with the shared
//! [`Flattener`], resolving `EventData` the way the `evtx` crate's JSON does (named `Data` as
//! fields, unnamed `Data` as one list, `Binary` and other children as elements). Entities are
//! never expanded: only the five predefined ones and character references are resolved, any
//! other is an error for that record.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as XmlEvent};

use crate::event::{FieldValue, Rendering};
use crate::flatten::{Flattener, MAX_PAYLOAD_DEPTH, normalise_value, system_has_text, system_slot};
use crate::record::{RawRecord, RawSystem, SiblingNames};

/// Deepest element nesting accepted in a record, counting `<Event>` itself.
pub const MAX_XML_DEPTH: usize = MAX_PAYLOAD_DEPTH + 4;

/// Why one XML record could not be read. Offsets count bytes from the start of the record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at byte {offset} of the record")]
    InvalidUtf8 {
        /// First invalid byte.
        offset: u64,
    },
    /// quick-xml refused the markup.
    #[error("XML error at byte {offset} of the record: {message}")]
    Syntax {
        /// Where the parser stopped.
        offset: u64,
        /// The parser's message.
        message: String,
    },
    /// No `<Event>` element at all.
    #[error("no <Event> element in the record")]
    NoEvent,
    /// The first element is not `<Event>`.
    #[error("expected an <Event> element, found <{found}> at byte {offset}")]
    NotAnEvent {
        /// The element found.
        found: String,
        /// Where.
        offset: u64,
    },
    /// An entity other than the five predefined ones (entities are never expanded).
    #[error("unknown or invalid entity &{name}; at byte {offset} (entities are not expanded)")]
    UnknownEntity {
        /// The entity's name (cut to 40 characters).
        name: String,
        /// Where.
        offset: u64,
    },
    /// Elements nested deeper than [`MAX_XML_DEPTH`].
    #[error("elements nested deeper than {max} levels at byte {offset}")]
    TooDeep {
        /// The cap.
        max: usize,
        /// Where.
        offset: u64,
    },
    /// The record stops before its `</Event>`.
    #[error("the record ends before </Event> (byte {offset})")]
    Truncated {
        /// Where the input ended.
        offset: u64,
    },
}

/// Parses one `<Event>` element (optionally preceded by an XML declaration, comments or
/// whitespace) into a [`RawRecord`]. Content after `</Event>` is ignored.
pub fn parse_event(xml: &[u8]) -> Result<RawRecord, XmlError> {
    let text = std::str::from_utf8(xml).map_err(|e| XmlError::InvalidUtf8 {
        offset: e.valid_up_to() as u64,
    })?;
    parse_event_str(text)
}

/// [`parse_event`] on text already known to be UTF-8.
pub fn parse_event_str(text: &str) -> Result<RawRecord, XmlError> {
    let mut p = Pull::new(text);
    loop {
        match p.next()? {
            XmlEvent::Start(e) => {
                if local(&e) == "Event" {
                    break;
                }
                return Err(XmlError::NotAnEvent {
                    found: cut(e.name().as_ref(), 40),
                    offset: p.pos(),
                });
            }
            XmlEvent::Empty(e) => {
                if local(&e) == "Event" {
                    return Err(XmlError::NoEvent);
                }
                return Err(XmlError::NotAnEvent {
                    found: cut(e.name().as_ref(), 40),
                    offset: p.pos(),
                });
            }
            XmlEvent::Eof => return Err(XmlError::NoEvent),
            XmlEvent::GeneralRef(r) => {
                resolve_entity(&r, p.pos())?;
            }
            _ => {}
        }
    }
    let mut record = RawRecord::default();
    loop {
        match p.next()? {
            XmlEvent::Start(e) => match local(&e) {
                "System" => p.system(&mut record.system)?,
                "EventData" => p.event_data(&mut record.fields)?,
                "UserData" => p.user_data(&mut record)?,
                "RenderingInfo" => record.rendering = Some(p.rendering()?),
                _ => p.skip()?,
            },
            XmlEvent::End(_) => return Ok(record),
            XmlEvent::Eof => return Err(XmlError::Truncated { offset: p.pos() }),
            XmlEvent::GeneralRef(r) => {
                resolve_entity(&r, p.pos())?;
            }
            _ => {}
        }
    }
}

fn local<'e>(e: &'e BytesStart<'_>) -> &'e str {
    e.local_name().into_inner()
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Resolves a reference: the five predefined entities and character references.
fn entity_char(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

fn resolve_entity(name: &str, offset: u64) -> Result<char, XmlError> {
    entity_char(name).ok_or_else(|| XmlError::UnknownEntity {
        name: cut(name, 40),
        offset,
    })
}

/// Replaces the references in an attribute's raw value.
fn unescape(raw: &str, offset: u64) -> Result<Cow<'_, str>, XmlError> {
    if !raw.contains('&') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            return Err(XmlError::UnknownEntity {
                name: cut(after, 40),
                offset,
            });
        };
        out.push(resolve_entity(&after[..semi], offset)?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// One item of an `EventData` block, kept until the block ends (whether the named or the
/// positional form applies depends on all its `Data` children).
enum DataItem {
    /// A `Data` with a non-empty `Name`: its fields, the first one named after it.
    Named {
        name: String,
        fields: Vec<(String, FieldValue)>,
    },
    /// A `Data` without a name: its text.
    Positional(String),
    /// Any other child (`Binary`, …), flattened.
    Other(Vec<(String, FieldValue)>),
}

/// The pull parser over one record, with the element depth it has reached.
struct Pull<'a> {
    reader: Reader<&'a [u8]>,
    depth: usize,
}

impl<'a> Pull<'a> {
    fn new(text: &'a str) -> Self {
        Pull {
            reader: Reader::from_str(text),
            depth: 0,
        }
    }

    fn pos(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The next event, tracking depth.
    fn next(&mut self) -> Result<XmlEvent<'a>, XmlError> {
        let event = self.reader.read_event().map_err(|e| XmlError::Syntax {
            offset: self.reader.error_position(),
            message: e.to_string(),
        })?;
        match &event {
            XmlEvent::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_XML_DEPTH {
                    return Err(XmlError::TooDeep {
                        max: MAX_XML_DEPTH,
                        offset: self.pos(),
                    });
                }
            }
            XmlEvent::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(event)
    }

    /// Skips the rest of the element just started (checking its references).
    fn skip(&mut self) -> Result<(), XmlError> {
        let level = self.depth;
        loop {
            match self.next()? {
                XmlEvent::End(_) if self.depth < level => return Ok(()),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                }
                _ => {}
            }
        }
    }

    /// The text of the element just started; nested elements are skipped.
    fn text(&mut self) -> Result<String, XmlError> {
        let level = self.depth;
        let mut text = String::new();
        loop {
            match self.next()? {
                XmlEvent::Text(t) if self.depth == level => text.push_str(&t),
                XmlEvent::CData(t) if self.depth == level => text.push_str(&t),
                XmlEvent::GeneralRef(r) => {
                    let c = resolve_entity(&r, self.pos())?;
                    if self.depth == level {
                        text.push(c);
                    }
                }
                XmlEvent::End(_) if self.depth < level => return Ok(text),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                _ => {}
            }
        }
    }

    fn system(&mut self, system: &mut RawSystem) -> Result<(), XmlError> {
        loop {
            let (element, started) = match self.next()? {
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                XmlEvent::End(_) => return Ok(()),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                    continue;
                }
                _ => continue,
            };
            let name = local(&element);
            for attr in element.attributes() {
                let attr = attr.map_err(|e| XmlError::Syntax {
                    offset: self.pos(),
                    message: e.to_string(),
                })?;
                let key = attr.key.local_name().into_inner();
                if let Some(slot) = system_slot(name, Some(key)) {
                    let value = unescape(&attr.value, self.pos())?;
                    *slot.of(system) = Some(value.into_owned());
                }
            }
            if started {
                if system_has_text(name) {
                    let slot = system_slot(name, None);
                    let text = self.text()?;
                    if let Some(slot) = slot {
                        *slot.of(system) = Some(text);
                    }
                } else {
                    self.skip()?;
                }
            }
        }
    }

    fn rendering(&mut self) -> Result<Rendering, XmlError> {
        let mut rendering = Rendering::default();
        loop {
            match self.next()? {
                XmlEvent::Start(e) => {
                    let target = match local(&e) {
                        "Message" => &mut rendering.message,
                        "Level" => &mut rendering.level,
                        "Task" => &mut rendering.task,
                        _ => {
                            self.skip()?;
                            continue;
                        }
                    };
                    let text = self.text()?;
                    if !text.is_empty() {
                        *target = Some(text.into_boxed_str());
                    }
                }
                XmlEvent::End(_) => return Ok(rendering),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                }
                _ => {}
            }
        }
    }

    /// Feeds the attributes of an element to the flattener.
    fn attributes(&self, e: &BytesStart<'_>, f: &mut Flattener<'_>) -> Result<(), XmlError> {
        for attr in e.attributes() {
            let attr = attr.map_err(|err| XmlError::Syntax {
                offset: self.pos(),
                message: err.to_string(),
            })?;
            let value = unescape(&attr.value, self.pos())?;
            f.attribute(attr.key.as_ref(), &value);
        }
        Ok(())
    }

    /// Flattens the content of the element just started and opened in `f`, up to its end.
    fn content(&mut self, f: &mut Flattener<'_>) -> Result<(), XmlError> {
        let level = self.depth;
        loop {
            match self.next()? {
                XmlEvent::Start(e) => {
                    f.open(e.name().as_ref(), false);
                    self.attributes(&e, f)?;
                }
                XmlEvent::Empty(e) => {
                    f.open(e.name().as_ref(), false);
                    self.attributes(&e, f)?;
                    f.close();
                }
                XmlEvent::Text(t) => f.text(&t),
                XmlEvent::CData(t) => f.text(&t),
                XmlEvent::GeneralRef(r) => {
                    let c = resolve_entity(&r, self.pos())?;
                    let mut buf = [0u8; 4];
                    f.text(c.encode_utf8(&mut buf));
                }
                XmlEvent::End(_) => {
                    f.close();
                    if self.depth < level {
                        return Ok(());
                    }
                }
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                _ => {}
            }
        }
    }

    fn user_data(&mut self, record: &mut RawRecord) -> Result<(), XmlError> {
        let mut f = Flattener::new(&mut record.fields);
        loop {
            let (element, started) = match self.next()? {
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                XmlEvent::End(_) => {
                    f.finish();
                    return Ok(());
                }
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                    continue;
                }
                _ => continue,
            };
            if record.user_data_root.is_none() {
                record.user_data_root = Some(element.name().as_ref().to_string());
                f.open_root(element.name().as_ref());
            } else {
                f.open(element.name().as_ref(), false);
            }
            self.attributes(&element, &mut f)?;
            if started {
                self.content(&mut f)?;
            } else {
                f.close();
            }
        }
    }

    fn event_data(&mut self, fields: &mut Vec<(String, FieldValue)>) -> Result<(), XmlError> {
        let mut items = Vec::new();
        let mut other_names = SiblingNames::default();
        loop {
            let (element, started) = match self.next()? {
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                XmlEvent::End(_) => break,
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                    continue;
                }
                _ => continue,
            };
            if local(&element) == "Data" {
                let mut name = None;
                for attr in element.attributes() {
                    let attr = attr.map_err(|e| XmlError::Syntax {
                        offset: self.pos(),
                        message: e.to_string(),
                    })?;
                    if attr.key.as_ref() == "Name" {
                        name = Some(unescape(&attr.value, self.pos())?.into_owned());
                    }
                }
                match name.filter(|n| !n.is_empty()) {
                    Some(name) => {
                        let mut data_fields = Vec::new();
                        let mut f = Flattener::new(&mut data_fields);
                        f.open(&name, true);
                        if started {
                            self.content(&mut f)?;
                        } else {
                            f.close();
                        }
                        f.finish();
                        items.push(DataItem::Named {
                            name,
                            fields: data_fields,
                        });
                    }
                    None => {
                        let text = if started { self.text()? } else { String::new() };
                        items.push(DataItem::Positional(text));
                    }
                }
            } else {
                let name = other_names.next(element.name().as_ref());
                let mut other = Vec::new();
                let mut f = Flattener::new(&mut other);
                f.open(&name, true);
                self.attributes(&element, &mut f)?;
                if started {
                    self.content(&mut f)?;
                } else {
                    f.close();
                }
                f.finish();
                items.push(DataItem::Other(other));
            }
        }
        resolve_event_data(items, fields);
        Ok(())
    }
}

/// Lays out an `EventData` block as the `evtx` crate's JSON does: when any `Data` is named, the
/// named ones become fields (a run of equal names one list; a later repeat gets `_N`) and
/// unnamed ones are dropped; otherwise all `Data` values form one `Data` list at the place of
/// the first. Other children keep their place.
fn resolve_event_data(items: Vec<DataItem>, fields: &mut Vec<(String, FieldValue)>) {
    let named_form = items.iter().any(|i| matches!(i, DataItem::Named { .. }));
    let mut positional: Option<Vec<Box<str>>> = None;
    if !named_form {
        positional = Some(
            items
                .iter()
                .filter_map(|i| match i {
                    DataItem::Positional(t) => Some(Box::from(normalise_value(t).as_ref())),
                    _ => None,
                })
                .collect(),
        );
    }
    let mut data_names = SiblingNames::default();
    let mut items = items.into_iter().peekable();
    while let Some(item) = items.next() {
        match item {
            DataItem::Other(mut other) => fields.append(&mut other),
            DataItem::Positional(_) => {
                if let Some(list) = positional.take() {
                    fields.push(("Data".to_string(), FieldValue::List(list)));
                }
            }
            DataItem::Named {
                name,
                fields: mut data_fields,
            } => {
                let simple = |f: &[(String, FieldValue)], name: &str| {
                    f.len() == 1 && f.first().is_some_and(|(k, _)| k == name)
                };
                let key = data_names.next(&name);
                if simple(&data_fields, &name) {
                    let mut run = Vec::new();
                    while let Some(DataItem::Named {
                        name: next_name,
                        fields: next_fields,
                    }) = items.peek()
                    {
                        if *next_name != name || !simple(next_fields, &name) {
                            break;
                        }
                        if let Some(DataItem::Named { fields: f, .. }) = items.next() {
                            run.extend(f.into_iter().map(|(_, v)| v));
                        }
                    }
                    let first = data_fields
                        .pop()
                        .map(|(_, v)| v)
                        .unwrap_or(FieldValue::Null);
                    if run.is_empty() {
                        fields.push((key, first));
                    } else {
                        let list = std::iter::once(first)
                            .chain(run)
                            .map(|v| Box::from(v.as_text().unwrap_or("")))
                            .collect();
                        fields.push((key, FieldValue::List(list)));
                    }
                } else {
                    for (k, v) in data_fields {
                        let renamed = match k.strip_prefix(name.as_str()) {
                            Some(rest) if key != name => format!("{key}{rest}"),
                            _ => k,
                        };
                        fields.push((renamed, v));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &str) -> FieldValue {
        FieldValue::Text(v.into())
    }

    fn field<'r>(r: &'r RawRecord, name: &str) -> Option<&'r FieldValue> {
        r.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    const CLASSIC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="TermDD"/>
    <EventID Qualifiers="49162">56</EventID>
    <Level>2</Level>
    <Task>0</Task>
    <Keywords>0x80000000000000</Keywords>
    <TimeCreated SystemTime="2019-05-04T10:11:12.1234567Z"/>
    <EventRecordID>4242</EventRecordID>
    <Channel>System</Channel>
    <Computer>HOST-A.example.test</Computer>
    <Security/>
  </System>
  <EventData>
    <Data>\Device\Termdd</Data>
    <Data>192.0.2.10</Data>
    <Binary>00000400B50000D0</Binary>
  </EventData>
</Event>"#;

    #[test]
    fn classic_event_with_unnamed_data_and_binary() {
        let r = parse_event(CLASSIC.as_bytes()).unwrap();
        let s = &r.system;
        assert_eq!(s.provider.as_deref(), Some("TermDD"));
        assert_eq!(s.event_id.as_deref(), Some("56"));
        assert_eq!(s.qualifiers.as_deref(), Some("49162"));
        assert_eq!(s.version, None);
        assert_eq!(s.activity_id, None);
        assert_eq!(s.process_id, None);
        assert_eq!(s.time.as_deref(), Some("2019-05-04T10:11:12.1234567Z"));
        assert_eq!(s.record_id.as_deref(), Some("4242"));
        assert_eq!(s.computer.as_deref(), Some("HOST-A.example.test"));
        assert_eq!(s.user_sid, None);
        assert_eq!(
            r.fields,
            vec![
                (
                    "Data".to_string(),
                    FieldValue::List(vec!["\\Device\\Termdd".into(), "192.0.2.10".into()])
                ),
                ("Binary".to_string(), text("00000400B50000D0")),
            ]
        );
    }

    #[test]
    fn single_unnamed_data_is_a_list() {
        let xml = r#"<Event><System><EventID>1056</EventID></System>
            <EventData><Data>HOST-A</Data></EventData></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            field(&r, "Data"),
            Some(&FieldValue::List(vec!["HOST-A".into()]))
        );
    }

    #[test]
    fn named_data_with_spaces_padding_and_empty_values() {
        let xml = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>
  <System>
    <Provider Name='Microsoft-Windows-Windows Defender' Guid='{11CD958A-C507-4EF3-B3F2-5FD9DFBD2C78}'/>
    <EventID>1116</EventID>
    <Version>0</Version>
    <Correlation ActivityID='{AABBCCDD-0000-1111-2222-333344445555}'/>
    <Execution ProcessID='3012' ThreadID='4410'/>
    <Channel>Microsoft-Windows-Windows Defender/Operational</Channel>
    <Security UserID='S-1-5-18'/>
  </System>
  <EventData>
    <Data Name='Threat Name'>Trojan:Test/Example</Data>
    <Data Name='LogonProcessName'>NtLmSsp </Data>
    <Data Name='Empty'></Data>
    <Data Name='SelfClosed'/>
    <Data>dropped in the named form</Data>
    <Data Name='Path'>C:\a &amp; b&#x20;&lt;c&gt;</Data>
  </EventData>
</Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            r.system.activity_id.as_deref(),
            Some("{AABBCCDD-0000-1111-2222-333344445555}")
        );
        assert_eq!(r.system.process_id.as_deref(), Some("3012"));
        assert_eq!(r.system.thread_id.as_deref(), Some("4410"));
        assert_eq!(r.system.user_sid.as_deref(), Some("S-1-5-18"));
        assert_eq!(
            r.fields,
            vec![
                ("Threat Name".to_string(), text("Trojan:Test/Example")),
                ("LogonProcessName".to_string(), text("NtLmSsp ")),
                ("Empty".to_string(), FieldValue::Null),
                ("SelfClosed".to_string(), FieldValue::Null),
                ("Path".to_string(), text("C:\\a & b <c>")),
            ]
        );
    }

    #[test]
    fn repeated_named_data_runs_and_repeats() {
        let xml = r#"<Event><System/><EventData>
            <Data Name='A'>1</Data><Data Name='A'>2</Data><Data Name='B'>x</Data>
            <Data Name='A'>3</Data></EventData></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            r.fields,
            vec![
                (
                    "A".to_string(),
                    FieldValue::List(vec!["1".into(), "2".into()])
                ),
                ("B".to_string(), text("x")),
                ("A_1".to_string(), text("3")),
            ]
        );
    }

    #[test]
    fn user_data_tree_with_repeats_and_attributes() {
        let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System><Provider Name="Microsoft-Windows-CAPI2"/><EventID>11</EventID><Correlation/></System>
  <UserData>
    <CertGetCertificateChain xmlns:x="urn:test">
      <Certificate fileRef="AA.cer" subjectName="host-a"/>
      <AdditionalStore>
        <Certificate fileRef="BB.cer" subjectName="ca"/>
        <Certificate fileRef="CC.cer" subjectName="root"/>
      </AdditionalStore>
      <CertificateChain chainRef="{546E4482-6A62-4653-844C-97B12F78685E}">
        <TrustStatus>
          <ErrorStatus value="1" CERT_TRUST_IS_NOT_TIME_VALID="true"/>
        </TrustStatus>
      </CertificateChain>
      <IssuanceUsage/>
      <Result value="800B0101">A required certificate is not within its validity period.</Result>
    </CertGetCertificateChain>
  </UserData>
</Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(r.user_data_root.as_deref(), Some("CertGetCertificateChain"));
        assert_eq!(r.system.activity_id, None);
        let names: Vec<&str> = r.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "Certificate@fileRef",
                "Certificate@subjectName",
                "AdditionalStore.Certificate@fileRef",
                "AdditionalStore.Certificate@subjectName",
                "AdditionalStore.Certificate_1@fileRef",
                "AdditionalStore.Certificate_1@subjectName",
                "CertificateChain@chainRef",
                "CertificateChain.TrustStatus.ErrorStatus@value",
                "CertificateChain.TrustStatus.ErrorStatus@CERT_TRUST_IS_NOT_TIME_VALID",
                "IssuanceUsage",
                "Result@value",
                "Result",
            ]
        );
        assert_eq!(
            field(&r, "CertificateChain@chainRef"),
            Some(&text("{546e4482-6a62-4653-844c-97b12f78685e}"))
        );
        assert_eq!(field(&r, "IssuanceUsage"), Some(&FieldValue::Null));
    }

    #[test]
    fn event_xml_root_and_empty_param() {
        let xml = r#"<Event><System><EventID>1149</EventID></System><UserData>
            <EventXML xmlns="Event_NS"><Param1>alice</Param1><Param2></Param2>
            <Param3>192.0.2.7</Param3></EventXML></UserData></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(r.user_data_root.as_deref(), Some("EventXML"));
        assert_eq!(
            r.fields,
            vec![
                ("Param1".to_string(), text("alice")),
                ("Param2".to_string(), FieldValue::Null),
                ("Param3".to_string(), text("192.0.2.7")),
            ]
        );
    }

    #[test]
    fn rendering_info_is_optional_text() {
        let xml = r#"<Event><System><EventID>7036</EventID></System>
            <EventData><Data Name="param1">Remote Desktop Services</Data></EventData>
            <RenderingInfo Culture="en-US"><Message>The service entered the running state.</Message>
            <Level>Information</Level><Task></Task><Keywords><Keyword>Classic</Keyword></Keywords>
            </RenderingInfo></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        let rendering = r.rendering.unwrap();
        assert_eq!(
            rendering.message.as_deref(),
            Some("The service entered the running state.")
        );
        assert_eq!(rendering.level.as_deref(), Some("Information"));
        assert_eq!(rendering.task, None);
        assert_eq!(r.fields.len(), 1);
    }

    #[test]
    fn hostile_records_fail_cleanly() {
        assert_eq!(parse_event(b""), Err(XmlError::NoEvent));
        assert!(matches!(
            parse_event(b"<html><body/></html>"),
            Err(XmlError::NotAnEvent { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><System><EventID>1</EventID>"),
            Err(XmlError::Truncated { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><System><Computer>&xxe;</Computer></System></Event>"),
            Err(XmlError::UnknownEntity { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><UserData><R a='&ent;'/></UserData></Event>"),
            Err(XmlError::UnknownEntity { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><System></Wrong></Event>"),
            Err(XmlError::Syntax { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event>\xff</Event>"),
            Err(XmlError::InvalidUtf8 { offset: 7 })
        ));
        let deep = format!(
            "<Event><UserData><R>{}{}</R></UserData></Event>",
            "<a>".repeat(10_000),
            "</a>".repeat(10_000)
        );
        assert!(matches!(
            parse_event(deep.as_bytes()),
            Err(XmlError::TooDeep { .. })
        ));
        let doctype = r#"<!DOCTYPE Event [<!ENTITY big "xxxxxxxxxx">]><Event><System><Computer>&big;</Computer></System></Event>"#;
        assert!(matches!(
            parse_event(doctype.as_bytes()),
            Err(XmlError::UnknownEntity { .. })
        ));
    }

    #[test]
    fn control_characters_and_cdata() {
        let xml = "<Event><EventData><Data Name='a'>x&#1;y</Data><Data Name='b'><![CDATA[<raw>]]></Data></EventData></Event>";
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(field(&r, "a"), Some(&text("x_y")));
        assert_eq!(field(&r, "b"), Some(&text("<raw>")));
    }
}
