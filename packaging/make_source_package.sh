#!/usr/bin/env bash
# Builds dist/keyfill-<version>.tar.gz: what a user or a packager installs from, made from the
# committed tree (git archive, so nothing untracked or generated slips in).
#
# Left out on purpose: resources/samples/ (an excerpt of a DAVIS sequence, CC BY-NC: it must not
# ship in commercial packages), tests/ and .ci/. Kept: the shipped models under resources/models,
# the desktop entry and icon in packaging/.
#
# Usage: bash packaging/make_source_package.sh [OUT_DIR]   (default: dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
name="keyfill-${version}"
mkdir -p "$out"
tmp="$out/.${name}.tar.part"
git archive --format=tar --prefix="${name}/" HEAD \
    ':(exclude)resources/samples' ':(exclude)tests' ':(exclude).ci' >"$tmp"
gzip -9 -n -c "$tmp" >"$out/${name}.tar.gz.part"
rm -f "$tmp"
mv "$out/${name}.tar.gz.part" "$out/${name}.tar.gz"
echo "$out/${name}.tar.gz"
