//! `modellock fetch` against the fixture Hub serving large files from
//! loopback, in one run, each measure into fresh caches, best of several
//! rounds, against:
//!
//! - `huggingface_hub.snapshot_download` of the same commit into an empty
//!   cache (`HF_HUB_DISABLE_XET=1`; timed inside Python, so its start-up is
//!   not counted against it);
//! - the same work done one step after the other by standard tools: `curl`
//!   fetching the files in parallel to disk, then `openssl dgst -sha256` of
//!   them in parallel;
//! - and, as a floor no hashing client can beat, the `curl` step alone.
//!
//! Two scenarios: two files of `--mib` MiB each, and one file of
//! `--big-mib` MiB alone (where byte ranges must help).
//!
//! `cargo bench --bench fetch` (add `-- --mib 1024 --big-mib 2048 --rounds 3
//! --python PATH --jobs N`). Python defaults to MODELLOCK_PYTHON, else
//! target/ci-venv/bin/python; without one, that column is skipped.

#[path = "../tests/it/support/mod.rs"]
mod support;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::hub::{File, FixtureHub, Repo};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn num(name: &str, default: u64) -> u64 {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Pseudo-random bytes (xorshift64*), so that nothing compresses.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(n);
    out
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fresh(root: &Path, name: &str) -> PathBuf {
    let d = root.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Scenario {
    name: String,
    repo: String,
    files: Vec<String>,
}

fn main() {
    let mib = num("--mib", 1024) as usize;
    let big = num("--big-mib", 2048) as usize;
    let rounds = num("--rounds", 3).max(1);
    // `modellock fetch --jobs` (default: its own default)
    let jobs = arg("--jobs");
    let python = arg("--python")
        .or_else(|| std::env::var("MODELLOCK_PYTHON").ok())
        .map(PathBuf::from)
        .or_else(|| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
            p.exists().then_some(p)
        });
    let bin = env!("CARGO_BIN_EXE_modellock");
    let hub = FixtureHub::start();
    let work = tempfile::tempdir().expect("a temp dir");
    let root = work.path();

    eprintln!("generating {} MiB of file content…", 2 * mib + big);
    hub.add_repo(Repo::simple(
        "bench/two",
        vec![
            File::git("config.json", "{\"hidden_size\": 4096}\n"),
            File::lfs("model-00001-of-00002.safetensors", bytes(1, mib << 20)),
            File::lfs("model-00002-of-00002.safetensors", bytes(2, mib << 20)),
        ],
        json!({"license": "apache-2.0"}),
    ));
    hub.add_repo(Repo::simple(
        "bench/one",
        vec![File::lfs("model.safetensors", bytes(3, big << 20))],
        json!({"license": "apache-2.0"}),
    ));
    let scenarios = [
        Scenario {
            name: format!("2 × {mib} MiB"),
            repo: "bench/two".into(),
            files: vec![
                "model-00001-of-00002.safetensors".into(),
                "model-00002-of-00002.safetensors".into(),
            ],
        },
        Scenario {
            name: format!("1 × {big} MiB"),
            repo: "bench/one".into(),
            files: vec!["model.safetensors".into()],
        },
    ];

    println!(
        "| scenario | modellock fetch (s) | snapshot_download (s) | curl ∥ then openssl ∥ (s) | curl ∥ alone, no hashing (s) | fetch ÷ snapshot_download | fetch ÷ curl+openssl | curl alone ÷ snapshot_download |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for sc in &scenarios {
        let project = fresh(root, "project");
        std::fs::write(
            project.join("models.toml"),
            format!(
                "[policy]\nallow = [\"apache-2.0\"]\n\n[models.m]\nsource = \"hf:{}\"\nrevision = \"main\"\n",
                sc.repo
            ),
        )
        .unwrap();
        let env = |cmd: &mut Command, home: &Path, cache: &Path| {
            for v in [
                "HF_TOKEN",
                "HF_HUB_CACHE",
                "HF_HUB_OFFLINE",
                "HF_TOKEN_PATH",
            ] {
                cmd.env_remove(v);
            }
            cmd.env("HF_ENDPOINT", hub.url())
                .env("HF_HOME", home)
                .env("MODELLOCK_CACHE_DIR", cache)
                .env("HF_HUB_DISABLE_XET", "1");
        };
        let mut update = Command::new(bin);
        env(
            &mut update,
            &fresh(root, "update-home"),
            &fresh(root, "update-cache"),
        );
        update
            .arg("--manifest-path")
            .arg(project.join("models.toml"))
            .arg("update");
        run_ok(&mut update, "modellock update");
        let commit = {
            let lock = std::fs::read_to_string(project.join("models.lock")).unwrap();
            let line = lock
                .lines()
                .find(|l| l.starts_with("revision = "))
                .unwrap()
                .to_owned();
            line.trim_start_matches("revision = ")
                .trim_matches('"')
                .to_owned()
        };

        // `modellock fetch` into a fresh HF_HOME and cache
        let fetch_command = || {
            let home = fresh(root, "home");
            let cache = fresh(root, "cache");
            let mut fetch = Command::new(bin);
            env(&mut fetch, &home, &cache);
            fetch
                .arg("--manifest-path")
                .arg(project.join("models.toml"))
                .args(["-q", "fetch"]);
            if let Some(j) = &jobs {
                fetch.args(["--jobs", j]);
            }
            (fetch, cache)
        };
        // one untimed fetch first: the first large write of a process
        // pays for the page cache's growth, whichever tool makes it
        run_ok(&mut fetch_command().0, "modellock fetch (warm-up)");
        drop(fresh(root, "home"));
        let mut best = [f64::INFINITY; 4];
        for round in 0..rounds {
            eprintln!("{}: round {}", sc.name, round + 1);
            // (1) modellock fetch into an empty cache
            let (mut fetch, cache) = fetch_command();
            let t = Instant::now();
            run_ok(&mut fetch, "modellock fetch");
            best[0] = best[0].min(t.elapsed().as_secs_f64());
            drop(fresh(root, "home"));

            // (2) huggingface_hub.snapshot_download into an empty cache
            if let Some(py) = &python {
                let home = fresh(root, "home");
                let script = "import sys, time\nfrom huggingface_hub import snapshot_download\nt = time.perf_counter()\nsnapshot_download(sys.argv[1], revision=sys.argv[2], allow_patterns=sys.argv[3:])\nprint(time.perf_counter() - t)\n";
                let mut cmd = Command::new(py);
                env(&mut cmd, &home, &cache);
                cmd.args(["-c", script, &sc.repo, &commit])
                    .args(sc.files.iter().chain(["config.json".to_owned()].iter()));
                let out = cmd.output().expect("python");
                assert!(
                    out.status.success(),
                    "snapshot_download failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let secs: f64 = String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse()
                    .expect("seconds");
                best[1] = best[1].min(secs);
                drop(fresh(root, "home"));
            }

            // (3) curl in parallel, then openssl in parallel; (4) the curl
            // part alone: the transfer with no hashing at all, a floor
            let dl = fresh(root, "curl");
            let mut script = String::new();
            for (k, f) in sc.files.iter().enumerate() {
                script.push_str(&format!(
                    "curl -sSfL -o {}/{k} '{}/{}/resolve/{commit}/{f}' & ",
                    dl.display(),
                    hub.url(),
                    sc.repo
                ));
            }
            script.push_str("wait; ");
            let t = Instant::now();
            run_ok(Command::new("sh").args(["-c", &script]), "curl");
            best[3] = best[3].min(t.elapsed().as_secs_f64());
            let dl = fresh(root, "curl");
            for k in 0..sc.files.len() {
                script.push_str(&format!(
                    "openssl dgst -sha256 {}/{k} > /dev/null & ",
                    dl.display()
                ));
            }
            script.push_str("wait");
            let t = Instant::now();
            run_ok(Command::new("sh").args(["-c", &script]), "curl + openssl");
            best[2] = best[2].min(t.elapsed().as_secs_f64());
            drop(fresh(root, "curl"));
        }
        let cell = |v: f64| {
            if v.is_finite() {
                format!("{v:.2}")
            } else {
                "—".into()
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            sc.name,
            cell(best[0]),
            cell(best[1]),
            cell(best[2]),
            cell(best[3]),
            cell(best[0] / best[1]),
            cell(best[0] / best[2]),
            cell(best[3] / best[1]),
        );
    }
}
