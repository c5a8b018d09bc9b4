#!/usr/bin/env bash
# The image-generation example server under wrk on loopback
# (docs/PERFORMANCE.md, "Image-generation example"): the in-process cost per
# image first (bench_imagegen), then POST /api/generate-image with an API
# key (draw, encode, save, row, usage event, quota) and GET /images/<id>
# (owner check and a 197 KB PNG) over HTTP.
#
#   bench/bench_imagegen.sh BUILD/examples/imagegen/authkit-imagegen BUILD/bench/bench_imagegen
#   ninja -C build bench-imagegen
#
# Needs wrk, curl and jq (scripts/install-deps.sh). Writes a few hundred MB
# of PNGs under $TMPDIR, removed at the end.
set -euo pipefail
BIN=${1:?usage: bench_imagegen.sh AUTHKIT_IMAGEGEN_BINARY BENCH_IMAGEGEN_BINARY}
INPROC=${2:?usage: bench_imagegen.sh AUTHKIT_IMAGEGEN_BINARY BENCH_IMAGEGEN_BINARY}
THREADS=${BENCH_WRK_THREADS:-2}
SECONDS_EACH=${BENCH_WRK_SECONDS:-5}
for tool in wrk curl jq; do
	command -v "$tool" >/dev/null || { echo "bench_imagegen: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

"$INPROC"
echo

DIR=$(mktemp -d "${TMPDIR:-/tmp}/authkit-bench-imagegen.XXXXXX")
PID=
cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT

# No quota (the bench makes thousands of images), access log in a file,
# minimum Argon2id cost (only the setup below hashes). The FIFO gives the
# "listening" line as soon as it is printed.
mkfifo "$DIR/stdout"
env AUTHKIT_ARGON2_OPSLIMIT=2 AUTHKIT_ARGON2_MEMLIMIT=19922944 \
	"$BIN" --port 0 --quota-per-day 0 --data-dir "$DIR/data" --log-file "$DIR/access.log" \
	>"$DIR/stdout" 2>"$DIR/stderr" &
PID=$!
exec 3<"$DIR/stdout"
IFS= read -r -t 60 line <&3 || { echo "bench_imagegen: server did not start" >&2; cat "$DIR/stderr" >&2; exit 1; }
URL=$(printf '%s\n' "$line" | grep -o 'http://[^ ]*' | sed 's:/$::')

PW='lighthouse keeper at dawn 42'
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"bench\",\"email\":\"bench@example.com\",\"password\":\"$PW\"}" "$URL/register"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "{\"username\":\"bench\",\"password\":\"$PW\"}" \
	"$URL/login" | jq -r .access_token)
KEY=$(curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
	"$URL/api/keys" | jq -r .api_key)
ID=$(curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"prompt":"bench"}' \
	"$URL/api/generate-image" | jq -r .id)

cat >"$DIR/generate.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"prompt":"a lighthouse at dawn"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA

run_wrk() { # NAME CONNECTIONS wrk-args...
	local name=$1 conns=$2 out
	shift 2
	out=$(wrk -t"$THREADS" -c"$conns" -d"${SECONDS_EACH}s" --latency "$@")
	printf '%-34s %10s req/s  p50 %8s  p99 %8s  (%s requests%s)\n' "$name" \
		"$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")" "$(awk '$1 == "50%" { print $2 }' <<<"$out")" \
		"$(awk '$1 == "99%" { print $2 }' <<<"$out")" "$(awk '/requests in/ { print $1 }' <<<"$out")" \
		"$(awk '/Non-2xx/ { print ", " $NF " non-2xx" }' <<<"$out")"
}

echo "libauthkit imagegen server: wrk -t$THREADS -d${SECONDS_EACH}s on $URL ($(nproc) CPUs)"
run_wrk "GET /login (page, no auth)" 32 "$URL/login"
run_wrk "GET /images/<id> (API key, 197 KB)" 32 -H "Authorization: Bearer $KEY" "$URL/images/$ID"
run_wrk "POST /api/generate-image (API key)" 8 -s "$DIR/generate.lua" "$URL/api/generate-image"
echo "images on disk: $(find "$DIR/data/images" -name '*.png' | wc -l); RSS: $(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status") KiB"
kill -TERM "$PID"
STATUS=0
wait "$PID" || STATUS=$?
PID=
echo "server exit status after SIGTERM: $STATUS"
