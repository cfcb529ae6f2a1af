#!/usr/bin/env bash
# Builds the media bridge's container image on a machine that reaches no container registry
# (only Debian's packages and npm), and optionally runs the image's media test against it.
#
#   scripts/build-bridge-image.sh [--rebuild-base] [--test]
#
# 1. a Debian bookworm root filesystem made with mmdebstrap from this host's apt sources:
#    ffmpeg, fonts-dejavu-core, ca-certificates, plus the project's Node 22 binary (the npm
#    `node` package in node_modules; Debian 12's nodejs is 18) and npm (to install werift in
#    the Dockerfile, as the official node image would), and a `node` user (uid 1000);
# 2. imported into podman as the base image (`podman import`);
# 3. `podman build -f bridge/Dockerfile --build-arg BASE_IMAGE=<that base>`: the same
#    Dockerfile production builds FROM the official node:22-bookworm-slim;
# 4. checks the image's file listing: the bridge's runtime sources are in, test helpers,
#    tests and fixtures are not; checks Node 22, ffmpeg and the user inside;
# 5. --test: BRIDGE_IMAGE=<image> runs bridge/image.test.ts (media project), which starts the
#    container (host network), publishes over WHIP to it and probes the RTMP output.
#
# Env: BRIDGE_IMAGE (default localhost/mass-class-bridge:local), BRIDGE_BASE_IMAGE
# (localhost/mass-class-bridge-base:bookworm), BRIDGE_APT_SOURCES (a sources.list or deb822
# file; default: this host's Debian sources), BRIDGE_IMAGE_WORKDIR (.tmp/bridge-image).
# Needs root (mmdebstrap's root mode, rootful podman); installs mmdebstrap and podman with
# apt-get when they are missing. Production builds: docs/operations.md, "The bridge image".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${BRIDGE_IMAGE:-localhost/mass-class-bridge:local}
BASE=${BRIDGE_BASE_IMAGE:-localhost/mass-class-bridge-base:bookworm}
WORK=${BRIDGE_IMAGE_WORKDIR:-$ROOT/.tmp/bridge-image}
NPM_VERSION=10 # what the official node:22 image ships
REBUILD_BASE=0
RUN_TEST=0
for arg in "$@"; do
  case "$arg" in
    --rebuild-base) REBUILD_BASE=1 ;;
    --test) RUN_TEST=1 ;;
    -h | --help)
      sed -n '2,25p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }
die() {
  echo "build-bridge-image: $*" >&2
  exit 1
}

# -- tools -------------------------------------------------------------------------------
missing=()
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc) # crun fails on hybrid cgroup hosts (below)
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "needs ${missing[*]} (sudo apt-get install -y ${missing[*]})"
  step "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
[[ $(id -u) == 0 ]] || die "run as root: mmdebstrap's root mode and rootful podman (no user namespaces needed)"

NODE_BIN=$(readlink -f "$ROOT/node_modules/.bin/node" 2>/dev/null || true)
[[ -x $NODE_BIN ]] || die "no Node binary in node_modules (npm ci first)"
NODE_VERSION=$("$NODE_BIN" --version)
[[ $NODE_VERSION == v22.* ]] || die "node_modules has Node $NODE_VERSION, the bridge needs 22"

if [[ -z ${BRIDGE_APT_SOURCES:-} ]]; then
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [[ -s $f ]] && grep -q '^[^#]*bookworm' "$f"; then
      BRIDGE_APT_SOURCES=$f
      break
    fi
  done
fi
[[ -n ${BRIDGE_APT_SOURCES:-} && -s $BRIDGE_APT_SOURCES ]] ||
  die "no Debian bookworm apt sources found; set BRIDGE_APT_SOURCES to a sources.list or deb822 file"

mkdir -p "$WORK"

# -- 1+2. base image ----------------------------------------------------------------------
if ((REBUILD_BASE)) || ! podman image exists "$BASE"; then
  step "npm $NPM_VERSION for the base (npm pack from the registry, cached in $WORK)"
  # shellcheck disable=SC2012 # npm pack's own file names
  npm_tgz=$(ls "$WORK"/npm-"$NPM_VERSION".*.tgz 2>/dev/null | tail -1 || true)
  if [[ -z $npm_tgz ]]; then
    (cd "$WORK" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
    # shellcheck disable=SC2012
    npm_tgz=$(ls "$WORK"/npm-"$NPM_VERSION".*.tgz | tail -1)
  fi

  step "Debian bookworm root filesystem (mmdebstrap, sources: $BRIDGE_APT_SOURCES)"
  rm -f "$WORK/rootfs.tar"
  # Hooks run on the host with the root filesystem's path as $1; the Node binary and npm
  # come in through the environment so no path is spliced into shell code.
  # shellcheck disable=SC2016 # expanded by mmdebstrap's hook shell, not here
  NODE_BIN="$NODE_BIN" NPM_TGZ="$npm_tgz" mmdebstrap \
    --mode=root --variant=minbase --format=tar \
    --include=ffmpeg,fonts-dejavu-core,ca-certificates,libstdc++6 \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='install -m 0755 "$NODE_BIN" "$1/usr/local/bin/node"' \
    --customize-hook='mkdir -p "$1/usr/local/lib/node_modules/npm" && tar -xzf "$NPM_TGZ" -C "$1/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='chroot "$1" useradd --uid 1000 --user-group --create-home --shell /bin/bash node' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb' \
    bookworm "$WORK/rootfs.tar" "$BRIDGE_APT_SOURCES"
  ls -lh "$WORK/rootfs.tar"

  step "podman import → $BASE"
  podman image rm -f "$BASE" >/dev/null 2>&1 || true
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --message "Debian bookworm + ffmpeg + Node $NODE_VERSION (scripts/build-bridge-image.sh)" \
    "$WORK/rootfs.tar" "$BASE"
  rm -f "$WORK/rootfs.tar"
else
  step "base image $BASE exists (--rebuild-base to make it again)"
fi

# -- which OCI runtime and limits work here ------------------------------------------------
# Podman's defaults fail in some sandboxes (seen on this project's machines, cgroup v1 with
# a cgroup2 hierarchy beside it, no CAP_SYS_RESOURCE):
#  - crun 1.8: "cgroups in hybrid mode not supported, drop all controllers from cgroupv2";
#  - crun and runc: setrlimit RLIMIT_NOFILE/RLIMIT_NPROC "Operation not permitted": podman
#    asks for nofile 1048576 above the host's hard limit, and podman itself lowers its own
#    RLIMIT_NPROC to 32768 before starting the runtime, which then cannot raise it back.
# So the container limits are the host's (nproc at most 32768), and the first runtime that
# starts the base image wins. Written to a containers.conf that this script's podman calls
# and bridge/image.test.ts use (CONTAINERS_CONF).
step "container runtime"
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[[ $nofile == unlimited || $nofile -gt 1048576 ]] && nofile=1048576
[[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
CONF="$WORK/containers.conf"
runtime=""
for rt in crun runc; do
  command -v "$rt" >/dev/null || continue
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n\n[engine]\nruntime = "%s"\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" "$rt" >"$CONF"
  if err=$(CONTAINERS_CONF="$CONF" podman run --rm --network none "$BASE" true 2>&1); then
    runtime=$rt
    break
  fi
  echo "$rt cannot start a container here: $err"
done
[[ -n $runtime ]] || die "no OCI runtime could start a container (apt-get install runc?)"
export CONTAINERS_CONF="$CONF"
echo "runtime $runtime, ulimits nofile=$nofile nproc=$nproc ($CONF)"

# -- 3. bridge image ----------------------------------------------------------------------
step "podman build -f bridge/Dockerfile --build-arg BASE_IMAGE=$BASE → $IMAGE"
# docker format keeps the Dockerfile's HEALTHCHECK (OCI has no field for it); host network
# for the Dockerfile's `npm install werift`.
# The build's npm trusts what this host's Node trusts (NODE_EXTRA_CA_CERTS: a TLS-inspecting
# proxy's CA, say), through build-time mounts that no layer keeps: a scratch directory over
# the base's (empty) /root, npm's home as root, holding .npmrc and npm's cache. The image is
# as it would be built anywhere else.
build_mounts=()
if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -s $NODE_EXTRA_CA_CERTS ]]; then
  rm -rf "$WORK/build-home" && mkdir -p "$WORK/build-home"
  printf 'cafile=/root/build-ca.crt\n' >"$WORK/build-home/.npmrc"
  build_mounts=(-v "$WORK/build-home:/root" -v "$NODE_EXTRA_CA_CERTS:/root/build-ca.crt:ro")
fi
# --no-cache: a layer cached from a build with other mounts could carry what they left.
podman build --no-cache --format docker --network host --pull=never --runtime "$runtime" \
  --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" "${build_mounts[@]}" \
  --build-arg BASE_IMAGE="$BASE" -f "$ROOT/bridge/Dockerfile" -t "$IMAGE" "$ROOT"
rm -rf "$WORK/build-home"

# -- 4. what is in it ---------------------------------------------------------------------
step "image listing"
cid=$(podman create --no-healthcheck "$IMAGE")
listing="$WORK/listing.txt"
podman export "$cid" | tar -t >"$listing"
podman rm "$cid" >/dev/null
grep -E '^app/(bridge|protocol|common)/' "$listing" | sort
for f in app/bridge/main.ts app/bridge/server.ts app/bridge/http.ts app/bridge/session.ts \
  app/protocol/ingest.ts app/protocol/bridge.ts app/common/calls-client.ts \
  app/node_modules/werift/package.json app/node_modules/hono/package.json \
  app/node_modules/@hono/node-server/package.json app/node_modules/valibot/package.json \
  usr/bin/ffmpeg \
  usr/local/bin/node usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  etc/ssl/certs/ca-certificates.crt; do
  grep -qx "$f" "$listing" || die "image lacks $f"
done
if leaked=$(grep -E '^app/.*(\.test\.ts$|/testing/|/test-support\.ts$|/test-publisher\.ts$|/rtmp-server\.ts$|/fixtures/)' "$listing"); then
  die "test helpers in the image: $leaked"
fi
if grep -qE '^root/(\.npm|\.npmrc|build-ca)' "$listing"; then
  die "a build-time mount (CA bundle, .npmrc, npm cache) was left in the image: $(grep -E '^root/(\.npm|\.npmrc|build-ca)' "$listing" | head -3)"
fi
echo "ok: runtime sources present; no *.test.ts, bridge/testing/, fixtures"

step "inside the image"
podman run --rm --no-healthcheck --network none "$IMAGE" sh -c \
  'echo "user: $(id -un) ($(id -u))"; echo "node: $(node --version)"; ffmpeg -hide_banner -version | head -1; du -sh /app | cut -f1 | sed "s/^/app: /"'
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "mass-class-bridge" || true

# -- 5. the media test against the running container --------------------------------------
if ((RUN_TEST)); then
  step "media test against the container (bridge/image.test.ts)"
  cd "$ROOT"
  BRIDGE_IMAGE="$IMAGE" npm exec -- node scripts/offline.ts vitest run --project media bridge/image.test.ts
fi
