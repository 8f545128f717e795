#!/usr/bin/env bash
# Copies every artifact of a bundle (`npm run bundle -- --cluster NAME --out FILE`) into the
# company's mirror, from a machine that reaches both the internet and the mirror:
#   image     crane copy (every platform of the index; the digest stays the same)
#   chart     helm pull, then helm push (OCI chart base) or an HTTP PUT of the archive (Helm repository)
#   oci       cosign copy (the artifact with its signatures: Flux verifies them)
#   git       git clone --mirror, then git push --mirror (every tag)
#   download  curl, then an HTTP PUT (Nexus and Artifactory raw repositories take it)
# Log in first (crane auth login / helm registry login / git credentials / MIRROR_CURL_AUTH="-u user:token").
# DRY_RUN=1 prints the commands instead of running them. Lines already mirrored are copied again
# (each tool skips what the mirror already has, or overwrites it with the same bytes).
set -euo pipefail

bundle="${1:?usage: scripts/mirror-bundle.sh BUNDLE_FILE}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() {
  if [ "${DRY_RUN:-}" = 1 ]; then
    printf '%q ' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# The last path segment of a URL: the file name a download is saved as.
base() { printf '%s' "${1##*/}"; }

line=0
while IFS=$'\t' read -r kind a b c d; do
  line=$((line + 1))
  case "$kind" in
    '' | '#'*) continue ;;
    image)
      # An image pinned by digest only is pushed under a tag named after the digest; the nodes
      # pull it by digest, which the copy keeps.
      target="$b"
      if [[ "$target" == *@sha256:* ]]; then
        name="${target%@*}"
        if [[ "${name##*/}" == *:* ]]; then
          target="$name"
        else
          target="$name:sha256-${target##*@sha256:}"
        fi
      fi
      run crane copy "$a" "$target"
      ;;
    chart)
      # a: repository, b: chart, c: version, d: target repository
      if [[ "$a" == oci://* ]]; then
        run helm pull "$a/$b" --version "$c" --destination "$work"
      else
        run helm pull "$b" --repo "$a" --version "$c" --destination "$work"
      fi
      archive="$work/$b-$c.tgz"
      if [[ "$d" == oci://* ]]; then
        run helm push "$archive" "$d"
      else
        # shellcheck disable=SC2086 # MIRROR_CURL_AUTH holds curl's own options
        run curl -fsS ${MIRROR_CURL_AUTH:-} --upload-file "$archive" "${d%/}/$b-$c.tgz"
      fi
      ;;
    oci)
      # a: origin, b: tag, c: target
      run cosign copy "${a#oci://}:$b" "${c#oci://}:$b"
      ;;
    git)
      # a: origin, b: tag, c: target
      clone="$work/git-$line"
      run git clone --quiet --mirror "$a" "$clone"
      run git -C "$clone" push --quiet --mirror "$c"
      ;;
    download)
      # a: origin, b: target
      file="$work/$line-$(base "$a")"
      run curl -fsSL -o "$file" "$a"
      # shellcheck disable=SC2086 # MIRROR_CURL_AUTH holds curl's own options
      run curl -fsS ${MIRROR_CURL_AUTH:-} --upload-file "$file" "$b"
      ;;
    *)
      echo "$bundle:$line: unknown kind '$kind'" >&2
      exit 2
      ;;
  esac
done <"$bundle"
