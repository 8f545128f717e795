#!/usr/bin/env bash
# `npm test` runs promtool on every PrometheusRule and amtool on the Alertmanager routes. On a
# fresh machine they are not there yet: install Debian's packages for them (prometheus for
# promtool, prometheus-alertmanager for amtool; only the tools are used) when we may, or say how.
set -euo pipefail

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then as_root=(sudo); else as_root=(); fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; }; then
  echo "installing Debian's ${missing[*]} for promtool/amtool (apt-get)" >&2
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 && exit 0
fi
echo "promtool or amtool not found: install them (Debian/Ubuntu: apt-get install ${missing[*]}), then run npm test again" >&2
exit 1
