//! `parley backup` and `parley restore` for SQLite deployments.
//!
//! A backup is a consistent copy taken while Parley serves: `VACUUM INTO` reads the
//! database inside one read transaction (in WAL mode writers carry on meanwhile) and writes
//! a compact copy to a new file. Uploads (documents and images) live in the database, so
//! the copy holds them too. The copy is packed into one ZIP with a `manifest.json` naming
//! the format, the time, the migrations applied, the database's SHA-256 and the secret
//! key's fingerprint — never the key: it decrypts the sealed model keys, integration
//! tokens and webhook secrets in the database, and signs visitors' sessions, so it is kept
//! apart from the backups and must be put back beside a restored database.
//!
//! A restore unpacks into an empty data directory only (never over a live one), checks the
//! database's hash, and refuses unless the key the operator provides has the fingerprint
//! the backup was taken with.

use crate::StoreError;
use sha2::{Digest, Sha256};
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The database's name inside a backup and in a data directory.
pub const DB_FILE: &str = "parley.db";
/// The key file's name in a data directory.
pub const KEY_FILE: &str = "secret.key";
const MANIFEST: &str = "manifest.json";
const FORMAT: u64 = 1;

/// Why a backup or restore failed, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the backup archive is damaged: {0}")]
    Archive(#[from] zip::result::ZipError),
    #[error("database: {0}")]
    Db(String),
}

impl From<StoreError> for BackupError {
    fn from(e: StoreError) -> Self {
        BackupError::Db(e.to_string())
    }
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Db(e.to_string())
    }
}

/// Identifies a secret key without revealing it: SHA-256 over a fixed label and the key,
/// in hex (the label keeps it from matching any other hash of the key).
pub fn key_fingerprint(key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"parley key fingerprint\0");
    h.update(key);
    hex::encode(h.finalize())
}

/// What a backup holds, written as `manifest.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: u64,
    pub created_at: i64,
    pub parley_version: String,
    pub database: String,
    pub database_bytes: u64,
    pub database_sha256: String,
    pub key_fingerprint: String,
    pub migrations: Vec<String>,
    pub conversations: i64,
}

/// Writes a backup of the SQLite database at `db` to `to` (a ZIP), with the fingerprint of
/// `key`. The snapshot is taken with `VACUUM INTO` over a connection of its own, so the
/// server keeps serving; the archive is written beside `to` and renamed into place, so a
/// failed backup never leaves a truncated file under the final name.
pub async fn backup(
    db: &Path,
    key: &[u8],
    to: &Path,
    version: &str,
) -> Result<Manifest, BackupError> {
    if !db.exists() {
        return Err(BackupError::Refused(format!(
            "no SQLite database at {} (for PostgreSQL use pg_dump, see docs/operations.md)",
            db.display()
        )));
    }
    let dir = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let snapshot = dir.join(format!(".parley-backup-{}.db", uuid::Uuid::new_v4()));
    let result = snapshot_and_pack(db, key, to, version, &snapshot).await;
    let _ = std::fs::remove_file(&snapshot);
    result
}

async fn snapshot_and_pack(
    db: &Path,
    key: &[u8],
    to: &Path,
    version: &str,
    snapshot: &Path,
) -> Result<Manifest, BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .busy_timeout(std::time::Duration::from_secs(30))
        .disable_statement_logging();
    let mut conn = options.connect().await?;
    sqlx::query("VACUUM INTO ?1")
        .bind(snapshot.to_string_lossy().to_string())
        .execute(&mut conn)
        .await?;
    sqlx::Connection::close(conn).await?;

    // What the copy holds, read from the copy itself.
    let copy = SqliteConnectOptions::new()
        .filename(snapshot)
        .read_only(true)
        .disable_statement_logging();
    let mut conn = copy.connect().await?;
    let migrations: Vec<String> =
        sqlx::query_scalar("SELECT version FROM seaql_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await?;
    let conversations: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations")
        .fetch_one(&mut conn)
        .await?;
    sqlx::Connection::close(conn).await?;

    let (bytes, sha) = file_sha256(snapshot)?;
    let manifest = Manifest {
        format: FORMAT,
        created_at: crate::now_ms(),
        parley_version: version.to_string(),
        database: DB_FILE.into(),
        database_bytes: bytes,
        database_sha256: sha,
        key_fingerprint: key_fingerprint(key),
        migrations,
        conversations,
    };
    let partial = to.with_extension("partial");
    {
        let file = private_file(&partial)?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600)
            .large_file(true);
        zip.start_file(MANIFEST, options)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest).expect("plain struct"))?;
        zip.start_file(DB_FILE, options)?;
        std::io::copy(&mut std::fs::File::open(snapshot)?, &mut zip)?;
        zip.finish()?.sync_all()?;
    }
    std::fs::rename(&partial, to)?;
    Ok(manifest)
}

/// Reads the manifest of a backup.
pub fn read_manifest(from: &Path) -> Result<Manifest, BackupError> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(from)?)?;
    let mut text = String::new();
    zip.by_name(MANIFEST)?.read_to_string(&mut text)?;
    serde_json::from_str(&text)
        .map_err(|e| BackupError::Refused(format!("{MANIFEST} in {}: {e}", from.display())))
}

/// Where the restored data directory's key comes from.
pub enum RestoreKey {
    /// `PARLEY_SECRET_KEY`, kept in the environment (nothing is written).
    Given(Vec<u8>),
    /// A key file to copy into the data directory as `secret.key`.
    File(PathBuf),
    /// `secret.key` the operator already put in the data directory.
    InPlace,
}

/// Restores the backup `from` into `data_dir`, which must be empty or hold only
/// `secret.key`; returns the manifest. Refuses, before writing anything, when the key's
/// fingerprint differs from the backup's: a database restored without its key has every
/// sealed secret unreadable.
pub fn restore(from: &Path, data_dir: &Path, key: RestoreKey) -> Result<Manifest, BackupError> {
    let manifest = read_manifest(from)?;
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "backup format {} is not one this Parley reads ({FORMAT})",
            manifest.format
        )));
    }
    if data_dir.exists() {
        let others: Vec<String> = std::fs::read_dir(data_dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|name| name != KEY_FILE)
            .collect();
        if !others.is_empty() {
            return Err(BackupError::Refused(format!(
                "{} is not empty ({}): restore only into an empty data directory",
                data_dir.display(),
                others.join(", ")
            )));
        }
    }
    let key_bytes = match &key {
        RestoreKey::Given(k) => k.clone(),
        RestoreKey::File(p) => std::fs::read(p).map_err(|e| {
            BackupError::Refused(format!("reading the key file {}: {e}", p.display()))
        })?,
        RestoreKey::InPlace => std::fs::read(data_dir.join(KEY_FILE)).map_err(|_| {
            BackupError::Refused(format!(
                "no key: put the secret.key this backup was taken with in {} (or pass \
                 --key-file, or set PARLEY_SECRET_KEY); its fingerprint must be {}",
                data_dir.display(),
                manifest.key_fingerprint
            ))
        })?,
    };
    let given = key_fingerprint(&key_bytes);
    if given != manifest.key_fingerprint {
        return Err(BackupError::Refused(format!(
            "the key does not match this backup: its fingerprint is {given}, the backup was \
             taken with {}. Use the secret.key (or PARLEY_SECRET_KEY) of the deployment the \
             backup came from; without it the sealed model keys, integration tokens and \
             webhook secrets cannot be read",
            manifest.key_fingerprint
        )));
    }
    create_private_dir(data_dir)?;
    let target = data_dir.join(DB_FILE);
    let partial = data_dir.join(format!("{DB_FILE}.partial"));
    {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(from)?)?;
        let mut entry = zip.by_name(DB_FILE)?;
        let mut out = private_file(&partial)?;
        std::io::copy(&mut entry, &mut out)?;
        out.sync_all()?;
    }
    let (bytes, sha) = file_sha256(&partial)?;
    if sha != manifest.database_sha256 || bytes != manifest.database_bytes {
        let _ = std::fs::remove_file(&partial);
        return Err(BackupError::Refused(
            "the database in the backup does not match its manifest (damaged archive)".into(),
        ));
    }
    std::fs::rename(&partial, &target)?;
    if let RestoreKey::File(_) = key {
        let mut f = private_file(&data_dir.join(KEY_FILE))?;
        f.write_all(&key_bytes)?;
        f.sync_all()?;
    }
    Ok(manifest)
}

fn file_sha256(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((total, hex::encode(h.finalize())))
}

/// A new file only its owner can read (backups hold every conversation).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("parley-backup-{name}-{}", uuid::Uuid::new_v4()))
    }

    #[tokio::test]
    async fn a_backup_restores_only_into_an_empty_directory_with_its_key() {
        let db = crate::testing::sqlite().await;
        let file = db.sqlite_file.clone().unwrap();
        let archive = temp("archive").with_extension("zip");
        let key = b"a key of at least thirty-two bytes, for tests".to_vec();
        let made = backup(&file, &key, &archive, "test").await.unwrap();
        assert!(made.migrations.len() > 10);
        assert_eq!(
            read_manifest(&archive).unwrap().key_fingerprint,
            key_fingerprint(&key)
        );
        assert!(!made.key_fingerprint.contains("thirty"));

        // Not over something else, and not with another key.
        let busy = temp("busy");
        std::fs::create_dir_all(&busy).unwrap();
        std::fs::write(busy.join("parley.db"), b"x").unwrap();
        let refused = restore(&archive, &busy, RestoreKey::Given(key.clone())).unwrap_err();
        assert!(refused.to_string().contains("not empty"), "{refused}");
        let fresh = temp("fresh");
        let wrong = restore(&fresh, &fresh, RestoreKey::Given(key.clone()));
        assert!(wrong.is_err());
        let wrong =
            restore(&archive, &fresh, RestoreKey::Given(b"another key".to_vec())).unwrap_err();
        assert!(wrong.to_string().contains("does not match"), "{wrong}");
        assert!(!fresh.join(DB_FILE).exists());
        let missing = restore(&archive, &fresh, RestoreKey::InPlace).unwrap_err();
        assert!(
            missing.to_string().contains(&made.key_fingerprint),
            "{missing}"
        );

        // With the key file: the database and the key are in place.
        let key_file = temp("key");
        std::fs::write(&key_file, &key).unwrap();
        restore(&archive, &fresh, RestoreKey::File(key_file.clone())).unwrap();
        assert_eq!(std::fs::read(fresh.join(KEY_FILE)).unwrap(), key);
        let restored = crate::Store::connect(&crate::StoreConfig::new(crate::sqlite_url(
            &fresh.join(DB_FILE),
        )))
        .await
        .unwrap();
        assert_eq!(
            restored.applied_migrations().await.unwrap(),
            made.migrations
        );
        for p in [&archive, &key_file] {
            let _ = std::fs::remove_file(p);
        }
        for d in [&busy, &fresh] {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
