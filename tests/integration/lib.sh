# Shared by the integration test scripts (sourced, not run): case reporting, polling,
# SQLite and HTTP helpers. The sourcing script sets `dir` (its temporary directory).
export LC_ALL=C.UTF-8
fails=0
fail()
{
	echo "FAIL $*"
	fails=$((fails + 1))
}
ok() { echo "ok   $*"; }
sql() { sqlite3 -batch -noheader "$@"; }
# wait_for SECONDS CMD...: polls until CMD succeeds; 1 when it never did.
wait_for()
{
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
# wait_port FILE: waits (5 s at most) for a --port-file and prints the port.
wait_port()
{
	for _ in $(seq 100); do
		[[ -s $1 ]] && break
		sleep 0.05
	done
	cat "$1"
}
# A browser-like session: cookies kept in $dir/cookies.
curl_json() { curl -s -b "$dir/cookies" -c "$dir/cookies" -H 'Content-Type: application/json' "$@"; }
# admin_login BASE_URL USER PASSWORD: logs in and prints the session's CSRF token.
admin_login()
{
	curl_json -X POST "$1/api/v1/login" -d "{\"v\":1,\"user\":\"$2\",\"password\":\"$3\"}" |
		sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p'
}
