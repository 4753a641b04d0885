//! `licenses --format spdx`: an SPDX 3.0.1 JSON-LD document with the AI
//! profile: one `ai_AIPackage` per model (version = the locked revision,
//! its files with their sha256, concluded and declared licenses as SPDX ids
//! or `LicenseRef-`, the supplier, lineage as `descendantOf`, the datasets
//! its card names as `trainedOn`). Deterministic but for `created`
//! (SOURCE_DATE_EPOCH, as reproducible builds set it, else now): the same
//! lock gives the same element ids and graph.

use super::{ModelReport, Report};
use crate::license::kb::Kb;
use crate::lock::Lock;
use crate::manifest::Manifest;
use crate::net::encode_component as enc;
use crate::source::{hf, Source};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const SPEC_VERSION: &str = "3.0.1";
const CREATION_INFO: &str = "_:creationinfo";

/// The SPDX license expression of a license id: its SPDX id when the
/// knowledge base knows one, else `LicenseRef-` and the id (characters SPDX
/// does not allow there become `-`), with the URL of its text when known.
fn expression(id: &str) -> (String, Option<String>) {
    let kb = Kb::builtin();
    let entry = kb.get(id);
    if let Some(spdx) = entry.and_then(|e| e.spdx.clone()) {
        return (spdx, None);
    }
    let clean: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    (
        format!("LicenseRef-{clean}"),
        entry.and_then(|e| e.text.clone()),
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time.
fn timestamp(secs: u64) -> String {
    let date = crate::date::Date::from_unix_days((secs / 86_400) as i64);
    let t = secs % 86_400;
    format!("{date}T{:02}:{:02}:{:02}Z", t / 3600, t % 3600 / 60, t % 60)
}

/// The last second SPDX's timestamp (four-digit years) can name.
const LAST_SECOND: u64 = 253_402_300_799;

/// The creation time: SOURCE_DATE_EPOCH when set (and a time SPDX can
/// write), else now.
pub fn created_now() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s <= LAST_SECOND)
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    timestamp(secs)
}

/// The graph being built, with the shared elements (licenses, suppliers,
/// datasets, ancestors outside the manifest) made once.
struct Graph {
    ns: String,
    elements: Vec<Value>,
    licenses: BTreeMap<String, String>,
    agents: BTreeMap<String, String>,
    datasets: BTreeMap<String, String>,
    ancestors: BTreeMap<String, String>,
    relationships: usize,
}

impl Graph {
    fn push(&mut self, mut element: Value) -> String {
        element["creationInfo"] = json!(CREATION_INFO);
        let id = element["spdxId"].as_str().unwrap_or_default().to_owned();
        self.elements.push(element);
        id
    }

    fn relate(&mut self, from: &str, kind: &str, to: Vec<String>, comment: Option<String>) {
        if to.is_empty() {
            return;
        }
        self.relationships += 1;
        let mut r = json!({
            "type": "Relationship",
            "spdxId": format!("{}/relationship/{}", self.ns, self.relationships),
            "from": from,
            "relationshipType": kind,
            "to": to,
        });
        if let Some(c) = comment {
            r["comment"] = json!(c);
        }
        self.push(r);
    }

    fn license(&mut self, id: &str) -> String {
        let (expr, url) = expression(id);
        let note = expr
            .starts_with("LicenseRef-")
            .then(|| format!("modellock license id `{id}`"));
        self.license_expression(expr, url, note)
    }

    fn license_expression(
        &mut self,
        expr: String,
        url: Option<String>,
        note: Option<String>,
    ) -> String {
        if let Some(existing) = self.licenses.get(&expr) {
            return existing.clone();
        }
        let mut l = json!({
            "type": "simplelicensing_LicenseExpression",
            "spdxId": format!("{}/license/{}", self.ns, enc(&expr)),
            "simplelicensing_licenseExpression": expr,
        });
        if let Some(url) = url {
            l["simplelicensing_customIdToUri"] =
                json!([{"type": "DictionaryEntry", "key": expr, "value": url}]);
        }
        if let Some(note) = note {
            l["comment"] = json!(note);
        }
        let spdx_id = self.push(l);
        self.licenses.insert(expr, spdx_id.clone());
        spdx_id
    }

    fn organization(&mut self, name: &str) -> String {
        if let Some(id) = self.agents.get(name) {
            return id.clone();
        }
        let id = self.push(json!({
            "type": "Organization",
            "spdxId": format!("{}/organization/{}", self.ns, enc(name)),
            "name": name,
        }));
        self.agents.insert(name.to_owned(), id.clone());
        id
    }

    fn dataset(&mut self, repo: &str) -> String {
        if let Some(id) = self.datasets.get(repo) {
            return id.clone();
        }
        let id = self.push(json!({
            "type": "dataset_DatasetPackage",
            "spdxId": format!("{}/dataset/{}", self.ns, enc(repo)),
            "name": repo,
            "software_downloadLocation": format!("https://huggingface.co/datasets/{repo}"),
            "software_primaryPurpose": "data",
            "dataset_datasetType": ["noAssertion"],
        }));
        self.datasets.insert(repo.to_owned(), id.clone());
        id
    }

    /// A manifest entry a selected model is based on, itself not selected:
    /// its identity and license, without its files.
    fn base_entry(
        &mut self,
        name: &str,
        manifest: &Manifest,
        lock: &Lock,
        license: Option<&str>,
    ) -> String {
        let key = format!("entry:{name}");
        if let Some(id) = self.ancestors.get(&key) {
            return id.clone();
        }
        let mut p = package(
            format!("{}/model/{}", self.ns, enc(name)),
            name,
            manifest.model(name).map(|e| &e.source.value),
            lock.model(name).map(|l| l.revision.as_str()),
        );
        p["comment"] = json!(format!(
            "models.toml entry `{name}` (not selected: its files are not listed)"
        ));
        let id = self.push(p);
        self.ancestors.insert(key, id.clone());
        if let Some(l) = license {
            let lic = self.license(l);
            self.relate(&id, "hasDeclaredLicense", vec![lic], None);
        }
        id
    }

    /// A Hub model outside the manifest that a model descends from.
    fn ancestor(&mut self, repo: &str, license: Option<&str>) -> String {
        if let Some(id) = self.ancestors.get(repo) {
            return id.clone();
        }
        let id = self.push(json!({
            "type": "ai_AIPackage",
            "spdxId": format!("{}/ancestor/{}", self.ns, enc(repo)),
            "name": repo,
            "software_packageUrl": hf::purl(repo, None),
            "software_downloadLocation": format!("https://huggingface.co/{repo}"),
            "software_primaryPurpose": "model",
        }));
        self.ancestors.insert(repo.to_owned(), id.clone());
        if let Some(l) = license {
            let lic = self.license(l);
            self.relate(&id, "hasDeclaredLicense", vec![lic], None);
        }
        id
    }
}

fn purpose(class: &str) -> &'static str {
    match class {
        "code" => "source",
        "other" => "other",
        _ => "model",
    }
}

fn download_location(source: &Source, revision: Option<&str>) -> Option<String> {
    match (source, revision) {
        (Source::Hf(r), Some(rev)) => {
            Some(format!("https://huggingface.co/{}/tree/{rev}", r.as_str()))
        }
        (Source::Hf(r), None) => Some(format!("https://huggingface.co/{}", r.as_str())),
        (Source::Ollama(n), Some(rev)) if rev.starts_with("sha256:") => Some(format!(
            "{}://{}/v2/{}/{}/manifests/{rev}",
            n.scheme, n.host, n.namespace, n.model
        )),
        _ => None,
    }
}

/// The `ai_AIPackage` of a manifest entry: named by its source (`fallback`
/// without one), versioned by its locked revision, with its package URL
/// and download location where the source has them.
fn package(id: String, fallback: &str, source: Option<&Source>, revision: Option<&str>) -> Value {
    let mut p = json!({
        "type": "ai_AIPackage",
        "spdxId": id,
        "name": source.map_or_else(|| fallback.to_owned(), Source::component_name),
        "software_primaryPurpose": "model",
    });
    if let Some(rev) = revision {
        p["software_packageVersion"] = json!(rev);
    }
    if let Some(purl) = source.and_then(|s| s.purl(revision)) {
        p["software_packageUrl"] = json!(purl);
    }
    if let Some(url) = source.and_then(|s| download_location(s, revision)) {
        p["software_downloadLocation"] = json!(url);
    }
    p
}

fn model(g: &mut Graph, m: &ModelReport, manifest: &Manifest, lock: &Lock) -> String {
    let entry = manifest.model(&m.name);
    let source = entry.map(|e| &e.source.value);
    let locked = lock.model(&m.name);
    let id = format!("{}/model/{}", g.ns, enc(&m.name));
    let mut p = package(id.clone(), &m.source, source, m.revision.as_deref());
    if let Some(url) = source.and_then(Source::web_url) {
        p["software_homePage"] = json!(url);
    }
    // what a reader of the BOM needs to tie it back to the lock
    let mut comment = vec![format!(
        "models.toml entry `{}`, source `{}`, lock status {}",
        m.name, m.source, m.status
    )];
    if let Some(d) = &m.license_digest {
        comment.push(format!("license-digest {d}"));
    }
    if let Some(d) = locked.and_then(|l| l.documents_digest.as_ref()) {
        comment.push(format!("documents-digest {d}"));
    }
    for f in &m.files {
        comment.push(format!("license file {} = {}", f.path, f.id));
    }
    for d in &m.documents {
        comment.push(format!(
            "incorporated document {}{}",
            d.title,
            d.url
                .as_deref()
                .map(|u| format!(" <{u}>"))
                .unwrap_or_default()
        ));
    }
    if let Some(s) = &m.supply {
        if let Some(scan) = s.scan {
            comment.push(format!("Hub scan: {scan}"));
        }
        for (path, level) in &s.scan_issues {
            comment.push(format!("Hub scan flags {path}: {level}"));
        }
        for target in &s.remote_code {
            comment.push(format!("remote code: {target}"));
        }
    }
    if m.license.is_none() {
        comment.push("no license is known: no concluded license".into());
    }
    p["comment"] = json!(comment.join("; "));
    if let Some(author) = m.supply.as_ref().and_then(|s| s.author.clone()) {
        p["suppliedBy"] = json!(g.organization(&author));
    }
    g.push(p);

    // its files and their hashes
    let files: Vec<String> = m
        .locked_files
        .iter()
        .map(|(path, sha, class)| {
            g.push(json!({
                "type": "software_File",
                "spdxId": format!("{id}/file/{}", enc(path)),
                "name": path,
                "software_fileKind": "file",
                "software_primaryPurpose": purpose(class),
                "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": sha}],
            }))
        })
        .collect();
    g.relate(&id, "contains", files, None);

    if let Some(l) = &m.license {
        let lic = g.license(l);
        g.relate(&id, "hasConcludedLicense", vec![lic], None);
    }
    if let Some(l) = locked.and_then(|l| l.license.as_deref()) {
        let lic = g.license(l);
        g.relate(
            &id,
            "hasDeclaredLicense",
            vec![lic],
            Some("as the source declares it".into()),
        );
    }
    if let Some(l) = locked {
        let sets: Vec<String> = l.datasets.iter().map(|d| g.dataset(d)).collect();
        g.relate(
            &id,
            "trainedOn",
            sets,
            Some("the datasets the model card names".into()),
        );
    }
    id
}

/// The SPDX 3.0.1 document of a report. `lock_text` (the lock as read)
/// names the document: the same lock, the same ids.
pub fn document(
    report: &Report,
    manifest: &Manifest,
    lock: &Lock,
    lock_text: &str,
    created: &str,
) -> Value {
    let mut h = Sha256::new();
    h.update(lock_text.as_bytes());
    for m in &report.models {
        h.update(b"\0");
        h.update(m.name.as_bytes());
    }
    let uuid = super::content_uuid(&h.finalize());
    let ns = format!("https://spdx.org/spdxdocs/modellock-{uuid}");
    let mut g = Graph {
        ns: ns.clone(),
        elements: Vec::new(),
        licenses: BTreeMap::new(),
        agents: BTreeMap::new(),
        datasets: BTreeMap::new(),
        ancestors: BTreeMap::new(),
        relationships: 0,
    };
    let tool = g.push(json!({
        "type": "Tool",
        "spdxId": format!("{ns}/tool/modellock"),
        "name": format!("modellock {}", env!("CARGO_PKG_VERSION")),
    }));
    let agent = g.push(json!({
        "type": "SoftwareAgent",
        "spdxId": format!("{ns}/agent/modellock"),
        "name": "modellock",
    }));
    let ids: BTreeMap<String, String> = report
        .models
        .iter()
        .map(|m| (m.name.clone(), model(&mut g, m, manifest, lock)))
        .collect();
    // lineage: manifest bases are the models above; Hub ancestors elements
    for m in &report.models {
        let from = ids[&m.name].clone();
        for a in &m.lineage {
            let to = match a.entry.as_ref() {
                Some(e) => match ids.get(e) {
                    Some(id) => id.clone(),
                    // a base entry left out of the selection: named, not detailed
                    None => g.base_entry(e, manifest, lock, a.license.as_deref()),
                },
                None => g.ancestor(&a.model, a.license.as_deref()),
            };
            g.relate(
                &from,
                "descendantOf",
                vec![to],
                Some(format!("relation: {}", a.relation)),
            );
        }
    }
    // the data license of every SPDX document
    let cc0 = g.license_expression("CC0-1.0".into(), None, None);
    let members: Vec<String> = g
        .elements
        .iter()
        .filter_map(|e| e["spdxId"].as_str().map(str::to_owned))
        .collect();
    let roots: Vec<String> = report.models.iter().map(|m| ids[&m.name].clone()).collect();
    let sbom = g.push(json!({
        "type": "software_Sbom",
        "spdxId": format!("{ns}/sbom"),
        "name": "models of models.toml",
        "software_sbomType": ["analyzed"],
        "rootElement": roots,
        "element": members,
    }));
    let mut all = members.clone();
    all.push(sbom.clone());
    g.push(json!({
        "type": "SpdxDocument",
        "spdxId": format!("{ns}/document"),
        "name": "modellock AI BOM",
        "dataLicense": cc0,
        "profileConformance": ["core", "software", "simpleLicensing", "ai", "dataset"],
        "rootElement": [sbom],
        "element": all,
    }));
    let mut graph = vec![json!({
        "type": "CreationInfo",
        "@id": CREATION_INFO,
        "specVersion": SPEC_VERSION,
        "created": created,
        "createdBy": [agent],
        "createdUsing": [tool],
    })];
    graph.extend(g.elements);
    json!({"@context": CONTEXT, "@graph": graph})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_timestamps_and_ids() {
        assert_eq!(expression("apache-2.0"), ("Apache-2.0".into(), None));
        assert_eq!(expression("my terms/v2").0, "LicenseRef-my-terms-v2");
        assert!(expression("llama3.1").0.starts_with("LicenseRef-llama3.1"));
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(LAST_SECOND), "9999-12-31T23:59:59Z");
        assert_eq!(timestamp(1_764_500_000), "2025-11-30T10:53:20Z");
        assert_eq!(enc("models/a b.safetensors"), "models%2Fa%20b.safetensors");
    }
}
