//! Workspaces: creating them, switching between them, their settings.
