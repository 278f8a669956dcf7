#!/usr/bin/env bash
# `aiot demo` end to end: all four daemons as real processes on loopback, the AF in the demo.
# A small run must authenticate every genuine device, reject every clone and let no command
# reach a clone; a lossy air interface must still get everyone; nothing may be left running.
source "$(dirname "$0")/lib.bash"

demo() { # name, then aiot demo args; sets rc and js (the last line: the JSON summary)
	local name=$1; shift
	"$AIOT" demo --json --workdir $W/$name "$@" >$W/$name.out 2>&1 && rc=0 || rc=$?
	js=$(tail -1 $W/$name.out)
}
check_json() { # name json field expected
	check "$1: $3" "$4" "$(echo "$2" | jq -r ".$3")"
}

demo small --devices 300 --clones 4
check "small demo exits 0" 0 $rc
for f in devices:300 clones:4 authenticated:300 rejected:4 missed:0 read_ok:10 write_ok:1 clone_commands_accepted:0; do
	check_json small "$js" "${f%%:*}" "${f#*:}"
done
grep -q "OK: every genuine device authenticated" $W/small.out && ok "small: readable summary" || bad "small: no summary"
grep -q "^\[7/7" $W/small.out && ok "small: progress through all 7 steps" || bad "small: progress lines missing"
if pgrep -f "$W/small" >/dev/null; then bad "small: a process is still running"; else ok "small: every process stopped"; fi
grep -q "TLS 1.3, mutual" $W/small/aiot-adm.log && ok "ADM ran with mutual TLS" || bad "ADM not on mTLS"

demo lossy --devices 500 --clones 5 --loss 0.15
check "lossy air (15% D2R loss): exits 0" 0 $rc
check_json lossy "$js" authenticated 500
check_json lossy "$js" rejected 5
check_json lossy "$js" clone_commands_accepted 0

"$AIOT" demo --devices 5 >$W/bad.out 2>&1 && bad "too few devices accepted" || ok "bad arguments refused: $(tail -1 $W/bad.out)"
finish
