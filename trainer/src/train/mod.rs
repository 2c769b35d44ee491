//! `spritedx train ...`: training runs of the learned models.

pub mod restore;
