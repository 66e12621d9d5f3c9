#!/usr/bin/env bash
# Installs the S3-compatible server the S3 store tests run against: moto's server (PyPI `moto[server]`, pinned
# by MOTO_VERSION in .env) into a project-local virtualenv at <repo>/.s3/venv (git-ignored; cache that folder in
# CI). Idempotent: skipped when the pinned version is already there. Tests start `.s3/venv/bin/moto_server` on a
# free loopback port themselves (test/s3-server.ts); set S3_TEST_SERVER=<path> to use another moto_server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC1091
source .env
venv="$PWD/.s3/venv"
start=$SECONDS
if [ -x "${venv}/bin/moto_server" ] && "${venv}/bin/python" -c "import moto, sys; sys.exit(0 if moto.__version__ == '${MOTO_VERSION}' else 1)" 2>/dev/null; then
  echo "--- install-s3: moto ${MOTO_VERSION} already installed in ${venv}"
  exit 0
fi
python="${PYTHON:-python3}"
command -v "${python}" >/dev/null || { echo "install-s3: needs python3 (3.9+) with the venv module" >&2; exit 1; }
echo "--- install-s3: moto[server]==${MOTO_VERSION} into ${venv}"
"${python}" -m venv "${venv}"
"${venv}/bin/pip" install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}"
"${venv}/bin/moto_server" --help >/dev/null
echo "--- install-s3: done in $((SECONDS - start))s"
