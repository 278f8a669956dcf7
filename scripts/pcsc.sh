#!/usr/bin/env bash
# The PC/SC daemon and its virtual-card reader slots for the AIoT-UICC (README "Credentials on
# a UICC"), for tests, CI and the demo.
#
#   scripts/pcsc.sh start            our pcscd with its two vpcd reader slots; prints one
#                                    line per slot: PORT<TAB>READER NAME. Idempotent: if
#                                    ours already runs, prints its slots.
#   scripts/pcsc.sh stop             stops our pcscd (and restarts a systemd one we stopped)
#   scripts/pcsc.sh status           the slots, exit 1 if ours does not run
#   scripts/pcsc.sh run -- CMD…      CMD with its own pcscd in a private mount and network
#                                    namespace (when unshare can make one), so that it shares
#                                    neither /run/pcscd nor the slot ports with anyone; the
#                                    slot list is in the file $AIOT_PCSC_SLOTS
#
# A card in slot PORT is `build/aiot-uicc --perso FILE.json --vpcd 127.0.0.1:PORT`.
# Two slots, not more: Debian's vpcd 3.3 keeps one context per slot number, shared by all
# its reader entries (ctx[Lun & 0xffff] in ifd-vpcd.c), so a second entry in the same pcscd
# takes over the first one's slots and both hang; one entry gives slots 00 00 and 00 01.
# pcscd 1.9.9 always serves /run/pcscd/pcscd.comm, so one pcscd runs per machine (or per
# namespace): a pcscd started by systemd (socket activation, on desktops) is stopped with
# systemctl and restarted at `stop`; any other pcscd is reported and left alone (exit 1).
# vpcd in server mode listens on every address for its card: on a shared network, keep the
# ports (AIOT_PCSC_PORT and the next) firewalled.
# Environment: AIOT_PCSC_DIR (state: reader.conf.d, pid, log; default /tmp/aiot-pcsc-UID),
# AIOT_PCSC_PORT (first slot's port, default 40100), AIOT_PCSC_FLAGS (more pcscd options, e.g.
# "-a -d": the APDU trace in $AIOT_PCSC_DIR/pcscd.log).
set -euo pipefail

DIR=${AIOT_PCSC_DIR:-/tmp/aiot-pcsc-$(id -u)}
BASE=${AIOT_PCSC_PORT:-40100}
DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
RUN=/run/pcscd
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"

die() { echo "pcsc.sh: $*" >&2; exit 1; }

ours_alive() {
	[ -s "$DIR/pcscd.pid" ] && $SUDO kill -0 "$(cat "$DIR/pcscd.pid")" 2>/dev/null
}

# One vpcd entry: "aiot vpcd 00 00" on its CHANNELID port, "aiot vpcd 00 01" on the next.
print_slots() {
	printf '%d\taiot vpcd 00 00\n%d\taiot vpcd 00 01\n' "$BASE" $((BASE + 1))
}

write_conf() {
	rm -rf "$DIR/reader.conf.d"
	mkdir -p "$DIR/reader.conf.d"
	printf 'FRIENDLYNAME "aiot vpcd"\nDEVICENAME   /dev/null:%d\nLIBPATH      %s\nCHANNELID    %d\n' \
		"$BASE" "$DRIVER" "$BASE" >"$DIR/reader.conf.d/aiot-vpcd"
}

# A pcscd we did not start holds the socket: stop it through systemd, or give up.
foreign_pcscd() {
	local pid
	[ -s "$RUN/pcscd.pid" ] || return 0
	pid=$(cat "$RUN/pcscd.pid")
	kill -0 "$pid" 2>/dev/null || return 0
	if command -v systemctl >/dev/null && { systemctl is-active --quiet pcscd.socket 2>/dev/null ||
		systemctl is-active --quiet pcscd.service 2>/dev/null; }; then
		echo "pcsc.sh: stopping the system's pcscd (systemd, pid $pid); 'stop' restarts it" >&2
		$SUDO systemctl stop pcscd.socket pcscd.service
		touch "$DIR/systemd-stopped"
		return 0
	fi
	die "a pcscd this script did not start holds $RUN/pcscd.comm (pid $pid: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)); stop it first, or use 'pcsc.sh run'"
}

listening() {
	ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

start() {
	local i deadline
	[ -r "$DRIVER" ] || die "no vpcd driver at $DRIVER (scripts/deps.sh installs vsmartcard-vpcd)"
	command -v pcscd >/dev/null || die "no pcscd (scripts/deps.sh installs it)"
	mkdir -p "$DIR"
	if ours_alive; then
		print_slots
		return 0
	fi
	foreign_pcscd
	for i in 0 1; do
		listening $((BASE + i)) && die "port $((BASE + i)) is taken (set AIOT_PCSC_PORT)"
	done
	write_conf
	# shellcheck disable=SC2086 # AIOT_PCSC_FLAGS: words for pcscd, e.g. "-a -d" (APDU trace)
	$SUDO setsid pcscd -f ${AIOT_PCSC_FLAGS:-} -c "$DIR/reader.conf.d" </dev/null >"$DIR/pcscd.log" 2>&1 &
	echo $! >"$DIR/pcscd.pid"
	deadline=$((SECONDS + 30))
	for i in 0 1; do
		until listening $((BASE + i)) && [ -S "$RUN/pcscd.comm" ]; do
			ours_alive || die "pcscd ended: $(tail -3 "$DIR/pcscd.log")"
			[ $SECONDS -lt $deadline ] || die "pcscd not ready after 30 s ($DIR/pcscd.log)"
			sleep 0.1
		done
	done
	print_slots
}

stop() {
	local pid i
	if ours_alive; then
		pid=$(cat "$DIR/pcscd.pid")
		$SUDO kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			$SUDO kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		$SUDO kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$DIR/pcscd.pid"
	if [ -e "$DIR/systemd-stopped" ]; then
		$SUDO systemctl start pcscd.socket || true
		rm -f "$DIR/systemd-stopped"
	fi
}

# CMD in a private mount + network namespace: a tmpfs on /run/pcscd, loopback up.
run() {
	[ "${1:-}" = "--" ] || die "usage: pcsc.sh run -- CMD..."
	shift
	if [ "${AIOT_PCSC_NS:-}" != inside ]; then
		local u=(unshare -mn)
		[ "$(id -u)" -eq 0 ] || u=(unshare -rmn)
		if "${u[@]}" true 2>/dev/null; then
			exec "${u[@]}" env AIOT_PCSC_NS=inside "$0" run -- "$@"
		fi
		echo "pcsc.sh: no private namespace here (unshare failed): the machine's /run/pcscd is used" >&2
	else
		mkdir -p "$RUN" && mount -t tmpfs tmpfs "$RUN" || die "cannot mount a tmpfs on $RUN"
		ip link set lo up || die "cannot bring up loopback in the namespace"
		DIR=$(mktemp -d /tmp/aiot-pcsc-ns.XXXXXX)
		export AIOT_PCSC_DIR=$DIR
	fi
	mkdir -p "$DIR"
	trap 'stop; [ "${AIOT_PCSC_NS:-}" != inside ] || rm -rf "$DIR"' EXIT
	start >"$DIR/slot-list"
	AIOT_PCSC_SLOTS="$DIR/slot-list" "$@"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) ours_alive && print_slots || { echo "pcsc.sh: not running" >&2; exit 1; } ;;
run) shift; run "$@" ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
