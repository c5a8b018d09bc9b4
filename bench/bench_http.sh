#!/usr/bin/env bash
# HTTP benchmark of the chat example server (docs/PERFORMANCE.md, "HTTP
# example servers"): throughput and p99 of GET /auth/api/me with a bearer
# token (stateful check) next to GET /healthz in the same run, then RSS after
# ~100,000 and after >= 1,000,000 requests.
#
#   bench/bench_http.sh BUILD/examples/chat/authkit-chat [TOTAL_REQUESTS]
#   ninja -C build bench-http              (same, via meson)
#
# Needs wrk, curl and jq (scripts/install-deps.sh). Use a release build
# (meson setup build-release --buildtype=release) for figures.
set -euo pipefail

BIN=${1:?usage: bench_http.sh AUTHKIT_CHAT_BINARY [TOTAL_REQUESTS]}
TOTAL=${2:-1000000}
THREADS=${BENCH_WRK_THREADS:-2}
CONNS=${BENCH_WRK_CONNECTIONS:-32}
SECONDS_EACH=${BENCH_WRK_SECONDS:-4}
ROUNDS=${BENCH_ROUNDS:-5}
for tool in wrk curl jq; do
	command -v "$tool" >/dev/null || { echo "bench_http: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/authkit-bench-http.XXXXXX")
PID=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

# The server as a user would run it, with its access log in a file and the
# minimum Argon2id cost (only the one login below hashes).
env AUTHKIT_ARGON2_OPSLIMIT=2 AUTHKIT_ARGON2_MEMLIMIT=19922944 \
	"$BIN" --port 0 --data-dir "$DIR/data" --log-file "$DIR/access.log" >"$DIR/stdout" 2>"$DIR/stderr" &
PID=$!
for _ in $(seq 100); do
	grep -q listening "$DIR/stdout" 2>/dev/null && break
	sleep 0.1
done
URL=$(grep -o 'http://[^ ]*' "$DIR/stdout" | sed 's:/$::')
[ -n "$URL" ] || { echo "bench_http: server did not start" >&2; cat "$DIR/stderr" >&2; exit 1; }

PW='load test passphrase for wrk'
curl -fsS -o /dev/null -d "username=loadtest&email=loadtest%40example.com&password=${PW// /+}" "$URL/auth/register"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
	-d "{\"username\":\"loadtest\",\"password\":\"$PW\"}" "$URL/auth/api/login" | jq -r .access_token)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/auth/api/me")" = 200 ] ||
	{ echo "bench_http: /auth/api/me does not answer 200" >&2; exit 1; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }
# VmRSS split into heap/stacks (anon), mapped files (the binary, libraries)
# and shared memory (SQLite's -shm WAL index, which grows with the WAL).
rss_parts() { awk '/^Rss(Anon|File|Shmem):/ { printf "%s %s KiB  ", $1, $2 }' "/proc/$PID/status"; }
DONE=0
# run_wrk NAME SECONDS [wrk args...]: prints nothing, sets RPS, P99, COUNT, NON2XX
run_wrk() {
	local secs=$1
	shift
	local out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --latency "$@")
	RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	P99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	COUNT=$(awk '/requests in/ { print $1 }' <<<"$out")
	NON2XX=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
	DONE=$((DONE + COUNT))
}

echo "libauthkit chat server: wrk -t$THREADS -c$CONNS on $URL ($(nproc) CPUs)"
echo "RSS after start and login: $(rss_kib) KiB"
# Memory, first reading: ~100,000 requests of GET /auth/api/me.
while [ "$DONE" -lt 100000 ]; do run_wrk 1 -H "Authorization: Bearer $TOKEN" "$URL/auth/api/me"; done
RSS_100K=$(rss_kib) AT_100K=$DONE
echo "RSS after ${AT_100K} requests: ${RSS_100K} KiB ($(rss_parts))"

# Throughput: /healthz and /auth/api/me alternated in ROUNDS rounds (the
# order flipped every round), same server, same run; medians of each side's
# req/s and p99. A shared VM drifts by +-20% over a minute: alternating keeps
# that drift out of the ratio, as the C benchmarks do with their blocks.
p99_ms() { awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/) v *= 1000; printf "%.2f", v }' <<<"$1"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
H_ALL= M_ALL= HP_ALL= MP_ALL=
bench_healthz() {
	run_wrk "$SECONDS_EACH" "$URL/healthz"
	H_ALL+=" $RPS" HP_ALL+=" $(p99_ms "$P99")"
}
bench_me() {
	run_wrk "$SECONDS_EACH" -H "Authorization: Bearer $TOKEN" "$URL/auth/api/me"
	[ -z "$NON2XX" ] || { echo "bench_http: /auth/api/me answered non-2xx" >&2; exit 1; }
	M_ALL+=" $RPS" MP_ALL+=" $(p99_ms "$P99")"
}
for round in $(seq "$ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then bench_healthz; bench_me; else bench_me; bench_healthz; fi
done
echo "GET /healthz req/s per round:             $H_ALL"
echo "GET /auth/api/me (bearer) req/s per round:$M_ALL"
H_RPS=$(median <<<"$H_ALL") M_RPS=$(median <<<"$M_ALL")
echo "GET /healthz               median $H_RPS req/s  p99 $(median <<<"$HP_ALL") ms  ($ROUNDS rounds of ${SECONDS_EACH} s)"
echo "GET /auth/api/me (bearer)  median $M_RPS req/s  p99 $(median <<<"$MP_ALL") ms  ($ROUNDS rounds of ${SECONDS_EACH} s)"
awk -v m="$M_RPS" -v h="$H_RPS" 'BEGIN { printf "ratio /me : /healthz        %.3f (target >= 0.60; /me target >= 20000 req/s)\n", m / h }'

# Memory, second reading: keep driving /auth/api/me up to TOTAL requests.
while [ "$DONE" -lt "$TOTAL" ]; do run_wrk "$SECONDS_EACH" -H "Authorization: Bearer $TOKEN" "$URL/auth/api/me"; done
RSS_END=$(rss_kib)
echo "RSS after ${DONE} requests: ${RSS_END} KiB (growth since request ${AT_100K}: $((RSS_END - RSS_100K)) KiB; target <= 32768 KiB, no growth)"
echo "  ($(rss_parts))"
kill -TERM "$PID"
STATUS=0
wait "$PID" || STATUS=$?
PID=
echo "server exit status after SIGTERM: $STATUS; access log lines: $(wc -l <"$DIR/access.log")"
