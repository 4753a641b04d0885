//! GGUF headers written by llama.cpp's own `gguf` package
//! (fixtures/gguf/make.py), read by modellock.

use modellock::license::gguf::{read, GgufLicense, Read, FIRST_READ};
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/gguf")
            .join(name),
    )
    .unwrap()
}

/// Reads a header as a reader over the network does: a prefix, longer
/// when the metadata runs past it.
fn read_prefixes(bytes: &[u8]) -> (Read, usize) {
    let mut len = FIRST_READ as usize;
    let mut reads = 0;
    loop {
        reads += 1;
        match read(&bytes[..len.min(bytes.len())]) {
            Read::More(n) if (n as usize) <= bytes.len() => len = (n as usize).max(len * 2),
            other => return (other, reads),
        }
    }
}

#[test]
fn the_license_entries_of_real_gguf_headers() {
    let llama = GgufLicense {
        license: Some("llama3.1".into()),
        name: Some("Llama 3.1 Community License Agreement".into()),
        link: Some("https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/LICENSE".into()),
        source: Some("meta-llama/Llama-3.1-8B-Instruct".into()),
    };
    assert_eq!(
        read_prefixes(&fixture("llama3.1.gguf")),
        (Read::Done(llama.clone()), 1)
    );
    // after a vocabulary of 200,000 tokens: more than the first prefix
    let (got, reads) = read_prefixes(&fixture("llama3.1-after-vocab.gguf"));
    assert_eq!(got, Read::Done(llama));
    assert!(reads > 1, "{reads}");
    assert_eq!(
        read(&fixture("apache.gguf")),
        Read::Done(GgufLicense {
            license: Some("apache-2.0".into()),
            ..Default::default()
        })
    );
    assert_eq!(
        read(&fixture("no-license.gguf")),
        Read::Done(GgufLicense::default())
    );
}

mod end_to_end {
    use crate::common::*;
    use crate::support::hub::{ollama_manifest, File, FixtureHub, OllamaModel, Repo};
    use serde_json::json;
    use std::path::Path;

    fn known(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/licenses/known")
                .join(name),
        )
        .unwrap()
    }

    fn gguf(name: &str) -> Vec<u8> {
        super::fixture(name)
    }

    struct P {
        dir: tempfile::TempDir,
        hub: FixtureHub,
    }

    impl P {
        fn new(manifest: &str) -> P {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("models.toml"), manifest).unwrap();
            P {
                dir,
                hub: FixtureHub::start(),
            }
        }
        fn run(&self, args: &[&str]) -> Run {
            run_checked(project_command(self.dir.path(), &self.hub.url()).args(args))
        }
        fn lock(&self) -> toml_edit::DocumentMut {
            std::fs::read_to_string(self.dir.path().join("models.lock"))
                .unwrap()
                .parse()
                .unwrap()
        }
        fn mismatch(&self) -> Option<String> {
            let r = self.run(&["--format", "json", "check"]);
            r.json()["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["code"] == "license::card-mismatch")
                .map(|d| d["message"].as_str().unwrap().to_owned())
        }
    }

    #[test]
    fn a_hub_gguf_whose_header_contradicts_its_card() {
        let p = P::new(
            "[models.q]\nsource = \"hf:someone/Model-GGUF\"\nfiles = [\"*.gguf\", \"LICENSE\"]\n",
        );
        p.hub.add_repo(Repo::simple(
            "someone/Model-GGUF",
            vec![
                File::git("LICENSE", known("apache-2.0.txt")),
                File::lfs("model-Q4_K_M.gguf", gguf("llama3.1-after-vocab.gguf")),
            ],
            json!({"license": "apache-2.0"}),
        ));
        let r = p.run(&["update"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let g = &p.lock()["model"][0]["gguf"];
        assert_eq!(g["file"].as_str(), Some("model-Q4_K_M.gguf"));
        assert_eq!(g["license"].as_str(), Some("llama3.1"));
        assert_eq!(
            g["source"].as_str(),
            Some("meta-llama/Llama-3.1-8B-Instruct")
        );
        // the header came in ranges, not the whole file
        let ranged: Vec<String> = p
            .hub
            .requests()
            .iter()
            .filter(|q| q.server == "cdn")
            .filter_map(|q| q.header("range").map(str::to_owned))
            .collect();
        assert!(ranged.len() >= 2, "{ranged:?}");
        // each byte asked for once: the ranges follow each other from 0
        let mut next = 0u64;
        for r in &ranged {
            let (a, b) = r.trim_start_matches("bytes=").split_once('-').unwrap();
            assert_eq!(a.parse::<u64>().unwrap(), next, "{ranged:?}");
            next = b.parse::<u64>().unwrap() + 1;
        }
        let m = p.mismatch().expect("a card mismatch");
        assert_eq!(
            m,
            "model `q`'s card declares `apache-2.0`, but the GGUF header of `model-Q4_K_M.gguf` says `llama3.1`"
        );
    }

    #[test]
    fn agreeing_witnesses_are_no_mismatch() {
        let p = P::new("[models.q]\nsource = \"hf:someone/Model-GGUF\"\n");
        p.hub.add_repo(Repo::simple(
            "someone/Model-GGUF",
            vec![
                File::git("LICENSE", known("llama3_1.LICENSE.txt")),
                File::lfs("model.gguf", gguf("llama3.1.gguf")),
            ],
            json!({"license": "llama3.1"}),
        ));
        assert_eq!(p.run(&["update"]).code, 0);
        assert_eq!(
            p.lock()["model"][0]["gguf"]["license"].as_str(),
            Some("llama3.1")
        );
        assert_eq!(p.mismatch(), None);
    }

    #[test]
    fn an_ollama_model_has_its_header_as_its_card() {
        let p = P::new("");
        let (manifest, blobs) = ollama_manifest(&[
            ("application/vnd.ollama.image.model", &gguf("llama3.1.gguf")),
            (
                "application/vnd.ollama.image.license",
                &known("gemma.TERMS.txt"),
            ),
        ]);
        p.hub.add_ollama_model(OllamaModel {
            namespace: "library".into(),
            model: "tiny".into(),
            tags: vec![("1b".to_owned(), manifest)],
            blobs,
        });
        let host = p.hub.url().trim_start_matches("http://").to_owned();
        std::fs::write(
            p.dir.path().join("models.toml"),
            format!("[models.tiny]\nsource = \"ollama:http://{host}/library/tiny:1b\"\n"),
        )
        .unwrap();
        let r = p.run(&["update"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let g = &p.lock()["model"][0]["gguf"];
        assert_eq!(g["file"].as_str(), Some("model/0"));
        assert_eq!(g["license"].as_str(), Some("llama3.1"));
        let m = p.mismatch().expect("a mismatch");
        assert_eq!(
            m,
            "model `tiny`'s GGUF header (`model/0`) declares `llama3.1`, but `license/0` is the `gemma` text"
        );
    }

    #[test]
    fn a_local_gguf_is_read_from_disk() {
        let p = P::new("[models.local]\nsource = \"path:models/local\"\n");
        let dir = p.dir.path().join("models/local");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("LICENSE"), known("mit.txt")).unwrap();
        std::fs::write(dir.join("weights.gguf"), gguf("apache.gguf")).unwrap();
        let r = p.run(&["update"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let g = &p.lock()["model"][0]["gguf"];
        assert_eq!(g["file"].as_str(), Some("weights.gguf"));
        assert_eq!(g["license"].as_str(), Some("apache-2.0"));
        let m = p.mismatch().expect("a mismatch");
        assert!(
            m.contains("GGUF header (`weights.gguf`) declares `apache-2.0`"),
            "{m}"
        );
        assert!(m.contains("`LICENSE` is the `mit` text"), "{m}");
    }
}
