#!/usr/bin/env bash
# Installs modellock for the GitHub Action: a release binary for the runner
# (checked against its .sha256) when the release has one, else
# `cargo install --locked` (of this checkout for `source`, of the tag
# otherwise) into a directory the action caches. Puts it on GITHUB_PATH.
# With MODELLOCK_ACTION_PLAN=1 it prints what it would do and does nothing.
#
# MODELLOCK_VERSION    a release version (0.2.0), `latest`, `source`, or empty:
#                      the release of MODELLOCK_ACTION_REF when that is a
#                      version tag (v0.2.0), else `source`
# MODELLOCK_REPOSITORY owner/name of the releases (the action's repository)
#
# The runner leaves github.action_ref and github.action_repository empty in
# some composite-action contexts (actions/runner#2473); the action's own
# checkout, .../_actions/OWNER/NAME/REF, then names them.
#
# `install.sh --key` writes the cache key of what it would install (`key=`
# to GITHUB_OUTPUT) and installs nothing.
set -euo pipefail

version="${MODELLOCK_VERSION:-}"
ref="${MODELLOCK_ACTION_REF:-}"
repo="${MODELLOCK_REPOSITORY:-}"
root="${RUNNER_TEMP:-/tmp}/modellock-install"
bin="$root/bin"
src="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
# (either separator: D:\a\_actions\OWNER\NAME\REF on Windows)
checkout='[/\\]_actions[/\\]([^/\\]+)[/\\]([^/\\]+)[/\\]([^/\\]+)[/\\]?$'
if [[ "${GITHUB_ACTION_PATH:-}" =~ $checkout ]]; then
  [ -n "$repo" ] || repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  [ -n "$ref" ] || ref="${BASH_REMATCH[3]}"
fi
[ -n "$repo" ] || repo=modellock/modellock

if [ -z "$version" ]; then
  if [[ "$ref" =~ ^v([0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?)$ ]]; then
    version="${BASH_REMATCH[1]}"
  else
    version=source
  fi
fi

semver='^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$'
# a tag given for a version (v0.2.0) is that version
if [[ "$version" =~ ^v[0-9] ]]; then version="${version#v}"; fi
if [ "$version" != source ] && [ "$version" != latest ] && ! [[ "$version" =~ $semver ]]; then
  echo "::error title=modellock::version \`$version\` is not a release version (such as 0.2.0), \`latest\` or \`source\`"
  exit 2
fi

# the release archives' targets (.github/workflows/release.yml builds them)
case "${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}" in
  Linux-X64 | Linux-x86_64) target=x86_64-unknown-linux-musl ;;
  Linux-ARM64 | Linux-aarch64) target=aarch64-unknown-linux-musl ;;
  macOS-ARM64 | Darwin-arm64) target=aarch64-apple-darwin ;;
  macOS-X64 | Darwin-x86_64) target=x86_64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac

plan() { echo "modellock-install: $*"; }
dry() { [ "${MODELLOCK_ACTION_PLAN:-0}" = 1 ]; }

from_git() {
  if [ "$version" = latest ]; then
    cargo install --locked --force --root "$root" --git "https://github.com/$repo" modellock
  else
    cargo install --locked --force --root "$root" --git "https://github.com/$repo" --tag "v$version" modellock
  fi
}
sha256() {
  if command -v sha256sum > /dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# what is installed is named by a stamp; a source build by its sources' hash
stamp="version=$version repo=$repo"
if [ "$version" = source ]; then
  tree=$(cd "$src" && find Cargo.toml Cargo.lock src -type f | LC_ALL=C sort | xargs cat 2> /dev/null | sha256 | cut -c1-64)
  stamp="$stamp tree=$tree"
fi
if [ "${1:-}" = --key ]; then
  key="$version-$(echo "$stamp" | sha256 | cut -c1-16)"
  echo "modellock-install: key $key ($stamp)"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "key=$key" >> "$GITHUB_OUTPUT"
  fi
  exit 0
fi

if [ -f "$root/stamp" ] && [ "$(cat "$root/stamp")" = "$stamp" ] \
  && { [ -x "$bin/modellock" ] || [ -x "$bin/modellock.exe" ]; }; then
  plan "cached: $bin ($stamp)"
elif [ "$version" != source ] && [ -n "$target" ]; then
  if [ "$version" = latest ]; then
    base="https://github.com/$repo/releases/latest/download"
  else
    base="https://github.com/$repo/releases/download/v$version"
  fi
  archive="modellock-$target.tar.gz"
  plan "download $base/$archive (checked against $archive.sha256)"
  if ! dry; then
    tmp="$(mktemp -d)"
    if curl -fsSL --retry 3 "$base/$archive" -o "$tmp/$archive" \
      && curl -fsSL --retry 3 "$base/$archive.sha256" -o "$tmp/$archive.sha256"; then
      (cd "$tmp" && sha256 -c "$archive.sha256")
      rm -rf "$bin" && mkdir -p "$bin" && tar -xzf "$tmp/$archive" -C "$bin"
    else
      plan "no release binary for $target: cargo install --locked"
      from_git
    fi
    echo "$stamp" > "$root/stamp"
  fi
elif [ "$version" != source ]; then
  plan "no release binary for this runner: cargo install --locked --git https://github.com/$repo ($version)"
  if ! dry; then
    from_git
    echo "$stamp" > "$root/stamp"
  fi
else
  plan "cargo install --locked --path $src"
  if ! dry; then
    cargo install --locked --force --root "$root" --path "$src"
    echo "$stamp" > "$root/stamp"
  fi
fi
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$bin" >> "$GITHUB_PATH"
fi
