#!/usr/bin/env bash
# Installs stripe-mock (Stripe's own API mock) from the Go module proxy; prints the binary's path.
set -euo pipefail
version=v0.203.0
dest_dir=${1:-$HOME/.local/bin}
dest=$dest_dir/stripe-mock
if [ -x "$dest" ]; then echo "$dest"; exit 0; fi
command -v go >/dev/null || { echo "install-stripe-mock: Go is required to install stripe-mock" >&2; exit 1; }
mkdir -p "$dest_dir"
(cd /tmp && GOBIN="$dest_dir" GOFLAGS=-mod=mod go install "github.com/stripe/stripe-mock@$version") >&2
echo "$dest"
