#!/usr/bin/env python3
"""Fidelity check: run the real `huggingface_hub` client against the fixture hub.

Usage (normally run by `cargo test --test hub_fixture python_client_fidelity`
with MODELLOCK_PYTHON=/path/to/venv/bin/python):

    HF_ENDPOINT=http://127.0.0.1:PORT HF_HUB_DISABLE_XET=1 HF_HOME=$(mktemp -d) \
        python python_fidelity.py SPEC.json

SPEC.json (written by the Rust test) describes what the fixture serves:

    {"token": "...",
     "repos": [{"id": "acme/tiny-llm", "gated": false, "private": false,
                "card_data": {...} | null, "max_siblings": null,
                "refs": {"main": {"sha": "...", "files": {"path": "<sha256>", ...}},
                         "v1.0": {...}, "refs/pr/1": {...}},
                "tags": ["v1.0"], "branches": ["main"], "pull_requests": ["refs/pr/1"]}]}

Only the standard library and huggingface_hub are used. Exits non-zero on the
first failed check; prints one line per check.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import huggingface_hub
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

CHECKS = 0


def ok(msg):
    global CHECKS
    CHECKS += 1
    print(f"ok   {msg}", flush=True)


def fail(msg):
    print(f"FAIL {msg}", flush=True)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)
    ok(msg)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_snapshot(folder, files, what):
    folder = Path(folder)
    local = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    if local != sorted(files):
        fail(f"{what}: files {local} != expected {sorted(files)}")
    for path, digest in files.items():
        got = sha256_file(folder / path)
        if got != digest:
            fail(f"{what}: {path} sha256 {got} != {digest}")
    ok(f"{what}: {len(files)} files with the right sha256")


def hf_cli():
    exe = Path(sys.executable).parent / "hf"
    if not exe.exists():
        fail(f"`hf` entry point not found next to {sys.executable}")
    return str(exe)


def run_verify(repo_id, *extra, token=None):
    cmd = [hf_cli(), "cache", "verify", repo_id, "--fail-on-missing-files", "--fail-on-extra-files", *extra]
    env = dict(os.environ)
    if token:
        env["HF_TOKEN"] = token
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or "failed" in out.lower():
        fail(f"{' '.join(cmd[1:])} exited {proc.returncode}:\n{out}")
    summary = [line.strip() for line in out.splitlines() if "verified" in line.lower()]
    ok(f"{' '.join(cmd[1:])} -> {summary[0] if summary else out}")


def main():
    spec = json.loads(Path(sys.argv[1]).read_text())
    token = spec["token"]
    api = HfApi()
    print(f"huggingface_hub {huggingface_hub.__version__}, python {sys.version.split()[0]}")
    print(f"HF_ENDPOINT={os.environ.get('HF_ENDPOINT')} HF_HOME={os.environ.get('HF_HOME')}")

    for repo in spec["repos"]:
        rid = repo["id"]
        tok = token if (repo["gated"] or repo["private"]) else None
        main_ref = repo["refs"]["main"]

        # -- error behaviour without a token
        if repo["private"]:
            try:
                api.model_info(rid, token=False)
                fail(f"{rid}: anonymous model_info of a private repo should fail")
            except GatedRepoError:
                fail(f"{rid}: private repo raised GatedRepoError")
            except RepositoryNotFoundError:
                ok(f"{rid}: anonymous model_info -> RepositoryNotFoundError")
            except huggingface_hub.errors.HfHubHTTPError as e:
                # huggingface_hub maps an anonymous 401 without X-Error-Code to
                # RepositoryNotFoundError only for https:// URLs (REPO_API_REGEX
                # starts with ^https://); over http://127.0.0.1 it stays a 401.
                r = e.response
                expect(r.status_code == 401 and "X-Error-Code" not in r.headers
                       and r.headers.get("X-Error-Message") == "Invalid username or password.",
                       f"{rid}: anonymous model_info -> 401 'Invalid username or password.' (HfHubHTTPError over http)")
        if repo["gated"]:
            info = api.model_info(rid, token=False)
            expect(info.gated == "manual", f"{rid}: anonymous model_info works, gated={info.gated!r}")
            try:
                snapshot_download(rid, token=False)
                fail(f"{rid}: anonymous snapshot_download of a gated repo should fail")
            except GatedRepoError:
                ok(f"{rid}: anonymous snapshot_download -> GatedRepoError")

        # -- snapshot_download at main, a tag, a commit
        folder = snapshot_download(rid, token=tok)
        expect(Path(folder).name == main_ref["sha"], f"{rid}: snapshot folder is the main commit")
        check_snapshot(folder, main_ref["files"], f"{rid}@main snapshot_download")
        for name, ref in repo["refs"].items():
            if name == "main":
                continue
            folder = snapshot_download(rid, revision=name, token=tok)
            expect(Path(folder).name == ref["sha"], f"{rid}@{name}: snapshot folder is {ref['sha'][:12]}")
            check_snapshot(folder, ref["files"], f"{rid}@{name} snapshot_download")
            folder = snapshot_download(rid, revision=ref["sha"], token=tok)
            check_snapshot(folder, ref["files"], f"{rid}@{ref['sha'][:12]} (40-hex) snapshot_download")

        # -- single-file download through a special ref, and errors
        if "refs/pr/1" in repo["refs"]:
            files = repo["refs"]["refs/pr/1"]["files"]
            path = sorted(files)[0]
            local = hf_hub_download(rid, path, revision="refs/pr/1", token=tok)
            expect(sha256_file(local) == files[path], f"{rid}: hf_hub_download({path!r}, revision='refs/pr/1')")
        try:
            hf_hub_download(rid, "does/not/exist.bin", token=tok)
            fail(f"{rid}: missing file should raise")
        except RemoteEntryNotFoundError:
            ok(f"{rid}: missing file -> RemoteEntryNotFoundError")
        try:
            api.model_info(rid, revision="no-such-branch", token=tok)
            fail(f"{rid}: unknown revision should raise")
        except RevisionNotFoundError:
            ok(f"{rid}: unknown revision -> RevisionNotFoundError")

        # -- model_info(files_metadata=True)
        info = api.model_info(rid, files_metadata=True, token=tok)
        expect(info.sha == main_ref["sha"], f"{rid}: model_info sha")
        expect(info.id == rid, f"{rid}: model_info id")
        sib = {s.rfilename: s for s in info.siblings}
        if repo.get("max_siblings") is None:
            expect(sorted(sib) == sorted(main_ref["files"]), f"{rid}: siblings list every file")
        else:
            expect(len(sib) == repo["max_siblings"], f"{rid}: siblings truncated to {repo['max_siblings']}")
        for name, s in sib.items():
            if s.lfs is not None:
                if s.lfs.sha256 != main_ref["files"][name] or s.lfs.size != s.size:
                    fail(f"{rid}: sibling {name} lfs {s.lfs}")
            elif not (s.blob_id and len(s.blob_id) == 40 and s.size is not None):
                fail(f"{rid}: sibling {name} blob_id/size missing: {s}")
        ok(f"{rid}: siblings carry size/blobId/lfs.sha256")
        if repo.get("card_data") is not None:
            expect(info.card_data is not None and info.card_data.get("license") == repo["card_data"].get("license"),
                   f"{rid}: cardData.license")
            if repo["card_data"].get("license"):
                expect(f"license:{repo['card_data']['license']}" in info.tags, f"{rid}: tags carry license:<id>")

        # -- list_repo_tree(recursive=True), across pages
        entries = list(api.list_repo_tree(rid, recursive=True, token=tok))
        files = {e.path: e for e in entries if isinstance(e, huggingface_hub.hf_api.RepoFile)}
        dirs = [e.path for e in entries if isinstance(e, huggingface_hub.hf_api.RepoFolder)]
        expect(sorted(files) == sorted(main_ref["files"]), f"{rid}: list_repo_tree lists {len(files)} files (+{len(dirs)} dirs)")
        for path, e in files.items():
            if e.lfs is not None and e.lfs.sha256 != main_ref["files"][path]:
                fail(f"{rid}: tree lfs.oid of {path}")
        ok(f"{rid}: tree lfs.oid == sha256")
        expanded = list(api.list_repo_tree(rid, recursive=False, expand=True, token=tok))
        expect(all(e.last_commit is not None for e in expanded), f"{rid}: list_repo_tree(expand=True) has last_commit")

        # -- list_repo_refs
        refs = api.list_repo_refs(rid, include_pull_requests=True, token=tok)
        expect(sorted(b.name for b in refs.branches) == sorted(repo["branches"]), f"{rid}: refs.branches")
        expect(sorted(t.name for t in refs.tags) == sorted(repo["tags"]), f"{rid}: refs.tags")
        expect(sorted(p.name for p in refs.pull_requests) == sorted(repo["pull_requests"]), f"{rid}: refs.pull_requests")
        for b in refs.branches + refs.tags:
            if b.target_commit != repo["refs"][b.name]["sha"]:
                fail(f"{rid}: ref {b.name} -> {b.target_commit}")
        ok(f"{rid}: ref targets")
        refs_plain = api.list_repo_refs(rid, token=tok)
        expect(refs_plain.pull_requests is None, f"{rid}: no pullRequests without include_prs")

        # -- paths-info
        some = sorted(main_ref["files"])[:2]
        infos = api.get_paths_info(rid, some + ["nope.txt"], token=tok)
        expect(sorted(i.path for i in infos) == some, f"{rid}: get_paths_info omits missing paths")

        # -- hf cache verify (main and each other ref)
        run_verify(rid, token=tok)
        for name in repo["refs"]:
            if name != "main":
                run_verify(rid, "--revision", name, token=tok)
        res = api.verify_repo_checksums(rid, token=tok)
        expect(not res.mismatches and not res.missing_paths and not res.extra_paths
               and res.checked_count == len(main_ref["files"]),
               f"{rid}: verify_repo_checksums checked {res.checked_count}, no mismatches")

    # -- hf_hub_download into a local_dir, then verify it
    rid = spec["repos"][0]["id"]
    with tempfile.TemporaryDirectory() as d:
        snapshot_download(rid, local_dir=d)
        run_verify(rid, "--local-dir", d)

    # -- a bad token is refused with the bad-credentials error, not RepositoryNotFound
    try:
        api.model_info(rid, token="hf_wrong")
        fail("bad token should fail")
    except RepositoryNotFoundError:
        fail("bad token mapped to RepositoryNotFoundError")
    except huggingface_hub.errors.HfHubHTTPError as e:
        expect(e.response.status_code == 401, "bad token -> HfHubHTTPError 401")

    print(f"ALL OK ({CHECKS} checks)")


if __name__ == "__main__":
    main()
