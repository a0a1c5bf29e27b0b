#!/usr/bin/env bash
# Real Kafka and ClickHouse on 127.0.0.1 for development, the integration tests and CI, without Docker:
#   Kafka 4.2.1 (single-node KRaft) from Maven Central, jars resolved by mvn from services/kafka/pom.xml;
#   ClickHouse from Debian's clickhouse-server package, run as a plain process with services/clickhouse/*.xml.
# Data, logs and pid files live under .services/ in the repository (git-ignored). See docs/services.md.
#
#   scripts/services.sh up       start what is not already listening, wait until both answer
#   scripts/services.sh down     stop what this script started (pid files); leaves other servers alone
#   scripts/services.sh status   print each service's state; exit 0 only when both answer
#
# Ports: FLOWAUDIT_KAFKA_PORT (9092), FLOWAUDIT_KAFKA_CONTROLLER_PORT (9093), FLOWAUDIT_CLICKHOUSE_PORT (8123,
# HTTP), FLOWAUDIT_CLICKHOUSE_TCP_PORT (9000). State directory: FLOWAUDIT_SERVICES_DIR (.services).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${FLOWAUDIT_SERVICES_DIR:-$ROOT/.services}
KAFKA_PORT=${FLOWAUDIT_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${FLOWAUDIT_KAFKA_CONTROLLER_PORT:-9093}
CLICKHOUSE_PORT=${FLOWAUDIT_CLICKHOUSE_PORT:-8123}
CLICKHOUSE_TCP_PORT=${FLOWAUDIT_CLICKHOUSE_TCP_PORT:-9000}
KAFKA_DIR=$STATE/kafka
CLICKHOUSE_DIR=$STATE/clickhouse
KAFKA_READY_SECONDS=90
CLICKHOUSE_READY_SECONDS=30
STOP_SECONDS=30

say() { printf '%s\n' "$*"; }
fail() { printf 'services.sh: %s\n' "$*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp: no nc or ss needed).
listening() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The pid in pid file $1 when that process is alive and its command line contains the text $2 (the config file of
# this state directory), else nothing: a recycled pid (the service died, the number went to another process) and
# another checkout's server are never reported or killed as ours.
live_pid() {
  local pid
  [[ -f $1 ]] || return 0
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
    printf '%s' "$pid"
  fi
}

# apt-get install with one `apt-get update` per run of this script, only when something is actually missing.
APT_UPDATED=
apt_install() {
  command -v apt-get >/dev/null || fail "missing $*, and no apt-get to install it with: install it by hand"
  local sudo=
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  if [[ -z $APT_UPDATED ]]; then
    say "apt: updating package lists"
    $sudo apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "apt: installing $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Copies template $1 to $2 with @TOKEN@ replaced, for the tokens the templates in services/ use.
render() {
  local escaped_state=${STATE//|/\\|}
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@DATA_DIR@|$escaped_state/kafka/data|g" \
      -e "s|@HTTP_PORT@|$CLICKHOUSE_PORT|g" \
      -e "s|@TCP_PORT@|$CLICKHOUSE_TCP_PORT|g" \
      -e "s|@STATE_DIR@|$escaped_state/clickhouse|g" \
      "$1" >"$2"
}

log_tail() {
  local file
  for file in "$@"; do
    [[ -s $file ]] || continue
    printf -- '--- last lines of %s ---\n' "$file" >&2
    tail -n 40 "$file" >&2
  done
}

# Starts "$@" detached (own session, no terminal, output to $2's log) and writes its pid to $1.
spawn() {
  local pid_file=$1 log_file=$2
  shift 2
  setsid "$@" </dev/null >>"$log_file" 2>&1 &
  printf '%s\n' "$!" >"$pid_file"
}

# ---------------------------------------------------------------------------------------------------- Kafka
KAFKA_PATTERN="kafka.Kafka $KAFKA_DIR/server.properties"

kafka_resolve() {
  command -v java >/dev/null || apt_install default-jre-headless
  command -v mvn >/dev/null || apt_install maven
  # The copy of the pom inside lib/ says which pom the jars came from: a changed pom re-resolves from scratch, so
  # jars of an old version never share the classpath with the new ones.
  if cmp -s "$ROOT/services/kafka/pom.xml" "$KAFKA_DIR/lib/.pom.xml"; then return 0; fi
  say "kafka: resolving the broker's jars from Maven Central (services/kafka/pom.xml)"
  rm -rf "$KAFKA_DIR/lib" "$KAFKA_DIR/lib.partial"
  mvn -q -B -f "$ROOT/services/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_DIR/lib.partial" >"$KAFKA_DIR/logs/mvn.log" 2>&1 ||
    { log_tail "$KAFKA_DIR/logs/mvn.log"; fail "kafka: mvn could not resolve services/kafka/pom.xml"; }
  cp "$ROOT/services/kafka/pom.xml" "$KAFKA_DIR/lib.partial/.pom.xml"
  mv "$KAFKA_DIR/lib.partial" "$KAFKA_DIR/lib"
  say "kafka: $(find "$KAFKA_DIR/lib" -name '*.jar' | wc -l) jars in ${KAFKA_DIR#"$ROOT"/}/lib"
}

kafka_start() {
  if listening "$KAFKA_PORT"; then
    say "kafka: already listening on 127.0.0.1:$KAFKA_PORT, left alone"
    return 0
  fi
  mkdir -p "$KAFKA_DIR/logs" "$KAFKA_DIR/data"
  kafka_resolve
  render "$ROOT/services/kafka/server.properties" "$KAFKA_DIR/server.properties"
  # KRaft storage is formatted once; the cluster id it records must survive restarts or the broker refuses its
  # own log directory.
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(java -cp "$KAFKA_DIR/lib/*" kafka.tools.StorageTool random-uuid 2>>"$KAFKA_DIR/logs/format.log")
    java -cp "$KAFKA_DIR/lib/*" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" >>"$KAFKA_DIR/logs/format.log" 2>&1 ||
      { log_tail "$KAFKA_DIR/logs/format.log"; fail "kafka: formatting ${KAFKA_DIR#"$ROOT"/}/data failed"; }
    say "kafka: formatted storage (cluster id $cluster_id)"
  fi
  spawn "$KAFKA_DIR/kafka.pid" "$KAFKA_DIR/logs/stdout.log" \
    java -Xmx512m -Xms128m -cp "$KAFKA_DIR/lib/*" \
    -Dlog4j2.configurationFile="$ROOT/services/kafka/log4j2.xml" -Dkafka.logs.dir="$KAFKA_DIR/logs" \
    kafka.Kafka "$KAFKA_DIR/server.properties"
  say "kafka: started pid $(<"$KAFKA_DIR/kafka.pid") on 127.0.0.1:$KAFKA_PORT"
  KAFKA_STARTED=1
}

kafka_wait() {
  local started=$SECONDS pid
  pid=$(live_pid "$KAFKA_DIR/kafka.pid" "$KAFKA_PATTERN")
  # Wait for the port first (cheap, and catches a crashed JVM at once), then for a real metadata answer.
  until listening "$KAFKA_PORT"; do
    if [[ -z $(live_pid "$KAFKA_DIR/kafka.pid" "$KAFKA_PATTERN") ]]; then
      log_tail "$KAFKA_DIR/logs/stdout.log" "$KAFKA_DIR/logs/server.log"
      fail "kafka: the broker (pid ${pid:-?}) exited during start-up"
    fi
    ((SECONDS - started < KAFKA_READY_SECONDS)) ||
      { log_tail "$KAFKA_DIR/logs/server.log"; fail "kafka: not listening after $KAFKA_READY_SECONDS s"; }
    sleep 0.3
  done
  if [[ -f $ROOT/node_modules/kafkajs/package.json ]]; then
    node "$ROOT/scripts/kafka-ready.mjs" "127.0.0.1:$KAFKA_PORT" $((KAFKA_READY_SECONDS - (SECONDS - started))) ||
      { log_tail "$KAFKA_DIR/logs/server.log"; fail "kafka: listening but not answering"; }
  else
    say "kafka: node_modules not installed, checked the port only (run npm ci for the metadata probe)"
  fi
  say "kafka: ready on 127.0.0.1:$KAFKA_PORT ($((SECONDS - started)) s)"
}

# ------------------------------------------------------------------------------------------------ ClickHouse
CLICKHOUSE_PATTERN="--config-file=$CLICKHOUSE_DIR/config.xml"

clickhouse_ping() { [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$CLICKHOUSE_PORT/ping" 2>/dev/null) == Ok.* ]]; }

clickhouse_start() {
  if listening "$CLICKHOUSE_PORT"; then
    say "clickhouse: already listening on 127.0.0.1:$CLICKHOUSE_PORT, left alone"
    return 0
  fi
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client
  mkdir -p "$CLICKHOUSE_DIR"/{data,tmp,logs,user_files,format_schemas}
  render "$ROOT/services/clickhouse/config.xml" "$CLICKHOUSE_DIR/config.xml"
  render "$ROOT/services/clickhouse/users.xml" "$CLICKHOUSE_DIR/users.xml"
  spawn "$CLICKHOUSE_DIR/clickhouse.pid" "$CLICKHOUSE_DIR/logs/stdout.log" \
    clickhouse-server --config-file="$CLICKHOUSE_DIR/config.xml"
  say "clickhouse: started pid $(<"$CLICKHOUSE_DIR/clickhouse.pid") on 127.0.0.1:$CLICKHOUSE_PORT"
  CLICKHOUSE_STARTED=1
}

clickhouse_wait() {
  local started=$SECONDS
  until clickhouse_ping; do
    if [[ -z $(live_pid "$CLICKHOUSE_DIR/clickhouse.pid" "$CLICKHOUSE_PATTERN") ]]; then
      log_tail "$CLICKHOUSE_DIR/logs/stdout.log" "$CLICKHOUSE_DIR/logs/clickhouse-server.err.log"
      fail "clickhouse: the server exited during start-up"
    fi
    ((SECONDS - started < CLICKHOUSE_READY_SECONDS)) || {
      log_tail "$CLICKHOUSE_DIR/logs/clickhouse-server.err.log"
      fail "clickhouse: /ping did not answer within $CLICKHOUSE_READY_SECONDS s"
    }
    sleep 0.2
  done
  say "clickhouse: ready on http://127.0.0.1:$CLICKHOUSE_PORT ($((SECONDS - started)) s)"
}

# ------------------------------------------------------------------------------------------------- commands
stop_one() {
  local name=$1 pid_file=$2 pattern=$3 pid waited=0
  pid=$(live_pid "$pid_file" "$pattern")
  if [[ -z $pid ]]; then
    rm -f "$pid_file"
    if listening "$4"; then
      say "$name: listening on 127.0.0.1:$4 but not started by services.sh, left alone"
    else
      say "$name: not running"
    fi
    return 0
  fi
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null && ((waited < STOP_SECONDS * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    say "$name: pid $pid ignored SIGTERM for $STOP_SECONDS s, killed"
  else
    say "$name: stopped pid $pid"
  fi
  rm -f "$pid_file"
}

status_one() {
  local name=$1 pid_file=$2 pattern=$3 port=$4 pid
  pid=$(live_pid "$pid_file" "$pattern")
  if listening "$port"; then
    if [[ -n $pid ]]; then
      say "$name: running, pid $pid (services.sh), 127.0.0.1:$port"
    else
      say "$name: listening on 127.0.0.1:$port (not started by services.sh)"
    fi
    return 0
  fi
  if [[ -n $pid ]]; then
    say "$name: pid $pid alive but not listening on 127.0.0.1:$port (starting, or stuck: see ${pid_file%/*}/logs)"
  else
    say "$name: stopped"
  fi
  return 1
}

up() {
  mkdir -p "$KAFKA_DIR/logs" "$CLICKHOUSE_DIR/logs"
  KAFKA_STARTED= CLICKHOUSE_STARTED=
  # Both processes start before either is waited for: the JVM's start-up hides ClickHouse's.
  kafka_start
  clickhouse_start
  [[ -z $KAFKA_STARTED ]] || kafka_wait
  [[ -z $CLICKHOUSE_STARTED ]] || clickhouse_wait
}

down() {
  stop_one kafka "$KAFKA_DIR/kafka.pid" "$KAFKA_PATTERN" "$KAFKA_PORT"
  stop_one clickhouse "$CLICKHOUSE_DIR/clickhouse.pid" "$CLICKHOUSE_PATTERN" "$CLICKHOUSE_PORT"
}

status() {
  local ok=0
  status_one kafka "$KAFKA_DIR/kafka.pid" "$KAFKA_PATTERN" "$KAFKA_PORT" || ok=1
  status_one clickhouse "$CLICKHOUSE_DIR/clickhouse.pid" "$CLICKHOUSE_PATTERN" "$CLICKHOUSE_PORT" || ok=1
  return "$ok"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) fail "usage: scripts/services.sh up|down|status" ;;
esac
