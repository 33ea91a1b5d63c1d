# shellcheck shell=bash
# bench/lib.sh: the set-up the large-folder benchmarks share (b0002, b0005).
#
# Source it after setting HERE, TOP, BUILD, DIR (the bench's temp dir, the
# current directory), PY, USER_ADDR and PASS, and defining fail MSG [LOG]
# (which exits). It defines functions only.
#
#   bench_servers           tui.conf, the domain and the account, a private
#                           Dovecot (tests/integration/lib-servers.sh) whose
#                           login works; sets what dovecot_start sets
#   bench_folder COUNT BIG  an INBOX of COUNT generated messages
#                           (bench/gen-folder.py, the newest BIG bytes) in
#                           the account's Maildir, indexed by Dovecot; sets
#                           GEN_MS and INDEX_MS (how long each took)
#
# BENCH_FOLDER_CACHE=DIR keeps the generated messages in DIR and reuses
# them (hard links into the Maildir) while gen-folder.py and the arguments
# are the same: on a shared machine the 100,000 files are written once.
# Dovecot only renames a file when its flags change, so the kept copy stays
# as generated.

. "$TOP/tests/integration/lib-servers.sh"

bench_now_ms() { date +%s%3N; }

bench_servers() {
	mkdir -p state db
	cat >tui.conf <<EOF
[server]
database = $DIR/db/tuimail.db
state_dir = $DIR/state
host_key = $DIR/key
[imap]
host = 127.0.0.1
security = none
EOF
	chmod 600 tui.conf
	"$BUILD/tuimailctl" -f tui.conf domain add example.com >/dev/null 2>&1 ||
		fail "cannot create the domain"
	echo "$PASS" | "$BUILD/tuimailctl" -f tui.conf account add \
		"$USER_ADDR" >/dev/null 2>&1 || fail "cannot create the account"
	dovecot_start "$DIR/dovecot" "$DIR/db/tuimail.db" >dovecot.err 2>&1 ||
		fail "Dovecot did not start" dovecot.err
	imap_login_ok "$USER_ADDR" "$PASS" || fail "cannot log in to Dovecot"
}

# bench_generate COUNT BIG OUT: gen-folder.py's files in OUT/cur, from the
# kept copy when there is one.
bench_generate() {
	local count=$1 big=$2 out=$3 key keep
	if [ -z "${BENCH_FOLDER_CACHE:-}" ]; then
		"$PY" "$HERE/gen-folder.py" "$out" "$count" --big "$big" \
			>/dev/null
		return
	fi
	key=$(cat "$HERE/gen-folder.py" | md5sum | cut -c1-12)
	keep=$BENCH_FOLDER_CACHE/gen-$count-$big-$key
	if [ ! -f "$keep/done" ]; then
		rm -rf "$keep" && mkdir -p "$keep" &&
			"$PY" "$HERE/gen-folder.py" "$keep" "$count" \
				--big "$big" >/dev/null &&
			touch "$keep/done" || return 1
	fi
	mkdir -p "$out" &&
		{ cp -al "$keep/cur" "$out/cur" 2>/dev/null ||
			cp -a "$keep/cur" "$out/cur"; }
}

bench_folder() {
	local count=$1 big=$2 start n
	maildir=$MAIL_ROOT/example.com/bench/Maildir
	start=$(bench_now_ms)
	bench_generate "$count" "$big" "$DIR/gen" || fail "gen-folder.py failed"
	GEN_MS=$(($(bench_now_ms) - start))
	# The new mail goes in whole, and Dovecot's index of the old is dropped.
	mkdir -p "$maildir/new" "$maildir/tmp" && rm -rf "$maildir/cur" &&
		mv "$DIR/gen/cur" "$maildir/cur" &&
		rm -f "$maildir"/dovecot* &&
		chown -R "$_SRV_VMAIL_USER:$_SRV_VMAIL_GROUP" "$maildir" ||
		fail "cannot move the folder into place"
	start=$(bench_now_ms)
	n=$(doveadm -c "$DOVECOT_CONF" -f flow mailbox status -u "$USER_ADDR" \
		messages INBOX 2>doveadm.err | sed 's/.*messages=//')
	INDEX_MS=$(($(bench_now_ms) - start))
	[ "$n" = "$count" ] || fail "Dovecot sees ${n:-no} messages, not $count" \
		doveadm.err
}
