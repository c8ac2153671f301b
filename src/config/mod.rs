//! Configuration loading for [`ClientBuilder`](crate::ClientBuilder): where variables and files
//! come from ([`Environment`]) and the CLI's credentials file ([`profile`]).

mod environment;
pub(crate) mod profile;

pub use environment::Environment;
