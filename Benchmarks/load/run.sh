#!/usr/bin/env bash
# Benchmarks/load/run.sh: optd under HTTP load on loopback, against nginx with one worker.
#
# Run by hand (not in CI), as root or with sudo for the apt-get step:
#     Benchmarks/load/run.sh              # text tables
#     Benchmarks/load/run.sh --markdown   # the tables in Benchmarks/load/README.md
# See Benchmarks/load/README.md for what is measured and the targets.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: Benchmarks/load/run.sh [--markdown] [--duration S] [--warmup S] [--threads N]
                              [--connections N] [--large-connections N] [--optimizer NAME]
                              [--no-build] [--no-access-log-row]
  --duration S            seconds each measurement runs (10)
  --warmup S              seconds of untimed load before each measurement (2)
  --threads N             wrk threads (2)
  --connections N         keep-alive connections for /healthz and the 1k steps (32)
  --large-connections N   connections for the 1M raw and 100k JSON steps (2)
  --optimizer NAME        optimizer of the step sessions, created with {"lr": 0} (sgd)
  --no-build              use the optd already built in .build/release
  --no-access-log-row     skip the extra /healthz row with optd's per-request log on
  --markdown              markdown tables
EOF
}

MARKDOWN=0 DURATION=10 WARMUP=2 THREADS=2 CONNECTIONS=32 LARGE_CONNECTIONS=2 OPTIMIZER=sgd BUILD=1 LOG_ROW=1
while (($#)); do
    case "$1" in
        --markdown) MARKDOWN=1 ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --threads) THREADS=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --large-connections) LARGE_CONNECTIONS=$2; shift ;;
        --optimizer) OPTIMIZER=$2; shift ;;
        --no-build) BUILD=0 ;;
        --no-access-log-row) LOG_ROW=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LUA="$HERE/request.lua"
log() { echo "run.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# optd reads OPTD_* from the environment: none of the caller's may leak in (no data dir, no key).
for name in $(compgen -e); do if [[ $name == OPTD_* ]]; then unset "$name"; fi; done

# --- build and tools -----------------------------------------------------------------------------
if ((BUILD)); then
    log "building optd (swift build -c release --product optd)"
    (cd "$ROOT" && swift build -c release --product optd) >&2
fi
OPTD="$(cd "$ROOT" && swift build -c release --product optd --show-bin-path)/optd"
[[ -x $OPTD ]] || die "no optd binary at $OPTD (run without --no-build)"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian"
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v python3 >/dev/null || die "python3 is needed to write the request bodies"
command -v curl >/dev/null || die "curl is needed to create the sessions"

# --- processes, stopped whatever happens -----------------------------------------------------------
WORK=$(mktemp -d /tmp/optd-load.XXXXXX)
OPTD_PID="" NGINX_PID=""

stop() {  # stop PID: SIGTERM, then SIGKILL after 10 s
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop "$OPTD_PID"
    stop "$NGINX_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_ready() {  # wait_ready URL PID
    for _ in $(seq 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

start_optd() {  # start_optd LOG_LEVEL
    OPTD_PORT_=$(free_port)
    "$OPTD" --host 127.0.0.1 --port "$OPTD_PORT_" --log-level "$1" --openapi "$ROOT/openapi.yaml" \
        2>"$WORK/optd-$1.log" &
    OPTD_PID=$!
    OPTD_URL="http://127.0.0.1:$OPTD_PORT_"
    wait_ready "$OPTD_URL/healthz" "$OPTD_PID" || { cat "$WORK/optd-$1.log" >&2; die "optd did not start"; }
}

start_nginx() {
    local port
    port=$(free_port)
    mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type text/plain;
    keepalive_requests 100000000;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        location / { return 200 "ok"; }
    }
}
EOF
    "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
    NGINX_PID=$!
    NGINX_URL="http://127.0.0.1:$port"
    wait_ready "$NGINX_URL/healthz" "$NGINX_PID" || { cat "$WORK/nginx/error.log" >&2; die "nginx did not start"; }
}

# CPU time (user + system, in clock ticks) of the given processes, every thread included.
cpu_ticks() {
    local total=0 pid stat f
    for pid in "$@"; do
        stat=$(<"/proc/$pid/stat")
        stat=${stat##*) }            # drop "pid (comm) ": the comm may hold spaces
        read -r -a f <<<"$stat"      # f[0] is field 3 (state): utime is field 14, stime 15
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}
TICKS_PER_SECOND=$(getconf CLK_TCK)

server_pids() {  # the processes whose CPU a row counts: optd, or nginx's master and workers
    case "$1" in
        optd) echo "$OPTD_PID" ;;
        nginx) echo "$NGINX_PID" $(pgrep -P "$NGINX_PID") ;;
    esac
}

# --- measurement ----------------------------------------------------------------------------------
ROWS=()
declare -A RPS P50 P99 CPU MBPS ERRORS LABEL SERVER WRK BODY
ANY_ERRORS=0

# measure KEY LABEL SERVER URL CONNECTIONS [BODY_FILE CONTENT_TYPE]
measure() {
    local key=$1 label=$2 server=$3 url=$4 connections=$5 body=${6:-} type=${7:-}
    local threads=$THREADS
    if ((threads > connections)); then threads=$connections; fi
    local wrk_args=(-t"$threads" -c"$connections" --latency -s "$LUA")
    log "$label on $server: warm-up ${WARMUP}s, then ${DURATION}s (wrk -t$threads -c$connections)"
    BODY_FILE=$body CONTENT_TYPE=$type wrk "${wrk_args[@]}" -d"${WARMUP}s" "$url" >/dev/null
    local pids before after
    read -r -a pids <<<"$(server_pids "$server")"
    before=$(cpu_ticks "${pids[@]}")
    BODY_FILE=$body CONTENT_TYPE=$type wrk "${wrk_args[@]}" -d"${DURATION}s" "$url" >"$WORK/wrk-$key.txt"
    after=$(cpu_ticks "${pids[@]}")
    local result
    result=$(grep '^RESULT ' "$WORK/wrk-$key.txt") || { cat "$WORK/wrk-$key.txt" >&2; die "wrk printed no result"; }
    local kv r_requests=0 r_duration_us=0 r_p50_us=0 r_p99_us=0 r_status_errors=0 r_socket_errors=0
    for kv in ${result#RESULT }; do printf -v "r_${kv%%=*}" '%s' "${kv#*=}"; done
    local requests=$r_requests duration=$r_duration_us p50=$r_p50_us p99=$r_p99_us
    local status_errors=$r_status_errors socket_errors=$r_socket_errors
    ((requests > 0)) || die "$label: no request completed"
    local bytes=0
    if [[ -n $body ]]; then bytes=$(stat -c %s "$body"); fi
    ROWS+=("$key")
    LABEL[$key]=$label SERVER[$key]=$server WRK[$key]="-t$threads -c$connections" BODY[$key]=$bytes
    RPS[$key]=$(awk -v n="$requests" -v us="$duration" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
    P50[$key]=$(awk -v v="$p50" 'BEGIN { printf "%.3f", v / 1000 }')
    P99[$key]=$(awk -v v="$p99" 'BEGIN { printf "%.3f", v / 1000 }')
    CPU[$key]=$(awk -v t=$((after - before)) -v hz="$TICKS_PER_SECOND" -v n="$requests" \
        'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    MBPS[$key]=$(awk -v b="$bytes" -v n="$requests" -v us="$duration" 'BEGIN { printf "%.1f", b * n / (us / 1e6) / 1e6 }')
    ERRORS[$key]=$((status_errors + socket_errors))
    if ((ERRORS[$key] != 0)); then
        ANY_ERRORS=1
        log "$label: $status_errors non-2xx responses, $socket_errors socket errors"
    fi
}

# create_session N → the session's id (a session of N float32 params, {"lr": 0}: params never change)
create_session() {
    local n=$1 file="$WORK/session-$1.json"
    python3 "$HERE/bodies.py" session "$OPTIMIZER" "$n" "$file"
    local status
    status=$(curl -sS -o "$WORK/created.json" -D "$WORK/created.headers" -w '%{http_code}' \
        -H 'Content-Type: application/json' --data-binary @"$file" "$OPTD_URL/v1/sessions")
    [[ $status == 201 ]] || { head -c 2000 "$WORK/created.json" >&2; die "creating a session of $n params: HTTP $status"; }
    sed -n 's|^[Ll]ocation: */v1/sessions/\([^[:space:]]*\).*|\1|p' "$WORK/created.headers"
}

# check_step ID BODY_FILE CONTENT_TYPE EXPECTED_RESPONSE_BYTES(0: any): one step by hand, before the load
check_step() {
    local status size
    read -r status size < <(curl -sS -o "$WORK/step.out" -w '%{http_code} %{size_download}\n' \
        -H "Content-Type: $3" --data-binary @"$2" "$OPTD_URL/v1/sessions/$1/step")
    [[ $status == 200 ]] || { head -c 2000 "$WORK/step.out" >&2; die "a step with $2 answered HTTP $status"; }
    [[ $4 == 0 || $size == "$4" ]] || die "a raw step answered $size bytes, expected $4"
}

# --- the run ----------------------------------------------------------------------------------------
CPU_MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
CORES=$(nproc)
log "writing request bodies"
python3 "$HERE/bodies.py" json 1000 "$WORK/json-1k.json"
python3 "$HERE/bodies.py" raw 1000 "$WORK/raw-1k.bin"
python3 "$HERE/bodies.py" json 100000 "$WORK/json-100k.json"
python3 "$HERE/bodies.py" raw 1000000 "$WORK/raw-1m.bin"

start_nginx
start_optd warning
log "optd $OPTD_URL (pid $OPTD_PID, memory only, --log-level warning), nginx $NGINX_URL (pid $NGINX_PID, 1 worker)"
S1K=$(create_session 1000)
S100K=$(create_session 100000)
S1M=$(create_session 1000000)
check_step "$S1K" "$WORK/json-1k.json" application/json 0
check_step "$S1K" "$WORK/raw-1k.bin" application/octet-stream 4000
check_step "$S100K" "$WORK/json-100k.json" application/json 0
check_step "$S1M" "$WORK/raw-1m.bin" application/octet-stream 4000000

measure nginx "GET /healthz" nginx "$NGINX_URL/healthz" "$CONNECTIONS"
measure healthz "GET /healthz" optd "$OPTD_URL/healthz" "$CONNECTIONS"
measure json1k "step, JSON 1k float32" optd "$OPTD_URL/v1/sessions/$S1K/step" "$CONNECTIONS" \
    "$WORK/json-1k.json" application/json
measure raw1k "step, raw 1k float32" optd "$OPTD_URL/v1/sessions/$S1K/step" "$CONNECTIONS" \
    "$WORK/raw-1k.bin" application/octet-stream
measure raw1m "step, raw 1M float32" optd "$OPTD_URL/v1/sessions/$S1M/step" "$LARGE_CONNECTIONS" \
    "$WORK/raw-1m.bin" application/octet-stream
measure json100k "step, JSON 100k float32" optd "$OPTD_URL/v1/sessions/$S100K/step" "$LARGE_CONNECTIONS" \
    "$WORK/json-100k.json" application/json
if ((LOG_ROW)); then
    stop "$OPTD_PID"
    start_optd info
    measure healthzlog "GET /healthz, --log-level info" optd "$OPTD_URL/healthz" "$CONNECTIONS"
fi

# --- report -----------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
meets() {  # meets VALUE OP GOAL → "met" / "NOT met"
    awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? v >= g : v <= g; print ok ? "met" : "NOT met" }'
}

table() {  # table "col|col|..." rows... ; first two columns left-aligned
    local widths=() line cells i
    for line in "$@"; do
        IFS='|' read -r -a cells <<<"$line"
        for i in "${!cells[@]}"; do
            if ((${#cells[i]} > ${widths[i]:-0})); then widths[i]=${#cells[i]}; fi
        done
    done
    local first=1
    for line in "$@"; do
        IFS='|' read -r -a cells <<<"$line"
        if ((MARKDOWN)); then
            printf '|'; for i in "${!cells[@]}"; do printf ' %s |' "${cells[i]}"; done; printf '\n'
            if ((first)); then
                printf '|'; for i in "${!cells[@]}"; do ((i < 2)) && printf ' --- |' || printf ' ---: |'; done; printf '\n'
            fi
        else
            for i in "${!cells[@]}"; do
                ((i > 0)) && printf '  '
                # Padding by hand: printf's widths count bytes, and "≥", "÷" and "µ" take two or three.
                local pad=$((widths[i] - ${#cells[i]}))
                if ((i < 2)); then printf '%s%*s' "${cells[i]}" "$pad" ''; else printf '%*s%s' "$pad" '' "${cells[i]}"; fi
            done
            printf '\n'
            if ((first)); then
                local total=0; for i in "${!widths[@]}"; do total=$((total + widths[i] + 2)); done
                printf '%*s\n' $((total - 2)) '' | tr ' ' -
            fi
        fi
        first=0
    done
}

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain -- Sources Package.swift 2>/dev/null) ]]; then COMMIT+=" + uncommitted changes"; fi
echo "Load benchmark: $CPU_MODEL, $CORES cores, $(date -u +%Y-%m-%dT%H:%MZ), optd $COMMIT, $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), nginx $("$NGINX" -v 2>&1 | sed 's|.*/||')"
echo
echo "The $CORES cores are shared by wrk, the server under test and whatever else runs on the machine:"
echo "wrk's own CPU comes out of the server's, so req/s are lower than on a dedicated server and move by"
echo "tens of percent between runs; compare ratios taken within one run. Everything is on 127.0.0.1,"
echo "HTTP/1.1 keep-alive, ${DURATION}s per row after ${WARMUP}s of warm-up. Step sessions: $OPTIMIZER, {\"lr\": 0}"
echo "(params never change), one session per size; steps on one session are serialised by optd."
echo

rows=("request|server|wrk|body bytes|req/s|p50 ms|p99 ms|server CPU µs/req|gradient MB/s|errors")
for key in "${ROWS[@]}"; do
    mb="-"
    if ((BODY[$key] > 0)); then mb=${MBPS[$key]}; fi
    rows+=("${LABEL[$key]}|${SERVER[$key]}|${WRK[$key]}|${BODY[$key]}|${RPS[$key]}|${P50[$key]}|${P99[$key]}|${CPU[$key]}|$mb|${ERRORS[$key]}")
done
table "${rows[@]}"
echo
echo "server CPU µs/req: utime + stime of the server's processes (nginx: master + worker) over the run,"
echo "from /proc/PID/stat, ÷ requests. gradient MB/s: request body bytes × req/s (10^6 bytes); the"
echo "response carries the params back (the same size for raw steps)."
if ((LOG_ROW)); then
    echo "The last row runs optd with its default --log-level info (one logfmt line per request on"
    echo "stderr, to a file); every other optd row uses --log-level warning, as nginx has access_log off."
fi
echo

R1=$(ratio "${RPS[healthz]}" "${RPS[nginx]}")
R3=$(ratio "${RPS[raw1k]}" "${RPS[healthz]}")
targets=("target|measured|goal|status")
targets+=("optd /healthz req/s ÷ nginx req/s|$R1|≥ 0.5|$(meets "$R1" ">=" 0.5)")
targets+=("optd /healthz CPU µs/request|${CPU[healthz]}|≤ 20|$(meets "${CPU[healthz]}" "<=" 20)")
targets+=("raw 1k step req/s ÷ optd /healthz req/s|$R3|≥ 0.7|$(meets "$R3" ">=" 0.7)")
targets+=("raw 1M step gradient MB/s|${MBPS[raw1m]}|≥ 1000|$(meets "${MBPS[raw1m]}" ">=" 1000)")
targets+=("JSON 100k step gradient MB/s|${MBPS[json100k]}|≥ 100|$(meets "${MBPS[json100k]}" ">=" 100)")
table "${targets[@]}"

((ANY_ERRORS == 0)) || { log "some requests failed (errors column): the figures above are not valid"; exit 1; }
