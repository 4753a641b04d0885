//! `licenses --format cyclonedx`: a CycloneDX 1.6 BOM with one
//! `machine-learning-model` component per model: name, version = the
//! locked revision, the sha256 of its files, its licenses, its lineage as
//! `pedigree.ancestors`, and the datasets its card names as
//! `modelCard.modelParameters.datasets`. Deterministic: the same lock gives the same
//! BOM, serial number included.

use super::{ModelReport, Report};
use crate::license::kb::Kb;
use crate::lock::Lock;
use crate::manifest::Manifest;
use crate::source::hf;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A CycloneDX license choice for a license id: the SPDX id when there is
/// one, else the name (with the text's URL when known).
fn license(id: &str) -> Value {
    match Kb::builtin().get(id) {
        Some(e) => match &e.spdx {
            Some(spdx) => json!({"license": {"id": spdx}}),
            None => {
                let mut l = json!({"name": e.id});
                if let Some(url) = &e.text {
                    l["url"] = json!(url);
                }
                json!({"license": l})
            }
        },
        None => json!({"license": {"name": id}}),
    }
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "value": value.into()})
}

fn component(m: &ModelReport, manifest: &Manifest, lock: &Lock) -> Value {
    let entry = manifest.model(&m.name);
    let (name, purl, url) = match entry.map(|e| &e.source.value) {
        Some(src) => (
            src.component_name(),
            src.purl(m.revision.as_deref()),
            src.web_url(),
        ),
        None => (m.source.clone(), None, None),
    };
    let mut c = json!({
        "type": "machine-learning-model",
        "bom-ref": format!("model:{}", m.name),
        "name": name,
    });
    if let Some(rev) = &m.revision {
        c["version"] = json!(rev);
    }
    if let Some(p) = purl {
        c["purl"] = json!(p);
    }
    if let Some(u) = url {
        c["externalReferences"] = json!([{"type": "distribution", "url": u}]);
    }
    if !m.locked_files.is_empty() {
        c["hashes"] = m
            .locked_files
            .iter()
            .map(|(_, sha, _)| json!({"alg": "SHA-256", "content": sha}))
            .collect();
        c["components"] = m
            .locked_files
            .iter()
            .map(|(path, sha, class)| {
                json!({
                    "type": "file",
                    "bom-ref": format!("model:{}/{}", m.name, path),
                    "name": path,
                    "hashes": [{"alg": "SHA-256", "content": sha}],
                    "properties": [property("modellock:class", (*class).to_owned())],
                })
            })
            .collect();
    }
    if let Some(l) = &m.license {
        let mut choice = license(l);
        choice["license"]["acknowledgement"] = json!("concluded");
        c["licenses"] = json!([choice]);
    }
    // lineage: the lock's Hub ancestors and the manifest's base entries
    let ancestors: Vec<Value> = m
        .lineage
        .iter()
        .map(|a| {
            let mut anc = json!({
                "type": "machine-learning-model",
                "name": a.model,
                "properties": [property("modellock:relation", a.relation.clone())],
            });
            match &a.entry {
                Some(e) => {
                    anc["bom-ref"] = json!(format!("model:{}:ancestor:{e}", m.name));
                    if let Some(rev) = lock.model(e).map(|l| l.revision.clone()) {
                        anc["version"] = json!(rev);
                    }
                    if let Some(p) = anc["properties"].as_array_mut() {
                        p.push(property("modellock:entry", e.clone()));
                    }
                }
                None => {
                    anc["bom-ref"] = json!(format!("model:{}:ancestor:{}", m.name, a.model));
                    anc["purl"] = json!(hf::purl(&a.model, None));
                }
            }
            if let Some(l) = &a.license {
                anc["licenses"] = json!([license(l)]);
            }
            anc
        })
        .collect();
    if !ancestors.is_empty() {
        c["pedigree"] = json!({"ancestors": ancestors});
    }
    // the datasets its card names
    let datasets: Vec<Value> = lock
        .model(&m.name)
        .map(|l| l.datasets.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|d| {
            json!({
                "type": "dataset",
                "name": d,
                "contents": {"url": format!("https://huggingface.co/datasets/{d}")},
            })
        })
        .collect();
    if !datasets.is_empty() {
        c["modelCard"] = json!({"modelParameters": {"datasets": datasets}});
    }
    let mut props = vec![
        property("modellock:entry", m.name.clone()),
        property("modellock:source", m.source.clone()),
        property("modellock:license-category", m.category),
    ];
    if let Some(d) = &m.license_digest {
        props.push(property("modellock:license-digest", d.clone()));
    }
    for f in &m.files {
        props.push(property(
            "modellock:license-file",
            format!("{} = {}", f.path, f.id),
        ));
    }
    if let Some(s) = &m.supply {
        if let Some(id) = &s.hub_id {
            props.push(property("modellock:hub-id", id.clone()));
        }
        if let Some(a) = &s.author {
            props.push(property("modellock:author", a.clone()));
        }
        if let Some(scan) = s.scan {
            props.push(property("modellock:scan", scan.to_owned()));
        }
        for (path, level) in &s.scan_issues {
            props.push(property(
                "modellock:scan-issue",
                format!("{path} = {level}"),
            ));
        }
        for target in &s.remote_code {
            props.push(property("modellock:remote-code", target.clone()));
        }
    }
    c["properties"] = json!(props);
    c
}

/// The BOM of a report.
pub fn bom(report: &Report, manifest: &Manifest, lock: &Lock) -> Value {
    let components: Vec<Value> = report
        .models
        .iter()
        .map(|m| component(m, manifest, lock))
        .collect();
    // a serial number derived from the content: same lock, same BOM
    let digest = Sha256::digest(serde_json::to_vec(&components).unwrap_or_default());
    let uuid = super::content_uuid(&digest);
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{uuid}"),
        "version": 1,
        "metadata": {
            "tools": {"components": [{
                "type": "application",
                "name": "modellock",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
        },
        "components": components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_and_licenses() {
        assert_eq!(
            hf::purl("meta-llama/Llama-3.1-8B", Some("ABC")),
            "pkg:huggingface/meta-llama/Llama-3.1-8B@abc"
        );
        assert_eq!(hf::purl("gpt2", None), "pkg:huggingface/gpt2");
        assert_eq!(
            license("apache-2.0"),
            json!({"license": {"id": "Apache-2.0"}})
        );
        assert_eq!(license("llama3.1")["license"]["name"], "llama3.1");
        assert_eq!(
            license("my-terms"),
            json!({"license": {"name": "my-terms"}})
        );
    }
}
