//! Attack suites on the real SBPF binary in LiteSVM: verifier attestations,
//! hostile Token-2022 mints, a fault-injecting transport, random action
//! sequences (properties), instruction-data fuzzing and account substitution.

mod attestation;
mod faults;
mod properties;
mod substitution;
mod token_2022;
