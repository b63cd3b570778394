// swift-tools-version: 6.0
// Interlingua: where does a language model align languages?
// Layering (a module imports only modules listed before it): C modules → LinearAlgebra, HDF5 →
// Checkpoints → Tokenizers → Models → Activations, Corpus → Tracing → Alignment → Compare → Plotting → Figures →
// interlingua.
import PackageDescription

let package = Package(
    name: "Interlingua",
    products: [
        .executable(name: "interlingua", targets: ["interlingua"]),
        .executable(name: "interlingua-bench", targets: ["Benchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C behind small modules
        .systemLibrary(
            name: "CLinearAlgebra",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // CLD2 is C++ without a .pc file: a C shim target links libcld2 by name.
        .target(name: "CCLD2", linkerSettings: [.linkedLibrary("cld2")]),
        // fastText (Debian libfasttext-dev) is C++ too: the same kind of shim, linked by name.
        .target(name: "CFastText", linkerSettings: [.linkedLibrary("fasttext")]),
        // The block's elementwise kernels and the legacy ggml block decoders, compiled once per x86-64 level
        // and picked at load time.
        .target(name: "CKernels"),

        // MARK: - Library modules
        .target(name: "LinearAlgebra", dependencies: ["CLinearAlgebra"]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "Checkpoints", dependencies: ["CKernels"]),
        .target(name: "Tokenizers", dependencies: ["Checkpoints"]),
        .target(name: "Models", dependencies: ["CKernels", "LinearAlgebra", "Checkpoints"]),
        .target(name: "Activations", dependencies: ["HDF5"]),
        .target(name: "Corpus", dependencies: []),
        .target(name: "Tracing", dependencies: [
            "CKernels", "LinearAlgebra", "Checkpoints", "Tokenizers", "Models", "Activations", "Corpus",
        ]),
        .target(name: "Generation", dependencies: [
            "LinearAlgebra", "Checkpoints", "Tokenizers", "Models", "Corpus", "Tracing",
        ]),
        .target(name: "Alignment", dependencies: ["LinearAlgebra", "HDF5", "Activations"]),
        .target(name: "Responses", dependencies: ["CCLD2", "CFastText", "Corpus"]),
        .target(name: "Compare", dependencies: ["Alignment", "LinearAlgebra"]),
        .target(name: "Neurons", dependencies: ["Activations"]),
        .target(name: "Lens", dependencies: ["Activations"]),
        .target(name: "Plotting", dependencies: []),
        .target(name: "Figures", dependencies: ["Alignment", "Activations", "Compare", "HDF5", "Plotting", "Responses", "Lens"]),
        .executableTarget(name: "interlingua", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            "LinearAlgebra", "HDF5", "Checkpoints", "Tokenizers", "Models", "Activations", "Corpus",
            "Tracing", "Alignment", "Compare", "Figures",
            "Generation", "Responses", "Neurons",
        ]),
        .executableTarget(name: "Benchmarks", dependencies: [
            "LinearAlgebra", "Checkpoints", "Tokenizers", "Models", "Activations", "Corpus",
            "Tracing", "Alignment",
            "Generation",
        ], path: "Benchmarks"),

        // MARK: - Tests (one target per module)
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "HDF5Tests", dependencies: ["TestSupport", "Activations", "HDF5"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["TestSupport", "Checkpoints", "Models"]),
        .testTarget(name: "TokenizersTests", dependencies: ["TestSupport", "Tokenizers", "Checkpoints"],
                    exclude: ["CrossCheck"]),
        .testTarget(name: "ModelsTests", dependencies: ["TestSupport", "Models", "Checkpoints", "LinearAlgebra", "CKernels"]),
        .testTarget(name: "ActivationsTests", dependencies: ["TestSupport", "Activations", "HDF5"]),
        .testTarget(name: "CorpusTests", dependencies: ["TestSupport", "Corpus"]),
        .testTarget(name: "TracingTests", dependencies: [
            "TestSupport", "Tracing", "Activations", "Corpus", "Models", "Checkpoints", "Tokenizers", "LinearAlgebra", "HDF5",
        ]),
        .testTarget(name: "AlignmentTests", dependencies: ["TestSupport", "Alignment", "Activations", "HDF5", "LinearAlgebra"]),
        .testTarget(name: "CompareTests", dependencies: ["Compare", "Alignment"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "FiguresTests", dependencies: ["TestSupport", "Figures", "Plotting", "Compare", "Alignment", "Activations", "Responses"]),
        // Runs the built release binary (`swift build -c release` first; `--build-tests` builds it too).
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Activations", "HDF5"]),
        .testTarget(name: "GenerationTests", dependencies: ["TestSupport", "Generation", "Models", "Checkpoints", "Tokenizers"]),
        .testTarget(name: "ResponsesTests", dependencies: ["TestSupport", "Responses", "Corpus"]),
        .testTarget(name: "NeuronsTests", dependencies: ["TestSupport", "Neurons", "Activations",
            "Tracing", "Models", "Checkpoints", "Tokenizers", "Corpus"]),
        .testTarget(name: "LensTests", dependencies: ["TestSupport", "Lens", "Activations"]),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: - Fuzz targets (`make fuzz` only)
// Declared only when INTERLINGUA_FUZZ is set, so the normal build and `make test` never see them;
// scripts/fuzz.sh builds them into their own scratch folder (.build-fuzz) with -sanitize=fuzzer,address.
if Context.environment["INTERLINGUA_FUZZ"] != nil {
    let parsers: [(target: String, modules: [Target.Dependency])] = [
        ("FuzzGGUF", ["Checkpoints"]), ("FuzzSafetensors", ["Checkpoints"]), ("FuzzTorchZip", ["Checkpoints"]),
        ("FuzzSentencePiece", ["Tokenizers"]), ("FuzzTokenizerJSON", ["Tokenizers"]), ("FuzzCorpus", ["Corpus"]),
    ]
    package.targets += [
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", "Checkpoints"], path: "Fuzz/FuzzSupport"),
    ]
    for parser in parsers {
        package.targets.append(.executableTarget(
            name: parser.target, dependencies: ["FuzzSupport"] + parser.modules, path: "Fuzz/\(parser.target)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    }
}
