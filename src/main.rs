//! rdpsleuth: explains failed Remote Desktop connections from the event logs of client and host.
fn main() {
    println!("rdpsleuth {}", env!("CARGO_PKG_VERSION"));
}
