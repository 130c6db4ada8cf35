#!/usr/bin/env bash
# Runs each example's smoke mode in turn; fails if any of them fails. No Salt needed.
set -euo pipefail
cd "$(dirname "$0")"
pnpm=(npx -y pnpm@10.34.9)
status=0
run() {
  local dir=$1 flag=$2
  echo "== examples/$dir ($flag)"
  if (cd "$dir" && "${pnpm[@]}" start -- "$flag"); then
    echo "== examples/$dir: ok"
  else
    echo "== examples/$dir: FAILED"
    status=1
  fi
}
run express-mount --smoke
run fastify-mount --smoke
run portal-embed --once
exit "$status"
