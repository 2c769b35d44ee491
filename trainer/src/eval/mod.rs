//! `spritedx eval ...`: scoring models on datasets.

pub mod holds;
pub mod motion;
pub mod restore;
pub mod score;
