//! Workspaces and their settings (name, time zone, default language).
