#!/usr/bin/env bash
# Build deploy/Dockerfile into an image and run it, on a machine with no Docker daemon and no Docker Hub
# (`make image-check`; as root; a few minutes). docs/operations.md ("Checking the image here") explains it.
#
# 1. Tools: podman (daemonless; builds with buildah's chroot isolation, runs containers with runc),
#    debootstrap. Installed from Debian's packages when missing.
# 2. Stand-in base images, built from Debian packages because the public ones cannot be pulled:
#      debian:bookworm-slim    debootstrap --variant=minbase bookworm, imported
#      python:3.11-slim        that + Debian's python3 (3.11) as a virtual environment at /usr/local,
#                              so `python` and `pip` are /usr/local/bin/python and pip as in the public image
#      node:20-bookworm-slim   that + this machine's own Node 20 and npm, copied to /usr/local
#    They are tagged localhost/townhall-standin/... and passed to the Dockerfile as NODE_IMAGE and
#    PYTHON_IMAGE; nothing is pulled (--pull=never). CA certificates this machine adds to its trust store
#    (/usr/local/share/ca-certificates, where a TLS-intercepting egress proxy puts its own) are trusted by
#    the stand-ins so that npm and pip can reach their registries; an ordinary machine has none.
# 3. The image: deploy/Dockerfile, unchanged, from the repository root (the working tree, or with
#    IMAGE_CHECK_REF=<commit> that commit exported by `git archive`).
# 4. What is checked: the image runs as townhall (uid 10001) and cannot write its code; the dockerignore
#    kept .venv, node_modules, .git and var/ out; static files and Welsh messages were built; then against
#    a scratch PostgreSQL database: migrate and createcachetable as release steps, `check --deploy`, the
#    default command (deploy/web.py: Granian) answering /healthz, /readyz, /services/ and its stylesheet, the image's
#    HEALTHCHECK, the https redirect, a db_worker that runs a task, and a deliver_notifications worker;
#    each process stops cleanly on SIGTERM.
#
# Everything is removed afterwards: containers, images, storage, the database, and any podman state or
# cgroup directories this run created. A run killed outright is cleaned up by the next one.
#
# Settings: PGHOST, PGPORT, PGUSER (default 127.0.0.1, 5432, postgres: trust authentication),
# IMAGE_CHECK_DB (townhall_image_check; must not exist), IMAGE_CHECK_PORT (18765, on loopback),
# IMAGE_CHECK_REF, IMAGE_CHECK_WORK (/var/tmp/townhall-image-check), IMAGE_CHECK_STORAGE_DRIVER
# (overlay; vfs where the kernel has no overlayfs), IMAGE_CHECK_ISOLATION (chroot; oci also works),
# IMAGE_CHECK_KEEP=1 (keep the storage and the image afterwards), IMAGE_CHECK_VERBOSE=1 (show build output).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${IMAGE_CHECK_WORK:-/var/tmp/townhall-image-check}
RUN_DIR=/tmp/townhall-image-check-run # podman's runroot and tmpdir: state that must not outlive the run
LOCK=/tmp/townhall-image-check.lock
DB=${IMAGE_CHECK_DB:-townhall_image_check}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
PORT=${IMAGE_CHECK_PORT:-18765}
REF=${IMAGE_CHECK_REF:-}
STORAGE_DRIVER=${IMAGE_CHECK_STORAGE_DRIVER:-overlay}
ISOLATION=${IMAGE_CHECK_ISOLATION:-chroot}
KEEP=${IMAGE_CHECK_KEEP:-0}
VERBOSE=${IMAGE_CHECK_VERBOSE:-0}

IMAGE=localhost/townhall:image-check
DEBIAN_STANDIN=localhost/townhall-standin/debian:bookworm-slim
PYTHON_STANDIN=localhost/townhall-standin/python:3.11-slim
NODE_STANDIN=localhost/townhall-standin/node:20-bookworm-slim
NAME=townhall-image-check # container name prefix
STANDIN_PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin

START=$SECONDS
PHASE_START=$SECONDS
PHASE=""
TIMINGS=()
CHECKED=0
CREATED_HOST_PATHS=()

say() { printf '%s\n' "$*"; }
ok() {
    CHECKED=$((CHECKED + 1))
    printf 'ok    %s\n' "$*"
}
fail() {
    printf 'FAIL  %s\n' "$*" >&2
    exit 1
}
phase() {
    [ -n "$PHASE" ] && TIMINGS+=("$(printf '%-28s %4ss' "$PHASE" $((SECONDS - PHASE_START)))")
    PHASE=$1
    PHASE_START=$SECONDS
    [ -n "$PHASE" ] && printf '\n== %s\n' "$PHASE"
    return 0
}
show_log() { # the end of a log, for a failure
    [ -f "$1" ] && { say "--- last lines of $1"; tail -n "${2:-40}" "$1" >&2; }
    return 0
}
quiet() { # run a command with its output in a log; show the end of the log if it fails
    local log=$1
    shift
    if [ "$VERBOSE" = 1 ]; then
        "$@" 2>&1 | tee "$log"
    else
        "$@" >"$log" 2>&1 || {
            show_log "$log"
            return 1
        }
    fi
}

ULIMITS=()
# Everything podman keeps stays under $WORK and $RUN_DIR. No systemd here: cgroupfs and a file for events.
# runc, not crun: crun refuses this machine's hybrid cgroup layout ("cgroups in hybrid mode not supported").
PODMAN=(podman --root "$WORK/storage" --runroot "$RUN_DIR/runroot" --tmpdir "$RUN_DIR/libpod"
    --network-config-dir "$RUN_DIR/networks" --storage-driver "$STORAGE_DRIVER"
    --cgroup-manager cgroupfs --events-backend file --runtime runc)
pm() { "${PODMAN[@]}" "$@"; }

# --- Cleaning up ---------------------------------------------------------------------------------

remove_work() { # containers, images, storage, the database a run created; also what a killed run left
    if [ -e "$WORK" ] && [ ! -f "$WORK/.townhall-image-check" ]; then
        return 0 # never someone else's directory
    fi
    if command -v podman >/dev/null && [ -d "$WORK/storage" ]; then
        pm rm --all --force --time 5 >/dev/null 2>&1 || true
        [ "$KEEP" = 1 ] || pm system reset --force >/dev/null 2>&1 || true
    fi
    if [ -f "$WORK/created-db" ]; then
        dropdb --if-exists "$(cat "$WORK/created-db")" && rm -f "$WORK/created-db"
    fi
    [ "$KEEP" = 1 ] && return 0
    findmnt -rn -o TARGET | grep -E "^($WORK|$RUN_DIR)/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
    rm -rf "$WORK" "$RUN_DIR"
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM HUP
    phase ""
    say ""
    say "== cleaning up"
    remove_work
    local path
    for path in "${CREATED_HOST_PATHS[@]}"; do # only what did not exist before this run
        case $path in
            /sys/fs/cgroup/*) rmdir "$path/conmon" "$path" 2>/dev/null ;;
            *) [ "$KEEP" = 1 ] || rm -rf "$path" ;;
        esac
    done
    rm -f "$LOCK"
    say ""
    for line in "${TIMINGS[@]}"; do say "  $line"; done
    say "  $(printf '%-28s %4ss' total $((SECONDS - START)))"
    if [ "$rc" = 0 ]; then
        say "image-check passed: $CHECKED checks"
        [ "$KEEP" = 1 ] && say "kept: podman --root $WORK/storage --runroot $RUN_DIR/runroot ... images"
    else
        say "image-check FAILED (exit $rc) after $CHECKED checks passed" >&2
    fi
    exit "$rc"
}

# --- Tools ---------------------------------------------------------------------------------------

phase "tools"
[ "$(id -u)" = 0 ] || fail "run as root: debootstrap, the stand-in images and podman's storage need it"
case $WORK in
    /var/tmp/?* | /tmp/?*) ;;
    *) fail "IMAGE_CHECK_WORK must be a directory under /var/tmp or /tmp (it is removed afterwards)" ;;
esac
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || fail "IMAGE_CHECK_DB must be a plain lower-case name"
exec 9>"$LOCK"
flock -n 9 || fail "another image check holds $LOCK"

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
    say "installing from Debian: ${need[*]}"
    quiet /tmp/townhall-image-check-apt.log apt-get update -q
    quiet /tmp/townhall-image-check-apt.log env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
    rm -f /tmp/townhall-image-check-apt.log
fi
for tool in git curl psql createdb dropdb node npm tar findmnt; do
    command -v "$tool" >/dev/null || fail "$tool is needed"
done
NODE_VERSION=$(node --version)
[[ $NODE_VERSION == v20.* ]] || fail "the node:20 stand-in copies this machine's Node, which is $NODE_VERSION, not 20"
NPM_DIR=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
[ -f "$NPM_DIR/package.json" ] || fail "cannot find npm's own directory (looked at $NPM_DIR)"
say "podman $(podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR == 1 {print $3}'), node $NODE_VERSION, npm $(npm --version)"

# Podman as root writes a little state outside its --root: note what is new so cleanup removes only that.
for path in /run/libpod /run/containers /var/lib/containers; do
    [ -e "$path" ] || CREATED_HOST_PATHS+=("$path")
done
for controller in /sys/fs/cgroup/ /sys/fs/cgroup/*/; do # cgroupfs puts containers and conmon in /libpod_parent
    [ -e "${controller}libpod_parent" ] || CREATED_HOST_PATHS+=("${controller}libpod_parent")
done

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ -e "$WORK" ] || [ -e "$RUN_DIR" ]; then
    [ ! -e "$WORK" ] || [ -f "$WORK/.townhall-image-check" ] || fail "$WORK exists and is not this check's: remove it"
    say "removing what an earlier, interrupted run left in $WORK"
    KEEP=0 remove_work
fi
psql -d postgres -Atqc 'SELECT 1' >/dev/null || fail "PostgreSQL does not answer at $PGUSER@$PGHOST:$PGPORT"
if [ -n "$(psql -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
    fail "database $DB already exists; this check creates and drops its own (set IMAGE_CHECK_DB)"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    fail "something already listens on 127.0.0.1:$PORT (set IMAGE_CHECK_PORT)"
fi
mkdir -p "$WORK/logs" "$RUN_DIR"
touch "$WORK/.townhall-image-check"

# Limits: by default podman asks for more open files and processes than the caller's hard limits allow
# when those are low, and the container fails to start ("setrlimit RLIMIT_NOFILE: Operation not permitted").
hard_nofile=$(ulimit -Hn)
hard_nproc=$(ulimit -Hu)
nofile=65536 nproc=4096
[ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt $nofile ] && nofile=$hard_nofile
[ "$hard_nproc" != unlimited ] && [ "$hard_nproc" -lt $nproc ] && nproc=$hard_nproc
ULIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

# --- Stand-in base images ------------------------------------------------------------------------

phase "stand-in base images"
apt_uri() { # the first URI this machine's apt uses that ends in /$1, else deb.debian.org's
    local found
    found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -v '^[[:space:]]*#' | grep -oE "https?://[^ ]+/$1/?( |$)" | head -n 1 | tr -d ' ' || true)
    found=${found%/}
    printf '%s\n' "${found:-http://deb.debian.org/$1}"
}
MIRROR=$(apt_uri debian)
SECURITY=$(apt_uri debian-security)
say "debootstrap --variant=minbase bookworm from $MIRROR"
quiet "$WORK/logs/debootstrap.log" nice -n 10 debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR"
# As the public image does: deb822 sources with updates and security, no package lists or caches.
rm -f "$WORK/rootfs/etc/apt/sources.list"
cat >"$WORK/rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/cache/apt/*.bin \
    "$WORK"/rootfs/var/lib/apt/lists/* "$WORK"/rootfs/var/log/apt/* "$WORK"/rootfs/var/log/*.log
tar --numeric-owner -C "$WORK/rootfs" -c . |
    quiet "$WORK/logs/import.log" pm import --change "ENV PATH=$STANDIN_PATH" --change 'CMD ["bash"]' \
        --message "Townhall image-check stand-in for debian:bookworm-slim (debootstrap minbase)" - "$DEBIAN_STANDIN"
rm -rf "$WORK/rootfs"
ok "$DEBIAN_STANDIN: debootstrap minbase bookworm, imported"

mapfile -t extra_cas < <(find /usr/local/share/ca-certificates -name '*.crt' -type f 2>/dev/null | sort)
[ ${#extra_cas[@]} -gt 0 ] && say "trusting this machine's own CA certificates in the stand-ins: ${extra_cas[*]}"

build() { # build <log> <podman build arguments...>
    local log=$1
    shift
    quiet "$log" nice -n 10 "${PODMAN[@]}" build --pull=never --network host --isolation "$ISOLATION" \
        "${ULIMITS[@]}" "$@"
}

ctx=$WORK/standin-python
mkdir -p "$ctx/extra-ca"
[ ${#extra_cas[@]} -gt 0 ] && cp "${extra_cas[@]}" "$ctx/extra-ca/"
cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN_STANDIN
LABEL org.opencontainers.image.description="Townhall image-check stand-in for python:3.11-slim: Debian bookworm's python3 as a virtual environment at /usr/local"
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN apt-get update \\
    && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends \\
       ca-certificates netbase tzdata python3 python3-venv \\
    && rm -rf /var/lib/apt/lists/* \\
    && python3 -m venv /usr/local \\
    && test "\$(command -v python)" = /usr/local/bin/python && test "\$(command -v pip)" = /usr/local/bin/pip
ENV PATH=$STANDIN_PATH LANG=C.UTF-8
CMD ["python3"]
EOF
build "$WORK/logs/standin-python.log" -t "$PYTHON_STANDIN" "$ctx"
python_version=$(pm run --rm "${ULIMITS[@]}" "$PYTHON_STANDIN" python --version)
pip_version=$(pm run --rm "${ULIMITS[@]}" "$PYTHON_STANDIN" pip --version | awk '{print $2}')
[[ $python_version == "Python 3.11."* ]] || fail "$PYTHON_STANDIN has $python_version, not Python 3.11"
ok "$PYTHON_STANDIN: $python_version, pip $pip_version at /usr/local/bin"

ctx=$WORK/standin-node
mkdir -p "$ctx/lib"
cp "$(readlink -f "$(command -v node)")" "$ctx/node"
cp -a "$NPM_DIR" "$ctx/lib/npm"
node_ca_env=""
if [ ${#extra_cas[@]} -gt 0 ]; then
    cat "${extra_cas[@]}" >"$ctx/lib/extra-ca.pem"
    node_ca_env="NODE_EXTRA_CA_CERTS=/usr/local/lib/townhall-standin-extra-ca.pem"
fi
touch "$ctx/lib/extra-ca.pem"
cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN_STANDIN
LABEL org.opencontainers.image.description="Townhall image-check stand-in for node:20-bookworm-slim: the build machine's Node $NODE_VERSION and npm"
COPY node /usr/local/bin/node
COPY lib/npm/ /usr/local/lib/node_modules/npm/
COPY lib/extra-ca.pem /usr/local/lib/townhall-standin-extra-ca.pem
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
    && node --version && npm --version
ENV PATH=$STANDIN_PATH $node_ca_env
CMD ["node"]
EOF
build "$WORK/logs/standin-node.log" -t "$NODE_STANDIN" "$ctx"
node_in_image=$(pm run --rm "${ULIMITS[@]}" "$NODE_STANDIN" node --version)
npm_in_image=$(pm run --rm "${ULIMITS[@]}" "$NODE_STANDIN" npm --version)
ok "$NODE_STANDIN: node $node_in_image, npm $npm_in_image at /usr/local/bin"
rm -rf "$WORK/standin-python" "$WORK/standin-node"

# --- The image -----------------------------------------------------------------------------------

phase "image build"
if [ -n "$REF" ]; then
    CONTEXT=$WORK/context
    mkdir -p "$CONTEXT"
    git -C "$ROOT" archive --format=tar "$REF" | tar -x -C "$CONTEXT"
    say "context: $(git -C "$ROOT" rev-parse --short "$REF") exported with git archive"
else
    CONTEXT=$ROOT
    say "context: the working tree $ROOT ($(git -C "$ROOT" status --porcelain | wc -l) paths differ from $(git -C "$ROOT" rev-parse --short HEAD))"
fi
say "podman build --format docker --pull=never --network host --isolation $ISOLATION -f deploy/Dockerfile"
say "  --build-arg NODE_IMAGE=$NODE_STANDIN --build-arg PYTHON_IMAGE=$PYTHON_STANDIN"
build_start=$SECONDS
# docker format keeps the HEALTHCHECK (OCI image configuration has no field for it).
build "$WORK/logs/build.log" --format docker \
    --build-arg "NODE_IMAGE=$NODE_STANDIN" --build-arg "PYTHON_IMAGE=$PYTHON_STANDIN" \
    -f "$CONTEXT/deploy/Dockerfile" -t "$IMAGE" "$CONTEXT"
size=$(pm image inspect --format '{{.Size}}' "$IMAGE")
ok "$IMAGE built in $((SECONDS - build_start))s ($((size / 1000000)) MB)"

# --- The image's contents ------------------------------------------------------------------------

phase "image contents"
config=$(pm image inspect --format '{{.Config.User}}|{{json .Config.Cmd}}' "$IMAGE")
[ "$config" = 'townhall|["python","deploy/web.py"]' ] ||
    fail "image user and command are $config"
ok "image user townhall; default command python deploy/web.py"

# shellcheck disable=SC2016 # expanded inside the container
pm run --rm "${ULIMITS[@]}" "$IMAGE" sh -ec '
    test "$(id -u):$(id -g):$(id -un)" = 10001:10001:townhall || { echo "runs as $(id)"; exit 1; }
    echo "ok    runs as $(id)"
    for path in .venv node_modules .git var bench .env .mypy_cache townhall/static/dist/.built; do
        if [ -e "/app/$path" ]; then echo "/app/$path is in the image: deploy/Dockerfile.dockerignore should leave it out"; exit 1; fi
    done
    echo "ok    deploy/Dockerfile.dockerignore left out .venv, node_modules, .git, var, bench, .env"
    if touch /app/manage.py 2>/dev/null || touch /app/staticfiles/x 2>/dev/null; then echo "the code is writable by townhall"; exit 1; fi
    touch /var/lib/townhall/documents/.probe && rm /var/lib/townhall/documents/.probe
    echo "ok    code and static files read-only to townhall; /var/lib/townhall/documents writable"
    test -s /app/townhall/static/dist/townhall.css && test -s /app/townhall/static/dist/govuk-frontend.min.js
    test -s /app/staticfiles/staticfiles.json
    echo "ok    assets built by the node stage; collectstatic wrote $(find /app/staticfiles -type f | wc -l) files and the manifest"
    for po in /app/townhall/locale/*/LC_MESSAGES/django.po; do test -s "${po%.po}.mo"; done
    echo "ok    Welsh messages compiled: $(ls /app/townhall/locale/*/LC_MESSAGES/django.mo | tr "\n" " ")"
    echo "ok    $(python --version), granian $(python -c "import granian; print(granian.__version__)"), $(pg_dump --version), $(msgfmt --version | head -n 1)"
' >"$WORK/logs/contents.log" 2>&1 || {
    show_log "$WORK/logs/contents.log"
    fail "the image's contents"
}
CHECKED=$((CHECKED + $(grep -c '^ok ' "$WORK/logs/contents.log")))
grep '^ok ' "$WORK/logs/contents.log"

# --- Release steps against PostgreSQL --------------------------------------------------------------

phase "release steps"
createdb "$DB"
echo "$DB" >"$WORK/created-db"
cat >"$WORK/townhall.env" <<EOF
DJANGO_ENV=production
SECRET_KEY=image-check-only-$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
ALLOWED_HOSTS=127.0.0.1,localhost
DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB
PORT=$PORT
WEB_BIND=127.0.0.1:$PORT
WEB_CONCURRENCY=2
EOF
RUN=("${ULIMITS[@]}" --network host --env-file "$WORK/townhall.env")
say "database $DB on $PGHOST:$PGPORT; containers on the host network"
quiet "$WORK/logs/migrate.log" pm run --rm "${RUN[@]}" "$IMAGE" python manage.py migrate --no-input
ok "python manage.py migrate --no-input: $(grep -c 'Applying .*OK' "$WORK/logs/migrate.log") migrations applied"
quiet "$WORK/logs/createcachetable.log" pm run --rm "${RUN[@]}" "$IMAGE" python manage.py createcachetable
pending=$(pm run --rm "${RUN[@]}" "$IMAGE" python manage.py showmigrations --plan 2>/dev/null | grep -c '^\[ \]' || true)
[ "$pending" = 0 ] || fail "$pending migrations still unapplied"
ok "python manage.py createcachetable; showmigrations: none left to apply"
quiet "$WORK/logs/check-deploy.log" pm run --rm "${RUN[@]}" "$IMAGE" \
    python manage.py check --deploy --fail-level WARNING
ok "python manage.py check --deploy --fail-level WARNING: $(grep -o 'System check identified.*' "$WORK/logs/check-deploy.log")"

# --- The web process -----------------------------------------------------------------------------

phase "web (default command)"
pm run -d --name "$NAME-web" "${RUN[@]}" "$IMAGE" >"$WORK/logs/web-start.log" 2>&1 || {
    show_log "$WORK/logs/web-start.log"
    fail "the web container did not start"
}
base=http://127.0.0.1:$PORT
https=(-H 'X-Forwarded-Proto: https')
for _ in $(seq 1 60); do
    [ "$(pm inspect --format '{{.State.Running}}' "$NAME-web")" = true ] || {
        pm logs "$NAME-web" 2>&1 | tail -n 40 >&2
        fail "the web container stopped"
    }
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] && break
    sleep 1
done

expect() { # expect <status> <path> [curl arguments...]: prints the body
    local want=$1 path=$2
    shift 2
    local got
    got=$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 20 "$@" "$base$path") || true
    [ "$got" = "$want" ] || {
        head -c 600 "$WORK/body" >&2
        pm logs "$NAME-web" 2>&1 | tail -n 20 >&2
        fail "GET $path answered $got, not $want"
    }
}
expect 200 /healthz
ok "GET /healthz -> 200 $(cat "$WORK/body")"
expect 200 /readyz
grep -q '"status": "ok"' "$WORK/body" || fail "/readyz: $(cat "$WORK/body")"
ok "GET /readyz -> 200 $(cat "$WORK/body")"
expect 200 /services/ "${https[@]}"
grep -q '<html lang="en"' "$WORK/body" || fail "/services/ is not the directory page"
ok "GET /services/ (X-Forwarded-Proto: https) -> 200, $(grep -o '<title>[^<]*</title>' "$WORK/body")"
stylesheet=$(grep -m 1 -oE 'href="/static/[^"]+\.css"' "$WORK/body" | cut -d'"' -f2)
stylesheet=${stylesheet%%$'\n'*}
[ -n "$stylesheet" ] || fail "/services/ links no stylesheet"
expect 200 "$stylesheet" "${https[@]}"
ok "GET $stylesheet (hashed by collectstatic, served by WhiteNoise) -> 200, $(wc -c <"$WORK/body") bytes"
location=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/services/")
[ "$location" = "301 https://127.0.0.1:$PORT/services/" ] || fail "plain http /services/ answered $location"
ok "GET /services/ over plain http -> $location (production settings)"
pm healthcheck run "$NAME-web" >"$WORK/logs/healthcheck.log" 2>&1 || {
    show_log "$WORK/logs/healthcheck.log"
    fail "the image's HEALTHCHECK failed"
}
ok "the image's HEALTHCHECK (python -c urlopen /healthz) -> $(pm inspect --format '{{.State.Health.Status}}' "$NAME-web")"
users=$(pm top "$NAME-web" user args | awk 'NR > 1 {print $1}' | sort | uniq -c | xargs)
[ "$(pm top "$NAME-web" user | awk 'NR > 1 && $1 != "townhall"' | wc -l)" = 0 ] || fail "processes not run by townhall: $users"
ok "the web server and its workers run as townhall ($users processes)"

# --- The workers ---------------------------------------------------------------------------------

phase "workers"
# Workers serve no HTTP, so they run without the image's HEALTHCHECK (which asks the web process's /healthz).
pm run -d --no-healthcheck --name "$NAME-db-worker" "${RUN[@]}" "$IMAGE" \
    python manage.py db_worker --queue-name '*' --interval 0.5 >/dev/null
pm run -d --no-healthcheck --name "$NAME-notify" "${RUN[@]}" "$IMAGE" python manage.py deliver_notifications >/dev/null
task_id=$(pm run --rm "${RUN[@]}" "$IMAGE" python manage.py shell -c \
    'from townhall.cases.tasks import cases_escalate_task; print(cases_escalate_task.enqueue().id)' 2>/dev/null | tail -n 1)
[ -n "$task_id" ] || fail "could not enqueue a task"
status=""
for _ in $(seq 1 60); do
    status=$(psql -d "$DB" -Atqc "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = '$task_id'")
    [ "$status" = SUCCESSFUL ] && break
    sleep 0.5
done
[ "$status" = SUCCESSFUL ] || {
    pm logs "$NAME-db-worker" 2>&1 | tail -n 20 >&2
    fail "task $task_id is $status, not SUCCESSFUL"
}
ok "db_worker container ran cases_escalate_task (enqueued from a one-off container): $status"
sleep 2
for worker in db-worker notify; do
    [ "$(pm inspect --format '{{.State.Running}}' "$NAME-$worker")" = true ] || {
        pm logs "$NAME-$worker" 2>&1 | tail -n 20 >&2
        fail "$NAME-$worker stopped by itself"
    }
done
pm stop --time 20 "$NAME-db-worker" "$NAME-notify" >/dev/null
for worker in db-worker notify; do
    code=$(pm inspect --format '{{.State.ExitCode}}' "$NAME-$worker")
    [ "$code" = 0 ] || fail "$NAME-$worker exited $code on SIGTERM"
done
pm logs "$NAME-db-worker" >"$WORK/logs/db-worker.log" 2>&1
pm logs "$NAME-notify" >"$WORK/logs/notify.log" 2>&1
grep -q 'Starting worker' "$WORK/logs/db-worker.log" || fail "db_worker did not log its start"
notify_last=$(tail -n 1 "$WORK/logs/notify.log")
[[ $notify_last == "Stopped after "* ]] || fail "deliver_notifications ended with: $notify_last"
ok "db_worker and deliver_notifications ran, then stopped on SIGTERM with exit 0 (\"$notify_last\")"
pm stop --time 20 "$NAME-web" >/dev/null 2>>"$WORK/logs/web-start.log" # (podman's note: no systemd timers)
code=$(pm inspect --format '{{.State.ExitCode}}' "$NAME-web")
[ "$code" = 0 ] || fail "the web server exited $code on SIGTERM"
ok "the web server stopped on SIGTERM with exit 0"
