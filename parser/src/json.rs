//! `evtx_dump` JSON renderings of event records: `-o jsonl` (one object per line), `-o json`
//! (objects preceded by `Record N` lines, compact or pretty-printed), a JSON array of such
//! objects, in both attribute layouts — the default one (`"#attributes"` objects and `"#text"`
//! values) and `--separate-json-attributes` (a `"<Name>_attributes"` object next to the element).
//!
//! Each object is parsed into an order-keeping tree (serde_json's own map would sort the keys,
//! and field order is part of an event) and turned into a [`RawRecord`] with the same
//! [`Flattener`] the XML reader uses, so a record gives the same event from either export.
//! JSON numbers and booleans become their text (`2308`, `true`), `null` and `""` become `Null`.
//! Input is streamed: JSONL line by line with a length cap (an over-long line is skipped without
//! being held), the other forms object by object with a byte-level scanner that resynchronises
//! at the next `Record N` line or top-level `{` after a damaged object.

use std::fmt;
use std::io::{self, BufRead};
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::event::{FieldValue, Rendering, parse_u64};
use crate::flatten::{Flattener, normalise_value, system_slot};
use crate::input::{Format, Source, SourceData};
use crate::reader::{ReadOptions, ReadOutcome};
use crate::record::{RawRecord, field_name};
use crate::text::{
    Collector, DecodedText, Lines, MAX_RECORD_BYTES, Place, decode, input_offset, utf8_lossy,
};

/// Why one JSON record could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// serde_json refused the text (position inside the record).
    #[error("JSON error at line {line}, column {column} of the record: {message}")]
    Syntax {
        /// Line inside the record (1-based).
        line: usize,
        /// Column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The value is not an object.
    #[error("the record is not a JSON object")]
    NotAnObject,
    /// The object has neither an `Event` nor a `System` member.
    #[error("the object is not an event record (no \"Event\" or \"System\" member)")]
    NotARecord,
}

/// A JSON value that keeps its members in document order, with numbers as their text.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            members.push((key, value));
        }
        Ok(Node::Object(members))
    }
}

impl Node {
    fn member(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar: strings as they are, numbers and booleans as written.
    fn text(&self) -> Option<&str> {
        match self {
            Node::String(s) | Node::Number(s) => Some(s),
            Node::Bool(true) => Some("true"),
            Node::Bool(false) => Some("false"),
            Node::Null | Node::Array(_) | Node::Object(_) => None,
        }
    }
}

fn parse_node(text: &str) -> Result<Node, JsonError> {
    serde_json::from_str(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// Parses one evtx_dump JSON object (either attribute layout) into a [`RawRecord`].
pub fn parse_record(json: &str) -> Result<RawRecord, JsonError> {
    record_from_node(&parse_node(json)?)
}

/// One XML element as evtx_dump's JSON renders it: a member, with its attributes gathered from
/// `"#attributes"` or from a `"<name>_attributes"` sibling.
struct Element<'n> {
    name: &'n str,
    /// Attributes from a separate `<name>_attributes` member.
    separate_attributes: Option<&'n Node>,
    /// The member's value.
    content: Option<&'n Node>,
}

impl<'n> Element<'n> {
    fn attributes(&self) -> impl Iterator<Item = (&'n str, &'n Node)> {
        let members = |node: Option<&'n Node>| match node {
            Some(Node::Object(m)) => m.as_slice(),
            _ => &[],
        };
        let inline = self.content.and_then(|c| c.member("#attributes"));
        members(self.separate_attributes)
            .iter()
            .chain(members(inline))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The element's own text: a scalar or array value, or the `"#text"` member of an object.
    fn text(&self) -> Option<&'n Node> {
        match self.content? {
            Node::Object(_) => self.content?.member("#text"),
            Node::Null => None,
            other => Some(other),
        }
    }

    fn children(&self, separate: bool) -> Vec<Element<'n>> {
        match self.content {
            Some(Node::Object(members)) => elements(members, separate),
            _ => Vec::new(),
        }
    }
}

/// The child elements of an object, in order: members other than `#attributes` / `#text`,
/// with `<name>_attributes` members joined to their element in the separate layout.
fn elements(members: &[(String, Node)], separate: bool) -> Vec<Element<'_>> {
    let mut out: Vec<Element<'_>> = Vec::with_capacity(members.len());
    for (key, value) in members {
        if key == "#attributes" || key == "#text" {
            continue;
        }
        if separate && let (Some(base), Node::Object(_)) = (key.strip_suffix("_attributes"), value)
        {
            out.push(Element {
                name: base,
                separate_attributes: Some(value),
                content: None,
            });
            continue;
        }
        if let Some(last) = out.last_mut()
            && last.name == key
            && last.separate_attributes.is_some()
            && last.content.is_none()
        {
            last.content = Some(value);
            continue;
        }
        out.push(Element {
            name: key,
            separate_attributes: None,
            content: Some(value),
        });
    }
    out
}

fn is_separate_layout(top: &[(String, Node)], event: &Node) -> bool {
    let has_suffix = |members: &[(String, Node)]| {
        members
            .iter()
            .any(|(k, v)| k.ends_with("_attributes") && matches!(v, Node::Object(_)))
    };
    if top.iter().any(|(k, _)| k == "Event_attributes") {
        return true;
    }
    match event.member("System") {
        Some(Node::Object(system)) => has_suffix(system),
        _ => false,
    }
}

fn record_from_node(node: &Node) -> Result<RawRecord, JsonError> {
    let Node::Object(top) = node else {
        return Err(JsonError::NotAnObject);
    };
    let event = match node.member("Event") {
        Some(event @ Node::Object(_)) => event,
        _ if node.member("System").is_some() => node,
        _ => return Err(JsonError::NotARecord),
    };
    let separate = is_separate_layout(top, event);
    let Node::Object(members) = event else {
        return Err(JsonError::NotARecord);
    };
    let mut record = RawRecord::default();
    for element in elements(members, separate) {
        match element.name {
            "System" => read_system(&element, separate, &mut record),
            "EventData" => read_event_data(&element, separate, &mut record.fields),
            "UserData" => read_user_data(&element, separate, &mut record),
            "RenderingInfo" => record.rendering = Some(read_rendering(&element, separate)),
            _ => {}
        }
    }
    Ok(record)
}

fn read_system(system: &Element<'_>, separate: bool, record: &mut RawRecord) {
    for child in system.children(separate) {
        if let Some(slot) = system_slot(child.name, None)
            && let Some(text) = child.text().and_then(Node::text).filter(|t| !t.is_empty())
        {
            *slot.of(&mut record.system) = Some(text.to_string());
        }
        for (name, value) in child.attributes() {
            if let Some(slot) = system_slot(child.name, Some(name))
                && let Some(text) = value.text().filter(|t| !t.is_empty())
            {
                *slot.of(&mut record.system) = Some(text.to_string());
            }
        }
    }
}

fn read_rendering(rendering: &Element<'_>, separate: bool) -> Rendering {
    let mut out = Rendering::default();
    for child in rendering.children(separate) {
        let target = match child.name {
            "Message" => &mut out.message,
            "Level" => &mut out.level,
            "Task" => &mut out.task,
            _ => continue,
        };
        if let Some(text) = child.text().and_then(Node::text).filter(|t| !t.is_empty()) {
            *target = Some(Box::from(text));
        }
    }
    out
}

/// A scalar as a field value: text (normalised), or `Null` for `null` and `""`.
fn scalar_value(node: Option<&Node>) -> FieldValue {
    match node.and_then(Node::text) {
        Some(t) if !t.is_empty() => FieldValue::Text(normalise_value(t).into()),
        _ => FieldValue::Null,
    }
}

/// List items: each scalar's text, `null` as `""`.
fn list_items(items: &[Node]) -> Vec<Box<str>> {
    items
        .iter()
        .map(|item| Box::from(normalise_value(item.text().unwrap_or("")).as_ref()))
        .collect()
}

fn read_event_data(data: &Element<'_>, separate: bool, fields: &mut Vec<(Arc<str>, FieldValue)>) {
    for child in data.children(separate) {
        let has_attributes = child.attributes().next().is_some();
        match child.content {
            // Unnamed classic Data: `{"#text": "a"}` or `{"#text": ["a", "b"]}`.
            Some(content @ Node::Object(_))
                if child.name == "Data" && !has_attributes && content.member("#text").is_some() =>
            {
                let items = match content.member("#text") {
                    Some(Node::Array(items)) => list_items(items),
                    other => list_items(std::slice::from_ref(other.unwrap_or(&Node::Null))),
                };
                fields.push((field_name("Data"), FieldValue::List(items)));
            }
            Some(Node::Array(items)) if !has_attributes => {
                fields.push((field_name(child.name), FieldValue::List(list_items(items))));
            }
            Some(Node::Object(_)) => flatten_element(&child, separate, fields),
            _ if has_attributes => flatten_element(&child, separate, fields),
            content => fields.push((field_name(child.name), scalar_value(content))),
        }
    }
}

/// Flattens one element (a named member of `EventData` with structure) under its own name.
fn flatten_element(
    element: &Element<'_>,
    separate: bool,
    fields: &mut Vec<(Arc<str>, FieldValue)>,
) {
    let mut f = Flattener::new(fields);
    f.open(element.name, true);
    walk(element, separate, &mut f);
    f.close();
    f.finish();
}

fn read_user_data(user_data: &Element<'_>, separate: bool, record: &mut RawRecord) {
    let mut f = Flattener::new(&mut record.fields);
    for child in user_data.children(separate) {
        if record.user_data_root.is_none() {
            record.user_data_root = Some(child.name.to_string());
            f.open_root(child.name);
        } else {
            f.open(child.name, true);
        }
        walk(&child, separate, &mut f);
        f.close();
    }
    f.finish();
}

/// Feeds an element's attributes, text and children to the flattener (the element itself is
/// already open).
fn walk(element: &Element<'_>, separate: bool, f: &mut Flattener<'_>) {
    for (name, value) in element.attributes() {
        if let Some(text) = value.text() {
            f.attribute(name, text);
        }
    }
    match element.text() {
        Some(Node::Array(items)) => f.text_list(
            items
                .iter()
                .map(|i| i.text().unwrap_or("").to_string())
                .collect(),
        ),
        Some(node) => {
            if let Some(text) = node.text() {
                f.text(text);
            }
        }
        None => {}
    }
    for child in element.children(separate) {
        f.open(child.name, true);
        walk(&child, separate, f);
        f.close();
    }
}

/// Reads an evtx_dump JSON or JSONL input and keeps its catalogued events. Every record counts
/// in the report; problems are located by line (and byte offset for UTF-8 inputs, record id
/// when readable) and the rest is still read.
pub fn read(source: &Source, data: SourceData, opts: &ReadOptions) -> ReadOutcome {
    let mut collector = Collector::new(source, opts);
    let decoded = match decode(data.into_read()) {
        Ok(d) => d,
        Err(e) => {
            collector.problem(
                format!("cannot read the input: {e}"),
                Place::default(),
                None,
            );
            return collector.finish();
        }
    };
    if source.format == Format::JsonLines {
        read_lines(decoded, &mut collector);
    } else {
        read_objects(decoded, &mut collector);
    }
    collector.finish()
}

/// Handles the text of one JSON value found at `place`: a record, or an array of records.
fn take_value(bytes: &[u8], place: Place, collector: &mut Collector<'_>) {
    let (text, lossy) = utf8_lossy(bytes);
    if lossy {
        collector.warn(
            "invalid UTF-8 in the record, replaced with U+FFFD".to_string(),
            place,
        );
    }
    let node = match parse_node(&text) {
        Ok(node) => node,
        Err(e) => {
            collector.failed(
                format!("unreadable JSON record: {e}"),
                place,
                sniff_record_id(bytes),
            );
            return;
        }
    };
    let records = match &node {
        Node::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    for node in records {
        match record_from_node(node) {
            Ok(raw) => collector.record(raw, place),
            Err(e) => collector.failed(
                format!("unusable JSON record: {e}"),
                place,
                record_id_of(node),
            ),
        }
    }
}

fn record_id_of(node: &Node) -> Option<u64> {
    node.member("Event")
        .unwrap_or(node)
        .member("System")?
        .member("EventRecordID")?
        .text()
        .and_then(parse_u64)
}

/// The `EventRecordID` of a record that could not be parsed, to locate the error.
fn sniff_record_id(bytes: &[u8]) -> Option<u64> {
    let key = b"\"EventRecordID\":";
    let start = memchr::memmem::find(bytes, key)? + key.len();
    let digits: String = bytes
        .get(start..)?
        .iter()
        .skip_while(|b| matches!(b, b' ' | b'"'))
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().ok()
}

fn read_lines(decoded: DecodedText, collector: &mut Collector<'_>) {
    let DecodedText {
        encoding,
        bom_len,
        reader,
    } = decoded;
    let mut lines = Lines::new(reader, MAX_RECORD_BYTES);
    let mut buf = Vec::new();
    loop {
        let line = match lines.next_line(&mut buf) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                collector.problem(format!("read error: {e}"), Place::default(), None);
                break;
            }
        };
        let place = Place {
            line: line.number,
            offset: input_offset(encoding, bom_len, line.offset),
        };
        if let Some(len) = line.too_long {
            collector.failed(
                format!(
                    "line of {len} bytes is longer than the {MAX_RECORD_BYTES}-byte limit: skipped"
                ),
                place,
                None,
            );
            continue;
        }
        let trimmed = buf.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"Record ") {
            continue;
        }
        take_value(trimmed, place, collector);
    }
}

fn read_objects(decoded: DecodedText, collector: &mut Collector<'_>) {
    let DecodedText {
        encoding,
        bom_len,
        reader,
    } = decoded;
    let mut scanner = ObjectScanner::new(reader, MAX_RECORD_BYTES);
    loop {
        let piece = match scanner.next_piece() {
            Ok(Some(piece)) => piece,
            Ok(None) => break,
            Err(e) => {
                collector.problem(format!("read error: {e}"), Place::default(), None);
                break;
            }
        };
        let place = Place {
            line: piece.line,
            offset: input_offset(encoding, bom_len, piece.offset),
        };
        match piece.kind {
            ObjectKind::Complete(bytes) => take_value(bytes, place, collector),
            ObjectKind::Oversized(len) => collector.failed(
                format!("JSON object of {len} bytes is longer than the {MAX_RECORD_BYTES}-byte limit: skipped"),
                place,
                None,
            ),
            ObjectKind::Truncated(bytes) => collector.failed(
                format!("JSON object truncated after {} bytes", bytes.len()),
                place,
                sniff_record_id(bytes),
            ),
        }
    }
}

/// An object cut out of the stream.
#[derive(Debug, PartialEq, Eq)]
struct ObjectPiece<'b> {
    line: u64,
    offset: u64,
    kind: ObjectKind<'b>,
}

#[derive(Debug, PartialEq, Eq)]
enum ObjectKind<'b> {
    /// A balanced `{…}`.
    Complete(&'b [u8]),
    /// Longer than the cap: skipped; its length.
    Oversized(u64),
    /// Ended by the end of input or by the start of the next record.
    Truncated(&'b [u8]),
}

/// Where the object scanner is inside an object.
#[derive(Clone, Copy, Debug, Default)]
struct Nesting {
    depth: u32,
    in_string: bool,
    escape: bool,
    line: u64,
    offset: u64,
    oversized: bool,
    len: u64,
}

/// Cuts top-level JSON objects out of a stream (skipping `Record N` lines, array brackets and
/// commas between them), holding one object at a time. A `{` or `R` at the start of a line
/// inside an object means the object was cut off (pretty output indents nested members, and
/// no valid member line starts with `R`): the scanner reports it and starts over there.
struct ObjectScanner<R> {
    reader: R,
    buf: Vec<u8>,
    nesting: Option<Nesting>,
    at: Position,
    cap: usize,
}

/// The scanner's place in the stream.
#[derive(Clone, Copy, Debug)]
struct Position {
    line: u64,
    offset: u64,
    line_start: bool,
}

impl Position {
    fn advance(&mut self, b: u8) {
        self.offset += 1;
        self.line_start = b == b'\n';
        if self.line_start {
            self.line += 1;
        }
    }
}

impl<R: BufRead> ObjectScanner<R> {
    fn new(reader: R, cap: usize) -> Self {
        ObjectScanner {
            reader,
            buf: Vec::new(),
            nesting: None,
            at: Position {
                line: 1,
                offset: 0,
                line_start: true,
            },
            cap,
        }
    }

    fn next_piece(&mut self) -> io::Result<Option<ObjectPiece<'_>>> {
        loop {
            let available = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                let Some(n) = self.nesting.take() else {
                    return Ok(None);
                };
                return Ok(Some(self.piece(n, false)));
            }
            let mut used = 0;
            let mut finished: Option<(Nesting, bool)> = None;
            for &b in available {
                if let Some(n) = self.nesting.as_mut() {
                    if self.at.line_start && !n.in_string && (b == b'{' || b == b'R') {
                        // A new record starts: the open object was cut off. Leave `b` unread.
                        finished = Some((*n, false));
                        break;
                    }
                    n.len += 1;
                    if !n.oversized {
                        if self.buf.len() >= self.cap {
                            n.oversized = true;
                            self.buf.clear();
                        } else {
                            self.buf.push(b);
                        }
                    }
                    if n.in_string {
                        if n.escape {
                            n.escape = false;
                        } else if b == b'\\' {
                            n.escape = true;
                        } else if b == b'"' || b == b'\n' {
                            // A raw newline cannot be in a JSON string: the string was cut off.
                            n.in_string = false;
                        }
                    } else {
                        match b {
                            b'"' => n.in_string = true,
                            b'{' | b'[' => n.depth += 1,
                            b'}' | b']' => n.depth = n.depth.saturating_sub(1),
                            _ => {}
                        }
                    }
                    used += 1;
                    self.at.advance(b);
                    if n.depth == 0 {
                        finished = Some((*n, true));
                        break;
                    }
                } else {
                    if b == b'{' {
                        self.buf.clear();
                        self.buf.push(b);
                        self.nesting = Some(Nesting {
                            depth: 1,
                            line: self.at.line,
                            offset: self.at.offset,
                            len: 1,
                            ..Nesting::default()
                        });
                    }
                    used += 1;
                    self.at.advance(b);
                }
            }
            self.reader.consume(used);
            if let Some((n, complete)) = finished {
                self.nesting = None;
                return Ok(Some(self.piece(n, complete)));
            }
        }
    }

    fn piece(&self, n: Nesting, complete: bool) -> ObjectPiece<'_> {
        let kind = if n.oversized {
            ObjectKind::Oversized(n.len)
        } else if complete {
            ObjectKind::Complete(&self.buf)
        } else {
            ObjectKind::Truncated(&self.buf)
        };
        ObjectPiece {
            line: n.line,
            offset: n.offset,
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &str) -> FieldValue {
        FieldValue::Text(v.into())
    }

    #[test]
    fn nodes_keep_order_and_number_text() {
        let node = parse_node(r##"{"b":1,"a":[true,null,-2,1.5,"x"]}"##).unwrap();
        let Node::Object(members) = &node else {
            panic!()
        };
        assert_eq!(members[0].0, "b");
        assert_eq!(members[0].1.text(), Some("1"));
        assert_eq!(
            members[1].1,
            Node::Array(vec![
                Node::Bool(true),
                Node::Null,
                Node::Number("-2".into()),
                Node::Number("1.5".into()),
                Node::String("x".into()),
            ])
        );
    }

    const CLASSIC: &str = r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"TermService"}},"EventID":{"#attributes":{"Qualifiers":49152},"#text":1056},"Level":4,"Task":0,"Keywords":"0x80000000000000","TimeCreated":{"#attributes":{"SystemTime":"2020-01-02T03:04:05.6789012Z"}},"EventRecordID":"201","Channel":"System","Computer":"HOST-C","Security":null},"EventData":{"Data":{"#text":"HOST-C"},"Binary":"0A1B2C"}}}"##;

    #[test]
    fn classic_event_with_qualifiers_and_string_numbers() {
        let r = parse_record(CLASSIC).unwrap();
        assert_eq!(r.system.event_id.as_deref(), Some("1056"));
        assert_eq!(r.system.qualifiers.as_deref(), Some("49152"));
        assert_eq!(r.system.record_id.as_deref(), Some("201"));
        assert_eq!(r.system.version, None);
        assert_eq!(r.system.activity_id, None);
        assert_eq!(r.system.user_sid, None);
        assert_eq!(
            r.fields,
            vec![
                (Arc::from("Data"), FieldValue::List(vec!["HOST-C".into()])),
                (Arc::from("Binary"), text("0A1B2C")),
            ]
        );
    }

    #[test]
    fn separate_attribute_layout_gives_the_same_record() {
        let separate = r##"{"Event_attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"Event":{"System":{"Provider_attributes":{"Name":"TermService"},"EventID_attributes":{"Qualifiers":49152},"EventID":1056,"Level":4,"Task":0,"Keywords":"0x80000000000000","TimeCreated_attributes":{"SystemTime":"2020-01-02T03:04:05.6789012Z"},"EventRecordID":"201","Channel":"System","Computer":"HOST-C","Security":null},"EventData":{"Data":{"#text":"HOST-C"},"Binary":"0A1B2C"}}}"##;
        assert_eq!(
            parse_record(separate).unwrap(),
            parse_record(CLASSIC).unwrap()
        );
    }

    #[test]
    fn user_data_in_both_layouts() {
        let default = r##"{"Event":{"System":{"EventID":11},"UserData":{"CertGetCertificateChain":{"#attributes":{"xmlns":"x"},"Certificate":{"#attributes":{"fileRef":"A.cer"}},"AdditionalStore":{"Certificate":{"#attributes":{"fileRef":"B.cer"}},"Certificate_1":{"#attributes":{"fileRef":"C.cer"}}},"IssuanceUsage":null,"Result":{"#attributes":{"value":"800B0101"},"#text":"expired"}}}}}"##;
        let separate = r##"{"Event_attributes":{"xmlns":"e"},"Event":{"System":{"EventID":11},"UserData":{"CertGetCertificateChain_attributes":{"xmlns":"x"},"CertGetCertificateChain":{"Certificate_attributes":{"fileRef":"A.cer"},"AdditionalStore":{"Certificate_attributes":{"fileRef":"B.cer"},"Certificate_1_attributes":{"fileRef":"C.cer"}},"IssuanceUsage":null,"Result_attributes":{"value":"800B0101"},"Result":"expired"}}}}"##;
        let a = parse_record(default).unwrap();
        let b = parse_record(separate).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.user_data_root.as_deref(), Some("CertGetCertificateChain"));
        assert_eq!(
            a.fields,
            vec![
                (Arc::from("Certificate@fileRef"), text("A.cer")),
                (
                    Arc::from("AdditionalStore.Certificate@fileRef"),
                    text("B.cer")
                ),
                (
                    Arc::from("AdditionalStore.Certificate_1@fileRef"),
                    text("C.cer")
                ),
                (Arc::from("IssuanceUsage"), FieldValue::Null),
                (Arc::from("Result@value"), text("800B0101")),
                (Arc::from("Result"), text("expired")),
            ]
        );
    }

    #[test]
    fn named_data_values_become_text_or_null() {
        let json = r##"{"Event":{"System":{"EventID":"4625"},"EventData":{"LogonType":10,"LogonProcessName":"User32 ","Store Type":"Local","IpPort":"","Empty":null,"Flag":true,"Run":["a",null,3],"Ctrl":"a\u0001b"}}}"##;
        let r = parse_record(json).unwrap();
        assert_eq!(
            r.fields,
            vec![
                (Arc::from("LogonType"), text("10")),
                (Arc::from("LogonProcessName"), text("User32 ")),
                (Arc::from("Store Type"), text("Local")),
                (Arc::from("IpPort"), FieldValue::Null),
                (Arc::from("Empty"), FieldValue::Null),
                (Arc::from("Flag"), text("true")),
                (
                    Arc::from("Run"),
                    FieldValue::List(vec!["a".into(), "".into(), "3".into()])
                ),
                (Arc::from("Ctrl"), text("a_b")),
            ]
        );
    }

    #[test]
    fn structured_named_data_matches_the_xml_reading() {
        let xml = "<Event><System><EventID>1</EventID></System><EventData><Data Name='P'>t<Child a='1'>c</Child></Data><Data Name='Q'>x</Data><Data Name='P'><Child>d</Child></Data></EventData></Event>";
        let json = r##"{"Event":{"System":{"EventID":1},"EventData":{"P":{"#text":"t","Child":{"#attributes":{"a":"1"},"#text":"c"}},"Q":"x","P_1":{"Child":"d"}}}}"##;
        let from_xml = crate::xml::parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            from_xml.fields,
            vec![
                (Arc::from("P"), text("t")),
                (Arc::from("P.Child@a"), text("1")),
                (Arc::from("P.Child"), text("c")),
                (Arc::from("Q"), text("x")),
                (Arc::from("P_1.Child"), text("d")),
            ]
        );
        assert_eq!(parse_record(json).unwrap(), from_xml);
    }

    #[test]
    fn null_blocks_and_localised_text() {
        let json = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-TerminalServices-LocalSessionManager"}},"EventID":21,"Correlation":null,"Execution":null,"Security":null,"Channel":"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational","Computer":"PC"},"EventData":null,"UserData":{"EventXML":{"#attributes":{"xmlns":"Event_NS"},"User":"PC\\kullanıcı","SessionID":2,"Address":"ローカル"}}}}"##;
        let r = parse_record(json).unwrap();
        assert_eq!(r.system.activity_id, None);
        assert_eq!(r.system.process_id, None);
        assert_eq!(
            r.fields,
            vec![
                (Arc::from("User"), text("PC\\kullanıcı")),
                (Arc::from("SessionID"), text("2")),
                (Arc::from("Address"), text("ローカル")),
            ]
        );
    }

    #[test]
    fn not_records() {
        assert_eq!(parse_record("[1]"), Err(JsonError::NotAnObject));
        assert_eq!(parse_record(r##"{"a":1}"##), Err(JsonError::NotARecord));
        assert!(matches!(
            parse_record(r##"{"Event":"##),
            Err(JsonError::Syntax { .. })
        ));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse_record(&deep), Err(JsonError::Syntax { .. })));
        // A record without System keys still parses; normalisation decides.
        let bare = parse_record(r##"{"System":{"EventID":1}}"##).unwrap();
        assert_eq!(bare.system.event_id.as_deref(), Some("1"));
    }

    fn objects(input: &[u8], buffer: usize, cap: usize) -> Vec<(u64, u64, String)> {
        let reader = std::io::BufReader::with_capacity(buffer, input);
        let mut scanner = ObjectScanner::new(reader, cap);
        let mut out = Vec::new();
        while let Some(p) = scanner.next_piece().unwrap() {
            let kind = match p.kind {
                ObjectKind::Complete(b) => format!("ok:{}", String::from_utf8_lossy(b)),
                ObjectKind::Oversized(n) => format!("oversized:{n}"),
                ObjectKind::Truncated(b) => format!("cut:{}", String::from_utf8_lossy(b)),
            };
            out.push((p.line, p.offset, kind));
        }
        out
    }

    #[test]
    fn object_scanner_handles_record_lines_arrays_strings_and_damage() {
        let input = b"Record 1\n{\n  \"a\": \"}{\\\"\",\n  \"b\": {\"c\": [1, {}]}\n}\nRecord 2\n{\n  \"a\": \"cut\nRecord 3\n{\"x\":\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"}\n[{\"k\":1},\n{\"k\":2}]\n{\"open\": 1,\n{\"next\":2}\n{\"tail\":";
        for buffer in [1, 3, 8192] {
            let got = objects(input, buffer, 40);
            assert_eq!(
                got,
                vec![
                    (
                        2,
                        9,
                        "ok:{\n  \"a\": \"}{\\\"\",\n  \"b\": {\"c\": [1, {}]}\n}".to_string()
                    ),
                    (7, 59, "cut:{\n  \"a\": \"cut\n".to_string()),
                    (10, 82, "oversized:55".to_string()),
                    (11, 139, "ok:{\"k\":1}".to_string()),
                    (12, 148, "ok:{\"k\":2}".to_string()),
                    (13, 157, "cut:{\"open\": 1,\n".to_string()),
                    (14, 169, "ok:{\"next\":2}".to_string()),
                    (15, 180, "cut:{\"tail\":".to_string()),
                ],
                "buffer {buffer}"
            );
        }
    }

    fn source(format: Format) -> Source {
        Source {
            display: std::sync::Arc::from("dump.json"),
            location: crate::input::Location::File("dump.json".into()),
            format,
            host_hint: None,
            size: 0,
        }
    }

    fn read_bytes(bytes: Vec<u8>, format: Format) -> ReadOutcome {
        read(
            &source(format),
            SourceData::Bytes(bytes),
            &ReadOptions::new(crate::catalog::Catalog::global()),
        )
    }

    #[test]
    fn jsonl_with_a_huge_line_bad_lines_and_utf16() {
        let ok = CLASSIC;
        let mut input = format!("{ok}\n\n{{\"Event\": broken\n").into_bytes();
        input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        input.extend_from_slice(format!("\n{ok}\r\n[{ok},{ok}]\n{{\"no\":1}}").as_bytes());
        let out = read_bytes(input.clone(), Format::JsonLines);
        assert_eq!(out.report.records, 7, "{:#?}", out.report.errors);
        assert_eq!(out.report.kept, 4);
        assert_eq!(out.report.failed, 3);
        let lines: Vec<Option<u64>> = out.report.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(7)]);
        assert!(out.report.errors[1].message.contains("longer than"));
        assert_eq!(out.events[0].source.locator, crate::event::Locator::Line(1));
        assert_eq!(out.events[1].source.locator, crate::event::Locator::Line(5));
        assert_eq!(out.report.host.as_deref(), Some("HOST-C"));

        let text = format!("{ok}\n{ok}\n");
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let out = read_bytes(utf16, Format::JsonLines);
        assert_eq!((out.report.records, out.report.kept), (2, 2));
        assert_eq!(out.events[1].source.locator, crate::event::Locator::Line(2));
    }

    #[test]
    fn record_form_and_arrays() {
        let pretty = CLASSIC.replace(",\"", ",\n  \"");
        let input =
            format!("Record 201\n{pretty}\nRecord 202\n{CLASSIC}\n[{CLASSIC},\n{CLASSIC}]\n");
        let out = read_bytes(input.into_bytes(), Format::EvtxDumpJson);
        assert_eq!(
            (out.report.records, out.report.kept, out.report.failed),
            (4, 4, 0),
            "{:#?}",
            out.report.errors
        );
        assert!(out.events.windows(2).all(|w| w[0].same_record(&w[1])));
        let lines: Vec<_> = out.events.iter().map(|e| e.source.locator).collect();
        assert_eq!(
            lines,
            [2u64, 17, 18, 19].map(crate::event::Locator::Line).to_vec()
        );
    }
}
