//! `verify` against a Hugging Face cache laid out as huggingface_hub lays it
//! out (symlinks from snapshots/ into blobs/ named by etag, refs/), an Ollama
//! store, and plain directories.

use crate::common;

use common::*;
use modellock::hashing::{git_blob_sha1, sha256_hex};
use modellock::lock::{self, Lock, LockedFile, LockedModel};
use std::path::{Path, PathBuf};

const COMMIT: &str = "0e9e39f249a16976918f6564b8830bc894c89659";
const OTHER: &str = "1111111111111111111111111111111111111111";
const CONFIG: &[u8] = b"{\"hidden_size\": 8}\n";

fn weights() -> Vec<u8> {
    (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn root(&self) -> &Path {
        self.dir.path()
    }
    fn hub(&self) -> PathBuf {
        self.root().join("hub")
    }
    fn repo(&self) -> PathBuf {
        self.hub().join("models--org--model")
    }
    fn snapshot(&self, commit: &str) -> PathBuf {
        self.repo().join("snapshots").join(commit)
    }
    fn blob_of(&self, path: &str) -> PathBuf {
        std::fs::canonicalize(self.snapshot(COMMIT).join(path)).unwrap()
    }

    fn verify(&self, args: &[&str]) -> Run {
        let mut cmd = modellock();
        cmd.env("HF_HUB_CACHE", self.hub())
            .env("MODELLOCK_CACHE_DIR", self.root().join("cache"))
            .env("OLLAMA_MODELS", self.root().join("ollama"))
            .arg("--manifest-path")
            .arg(self.root().join("models.toml"))
            .args(["--format", "json", "verify"])
            .args(args);
        let r = run(&mut cmd);
        assert_no_panic(&r);
        r
    }

    fn statuses(&self, r: &Run) -> Vec<(String, String)> {
        r.json()["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    f["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn hf_model() -> LockedModel {
    LockedModel {
        name: "chat".into(),
        source: "hf:org/model".into(),
        requested: Some(COMMIT.into()),
        revision: COMMIT.into(),
        license: Some("mit".into()),
        license_digest: format!("sha256:{}", "a".repeat(64)),
        files: vec![
            LockedFile {
                path: "config.json".into(),
                size: CONFIG.len() as u64,
                sha256: sha256_hex(CONFIG),
                remote_code: Vec::new(),
            },
            LockedFile {
                path: "model.safetensors".into(),
                size: weights().len() as u64,
                sha256: sha256_hex(&weights()),
                remote_code: Vec::new(),
            },
        ],
        ..Default::default()
    }
}

/// A manifest and lock with one hf model, and its cache with symlinks.
fn setup(symlinks: bool) -> Setup {
    let s = Setup {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::write(
        s.root().join("models.toml"),
        format!("[policy]\nallow = [\"mit\"]\n\n[models.chat]\nsource = \"hf:org/model\"\nrevision = \"{COMMIT}\"\n"),
    )
    .unwrap();
    lock::write_atomic(&s.root().join("models.lock"), &Lock::new(vec![hf_model()])).unwrap();
    let repo = s.repo();
    std::fs::create_dir_all(repo.join("blobs")).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::create_dir_all(s.snapshot(COMMIT)).unwrap();
    std::fs::write(repo.join("refs/main"), COMMIT).unwrap(); // no newline, as huggingface_hub writes it
    for (path, content, etag) in [
        ("config.json", CONFIG.to_vec(), git_blob_sha1(CONFIG)),
        ("model.safetensors", weights(), sha256_hex(&weights())),
    ] {
        let link = s.snapshot(COMMIT).join(path);
        if symlinks {
            std::fs::write(repo.join("blobs").join(&etag), &content).unwrap();
            std::os::unix::fs::symlink(format!("../../blobs/{etag}"), &link).unwrap();
        } else {
            std::fs::write(&link, &content).unwrap();
        }
    }
    s
}

fn ok_all(s: &Setup, r: &Run) {
    assert_eq!(r.code, 0, "{}", r.stdout);
    for (p, st) in s.statuses(r) {
        assert!(st.starts_with("ok"), "{p}: {st}");
    }
}

#[test]
fn a_complete_cache_verifies_with_symlinks_and_without() {
    for symlinks in [true, false] {
        let s = setup(symlinks);
        let r = s.verify(&[]);
        ok_all(&s, &r);
        assert_eq!(s.statuses(&r).len(), 2);
    }
}

#[test]
fn a_corrupted_byte_in_the_middle_of_a_blob() {
    let s = setup(true);
    assert_eq!(s.verify(&[]).code, 0);
    let blob = s.blob_of("model.safetensors");
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[100_000] ^= 0x01;
    std::fs::write(&blob, &bytes).unwrap();
    let r = s.verify(&[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.codes(), ["verify::hash-mismatch"]);
    let d = &r.json()["diagnostics"][0];
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains(&sha256_hex(&bytes)) && msg.contains(&sha256_hex(&weights())),
        "{msg}"
    );
    assert!(d["help"]
        .as_str()
        .unwrap()
        .contains("run `modellock fetch chat`"));
}

#[test]
fn a_truncated_file_is_found_before_hashing() {
    let s = setup(true);
    let blob = s.blob_of("model.safetensors");
    std::fs::write(&blob, &weights()[..1000]).unwrap();
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::size-mismatch".to_owned()])
    );
}

#[test]
fn missing_and_incomplete_files() {
    let s = setup(true);
    std::fs::remove_file(s.snapshot(COMMIT).join("config.json")).unwrap();
    // a download in progress: the link points at an .incomplete blob
    let link = s.snapshot(COMMIT).join("model.safetensors");
    let blob = s.blob_of("model.safetensors");
    let partial = blob.with_extension("a1b2c3d4.incomplete");
    std::fs::rename(&blob, &partial).unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(
        format!(
            "../../blobs/{}",
            partial.file_name().unwrap().to_str().unwrap()
        ),
        &link,
    )
    .unwrap();
    let r = s.verify(&[]);
    assert_eq!(r.code, 1);
    assert_eq!(
        s.statuses(&r),
        [
            ("config.json".into(), "missing".into()),
            ("model.safetensors".into(), "incomplete".into())
        ]
    );
    assert_eq!(r.codes(), ["verify::missing-file"]);
}

#[test]
fn a_snapshot_at_another_commit() {
    let s = setup(true);
    std::fs::rename(s.snapshot(COMMIT), s.snapshot(OTHER)).unwrap();
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::wrong-revision".to_owned()])
    );
    let msg = r.json()["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains(OTHER) && msg.contains(COMMIT), "{msg}");
}

#[test]
fn a_symlink_out_of_the_cache_is_reported_not_followed() {
    let s = setup(true);
    let outside = s.root().join("elsewhere.bin");
    std::fs::write(&outside, CONFIG).unwrap();
    let link = s.snapshot(COMMIT).join("config.json");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::symlink-escape".to_owned()])
    );
}

#[test]
fn an_unreadable_file_exits_2() {
    let s = setup(false);
    let p = s.snapshot(COMMIT).join("config.json");
    std::fs::remove_file(&p).unwrap();
    std::fs::create_dir(&p).unwrap(); // a directory where the file should be
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["verify::io".to_owned()]),
        "{}",
        r.stdout
    );
    assert!(r.json()["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a regular file"));
    // a file without read permission (root reads it anyway: then it verifies)
    std::fs::remove_dir(&p).unwrap();
    std::fs::write(&p, CONFIG).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::File::open(&p).is_ok();
    let r = s.verify(&["--rehash"]);
    if readable {
        assert_eq!(r.code, 0);
    } else {
        assert_eq!((r.code, r.codes()), (2, vec!["verify::io".to_owned()]));
    }
}

#[test]
fn the_stat_cache_notices_a_same_size_rewrite_with_restored_mtime() {
    let s = setup(true);
    let r = s.verify(&[]);
    ok_all(&s, &r);
    let r = s.verify(&[]);
    assert!(
        s.statuses(&r).iter().all(|(_, st)| st == "ok-unchanged"),
        "second run uses the stat cache"
    );
    let blob = s.blob_of("model.safetensors");
    let mtime = std::fs::metadata(&blob).unwrap().modified().unwrap();
    let mut bytes = weights();
    bytes[5] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&blob)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(&blob).unwrap().modified().unwrap(), mtime);
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::hash-mismatch".to_owned()])
    );
    // --rehash ignores the cache and still finds it
    assert_eq!(s.verify(&["--rehash"]).code, 1);
}

#[test]
fn a_plain_directory_with_dir() {
    let s = setup(true);
    let d = s.root().join("download");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("config.json"), CONFIG).unwrap();
    std::fs::write(d.join("model.safetensors"), weights()).unwrap();
    let r = s.verify(&["--dir", d.to_str().unwrap()]);
    ok_all(&s, &r);
    std::fs::remove_file(d.join("config.json")).unwrap();
    assert_eq!(
        s.verify(&["--dir", d.to_str().unwrap()]).codes(),
        ["verify::missing-file"]
    );
}

#[test]
fn an_ollama_store() {
    let s = setup(true);
    let manifest = br#"{"schemaVersion":2,"layers":[]}"#;
    let model_blob = b"GGUF weights";
    let store = s.root().join("ollama");
    std::fs::create_dir_all(store.join("manifests/registry.ollama.ai/library/tiny")).unwrap();
    std::fs::create_dir_all(store.join("blobs")).unwrap();
    std::fs::write(
        store.join("manifests/registry.ollama.ai/library/tiny/latest"),
        manifest,
    )
    .unwrap();
    std::fs::write(
        store.join(format!("blobs/sha256-{}", sha256_hex(model_blob))),
        model_blob,
    )
    .unwrap();
    std::fs::write(
        s.root().join("models.toml"),
        "[models.tiny]\nsource = \"ollama:tiny\"\n",
    )
    .unwrap();
    let m = LockedModel {
        name: "tiny".into(),
        source: "ollama:tiny".into(),
        requested: Some("latest".into()),
        revision: format!("sha256:{}", sha256_hex(manifest)),
        license_digest: format!("sha256:{}", "b".repeat(64)),
        files: vec![LockedFile {
            path: "model/0".into(),
            size: model_blob.len() as u64,
            sha256: sha256_hex(model_blob),
            remote_code: Vec::new(),
        }],
        ..Default::default()
    };
    lock::write_atomic(&s.root().join("models.lock"), &Lock::new(vec![m])).unwrap();
    ok_all(&s, &s.verify(&[]));
    // the tag now points at another manifest
    std::fs::write(
        store.join("manifests/registry.ollama.ai/library/tiny/latest"),
        b"{}",
    )
    .unwrap();
    assert_eq!(s.verify(&[]).codes(), ["verify::wrong-revision"]);
}

#[test]
fn unknown_model_names() {
    let s = setup(true);
    let r = s.verify(&["chatt"]);
    assert_eq!(
        (r.code, r.codes()),
        (2, vec!["manifest::unknown-model".to_owned()])
    );
    assert!(r.json()["diagnostics"][0]["help"]
        .as_str()
        .unwrap()
        .contains("did you mean `chat`?"));
}

/// A lock edited (in a pull request, say) to point `verify` outside the
/// cache must not make it a read oracle: the lock is refused when it is
/// parsed, and nothing outside is hashed or named.
#[test]
fn a_lock_that_points_outside_is_refused_before_anything_is_read() {
    let secret = b"the contents of a file outside every root";
    for (from, to) in [
        (
            "path = \"config.json\"",
            "path = \"../../../../secret.txt\"".to_owned(),
        ),
        (
            "path = \"config.json\"",
            "path = \"/etc/hostname\"".to_owned(),
        ),
        (
            &format!("revision = \"{COMMIT}\"") as &str,
            "revision = \"../../../..\"".to_owned(),
        ),
    ] {
        let s = setup(true);
        std::fs::write(s.root().join("secret.txt"), secret).unwrap();
        let path = s.root().join("models.lock");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(&path, text.replacen(from, &to, 1)).unwrap();
        let r = s.verify(&[]);
        assert_eq!(
            (r.code, r.codes()),
            (2, vec!["lock::parse".to_owned()]),
            "{to}: {}",
            r.stdout
        );
        assert!(!r.stdout.contains(&sha256_hex(secret)), "{to}");
        assert!(!r.stdout.contains("\"ok\""), "{to}");
    }
}

/// Directory links lead out of the cache as surely as file links: a
/// snapshot directory that is a link, or a directory link inside one.
#[test]
fn directory_links_out_of_the_cache_are_escapes() {
    // the snapshot directory itself links outside
    let s = setup(false);
    let outside = s.root().join("outside-snapshot");
    std::fs::rename(s.snapshot(COMMIT), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, s.snapshot(COMMIT)).unwrap();
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::symlink-escape".to_owned()]),
        "{}",
        r.stdout
    );
    assert!(s.statuses(&r).iter().all(|(_, st)| st == "symlink-escape"));

    // a directory link inside the snapshot
    let s = setup(false);
    let mut m = hf_model();
    let nested = b"nested weights";
    m.files = vec![LockedFile {
        path: "sub/weights.bin".into(),
        size: nested.len() as u64,
        sha256: sha256_hex(nested),
        remote_code: Vec::new(),
    }];
    lock::write_atomic(&s.root().join("models.lock"), &Lock::new(vec![m])).unwrap();
    let elsewhere = s.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("weights.bin"), nested).unwrap();
    std::os::unix::fs::symlink(&elsewhere, s.snapshot(COMMIT).join("sub")).unwrap();
    let r = s.verify(&[]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::symlink-escape".to_owned()]),
        "{}",
        r.stdout
    );
}

/// The same for a `path:` model and for `--dir`: a link inside the
/// directory that leads out is reported, not followed.
#[test]
fn links_out_of_a_directory_are_escapes() {
    let s = setup(false);
    let dir = s.root().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.safetensors"), weights()).unwrap();
    let outside = s.root().join("config-outside.json");
    std::fs::write(&outside, CONFIG).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("config.json")).unwrap();
    let r = s.verify(&["--dir", dir.to_str().unwrap()]);
    assert_eq!(
        (r.code, r.codes()),
        (1, vec!["verify::symlink-escape".to_owned()]),
        "{}",
        r.stdout
    );
    // a link that stays inside is followed
    std::fs::remove_file(dir.join("config.json")).unwrap();
    std::fs::write(dir.join("real-config.json"), CONFIG).unwrap();
    std::os::unix::fs::symlink("real-config.json", dir.join("config.json")).unwrap();
    let r = s.verify(&["--dir", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}
