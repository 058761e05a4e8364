//! BinXML as Windows writes it into an EVTX chunk (MS-EVEN6 §2.2.3, libevtx's format notes):
//! template definitions with their substitution slots, template instances with their value
//! arrays, inline element fragments, and the chunk's name and template tables they go
//! through.
//!
//! Names and template definitions are written where a chunk first uses them (the offset that
//! refers to them points just past itself) and referred back to by offset afterwards. Each
//! is also linked into the chunk header's hash tables: names by the low 16 bits of a
//! multiply-by-65599 hash of their UTF-16 units (64 buckets), templates by the same hash of
//! their GUID's eight 16-bit words (32 buckets); a new entry becomes its bucket's head and
//! links to the previous one. All of this was checked against real Windows chunks.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::value::{Value, ValueError, code, put_utf16};

/// BinXML tokens (MS-EVEN6 §2.2.3.1).
mod token {
    pub const END_OF_STREAM: u8 = 0x00;
    pub const OPEN_START_ELEMENT: u8 = 0x01;
    pub const OPEN_START_ELEMENT_WITH_ATTRIBUTES: u8 = 0x41;
    pub const CLOSE_START_ELEMENT: u8 = 0x02;
    pub const CLOSE_EMPTY_ELEMENT: u8 = 0x03;
    pub const END_ELEMENT: u8 = 0x04;
    pub const VALUE: u8 = 0x05;
    pub const ATTRIBUTE: u8 = 0x06;
    pub const ATTRIBUTE_MORE_FOLLOW: u8 = 0x46;
    pub const TEMPLATE_INSTANCE: u8 = 0x0c;
    pub const NORMAL_SUBSTITUTION: u8 = 0x0d;
    pub const OPTIONAL_SUBSTITUTION: u8 = 0x0e;
    pub const FRAGMENT_HEADER: u8 = 0x0f;
}

/// Fragment header: token, major version 1, minor version 1, flags 0.
const FRAGMENT_HEADER: [u8; 4] = [token::FRAGMENT_HEADER, 1, 1, 0];

/// The DependencyId of an element that depends on no substitution.
const NO_DEPENDENCY: u16 = 0xffff;

/// Buckets of a chunk's name table.
pub(crate) const NAME_BUCKETS: usize = 64;

/// Buckets of a chunk's template table.
pub(crate) const TEMPLATE_BUCKETS: usize = 32;

/// The most bytes one substitution value can have (its size is a 16-bit field).
const MAX_VALUE_SIZE: usize = u16::MAX as usize;

/// The most UTF-16 units a name or literal text can have (a 16-bit count).
const MAX_TEXT_UNITS: usize = u16::MAX as usize;

/// Stop encoding once a record is this large: it can no longer fit a chunk.
const ENCODING_LIMIT: usize = 1 << 16;

/// A template substitution slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Index into the instance's value array.
    pub index: u16,
    /// The value type the template declares.
    pub value_type: u8,
    /// An optional substitution: an empty value drops the attribute it fills.
    pub optional: bool,
}

/// Text or a substitution slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// Literal text of the template (or of an inline fragment).
    Text(String),
    /// A substitution.
    Slot(Slot),
}

/// An attribute of a template element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateAttribute {
    pub name: Cow<'static, str>,
    pub value: Content,
}

/// A node inside a template element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(TemplateElement),
    Content(Content),
}

/// An element of a template definition (or of an inline fragment, which has no slots and
/// no dependencies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateElement {
    pub name: Cow<'static, str>,
    /// The substitution whose emptiness drops the element.
    pub dependency: Option<u16>,
    pub attributes: Vec<TemplateAttribute>,
    pub children: Vec<Node>,
}

impl TemplateElement {
    /// An element with no attributes or children.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        TemplateElement {
            name: name.into(),
            dependency: None,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// With a dependency on substitution `index`.
    pub fn depends_on(mut self, index: u16) -> Self {
        self.dependency = Some(index);
        self
    }

    /// With one more attribute.
    pub fn attribute(mut self, name: impl Into<Cow<'static, str>>, value: Content) -> Self {
        self.attributes.push(TemplateAttribute {
            name: name.into(),
            value,
        });
        self
    }

    /// With one more child node.
    pub fn node(mut self, node: Node) -> Self {
        self.children.push(node);
        self
    }

    /// With one more child element.
    pub fn child(self, child: TemplateElement) -> Self {
        self.node(Node::Element(child))
    }

    /// With text or a slot as content.
    pub fn content(self, content: Content) -> Self {
        self.node(Node::Content(content))
    }

    /// Append a canonical description (names as text) that identifies the template.
    fn describe(&self, out: &mut Vec<u8>) {
        fn text(out: &mut Vec<u8>, s: &str) {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        fn content(out: &mut Vec<u8>, c: &Content) {
            match c {
                Content::Text(s) => {
                    out.push(b'T');
                    text(out, s);
                }
                Content::Slot(slot) => {
                    out.push(if slot.optional { b'?' } else { b'S' });
                    out.extend_from_slice(&slot.index.to_le_bytes());
                    out.push(slot.value_type);
                }
            }
        }
        out.push(b'<');
        text(out, &self.name);
        out.extend_from_slice(&self.dependency.unwrap_or(NO_DEPENDENCY).to_le_bytes());
        for attribute in &self.attributes {
            out.push(b'@');
            text(out, &attribute.name);
            content(out, &attribute.value);
        }
        for child in &self.children {
            match child {
                Node::Element(element) => element.describe(out),
                Node::Content(c) => content(out, c),
            }
        }
        out.push(b'>');
    }
}

/// One value of an instance's substitution array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SlotValue {
    /// A typed value; `nul_terminated` strings carry their NUL, as payload strings do.
    Plain { value: Value, nul_terminated: bool },
    /// A nested BinXML fragment holding a template instance (how payloads are stored).
    Nested(Box<Instance>),
    /// A nested BinXML fragment of inline elements (how CAPI2 stores its `UserData`).
    Inline(Box<TemplateElement>),
}

impl SlotValue {
    /// The value type code of the array descriptor.
    fn type_code(&self) -> u8 {
        match self {
            SlotValue::Plain { value, .. } => value.type_code(),
            SlotValue::Nested(_) | SlotValue::Inline(_) => code::BINXML,
        }
    }
}

/// A value with the field it fills, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldValue {
    pub field: Cow<'static, str>,
    pub value: SlotValue,
}

/// A template instance: the template and its substitution values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instance {
    pub root: TemplateElement,
    pub values: Vec<FieldValue>,
}

/// Why BinXML could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A value that cannot be encoded.
    #[error("{field}: {source}")]
    Value {
        /// The field it fills.
        field: String,
        /// The problem.
        source: ValueError,
    },
    /// A value larger than a substitution can hold.
    #[error("{field}: {size} bytes, more than the {MAX_VALUE_SIZE} a value can hold")]
    ValueTooLarge {
        /// The field it fills.
        field: String,
        /// Its size.
        size: usize,
    },
    /// A name or literal text longer than 65535 UTF-16 units.
    #[error("{what} of {units} UTF-16 units is longer than {MAX_TEXT_UNITS}")]
    TextTooLong {
        /// Which text.
        what: String,
        /// Its length.
        units: usize,
    },
    /// An element or attribute name that is no XML name.
    #[error("{name:?} is not an XML name (a letter or _ first, then letters, digits, _ - . :)")]
    InvalidName {
        /// The name (at most 40 characters of it).
        name: String,
    },
    /// A record that cannot fit a chunk.
    #[error("the record needs more than the {limit} bytes a chunk holds")]
    RecordTooLarge {
        /// What a chunk holds.
        limit: usize,
    },
}

/// The 16-bit hash Windows files names and templates under: `h = h * 65599 + unit` over
/// 16-bit units, truncated.
pub(crate) fn hash_units(units: impl IntoIterator<Item = u16>) -> u16 {
    let hash = units.into_iter().fold(0u32, |hash, unit| {
        hash.wrapping_mul(65599).wrapping_add(u32::from(unit))
    });
    hash as u16
}

/// The template table bucket of a template GUID.
fn template_bucket(guid: &[u8; 16]) -> usize {
    let words = guid
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    usize::from(hash_units(words)) % TEMPLATE_BUCKETS
}

/// 128-bit FNV-1a: a stable hash for template GUIDs (Windows derives them from the template
/// too; any stable, well-spread function serves).
fn fnv1a_128(bytes: &[u8]) -> [u8; 16] {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let hash = bytes.iter().fold(OFFSET, |hash, byte| {
        (hash ^ u128::from(*byte)).wrapping_mul(PRIME)
    });
    hash.to_le_bytes()
}

/// A template defined in the chunk.
#[derive(Debug, Clone, Copy)]
struct DefinedTemplate {
    id: u32,
    offset: u32,
}

/// What a chunk has defined so far: names and templates (by their canonical description),
/// and the heads of its hash tables. What a record adds is journaled, so that a
/// record that turns out not to fit can be taken back.
#[derive(Debug)]
pub(crate) struct ChunkTables {
    names: HashMap<String, u32>,
    pub name_heads: [u32; NAME_BUCKETS],
    templates: HashMap<Vec<u8>, DefinedTemplate>,
    pub template_heads: [u32; TEMPLATE_BUCKETS],
    journal: Journal,
}

/// What the record being encoded added to the tables, and the table heads before it.
#[derive(Debug)]
struct Journal {
    names: Vec<String>,
    templates: Vec<Vec<u8>>,
    name_heads: [u32; NAME_BUCKETS],
    template_heads: [u32; TEMPLATE_BUCKETS],
}

impl ChunkTables {
    /// The tables of an empty chunk.
    pub fn new() -> Self {
        ChunkTables {
            names: HashMap::new(),
            name_heads: [0; NAME_BUCKETS],
            templates: HashMap::new(),
            template_heads: [0; TEMPLATE_BUCKETS],
            journal: Journal {
                names: Vec::new(),
                templates: Vec::new(),
                name_heads: [0; NAME_BUCKETS],
                template_heads: [0; TEMPLATE_BUCKETS],
            },
        }
    }

    /// Start journaling a record.
    pub fn begin(&mut self) {
        self.journal.names.clear();
        self.journal.templates.clear();
        self.journal.name_heads = self.name_heads;
        self.journal.template_heads = self.template_heads;
    }

    /// Take back everything added since [`ChunkTables::begin`].
    pub fn roll_back(&mut self) {
        for name in self.journal.names.drain(..) {
            self.names.remove(&name);
        }
        for key in self.journal.templates.drain(..) {
            self.templates.remove(&key);
        }
        self.name_heads = self.journal.name_heads;
        self.template_heads = self.journal.template_heads;
    }
}

/// Writes BinXML at a known offset of a chunk.
pub(crate) struct Encoder<'t> {
    out: Vec<u8>,
    /// The chunk offset of `out[0]`.
    base: usize,
    tables: &'t mut ChunkTables,
}

impl<'t> Encoder<'t> {
    /// An encoder whose first byte lands at chunk offset `base`.
    pub fn new(base: usize, tables: &'t mut ChunkTables) -> Self {
        Encoder {
            out: Vec::new(),
            base,
            tables,
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// The chunk offset of the next byte.
    fn offset(&self) -> u32 {
        // Past a chunk the record is rejected anyway (see `check_size`).
        u32::try_from(self.base + self.out.len()).unwrap_or(u32::MAX)
    }

    fn check_size(&self) -> Result<(), EncodeError> {
        if self.base + self.out.len() > ENCODING_LIMIT {
            return Err(EncodeError::RecordTooLarge {
                limit: ENCODING_LIMIT,
            });
        }
        Ok(())
    }

    fn u8(&mut self, value: u8) {
        self.out.push(value);
    }

    fn u16(&mut self, value: u16) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    fn u32(&mut self, value: u32) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    /// Reserve a 32-bit size field; returns where it is.
    fn reserve_u32(&mut self) -> usize {
        let at = self.out.len();
        self.u32(0);
        at
    }

    /// Fill a reserved size field with the bytes written since `from`.
    fn patch_size(&mut self, at: usize, from: usize) {
        let size = u32::try_from(self.out.len() - from).unwrap_or(u32::MAX);
        self.out[at..at + 4].copy_from_slice(&size.to_le_bytes());
    }

    /// A whole record's BinXML: fragment header, the instance, end of stream.
    pub fn record(&mut self, instance: &Instance) -> Result<(), EncodeError> {
        self.out.extend_from_slice(&FRAGMENT_HEADER);
        self.template_instance(instance)?;
        self.u8(token::END_OF_STREAM);
        self.check_size()
    }

    /// A reference to `name`: its offset, and the name itself when the chunk has not
    /// defined it yet.
    fn name(&mut self, name: &str) -> Result<(), EncodeError> {
        if let Some(&offset) = self.tables.names.get(name) {
            self.u32(offset);
            return Ok(());
        }
        if !is_xml_name(name) {
            return Err(EncodeError::InvalidName {
                name: truncated(name),
            });
        }
        let units: Vec<u16> = name.encode_utf16().collect();
        let count = u16::try_from(units.len()).map_err(|_| EncodeError::TextTooLong {
            what: format!("name {:?}", truncated(name)),
            units: units.len(),
        })?;
        let offset = self.offset() + 4;
        let hash = hash_units(units.iter().copied());
        let bucket = usize::from(hash) % NAME_BUCKETS;
        self.u32(offset);
        self.u32(self.tables.name_heads[bucket]);
        self.u16(hash);
        self.u16(count);
        for unit in units {
            self.u16(unit);
        }
        self.u16(0);
        self.tables.name_heads[bucket] = offset;
        self.tables.names.insert(name.to_owned(), offset);
        self.tables.journal.names.push(name.to_owned());
        Ok(())
    }

    /// A literal text value token.
    fn text(&mut self, text: &str) -> Result<(), EncodeError> {
        let units = text.encode_utf16().count();
        let count = u16::try_from(units).map_err(|_| EncodeError::TextTooLong {
            what: format!("text {:?}", truncated(text)),
            units,
        })?;
        self.u8(token::VALUE);
        self.u8(code::STRING);
        self.u16(count);
        put_utf16(&mut self.out, text);
        self.check_size()
    }

    fn content(&mut self, content: &Content) -> Result<(), EncodeError> {
        match content {
            Content::Text(text) => self.text(text),
            Content::Slot(slot) => {
                self.u8(if slot.optional {
                    token::OPTIONAL_SUBSTITUTION
                } else {
                    token::NORMAL_SUBSTITUTION
                });
                self.u16(slot.index);
                self.u8(slot.value_type);
                Ok(())
            }
        }
    }

    /// An element; `in_template` writes the DependencyId that elements of template
    /// definitions carry (inline fragments have none).
    fn element(&mut self, element: &TemplateElement, in_template: bool) -> Result<(), EncodeError> {
        let with_attributes = !element.attributes.is_empty();
        self.u8(if with_attributes {
            token::OPEN_START_ELEMENT_WITH_ATTRIBUTES
        } else {
            token::OPEN_START_ELEMENT
        });
        if in_template {
            self.u16(element.dependency.unwrap_or(NO_DEPENDENCY));
        }
        let size_at = self.reserve_u32();
        let start = self.out.len();
        self.name(&element.name)?;
        if with_attributes {
            let list_at = self.reserve_u32();
            let list_start = self.out.len();
            let last = element.attributes.len() - 1;
            for (i, attribute) in element.attributes.iter().enumerate() {
                self.u8(if i < last {
                    token::ATTRIBUTE_MORE_FOLLOW
                } else {
                    token::ATTRIBUTE
                });
                self.name(&attribute.name)?;
                self.content(&attribute.value)?;
            }
            self.patch_size(list_at, list_start);
        }
        if element.children.is_empty() {
            self.u8(token::CLOSE_EMPTY_ELEMENT);
        } else {
            self.u8(token::CLOSE_START_ELEMENT);
            for child in &element.children {
                match child {
                    Node::Element(child) => self.element(child, in_template)?,
                    Node::Content(content) => self.content(content)?,
                }
            }
            self.u8(token::END_ELEMENT);
        }
        self.patch_size(size_at, start);
        self.check_size()
    }

    /// A template instance: the definition where the chunk has none yet, then the values.
    fn template_instance(&mut self, instance: &Instance) -> Result<(), EncodeError> {
        let mut key = Vec::new();
        instance.root.describe(&mut key);
        self.u8(token::TEMPLATE_INSTANCE);
        self.u8(1);
        if let Some(defined) = self.tables.templates.get(&key).copied() {
            self.u32(defined.id);
            self.u32(defined.offset);
        } else {
            let guid = fnv1a_128(&key);
            let id = u32::from_le_bytes([guid[0], guid[1], guid[2], guid[3]]);
            let offset = self.offset() + 8;
            let bucket = template_bucket(&guid);
            self.u32(id);
            self.u32(offset);
            self.u32(self.tables.template_heads[bucket]);
            self.out.extend_from_slice(&guid);
            let size_at = self.reserve_u32();
            let start = self.out.len();
            self.out.extend_from_slice(&FRAGMENT_HEADER);
            self.element(&instance.root, true)?;
            self.u8(token::END_OF_STREAM);
            self.patch_size(size_at, start);
            self.tables.template_heads[bucket] = offset;
            self.tables
                .templates
                .insert(key.clone(), DefinedTemplate { id, offset });
            self.tables.journal.templates.push(key);
        }
        self.values(&instance.values)
    }

    /// The substitution array: count, descriptors (size, type), values.
    fn values(&mut self, values: &[FieldValue]) -> Result<(), EncodeError> {
        let count = u32::try_from(values.len()).unwrap_or(u32::MAX);
        self.u32(count);
        let values_at = self.base + self.out.len() + 4 * values.len();
        let mut encoder = Encoder::new(values_at, self.tables);
        let mut descriptors = Vec::with_capacity(values.len());
        for FieldValue { field, value } in values {
            let before = encoder.out.len();
            encoder.slot_value(field, value)?;
            let size = encoder.out.len() - before;
            let size = u16::try_from(size).map_err(|_| EncodeError::ValueTooLarge {
                field: field.to_string(),
                size,
            })?;
            descriptors.push((size, value.type_code()));
            encoder.check_size()?;
        }
        let bytes = encoder.into_bytes();
        for (size, type_code) in descriptors {
            self.u16(size);
            self.u8(type_code);
            self.u8(0);
        }
        self.out.extend_from_slice(&bytes);
        self.check_size()
    }

    fn slot_value(&mut self, field: &str, value: &SlotValue) -> Result<(), EncodeError> {
        match value {
            SlotValue::Plain {
                value,
                nul_terminated,
            } => value
                .encode(*nul_terminated, &mut self.out)
                .map_err(|source| EncodeError::Value {
                    field: field.to_owned(),
                    source,
                }),
            SlotValue::Nested(instance) => {
                self.out.extend_from_slice(&FRAGMENT_HEADER);
                self.template_instance(instance)?;
                self.u8(token::END_OF_STREAM);
                Ok(())
            }
            SlotValue::Inline(element) => {
                self.element(element, false)?;
                self.u8(token::END_OF_STREAM);
                Ok(())
            }
        }
    }
}

/// Whether `name` can name an XML element or attribute: a letter or `_` first, then
/// letters, digits, `_`, `-`, `.` or `:` (`xmlns:auto-ns2`).
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// At most 40 characters of `text`, for messages.
fn truncated(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(index: u16, value_type: u8) -> Content {
        Content::Slot(Slot {
            index,
            value_type,
            optional: false,
        })
    }

    fn plain(field: &str, value: Value) -> FieldValue {
        FieldValue {
            field: field.to_owned().into(),
            value: SlotValue::Plain {
                value,
                nul_terminated: true,
            },
        }
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn hashes_match_windows_chunks() {
        // Hashes stored in the string tables of real chunks.
        for (name, hash) in [
            ("Event", 0x0cba),
            ("System", 0x546f),
            ("Computer", 0x6e3b),
            ("EventData", 0x8244),
            ("Data", 0x6f8a),
        ] {
            assert_eq!(hash_units(name.encode_utf16()), hash, "{name}");
        }
        // A template GUID of a real System.evtx chunk and the bucket that chunk filed it in.
        let guid = [
            0x2b, 0x55, 0x54, 0x09, 0x5b, 0x8c, 0x43, 0x51, 0x4e, 0x53, 0x08, 0xec, 0x77, 0x89,
            0x99, 0x74,
        ];
        assert_eq!(template_bucket(&guid), 13);
    }

    #[test]
    fn names_are_defined_once_per_chunk() {
        let mut tables = ChunkTables::new();
        let element = TemplateElement::new("Data")
            .attribute("Name", Content::Text("A".into()))
            .child(TemplateElement::new("Data"));
        let mut encoder = Encoder::new(600, &mut tables);
        encoder.element(&element, true).unwrap();
        let bytes = encoder.into_bytes();
        // Token, dependency, size, then the name offset pointing just past itself.
        assert_eq!(bytes[0], token::OPEN_START_ELEMENT_WITH_ATTRIBUTES);
        assert_eq!(&bytes[1..3], &[0xff, 0xff]);
        assert_eq!(u32_at(&bytes, 3) as usize, bytes.len() - 7);
        assert_eq!(u32_at(&bytes, 7), 611);
        assert_eq!(tables.names.len(), 2);
        let data = tables.names["Data"];
        assert_eq!(data, 611);
        assert_eq!(
            tables.name_heads[usize::from(hash_units("Data".encode_utf16())) % NAME_BUCKETS],
            data
        );
        // The child refers back to the first definition: its name offset is 611 too.
        let child = bytes.len() - 1 - 12;
        assert_eq!(bytes[child], token::OPEN_START_ELEMENT);
        assert_eq!(u32_at(&bytes, child + 7), 611);
        assert_eq!(bytes[child + 11], token::CLOSE_EMPTY_ELEMENT);
    }

    #[test]
    fn templates_are_defined_once_and_referred_back_to() {
        let mut tables = ChunkTables::new();
        let root = TemplateElement::new("EventData").child(
            TemplateElement::new("Data")
                .attribute("Name", Content::Text("ConnType".into()))
                .content(slot(0, code::STRING)),
        );
        let instance = Instance {
            root,
            values: vec![plain("ConnType", Value::from("TCP"))],
        };
        let mut first = Encoder::new(512, &mut tables);
        first.record(&instance).unwrap();
        let first = first.into_bytes();
        let (id, offset) = (u32_at(&first, 6), u32_at(&first, 10));
        assert_eq!(
            offset,
            512 + 14,
            "the definition follows the instance header"
        );
        assert_eq!(
            tables
                .template_heads
                .iter()
                .filter(|&&head| head != 0)
                .count(),
            1
        );

        let mut second = Encoder::new(2048, &mut tables);
        second.record(&instance).unwrap();
        let second = second.into_bytes();
        assert_eq!((u32_at(&second, 6), u32_at(&second, 10)), (id, offset));
        // Header, instance header, one descriptor, "TCP" and its NUL, end of stream.
        assert_eq!(second.len(), 4 + 10 + 4 + 4 + 8 + 1);
        assert_eq!(&second[18..22], &[8, 0, code::STRING, 0]);
    }

    #[test]
    fn names_must_be_xml_names() {
        for good in [
            "Event",
            "xmlns:auto-ns2",
            "_x",
            "Données",
            "CERT_TRUST_IS_NOT_TIME_VALID",
            "a.b-c1",
        ] {
            assert!(is_xml_name(good), "{good}");
        }
        for bad in ["", "Threat Name", "1st", "-x", "a<b", "a\"b"] {
            assert!(!is_xml_name(bad), "{bad}");
        }
        let mut tables = ChunkTables::new();
        let err = Encoder::new(512, &mut tables)
            .element(&TemplateElement::new("Threat Name"), true)
            .unwrap_err();
        assert_eq!(
            err,
            EncodeError::InvalidName {
                name: "Threat Name".into()
            }
        );
    }

    #[test]
    fn oversized_values_are_reported_with_their_field() {
        let mut tables = ChunkTables::new();
        let instance = Instance {
            root: TemplateElement::new("EventData").content(slot(0, code::BINARY)),
            values: vec![plain("Blob", Value::Binary(vec![0; 70_000]))],
        };
        let err = Encoder::new(512, &mut tables)
            .record(&instance)
            .unwrap_err();
        assert!(
            matches!(err, EncodeError::ValueTooLarge { ref field, size: 70_000 } if field == "Blob"),
            "{err}"
        );

        let many = Instance {
            root: TemplateElement::new("EventData"),
            values: (0..20)
                .map(|i| plain(&format!("F{i}"), Value::Binary(vec![0; 4000])))
                .collect(),
        };
        let err = Encoder::new(512, &mut tables).record(&many).unwrap_err();
        assert!(matches!(err, EncodeError::RecordTooLarge { .. }), "{err}");
    }
}
