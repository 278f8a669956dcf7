#!/usr/bin/env bash
# Keys out of core dumps (issue 11 item 8, docs/security.md): aiot-adm (every K_AIOT_root in
# its cache, the KEK) and aiot-aiotf (K_AIOTF) start with RLIMIT_CORE 0 and non-dumpable,
# even when launched with `ulimit -c unlimited`; SIGABRT/SIGQUIT then leave no core, whether
# core_pattern names a file or pipes to a handler (the kernel reports "core dumped" in the
# wait status in both cases). A control process under the same limit shows that this machine
# would have dumped; where it would not, the dump check says so and only the limit is checked.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }
# run_dumpable DIR PIDFILE cmd...: run cmd in DIR with an unlimited core size, write its pid,
# wait for it, then print "signal core" on stdout (core 1 when the kernel dumped it).
run_dumpable() {
	python3 -c '
import os, resource, sys
d, pidfile, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    os.chdir(d)
    os.execv(argv[0], argv)
open(pidfile, "w").write(str(pid))
_, st = os.waitpid(pid, 0)
print(os.WTERMSIG(st) if os.WIFSIGNALED(st) else 0, 1 if os.WCOREDUMP(st) else 0, flush=True)
' "$@"
}
wait_file() { for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '?')

# Control: sleep under the same conditions. Would this machine dump a core at all?
mkdir -p $W/ctl
run_dumpable $W/ctl $W/ctl.pid /bin/sleep 30 >$W/ctl.out &
PIDS+=($!)
wait_file $W/ctl.pid && kill -ABRT "$(cat $W/ctl.pid)"
wait_file $W/ctl.out
read -r _ CTL_CORE <$W/ctl.out
rm -f $W/ctl/core*
if [ "$CTL_CORE" = 1 ]; then
	echo "     control: this machine dumps cores (core_pattern '$pattern')"
else
	echo "     control: this machine dumps no core (core_pattern '$pattern'): only the limits are checked"
fi

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 2 --group g --out $W/a.jsonl 2>$W/prov.log
# one_daemon NAME SIGNAL cmd...: start it dumpable, check its limits, kill it with SIGNAL.
one_daemon() {
	local name=$1 sig=$2; shift 2
	mkdir -p $W/$name
	start_daemon $W/$name.log run_dumpable $W/$name $W/$name.pid "$@" >$W/$name.out
	# The wrapper writes the pid after fork: the child may be listening before it is written.
	wait_file $W/$name.pid || { bad "$name: no pid written"; return; }
	local pid; pid=$(cat $W/$name.pid)
	check "$name: Max core file size (soft hard)" "0 0" \
		"$(awk '/^Max core file size/ {print $5, $6}' /proc/$pid/limits)"
	kill -"$sig" "$pid"
	wait_file $W/$name.out
	local s c; read -r s c <$W/$name.out
	check "$name: killed by SIG$sig" "$sig" "$(kill -l "$s")"
	check "$name: SIG$sig dumped no core (wait status)" 0 "$c"
	check "$name: no core file in its directory" "" "$(ls $W/$name)"
}
one_daemon adm ABRT "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 1
one_daemon aiotf QUIT "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:9
finish
