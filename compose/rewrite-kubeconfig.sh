#!/bin/sh
# k3s writes its kubeconfig for use on its own machine (server https://127.0.0.1:6443). From the
# regcred container, the API server is the compose service "k3s", which k3s's certificate also
# names (--tls-san k3s). Copies IN to OUT with only the server address changed; POSIX sh and sed,
# so it runs in busybox.
set -eu
in="${1:?usage: rewrite-kubeconfig.sh IN OUT}"
out="${2:?usage: rewrite-kubeconfig.sh IN OUT}"
server="${K3S_SERVER_URL:-https://k3s:6443}"
# k3s writes the file once the API server is up; the compose healthcheck already waited for that.
[ -s "$in" ] || { echo "rewrite-kubeconfig: $in is missing or empty" >&2; exit 1; }
sed -E "s#(server:[[:space:]]*)https://(127\.0\.0\.1|localhost|0\.0\.0\.0):6443#\1${server}#" "$in" > "$out.tmp"
grep -q "server: ${server}" "$out.tmp" || { echo "rewrite-kubeconfig: no server line to rewrite in $in" >&2; exit 1; }
chmod 0644 "$out.tmp"
mv "$out.tmp" "$out"
echo "rewrite-kubeconfig: $out points at ${server}"
