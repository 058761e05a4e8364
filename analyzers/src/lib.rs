//! rdpsleuth-analyzers (see docs/DESIGN.md for its role).
#![forbid(unsafe_code)]
