//! The `parley` binary itself: version, migrate, admin commands, serve and a graceful stop.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_parley");

fn parley(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("PARLEY_DATA_DIR", data)
        .env("PARLEY_LOG", "warn")
        .env_remove("PARLEY_DATABASE_URL");
    cmd
}

#[test]
fn version_migrate_admin_and_openapi() {
    let data = std::env::temp_dir().join(format!("parley-cli-{}", uuid::Uuid::new_v4()));
    let out = parley(&data).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("parley "));

    let out = parley(&data).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("m0001_foundation"));

    // No workspace yet: a clear error, not a crash.
    let out = parley(&data)
        .args(["admin", "create-user", "--email", "a@example.com"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("parley serve"));

    let out = parley(&data).arg("openapi").output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn serve_prints_the_login_then_stops_gracefully_on_sigterm() {
    let data = std::env::temp_dir().join(format!("parley-cli-{}", uuid::Uuid::new_v4()));
    let mut child = parley(&data)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Parley is listening") {
            break;
        }
    }
    assert!(
        printed.contains("Email       admin@parley.local"),
        "{printed}"
    );
    let password = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("Password    "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a generated password is printed")
        .to_string();
    assert_eq!(password.len(), 20);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful stop exits 0: {exit:?}");

    // The printed password works with the admin commands' store; resetting it works too.
    let mut reset = parley(&data)
        .args([
            "admin",
            "reset-password",
            "--email",
            "admin@parley.local",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    reset
        .stdin
        .take()
        .unwrap()
        .write_all(b"a brand new password\n")
        .unwrap();
    let out = reset.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("password reset"));
    let out = parley(&data)
        .args([
            "admin",
            "create-user",
            "--email",
            "agent@example.com",
            "--role",
            "agent",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("password: "));
    std::fs::remove_dir_all(&data).unwrap();
}
