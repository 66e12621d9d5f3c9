#!/usr/bin/env bash
# Installs what the PostgreSQL-backed Temporal cluster (`npm run cluster`, test/cluster) needs. Idempotent: each
# step is skipped when its result is already there. Prints the time of every step.
#   - Debian's PostgreSQL (initdb/pg_ctl under /usr/lib/postgresql/<major>/bin) and docker-compose (for the
#     compose check in test/cluster/compose.test.ts); apt only when missing, and only as root;
#   - the Temporal server and temporal-sql-tool, built from their Go module into <repo>/.temporal/bin
#     as temporal-server-v<version> and temporal-sql-tool-v<version> (git-ignored; cache that folder in CI).
#     The version is TEMPORAL_VERSION in the committed .env, which docker-compose.yml and scripts/cluster.ts read too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC1091
source .env

timed() {
  local name="$1"; shift
  local start=$SECONDS
  echo "--- install-cluster: ${name}"
  "$@"
  echo "--- install-cluster: ${name}: $((SECONDS - start))s"
}

apt_install() {
  local missing=()
  [ -x "/usr/lib/postgresql/${POSTGRESQL_VERSION}/bin/initdb" ] || missing+=(postgresql)
  if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
    missing+=(docker-compose)
  fi
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "postgresql ${POSTGRESQL_VERSION} and a compose tool are already installed"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's postinst creates and starts a default cluster on port 5432; the project runs its own (see
  # scripts/cluster.ts), so that one is not needed. Leave it alone if it was there before.
}

# The build itself is scripts/go-binaries.ts, the same code `npm run cluster` uses: `CGO_ENABLED=0 go install` into a
# scratch folder, renamed into place; a binary already there is kept. Compiled first when dist/ is missing or older.
cluster_binaries() {
  if [ ! -f dist/scripts/cluster.js ] || [ -n "$(find scripts -name '*.ts' -newer dist/scripts/cluster.js)" ]; then
    npm run build --silent
  fi
  node dist/scripts/cluster.js binaries
}

total=$SECONDS
timed "apt (postgresql, docker-compose)" apt_install
timed "temporal-server + temporal-sql-tool ${TEMPORAL_VERSION}" cluster_binaries
echo "--- install-cluster: total $((SECONDS - total))s"
