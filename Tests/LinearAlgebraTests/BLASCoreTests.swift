import Testing
import LinearAlgebra

@Suite("OpenBLAS's generic fallback is replaced only by kernels the CPU supports")
struct BLASCoreTests {
    let avx512: Set<Substring> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test("Prescott on an AVX-512 CPU becomes SkylakeX")
    func avx512Upgrade() {
        #expect(BLASCore.betterCoreType(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
    }

    @Test("Prescott on an AVX2 CPU without AVX-512 becomes Haswell")
    func avx2Upgrade() {
        #expect(BLASCore.betterCoreType(current: "Prescott", cpuFlags: ["sse3", "avx", "avx2", "fma"]) == "Haswell")
    }

    @Test("a recognized core, or a CPU without AVX2, is left alone")
    func leftAlone() {
        #expect(BLASCore.betterCoreType(current: "Haswell", cpuFlags: avx512) == nil)
        #expect(BLASCore.betterCoreType(current: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(!BLASCore.name.isEmpty)
    }

    @Test("the environment gets a short OpenBLAS spin and better kernels only where the user set neither")
    func environment() {
        let both = BLASCore.environmentChanges([:], current: "Prescott", cpuFlags: avx512)
        #expect(both == ["OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_THREAD_TIMEOUT": BLASCore.threadTimeout])
        #expect(BLASCore.environmentChanges([:], current: "Haswell", cpuFlags: avx512) == ["OPENBLAS_THREAD_TIMEOUT": BLASCore.threadTimeout])
        let userSet = ["OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_THREAD_TIMEOUT": "28"]
        #expect(BLASCore.environmentChanges(userSet, current: "Prescott", cpuFlags: avx512).isEmpty)
    }
}
