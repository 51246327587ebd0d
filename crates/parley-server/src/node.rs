//! What this node knows about itself: its name, the free space of its data directory, and
//! how it sends alerts (the settings alerting takes from the configuration). Shared by
//! `serve` and the routes, so neither imports the other.

use crate::config::Config;
use parley_engine::services::Services;
use std::sync::Arc;

/// This machine's name, for the nodes table (`HOSTNAME`, then `/etc/hostname`).
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().chars().take(255).collect())
        .filter(|h: &String| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Free and total bytes, for an unprivileged writer, of the file system holding `dir` (or,
/// before it is made, its nearest existing ancestor).
#[cfg(unix)]
pub fn disk_space(dir: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let dir = dir.ancestors().find(|d| d.exists())?;
    let dir = if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    };
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data; all-zero is a valid value to be overwritten.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a NUL-terminated string and `stat` a writable statvfs.
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stat) };
    let block = stat.f_frsize as u64;
    (rc == 0).then(|| (stat.f_bavail as u64 * block, stat.f_blocks as u64 * block))
}

#[cfg(not(unix))]
pub fn disk_space(_dir: &std::path::Path) -> Option<(u64, u64)> {
    None
}

/// Free space of the data directory's file system, in percent.
pub fn disk_free_percent(dir: &std::path::Path) -> Option<f64> {
    let (free, total) = disk_space(dir)?;
    (total > 0).then(|| free as f64 * 100.0 / total as f64)
}

/// What alerting needs on this node: webhooks limited by the config's allow-list, links to
/// the public URL, SMTP for the database-down notice, and (SQLite) the data directory's
/// free space.
pub fn alerting(services: &Services, config: &Config) -> parley_engine::alerts::Alerting {
    let data_dir = config.data_dir.clone();
    parley_engine::alerts::Alerting {
        store: services.store.clone(),
        vault: services.vault.clone(),
        integrations: services.integrations.clone(),
        allow: config.webhook_allow_hosts.clone(),
        public_url: config.public_url.clone(),
        disk_free_percent: config.is_sqlite().then(|| {
            let f: Arc<dyn Fn() -> Option<f64> + Send + Sync> =
                Arc::new(move || disk_free_percent(&data_dir));
            f
        }),
        mailer: config.mail.clone(),
    }
}
