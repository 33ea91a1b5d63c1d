#!/bin/sh
# Installs every Debian 12 package that tuimail needs to build and test,
# and only those that are missing: a no-op when all are there, safe to run
# twice. Needs root (apt-get); prints what it would install otherwise.
set -eu

PACKAGES="
build-essential pkg-config clang
libssh-dev libetpan-dev libsqlite3-dev sqlite3 liboath-dev oathtool
libnotmuch-dev notmuch libncurses-dev ncurses-term libgmime-3.0-dev
libxml2-dev libqrencode-dev libmicrohttpd-dev libjansson-dev
libcmocka-dev libgnutls28-dev libcrypt-dev libsasl2-modules
dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sqlite
dovecot-submissiond python3 python3-aiosmtpd
tmux openssh-client curl procps ca-certificates
"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install these packages yourself" >&2
	exit 1
fi

# Installing dovecot-core would start the system's own Dovecot; tuimail's
# tests run private instances and never touch it. Where no policy-rc.d is
# in place, one that forbids service starts stands for the install only.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=1
fi
cleanup() { [ -z "$made_policy" ] || rm -f "$policy"; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
