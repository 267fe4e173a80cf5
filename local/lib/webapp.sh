# shellcheck shell=bash
# The web app (web/): its npm packages (pinned by web/package-lock.json) installed into the cache, a
# production build of it, and a local host for the build at http://127.0.0.1:WEB_PORT (another origin
# of the same site as the API, as the contract's cookie mode expects; local/gateway/webapp.py).
#
#   prepare_web_app      npm ci of web/'s lock into $CACHE_DIR/web (once per lock), then copies the
#                        app's sources to $STATE_DIR/web-src with a link to those node_modules:
#                        the checks and the build run there, so nothing is installed into the
#                        repository and runs do not share a work folder. Sets WEB_WORK_DIR.
#   check_web_app URL    the app's own checks: its API types are what URL (a stack's /openapi.json)
#                        describes, tsc finds no error, and its unit tests (vitest) pass.
#   build_web_app OUT    vite build into OUT.
#   start_web_app        serves $STATE_DIR/web-dist on WEB_PORT for BASE_URL and WS_URL; sets WEB_URL
#                        and WEB_PID. stop_web_app stops it.

# What of web/ the checks and the build read.
WEB_SOURCES=(src public scripts index.html vite.config.ts tsconfig.json package.json)

prepare_web_app() {
    : "${STATE_DIR:?}"
    npm_ci_into_cache web web vite || return 1
    export WEB_WORK_DIR="$STATE_DIR/web-src"
    rm -rf "$WEB_WORK_DIR" && mkdir -p "$WEB_WORK_DIR" || return 1
    local item
    for item in "${WEB_SOURCES[@]}"; do
        cp -R "$TASKAPI_ROOT/web/$item" "$WEB_WORK_DIR/$item" || error "cannot copy web/$item" || return 1
    done
    ln -s "$CACHE_DIR/web/node_modules" "$WEB_WORK_DIR/node_modules"
}

check_web_app() {
    local openapi_url=$1
    (cd "$WEB_WORK_DIR" && node scripts/api-types.mjs --url "$openapi_url" --check) || return 1
    log "web: tsc --noEmit"
    (cd "$WEB_WORK_DIR" && node_modules/.bin/tsc --noEmit -p tsconfig.json) || { error "web: tsc found errors"; return 1; }
    log "web: unit tests (vitest)"
    (cd "$WEB_WORK_DIR" && node_modules/.bin/vitest run --reporter=dot) || { error "web: unit tests failed"; return 1; }
}

build_web_app() {
    local out=$1
    log "building the web app (vite build) into $out"
    (cd "$WEB_WORK_DIR" && WEB_OUT_DIR="$out" node_modules/.bin/vite build --logLevel warn) \
        || { error "web: vite build failed"; return 1; }
}

_web_app_answers() {
    [[ "$(http_status GET "http://127.0.0.1:$1/config.json")" == 200 ]]
}

start_web_app() {
    : "${STATE_DIR:?}" "${WEB_PORT:?}" "${BASE_URL:?}"
    if [[ -z "${WEB_WORK_DIR:-}" ]]; then prepare_web_app || return 1; fi
    build_web_app "$STATE_DIR/web-dist" || return 1
    start_service webapp "web app on port $WEB_PORT" _web_app_answers "$WEB_PORT" \
        "$VENV_DIR/bin/python" -B "$TASKAPI_ROOT/local/gateway/webapp.py" \
        --port "$WEB_PORT" --root "$STATE_DIR/web-dist" --api-url "$BASE_URL" --ws-url "${WS_URL:-}"
    WEB_PID=$SERVICE_PID
    WEB_URL="http://127.0.0.1:$WEB_PORT"
    log "web app ready at $WEB_URL"
}

stop_web_app() {
    stop_service WEB_PID webapp "web app"
}
