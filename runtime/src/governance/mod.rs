//! Governance's own definitions: the custom [`origins`] and their referendum [`tracks`]. The
//! OpenGov pallets that use them are configured in `crate::configs::governance`.

pub mod origins;
pub mod tracks;
