#!/usr/bin/env bash
# Installs the system packages Interlingua builds against, only those missing (Debian 12, as root).
set -euo pipefail
need=()
for pkg in pkg-config libhdf5-dev libopenblas-dev liblapacke-dev hdf5-tools chromium libcld2-dev libfasttext-dev "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
