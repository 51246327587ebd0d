//! The vendor-contract servers as a process, for browser tests and local demos:
//! `vendor-contracts [--port N] [--no-rate-limits]` prints `listening on http://127.0.0.1:N`.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut port = 0u16;
    let mut limits = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).unwrap_or(0),
            "--no-rate-limits" => limits = false,
            other => {
                eprintln!(
                    "unknown argument {other}; usage: vendor-contracts [--port N] [--no-rate-limits]"
                );
                std::process::exit(2);
            }
        }
    }
    let contracts = parley_integrations::testing::start(port).await;
    contracts.world().rate_limits = limits;
    println!("listening on {}", contracts.url);
    tokio::signal::ctrl_c().await.ok();
}
