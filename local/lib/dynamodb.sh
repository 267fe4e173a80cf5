# shellcheck shell=bash
# DynamoDB Local: start, wait for readiness, stop. Source after tools.sh.
#
#   start_dynamodb PORT LOGFILE   installs (if needed) and starts DynamoDB Local with -sharedDb on
#                                 PORT, in memory, or in DYNAMODB_DATA_DIR when that is set (data
#                                 that outlives a restart: the fault-tolerance step stops and starts
#                                 it); returns once it answers (bounded; non-zero when it does not); sets DYNAMODB_PID (also
#                                 $STATE_DIR/dynamodb.pid when STATE_DIR is set).
#   stop_dynamodb                 stops what start_dynamodb started.
#
# DynamoDB Local has no bind-address option (see `-help`; it builds a Jetty server from the port
# alone), so it listens on every interface of the machine. Everything else in the stack binds to
# 127.0.0.1, and all clients reach it through 127.0.0.1. It holds only throwaway test data.

# shellcheck source-path=SCRIPTDIR source=tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

# Any HTTP answer from the server means it is up (DynamoDB answers a bare GET with 400).
dynamodb_answers() {
    local code
    code="$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --connect-timeout 1 --max-time 3 \
        "http://127.0.0.1:$1/" 2>/dev/null || true)"
    [[ -n $code && $code != 000 ]]
}

start_dynamodb() {
    local port=$1 logfile=$2
    ensure_dynamodb_local || return 1
    if port_in_use "$port"; then
        error "port $port is already in use (set DYNAMODB_PORT to another port, or stop what runs there)"
        return 1
    fi
    local storage=(-inMemory)
    if [[ -n "${DYNAMODB_DATA_DIR:-}" ]]; then
        mkdir -p "$DYNAMODB_DATA_DIR"
        storage=(-dbPath "$DYNAMODB_DATA_DIR")
    fi
    start_bg dynamodb "$logfile" \
        java -Xms64m -Xmx512m -Djava.library.path="$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" \
        -jar "$DYNAMODB_LOCAL_DIR/DynamoDBLocal.jar" \
        "${storage[@]}" -sharedDb -disableTelemetry -port "$port"
    DYNAMODB_PID=$BG_PID
    if ! WAIT_PID=$DYNAMODB_PID wait_until 60 "DynamoDB Local on port $port" dynamodb_answers "$port"; then
        tail -n 30 "$logfile" >&2 || true
        stop_dynamodb
        error "DynamoDB Local did not start (log: $logfile)"
        return 1
    fi
    log "DynamoDB Local ready on http://127.0.0.1:$port"
}

stop_dynamodb() {
    if [[ -n "${DYNAMODB_PID:-}" ]]; then
        stop_bg "$DYNAMODB_PID" "DynamoDB Local"
        DYNAMODB_PID=
        if [[ -n "${STATE_DIR:-}" ]]; then rm -f "$STATE_DIR/dynamodb.pid"; fi
    elif [[ -n "${STATE_DIR:-}" ]]; then
        stop_from_pidfile "$STATE_DIR/dynamodb.pid" "DynamoDB Local"
    fi
}
