//! The `nango-sim` binary prints one line once it listens and serves the API.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_announces_its_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nango-sim"))
        .args(["--port", "0", "--connections", "12", "--seed", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("one line");
    let url = line
        .trim()
        .strip_prefix("nango-sim listening on ")
        .expect("announcement")
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result = runtime.block_on(async {
        let client = reqwest::Client::new();
        let health = client.get(format!("{url}/health")).send().await?.status();
        let connections: serde_json::Value = client
            .get(format!("{url}/connections"))
            .bearer_auth(nango_sim::DEMO_SECRET_KEY)
            .send()
            .await?
            .json()
            .await?;
        Ok::<_, reqwest::Error>((health, connections))
    });
    let _ = child.kill();
    let _ = child.wait();
    let (health, connections) = result.expect("requests succeed");
    assert!(health.is_success());
    assert_eq!(
        connections["connections"].as_array().expect("rows").len(),
        12
    );
}
