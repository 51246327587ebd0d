//! What one visitor left behind, found and erased across every table.
