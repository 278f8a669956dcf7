#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The device library on Cortex-M0, per suite (issue 5): for each of aes-only, 3gpp-only and
# both, the firmware image of cmake/device-m0.sh (text/data/bss of the library code after
# --gc-sections, worst-case stack per entry point from -fstack-usage/-fcallgraph-info), and
# the instructions executed per RES (aiot_device_on_paging), per command verification
# (aiot_device_on_command for a ciphered READ of 16 octets), per DO-A registration and per
# Uplink Data (aiot_doa.h, issue 13), counted under QEMU's micro:bit
# machine (nRF51, a real Cortex-M0 core model) with tests/m0/bench.c.
#
#   bash bench/device.sh [--append] [out-dir]
#
# Prints a Markdown section; --append also appends it to docs/benchmarks.md.
# Needs arm-none-eabi-gcc + newlib-nano; qemu-system-arm for the instruction counts (without
# it the counts are reported as not measured).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
APPEND=
if [ "${1:-}" = "--append" ]; then
	APPEND=1
	shift
fi
OUT=${1:-$(mktemp -d /tmp/aiot-device.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CC=${ARM_CC:-arm-none-eabi-gcc}
QEMU=${QEMU:-qemu-system-arm}
CFLAGS=(-std=c11 -ffreestanding -Os -mcpu=cortex-m0 -mthumb -ffunction-sections
	-fdata-sections -Wall -Wextra -Werror -I"$ROOT/src")

# Instructions between bench_mark(1)..(2) (paging) and (3)..(4) (command), one TB per
# instruction (-singlestep) so that every executed instruction is one "Trace" line.
count_insns() { # suites fw_suite -> "paging command doa_registration uplink_data"
	local n=$1 s=$2 d=$OUT/qemu-$1 srcs=()
	mkdir -p "$d"
	for f in "$ROOT"/src/common/*.c "$ROOT"/src/crypto/*.c "$ROOT"/src/nas/*.c "$ROOT"/src/device/*.c; do
		case "$(basename "$f")" in backend_openssl.c) continue ;; esac
		srcs+=("$f")
	done
	"$CC" "${CFLAGS[@]}" -DAIOT_DEVICE_SUITES="$n" -DBENCH_SUITE="$s" -nostartfiles \
		-Wl,--gc-sections -T "$ROOT/tests/m0/m0.ld" --specs=nano.specs --specs=nosys.specs \
		"$ROOT/tests/m0/bench.c" "${srcs[@]}" -o "$d/bench.elf"
	local mark
	mark=$(arm-none-eabi-nm "$d/bench.elf" | awk '$3 == "bench_mark" {print $1}')
	timeout 300 "$QEMU" -M microbit -nographic -monitor none -serial none \
		-semihosting-config enable=on,target=native -singlestep -d exec,nochain \
		-D "$d/exec.log" -kernel "$d/bench.elf" || { echo "? ? ? ?"; return; }
	# DO-A registration: marks 5-6 (M1), 7-8 (M2 -> M3), 9-10 (M4); the network between.
	awk -F'[][/]' -v mark="$mark" '/^Trace/ { n++; if ($3 == mark) at[++m] = n }
		END { if (m == 12) print at[2] - at[1], at[4] - at[3],
			at[6] - at[5] + at[8] - at[7] + at[10] - at[9], at[12] - at[11]
		      else print "? ? ? ?" }' "$d/exec.log"
	rm -f "$d/exec.log"
}

table=() doa_table=()
for cfg in "aes 2 AIOT_SUITE_AES" "3gpp 1 AIOT_SUITE_3GPP" "both 3 AIOT_SUITE_3GPP"; do
	set -- $cfg
	name=$1 n=$2 s=$3
	echo "== $name (AIOT_DEVICE_SUITES=$n)" >&2
	AIOT_DEVICE_SUITES=$n bash "$ROOT/cmake/device-m0.sh" "$ROOT" "$OUT/m0-$name" >"$OUT/m0-$name.txt"
	lib() { awk -v t="$1" '$1 == "==" && $2 == "library" && $5 == t {print $10, $12, $14}' "$OUT/m0-$name.txt"; }
	stk() { awk -v f="$1" '$1 == f && $3 == "bytes:" {print $2}' "$OUT/m0-$name.txt"; }
	read -r text data bss < <(lib network-triggered)
	read -r dtext ddata dbss < <(lib DO-A)
	sp=$(stk aiot_device_on_paging) sc=$(stk aiot_device_on_command)
	sd=$(stk aiot_doa_on_auth_request) sa=$(stk aiot_doa_on_accept) su=$(stk aiot_doa_send)
	if command -v "$QEMU" >/dev/null; then
		read -r ip ic id iu < <(count_insns "$n" "$s")
	else
		ip="not measured (no $QEMU)" ic="" id="" iu=""
	fi
	table+=("| $name | $text | $data | $bss | $sp | $sc | $ip | $ic |")
	doa_table+=("| $name | $dtext | $ddata | $dbss | $sd | $sa | $su | $id | $iu |")
done

section=$(
	echo
	echo "### Device library per suite (Cortex-M0, -Os), $(date -u +%Y-%m-%d)"
	echo
	echo "\`bash bench/device.sh\`: $("$CC" --version | awk 'NR == 1'), $("$QEMU" --version 2>/dev/null | awk 'NR == 1' || echo 'no QEMU')."
	echo "Library code in the firmware image after \`--gc-sections\` (bytes; without the firmware's"
	echo "own code, newlib-nano and libgcc), worst-case stack per entry point (bytes, sum of"
	echo "\`-fstack-usage\` frames on the deepest path), and instructions executed on QEMU's"
	echo "micro:bit (Cortex-M0) per paging answered (one RES_AIOT, K_AIOTF and the NAS keys;"
	echo "RES 64 bits, 16-byte K_AIOT_root) and per ciphered READ command (16 octets: MAC check,"
	echo "deciphering, protected response). The \`both\` image runs the 3gpp suite."
	echo
	echo "| suite | text | data | bss | stack on_paging | stack on_command | insns per RES | insns per command |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${table[@]}"
	echo
	echo "DO-A tag image (\`tests/m0/main_doa.c\`: the same library, only the device-originated"
	echo "access machine linked): library code, worst-case stack of the three entry points a"
	echo "registration and a report use, and instructions per DO-A registration (aiot_doa_start +"
	echo "aiot_doa_on_auth_request with 16 octets of ciphered first data + aiot_doa_on_accept with"
	echo "TID_UPDATE: MAC_N, RES_D, K_AIOTF, K_AIOT_int/enc, NIA2/NEA2 of the data, NIA2/NEA2 of"
	echo "M4, the next T-ID) and per ciphered Uplink Data of 16 octets."
	echo
	echo "| suite | DO-A text | data | bss | stack on_auth_request | stack on_accept | stack send | insns per DO-A registration | insns per Uplink Data |"
	echo "|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${doa_table[@]}"
)
echo "$section"
if [ -n "$APPEND" ]; then
	echo "$section" >>"$ROOT/docs/benchmarks.md"
	echo "appended to docs/benchmarks.md" >&2
fi
