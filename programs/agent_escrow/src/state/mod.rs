//! Account layouts. Both accounts are zero-copy (`#[repr(C)]`, Pod): the
//! program reads them in place, without a Borsh round trip, and the fixed
//! offsets make `getProgramAccounts` memcmp filters possible.

pub mod allow;
pub mod escrow;
pub mod policy;
pub mod spend;

pub use allow::*;
pub use escrow::*;
pub use policy::*;
pub use spend::*;
