//! A visitor's data on request: export as a ZIP, erasure everywhere, retention.
