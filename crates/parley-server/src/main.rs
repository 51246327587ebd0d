//! The `parley` command.

mod analyze;

use anyhow::Context;
use clap::{Parser, Subcommand};
use parley_domain::Role;
use parley_server::config::{Config, Settings};
use parley_server::memory;
use parley_store::Store;
use std::io::Read;
use std::path::PathBuf;

/// mimalloc instead of the system allocator: a chat request makes many small, short-lived
/// allocations across threads, and glibc's malloc and free took 15% of the CPU under load
/// (10% less CPU per request with mimalloc, `chat_bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "parley",
    version,
    about = "Self-hosted AI customer-support and sales chat"
)]
struct Cli {
    /// A TOML file with settings (flags and PARLEY_* variables win over it).
    #[arg(long, global = true, env = "PARLEY_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server, the workers and the scheduler.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Score messages from stdin (one per line): one JSON line each with sentiment, intents
    /// and lead fields.
    Analyze(analyze::AnalyzeArgs),
    /// Sample data for demos and benchmarks.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Analytics rollups.
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
    /// Back up a SQLite deployment while it serves: the database (uploads included) and
    /// the secret key's fingerprint, in one ZIP. PostgreSQL: pg_dump (docs/operations.md).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty data directory (`--data-dir`), with the secret key
    /// it was taken with (`--key-file`, `secret.key` already in the directory, or
    /// PARLEY_SECRET_KEY).
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Fill a bot with realistic conversations over the last 90 days (scored messages,
    /// handoffs, leads, resolutions, ratings and their events), then rebuild analytics.
    Generate {
        #[arg(long, default_value_t = 1000)]
        conversations: u64,
        /// The bot to fill (default: the first workspace's first bot).
        #[arg(long)]
        bot: Option<uuid::Uuid>,
        /// Same seed, same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum AnalyticsCommand {
    /// Recompute the hourly rollup from every dispatched event in the outbox (after an
    /// upgrade that changes a metric's definition, or to check it against the raw events).
    Rebuild,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user in the first workspace (or --workspace).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "agent", value_parser = ["owner", "admin", "agent"])]
        role: String,
        #[arg(long)]
        workspace: Option<uuid::Uuid>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password and end the user's sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a further workspace owned by an existing user.
    CreateWorkspace {
        #[arg(long)]
        name: String,
        /// The owner's email (create the user first with `create-user`).
        #[arg(long)]
        owner_email: String,
    },
}

/// Turns transparent huge pages off before anything is allocated: a constructor that the
/// loader runs ahead of the allocator's own (mimalloc initialises at priority 101) and of
/// the Rust runtime's. Turned off in `main` instead, the allocator's first arena region was
/// already faulted in as one 2 MiB huge page by the runtime's few allocations before `main`,
/// and stayed resident for good. It lives in the binary's own crate, whose objects the
/// linker always keeps.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static NO_HUGE_PAGES_BEFORE_MAIN: extern "C" fn() = {
    extern "C" fn before_main() {
        memory::no_huge_pages();
    }
    before_main
};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::resolve(cli.settings, cli.config.as_deref())?;
    parley_server::telemetry::init(config.log_format, &config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(memory::return_freed)
        .build()?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => parley_server::serve(config).await,
        Command::Analyze(args) => analyze::run(args),
        Command::Openapi => {
            println!(
                "{}",
                parley_server::router::openapi_document().to_pretty_json()?
            );
            Ok(())
        }
        Command::Migrate => {
            let store = open(&config).await?;
            store.migrate().await.context("migrating")?;
            println!(
                "migrations applied: {}",
                store.applied_migrations().await?.join(", ")
            );
            Ok(())
        }
        Command::Admin { command } => {
            let store = open(&config).await?;
            store.migrate().await.context("migrating")?;
            admin(&store, command).await
        }
        Command::Demo {
            command:
                DemoCommand::Generate {
                    conversations,
                    bot,
                    seed,
                },
        } => {
            let store = open(&config).await?;
            store.migrate().await.context("migrating")?;
            let (workspace, bot) = demo_bot(&store, bot).await?;
            let started = std::time::Instant::now();
            let made =
                parley_store::demo::generate(&store, workspace, bot, conversations, seed).await?;
            let events = parley_engine::analytics::rebuild(&store)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "generated {} conversations, {} messages, {} events for bot {bot} in {:.1} s \
                 (analytics rebuilt from {events} events)",
                made.conversations,
                made.messages,
                made.events,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Backup { to } => backup(&config, &to).await,
        Command::Restore { from, key_file } => restore(&config, &from, key_file),
        Command::Analytics {
            command: AnalyticsCommand::Rebuild,
        } => {
            let store = open(&config).await?;
            store.migrate().await.context("migrating")?;
            let started = std::time::Instant::now();
            let events = parley_engine::analytics::rebuild(&store)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "analytics rebuilt from {events} events in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

/// `parley backup --to FILE`.
async fn backup(config: &Config, to: &std::path::Path) -> anyhow::Result<()> {
    use parley_store::backup;
    let db = config.sqlite_path().ok_or_else(|| {
        anyhow::anyhow!(
            "parley backup copies a SQLite deployment; for PostgreSQL use pg_dump \
             (see docs/operations.md, Backups)"
        )
    })?;
    let key = match &config.secret_key {
        Some(key) => key.as_bytes().to_vec(),
        None => std::fs::read(config.data_dir.join(backup::KEY_FILE))
            .with_context(|| format!("reading the secret key in {}", config.data_dir.display()))?,
    };
    let started = std::time::Instant::now();
    let m = backup::backup(&db, &key, to, env!("CARGO_PKG_VERSION")).await?;
    println!(
        "backed up {} conversations ({} bytes of database) to {} in {:.1} s; key fingerprint {} \
         (keep the key itself apart from the backup)",
        m.conversations,
        m.database_bytes,
        to.display(),
        started.elapsed().as_secs_f64(),
        m.key_fingerprint
    );
    Ok(())
}

/// `parley restore --from FILE [--key-file KEY]` into `--data-dir`.
fn restore(
    config: &Config,
    from: &std::path::Path,
    key_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    use parley_store::backup::{self, RestoreKey};
    anyhow::ensure!(
        config.is_sqlite(),
        "parley restore restores a SQLite deployment; for PostgreSQL use pg_restore \
         (see docs/operations.md, Backups)"
    );
    let key = match (key_file, &config.secret_key) {
        (Some(file), _) => RestoreKey::File(file),
        (None, Some(key)) => RestoreKey::Given(key.as_bytes().to_vec()),
        (None, None) => RestoreKey::InPlace,
    };
    let m = backup::restore(from, &config.data_dir, key)?;
    println!(
        "restored {} conversations into {} (backup of {}, {} migrations); start it with \
         `parley serve --data-dir {}`",
        m.conversations,
        config.data_dir.display(),
        m.created_at,
        m.migrations.len(),
        config.data_dir.display()
    );
    Ok(())
}

/// The bot to fill and its workspace: the one named, or the oldest bot there is.
async fn demo_bot(
    store: &Store,
    bot: Option<uuid::Uuid>,
) -> anyhow::Result<(uuid::Uuid, uuid::Uuid)> {
    parley_store::demo::bot(store, bot).await?.ok_or_else(|| {
        anyhow::anyhow!("no bot to fill: start `parley serve` once (it creates one) or pass --bot")
    })
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    Ok(Store::connect(&config.store()).await?)
}

async fn admin(store: &Store, command: AdminCommand) -> anyhow::Result<()> {
    use parley_engine::accounts;
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            role,
            workspace,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            let role = Role::parse(&role).expect("clap checked the role");
            let user = accounts::create_user(store, &email, &name, &password, role, workspace)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {} ({role})", user.email);
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            accounts::reset_password(store, &email, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("password reset for {email}; their sessions were ended");
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::CreateWorkspace { name, owner_email } => {
            let workspace = parley_engine::workspaces::create_for_email(store, &name, &owner_email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created workspace \"{}\" ({}) owned by {owner_email}",
                workspace.name, workspace.id
            );
        }
    }
    Ok(())
}

/// The password from standard input (one line), or a generated one.
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        Ok((input.trim_end_matches(['\n', '\r']).to_string(), false))
    } else {
        Ok((parley_engine::secrets::random_password(), true))
    }
}
