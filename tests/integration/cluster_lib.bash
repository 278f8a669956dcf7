# Redis Cluster helpers for the tests and bench/run.sh (sourced after scripts/redis-cluster.sh
# start, with AIOT_REDIS_DIR set): which node serves what, and the devices' slots.

# A node of the cluster that answers (the first of the work dir's ports).
rc_alive() {
	local p
	for p in $(cat "$AIOT_REDIS_DIR/ports"); do
		[ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && { echo "$p"; return 0; }
	done
	return 1
}

# The port of the master serving each slot read from stdin now, one line each.
rc_masters_of() {
	awk 'NR == FNR {
		if ($3 !~ /master/ || $3 ~ /fail/) next
		split($2, a, "[:@]")
		for (i = 9; i <= NF; i++) {
			n = split($i, r, "-"); if (n == 1) r[2] = r[1]
			for (s = r[1]; s <= r[2]; s++) m[s] = a[2]
		}
		next
	} {print m[$1]}' <(redis-cli -p "$(rc_alive)" cluster nodes) -
}
# The port of the master serving slot $1 now.
rc_master_of() { echo "$1" | rc_masters_of; }

# The ports of the replicas of the master on port $1.
rc_replicas_of() {
	local nodes id
	nodes=$(redis-cli -p "$(rc_alive)" cluster nodes)
	id=$(echo "$nodes" | awk -v p=":$1@" 'index($2, p) {print $1}')
	echo "$nodes" | awk -v id="$id" '$3 ~ /slave/ && $4 == id {split($2, a, "[:@]"); print a[2]}'
}

# The pid of the node on port $1 (scripts/redis-cluster.sh's pid file).
rc_pid() { cat "$AIOT_REDIS_DIR/$1/redis.pid"; }

# One line per device of a devices.jsonl: its store key NS:dev:{HEX} (docs/redis-cluster.md).
rc_dev_keys() { # ns file
	/usr/bin/python3 -c '
import base64, json, sys
for line in open(sys.argv[2]):
    if line.strip():
        print("%s:dev:{%s}" % (sys.argv[1], base64.b64decode(json.loads(line)["aiotDevPermId"]).hex()))
' "$1" "$2"
}

# One line per device: its slot (CLUSTER KEYSLOT, one redis-cli for all).
rc_dev_slots() { # ns file
	rc_dev_keys "$1" "$2" | sed 's/^/CLUSTER KEYSLOT /' | redis-cli -p "$(rc_alive)"
}

# The device's field as hex, read on the node of port $1 itself (no redirection).
rc_hget_hex() { # port key field
	redis-cli -p "$1" hget "$2" "$3" | head -c -1 | od -An -tx1 -v | tr -d ' \n'
}

# The devices (line numbers from 0) whose slots the master on port $1 serves: " 0 7 12 ".
rc_shard() { # port slot...
	echo " $(printf '%s\n' "${@:2}" | rc_masters_of | awk -v m="$1" '$1 == m {printf "%d ", NR - 1}')"
}

# The lines of an adm_load log (tests/tools/adm_load.c) that acknowledged a write of a device
# of shard (rc_shard) and that the awk condition keeps (k is ms).
rc_acked() { # log ms shard condition
	awk -v shard="$3" -v k="$2" "index(shard, \" \" \$4 \" \") && \$5 ~ /^2/ && ($4)" "$1"
}

# The wall clock in ms, without a fork (to stamp a kill right after it).
rc_now_ms() {
	local t=${EPOCHREALTIME/./}
	echo "${t:0:13}"
}

# ms from ms to the first acknowledgement of a write sent at or after it to a device of shard;
# nothing when there is none.
rc_recovery_ms() { # log ms shard
	rc_acked "$1" "$2" "$3" '$1 >= k' | awk -v k="$2" 'NR == 1 || $2 < m {m = $2} END {if (NR) print m - k}'
}
