//! rdpsleuth-samples (see docs/DESIGN.md for its role).
#![forbid(unsafe_code)]
