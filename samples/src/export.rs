//! Event Viewer exports ("Save All Events As… XML"): an `<Events>` wrapper around each
//! record's XML, with the `RenderingInfo` Event Viewer adds (message from the definition's
//! template, level, task, opcode, channel, provider and keyword names). The first host's files
//! are written in UTF-16LE with a BOM, the others in UTF-8 with a BOM — both are forms Windows
//! writes. Attribute values are single-quoted and GUIDs upper case, as in Windows' own XML.

use std::fmt::Write as _;

use crate::defs::Definitions;
use crate::generate::{Bundle, iso7};
use crate::layout::EVENT_NAMESPACE;
use crate::record::{Element, EventRecord, Payload};
use crate::scenario::Scenario;

/// XML text with `&`, `<`, `>`, `'` and `"` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn level_name(level: Option<u8>, channel: &str) -> &'static str {
    match level {
        Some(1) => "Critical",
        Some(2) => "Error",
        Some(3) => "Warning",
        Some(5) => "Verbose",
        Some(0) if channel != "Security" => "Information",
        _ => "Information",
    }
}

/// Keyword names for the bits Windows names in every channel.
const KEYWORDS: &[(u64, &str)] = &[
    (0x0010_0000_0000_0000, "Audit Failure"),
    (0x0020_0000_0000_0000, "Audit Success"),
    (0x0080_0000_0000_0000, "Classic"),
];

fn element_xml(element: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&element.name);
    for attribute in &element.attributes {
        if let Some(text) = attribute.value.to_xml_text() {
            let _ = write!(out, " {}='{}'", attribute.name, escape(&text));
        }
    }
    let text = element.text.as_ref().and_then(|v| v.to_xml_text());
    if text.is_none() && element.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if let Some(text) = text {
        out.push_str(&escape(&text));
    }
    for child in &element.children {
        element_xml(child, out);
    }
    let _ = write!(out, "</{}>", element.name);
}

/// The values `%1…` of the message refer to, in order.
fn insertions(record: &EventRecord) -> Vec<String> {
    match &record.payload {
        Payload::EventData { data, .. } => data
            .iter()
            .map(|f| f.value.to_xml_text().unwrap_or_default())
            .collect(),
        Payload::Classic { data, .. } => data.clone(),
        Payload::UserData { root, .. } => root
            .children
            .iter()
            .map(|c| {
                c.text
                    .as_ref()
                    .and_then(|v| v.to_xml_text())
                    .unwrap_or_default()
            })
            .collect(),
        Payload::None => Vec::new(),
    }
}

/// The message with `%n` replaced by the n-th insertion (highest numbers first, so `%1`
/// does not eat `%10`).
fn message(template: &str, values: &[String]) -> String {
    let mut text = template.to_owned();
    for (i, value) in values.iter().enumerate().rev() {
        text = text.replace(&format!("%{}", i + 1), value);
    }
    text
}

/// One record as Event Viewer writes it.
pub fn record_xml(record: &EventRecord, defs: &Definitions) -> String {
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "<Event xmlns='{EVENT_NAMESPACE}'><System><Provider Name='{}'",
        escape(&record.provider_name)
    );
    if let Some(guid) = record.provider_guid {
        let _ = write!(out, " Guid='{}'", guid.to_string().to_ascii_uppercase());
    }
    if let Some(source) = &record.event_source_name {
        let _ = write!(out, " EventSourceName='{}'", escape(source));
    }
    out.push_str("/>");
    match record.qualifiers {
        Some(q) => {
            let _ = write!(
                out,
                "<EventID Qualifiers='{q}'>{}</EventID>",
                record.event_id
            );
        }
        None => {
            let _ = write!(out, "<EventID>{}</EventID>", record.event_id);
        }
    }
    if let Some(version) = record.version {
        let _ = write!(out, "<Version>{version}</Version>");
    }
    if let Some(level) = record.level {
        let _ = write!(out, "<Level>{level}</Level>");
    }
    if let Some(task) = record.task {
        let _ = write!(out, "<Task>{task}</Task>");
    }
    if let Some(opcode) = record.opcode {
        let _ = write!(out, "<Opcode>{opcode}</Opcode>");
    }
    if let Some(keywords) = record.keywords {
        let _ = write!(out, "<Keywords>{keywords:#018x}</Keywords>");
    }
    let _ = write!(
        out,
        "<TimeCreated SystemTime='{}'/><EventRecordID>{}</EventRecordID>",
        iso7(&record.time_created),
        record.record_id
    );
    if record.version.is_some() {
        match record.activity_id {
            Some(activity) => {
                let _ = write!(
                    out,
                    "<Correlation ActivityID='{}'/>",
                    activity.to_string().to_ascii_uppercase()
                );
            }
            None => out.push_str("<Correlation/>"),
        }
        if let (Some(p), Some(t)) = (record.process_id, record.thread_id) {
            let _ = write!(out, "<Execution ProcessID='{p}' ThreadID='{t}'/>");
        }
    }
    let _ = write!(
        out,
        "<Channel>{}</Channel><Computer>{}</Computer>",
        escape(&record.channel),
        escape(&record.computer)
    );
    match &record.user_id {
        Some(sid) => {
            let _ = write!(out, "<Security UserID='{sid}'/>");
        }
        None => out.push_str("<Security/>"),
    }
    out.push_str("</System>");
    match &record.payload {
        Payload::None => out.push_str("<EventData/>"),
        Payload::EventData { data, binary } if data.is_empty() && binary.is_none() => {
            out.push_str("<EventData/>");
        }
        Payload::EventData { data, binary } => {
            out.push_str("<EventData>");
            for field in data {
                match field.value.to_xml_text() {
                    Some(text) => {
                        let _ = write!(
                            out,
                            "<Data Name='{}'>{}</Data>",
                            escape(&field.name),
                            escape(&text)
                        );
                    }
                    None => {
                        let _ = write!(out, "<Data Name='{}'/>", escape(&field.name));
                    }
                }
            }
            if let Some(binary) = binary {
                let _ = write!(out, "<Binary>{}</Binary>", crate::value::hex_upper(binary));
            }
            out.push_str("</EventData>");
        }
        Payload::Classic { data, binary } => {
            out.push_str("<EventData>");
            for text in data {
                let _ = write!(out, "<Data>{}</Data>", escape(text));
            }
            if let Some(binary) = binary {
                let _ = write!(out, "<Binary>{}</Binary>", crate::value::hex_upper(binary));
            }
            out.push_str("</EventData>");
        }
        Payload::UserData { root, .. } => {
            out.push_str("<UserData>");
            element_xml(root, &mut out);
            out.push_str("</UserData>");
        }
    }
    let def = defs.events().find(|d| {
        d.id == record.event_id
            && defs
                .provider_of(d)
                .is_ok_and(|p| p.name == record.provider_name && p.channel == record.channel)
    });
    let text = def
        .and_then(|d| d.message.as_deref())
        .map(|template| message(template, &insertions(record)))
        .unwrap_or_default();
    let task = def.and_then(|d| d.task_name.as_deref()).unwrap_or("");
    let _ = write!(
        out,
        "<RenderingInfo Culture='en-US'><Message>{}</Message><Level>{}</Level><Task>{}</Task><Opcode>Info</Opcode><Channel>{}</Channel><Provider>{}</Provider><Keywords>",
        escape(&text),
        level_name(record.level, &record.channel),
        escape(task),
        escape(&record.channel),
        escape(&record.provider_name)
    );
    for (bit, name) in KEYWORDS {
        if record.keywords.is_some_and(|k| k & bit != 0) {
            let _ = write!(out, "<Keyword>{name}</Keyword>");
        }
    }
    out.push_str("</Keywords></RenderingInfo></Event>");
    out
}

/// The export of every EVTX file of a bundle (`<folder>/<Channel>.xml`), and its text logs as
/// they are; paths relative to the derived bundle.
pub fn xml_export(
    bundle: &Bundle,
    scenario: &Scenario,
    defs: &Definitions,
) -> Vec<(String, Vec<u8>)> {
    let first_folder = scenario
        .host
        .iter()
        .find(|h| h.collected)
        .map(|h| h.folder_name().to_owned());
    let mut out = Vec::new();
    for file in &bundle.files {
        if file.records.is_empty() && file.channel == "pfirewall.log" {
            out.push((file.path.clone(), file.bytes.clone()));
            continue;
        }
        let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Events>\r\n");
        for record in &file.records {
            text.push_str(&record_xml(record, defs));
            text.push_str("\r\n");
        }
        text.push_str("</Events>\r\n");
        let path = format!("{}.xml", file.path.trim_end_matches(".evtx"));
        let bytes = if Some(&file.folder) == first_folder.as_ref() {
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        } else {
            let text = text.replacen("encoding=\"UTF-16\"", "encoding=\"UTF-8\"", 1);
            let mut bytes = vec![0xEF, 0xBB, 0xBF];
            bytes.extend_from_slice(text.as_bytes());
            bytes
        };
        out.push((path, bytes));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fill_insertions_from_the_highest() {
        let values: Vec<String> = (1..=11).map(|i| format!("v{i}")).collect();
        assert_eq!(message("%1 %10 %11", &values), "v1 v10 v11");
        assert_eq!(
            escape("<a href='x'>&</a>"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;"
        );
    }
}
