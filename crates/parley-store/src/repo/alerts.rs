//! Alert rules per workspace and the state of each alert (firing, resolved, last sent).
