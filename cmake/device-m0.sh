#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Cross-build the freestanding layers (src/common, src/crypto without the OpenSSL backend,
# src/nas, src/device) for Cortex-M0 at -Os, print their sizes, link a minimal firmware
# image (tests/m0/) with --gc-sections to show what a real tag pays, and report stack use
# from -fstack-usage / -fcallgraph-info.
#
#   bash cmake/device-m0.sh <source-dir> <out-dir>
#   AIOT_DEVICE_SUITES=2 bash cmake/device-m0.sh ...   # a firmware for one suite (see below)
#   AIOT_DEVICE_CRED=1 bash cmake/device-m0.sh ...     # with the card path (see below)
#
# AIOT_DEVICE_SUITES: which key-derivation suites the image supports, as in
# src/crypto/backend_ref.c: 1 = 3gpp, 2 = aes, 3 = both (default). The firmware is then
# configured for the 3gpp suite unless only aes is built.
#
# Fails if anything does not compile warning-free, if an image does not link, or if
# sizeof(aiot_device) > 512 or sizeof(aiot_doa) > 256 on the target. Results go to
# docs/benchmarks.md by hand. Two images: a network-triggered tag (tests/m0/main.c) and a
# DO-A tag (tests/m0/main_doa.c).
set -euo pipefail

src=${1:?usage: device-m0.sh <source-dir> <out-dir>}
out=${2:?usage: device-m0.sh <source-dir> <out-dir>}
src=$(cd "$src" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

CC=${ARM_CC:-arm-none-eabi-gcc}
SIZE=${ARM_SIZE:-arm-none-eabi-size}
NM=${ARM_NM:-arm-none-eabi-nm}
for t in "$CC" "$SIZE" "$NM"; do
	command -v "$t" >/dev/null || { echo "device-m0: $t not found" >&2; exit 1; }
done

SUITES=${AIOT_DEVICE_SUITES:-3}
case "$SUITES" in
1 | 3) fw_suite=AIOT_SUITE_3GPP ;;
2) fw_suite=AIOT_SUITE_AES ;;
*) echo "device-m0: AIOT_DEVICE_SUITES must be 1 (3gpp), 2 (aes) or 3 (both)" >&2; exit 1 ;;
esac
# AIOT_DEVICE_CRED: 1 builds the card path (aiot_device_cfg.cred, src/device/aiot_cred.h) in;
# the images here keep their key in flash (key_load), so by default it is left out (0).
CRED=${AIOT_DEVICE_CRED:-0}
case "$CRED" in 0 | 1) ;; *) echo "device-m0: AIOT_DEVICE_CRED must be 0 or 1" >&2; exit 1 ;; esac
CFLAGS=(-std=c11 -ffreestanding -Os -mcpu=cortex-m0 -mthumb -ffunction-sections
	-fdata-sections -Wall -Wextra -Werror -I"$src/src" -DAIOT_DEVICE_SUITES="$SUITES"
	-DAIOT_DEVICE_CRED="$CRED")

rm -rf "$out/obj" "$out/fw" "$out/fw-doa"
mkdir -p "$out/obj" "$out/fw" "$out/fw-doa"

sources=()
for f in "$src"/src/common/*.c "$src"/src/crypto/*.c "$src"/src/nas/*.c "$src"/src/device/*.c; do
	[ -e "$f" ] || continue
	case "$(basename "$f")" in backend_openssl.c) continue ;; esac
	sources+=("$f")
done

echo "== $("$CC" --version | awk 'NR == 1')"
echo "== flags: ${CFLAGS[*]}"
objs=()
for f in "${sources[@]}"; do
	rel=${f#"$src"/src/}
	o="$out/obj/${rel//\//_}"
	o=${o%.c}.o
	# -fstack-usage writes <o>.su next to the object; -fcallgraph-info=su the call graph.
	(cd "$out/obj" && "$CC" "${CFLAGS[@]}" -fstack-usage -fcallgraph-info=su -c "$f" -o "$o")
	objs+=("$o")
done

echo
echo "== library objects (arm-none-eabi-size, before --gc-sections)"
(cd "$out/obj" && "$SIZE" -t "${objs[@]##*/}")

# sizeof(aiot_device) and sizeof(aiot_doa) as the target sees them (the _Static_asserts in
# device.c and device_doa.c also check them).
cat >"$out/obj/sizeof_probe.c" <<'EOF'
#include "device/aiot_doa.h"
char aiot_device_sizeof_probe[sizeof(aiot_device)];
char aiot_doa_sizeof_probe[sizeof(aiot_doa)];
EOF
"$CC" "${CFLAGS[@]}" -fcommon -c "$out/obj/sizeof_probe.c" -o "$out/obj/sizeof_probe.o"
echo
for probe in aiot_device:512 aiot_doa:256; do
	name=${probe%:*} limit=${probe#*:}
	hex=$("$NM" -S "$out/obj/sizeof_probe.o" | awk -v s="${name}_sizeof_probe" '$4 == s {print $2}')
	size=${hex:+$((16#$hex))}
	echo "== sizeof($name) on Cortex-M0: $size bytes (limit $limit)"
	if [ -z "$size" ] || [ "$size" -gt "$limit" ]; then
		echo "device-m0: sizeof($name) = ${size:-?} > $limit" >&2
		exit 1
	fi
done

# A firmware image: vector table + reset handler + main loop, newlib-nano for mem*.
#   image <dir> <main.c> <title>: tests/m0/main.c (network-triggered tag) or main_doa.c (DO-A)
fw_cflags=("${CFLAGS[@]}" -DFW_SUITE="$fw_suite")
image() {
	local dir=$out/$1 main=$src/tests/m0/$2 title=$3
	(cd "$dir" && "$CC" "${fw_cflags[@]}" -fstack-usage -fcallgraph-info=su \
		-c "$main" -o "$dir/main.o")
	"$CC" "${CFLAGS[@]}" -nostartfiles -Wl,--gc-sections -T "$src/tests/m0/m0.ld" \
		--specs=nano.specs --specs=nosys.specs -Wl,-Map="$dir/firmware.map" \
		"$dir/main.o" "${objs[@]}" -o "$dir/firmware.elf"
	echo
	echo "== $title firmware image (tests/m0/$2 + library + newlib-nano mem*, -Wl,--gc-sections)"
	(cd "$dir" && "$SIZE" firmware.elf)
	echo
	echo "== what each object contributes to the $title image after --gc-sections (from the link map)"
	sed -n '/^Linker script and memory map/,$p' "$dir/firmware.map" | awk -v suites="$SUITES" -v title="$title" '
function hex(h,    i, c, v) {
	v = 0; h = tolower(h); sub(/^0x/, "", h)
	for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}
function add(sec, size, f,    k) {
	sub(/.*\//, "", f)
	if (size == 0 || f == "") return
	k = (sec ~ /^\.(bss|COMMON)/ || sec == "COMMON") ? "bss" : (sec ~ /^\.data/ ? "data" : "text")
	if (!(f in seen)) { seen[f] = 1; order[++n] = f }
	v[f, k] += size; tot[k] += size
}
pending != "" { if ($1 ~ /^0x/ && NF >= 3) add(pending, hex($2), $3); pending = ""; next }
/^ \.(text|rodata|data|bss|isr_vector)|^ COMMON/ {
	if (NF >= 4 && $2 ~ /^0x/) add($1, hex($3), $4)
	else if (NF == 1) pending = $1
}
END {
	printf "  %6s %6s %6s  %s\n", "text", "data", "bss", "object"
	for (i = 1; i <= n; i++) {
		f = order[i]
		printf "  %6d %6d %6d  %s\n", v[f, "text"], v[f, "data"], v[f, "bss"], f
	}
	printf "  %6d %6d %6d  (sum of input sections; the image adds alignment)\n",
	       tot["text"], tot["data"], tot["bss"]
	for (i = 1; i <= n; i++) {
		f = order[i]
		if (f == "main.o" || f ~ /^lib/) continue
		lt += v[f, "text"]; ld += v[f, "data"]; lb += v[f, "bss"]
	}
	printf "== library in the %s image (suites %s): text %d data %d bss %d\n", title, suites, lt, ld, lb
}'
}
image fw main.c network-triggered
image fw-doa main_doa.c DO-A

echo
echo "== largest functions/objects kept in the image"
"$NM" -S --size-sort -r "$out/fw/firmware.elf" | awk 'NR <= 15' | while read -r _ sz ty name; do
	printf '  %6d %s %s\n' "$((16#$sz))" "$ty" "$name"
done

echo
echo "== stack (-fstack-usage), per function, largest first"
cat "$out"/obj/*.su "$out"/fw/*.su |
	awk -F'\t' '{n = $1; sub(/.*:/, "", n); printf "  %5d  %-40s %s\n", $2, n, $3}' |
	sort -k1,1nr | awk 'NR <= 15'
if cat "$out"/obj/*.su "$out"/fw/*.su | awk -F'\t' '$3 != "static" {bad=1} END {exit !bad}'; then
	echo "  note: some frames are not static (see above): bounds are estimates"
fi

# Worst-case call paths from the call graphs. Indirect calls are resolved by call site:
# device.c and device_doa.c call only the firmware callbacks (fw_* in tests/m0/main.c); every other indirect
# call in the library is a backend op (kdf.c, nxa2.c), taken only when be != NULL, and the
# device passes be == NULL (DEV_BE in device.c: the reference primitives, called directly),
# so those edges are not on any device path.
echo
echo "== worst-case stack per call path (sum of the per-function frames shown)"
cat "$out"/obj/*.ci "$out"/fw/*.ci | awk -v suites="$SUITES" '
function short(t) { sub(/.*:/, "", t); return t }
function worst(f,    i, c, w, best, bc) {
	if (f in memo) return memo[f]
	if (f in busy) { recursive = 1; return 0 }
	busy[f] = 1
	best = 0; bc = ""
	for (i = 1; i <= nout[f]; i++) {
		c = out[f, i]
		w = worst(c)
		if (w > best) { best = w; bc = c }
	}
	delete busy[f]
	next_on_path[f] = bc
	memo[f] = frame[f] + best
	return memo[f]
}
function path(f,    s) {
	s = ""
	while (f != "") { s = s sprintf("%s(%d) ", short(f), frame[f]); f = next_on_path[f] }
	return s
}
/^node:/ {
	t = $0; sub(/.*title: "/, "", t); sub(/".*/, "", t)
	lbl = $0
	if (match(lbl, /[0-9]+ bytes/)) frame[t] = substr(lbl, RSTART, RLENGTH) + 0
	else if (!(t in frame)) frame[t] = 0
	# External declarations appear as bare names; definitions with a file prefix.
	bare = short(t)
	if (t != bare && match(lbl, /bytes/)) def[bare] = t
	if (bare ~ /^fw_/) fwcb[++nfw] = t
	if (match(lbl, /\\n[^\\]*:[0-9]+:[0-9]+/)) file[t] = substr(lbl, RSTART + 2, RLENGTH - 2)
}
/^edge:/ {
	s = $0; sub(/.*sourcename: "/, "", s); sub(/".*/, "", s)
	d = $0; sub(/.*targetname: "/, "", d); sub(/".*/, "", d)
	e[++ne] = s SUBSEP d
}
END {
	for (k = 1; k <= ne; k++) {
		split(e[k], sd, SUBSEP); s = sd[1]; d = sd[2]
		if (d == "__indirect_call") {
			if (file[s] ~ /device\/device(_doa)?\.c/) {
				for (j = 1; j <= nfw; j++) out[s, ++nout[s]] = fwcb[j]
				continue
			}
			continue # a backend op: not called with be == NULL (above)
		}
		if (!(d in frame) || frame[d] == 0) { b = short(d); if (b in def) d = def[b] }
		out[s, ++nout[s]] = d
	}
	n = split("aiot_device_init aiot_device_on_paging aiot_device_on_command " \
		  "aiot_doa_start aiot_doa_on_timeout aiot_doa_on_auth_request aiot_doa_on_accept " \
		  "aiot_doa_send Reset_Handler",
		  roots, " ")
	for (r = 1; r <= n; r++) {
		f = roots[r]; if (!(f in def)) { for (t in frame) if (short(t) == f) def[f] = t }
		if (!(f in def)) continue
		printf "  %-24s %5d bytes: %s\n", f, worst(def[f]), path(def[f])
	}
	if (recursive) print "  note: recursion in the call graph (cycle counted once)"
}'
echo "  (library calls into newlib-nano mem* are leaves of a few bytes and not counted)"
echo
echo "device-m0: OK"
