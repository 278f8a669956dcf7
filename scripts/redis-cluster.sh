#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A Redis Cluster of 3 masters and 3 replicas (or more) on loopback, from Debian's
# redis-server, for the tests, CI and the demo (docs/redis-cluster.md).
#
#   scripts/redis-cluster.sh start   starts the nodes (six by default), creates the cluster,
#                                    waits until it serves every slot with every replica in
#                                    sync, and prints the store URL
#                                    redis-cluster://127.0.0.1:PORT,... as the last line of
#                                    stdout (everything else goes to stderr)
#   scripts/redis-cluster.sh stop    stops exactly the nodes that start started (pid files)
#
# Environment:
#   AIOT_REDIS_DIR           work directory: configs, logs, pid files, node files
#                            (default /tmp/aiot-redis-cluster.UID); one cluster per directory
#   AIOT_REDIS_PORT          first of 3 x (1 + replicas) consecutive client ports (default:
#                            free ports picked at random in 20000-29999; the bus ports are +10000)
#   AIOT_REDIS_NODE_TIMEOUT  cluster-node-timeout in ms (default 1000): failure detection time
#   AIOT_REDIS_REPLICAS      replicas per master (default 1; 2 keeps a replica after a failover,
#                            so writes that WAIT for one stay possible: docs/redis-cluster.md)
#
# The nodes never use 6379, so a redis-server service that Debian's package started there does
# not matter. Two runs with different work directories do not collide: ports are checked free,
# and a node that still fails to bind makes start retry on other ports.
set -euo pipefail

DIR=${AIOT_REDIS_DIR:-/tmp/aiot-redis-cluster.$(id -u)}
NODE_TIMEOUT=${AIOT_REDIS_NODE_TIMEOUT:-1000}
REPLICAS=${AIOT_REDIS_REPLICAS:-1}
case "$REPLICAS" in [1-4]) ;; *) echo "redis-cluster: AIOT_REDIS_REPLICAS must be 1-4" >&2; exit 2 ;; esac
N=$((3 * (1 + REPLICAS)))
WAIT_S=${AIOT_REDIS_WAIT_S:-60}

say() { echo "redis-cluster: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# The pid in a node's pid file if that process is still the redis-server of this port.
node_pid() { # port
	local f=$DIR/$1/redis.pid pid
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	[ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "redis-server.*:$1\b" || return 1
	echo "$pid"
}

port_free() { # port: nothing listens on it nor on its cluster bus port
	[ "$1" -ne 6379 ] && [ -z "$(ss -Htln "( sport = :$1 or sport = :$(($1 + 10000)) )")" ]
}

pick_ports() {
	local base p ok
	if [ -n "${AIOT_REDIS_PORT:-}" ]; then
		for p in $(seq "$AIOT_REDIS_PORT" $((AIOT_REDIS_PORT + N - 1))); do
			port_free "$p" || die "port $p (or its bus port $((p + 10000))) is in use"
		done
		seq "$AIOT_REDIS_PORT" $((AIOT_REDIS_PORT + N - 1))
		return
	fi
	for _ in $(seq 1 50); do
		base=$((20000 + RANDOM % (10000 - N)))
		ok=1
		for p in $(seq "$base" $((base + N - 1))); do port_free "$p" || ok=0; done
		[ "$ok" = 1 ] && { seq "$base" $((base + N - 1)); return; }
	done
	die "no $N free consecutive ports found"
}

# No RDB or AOF (durability comes from replication), and a replica's full sync starts at
# once (Redis 7 waits repl-diskless-sync-delay, 5 s, for more replicas by default).
start_node() { # port
	local d=$DIR/$1
	mkdir -p "$d"
	rm -f "$d/nodes.conf" "$d/redis.pid"
	cat >"$d/redis.conf" <<EOF
port $1
bind 127.0.0.1
daemonize yes
pidfile $d/redis.pid
logfile $d/redis.log
dir $d
cluster-enabled yes
cluster-config-file $d/nodes.conf
cluster-node-timeout $NODE_TIMEOUT
save ""
appendonly no
repl-diskless-sync-delay 0
EOF
	redis-server "$d/redis.conf" >/dev/null
}

# Gone: no such process, or a zombie (it exited and released its ports; its parent, often
# pid 1 for a daemon, reaps it when it will: some container inits take seconds).
gone() { # pid
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# SIGTERM to every node at once, then each waited for (SIGKILL after 5 s).
stop_nodes() {
	local port pid pids=()
	[ -f "$DIR/ports" ] || return 0
	for port in $(cat "$DIR/ports"); do
		pid=$(node_pid "$port") || continue
		kill "$pid" 2>/dev/null || true
		pids+=("$pid")
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 1 50); do gone "$pid" && break; sleep 0.1; done
		gone "$pid" || kill -9 "$pid" 2>/dev/null || true
	done
	rm -f "$DIR/ports"
}

# Starts the nodes; fails (after stopping them) if one did not come up, e.g. lost a port
# race with another run.
start_nodes() {
	local port
	echo "$@" >"$DIR/ports"
	for port in "$@"; do start_node "$port" || true; done
	for port in "$@"; do
		for _ in $(seq 1 50); do
			[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && node_pid "$port" >/dev/null && break
			sleep 0.1
		done
		if ! node_pid "$port" >/dev/null; then
			say "node $port did not start: $(tail -2 "$DIR/$port/redis.log" 2>/dev/null)"
			stop_nodes
			return 1
		fi
	done
}

info_field() { # port field command...
	local port=$1 field=$2
	shift 2
	redis-cli -p "$port" "$@" 2>/dev/null | tr -d '\r' | sed -n "s/^$field:\(.*\)/\1/p"
}

# Every node sees the cluster ok with all 16384 slots covered and all N nodes, and every
# replica's link to its master is up.
cluster_ready() {
	local port
	for port in "$@"; do
		[ "$(info_field "$port" cluster_state cluster info)" = ok ] || return 1
		[ "$(info_field "$port" cluster_slots_ok cluster info)" = 16384 ] || return 1
		[ "$(info_field "$port" cluster_known_nodes cluster info)" = $N ] || return 1
		if [ "$(info_field "$port" role info replication)" = slave ]; then
			[ "$(info_field "$port" master_link_status info replication)" = up ] || return 1
		fi
	done
}

start() {
	local ports=() picked attempt port hosts=()
	mkdir -p "$DIR"
	if [ -f "$DIR/ports" ]; then
		for port in $(cat "$DIR/ports"); do
			node_pid "$port" >/dev/null && die "a cluster already runs from $DIR (stop it first)"
		done
	fi
	for attempt in 1 2 3 4 5; do
		picked=$(pick_ports) || exit 1
		mapfile -t ports <<<"$picked"
		start_nodes "${ports[@]}" && break
		[ -n "${AIOT_REDIS_PORT:-}" ] || [ "$attempt" = 5 ] && die "cannot start the nodes"
	done
	for port in "${ports[@]}"; do hosts+=("127.0.0.1:$port"); done
	if ! redis-cli --cluster create "${hosts[@]}" --cluster-replicas "$REPLICAS" --cluster-yes \
		>"$DIR/create.log" 2>&1; then
		cat "$DIR/create.log" >&2
		stop_nodes
		die "redis-cli --cluster create failed"
	fi
	for _ in $(seq 1 $((WAIT_S * 10))); do
		if cluster_ready "${ports[@]}"; then
			say "3 masters + $((3 * REPLICAS)) replicas on ports ${ports[*]} (work dir $DIR)"
			(IFS=,; echo "redis-cluster://${hosts[*]}")
			return 0
		fi
		sleep 0.1
	done
	stop_nodes
	die "the cluster did not become ready within ${WAIT_S} s"
}

case "${1:-}" in
start) start ;;
stop) stop_nodes ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
