// How this process's heap hands back freed memory: kept for reuse instead of returned to the kernel.
import CLinearAlgebra

/// glibc's malloc (mallopt(3)) serves every block above `M_MMAP_THRESHOLD` (128 KiB, raised dynamically to
/// at most 32 MiB) with its own `mmap` and gives it back with `munmap` on free, and trims the heap's top
/// above `M_TRIM_THRESHOLD`. A trace allocates and frees batch activations of megabytes per layer, the
/// alignment N × N products and N × d centered rows per pair and layer: each new block is fresh pages the
/// kernel must fault in and zero (`clear_page_erms`), which on a VM also makes the host back them. Measured
/// on a 2-core AMD EPYC (Zen 4, VM) with `perf record -e cpu-clock`: `clear_page_erms` took 13.6 % of a
/// 30-row Gemma 3 trace's samples (inside the weight decoding and OpenBLAS's zeroing of fresh C matrices)
/// and 3.8 % with this policy; `interlingua-bench --only trace` went from 80 / 89 / 83 / 91 % of the sgemm
/// peak to 81–83 / 88–91 / 86–90 / 88–93 % over three runs (SmolLM2 30 / 79 rows, Gemma 3 30 / 79 rows),
/// the peak RSS no higher, and `--only align` from 39.6 s to 35–38 s of analysis.
///
/// Freed blocks then stay in the process and are reused by the next allocation of the same size, so the
/// resident size stays at its high-water mark — which is the peak the run reaches anyway. A request the heap
/// cannot grow for (`brk` fails) is still served by `mmap` (glibc falls back to it whatever `M_MMAP_MAX`).
public enum HeapPolicy {
    /// Serves every block from the heap (`M_MMAP_MAX` 0) and trims its top only when more than 2 GiB are
    /// free there (`M_TRIM_THRESHOLD` 2³¹ − 1, the largest mallopt takes); call once at process start,
    /// before the heavy allocations. No effect where malloc is not glibc's.
    public static func retainFreedMemory() {
        interlingua_retain_freed_memory()
    }
}
