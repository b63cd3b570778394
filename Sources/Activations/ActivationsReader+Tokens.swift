// The token ids of an activation file, for analyses that compare with surface tokens.
import HDF5

extension ActivationsReader {
    /// The pooled tokens of every sentence of `language` (`/tokens/<lang>/ids` cut by `offsets` and
    /// `pool_span`), or nil when the file has no token ids.
    public func pooledTokenIDs(language: String) throws -> [[Int]]? {
        let root = file.root
        let idsPath = ActivationsLayout.tokenIDs(language), offsetsPath = ActivationsLayout.tokenOffsets(language)
        let spansPath = ActivationsLayout.tokenPoolSpans(language)
        guard root.contains(idsPath), root.contains(offsetsPath) else { return nil }
        let ids = try root.dataset(idsPath).read(Int32.self)
        let offsets = try root.dataset(offsetsPath).read(Int64.self)
        let spans = root.contains(spansPath) ? try root.dataset(spansPath).read(Int64.self) : []
        let n = offsets.count - 1
        guard n >= 0, spans.isEmpty || spans.count == 2 * n else {
            throw ActivationsError.notActivations(file: url.path, reason: "\(spansPath) has \(spans.count / 2) rows but \(offsetsPath) describes \(max(n, 0)) sentences")
        }
        var out: [[Int]] = []
        out.reserveCapacity(max(n, 0))
        for i in 0..<max(n, 0) {
            let start = Int(offsets[i]), end = Int(offsets[i + 1])
            var lo = start, hi = end
            if !spans.isEmpty {
                // Values from the file: a damaged one (a flipped byte-order bit) must not overflow.
                let (first, o1) = start.addingReportingOverflow(Int(spans[2 * i]))
                let (last, o2) = start.addingReportingOverflow(Int(spans[2 * i + 1]))
                guard !o1, !o2 else {
                    throw ActivationsError.notActivations(file: url.path, reason: "sentence \(i) of \(spansPath) = [\(spans[2 * i]), \(spans[2 * i + 1])) points outside \(idsPath)")
                }
                lo = first
                hi = last
            }
            guard 0 <= start, start <= end, end <= ids.count, start <= lo, lo <= hi, hi <= end else {
                throw ActivationsError.notActivations(file: url.path, reason: "sentence \(i) of \(offsetsPath)/\(spansPath) points outside \(idsPath)")
            }
            out.append(ids[lo..<hi].map { Int($0) })
        }
        return out
    }
}
