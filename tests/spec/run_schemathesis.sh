#!/usr/bin/env bash
# Property-based check of a running optd against openapi.yaml, with schemathesis.
#
#   tests/spec/run_schemathesis.sh http://127.0.0.1:18080
#
# Runs every phase schemathesis has (examples, coverage, fuzzing, and the stateful phase that
# follows the spec's links: create a session, then get / patch / step / delete it, restore it
# from its export) with a fixed seed and at most $OPTD_SCHEMATHESIS_EXAMPLES (30) cases per
# operation, and these checks: not_a_server_error, response_schema_conformance,
# status_code_conformance, content_type_conformance. Exits non-zero on any failure.
# Takes about half a minute; a hard limit of $OPTD_SCHEMATHESIS_TIMEOUT (240) seconds guards CI.
#
# Environment:
#   OPTD_API_KEY                when optd runs with --api-key, sent as "Authorization: Bearer <key>"
#   OPTD_SCHEMATHESIS_VENV      where schemathesis is installed if missing
#                               (default ${XDG_CACHE_HOME:-~/.cache}/optd-schemathesis)
#   OPTD_SCHEMATHESIS_SEED      the seed (default 20261125)
#   OPTD_SCHEMATHESIS_EXAMPLES  max examples per operation (default 30)
#   OPTD_SCHEMATHESIS_REPORT    a directory: also write a JUnit report and a HAR of every exchange there
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BASE_URL   (e.g. http://127.0.0.1:18080)" >&2
    exit 2
fi
base_url=${1%/}
spec=$(cd "$(dirname "$0")/../.." && pwd)/openapi.yaml

venv=${OPTD_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/optd-schemathesis}
st="$venv/bin/schemathesis"
# The flags below are schemathesis 4's.
if ! "$st" --version 2>/dev/null | grep -q 'version 4\.'; then
    echo "installing schemathesis 4 into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'schemathesis>=4.1,<5'
fi

if ! curl -fsS -o /dev/null --max-time 5 "$base_url/healthz"; then
    echo "optd does not answer at $base_url/healthz" >&2
    exit 2
fi

args=(
    run "$spec"
    --url "$base_url"
    --phases examples,coverage,fuzzing,stateful
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
    --seed "${OPTD_SCHEMATHESIS_SEED:-20261125}"
    --max-examples "${OPTD_SCHEMATHESIS_EXAMPLES:-30}"
    --workers 1
    --generation-database none
    --request-timeout 10
    --no-color
)
if [ -n "${OPTD_API_KEY:-}" ]; then
    args+=(--header "Authorization: Bearer $OPTD_API_KEY")
fi
if [ -n "${OPTD_SCHEMATHESIS_REPORT:-}" ]; then
    mkdir -p "$OPTD_SCHEMATHESIS_REPORT"
    args+=(--report junit,har --report-dir "$OPTD_SCHEMATHESIS_REPORT")
fi

# Run from a scratch directory: schemathesis and hypothesis leave state in the working directory.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
timeout --kill-after=10 "${OPTD_SCHEMATHESIS_TIMEOUT:-240}" "$st" "${args[@]}"
