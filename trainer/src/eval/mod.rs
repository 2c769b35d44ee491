//! `spritedx eval ...`: scoring models on datasets.

pub mod restore;
pub mod score;
