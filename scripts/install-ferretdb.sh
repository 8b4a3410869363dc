#!/usr/bin/env bash
# Builds FerretDB 1.24.2 (SQLite + PostgreSQL handlers) from the Go module proxy into $1 (default ~/.local/bin).
# `go install …@v1.24.2` cannot be used: the proxy refuses the module's version list, and a module-cache build
# lacks build/version/version.txt, so we build from a writable copy of the downloaded module.
set -euo pipefail
version=v1.24.2
dest_dir=${1:-$HOME/.local/bin}
dest=$dest_dir/ferretdb
if [ -x "$dest" ] && "$dest" --version 2>/dev/null | grep -q "version: $version"; then
  echo "$dest"; exit 0
fi
command -v go >/dev/null || { echo "install-ferretdb: Go is required to build FerretDB" >&2; exit 1; }
mod_dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$mod_dir" ] || { echo "install-ferretdb: module download failed" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$mod_dir" "$work/src"
chmod -R u+w "$work/src"
echo "$version" > "$work/src/build/version/version.txt"
mkdir -p "$dest_dir"
(cd "$work/src" && go build -trimpath -o "$dest.tmp" ./cmd/ferretdb) >&2
mv "$dest.tmp" "$dest"
echo "$dest"
