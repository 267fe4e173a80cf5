# shellcheck shell=bash
# The local stack as a library: DynamoDB Local + the template's tables + `cargo lambda watch` + the
# WebSocket gateway (local/gateway: API Gateway's WebSocket API, the DynamoDB Streams trigger of
# the realtime function, and SES v2 SendEmail, whose mails it captures at /mail and /mail/view).
# Used by local/start (a developer's stack) and local/test (a throwaway stack on free ports).
#
#   start_stack   reads STATE_DIR, PORT, DYNAMODB_PORT, TABLE_PREFIX and optionally CONCURRENCY
#                 (default 4), READY_TIMEOUT (default 900 s), WATCH_IGNORE_CHANGES (1 = no reload),
#                 CARGO_LOCKED (1 = pass --locked to cargo), RELEASE (1 = release builds, as
#                 Lambda runs them), WS_PORT (the gateway's port; a free one
#                 by default), WEB_PORT (the web app's port; a free one by default).
#                 Returns once the functions, the gateway and the web app answer; sets BASE_URL,
#                 WS_URL, WEB_URL, DYNAMODB_PID, WATCH_PID, GATEWAY_PID, WEB_PID and writes
#                 $STATE_DIR/{dynamodb,watch,gateway,webapp}.pid, $STATE_DIR/functions.env and
#                 $STATE_DIR/stack.env (MAIL_URL there: the captured mails' JSON). The functions'
#                 env file points their SES v2 client at the gateway (AWS_ENDPOINT_URL_SESV2),
#                 their mails' links at the web app (FRONTEND_URL) and lets the web app's origin
#                 call them with credentials (CORS_ALLOWED_ORIGINS: local/dev.env's and that one).
#                 On any failure it stops what it started and returns non-zero.
#                 Without a realtime function in template.yaml there is no gateway (WS_URL and
#                 MAIL_URL empty, no SES stand-in).
#   stop_stack    stops what start_stack started (by the pids in memory or in $STATE_DIR).
#
# If DynamoDB Local is already running from start_dynamodb (DYNAMODB_PID set), it is reused.

# shellcheck source-path=SCRIPTDIR source=tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
# shellcheck source-path=SCRIPTDIR source=dynamodb.sh
. "$(dirname "${BASH_SOURCE[0]}")/dynamodb.sh"
# shellcheck source-path=SCRIPTDIR source=webapp.sh
. "$(dirname "${BASH_SOURCE[0]}")/webapp.sh"

# Sets the arrays CARGO_FLAGS to (--locked) when CARGO_LOCKED=1, and CARGO_PROFILE_FLAGS to
# (--release) when RELEASE=1 (BUILD_PROFILE says which: debug or release).
_cargo_flags() {
    CARGO_FLAGS=()
    if [[ "${CARGO_LOCKED:-0}" == 1 ]]; then CARGO_FLAGS=(--locked); fi
    CARGO_PROFILE_FLAGS=()
    BUILD_PROFILE=debug
    if [[ "${RELEASE:-0}" == 1 ]]; then
        CARGO_PROFILE_FLAGS=(--release)
        BUILD_PROFILE=release
    fi
}

# Builds the devtools binary and sets DEVTOOLS to its path.
build_devtools() {
    log "building devtools (cargo build -p devtools)"
    _cargo_flags
    (cd "$TASKAPI_ROOT" && cargo build "${CARGO_FLAGS[@]}" --quiet -p devtools) \
        || error "cargo build -p devtools failed" || return 1
    DEVTOOLS="$CARGO_TARGET_DIR/debug/devtools"
    [[ -x $DEVTOOLS ]] || error "devtools binary not found at $DEVTOOLS"
}

# Fails when Cargo.toml's cargo lambda watch router is not the one generated from template.yaml
# (`cargo run -p devtools -- write-router` writes it).
check_routes() {
    (cd "$TASKAPI_ROOT" && "$DEVTOOLS" check-routes --template template.yaml --cargo-toml Cargo.toml)
}

# build_functions NAME...: builds each function binary the way `cargo lambda watch` will run it
# (`cargo run --bin NAME`, one at a time so cargo resolves features as it will then), so the first
# request does not wait for a compile and a compile error fails here, loudly, instead of as a
# readiness timeout.
build_functions() {
    local bin
    _cargo_flags
    for bin in "$@"; do
        log "building function $bin (cargo build ${CARGO_PROFILE_FLAGS[*]} --bin $bin)"
        (cd "$TASKAPI_ROOT" && cargo build "${CARGO_FLAGS[@]}" "${CARGO_PROFILE_FLAGS[@]}" --bin "$bin") \
            || error "cargo build --bin $bin failed" || return 1
    done
}

# Any answer below 500 from POST /auth/login means the router, the function and its config work.
_stack_answers() {
    local code
    code="$(http_status POST "$1/auth/login" '{}')"
    [[ $code =~ ^[1-4][0-9][0-9]$ ]]
}

# cargo lambda watch starts a function's further instances on demand, and a request that lands on
# an instance still starting can get the emulator's own 500 (seen on the first burst of Swagger UI
# assets). Every function is sent `concurrency` requests at once until a whole round answers
# without a 5xx, so every instance is up before anything is tested. Bounded: 30 rounds.
_warm_instances() {
    local base=$1 concurrency=$2 round request status_dir failed method path body
    status_dir="$(mktemp -d)"
    for round in $(seq 1 30); do
        local i=0 pids=()
        for request in "POST /auth/login {}" "GET /tasks" "GET /expenses" "GET /health"; do
            read -r method path body <<<"$request"
            for _ in $(seq 1 "$concurrency"); do
                i=$((i + 1))
                (echo "$(http_status "$method" "$base$path" "${body:-}")" >"$status_dir/$i") &
                pids+=($!)
            done
        done
        # Only these requests: a bare `wait` would also wait for cargo lambda watch itself.
        wait "${pids[@]}"
        failed="$(cat "$status_dir"/* | grep -cv '^[1-4][0-9][0-9]$' || true)"
        if [[ $failed == 0 ]]; then
            rm -rf "$status_dir"
            log "every function answered $concurrency requests at once (round $round)"
            return 0
        fi
        sleep 1
    done
    rm -rf "$status_dir"
    warn "some function instances still answered 5xx after 30 rounds"
    return 1
}

# The function that gets the WebSocket and DynamoDB Streams events.
REALTIME_FUNCTION=realtime

# The gateway answers its management API: 410 for a connection that does not exist.
_gateway_answers() {
    [[ "$(http_status GET "http://127.0.0.1:$1/@connections/readiness-check")" == 410 ]]
}

# Starts local/gateway on WS_PORT for the running functions and tables; returns once it answers.
# Each table's stream goes to the function the template's DynamoDB event names.
start_gateway() {
    local triggers streams=()
    triggers="$(cd "$TASKAPI_ROOT" && "$DEVTOOLS" stream-triggers --template template.yaml --prefix "$TABLE_PREFIX")" \
        || { error "cannot read the template's stream triggers"; return 1; }
    local trigger
    for trigger in $triggers; do streams+=(--stream "$trigger"); done
    # -B: no __pycache__ in the tree.
    start_service gateway "WebSocket gateway on port $WS_PORT" _gateway_answers "$WS_PORT" \
        "$VENV_DIR/bin/python" -B "$TASKAPI_ROOT/local/gateway/main.py" \
        --port "$WS_PORT" --invoke-url "$BASE_URL" --function "$REALTIME_FUNCTION" \
        --dynamodb-endpoint "http://127.0.0.1:$DYNAMODB_PORT" --region "$AWS_REGION" "${streams[@]}"
    GATEWAY_PID=$SERVICE_PID
    WS_URL="ws://127.0.0.1:$WS_PORT"
    log "WebSocket gateway ready at $WS_URL"
}

stop_gateway() {
    stop_service GATEWAY_PID gateway "WebSocket gateway"
}

start_stack() {
    : "${STATE_DIR:?}" "${PORT:?}" "${DYNAMODB_PORT:?}" "${TABLE_PREFIX:?}"
    local concurrency=${CONCURRENCY:-4} ready_timeout=${READY_TIMEOUT:-900}
    mkdir -p "$STATE_DIR"

    ensure_python_tools || return 1
    ensure_dynamodb_local || return 1
    build_devtools || return 1
    check_routes || error "the local router does not match template.yaml (see above)" || return 1

    if port_in_use "$PORT"; then
        error "port $PORT is already in use (set PORT to another port, or stop what runs there)"
        return 1
    fi
    local functions realtime=0
    functions="$(cd "$TASKAPI_ROOT" && "$DEVTOOLS" functions --template template.yaml)" \
        || error "cannot list the template's functions" || return 1
    WS_URL=
    if grep -qx "$REALTIME_FUNCTION" <<<"$functions"; then
        realtime=1
        WS_PORT="${WS_PORT:-$(free_port)}"
        if port_in_use "$WS_PORT"; then
            error "port $WS_PORT is already in use (set WS_PORT to another port, or stop what runs there)"
            return 1
        fi
    fi
    WEB_PORT="${WEB_PORT:-$(free_port)}"
    if port_in_use "$WEB_PORT"; then
        error "port $WEB_PORT is already in use (set WEB_PORT to another port, or stop what runs there)"
        return 1
    fi
    local web_url="http://127.0.0.1:$WEB_PORT" origins
    origins="$(sed -n 's/^CORS_ALLOWED_ORIGINS=//p' "$TASKAPI_ROOT/local/dev.env")"
    if [[ ",$origins," != *",$web_url,"* ]]; then origins="${origins:+$origins,}$web_url"; fi
    if [[ -z "${DYNAMODB_PID:-}" ]] || ! kill -0 "$DYNAMODB_PID" 2>/dev/null; then
        start_dynamodb "$DYNAMODB_PORT" "$STATE_DIR/dynamodb.log" || return 1
    fi
    export_dummy_aws_env "$DYNAMODB_PORT"

    log "creating the tables of template.yaml with prefix $TABLE_PREFIX"
    (cd "$TASKAPI_ROOT" && "$DEVTOOLS" create-tables --template template.yaml \
        --prefix "$TABLE_PREFIX" --env-out "$STATE_DIR/tables.env") >&2 \
        || { stop_stack; error "creating the tables failed"; return 1; }

    # One env file for every function: dev defaults, table names, dummy AWS settings + endpoint.
    {
        echo "# Generated by local/lib/stack.sh for this run; do not edit."
        grep -Ev '^[[:space:]]*(#|$)|^(CORS_ALLOWED_ORIGINS|FRONTEND_URL)=' "$TASKAPI_ROOT/local/dev.env"
        # The web app of this run: its origin may call with credentials, and mails link to it.
        echo "CORS_ALLOWED_ORIGINS=$origins"
        echo "FRONTEND_URL=$web_url"
        grep -Ev '^[[:space:]]*(#|$)' "$STATE_DIR/tables.env"
        dummy_aws_env_lines "$DYNAMODB_PORT"
        # The realtime function posts to its clients (and the purge function closes them) through
        # the gateway's management API.
        if ((realtime)); then echo "WEBSOCKET_MANAGEMENT_ENDPOINT=http://127.0.0.1:$WS_PORT"; fi
        # The mailer's SES v2 calls go to the gateway's stand-in, which keeps them: nothing leaves the machine.
        if ((realtime)); then echo "AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:$WS_PORT"; fi
    } >"$STATE_DIR/functions.env"

    # shellcheck disable=SC2086 # one function name per word
    build_functions $functions || { stop_stack; error "building the functions failed"; return 1; }

    _cargo_flags
    local watch_args=(lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT"
        --concurrency "$concurrency" --disable-cors --env-file "$STATE_DIR/functions.env"
        "${CARGO_FLAGS[@]}" "${CARGO_PROFILE_FLAGS[@]}")
    if [[ "${WATCH_IGNORE_CHANGES:-0}" == 1 ]]; then
        watch_args+=(--ignore-changes)
    fi
    # cargo lambda watch runs `cargo run --bin <function>` from the workspace root.
    local here=$PWD
    cd "$TASKAPI_ROOT" || { error "cannot cd to $TASKAPI_ROOT"; return 1; }
    start_bg watch "$STATE_DIR/watch.log" cargo "${watch_args[@]}"
    cd "$here" || true
    WATCH_PID=$BG_PID
    BASE_URL="http://127.0.0.1:$PORT"

    log "waiting for $BASE_URL to answer (POST /auth/login, up to ${ready_timeout}s)"
    if ! WAIT_PID=$WATCH_PID wait_until "$ready_timeout" "local stack at $BASE_URL" _stack_answers "$BASE_URL"; then
        warn "last lines of $STATE_DIR/watch.log:"
        tail -n 40 "$STATE_DIR/watch.log" >&2 || true
        stop_stack
        error "the local stack did not become ready"
        return 1
    fi

    _warm_instances "$BASE_URL" "$concurrency" || true

    if ((realtime)) && ! start_gateway; then
        stop_stack
        error "the WebSocket gateway did not start (log: $STATE_DIR/gateway.log)"
        return 1
    fi

    if ! start_web_app; then
        stop_stack
        error "the web app did not start (log: $STATE_DIR/webapp.log)"
        return 1
    fi

    cat >"$STATE_DIR/stack.env" <<EOF
BASE_URL=$BASE_URL
PORT=$PORT
DYNAMODB_PORT=$DYNAMODB_PORT
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DYNAMODB_PORT
TABLE_PREFIX=$TABLE_PREFIX
WATCH_PID=$WATCH_PID
DYNAMODB_PID=$DYNAMODB_PID
WS_URL=$WS_URL
WS_PORT=${WS_PORT:-}
MAIL_URL=${WS_URL:+http://127.0.0.1:${WS_PORT}/mail}
GATEWAY_PID=${GATEWAY_PID:-}
WEB_URL=$WEB_URL
WEB_PORT=$WEB_PORT
WEB_PID=$WEB_PID
EOF
    log "local stack ready at $BASE_URL ($BUILD_PROFILE builds; DynamoDB Local at" \
        "http://127.0.0.1:$DYNAMODB_PORT, tables $TABLE_PREFIX*)"
}

stop_stack() {
    stop_web_app
    # The gateway first: closing its connections still reaches the function ($disconnect).
    stop_gateway
    if [[ -n "${WATCH_PID:-}" ]]; then
        stop_bg "$WATCH_PID" "cargo lambda watch"
        WATCH_PID=
    fi
    if [[ -n "${STATE_DIR:-}" ]]; then
        stop_from_pidfile "$STATE_DIR/watch.pid" "cargo lambda watch"
    fi
    stop_dynamodb
    if [[ -n "${STATE_DIR:-}" ]]; then
        rm -f "$STATE_DIR/stack.env"
    fi
}
