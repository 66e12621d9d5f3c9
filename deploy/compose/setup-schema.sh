#!/bin/sh
# One-shot schema setup for docker-compose.yml (service temporal-schema, image temporalio/admin-tools).
# For each of the two databases: create it, create the schema-version tables (setup-schema -v 0.0), then apply
# every versioned schema step newer than the database's version (update-schema -d <dir>). All three are no-ops
# on a database that is already there, so `docker-compose up` runs this on every start.
# temporal-sql-tool reads its connection from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD.
# The schema folders are TEMPORAL_SCHEMA_DIR and VISIBILITY_SCHEMA_DIR (the image's copy of the server module's
# schema/postgresql/v12/...; `npm run cluster` applies the same folders from the Go module).
set -eu

: "${SQL_HOST:?}" "${SQL_PORT:?}" "${TEMPORAL_SCHEMA_DIR:?}" "${VISIBILITY_SCHEMA_DIR:?}"

echo "temporal-schema: waiting for PostgreSQL at ${SQL_HOST}:${SQL_PORT}"
tries=0
until nc -z -w 2 "${SQL_HOST}" "${SQL_PORT}"; do
  tries=$((tries + 1))
  if [ "${tries}" -ge 60 ]; then
    echo "temporal-schema: PostgreSQL at ${SQL_HOST}:${SQL_PORT} did not answer within 2 minutes" >&2
    exit 1
  fi
  sleep 2
done

setup() {
  db="$1" dir="$2"
  echo "temporal-schema: ${db} (${dir})"
  temporal-sql-tool --db "${db}" create
  temporal-sql-tool --db "${db}" setup-schema -v 0.0
  temporal-sql-tool --db "${db}" update-schema -d "${dir}"
}

setup temporal "${TEMPORAL_SCHEMA_DIR}"
setup temporal_visibility "${VISIBILITY_SCHEMA_DIR}"
echo "temporal-schema: done"
