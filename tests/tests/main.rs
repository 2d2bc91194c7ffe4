//! Integration tests: every instruction on the real SBPF binary in LiteSVM.
//! Each failure asserts the exact error code and that no balance moved.

mod allowlist;
mod cancel_close;
mod disputes;
mod escrow_approve;
mod escrow_create;
mod escrow_refund;
mod escrow_release;
mod escrow_submit_proof;
mod offchain_approval;
mod pipeline;
mod policy_admin;
mod policy_create;
mod policy_deposit;
