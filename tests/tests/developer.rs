//! What integrators read from outside the Rust client: the committed Anchor
//! IDL (against a fresh build by Anchor's own builder, and against the
//! client's discriminators, seeds and error names) and the security.txt in
//! the real SBPF binary.

mod idl;
mod security_txt;
