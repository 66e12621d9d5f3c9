#!/bin/sh
# One-shot namespace and search-attribute setup for docker-compose.yml (service temporal-namespace, image
# temporalio/admin-tools). Creates NAMESPACE (retention NAMESPACE_RETENTION) unless it exists, then registers
# SEARCH_ATTRIBUTES ("Name=Type,...", the TEMPORAL_SEARCH_ATTRIBUTES line of .env, which
# test/cluster/compose.test.ts keeps equal to workflows/search-attributes.ts). Both commands leave what already exists alone, so this runs on every start.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}" "${NAMESPACE_RETENTION:?}" "${SEARCH_ATTRIBUTES:?}"

# Retries a command for up to 2 minutes: the frontend answers before its namespace cache knows a new namespace.
retry() {
  what="$1"; shift
  tries=0
  until "$@"; do
    tries=$((tries + 1))
    if [ "${tries}" -ge 40 ]; then
      echo "temporal-namespace: ${what} still failing after 2 minutes" >&2
      exit 1
    fi
    echo "temporal-namespace: ${what} not yet, retrying in 3 s"
    sleep 3
  done
}

retry "cluster health at ${TEMPORAL_ADDRESS}" temporal operator cluster health --address "${TEMPORAL_ADDRESS}"

if temporal operator namespace describe --address "${TEMPORAL_ADDRESS}" --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  echo "temporal-namespace: namespace ${NAMESPACE} already exists"
else
  retry "namespace create ${NAMESPACE}" temporal operator namespace create --address "${TEMPORAL_ADDRESS}" --namespace "${NAMESPACE}" --retention "${NAMESPACE_RETENTION}"
fi

# "GstGstin=Keyword,GstPagesTotal=Int" -> --name GstGstin --type Keyword --name GstPagesTotal --type Int
set --
old_ifs="${IFS}"
IFS=','
for pair in ${SEARCH_ATTRIBUTES}; do
  case "${pair}" in
    ?*=?*) set -- "$@" --name "${pair%%=*}" --type "${pair#*=}" ;;
    *) echo "temporal-namespace: SEARCH_ATTRIBUTES entry \"${pair}\" is not Name=Type" >&2; exit 1 ;;
  esac
done
IFS="${old_ifs}"

retry "search-attribute create" temporal operator search-attribute create --address "${TEMPORAL_ADDRESS}" --namespace "${NAMESPACE}" "$@"
echo "temporal-namespace: namespace ${NAMESPACE} has the search attributes ${SEARCH_ATTRIBUTES}"
