# shellcheck shell=bash
# bench/client.sh: whole mail clients timed through tmux, for b0002.
#
# Both clients run in a private tmux server (100x30, TERM=xterm-256color)
# and are timed the same way: the clock starts as the password and Enter
# are typed, and stops when a poll of `tmux capture-pane` shows the
# folder's status line and at least 20 rows of the generated mail (a
# subject of two or more of gen-folder.py's words), none of them still
# "(loading)". A poll costs about 5 ms (a tmux client), so figures are
# that much coarse, for both clients alike.
#
# Needs DIR, BUILD, COUNT, IMAP_PORT, USER_ADDR and PASS. Defines:
#   client_stop                  ends the tmux server (for the EXIT trap)
#   client_tuimail FILE          one tuimail session; FILE gets lines
#                                "first MS", "checked MS" (the list
#                                checked with the server), "rss KB", "page MS",
#                                "last MS", "rss_last KB"
#   client_neomutt FILE          one neomutt session: "first MS", "rss KB"
# HOME for tuimail is $DIR/home (its cache: ~/.cache/tuimail/USER), the
# neomutt header cache $DIR/nm-hcache: remove them for a cold start.

CLIENT_SOCK=tuimail-bench-$$
CLIENT_WORDS="budget|meeting|report|invoice|travel|plan|draft|review|lunch|release|server|backup|quarterly|design|contract|offer|photos|schedule|update|question|deadline|project|summary|notes|agenda|holiday|training|access|password|network|printer|migration"
CLIENT_SUBJ="($CLIENT_WORDS) ($CLIENT_WORDS)"

tm() { tmux -L "$CLIENT_SOCK" "$@"; }

client_stop() { tm kill-server >/dev/null 2>&1; }

client_us() { echo "${EPOCHREALTIME/./}"; }

# client_ready WIN STATUS_RE: the screen shows STATUS_RE and 20 rows.
client_ready() {
	local scr line rows=0
	scr=$(tm capture-pane -p -t "$1" 2>/dev/null) || return 1
	[[ $scr =~ $2 ]] || return 1
	[[ $scr == *"(loading)"* ]] && return 1
	while IFS= read -r line; do
		[[ $line =~ $CLIENT_SUBJ ]] && rows=$((rows + 1))
	done <<<"$scr"
	[ "$rows" -ge 20 ]
}

# client_wait WIN STATUS_RE SECONDS: waits for client_ready; prints the
# milliseconds since CLIENT_T0 (or "-" on a timeout).
client_wait() {
	local end=$(($(client_us) + $3 * 1000000))
	while [ "$(client_us)" -lt "$end" ]; do
		if client_ready "$1" "$2"; then
			awk -v a="$CLIENT_T0" -v b="$(client_us)" \
				'BEGIN { printf "%.0f\n", (b - a) / 1000 }'
			return 0
		fi
	done
	tm capture-pane -p -t "$1" >"$DIR/timeout.$1" 2>/dev/null
	echo "-"
	return 1
}

# client_prompt WIN TEXT: waits up to 20 s for TEXT on the screen.
client_prompt() {
	local i
	for i in $(seq 400); do
		tm capture-pane -p -t "$1" 2>/dev/null | grep -qF "$2" &&
			return 0
		sleep 0.05
	done
	return 1
}

# client_rss PID: VmRSS of PID in KB.
client_rss() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# client_quit WIN PID KEYS...: types KEYS, waits for PID to end, closes WIN.
client_quit() {
	local win=$1 pid=$2 i
	shift 2
	tm send-keys -t "$win" "$@" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	tm kill-session -t "$win" >/dev/null 2>&1
	return 0
}

# client_start WIN COMMAND PROMPT: COMMAND in a new window at its password
# prompt; prints its PID.
client_start() {
	tm kill-session -t "$1" >/dev/null 2>&1
	tm new-session -d -s "$1" -x 100 -y 30 "exec $2" || return 1
	client_prompt "$1" "$3" || return 1
	tm display -p -t "$1" '#{pane_pid}'
}

client_tuimail() {
	local out=$1 pid ms
	: >"$out"
	mkdir -p "$DIR/home"
	pid=$(client_start tui "env HOME=$DIR/home TERM=xterm-256color \
LC_ALL=C.UTF-8 $BUILD/tuimail --imap-host 127.0.0.1 --imap-port $IMAP_PORT \
--security none --user $USER_ADDR" \
		"Password for") || return 1
	CLIENT_T0=$(client_us)
	tm send-keys -t tui "$PASS" Enter
	ms=$(client_wait tui "INBOX: 1/$COUNT " 120)
	echo "first $ms" >>"$out"
	# With a warm cache the first rows are the last session's, shown
	# while Dovecot SELECTs; the unread count comes with the checked list.
	ms=$(client_wait tui "INBOX: 1/$COUNT \([0-9]+ unread\)" 120)
	echo "checked $ms" >>"$out"
	echo "rss $(client_rss "$pid")" >>"$out"
	# A person reads the screen first: the page either side is fetched
	# meanwhile, as it would be.
	sleep 1
	CLIENT_T0=$(client_us)
	tm send-keys -t tui PageDown
	ms=$(client_wait tui "INBOX: ([2-9]|[1-9][0-9]+)/$COUNT " 60)
	echo "page $ms" >>"$out"
	sleep 1
	CLIENT_T0=$(client_us)
	tm send-keys -t tui "*"
	ms=$(client_wait tui "INBOX: $COUNT/$COUNT " 60)
	echo "last $ms" >>"$out"
	echo "rss_last $(client_rss "$pid")" >>"$out"
	client_quit tui "$pid" q
}

# neomutt's own configuration: the same folder, newest first in the
# server's order (as tuimail shows it), its header cache on.
client_neomutt_rc() {
	cat >"$DIR/muttrc" <<EOF
set folder="imap://bench%40example.com@127.0.0.1:$IMAP_PORT/"
set spoolfile="+INBOX"
set imap_user="$USER_ADDR"
set header_cache="$DIR/nm-hcache/"
set ssl_starttls=no
set ssl_force_tls=no
set sort=reverse-mailbox-order
set imap_check_subscribed=no
set mail_check_stats=no
set quit=yes
set move=no
set mbox=""
set record=""
set postponed=""
set timeout=600
EOF
}

client_neomutt() {
	local out=$1 pid ms
	: >"$out"
	client_neomutt_rc
	mkdir -p "$DIR/nm-hcache" "$DIR/nm-home"
	pid=$(client_start mutt "env HOME=$DIR/nm-home TERM=xterm-256color \
LC_ALL=C.UTF-8 neomutt -n -F $DIR/muttrc" \
		"Password for") || return 1
	CLIENT_T0=$(client_us)
	tm send-keys -t mutt "$PASS" Enter
	ms=$(client_wait mutt "Msgs:$COUNT" 600)
	echo "first $ms" >>"$out"
	echo "rss $(client_rss "$pid")" >>"$out"
	client_quit mutt "$pid" q
}
