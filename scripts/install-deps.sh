#!/usr/bin/env bash
# Install the Debian 12 packages libdoctown needs to build, test and run. Installs only what is
# missing; uses sudo when not root. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libclang-dev clang libclang-rt-14-dev libeigen3-dev catch2 libfmt-dev libssl-dev ca-certificates
  libcli11-dev libarchive-dev libpcre2-dev libhnswlib-dev libsqlite3-dev
  universal-ctags graphviz chromium doxygen libtree-sitter-dev
  cmark-gfm  # tests render the Markdown pages as GitHub does (tables included) to check escaping
)
# npm fetches the tree-sitter grammars and the MCP SDK below; any node/npm will do (Debian's or
# nodejs' own).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Tree-sitter grammars for Rust and Python (parsed properly rather than through ctags). Debian 12
# packages the runtime (0.20.7, parser ABI 13-14) but no grammars; npm ships them with their
# generated parser.c. `npm pack` fetches only the tarball (integrity-checked by npm, no install
# scripts run) into third_party_cache/, which git ignores: nothing is copied into the sources.
# Versions: the newest ones whose parser.c says LANGUAGE_VERSION 14.
grammar_dir="$(cd "$(dirname "$0")/.." && pwd)/third_party_cache/tree-sitter"
for g in tree-sitter-rust@0.23.2 tree-sitter-python@0.23.6; do
  name="${g%@*}"
  dest="$grammar_dir/$name"
  if [ -f "$dest/src/parser.c" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "${g#*@}" ]; then
    continue
  fi
  echo "Fetching grammar $g"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$g" >/dev/null)
  rm -rf "$dest" && mkdir -p "$dest"
  tar -xzf "$tmp"/*.tgz -C "$dest" --strip-components=1 package/src package/LICENSE
  echo "${g#*@}" >"$dest/VERSION"
  rm -rf "$tmp"
done

# The official MCP TypeScript SDK, for the MCP tests (tests/mcp). It goes to a cache folder
# outside the tracked tree; tests/CMakeLists.txt finds it there (DOCTOWN_MCP_SDK_DIR) and skips
# the SDK tests when it is missing. The version is pinned so that test runs are reproducible.
mcp_sdk_dir="${DOCTOWN_MCP_SDK_DIR:-$HOME/.cache/doctown/mcp-sdk}"
if [ ! -f "$mcp_sdk_dir/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
  mkdir -p "$mcp_sdk_dir"
  [ -f "$mcp_sdk_dir/package.json" ] || echo '{"name":"doctown-mcp-test-deps","private":true}' >"$mcp_sdk_dir/package.json"
  (cd "$mcp_sdk_dir" && npm install --no-audit --no-fund --silent @modelcontextprotocol/sdk@1.32.2)
fi
