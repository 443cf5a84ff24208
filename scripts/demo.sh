#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds ringdb into build/, and runs the
# demo: concurrent bank transfers in a child process, kill -9 midway, recovery, verification.
#   scripts/demo.sh [seconds before the kill]
set -euo pipefail
RINGDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RINGDB_ROOT
source "$RINGDB_ROOT/scripts/deps.sh"

ringdb_install_dependencies
ringdb_build "$RINGDB_ROOT/build"
demo_dir=$(mktemp -d "${TMPDIR:-/tmp}/ringdb-demo-XXXXXX")
trap 'rm -rf "$demo_dir"' EXIT
"$RINGDB_ROOT/build/examples/ringdb_demo" "$demo_dir" "${1:-3}"
