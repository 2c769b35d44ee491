//! `spritedx eval ...`: scoring models on datasets.

pub mod holds;
pub mod restore;
pub mod score;
