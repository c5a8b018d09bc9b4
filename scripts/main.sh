#!/usr/bin/env bash
# The main job: install dependencies, build, and start the image-generation
# example server (examples/imagegen) on a local SQLite file under data/run/,
# after printing its URL and a curl session to try.
#
# usage: scripts/main.sh [--port N]          (or PORT=N scripts/main.sh; default 8080)
#        scripts/main.sh --print-session URL (print the curl session only;
#                                             tests/check_main_session.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/.."

# The session, printed exactly as a user copies it (tests/check_main_session.sh
# executes this very text against a live server).
print_session() {
	cat <<EOF
URL=$1
# 1. Register (JSON; the web form at \$URL/register works too). Twice: 409.
curl -s -X POST "\$URL/register" -H 'Content-Type: application/json' \\
  -d '{"username":"demo","email":"demo@example.com","password":"correct horse battery staple"}'; echo
# 2. Log in over the API: a bearer access token (30 minutes).
TOKEN=\$(curl -s -X POST "\$URL/login" -H 'Content-Type: application/json' \\
  -d '{"username":"demo","password":"correct horse battery staple"}' | jq -r .access_token)
# 3. Generate an image (the same prompt always draws the same picture).
ID=\$(curl -s -X POST "\$URL/api/generate-image" -H "Authorization: Bearer \$TOKEN" \\
  -H 'Content-Type: application/json' -d '{"prompt":"a lighthouse at dawn"}' | jq -r .id)
# 4. Download it: only its owner can (anyone else gets 404).
curl -s -o lighthouse.png -w '%{http_code} %{content_type} %{size_download} bytes\n' \\
  -H "Authorization: Bearer \$TOKEN" "\$URL/images/\$ID"
# 5. A story: several images from one prompt.
curl -s -X POST "\$URL/api/generate-story" -H "Authorization: Bearer \$TOKEN" \\
  -H 'Content-Type: application/json' -d '{"prompt":"a voyage","scenes":3}' | jq -c '.images[].url'
# 6. The browser's way: a session cookie, and the CSRF token from a page for each POST.
curl -s -c cookies.txt -o /dev/null -w '%{http_code} -> %{redirect_url}\n' \\
  --data-urlencode username=demo --data-urlencode 'password=correct horse battery staple' "\$URL/login"
CSRF=\$(curl -s -b cookies.txt "\$URL/generate" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -s -b cookies.txt -H "X-CSRF-Token: \$CSRF" -H 'Content-Type: application/json' \\
  -d '{"prompt":"a red kite"}' "\$URL/api/generate-image"; echo
# 7. Usage and images: open \$URL/dashboard in a browser, or
curl -s -b cookies.txt "\$URL/dashboard" | grep -E '<li>(Images|Cost|Today)'
EOF
}

if [ "${1:-}" = "--print-session" ]; then
	print_session "${2:?usage: $0 --print-session URL}"
	exit 0
fi

port=${PORT:-8080}
while [ $# -gt 0 ]; do
	case $1 in
	--port) port=${2:?--port needs a number}; shift 2 ;;
	--port=*) port=${1#--port=}; shift ;;
	*) echo "usage: $0 [--port N]" >&2; exit 2 ;;
	esac
done

bash scripts/install-deps.sh
bash scripts/build.sh build
mkdir -p data/run
url="http://127.0.0.1:$port"
echo
echo "Image-generation server: $url/  (Ctrl-C stops it; data in data/run/)"
echo "Try it from another shell (copy the lines between the rules):"
echo "------------------------------------------------------------------------"
print_session "$url"
echo "------------------------------------------------------------------------"
exec ./build/examples/imagegen/authkit-imagegen --port "$port" --db data/run/imagegen.db --data-dir data/run/imagegen
