//! Payload flattening shared by the text readers (XML export and evtx_dump JSON/JSONL).
//!
//! Owns the tree half of the naming rules documented on [`crate::event::Fields`]: element paths
//! joined by `.`, attributes as `@name`, repeated siblings suffixed `_1`, `_2`, … as the `evtx`
//! crate's JSON names them, `xmlns` attributes dropped, the text of an element that also has
//! attributes or children under the element's own path, and empty leaves as `Null`. Both
//! readers drive one [`Flattener`] with the same calls (open, attributes, text, children, close),
//! so one record gives the same fields from either export.
//!
//! It also owns the table of `System` values ([`SYSTEM_VALUES`]) both readers fill a
//! [`RawSystem`] from, and [`normalise_value`], the few text rewrites that make the renderings of one value
//! agree across exports: the `evtx` crate writes control characters as `_` in XML but escapes them
//! in JSON, and Event Viewer writes GUIDs in upper case and FILETIMEs with nine fractional digits
//! where the `evtx` crate writes lower case and seven.

use std::borrow::Cow;
use std::sync::Arc;

use crate::event::FieldValue;
use crate::record::{RawSystem, SiblingNames, SystemNumbers, field_name};

/// A `System` value of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SystemSlot {
    Provider,
    EventId,
    Qualifiers,
    Version,
    Level,
    Time,
    RecordId,
    ActivityId,
    ProcessId,
    ThreadId,
    Channel,
    Computer,
    UserSid,
}

impl SystemSlot {
    /// Where the value goes.
    pub(crate) fn of(self, system: &mut RawSystem) -> &mut Option<String> {
        match self {
            SystemSlot::Provider => &mut system.provider,
            SystemSlot::EventId => &mut system.event_id,
            SystemSlot::Qualifiers => &mut system.qualifiers,
            SystemSlot::Version => &mut system.version,
            SystemSlot::Level => &mut system.level,
            SystemSlot::Time => &mut system.time,
            SystemSlot::RecordId => &mut system.record_id,
            SystemSlot::ActivityId => &mut system.activity_id,
            SystemSlot::ProcessId => &mut system.process_id,
            SystemSlot::ThreadId => &mut system.thread_id,
            SystemSlot::Channel => &mut system.channel,
            SystemSlot::Computer => &mut system.computer,
            SystemSlot::UserSid => &mut system.user_sid,
        }
    }

    /// Where the value goes when a reader has it as an unsigned number; `None` for the values
    /// that are not numbers.
    pub(crate) fn number_of(self, numbers: &mut SystemNumbers) -> Option<&mut Option<u64>> {
        match self {
            SystemSlot::EventId => Some(&mut numbers.event_id),
            SystemSlot::Qualifiers => Some(&mut numbers.qualifiers),
            SystemSlot::Version => Some(&mut numbers.version),
            SystemSlot::Level => Some(&mut numbers.level),
            SystemSlot::RecordId => Some(&mut numbers.record_id),
            SystemSlot::ProcessId => Some(&mut numbers.process_id),
            SystemSlot::ThreadId => Some(&mut numbers.thread_id),
            SystemSlot::Provider
            | SystemSlot::Time
            | SystemSlot::ActivityId
            | SystemSlot::Channel
            | SystemSlot::Computer
            | SystemSlot::UserSid => None,
        }
    }
}

/// The `System` values rdpsleuth reads: (child element, attribute or `None` for the element's
/// text, slot). Everything else of `System` (Task, Opcode, Keywords, …) is not used.
pub(crate) static SYSTEM_VALUES: &[(&str, Option<&str>, SystemSlot)] = &[
    ("Provider", Some("Name"), SystemSlot::Provider),
    ("EventID", None, SystemSlot::EventId),
    ("EventID", Some("Qualifiers"), SystemSlot::Qualifiers),
    ("Version", None, SystemSlot::Version),
    ("Level", None, SystemSlot::Level),
    ("TimeCreated", Some("SystemTime"), SystemSlot::Time),
    ("EventRecordID", None, SystemSlot::RecordId),
    ("Correlation", Some("ActivityID"), SystemSlot::ActivityId),
    ("Execution", Some("ProcessID"), SystemSlot::ProcessId),
    ("Execution", Some("ThreadID"), SystemSlot::ThreadId),
    ("Channel", None, SystemSlot::Channel),
    ("Computer", None, SystemSlot::Computer),
    ("Security", Some("UserID"), SystemSlot::UserSid),
];

/// The slot of a `System` child's text (`attribute` `None`) or of one of its attributes.
pub(crate) fn system_slot(element: &str, attribute: Option<&str>) -> Option<SystemSlot> {
    SYSTEM_VALUES
        .iter()
        .find(|(e, a, _)| *e == element && *a == attribute)
        .map(|(_, _, slot)| *slot)
}

/// True when the `System` child has a value read from its text.
pub(crate) fn system_has_text(element: &str) -> bool {
    system_slot(element, None).is_some()
}

/// Field name for text placed directly in a `UserData` root element (its path is empty).
pub(crate) const ROOT_TEXT: &str = "#text";

/// Deepest element nesting a payload may have below its container; deeper input is refused.
pub(crate) const MAX_PAYLOAD_DEPTH: usize = 64;

/// True for the namespace declarations that are dropped from the fields.
pub(crate) fn is_xmlns(name: &str) -> bool {
    name == "xmlns" || name.starts_with("xmlns:")
}

/// Rewrites a value so every export renders it the same way:
/// * C0 control characters other than tab, LF and CR, and U+FFFE / U+FFFF, become `_` (what
///   the `evtx` crate writes in XML, where they are not allowed);
/// * a braced GUID is lower-cased (`{546E4482-…}` → `{546e4482-…}`);
/// * an ISO-8601 UTC time with nine fractional digits ending in `00` (Event Viewer's FILETIME
///   rendering) is cut to the seven digits the `evtx` crate writes.
pub(crate) fn normalise_value(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut value = Cow::Borrowed(text);
    if bytes
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)
    {
        let replaced: String = text
            .chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c,
                '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '_',
                _ => c,
            })
            .collect();
        if replaced != text {
            value = Cow::Owned(replaced);
        }
    }
    if is_braced_guid(&value) && value.bytes().any(|b| b.is_ascii_uppercase()) {
        return Cow::Owned(value.to_ascii_lowercase());
    }
    if let Some(cut) = nine_digit_time(&value) {
        return Cow::Owned(cut);
    }
    value
}

fn is_braced_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 38
        && b.first() == Some(&b'{')
        && b.last() == Some(&b'}')
        && b.iter().enumerate().skip(1).take(36).all(|(i, &c)| {
            if matches!(i, 9 | 14 | 19 | 24) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `2021-06-03T19:39:52.893086100Z` → `2021-06-03T19:39:52.8930861Z`.
fn nine_digit_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() != 30 || b.get(19) != Some(&b'.') || b.get(29) != Some(&b'Z') {
        return None;
    }
    let shape_ok = b.iter().enumerate().all(|(i, &c)| match i {
        4 | 7 => c == b'-',
        10 => c == b'T',
        13 | 16 => c == b':',
        19 => c == b'.',
        29 => c == b'Z',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok || &b[27..29] != b"00" {
        return None;
    }
    Some(format!("{}Z", &s[..27]))
}

/// Trims the XML whitespace around the text of an element that also has children (the
/// indentation an XML export adds around them).
fn trim_xml_whitespace(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// One element being flattened.
struct Frame {
    /// Length of the path before this element's component was added.
    path_len: usize,
    /// The payload root (a `UserData` root element or the container): never a `Null` leaf.
    root: bool,
    /// A kept (non-`xmlns`, non-empty) attribute was written.
    attrs: bool,
    /// A child element was opened.
    children: bool,
    /// The element's own text, concatenated.
    text: String,
    /// A JSON array given as the element's text.
    list: Option<Vec<String>>,
    /// Where the element's text field goes: before its children's fields.
    slot: Option<usize>,
    /// Suffixes for the children's names.
    names: SiblingNames,
}

impl Frame {
    fn new(path_len: usize, root: bool) -> Self {
        Frame {
            path_len,
            root,
            attrs: false,
            children: false,
            text: String::new(),
            list: None,
            slot: None,
            names: SiblingNames::default(),
        }
    }
}

/// Flattens a tree of elements into `(path, value)` fields, driven by open / attribute / text /
/// close calls in document order (attributes of an element before its text and children).
pub(crate) struct Flattener<'o> {
    out: &'o mut Vec<(Arc<str>, FieldValue)>,
    path: String,
    frames: Vec<Frame>,
    /// The first top-level element became the root (its name is not part of the paths).
    has_root: bool,
}

impl<'o> Flattener<'o> {
    /// A flattener writing into `out`.
    pub(crate) fn new(out: &'o mut Vec<(Arc<str>, FieldValue)>) -> Self {
        Flattener {
            out,
            path: String::new(),
            frames: vec![Frame::new(0, true)],
            has_root: false,
        }
    }

    fn note_child(&mut self) -> Option<&mut Frame> {
        let len = self.out.len();
        let parent = self.frames.last_mut()?;
        parent.children = true;
        if parent.slot.is_none() {
            parent.slot = Some(len);
        }
        Some(parent)
    }

    /// Opens the root element of a `UserData` payload: its name is not part of the paths.
    /// Only the first top-level element may be the root; later ones are opened with [`open`].
    ///
    /// [`open`]: Flattener::open
    pub(crate) fn open_root(&mut self, name: &str) {
        if self.has_root || self.frames.len() != 1 {
            self.open(name, false);
            return;
        }
        self.has_root = true;
        if let Some(parent) = self.note_child() {
            parent.names.next(name);
        }
        let len = self.path.len();
        self.frames.push(Frame::new(len, true));
    }

    /// Opens a child element. `suffixed` says the name already carries its `_N` suffix (JSON
    /// keys do); otherwise the suffix is given here from the parent's earlier children.
    pub(crate) fn open(&mut self, name: &str, suffixed: bool) {
        let path_len = self.path.len();
        let component = match self.note_child() {
            Some(parent) if !suffixed => parent.names.next(name),
            _ => name.to_string(),
        };
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(&component);
        self.frames.push(Frame::new(path_len, false));
    }

    /// An attribute of the element last opened. `xmlns` declarations and empty values are
    /// dropped (the `evtx` crate's JSON leaves empty attributes out).
    pub(crate) fn attribute(&mut self, name: &str, value: &str) {
        if is_xmlns(name) || value.is_empty() {
            return;
        }
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        frame.attrs = true;
        let mut field = String::with_capacity(self.path.len() + 1 + name.len());
        field.push_str(&self.path);
        field.push('@');
        field.push_str(name);
        self.out.push((
            field_name(&field),
            FieldValue::Text(normalise_value(value).into()),
        ));
    }

    /// Text of the element last opened (appended to what it already has).
    pub(crate) fn text(&mut self, text: &str) {
        if let Some(frame) = self.frames.last_mut() {
            frame.text.push_str(text);
        }
    }

    /// A list given as the element's text (a JSON array).
    pub(crate) fn text_list(&mut self, items: Vec<String>) {
        if let Some(frame) = self.frames.last_mut() {
            frame.list = Some(items);
        }
    }

    /// Closes the element last opened and writes its text field.
    pub(crate) fn close(&mut self) {
        if self.frames.len() <= 1 {
            return;
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let structured = frame.attrs || frame.children;
        let value = if let Some(list) = frame.list {
            Some(FieldValue::List(
                list.iter()
                    .map(|item| Box::from(normalise_value(item).as_ref()))
                    .collect(),
            ))
        } else {
            let text = if frame.children {
                trim_xml_whitespace(&frame.text)
            } else {
                frame.text.as_str()
            };
            if !text.is_empty() {
                Some(FieldValue::Text(normalise_value(text).into()))
            } else if structured || frame.root {
                None
            } else {
                Some(FieldValue::Null)
            }
        };
        if let Some(value) = value {
            let name = if self.path.is_empty() {
                field_name(ROOT_TEXT)
            } else {
                field_name(&self.path)
            };
            let at = frame.slot.unwrap_or(self.out.len()).min(self.out.len());
            self.out.insert(at, (name, value));
        }
        self.path.truncate(frame.path_len);
    }

    /// Closes every element still open (a truncated tree).
    pub(crate) fn finish(mut self) {
        while self.frames.len() > 1 {
            self.close();
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
    fn values_agree_across_renderings() {
        assert_eq!(normalise_value("plain"), "plain");
        assert!(matches!(normalise_value("plain"), Cow::Borrowed(_)));
        assert_eq!(normalise_value("a\u{1}b\tc\r\n"), "a_b\tc\r\n");
        assert_eq!(normalise_value("x\u{fffe}\u{ffff}ÿ"), "x__ÿ");
        assert_eq!(
            normalise_value("{546E4482-6A62-4653-844C-97B12F78685E}"),
            "{546e4482-6a62-4653-844c-97b12f78685e}"
        );
        assert_eq!(normalise_value("{not-a-guid}"), "{not-a-guid}");
        assert_eq!(
            normalise_value("2021-06-03T19:39:52.893086100Z"),
            "2021-06-03T19:39:52.8930861Z"
        );
        assert_eq!(
            normalise_value("2021-06-03T19:39:52.893086123Z"),
            "2021-06-03T19:39:52.893086123Z"
        );
        assert_eq!(
            normalise_value("2021-06-03T19:39:52.8930861Z"),
            "2021-06-03T19:39:52.8930861Z"
        );
    }

    #[test]
    fn tree_paths_attributes_and_suffixes() {
        let mut out = Vec::new();
        let mut f = Flattener::new(&mut out);
        f.open_root("CertGetCertificateChain");
        f.attribute(
            "xmlns",
            "http://schemas.microsoft.com/win/2004/08/events/event",
        );
        for name in ["a.cer", "b.cer"] {
            f.open("Certificate", false);
            f.attribute("fileRef", name);
            f.attribute("empty", "");
            f.close();
        }
        f.open("Result", false);
        f.attribute("value", "800B0101");
        f.text("The certificate has expired.");
        f.close();
        f.open("Empty", false);
        f.close();
        f.open("Chain", false);
        f.text("\n    ");
        f.open("Leaf", false);
        f.text("x");
        f.close();
        f.text("\n  ");
        f.close();
        f.close();
        f.finish();
        assert_eq!(
            out,
            vec![
                (Arc::from("Certificate@fileRef"), text("a.cer")),
                (Arc::from("Certificate_1@fileRef"), text("b.cer")),
                (Arc::from("Result@value"), text("800B0101")),
                (Arc::from("Result"), text("The certificate has expired.")),
                (Arc::from("Empty"), FieldValue::Null),
                (Arc::from("Chain.Leaf"), text("x")),
            ]
        );
    }

    #[test]
    fn text_goes_before_children_and_root_text_is_named() {
        let mut out = Vec::new();
        let mut f = Flattener::new(&mut out);
        f.open_root("Root");
        f.attribute("kind", "k");
        f.open("Mixed", false);
        f.open("Child", false);
        f.text("c");
        f.close();
        f.text("  own  ");
        f.close();
        f.text("root text");
        f.close();
        f.open_root("Second");
        f.text("s");
        f.close();
        f.finish();
        assert_eq!(
            out,
            vec![
                (Arc::from("@kind"), text("k")),
                (Arc::from(ROOT_TEXT), text("root text")),
                (Arc::from("Mixed"), text("own")),
                (Arc::from("Mixed.Child"), text("c")),
                (Arc::from("Second"), text("s")),
            ]
        );
    }

    #[test]
    fn prefixed_and_presuffixed_names() {
        let mut out = Vec::new();
        let mut f = Flattener::new(&mut out);
        f.open("Param", true);
        f.open("Item", true);
        f.text("1");
        f.close();
        f.open("Item_1", true);
        f.text_list(vec![
            "a".into(),
            "{ABCDEF01-2345-6789-ABCD-EF0123456789}".into(),
        ]);
        f.close();
        f.close();
        f.finish();
        assert_eq!(out[0], (Arc::from("Param.Item"), text("1")));
        assert_eq!(
            out[1],
            (
                Arc::from("Param.Item_1"),
                FieldValue::List(vec![
                    "a".into(),
                    "{abcdef01-2345-6789-abcd-ef0123456789}".into()
                ])
            )
        );
    }
}
