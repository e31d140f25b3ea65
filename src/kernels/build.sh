#!/usr/bin/env bash
# Builds src/kernels/mlkit-kernels.wasm from src/kernels/c/*.c (npm run build:kernels).
# Needs clang and lld with the wasm32 target (Debian: apt-get install clang lld). The output is
# deterministic for a given clang (its version is kept in mlkit-kernels.clang): CI rebuilds it and fails
# if the committed file differs.
set -euo pipefail
cd "$(dirname "$0")"
CLANG="${CLANG:-clang}"
if [ -z "$(command -v "$CLANG")" ]; then
  echo "build:kernels: $CLANG not found; install clang and lld with the wasm32 target (Debian: apt-get install clang lld) or set CLANG" >&2
  exit 1
fi
out="${1:-mlkit-kernels.wasm}"
"$CLANG" --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -fno-builtin -ffp-contract=off \
  -Wall -Wextra -Werror -Wno-unused-parameter \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
  -Wl,-z,stack-size=262144 -Wl,--initial-memory=1048576 -Wl,--max-memory=4294967296 \
  -o "$out" c/*.c
if [ "$out" = mlkit-kernels.wasm ]; then "$CLANG" --version | head -1 > mlkit-kernels.clang; fi
echo "built $(pwd)/$out ($(wc -c < "$out") bytes) with $("$CLANG" --version | head -1)"
