//! moto's server (SNS, S3, SES, SQS) on a free loopback port, stopped on drop.

use std::time::Duration;

/// moto's server on a free loopback port, stopped on drop.
pub struct Moto {
    _child: tokio::process::Child,
    pub url: String,
}

impl Moto {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// moto keeping its recording (what it was asked, once recording starts) in `file`.
    pub async fn start_recording(file: &std::path::Path) -> Self {
        Self::start_with(Some(file)).await
    }

    async fn start_with(recording: Option<&std::path::Path>) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let mut command = tokio::process::Command::new("moto_server");
        if let Some(file) = recording {
            command.env("MOTO_RECORDER_FILEPATH", file);
        }
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("moto_server is not on PATH: run the tests with infra/scripts/test.sh, which installs it");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self { _child: child, url };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start within 15 s");
    }
}
