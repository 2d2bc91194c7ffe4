//! One instruction per file, named noun_verb.

pub mod escrow_approve;
pub mod escrow_create;
pub mod escrow_refund;
pub mod escrow_release;
pub mod escrow_submit_proof;
pub mod policy_create;
pub mod policy_deposit;

pub use escrow_approve::*;
pub use escrow_create::*;
pub use escrow_refund::*;
pub use escrow_release::*;
pub use escrow_submit_proof::*;
pub use policy_create::*;
pub use policy_deposit::*;
