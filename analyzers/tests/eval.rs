//! `eval` end to end on bundles written as `evtx_dump` JSONL files under folder names that say
//! nothing about their scenario: every label is recovered from the evidence alone.

mod common;

use common::*;
use rdpsleuth_analyzers::eval::{EXPECTED_FILE, eval};

fn expected_json(cause: rdpsleuth_analyzers::Cause) -> String {
    let label = if cause == rdpsleuth_analyzers::Cause::Unknown {
        "null".to_string()
    } else {
        format!("\"{}\"", cause.id())
    };
    format!(
        r#"{{"connections": [
  {{"client_activity_id": "{}", "server_activity_id": null, "outcome": "failed", "disconnect_reason": null, "cause": {label}}},
  {{"client_activity_id": "{}", "server_activity_id": "{}", "outcome": "succeeded", "disconnect_reason": 1, "cause": null}}
]}}"#,
        FAIL_CLIENT,
        rdpsleuth_parser::Guid(0x1001),
        rdpsleuth_parser::Guid(0xf420_0000_0000_0000_0000_0000_0001_0000),
    )
}

#[test]
fn every_bundle_is_labelled_right_under_any_folder_and_host_names() {
    let root = tempfile::tempdir().unwrap();
    for (n, cause) in scenario_causes().into_iter().enumerate() {
        let v = Variation {
            client: format!("PC{:03}.branch{n}.example", 7 * n + 3),
            server: format!("HOST-{:02}.dc{n}.example", 11 * n + 1),
            client_ip: format!("172.16.{n}.20"),
            server_ip: format!("172.16.{n}.200"),
            ..Variation::default()
        };
        let dir = root.path().join(format!("bundle-{:02}", (n * 5) % 13));
        write_bundle(&dir, &scenario(cause, &v));
        std::fs::write(dir.join(EXPECTED_FILE), expected_json(cause)).unwrap();
    }
    let result = eval(root.path()).unwrap();
    println!("{result}");
    assert_eq!(result.bundles.len(), 13);
    assert_eq!(result.cases.len(), 26);
    assert_eq!(result.correct(), result.cases.len(), "{result}");
    assert!((result.accuracy() - 1.0).abs() < 1e-12);
}

#[test]
fn a_folder_without_bundles_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    assert!(eval(root.path()).is_err());
    assert!(eval(&root.path().join("absent")).is_err());
}
