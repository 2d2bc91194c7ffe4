//! The v2 security regressions (one named test per defect of the attacker's
//! review of v1, plus the properties the README states) and the compute-unit
//! ceilings, on the real SBPF binary in LiteSVM; and the client's
//! preflight checks and error mapping against the same binary.

mod compute_units;
mod error_mapping;
mod preflight;
mod v2_defects;
