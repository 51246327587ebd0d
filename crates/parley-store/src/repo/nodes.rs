//! Node heartbeats: one row per running `parley serve`.
