#!/usr/bin/env bash
# Fills the working corpus of each fuzz target, target/fuzz/corpus/<target> (or the folder
# given as $1), with the sample files of samples/bundles that suit it: single-chunk EVTX
# files of every channel family, the smaller XML exports, the firewall logs and the zip
# collections. The hand-made seeds in fuzz/seeds/<target> are passed to libFuzzer as a
# second, read-only corpus. Existing corpus files are kept (libFuzzer adds what it learns).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/fuzz/corpus}
bundles=samples/bundles

seed() { # target, file under samples/bundles
    local name=${2//\//_}
    mkdir -p "$out/$1"
    cp "$bundles/$2" "$out/$1/bundle_${name// /_}"
}

for file in \
    "credssp_oracle/CON-LEG-TS1/Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx" \
    "two_causes_one_host/NW-TS02/Security.evtx" \
    "firewall_client_outbound/CON-BUILD-03/System.evtx" \
    "firewall_rule_blocked/ADT-RDS-09/Microsoft-Windows-Windows Firewall With Advanced Security%4Firewall.evtx" \
    "gateway_cn_capi2/LT-HOME-204/Microsoft-Windows-CAPI2%4Operational.evtx" \
    "firewall_client_outbound/WS-DEV-15/Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx" \
    "session_stuck_churn/FAB-RDS12/Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx" \
    "service_stopped_disabled/CON-RDS-11/Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx" \
    "gateway_cn_schannel/ADT-RDGW-01/Microsoft-Windows-TerminalServices-Gateway%4Operational.evtx" \
    "gateway_cn_schannel/ADT-RDGW-01/System.evtx"; do
    seed evtx "$file"
done
for file in \
    "tls_server_policy-xml/TC-LAB-04/System.xml" \
    "tls_server_policy-xml/TC-LAB-04/Microsoft-Windows-TerminalServices-RDPClient%4Operational.xml"; do
    seed xml "$file"
done
for file in $(cd "$bundles" && ls -- */*/pfirewall.log); do
    seed firewall_log "$file"
done
for file in $(cd "$bundles" && ls -- *-kape/*.zip *-velociraptor/*.zip); do
    seed zip "$file"
done
for target in xml json firewall_log zip evtx; do
    mkdir -p "$out/$target"
    echo "$target: $(find "$out/$target" -type f | wc -l) files in $out/$target"
done
