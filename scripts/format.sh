#!/usr/bin/env bash
# Checks that every C++ source of ringdb is as clang-format writes it with the repository's
# .clang-format; with --fix, rewrites the files that are not. Used by scripts/test.sh.
set -euo pipefail
RINGDB_ROOT=${RINGDB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$RINGDB_ROOT"

mapfile -t files < <(find bench engine examples include journal ringbuffer tests tools util \
  -type f \( -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.h.in' \) | sort)

if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "ringdb: the files above are not formatted; scripts/format.sh --fix formats them" >&2
  exit 1
fi
echo "ringdb: ${#files[@]} files formatted as .clang-format says"
