//! `modellock update` of 50 models against the fixture Hub with 20 ms added
//! to every response: concurrent resolution against one model at a time
//! (`--jobs 1`), and the no-change re-run's request count.
//!
//! `cargo bench --bench update` (add `-- --models N --latency-ms L` to vary).

#[path = "../tests/it/support/mod.rs"]
mod support;

use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};
use support::hub::{File, FixtureHub, Repo};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let models = arg("--models", 50);
    let latency = Duration::from_millis(arg("--latency-ms", 20));
    let hub = FixtureHub::start();
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut manifest = String::from("[policy]\nallow = [\"apache-2.0\"]\n");
    for i in 0..models {
        let id = format!("bench/model-{i:03}");
        hub.add_repo(Repo::simple(
            &id,
            vec![
                File::git("config.json", format!("{{\"id\": {i}}}")),
                File::git("LICENSE", format!("Apache License, Version 2.0 (copy {i})")),
                File::git("tokenizer.json", format!("{{\"vocab\": {i}}}")),
                File::lfs("model-00001-of-00002.safetensors", vec![i as u8; 4096]),
                File::lfs(
                    "model-00002-of-00002.safetensors",
                    vec![(i + 1) as u8; 4096],
                ),
            ],
            json!({"license": "apache-2.0"}),
        ));
        manifest.push_str(&format!("\n[models.m{i:03}]\nsource = \"hf:{id}\"\n"));
    }
    std::fs::write(dir.path().join("models.toml"), manifest).expect("write models.toml");
    hub.set_latency(latency);
    if std::env::args().any(|a| a == "--probe") {
        let t = Instant::now();
        let _ = ureq::get(format!(
            "{}/api/models/bench/model-000/revision/main",
            hub.url()
        ))
        .call();
        eprintln!("one request: {:?}", t.elapsed());
    }

    let run = |jobs: u16, cache: &str| -> (Duration, usize) {
        hub.clear_requests();
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_modellock"))
            .arg("--manifest-path")
            .arg(dir.path().join("models.toml"))
            .args(["-q", "update", "--jobs", &jobs.to_string()])
            .env("HF_ENDPOINT", hub.url())
            .env("HF_HOME", dir.path().join("hf-home"))
            .env("MODELLOCK_CACHE_DIR", dir.path().join(cache))
            .env_remove("HF_TOKEN")
            .env_remove("HUGGING_FACE_HUB_TOKEN")
            .status()
            .expect("run modellock");
        assert!(status.success(), "update failed");
        (started.elapsed(), hub.requests().len())
    };
    let _ = std::fs::remove_file(dir.path().join("models.lock"));
    let (sequential, seq_requests) = run(1, "cache-seq");
    let _ = std::fs::remove_file(dir.path().join("models.lock"));
    let (concurrent, requests) = run(8, "cache-par");
    let (rerun, rerun_requests) = run(8, "cache-par");

    println!(
        "update of {models} models, {} ms added to every response",
        latency.as_millis()
    );
    println!(
        "  --jobs 1 (one model at a time):  {:>8.2} s  {seq_requests} requests",
        sequential.as_secs_f64()
    );
    println!(
        "  --jobs 8 (default):              {:>8.2} s  {requests} requests",
        concurrent.as_secs_f64()
    );
    println!(
        "  no-change re-run (--jobs 8):     {:>8.2} s  {rerun_requests} requests",
        rerun.as_secs_f64()
    );
    println!(
        "  ratio concurrent / one at a time: {:.3}; sum of round trips at one model at a time: {:.2} s",
        concurrent.as_secs_f64() / sequential.as_secs_f64(),
        seq_requests as f64 * latency.as_secs_f64()
    );
}
