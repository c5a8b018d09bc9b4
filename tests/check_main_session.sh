#!/usr/bin/env bash
# The curl session that scripts/main.sh prints works exactly as written:
# start the image-generation server on a free loopback port with a fresh data
# directory, take the text `scripts/main.sh --print-session URL` prints, run
# it with bash (twice: a second run meets the already registered user), and
# check what each step produced. Exit 77 (skip) without curl or jq.
# usage: check_main_session.sh SERVER_BINARY SOURCE_ROOT
set -euo pipefail
server=$1
root=$2
for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed"; exit 77; }
done

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "--- session output:" >&2
	cat "$tmp"/work/run*.txt >&2 || true
	echo "--- server log:" >&2
	cat "$tmp/server.err" >&2 || true
	exit 1
}

# The server's stdout goes through a FIFO so the test reads its
# "listening on" line as soon as it is written (no polling, no sleeping).
mkfifo "$tmp/server.out"
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(AUTHKIT_[A-Z0-9_]*\)=.*/\1/p')
AUTHKIT_ARGON2_OPSLIMIT=2 AUTHKIT_ARGON2_MEMLIMIT=19922944 \
	"$server" --port 0 --data-dir "$tmp/data" >"$tmp/server.out" 2>"$tmp/server.err" &
pid=$!
exec 3<"$tmp/server.out"
IFS= read -r -t 60 line <&3 || fail "the server did not start"
url=$(printf '%s\n' "$line" | sed -n 's|.*listening on \(http://[^ ]*\)/$|\1|p')
[ -n "$url" ] || fail "no URL in: $line"

bash "$root/scripts/main.sh" --print-session "$url" >"$tmp/session.sh"
grep -q "^URL=$url\$" "$tmp/session.sh" || fail "the session does not start with URL=$url"
mkdir "$tmp/work"
cd "$tmp/work"
for run in 1 2; do
	bash -e -o pipefail "$tmp/session.sh" >"run$run.txt" 2>&1 || fail "run $run of the session failed"
	out="run$run.txt"
	if [ "$run" = 1 ]; then
		grep -q '"username":"demo"' "$out" || fail "registration did not answer the user"
	else
		grep -q '"error":"' "$out" || fail "registering twice did not answer an error"
	fi
	grep -q '^200 image/png ' "$out" || fail "run $run: the image download did not answer 200 image/png"
	[ "$(head -c 8 lighthouse.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "run $run: lighthouse.png is not a PNG"
	[ "$(grep -c '^"/images/[0-9a-f]\{32\}"$' "$out")" = 3 ] || fail "run $run: the story did not list 3 images"
	grep -q "^303 -> $url/dashboard\$" "$out" || fail "run $run: the form login did not redirect to the dashboard"
	grep -q '"prompt":"a red kite"' "$out" || fail "run $run: the cookie + CSRF generation failed"
	grep -q "<li>Images: $((run * 5))</li>" "$out" || fail "run $run: the dashboard does not count $((run * 5)) images"
done

# Stop it like Ctrl-C would: a clean exit, and no password in its log.
kill -INT "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || fail "the server exited with status $status"
! grep -qF 'correct horse battery staple' "$tmp/server.err" || fail "the password is in the server's log"
echo "ok: the printed session ran twice against $url"
