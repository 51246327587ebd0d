//! Test databases: a fresh SQLite file, and a fresh PostgreSQL schema when
//! `PARLEY_TEST_DATABASE_URL` is set. Storage tests run on each of [`test_stores`].

pub mod corpus;

use crate::{Store, StoreConfig, sqlite_url};
use std::path::PathBuf;

/// A migrated, empty database that cleans up after itself when dropped.
pub struct TestDb {
    pub store: Store,
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    pub(crate) sqlite_file: Option<PathBuf>,
    pg: Option<(String, String)>,
}

/// One migrated test database per available backend: always SQLite, and PostgreSQL when
/// `PARLEY_TEST_DATABASE_URL` is set.
pub async fn test_stores() -> Vec<TestDb> {
    test_stores_at(None).await
}

/// Like [`test_stores`], with only the first `migrations` applied (`None`: all), for
/// tests of what a migration does to existing data.
pub async fn test_stores_at(migrations: Option<u32>) -> Vec<TestDb> {
    let mut dbs = vec![sqlite_at(migrations).await];
    if let Ok(url) = std::env::var("PARLEY_TEST_DATABASE_URL")
        && !url.is_empty()
    {
        dbs.push(postgres_at(&url, migrations).await);
    }
    dbs
}

pub async fn sqlite() -> TestDb {
    sqlite_at(None).await
}

async fn sqlite_at(migrations: Option<u32>) -> TestDb {
    let path = std::env::temp_dir().join(format!("parley-test-{}.db", uuid::Uuid::new_v4()));
    let store = Store::connect(&StoreConfig::new(sqlite_url(&path)))
        .await
        .expect("sqlite");
    store
        .migrate_first(migrations)
        .await
        .expect("migrate sqlite");
    TestDb {
        store,
        name: "sqlite",
        sqlite_file: Some(path),
        pg: None,
    }
}

/// A fresh schema in the given PostgreSQL database, so tests can run in parallel.
pub async fn postgres(url: &str) -> TestDb {
    postgres_at(url, None).await
}

async fn postgres_at(url: &str, migrations: Option<u32>) -> TestDb {
    let schema = format!(
        "t_{}_{}",
        crate::now_ms() / 1000,
        uuid::Uuid::new_v4().simple()
    );
    let admin = Store::connect(&StoreConfig::new(url))
        .await
        .expect("postgres");
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT.get_or_init(|| drop_stale_schemas(&admin)).await;
    admin
        .db()
        .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create schema");
    admin.close().await;
    let mut config = StoreConfig::new(url);
    config.pg_schema = Some(schema.clone());
    let store = Store::connect(&config).await.expect("postgres schema");
    store
        .migrate_first(migrations)
        .await
        .expect("migrate postgres");
    TestDb {
        store,
        name: "postgres",
        sqlite_file: None,
        pg: Some((url.to_string(), schema)),
    }
}

impl TestDb {
    /// The PostgreSQL URL and schema, for tests that connect their own way.
    pub fn pg(&self) -> Option<(&str, &str)> {
        self.pg
            .as_ref()
            .map(|(url, schema)| (url.as_str(), schema.as_str()))
    }

    /// A second, independent pool onto the same database (a second node).
    pub async fn another_pool(&self) -> Store {
        match (&self.sqlite_file, &self.pg) {
            (Some(path), _) => Store::connect(&StoreConfig::new(sqlite_url(path)))
                .await
                .unwrap(),
            (_, Some((url, schema))) => {
                let mut config = StoreConfig::new(url.clone());
                config.pg_schema = Some(schema.clone());
                Store::connect(&config).await.unwrap()
            }
            _ => unreachable!("a test database is SQLite or PostgreSQL"),
        }
    }
}

use sea_orm::ConnectionTrait;

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some((url, schema)) = self.pg.take() {
            // Drop cannot await, and must not block: the test's runtime may still be running
            // a transaction on this schema, which DROP SCHEMA would wait for. A thread of its
            // own drops it when it can (unless the process exits first: see `close`).
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(drop_schema(url, schema));
                }
            });
        }
    }
}

impl TestDb {
    /// Removes the database now and waits for it. A process that exits right after (a
    /// benchmark) ends the thread `Drop` leaves it to, and a PostgreSQL schema with all its
    /// rows would stay behind and slow the server down for every later run.
    pub async fn close(mut self) {
        if let Some((url, schema)) = self.pg.take() {
            drop_schema(url, schema).await;
        }
    }
}

/// A test schema (`t_<unix seconds>_<random>`) this much older than now was left behind.
const STALE_SCHEMA_SECS: i64 = 3600;

/// Drops the test schemas that earlier runs left behind: a test binary that exits while its
/// `Drop` threads are still at work leaves its schemas, and every run adds a few. Run once
/// per process; a schema is stale when its name is an hour old, or of the older form
/// without a time (`t_<random>`).
async fn drop_stale_schemas(admin: &Store) {
    let names =
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'";
    let names = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, names);
    let Ok(rows) = admin.db().query_all_raw(names).await else {
        return;
    };
    let now = crate::now_ms() / 1000;
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "schema_name") else {
            continue;
        };
        let made: Option<i64> = name
            .strip_prefix("t_")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(secs, _)| secs.parse().ok());
        if made.is_none_or(|made| now - made > STALE_SCHEMA_SECS) {
            drop_schema_in(admin, &name).await;
        }
    }
}

/// Drops a test's PostgreSQL schema over a connection of its own.
async fn drop_schema(url: String, schema: String) {
    if let Ok(store) = Store::connect(&StoreConfig::new(url)).await {
        drop_schema_in(&store, &schema).await;
        store.close().await;
    }
}

/// Drops a test schema with everything in it; a lock timeout keeps it from waiting forever.
async fn drop_schema_in(store: &Store, schema: &str) {
    let sql = format!("SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
    let _ = store.db().execute_unprepared(&sql).await;
}
