#!/usr/bin/env bash
# Panel sync throughput: creates per second and latency, one client and
# four, against a private tuimaild (no mail server needed for the sync).
# Figures only; make bench prints them, nothing fails on them.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TUIMAIL_BUILD=${TUIMAIL_BUILD:-$TOP/build}
N=${BENCH_SYNC:-1000}

# Borrow the integration library for temp dir, ports, config and cleanup.
test_description='bench: panel sync'
set -- # lib.sh reads no arguments
. "$TOP/tests/integration/lib.sh"

write_conf && tuimailctl domain list >/dev/null
PC="/usr/bin/python3 $TOP/tests/integration/panel-client.py"
for scheme in BLF-CRYPT SHA512-CRYPT; do
	SSH_PORT=$(srv_free_port)
	HTTP_PORT=$(srv_free_port)
	URL=http://127.0.0.1:$HTTP_PORT
	tuimaild_start "dovecot_password_scheme = $scheme" "[panel]" \
		"mail_sync_secret = bench" "http_listen = 127.0.0.1:$HTTP_PORT" ||
		exit 1
	for _ in $(seq 50); do
		grep -q "panel endpoint listening on 127.0.0.1:$HTTP_PORT" \
			"$TEST_DIR/tuimaild.log" && break
		sleep 0.1
	done
	for clients in 1 4; do
		dom="c$clients-$(echo "$scheme" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')x$RANDOM.example"
		out=$($PC "$URL" burst bench "$N" "$clients" "$dom" pw-bench)
		echo "sync create, $scheme, $clients client(s), $N calls: $out [no target; reported]"
	done
	kill "$TUIMAILD_PID" 2>/dev/null
	sleep 1
done
exit 0
