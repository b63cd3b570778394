// Ctrl-C and SIGTERM during a trace: say how to resume, then leave (the journal already records every
// flushed batch, so nothing needs cleaning up — the same state a kill -9 leaves).
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The message the signal handler writes: prepared before any signal can arrive, written with write(2)
/// (async-signal-safe), never touched again.
nonisolated(unsafe) private var interruptMessage: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var interruptMessageLength = 0

enum InterruptNotice {
    /// Installs SIGINT and SIGTERM handlers that print `message` to stderr and exit with 128 + the signal.
    static func install(_ message: String) {
        let bytes = Array(message.utf8)
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
        for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
        interruptMessage = buffer
        interruptMessageLength = bytes.count
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                if let message = interruptMessage { _ = write(STDERR_FILENO, message, interruptMessageLength) }
                _exit(128 + received)
            }
            sigaddset(&unblock, sig)
        }
        // A parent may start us with these blocked (the mask is inherited): they would never arrive.
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The command line that resumes this run: the same arguments plus `--resume`, shell-quoted.
    static func resumeCommand(_ arguments: [String] = CommandLine.arguments) -> String {
        var words = arguments
        if let first = words.first { words[0] = (first as NSString).lastPathComponent == "interlingua" ? "interlingua" : first }
        if !words.contains("--resume") { words.append("--resume") }
        return words.map(quoted).joined(separator: " ")
    }

    static func quoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
        if !word.isEmpty, word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
