// Mutual nearest-neighbour overlap (Huh et al. 2024, "The Platonic Representation Hypothesis").
import LinearAlgebra

/// mutual_knn = (1/N) Σᵢ |kNN_X(i) ∩ kNN_Y(i)| / k, neighbours by cosine within each language
/// (`sx`, `sy` are the N×N self-cosine matrices), self excluded, ties to the lower index.
/// Per-sentence quantities are the overlaps; needs N ≥ k + 1.
public func mutualKNN(_ sx: Matrix<Double>, _ sy: Matrix<Double>, k: Int) throws -> SentenceStatistic {
    guard sx.rows == sx.cols, sy.rows == sx.rows, sy.cols == sx.rows else {
        throw AlignmentError.shapeMismatch("mutual_knn needs two N×N similarity matrices")
    }
    return try mutualKNN(neighboursX: try nearestNeighbours(sx, k: k), neighboursY: try nearestNeighbours(sy, k: k), k: k)
}

/// mutual_knn from precomputed neighbour lists (row-major N × k, from `nearestNeighbours`).
public func mutualKNN(neighboursX nx: [Int], neighboursY ny: [Int], k: Int) throws -> SentenceStatistic {
    guard k >= 1 else { throw AlignmentError.invalidSetting("k for mutual_knn must be at least 1, got \(k)") }
    guard nx.count == ny.count, nx.count % k == 0 else {
        throw AlignmentError.shapeMismatch("mutual_knn: neighbour lists of \(nx.count) and \(ny.count) entries for k = \(k)")
    }
    let n = nx.count / k
    var q = [Double](repeating: 0, count: n)
    for i in 0..<n {
        let a = nx[(i * k)..<((i + 1) * k)], b = Set(ny[(i * k)..<((i + 1) * k)])
        q[i] = Double(a.filter { b.contains($0) }.count) / Double(k)
    }
    return SentenceStatistic(perSentence: q)
}

/// The k most similar other rows of each row (row-major N×k), by insertion into a sorted window.
/// Needs N ≥ k + 1.
public func nearestNeighbours(_ s: Matrix<Double>, k: Int) throws -> [Int] {
    let n = s.rows
    guard k >= 1 else { throw AlignmentError.invalidSetting("k for mutual_knn must be at least 1, got \(k)") }
    guard n > k else { throw AlignmentError.tooFewSentences(metric: "mutual_knn (k = \(k))", needed: k + 1, got: n) }
    var out = [Int](repeating: 0, count: n * k)
    s.storage.withUnsafeBufferPointer { p in
        var idx = [Int](repeating: 0, count: k), val = [Double](repeating: 0, count: k)
        for i in 0..<n {
            var filled = 0
            for j in 0..<n where j != i {
                let v = p[i * n + j]
                if filled == k && !(v > val[k - 1]) { continue }
                var pos = filled == k ? k - 1 : filled
                if filled < k { filled += 1 }
                while pos > 0 && v > val[pos - 1] {
                    val[pos] = val[pos - 1]
                    idx[pos] = idx[pos - 1]
                    pos -= 1
                }
                val[pos] = v
                idx[pos] = j
            }
            for t in 0..<k { out[i * k + t] = idx[t] }
        }
    }
    return out
}
