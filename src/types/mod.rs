//! Every type the API exchanges: the generated request and response types plus the hand-written
//! ones they are built from.
//!
//! The hand-written types absorb what the API really sends: open enums that accept values this
//! SDK does not know yet ([`InstanceType`], [`InstanceStatus`], ...), [`Decimal`] for prices sent
//! as strings or numbers, [`WholeNumber`] and [`FlexibleBool`] for loosely typed fields,
//! [`CreatedId`] and [`IdList`] for ids returned as bare text, [`SingleItem`] for one-element arrays
//! and [`Maybe`] for answers that may come without a body.

mod api_error;
mod enums;
mod ids;
mod numbers;
mod open_enum;
mod shapes;

pub use crate::generated::types::*;
pub use api_error::ApiError;
pub(crate) use api_error::excerpt;
pub use enums::*;
pub use ids::{ClusterId, InstanceId, SshKeyId, StartupScriptId, VolumeId};
pub use numbers::{Decimal, FlexibleBool, InvalidDecimal, SpotFlag, WholeNumber};
pub(crate) use shapes::null_as_empty;
pub use shapes::{CreatedId, IdList, Maybe, SingleItem, VolumeActionAnswer};
