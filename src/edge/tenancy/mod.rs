//! Applications in D1 and the lookup of the application a public request is for.

pub mod app_lookup;
pub mod applications;
