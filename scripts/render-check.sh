#!/usr/bin/env bash
# Renders every figure in headless Chromium and checks it as a user would see it (scripts/render-check.py):
# well-formed XML with title/size/viewBox, PNG at the declared size, not blank, nothing cut at the edges.
#
#   scripts/render-check.sh                 the figures of a test alignment output (align on the fixture, or
#                                           ALIGNMENT_DIR=… to use an existing one) + the committed figures/*.svg
#   scripts/render-check.sh FILE.svg|DIR …  just those
# Run by `make test` after `swift test`. Needs chromium (scripts/setup.sh installs it) and python3.
set -euo pipefail
args=()
for arg in "$@"; do args+=("$(realpath "$arg")"); done
cd "$(dirname "$0")/.."
BIN=${INTERLINGUA_BIN:-.build/release/interlingua}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
[ -n "$CHROMIUM" ] || { echo "render-check: chromium not found (run scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/interlingua-render-XXXXXX")
trap 'rm -rf "$work"' EXIT

svgs=()
if [ ${#args[@]} -gt 0 ]; then
  for arg in "${args[@]}"; do
    if [ -d "$arg" ]; then for f in "$arg"/*.svg; do [ -e "$f" ] && svgs+=("$f"); done; else svgs+=("$arg"); fi
  done
else
  [ -x "$BIN" ] || { echo "render-check: $BIN missing (swift build -c release)" >&2; exit 1; }
  align_dir=${ALIGNMENT_DIR:-}
  if [ -z "$align_dir" ]; then
    align_dir="$work/align"
    "$BIN" align Tests/Fixtures/alignment/activations.h5 --output "$align_dir" --bootstrap 200 --seed 1 \
      >"$work/align.log" 2>&1 || { cat "$work/align.log" >&2; exit 1; }
  fi
  "$BIN" plot "$align_dir" --output "$work/figures" --join-translations >/dev/null
  python3 scripts/render-check.py check-figures "$align_dir" "$work/figures"
  "$BIN" report "$align_dir" --output "$work/report.html" >/dev/null
  # The report's figures are checked too, each inline <svg> cut out of the page as its own document.
  python3 - "$work/report.html" "$work/report-figures" <<'PY'
import os, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
os.makedirs(sys.argv[2], exist_ok=True)
figures = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
if len(figures) < 4:
    sys.exit(f"render-check: {sys.argv[1]} inlines {len(figures)} figures, expected 4")
if re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html):
    sys.exit(f"render-check: {sys.argv[1]} references the network")
for i, svg in enumerate(figures):
    open(os.path.join(sys.argv[2], f"report-{i}.svg"), "w", encoding="utf-8").write(svg)
PY
  # Controls and normalisation (#11): tiny m-LLaMA traced over 5 languages of the bundled corpus (token ids
  # recorded, so the lexical-overlap baseline exists), aligned over every pair (pair-matrix.svg) and once
  # more with --normalize none, given to plot as --raw (normalization.svg); check-figures then verifies the
  # baseline and chance lines (legend entries, vertex positions), the pair matrix and the equal PCA scales.
  "$BIN" trace Tests/Fixtures/tiny-mllama notebooks-data/django-ui-12lang.tsv --languages en,de,fr,zh,ru --limit 40 \
    --output "$work/tiny.h5" >"$work/tiny-trace.log" 2>&1 || { cat "$work/tiny-trace.log" >&2; exit 1; }
  "$BIN" align "$work/tiny.h5" --output "$work/tiny-align" --pairs all --bootstrap 100 --seed 1 \
    >"$work/tiny-align.log" 2>&1 || { cat "$work/tiny-align.log" >&2; exit 1; }
  "$BIN" align "$work/tiny.h5" --output "$work/tiny-align-raw" --pairs all --normalize none --bootstrap 100 --seed 1 \
    --metrics retrieval_p1,retrieval_p1_centered,cosine_margin,cka_debiased >"$work/tiny-align-raw.log" 2>&1 \
    || { cat "$work/tiny-align-raw.log" >&2; exit 1; }
  "$BIN" plot "$work/tiny-align" --raw "$work/tiny-align-raw" --output "$work/tiny-figures" >/dev/null
  python3 scripts/render-check.py check-figures "$work/tiny-align" "$work/tiny-figures"
  "$BIN" report "$work/tiny-align" --raw "$work/tiny-align-raw" --output "$work/tiny-report.html" >/dev/null
  grep -q 'Every metric&apos;s peak' "$work/tiny-report.html" \
    || { echo "render-check: $work/tiny-report.html has no section on every metric's peak" >&2; exit 1; }
  # compare: the same analysis twice under two labels, on a relative-depth axis (one legend entry per run,
  # x from 0 to 1, a panel per metric and per pair), and its report page.
  cp -r "$align_dir" "$work/align-b"
  "$BIN" compare --label first="$align_dir" --label second="$work/align-b" --depth relative \
    --metrics cka_debiased --per-pair --bootstrap 100 --output "$work/compare" >"$work/compare.log" 2>&1 \
    || { cat "$work/compare.log" >&2; exit 1; }
  python3 scripts/render-check.py check-compare "$work/compare"
  "$BIN" report "$work/compare" --output "$work/compare-report.html" >/dev/null
  # The lens figures: the lens of tiny m-LLaMA (the test fixture) over translation tasks from the bundled lexicon.
  "$BIN" lens-tasks notebooks-data/django-ui-words-12lang.tsv --task translation --source fr --target zh --shots 4 \
    --output "$work/lens-tasks.jsonl" 2>/dev/null
  "$BIN" lens Tests/Fixtures/tiny-mllama "$work/lens-tasks.jsonl" --output "$work/lens.h5" >"$work/lens.log" 2>&1 \
    || { cat "$work/lens.log" >&2; exit 1; }
  "$BIN" plot "$work/lens.h5" --output "$work/lens-figures" >/dev/null
  python3 scripts/render-check.py check-lens-figures "$work/lens-figures"
  "$BIN" report "$work/lens.h5" --output "$work/lens-report.html" >/dev/null
  python3 - "$work/lens-report.html" "$work/lens-report-figures" <<'PY'
import os, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
os.makedirs(sys.argv[2], exist_ok=True)
figures = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
if len(figures) != 2:
    sys.exit(f"render-check: {sys.argv[1]} inlines {len(figures)} figures, expected the 2 lens figures")
for i, svg in enumerate(figures):
    open(os.path.join(sys.argv[2], f"lens-report-{i}.svg"), "w", encoding="utf-8").write(svg)
PY
  # compare of two lens files (the tiny lens under two labels) and of two responses outputs (hand-written answers).
  cp "$work/lens.h5" "$work/lens-b.h5"
  "$BIN" compare --label first="$work/lens.h5" --label second="$work/lens-b.h5" --bootstrap 100 \
    --output "$work/lens-compare" >"$work/lens-compare.log" 2>&1 || { cat "$work/lens-compare.log" >&2; exit 1; }
  for m in a b; do
    { echo '{"id": "q1", "lang": "de", "text": "Das ist eine sehr gute Frage, und ich werde sie gerne beantworten."}'
      echo '{"id": "q2", "lang": "fr", "text": "C'"'"'est une très bonne question, et je vais y répondre avec plaisir."}'
      echo '{"id": "q3", "lang": "zh", "text": "This is a very good question and I will gladly answer it for you."}'
      [ "$m" = b ] && echo '{"id": "q4", "lang": "zh", "text": "这是一个非常好的问题，我很乐意为您回答。"}'
    } >"$work/responses-$m.jsonl"
    "$BIN" responses "$work/responses-$m.jsonl" --output "$work/responses-$m" >/dev/null
    "$BIN" plot "$work/responses-$m" --output "$work/responses-$m-figures" >/dev/null
  done
  "$BIN" compare --label A="$work/responses-a" --label B="$work/responses-b" --bootstrap 100 \
    --output "$work/responses-compare" >"$work/responses-compare.log" 2>&1 || { cat "$work/responses-compare.log" >&2; exit 1; }
  python3 scripts/render-check.py check-compare "$work/lens-compare"
  python3 scripts/render-check.py check-compare "$work/responses-compare"
  for f in "$work"/figures/*.svg "$work"/report-figures/*.svg "$work"/tiny-figures/*.svg "$work"/compare/*.svg "$work"/lens-figures/*.svg \
           "$work"/lens-report-figures/*.svg "$work"/lens-compare/*.svg "$work"/responses-*-figures/*.svg \
           "$work"/responses-compare/*.svg; do
    svgs+=("$f")
  done
  for f in figures/*.svg figures/*/*.svg figures/*/*/*.svg; do [ -e "$f" ] && svgs+=("$f"); done
fi
[ ${#svgs[@]} -gt 0 ] || { echo "render-check: no SVG to check" >&2; exit 1; }

status=0
for svg in "${svgs[@]}"; do
  size=$(python3 scripts/render-check.py check-svg "$svg") || { status=1; continue; }
  read -r width height <<<"$size"
  png="$work/$(basename "${svg%.svg}")-$RANDOM.png"
  # --no-sandbox: Chromium refuses to run as root otherwise (CI containers); the input is our own file.
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$width,$height" --screenshot="$png" "file://$(realpath "$svg")" >/dev/null 2>&1 || true
  [ -s "$png" ] || { echo "render-check: chromium produced no PNG for $svg" >&2; status=1; continue; }
  python3 scripts/render-check.py check-png "$png" "$width" "$height" "$svg" || status=1
  [ -n "${RENDER_CHECK_KEEP:-}" ] && mkdir -p "$RENDER_CHECK_KEEP" && cp "$png" "$RENDER_CHECK_KEEP/$(basename "${svg%.svg}").png"
done
[ $status -eq 0 ] && echo "render-check: ${#svgs[@]} figures render correctly"
exit $status
