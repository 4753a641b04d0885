//! The fixture Hub's repos, precomputed when added: each file's sha256,
//! git blob id and LFS pointer size, each directory's git tree sha1, commit
//! dates, and revision resolution (branch, tag, `refs/…`, sha or prefix).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{git_blob_sha1, git_object_sha1, hex, lfs_pointer, sha256_hex, Repo};

pub(super) struct FileInfo {
    pub(super) path: String,
    pub(super) lfs: bool,
    pub(super) content: std::sync::Arc<Vec<u8>>,
    pub(super) sha256: String,
    pub(super) blob_id: String,
    pub(super) pointer_size: usize,
}

impl FileInfo {
    pub(super) fn etag(&self) -> &str {
        if self.lfs {
            &self.sha256
        } else {
            &self.blob_id
        }
    }
}

pub(super) struct CommitInfo {
    pub(super) sha: String,
    /// ISO-8601 date of the commit (deterministic: 2024-01-01 + index days).
    pub(super) date: String,
    pub(super) files: BTreeMap<String, FileInfo>,
    /// directory path -> git tree sha1
    pub(super) dirs: BTreeMap<String, String>,
    pub(super) card_data: Value,
    pub(super) pipeline_tag: Option<String>,
    pub(super) tags: Vec<String>,
}

pub(super) struct RepoInfo {
    pub(super) id: String,
    pub(super) commits: Vec<CommitInfo>,
    pub(super) branches: Vec<(String, usize)>,
    pub(super) tags: Vec<(String, usize)>,
    pub(super) gated: bool,
    pub(super) private: bool,
    pub(super) object_id: Option<String>,
    pub(super) security: Option<serde_json::Value>,
    pub(super) file_security: Vec<(String, serde_json::Value)>,
    pub(super) max_siblings: Option<usize>,
}

impl RepoInfo {
    pub(super) fn build(repo: Repo) -> RepoInfo {
        assert!(!repo.id.is_empty(), "FixtureHub: repo id is empty");
        let n = repo.commits.len();
        for (name, i) in repo.branches.iter().chain(repo.tags.iter()) {
            assert!(
                *i < n,
                "FixtureHub: ref {name:?} of {} points at commit {i}, but there are {n} commits",
                repo.id
            );
        }
        let commits = repo
            .commits
            .into_iter()
            .enumerate()
            .map(|(idx, c)| {
                assert!(
                    c.sha.len() == 40
                        && c.sha
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                    "FixtureHub: commit sha {:?} of {} is not 40 lower-case hex",
                    c.sha,
                    repo.id
                );
                let mut files = BTreeMap::new();
                for f in c.files {
                    let sha256 = sha256_hex(&f.content);
                    let pointer = lfs_pointer(&sha256, f.content.len());
                    let blob_id = if f.lfs {
                        git_blob_sha1(pointer.as_bytes())
                    } else {
                        git_blob_sha1(&f.content)
                    };
                    let path = f.path.trim_matches('/').to_owned();
                    files.insert(
                        path.clone(),
                        FileInfo {
                            path,
                            lfs: f.lfs,
                            content: std::sync::Arc::new(f.content),
                            sha256,
                            blob_id,
                            pointer_size: pointer.len(),
                        },
                    );
                }
                let dirs = tree_oids(&files);
                CommitInfo {
                    sha: c.sha,
                    date: format!("{}T12:00:00.000Z", date_plus_days(2024, 1, 1, idx as i64)),
                    files,
                    dirs,
                    card_data: c.card_data,
                    pipeline_tag: c.pipeline_tag,
                    tags: c.tags,
                }
            })
            .collect();
        RepoInfo {
            id: repo.id,
            commits,
            branches: repo.branches,
            tags: repo.tags,
            object_id: repo.object_id,
            security: repo.security,
            file_security: repo.file_security,
            gated: repo.gated,
            private: repo.private,
            max_siblings: repo.max_siblings,
        }
    }

    /// Branch, tag, `refs/heads/X`, `refs/tags/X`, full sha or unique sha prefix (>= 7).
    pub(super) fn resolve(&self, rev: &str) -> Option<usize> {
        let find = |list: &Vec<(String, usize)>, name: &str| {
            list.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
        };
        if let Some(i) = find(&self.branches, rev).or_else(|| find(&self.tags, rev)) {
            return Some(i);
        }
        if let Some(b) = rev.strip_prefix("refs/heads/") {
            return find(&self.branches, b);
        }
        if let Some(t) = rev.strip_prefix("refs/tags/") {
            return find(&self.tags, t);
        }
        let is_hex = !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex && rev.len() == 40 {
            let rev = rev.to_ascii_lowercase();
            return self.commits.iter().position(|c| c.sha == rev);
        }
        if is_hex && rev.len() >= 7 && rev.len() < 40 {
            let rev = rev.to_ascii_lowercase();
            let hits: Vec<usize> = (0..self.commits.len())
                .filter(|&i| self.commits[i].sha.starts_with(&rev))
                .collect();
            if hits.len() == 1 {
                return Some(hits[0]);
            }
        }
        None
    }

    /// The oldest commit at or before `idx` from which `path` (file or dir)
    /// is unchanged up to `idx` (history = the order of `commits`).
    pub(super) fn last_commit(&self, idx: usize, path: &str) -> usize {
        let oid_at = |i: usize| -> Option<&str> {
            let c = &self.commits[i];
            c.files
                .get(path)
                .map(|f| f.blob_id.as_str())
                .or_else(|| c.dirs.get(path).map(|s| s.as_str()))
        };
        let current = oid_at(idx);
        let mut j = idx;
        while j > 0 && oid_at(j - 1) == current {
            j -= 1;
        }
        j
    }
}

/// Git tree sha1 of every directory (including "" for the root).
fn tree_oids(files: &BTreeMap<String, FileInfo>) -> BTreeMap<String, String> {
    #[derive(Default)]
    struct Node {
        files: BTreeMap<String, [u8; 20]>,
        dirs: BTreeMap<String, Node>,
    }
    let mut root = Node::default();
    for f in files.values() {
        let oid = git_object_sha1(
            "blob",
            &if f.lfs {
                lfs_pointer(&f.sha256, f.content.len()).into_bytes()
            } else {
                f.content.to_vec()
            },
        );
        let parts: Vec<&str> = f.path.split('/').collect();
        let mut node = &mut root;
        for p in &parts[..parts.len() - 1] {
            node = node.dirs.entry((*p).to_owned()).or_default();
        }
        node.files.insert(parts[parts.len() - 1].to_owned(), oid);
    }
    fn hash(node: &Node, path: &str, out: &mut BTreeMap<String, String>) -> [u8; 20] {
        // git sorts tree entries by name, comparing directory names as "name/".
        let mut entries: Vec<(Vec<u8>, &str, String, [u8; 20])> = Vec::new();
        for (name, oid) in &node.files {
            entries.push((name.as_bytes().to_vec(), "100644", name.clone(), *oid));
        }
        for (name, child) in &node.dirs {
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            let oid = hash(child, &child_path, out);
            let mut key = name.as_bytes().to_vec();
            key.push(b'/');
            entries.push((key, "40000", name.clone(), oid));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut data = Vec::new();
        for (_, mode, name, oid) in &entries {
            data.extend_from_slice(mode.as_bytes());
            data.push(b' ');
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(oid);
        }
        let oid = git_object_sha1("tree", &data);
        out.insert(path.to_owned(), hex(&oid));
        oid
    }
    let mut out = BTreeMap::new();
    hash(&root, "", &mut out);
    out
}

/// `YYYY-MM-DD` of a date plus `days`.
fn date_plus_days(y: i64, m: i64, d: i64, days: i64) -> String {
    // days_from_civil / civil_from_days (H. Hinnant)
    let y0 = if m <= 2 { y - 1 } else { y };
    let era = if y0 >= 0 { y0 } else { y0 - 399 } / 400;
    let yoe = y0 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let z = era * 146097 + doe - 719468 + days;
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    format!("{year:04}-{month:02}-{day:02}")
}
