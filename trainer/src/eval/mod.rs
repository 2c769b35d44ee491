//! `spritedx eval ...`: scoring models on datasets.

pub mod flow_baseline;
pub mod holds;
pub mod interp;
pub mod motion;
pub mod restore;
pub mod score;
