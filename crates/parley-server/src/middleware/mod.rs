//! Layers around the routes.

pub mod widget;
