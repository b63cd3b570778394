// Shared driver of the fuzz targets: hands `main`'s arguments to libFuzzer and runs one parser per input.
//
// Swift 6.3 on Linux: `-sanitize=fuzzer` links libFuzzer, whose `main` a `-parse-as-library` executable
// would use, but SwiftPM links every executable with `--defsym main=<Module>_main` and `-parse-as-library`
// emits no such symbol (swiftlang/swift-package-manager#8731). Each target therefore defines
// `<Module>_main` itself (`@_cdecl`) and calls `LLVMFuzzerRunDriver` — libFuzzer as a library.
import CLibFuzzer
import Foundation

/// The parser one target exercises, given the path of a file holding the input. Set once before the
/// driver starts; only libFuzzer's single fuzzing thread reads it.
nonisolated(unsafe) private var parse: ((URL) -> Void)?
nonisolated(unsafe) private var scratch = URL(fileURLWithPath: "/tmp")

/// Runs libFuzzer with `argc`/`argv`, writing each input to a file named `fileName` (the parsers read
/// paths, as the CLI does) and calling `body` on it. `body` must swallow the parser's typed errors: any
/// crash, sanitizer report, leak, timeout or out-of-memory is a finding, and libFuzzer exits non-zero.
public func runFuzzer(argc: Int32, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, fileName: String,
                      _ body: @escaping (URL) -> Void) -> Int32 {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let folder = URL(fileURLWithPath: base).appendingPathComponent("interlingua-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    scratch = folder.appendingPathComponent(fileName)
    parse = body
    defer { try? FileManager.default.removeItem(at: folder) }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        guard let parse else { return 0 }
        let url = scratch
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return 0 }
        var written = 0
        while written < size {
            let n = write(fd, data.map { UnsafeRawPointer($0 + written) }, size - written)
            if n <= 0 { break }
            written += n
        }
        close(fd)
        parse(url)
        return 0
    }
}
