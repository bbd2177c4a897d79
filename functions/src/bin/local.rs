//! The local server: the whole product on one machine, on the embedded store.

use clap::Parser;
use sideline_functions::local::{Options, start};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Runs Sideline locally on the embedded store.")]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, env = "SIDELINE_PORT", default_value_t = 8080)]
    port: u16,
    /// Where the store file, the token secret and the demo logins live.
    #[arg(long, env = "SIDELINE_DATA_DIR", default_value = ".sideline")]
    data_dir: PathBuf,
    /// The built app to serve.
    #[arg(long, env = "SIDELINE_STATIC_DIR", default_value = "dist")]
    static_dir: PathBuf,
    /// Do not seed the demo business.
    #[arg(long)]
    no_demo: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    let running = start(Options {
        port: args.port,
        data_dir: args.data_dir,
        static_dir: args.static_dir,
        demo: !args.no_demo,
    })
    .await?;
    println!("Sideline is running at http://{}", running.addr);
    println!("  Staff app:  http://{}/", running.addr);
    println!("  Client app: http://{}/c/", running.addr);
    println!(
        "  Dev mailbox (what would be emailed: reset links...): http://{}/dev/mail",
        running.addr
    );
    println!(
        "  Phone simulator (texts sent and received; text in as any phone): http://{}/dev/sms",
        running.addr
    );
    if let Some(d) = &running.demo {
        println!(
            "  Coach login (staff app):           {} / {}",
            d.coach_email, d.coach_password
        );
        println!(
            "  Client login (client app):         {} / {}",
            d.client_email, d.client_password
        );
        println!(
            "  One-way client login (client app): {} / {}",
            d.one_way_client_email, d.client_password
        );
    }
    println!("READY {}", running.addr);
    tokio::select! {
        _ = running.server => {}
        _ = tokio::signal::ctrl_c() => println!("stopping"),
    }
    Ok(())
}
