//! `report.html`: one self-contained page (no network, inline CSS and script, works from
//! `file://`) built from the template files of this folder, with the analysis embedded as one
//! JSON document the page's script renders with DOM calls only.
//!
//! Safety: the data sits in `<script type="application/json" id="data">` with `<`, `>`, `&`,
//! U+2028 and U+2029 written as `\u` escapes, so no value can close the element or open a
//! comment; the page's script reads it with `JSON.parse` and writes text with `textContent`.
//! A Content-Security-Policy allows only this page's own script and style (by SHA-256 hash)
//! and `data:` images, so even a mistake cannot load or run anything else.

mod data;
mod spans;

use std::io::{self, Write};

use base64::Engine as _;
use rdpsleuth_analyzers::report::Report;
use rdpsleuth_analyzers::{Analysed, Cause};
use sha2::{Digest, Sha256};

pub use data::{ReportData, build};

use crate::zone::DisplayZone;

/// The page skeleton with `{{NAME}}` placeholders.
const TEMPLATE: &str = include_str!("report.html.tmpl");
/// The stylesheet (the cause colours are appended from [`CAUSE_COLOURS`]).
const STYLE: &str = include_str!("report.css");
/// The page's script.
const SCRIPT: &str = include_str!("report.js");

/// The colour of each cause in charts and badges (always shown with the cause's name too).
pub static CAUSE_COLOURS: [(Cause, &str); 13] = [
    (Cause::CertExpired, "#c0392b"),
    (Cause::PrivateKeyAccess, "#8e44ad"),
    (Cause::TlsMismatch, "#d35400"),
    (Cause::CredsspNla, "#2471a3"),
    (Cause::SecuritySoftware, "#117a65"),
    (Cause::FirewallBlock, "#b7950b"),
    (Cause::GatewayCertMismatch, "#a04000"),
    (Cause::Network, "#1f618d"),
    (Cause::ServiceUnavailable, "#6c3483"),
    (Cause::DomainTrust, "#196f3d"),
    (Cause::SessionStuck, "#7b7d7d"),
    (Cause::LogonDenied, "#cb4335"),
    (Cause::Unknown, "#566573"),
];

/// The stylesheet with one rule per cause: `.cause-<id> { --cause: <colour> }`.
fn stylesheet() -> String {
    let mut css = String::from(STYLE);
    css.push('\n');
    for (cause, colour) in &CAUSE_COLOURS {
        css.push_str(&format!(".cause-{} {{ --cause: {colour}; }}\n", cause.id()));
    }
    css
}

/// JSON made safe inside a `<script>` element: the characters that could end the element,
/// open a comment or end a line in older script parsers become `\u` escapes. They can only
/// occur inside JSON strings, where the escapes mean the same characters.
#[cfg(test)]
fn script_safe_json(json: &str) -> String {
    let mut out = Vec::with_capacity(json.len() + json.len() / 64);
    // Writing into a Vec cannot fail.
    let _ = write_script_safe(json, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`script_safe_json`] of `json` without building it in memory: runs of safe text are
/// written as they are, the escapes in between.
fn write_script_safe(json: &str, w: &mut impl Write) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in json.char_indices() {
        let escape = match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        w.write_all(json.get(start..i).unwrap_or("").as_bytes())?;
        w.write_all(escape.as_bytes())?;
        start = i + c.len_utf8();
    }
    w.write_all(json.get(start..).unwrap_or("").as_bytes())
}

/// Text made safe in HTML content and attribute values.
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The CSP source for an inline element: `'sha256-<base64 of the SHA-256 of its text>'`.
pub fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy for its script and style.
fn policy(script: &str, style: &str) -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(script),
        csp_hash(style)
    )
}

/// A value put into the template.
#[derive(Clone, Copy)]
enum Slot<'a> {
    /// Written as it is (already escaped for where it goes).
    Raw(&'a str),
    /// JSON, escaped for a `<script>` element while it is written.
    Json(&'a str),
}

/// Fills `{{NAME}}` placeholders in one pass (values are never scanned again, so data that
/// looks like a placeholder stays text). Unknown names are an error of the template.
fn fill(template: &str, values: &[(&str, Slot<'_>)], w: &mut impl Write) -> io::Result<()> {
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let (before, after) = rest.split_at(open);
        w.write_all(before.as_bytes())?;
        let after = after.get(2..).unwrap_or("");
        let Some(close) = after.find("}}") else {
            return Err(io::Error::other("report template: unclosed placeholder"));
        };
        let (name, tail) = after.split_at(close);
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| io::Error::other(format!("report template: unknown {{{{{name}}}}}")))?;
        match value {
            Slot::Raw(text) => w.write_all(text.as_bytes())?,
            Slot::Json(json) => write_script_safe(json, w)?,
        }
        rest = tail.get(2..).unwrap_or("");
    }
    w.write_all(rest.as_bytes())
}

/// The page's title: counts only (no event data).
fn title(data: &ReportData) -> String {
    let failed = data.connections.iter().filter(|c| c.o == "failed").count();
    format!(
        "rdpsleuth report — {} connections, {failed} failed",
        data.connections.len()
    )
}

/// Writes `report.html` for an analysis.
pub fn write_report(
    w: &mut impl Write,
    analysed: &Analysed,
    report: &Report,
    zone: DisplayZone,
) -> io::Result<()> {
    let data = build(analysed, report, zone);
    write_page(w, &data)
}

/// Writes the page for a built document.
pub fn write_page(w: &mut impl Write, data: &ReportData) -> io::Result<()> {
    let json = serde_json::to_string(data).map_err(io::Error::other)?;
    let style = stylesheet();
    let csp = policy(SCRIPT, &style);
    let title = html_text(&title(data));
    let generator = html_text(&data.generator);
    fill(
        TEMPLATE,
        &[
            ("CSP", Slot::Raw(&csp)),
            ("TITLE", Slot::Raw(&title)),
            ("GENERATOR", Slot::Raw(&generator)),
            ("STYLE", Slot::Raw(&style)),
            ("DATA", Slot::Json(&json)),
            ("SCRIPT", Slot::Raw(SCRIPT)),
        ],
        w,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_leave_its_script_element() {
        let hostile = r#"{"a":"</script><script>alert(1)</script><!-- & \u2028"}"#;
        let safe = script_safe_json(&hostile.replace("\\u2028", "\u{2028}"));
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert!(!safe.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(
            back["a"],
            "</script><script>alert(1)</script><!-- & \u{2028}"
        );
    }

    #[test]
    fn html_text_escapes_markup() {
        assert_eq!(
            html_text(r#"<img src=x onerror="alert(1)">&'"#),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn hashes_are_csp_sha256() {
        // SHA-256 of "abc" (FIPS 180-2 test vector) in base64.
        assert_eq!(
            csp_hash("abc"),
            "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
        );
    }

    #[test]
    fn placeholders_are_filled_once() {
        let mut out = Vec::new();
        fill(
            "<p>{{A}}</p><i>{{B}}</i><s>{{J}}</s>",
            &[
                ("A", Slot::Raw("{{B}}")),
                ("B", Slot::Raw("b")),
                ("J", Slot::Json(r#"["</s>"]"#)),
            ],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<p>{{B}}</p><i>b</i><s>["\u003c/s\u003e"]</s>"#
        );
        assert!(fill("{{C}}", &[], &mut Vec::new()).is_err());
        assert!(fill("{{A", &[("A", Slot::Raw(""))], &mut Vec::new()).is_err());
    }

    #[test]
    fn the_script_uses_no_html_sink() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "setAttribute('on",
            "javascript:",
        ] {
            assert!(!SCRIPT.contains(sink), "report.js uses {sink}");
        }
        // The rendered DOM is checked for injected elements by these tags: the page's own files
        // must not contain them.
        for tag in ["<script", "<img", "<iframe"] {
            assert!(!SCRIPT.contains(tag) && !STYLE.contains(tag), "{tag}");
        }
    }

    #[test]
    fn every_cause_has_a_colour_and_the_template_every_placeholder() {
        for cause in Cause::all() {
            assert!(CAUSE_COLOURS.iter().any(|(c, _)| *c == cause), "{cause}");
            assert!(stylesheet().contains(&format!(".cause-{} ", cause.id())));
        }
        for name in ["CSP", "TITLE", "GENERATOR", "STYLE", "DATA", "SCRIPT"] {
            assert!(TEMPLATE.contains(&format!("{{{{{name}}}}}")), "{name}");
        }
    }

    #[test]
    fn the_page_carries_its_policy_and_hashes_match_the_inline_elements() {
        let analysed = Analysed {
            reports: Vec::new(),
            coverage: Default::default(),
            timelines: Default::default(),
            diagnoses: Default::default(),
        };
        let report = analysed.report();
        let mut out = Vec::new();
        write_report(&mut out, &analysed, &report, DisplayZone::Utc).unwrap();
        let page = String::from_utf8(out).unwrap();
        let inner = |open: &str, close: &str| {
            let start = page.find(open).unwrap() + open.len();
            let end = start + page[start..].find(close).unwrap();
            page[start..end].to_string()
        };
        let style = inner("<style>", "</style>");
        let script = inner("<script>", "</script>");
        assert!(page.contains(&csp_hash(&style)));
        assert!(page.contains(&csp_hash(&script)));
        assert!(page.contains("default-src 'none'"));
        assert!(page.contains(
            r#"<script type="application/json" id="data">{"schema":"rdpsleuth.report/1""#
        ));
        // Nothing is loaded from elsewhere.
        for external in [
            "<link",
            " src=",
            "@import",
            "url(",
            "fetch(",
            "XMLHttpRequest",
        ] {
            assert!(!page.contains(external), "{external}");
        }
    }
}
