//! Lambda init time, measured: prints figures; it asserts nothing about time.
//!
//! Each function binary is started as Lambda starts it (`AWS_LAMBDA_RUNTIME_API` pointing at
//! a Runtime API stub on loopback, the environment the template gives it) and timed from exec
//! to its first `GET /2018-06-01/runtime/invocation/next`: the work a cold start does before
//! the first event can reach it. Run `runs` times each (p50/p95); then each function's zip
//! size, when the deploy's build left them in `target/lambda/`.
//!
//! Usage: lambda_init <directory of the function binaries> [runs]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const FUNCTIONS: &[&str] = &[
    "auth",
    "clients",
    "fanout",
    "messages",
    "notifications",
    "permissions",
    "realtime",
    "scheduler",
    "sms",
];

/// How long one start may take before the run is called failed (a bound, not a check).
const GIVE_UP: Duration = Duration::from_secs(20);

#[tokio::main]
async fn main() -> AnyResult<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: lambda_init <bin dir> [runs]")?,
    );
    let runs: usize = std::env::args()
        .nth(2)
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(20);
    // The Runtime API stub: notes when the next-invocation poll came, and holds it.
    let polled: Arc<Mutex<Option<Instant>>> = Arc::default();
    let noted = polled.clone();
    let app = axum::Router::new().route(
        "/2018-06-01/runtime/invocation/next",
        axum::routing::get(move || {
            let noted = noted.clone();
            async move {
                noted
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_or_insert_with(Instant::now);
                std::future::pending::<()>().await;
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = listener.local_addr()?.to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });

    println!(
        "{:<14} {:>9} {:>9} {:>10}",
        "function", "init p50", "init p95", "zip"
    );
    for name in FUNCTIONS {
        let binary = dir.join(name);
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            *polled
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            let started = Instant::now();
            let mut child = tokio::process::Command::new(&binary)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("AWS_LAMBDA_RUNTIME_API", &api)
                .env("AWS_LAMBDA_FUNCTION_NAME", format!("sideline-bench-{name}"))
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
                .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
                .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "bench")
                .env("AWS_SECRET_ACCESS_KEY", "bench")
                .env("SIDELINE_TABLE", "sideline-bench")
                .env(
                    "SIDELINE_JWT_SECRET",
                    "a-bench-secret-of-at-least-32-characters",
                )
                .env(
                    "SIDELINE_WS_ENDPOINT",
                    "https://abc.execute-api.us-east-1.amazonaws.com/bench",
                )
                .env("SIDELINE_SITE_URL", "https://app.example.com")
                .env("SIDELINE_MAIL_FROM", "no-reply@example.com")
                .env("SIDELINE_MEDIA_BUCKET", "sideline-bench-media")
                .env(
                    "SIDELINE_SMS_INBOUND_TOPIC",
                    "arn:aws:sns:us-east-1:123456789012:inbound",
                )
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("{}: {e}", binary.display()))?;
            let took = loop {
                if let Some(at) = *polled
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                {
                    break at - started;
                }
                if let Some(status) = child.try_wait()? {
                    return Err(format!("{name} exited before polling: {status}").into());
                }
                if started.elapsed() > GIVE_UP {
                    return Err(format!("{name} never polled for an event").into());
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            };
            child.kill().await?;
            times.push(took);
        }
        times.sort();
        let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        let zip = std::fs::metadata(format!("target/lambda/{name}/bootstrap.zip"))
            .map(|m| format!("{:.2} MB", m.len() as f64 / 1_048_576.0))
            .unwrap_or_else(|_| "(not built)".into());
        println!(
            "{name:<14} {:>6.1} ms {:>6.1} ms {zip:>10}",
            p(0.5).as_secs_f64() * 1000.0,
            p(0.95).as_secs_f64() * 1000.0,
        );
    }
    println!(
        "(exec to the first poll of the Runtime API, {runs} starts each, this machine; goal ≤ 25 ms p95, zips ≤ 8 MB)"
    );
    Ok(())
}
