//! Typed models of what X sends. Fields X may omit are `Option`; unknown fields are accepted;
//! the raw bytes of every message stay available, so nothing is lost to a model that lags
//! behind the API.

pub mod v1;
pub mod v2;
