#!/usr/bin/env bash
# `npm test` runs promtool on every PrometheusRule. On a fresh machine it is not there yet:
# install Debian's prometheus package (promtool only is used) when we may, or say how to.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then as_root=(sudo); else as_root=(); fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; }; then
  echo "promtool not found: installing Debian's prometheus package for it (apt-get)" >&2
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  command -v promtool >/dev/null 2>&1 && exit 0
fi
echo "promtool not found: install it (Debian/Ubuntu: apt-get install prometheus), then run npm test again" >&2
exit 1
