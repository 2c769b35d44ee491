//! `spritedx train ...`: training runs of the learned models.

pub mod interp;
pub mod restore;
