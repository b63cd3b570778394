// One writer per output: an exclusive advisory lock held for the whole of a trace.
import Foundation

/// An exclusive `flock(2)` on `<output>.lock`, taken before the journal is read and held until the trace
/// ends. Two traces onto one output would otherwise race on the journal's temporary file and interleave
/// their writes; the second is refused at once instead. The kernel drops the lock when the process dies
/// (also on `kill -9`), so a stale lock file never blocks a resume.
final class OutputLock {
    let url: URL
    private var descriptor: Int32

    init(_ output: URL) throws {
        url = output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".lock")
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TracingError.badOption("\(output.path): cannot create the lock file \(url.lastPathComponent): \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(descriptor)
            descriptor = -1
            throw busy ? TracingError.outputBusy(file: output.path)
                : TracingError.badOption("\(output.path): cannot lock \(url.lastPathComponent): \(reason)")
        }
    }

    /// Removes the lock file and releases the lock.
    func release() {
        guard descriptor >= 0 else { return }
        unlink(url.path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
