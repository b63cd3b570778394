#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets in Fuzz/ under AddressSanitizer into .build-fuzz (apart from the
# normal .build) and runs each for FUZZ_SECONDS (default 60), one after the other on one core. Exits
# non-zero on the first crash, sanitizer report, leak, timeout or out-of-memory; the input that caused it
# is kept in .build-fuzz/artifacts/. Known leaks of the toolchain's own runtime are suppressed in
# Fuzz/lsan.supp (each entry says why).
#   FUZZ_SECONDS=300 make fuzz              # the issue's acceptance run
#   FUZZ_TARGETS="FuzzGGUF FuzzCorpus" make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"FuzzGGUF FuzzSafetensors FuzzTorchZip FuzzSentencePiece FuzzTokenizerJSON FuzzCorpus"}
SCRATCH=.build-fuzz

# libFuzzer's runtime ships with swift.org toolchains (lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a).
resource=$(dirname "$(dirname "$(readlink -f "$(command -v "$SWIFT")")")")/lib
if ! ls "$resource"/clang/*/lib/linux/libclang_rt.fuzzer-"$(uname -m)".a >/dev/null 2>&1 \
   && ! ls "$resource"/swift/clang/lib/linux/libclang_rt.fuzzer-"$(uname -m)".a >/dev/null 2>&1; then
    echo "error: this Swift toolchain has no libclang_rt.fuzzer (install a swift.org toolchain, which ships it)" >&2
    exit 1
fi

# Seed corpora: the committed seeds of Fuzz/Seeds plus valid files from the test fixtures.
seeds=$SCRATCH/seeds
rm -rf "$seeds"
for t in $TARGETS; do
    mkdir -p "$seeds/$t" "$SCRATCH/corpus/$t" "$SCRATCH/artifacts"
    [ -d "Fuzz/Seeds/$t" ] && cp Fuzz/Seeds/"$t"/* "$seeds/$t/"
done
copy() { [ -d "$seeds/$1" ] && cp "$2" "$seeds/$1/" || true; }
copy FuzzGGUF Tests/Fixtures/gguf-quants.gguf
copy FuzzTorchZip Tests/Fixtures/tiny-mllama/pytorch_model-00002-of-00003.bin
copy FuzzSentencePiece Tests/Fixtures/tiny-mllama/tokenizer.model
copy FuzzCorpus notebooks-data/django-ui-7lang.tsv

for t in $TARGETS; do
    INTERLINGUA_FUZZ=1 "$SWIFT" build -c release --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -g -Xswiftc -use-ld=lld --product "$t"
done
bin=$(INTERLINGUA_FUZZ=1 "$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0}
summary=()
for t in $TARGETS; do
    echo "== $t: $FUZZ_SECONDS s" >&2
    log=$SCRATCH/$t.log
    [ -x "$bin/$t" ] || { echo "error: $bin/$t was not built" >&2; exit 1; }
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: an input needing 2 GB is an OOM finding.
    if ! "$bin/$t" "$SCRATCH/corpus/$t" "$seeds/$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/$t-" \
        > "$log" 2>&1; then
        tail -40 "$log" >&2
        echo "error: $t found a problem (log $log, input in $SCRATCH/artifacts/)" >&2
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    units=$(ls "$SCRATCH/corpus/$t" | wc -l)
    summary+=("$(printf '%-18s %10s execs  cov %6s  ft %6s  corpus %5s' "$t" "$execs" "$cov" "$ft" "$units")")
done
echo "fuzz: no crash, leak, timeout or OOM in $FUZZ_SECONDS s per target" >&2
printf '%s\n' "${summary[@]}" >&2
