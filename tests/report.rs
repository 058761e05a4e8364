//! The HTML report rendered in headless Chromium: every sample bundle's report and generated
//! collections (small, hostile, 10,000 connections) load from `file://` without a console
//! message, show the overview, the failed connections with their diagnosis, lanes and
//! evidence, keep hostile values as text, and print.
//!
//! Artifacts: per report a screenshot and the page itself under
//! `target/report-screenshots/<name>.png` and `<name>.html` (and the print of the small
//! collection as `small.pdf`). `UPDATE_DOCS_SCREENSHOT=1` also refreshes
//! `docs/report.png`, the README's screenshot.

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use browser::{Chromium, Rendered, url};
use common::*;

/// Where the screenshots are kept.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let dir = target.join("report-screenshots");
    std::fs::create_dir_all(&dir).expect("artifact folder");
    dir
}

/// Runs `analyze` on `inputs` into `out` (quietly) and returns the report's path.
fn analyse(inputs: &[&Path], out: &Path, extra: &[&str]) -> PathBuf {
    let mut args: Vec<String> = vec![
        "analyze".into(),
        "-q".into(),
        "-o".into(),
        out.display().to_string(),
    ];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&refs);
    assert!(
        o.status.success(),
        "analyze failed: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    let page = out.join("report.html");
    assert!(page.is_file(), "no report.html in {}", out.display());
    page
}

/// The failed connections `diagnoses.json` lists.
fn failed_ids(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("diagnoses.json")).expect("diagnoses.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("diagnoses.json parses");
    v["connections"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| c["outcome"] == "failed")
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks what every rendered report must show.
fn check_rendered(name: &str, r: &Rendered, failed: &[String]) {
    assert!(
        r.console.is_empty(),
        "{name}: the page printed to the console (errors, CSP violations):\n{}",
        r.console.join("\n")
    );
    assert!(
        r.dom.contains("data-rendered=\"ok\""),
        "{name}: the script did not finish drawing the page"
    );
    for id in [
        "overview",
        "chart",
        "hosts",
        "onsets",
        "failed-list",
        "others-list",
        "inputs-body",
    ] {
        assert!(r.dom.contains(&format!("id=\"{id}\"")), "{name}: no #{id}");
    }
    assert!(r.dom.contains("<main"), "{name}: no main landmark");
    // Nothing from the data became markup: the page's own two scripts, no images, frames or
    // event-handler attributes.
    assert_eq!(
        r.dom.matches("<script").count(),
        2,
        "{name}: a <script> element was injected"
    );
    for tag in [
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "<svg onload",
        "<a href=\"javascript",
    ] {
        assert!(!r.dom.contains(tag), "{name}: {tag} in the DOM");
    }
    if let Some(first) = failed.first() {
        assert!(
            r.dom.contains(&format!("id=\"conn-{first}\"")),
            "{name}: failed connection {first} is not listed"
        );
        for (what, needle) in [
            ("an expanded connection", "aria-expanded=\"true\""),
            ("a diagnosis", "Diagnosis: "),
            ("the lanes", "class=\"lanes\""),
            ("a client lane", ">Client</text>"),
            ("a server lane", ">Server</text>"),
            ("the missing logs", ">Missing logs<"),
            ("the ranked causes", "class=\"alts\""),
            ("the chart", "aria-labelledby=\"chart-svg-title\""),
        ] {
            assert!(r.dom.contains(needle), "{name}: no {what} ({needle})");
        }
        assert!(
            r.dom.contains("class=\"evidence\"") || r.dom.contains("No event speaks for a cause"),
            "{name}: neither evidence nor its absence is shown"
        );
    } else {
        assert!(
            r.dom.contains("No failed connection"),
            "{name}: no empty-list notice"
        );
    }
}

/// Text as the DOM serialiser writes it in element content.
fn dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

/// Host names and targets that hold markup characters are in the rendered page as text.
fn check_markup_shown_as_text(name: &str, r: &Rendered, out: &Path) {
    let text = std::fs::read_to_string(out.join("diagnoses.json")).expect("diagnoses.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("diagnoses.json parses");
    let hosts = v["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["name"].as_str());
    for host in hosts.filter(|h| h.contains(['<', '>', '&'])) {
        assert!(
            r.dom.contains(&dom_text(host)),
            "{name}: the host name {host:?} is not shown as text"
        );
    }
}

/// Failed connections whose target as typed holds markup characters: (id, target).
fn markup_targets(out: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(out.join("diagnoses.json")).expect("diagnoses.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("diagnoses.json parses");
    v["connections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["outcome"] == "failed")
        .filter_map(|c| {
            Some((
                c["id"].as_str()?.to_string(),
                c["target"].as_str()?.to_string(),
            ))
        })
        .filter(|(_, t)| t.contains(['<', '>', '&']))
        .collect()
}

/// Renders a report, checks it, and keeps a screenshot.
fn render_and_check(chromium: &Chromium, name: &str, page: &Path, out: &Path) -> Rendered {
    let r = chromium.render(page);
    check_rendered(name, &r, &failed_ids(out));
    check_markup_shown_as_text(name, &r, out);
    chromium.screenshot(page, &artifacts().join(format!("{name}.png")), 1280, 2000);
    let _ = std::fs::copy(page, artifacts().join(format!("{name}.html")));
    r
}

#[test]
fn every_sample_bundle_report_renders() {
    let chromium = Chromium::find();
    let bundles = bundles();
    if bundles.is_empty() {
        eprintln!(
            "notice: no samples/bundles/*/expected.json yet; only generated collections are rendered"
        );
    }
    for bundle in &bundles {
        let name = bundle
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("bundle")
            .to_string();
        let tmp = tempfile::tempdir().expect("temp dir");
        let page = analyse(&[bundle], tmp.path(), &[]);
        let started = Instant::now();
        render_and_check(&chromium, &name, &page, tmp.path());
        eprintln!("{name}: rendered in {:?}", started.elapsed());
        // Hostile targets: open those connections and find the values as text.
        let hostile = markup_targets(tmp.path());
        if !hostile.is_empty() {
            let ids: Vec<&str> = hostile.iter().map(|(id, _)| id.as_str()).collect();
            let r = chromium.render_url(&format!(
                "{}#outcome=failed&open={}",
                url(&page),
                ids.join(",")
            ));
            check_rendered(&name, &r, &failed_ids(tmp.path()));
            for (id, target) in &hostile {
                assert!(
                    r.dom.contains(&dom_text(target)),
                    "{name}: the target of {id}, {target:?}, is not shown as text"
                );
            }
            eprintln!("{name}: hostile targets of {ids:?} shown as text");
        }
    }
    // The first bundle with a failure is the README's screenshot.
    if std::env::var_os("UPDATE_DOCS_SCREENSHOT").is_some() {
        let pick = bundles.iter().find(|b| {
            std::fs::read_to_string(b.join("expected.json")).is_ok_and(|t| t.contains("\"failed\""))
        });
        if let Some(bundle) = pick {
            let tmp = tempfile::tempdir().expect("temp dir");
            let page = analyse(&[bundle], tmp.path(), &["--tz", "Europe/Berlin"]);
            chromium.screenshot(&page, &root().join("docs").join("report.png"), 1280, 2000);
        }
    }
}

#[test]
fn a_small_collection_renders_with_lanes_evidence_and_zone() {
    let chromium = Chromium::find();
    let logs = tempfile::tempdir().expect("temp dir");
    small_collection().write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let page = analyse(&[logs.path()], out.path(), &["--tz", "Europe/Berlin"]);
    let failed = failed_ids(out.path());
    assert!(
        failed.len() >= 2,
        "expected failed connections, got {failed:?}"
    );
    let r = render_and_check(&chromium, "small", &page, out.path());
    // Times are shown in the zone asked for (CET in March), and the hash state opens a
    // connection by id.
    assert!(
        r.dom.contains(" CET<") || r.dom.contains(" CET "),
        "times not shown in Europe/Berlin"
    );
    assert!(r.dom.contains("Europe/Berlin"));
    // Print: the PDF is written with the print stylesheet.
    let pdf = artifacts().join("small.pdf");
    chromium.pdf(&page, &pdf);
    let size = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "the printed report is only {size} bytes");
}

#[test]
fn hostile_values_render_as_text_and_never_run() {
    let chromium = Chromium::find();
    let logs = tempfile::tempdir().expect("temp dir");
    hostile_collection().write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let page = analyse(&[logs.path()], out.path(), &[]);
    let html = std::fs::read_to_string(&page).expect("report.html");
    // In the file: the data cannot close its script element, and no payload is markup.
    assert!(
        !html.contains(XSS_TARGET),
        "the payload is in the file unescaped"
    );
    assert!(
        !html.contains("<svg onload"),
        "the client name is in the file unescaped"
    );
    assert!(
        html.contains("\\u003cimg src=x onerror=alert(1)\\u003e"),
        "the payload is not in the data"
    );
    let r = render_and_check(&chromium, "hostile", &page, out.path());
    // In the DOM: no element was injected, and the payloads are there as text.
    let dom = &r.dom;
    assert!(!dom.contains("<img"), "an <img> element was created");
    assert!(
        !dom.contains("<svg onload"),
        "an injected <svg> element was created"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the target as typed is not shown as text"
    );
    assert!(
        dom.contains("&lt;svg onload=alert(2)&gt;"),
        "the client name is not shown as text"
    );
    assert!(!dom.contains("<title>PWNED"), "a payload ran");
}

#[test]
fn ten_thousand_connections_stay_small_and_quick() {
    let chromium = Chromium::find();
    let logs = tempfile::tempdir().expect("temp dir");
    let collection = large_collection(10_000);
    let records = collection.len();
    collection.write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let page = analyse(&[logs.path()], out.path(), &[]);
    let analysed_in = started.elapsed();
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("diagnoses.json")).expect("diagnoses.json"),
    )
    .expect("diagnoses.json parses");
    let connections = v["connections"].as_array().map_or(0, Vec::len);
    let failed = failed_ids(out.path()).len();
    let size = std::fs::metadata(&page).map(|m| m.len()).unwrap_or(0);
    let r = render_and_check(&chromium, "large", &page, out.path());
    let script_ms: u64 = r
        .dom
        .split("data-render-ms=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    let dom_elements = r.dom.matches('<').count();
    eprintln!(
        "large: {records} records → {connections} connections ({failed} failed) analysed in {analysed_in:?}; \
         report.html {:.1} MB; chromium run {:?}, script {script_ms} ms, {dom_elements} tags in the DOM",
        size as f64 / 1e6,
        r.wall
    );
    assert!(
        connections >= 9_000,
        "only {connections} connections were built"
    );
    assert!(size < 25_000_000, "report.html is {size} bytes");
    assert!(script_ms < 3_000, "the script took {script_ms} ms");
    assert!(
        dom_elements < 20_000,
        "{dom_elements} tags: the lists are not paginated"
    );
}

#[test]
fn the_url_fragment_holds_the_filters_and_the_open_connections() {
    let chromium = Chromium::find();
    let logs = tempfile::tempdir().expect("temp dir");
    small_collection().write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let page = analyse(&[logs.path()], out.path(), &[]);
    // Only the refused logon, opened; the private-key failures are filtered out.
    let r = chromium.render_url(&format!("{}#cause=logon_denied&open=C0004", url(&page)));
    assert!(r.console.is_empty(), "{}", r.console.join("\n"));
    assert!(r.dom.contains("id=\"conn-C0004\""), "C0004 is not listed");
    assert!(
        !r.dom.contains("id=\"conn-C0002\""),
        "the cause filter did not apply"
    );
    assert!(
        r.dom.contains("1 of 5 connections match: 1 failed"),
        "status line"
    );
    assert!(
        r.dom
            .contains("aria-expanded=\"true\" aria-controls=\"detail-C0004\"")
    );
    assert!(
        r.dom.contains("<option value=\"logon_denied\" selected") || r.dom.contains("logon_denied")
    );
    // A search that matches nothing leaves both lists empty and says so.
    let r = chromium.render_url(&format!("{}#q=no-such-host", url(&page)));
    assert!(r.dom.contains("0 of 5 connections match"));
    assert!(r.dom.contains("No failed connection matches the filters."));
    // The outcome filter keeps the successes only.
    let r = chromium.render_url(&format!("{}#outcome=succeeded", url(&page)));
    assert!(
        r.dom
            .contains("2 of 5 connections match: 0 failed, 2 succeeded or unknown.")
    );
    assert!(r.dom.contains("id=\"conn-C0001\"") && r.dom.contains("id=\"conn-C0005\""));
}

/// The zone names written after each `<date> <hh:mm:>` time in the text, deduplicated.
fn zones_after(dom: &str, prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = dom
        .match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = dom.get(i + prefix.len()..)?;
            // `ss.mmm ZONE`
            let zone = rest.get(7..)?.split(['<', '"', ' ']).next()?;
            let zone = zone.trim_end_matches([':', '.', ';', ',', ')']);
            (rest.get(6..7) == Some(" ")).then(|| zone.to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn times_follow_daylight_saving_changes_of_the_zone() {
    let chromium = Chromium::find();
    let ws = Machine::new("WS02.corp.example", "WS02", "10.40.0.12");
    let srv = Machine::new("SRV02.corp.example", "SRV02", "10.40.0.2");
    let mut c = Collection::new();
    // Berlin leaves CET for CEST at 2024-03-31 01:00 UTC.
    c.failure(
        &ws,
        &srv,
        at("2024-03-30T12:00:00Z"),
        Failure::PrivateKey,
        "CORP\\carol",
    );
    c.failure(
        &ws,
        &srv,
        at("2024-03-31T12:00:00Z"),
        Failure::PrivateKey,
        "CORP\\carol",
    );
    let logs = tempfile::tempdir().expect("temp dir");
    c.write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let page = analyse(&[logs.path()], out.path(), &["--tz", "Europe/Berlin"]);
    let r = render_and_check(&chromium, "dst", &page, out.path());
    // The connections start at 12:00 UTC (to within the estimated clock offset).
    assert_eq!(
        zones_after(&r.dom, "2024-03-30 12:59:"),
        ["CET"],
        "winter time"
    );
    assert_eq!(
        zones_after(&r.dom, "2024-03-31 13:59:"),
        ["CEST"],
        "summer time"
    );
    let r = chromium.render(&analyse(&[logs.path()], out.path(), &["--tz", "-03:30"]));
    assert_eq!(
        zones_after(&r.dom, "2024-03-31 08:29:"),
        ["-03:30"],
        "fixed offset"
    );
}

#[test]
fn an_analysis_with_nothing_readable_still_renders() {
    let chromium = Chromium::find();
    let logs = tempfile::tempdir().expect("temp dir");
    std::fs::write(logs.path().join("notes.txt"), "not a log").expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let o = run(&[
        "analyze",
        "-q",
        "-o",
        out.path().to_str().expect("UTF-8 path"),
        logs.path().to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "nothing readable is exit status 1"
    );
    let page = out.path().join("report.html");
    let r = render_and_check(&chromium, "empty", &page, out.path());
    assert!(r.dom.contains("No failed connections in these logs."));
    assert!(r.dom.contains("No host was identified in the logs."));
    assert!(r.dom.contains("1 inputs read") || r.dom.contains("inputs read"));
}
