#!/usr/bin/env bash
# The one list of Debian 12 packages this project needs, for building, testing, fuzzing,
# the demo and the benchmarks. Idempotent: installs only what is missing.
# Used by every make target that needs packages (make, make test, make demo, make bench).
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config git ca-certificates
	libssl-dev openssl           # crypto backend (network side), test oracle (openssl CLI)
	libcmocka-dev                # unit tests
	clang llvm libclang-rt-14-dev # ASan/UBSan build, libFuzzer
	clang-format                 # make format-check (.clang-format)
	gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi # Cortex-M0 device build
	valgrind                     # instruction counts of the device code on the host
	qemu-system-arm              # the device code on an emulated Cortex-M0 (micro:bit): instruction counts
	xxd                          # test scripts: hex <-> binary
	libnghttp2-dev libevent-dev  # SBI: HTTP/2 on an event loop
	libcjson-dev libyaml-dev     # JSON bodies, YAML configuration
	libsqlite3-dev sqlite3       # the ADM's embedded store
	redis-server redis-tools libhiredis-dev # the ADM's store on Redis Cluster (scripts/redis-cluster.sh, src/redis)
	curl nghttp2-client          # real SBI clients in tests (curl, nghttp, h2load)
	nghttp2-server               # nghttpd: the transport ceiling in benchmarks
	procps psmisc iproute2       # ps/pkill, ss: process and port checks in tests
	jq bc                        # test scripts: JSON, arithmetic
	prometheus                   # promtool: checks the /metrics exposition format in tests
	python3-jsonschema python3-yaml python3-h2 # tests/schema: SBI bodies against the official YAMLs
	python3-jwt python3-cryptography # independent oracles: JWS ES256 (PyJWT, oauth*), MILENAGE (cli akma_vs_independent)
	pcscd vsmartcard-vpcd libpcsclite-dev # the virtual UICC behind the real PC/SC stack (scripts/pcsc.sh), the host's PC/SC
	pcsc-tools opensc            # pcsc_scan, opensc-tool: independent PC/SC clients in tests
	softhsm2 libp11-kit-dev      # PKCS#11: SoftHSM2 token for the ADM's keys in tests (src/p11), pkcs11.h; opensc's pkcs11-tool inspects it
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
