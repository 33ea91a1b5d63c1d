#!/bin/sh
# Creates the system user whose group tuimail's sessions run in (tui.conf
# [server] session_user, default "tuimail") when it is missing. Sessions
# run under uids of their own (session_uid_base + account id) in this
# user's group, or as this user with session_isolation = shared.
set -eu
user=${1:-tuimail}
id "$user" >/dev/null 2>&1 && exit 0
useradd --system --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin "$user"
echo "created system user $user"
