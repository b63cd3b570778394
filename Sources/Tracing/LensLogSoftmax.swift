// The lens's log-softmax statistics of a logit row, computed online over vocabulary tiles (the running-max
// normalizer of Milakov & Gimelshein 2018, "Online normalizer calculation for softmax"), so a row's
// [vocab] logits never need to exist at once and the head's weights are read once for all rows.
import Foundation
import LinearAlgebra

/// Per row: with the running maximum m, s = Σ exp(z − m) and t = Σ exp(z − m)(z − m) over the ids seen so far;
/// the top-k by logit; the logits of the row's token-set ids. At the end lse = m + log s, the entropy
/// H = −Σ p log p = lse − Σ p z = log s − t/s, and a set's mass Σ_{i∈S} exp(z_i − lse).
///
/// A tile with maximum m' > m rescales the sums to the new reference: s ← e^{m−m'} s and
/// t ← e^{m−m'} (t + (m − m') s). exp(z − m) is evaluated in Float lanes (`VectorExp.exp`, within 2 ulp) and summed in Double; lse, the entropy and the masses are formed in Double.
///
/// Rows are independent: `accumulate` of different rows may run on different threads at once.
final class LensLogSoftmax {
    let rows: Int
    let k: Int
    /// Running maximum, Σ exp(z − m), Σ exp(z − m)(z − m).
    private let maximum: UnsafeMutablePointer<Float>
    private let sums: UnsafeMutablePointer<Double>, weighted: UnsafeMutablePointer<Double>
    /// Top-k per row, descending (ties: the lower id first); `filled` entries valid.
    private let topValues: UnsafeMutablePointer<Float>, topIDs: UnsafeMutablePointer<Int32>
    private let filled: UnsafeMutablePointer<Int>
    /// Per row: its token-set ids sorted (with the slot each fills), a cursor into them, and the logits found.
    private let setIDs: [[(id: Int, slot: Int)]]
    private let cursor: UnsafeMutablePointer<Int>
    private let setLogits: [UnsafeMutablePointer<Float>]
    private let setCounts: [Int]

    /// `sets[i]` lists the token ids whose logits row i keeps (in slot order); out-of-range ids stay NaN.
    init(rows: Int, topK: Int, vocabulary: Int, sets: [[Int32]]) {
        self.rows = rows
        k = max(1, min(topK, vocabulary))
        let n = max(1, rows)
        maximum = .allocate(capacity: n); maximum.initialize(repeating: -.infinity, count: n)
        sums = .allocate(capacity: n); sums.initialize(repeating: 0, count: n)
        weighted = .allocate(capacity: n); weighted.initialize(repeating: 0, count: n)
        topValues = .allocate(capacity: n * k); topValues.initialize(repeating: -.infinity, count: n * k)
        topIDs = .allocate(capacity: n * k); topIDs.initialize(repeating: -1, count: n * k)
        filled = .allocate(capacity: n); filled.initialize(repeating: 0, count: n)
        cursor = .allocate(capacity: n); cursor.initialize(repeating: 0, count: n)
        setIDs = sets.map { ids in
            ids.enumerated().filter { $0.element >= 0 && Int($0.element) < vocabulary }
                .map { (id: Int($0.element), slot: $0.offset) }.sorted { $0.id < $1.id }
        }
        setCounts = sets.map(\.count)
        setLogits = sets.map { ids in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, ids.count))
            p.initialize(repeating: .nan, count: max(1, ids.count))
            return p
        }
    }

    deinit {
        maximum.deallocate(); sums.deallocate(); weighted.deallocate()
        topValues.deallocate(); topIDs.deallocate(); filled.deallocate(); cursor.deallocate()
        for p in setLogits { p.deallocate() }
    }

    /// Adds the logits `z[0..<count]` of ids `first..<first+count` to row `row` (ids after all earlier calls').
    func accumulate(row: Int, _ z: UnsafePointer<Float>, count: Int, first: Int) {
        guard count > 0 else { return }
        let values = topValues + row * k, ids = topIDs + row * k
        var have = filled[row]

        // Pass 1: the tile's maximum and the top-k candidates (a chunk is looked at one by one only when one
        // of its logits beats the current k-th, which after the first tiles is rare).
        var j = 0
        var tileMax = -Float.infinity
        while have < k && j < count {
            let v = z[j]
            if v > tileMax { tileMax = v }
            Self.insert(v, id: Int32(first + j), values, ids, &have, k)
            j += 1
        }
        var threshold = values[k - 1]
        var lanesMax = SIMD8<Float>(repeating: tileMax)
        let raw = UnsafeRawPointer(z)
        while j + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
            lanesMax = lanesMax.replacing(with: v, where: v .> lanesMax)
            if any(v .> threshold) {
                for q in 0..<8 where z[j + q] > threshold {
                    Self.insert(z[j + q], id: Int32(first + j + q), values, ids, &have, k)
                    threshold = values[k - 1]
                }
            }
            j += 8
        }
        tileMax = lanesMax.max()
        while j < count {
            let v = z[j]
            if v > tileMax { tileMax = v }
            if v > threshold {
                Self.insert(v, id: Int32(first + j), values, ids, &have, k)
                threshold = values[k - 1]
            }
            j += 1
        }
        filled[row] = have

        // The new reference maximum; earlier sums rescaled to it.
        var m = maximum[row]
        var s = sums[row], t = weighted[row]
        if tileMax > m {
            if s > 0 {
                let shift = Double(m) - Double(tileMax)
                let factor = exp(shift)
                t = factor * (t + shift * s)
                s *= factor
            }
            m = tileMax
            maximum[row] = m
        }
        guard m.isFinite else { return }

        // Pass 2: Σ exp(z − m) and Σ exp(z − m)(z − m), exp in Float lanes, summed in Float lanes over 64 ids
        // (relative error ≤ 8 roundings, 5e-7) and those partial sums in Double.
        let reference = SIMD8<Float>(repeating: m), floor = SIMD8<Float>(repeating: -87)
        var sd0 = SIMD4<Double>(), sd1 = SIMD4<Double>(), td0 = SIMD4<Double>(), td1 = SIMD4<Double>()
        j = 0
        while j + 64 <= count {
            var sf = SIMD8<Float>(), tf = SIMD8<Float>()
            for q in 0..<8 {
                let x = raw.loadUnaligned(fromByteOffset: 4 * (j + 8 * q), as: SIMD8<Float>.self) - reference
                let xc = floor.replacing(with: x, where: x .> floor)
                let e = VectorExp.exp(xc)
                sf += e
                tf += e * xc
            }
            sd0 += SIMD4<Double>(sf.lowHalf); sd1 += SIMD4<Double>(sf.highHalf)
            td0 += SIMD4<Double>(tf.lowHalf); td1 += SIMD4<Double>(tf.highHalf)
            j += 64
        }
        while j + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self) - reference
            let xc = floor.replacing(with: x, where: x .> floor)
            let e = VectorExp.exp(xc)
            let ex = e * xc
            sd0 += SIMD4<Double>(e.lowHalf); sd1 += SIMD4<Double>(e.highHalf)
            td0 += SIMD4<Double>(ex.lowHalf); td1 += SIMD4<Double>(ex.highHalf)
            j += 8
        }
        var sTail = 0.0, tTail = 0.0
        while j < count {
            let x = Double(z[j] - m)
            let e = exp(x)
            sTail += e
            tTail += e * x
            j += 1
        }
        s += (sd0 + sd1).sum() + sTail
        t += (td0 + td1).sum() + tTail
        sums[row] = s
        weighted[row] = t

        // The row's token-set logits in this tile (its ids sorted, so a cursor walks them once per row).
        let list = setIDs[row]
        var c = cursor[row]
        while c < list.count && list[c].id < first + count {
            if list[c].id >= first { setLogits[row][list[c].slot] = z[list[c].id - first] }
            c += 1
        }
        cursor[row] = c
    }

    /// Inserts v into the descending list; an equal value already there stays ahead (lower id first).
    @inline(__always)
    private static func insert(_ v: Float, id: Int32, _ values: UnsafeMutablePointer<Float>,
                               _ ids: UnsafeMutablePointer<Int32>, _ have: inout Int, _ k: Int) {
        if have == k && !(v > values[k - 1]) { return }
        var pos = have == k ? k - 1 : have
        if have < k { have += 1 }
        while pos > 0 && v > values[pos - 1] {
            values[pos] = values[pos - 1]
            ids[pos] = ids[pos - 1]
            pos -= 1
        }
        values[pos] = v
        ids[pos] = id
    }

    /// Row `row`'s results once every id has been seen; `setLogits` in the slot order of `sets[row]` (NaN for
    /// an id outside the vocabulary).
    func finish(row: Int) -> (logsumexp: Double, entropy: Double, top: [(id: Int32, logprob: Float)], setLogits: [Float]) {
        let s = sums[row], t = weighted[row]
        let logS = log(s)
        let lse = Double(maximum[row]) + logS
        let top = (0..<filled[row]).map { j in (id: topIDs[row * k + j], logprob: Float(Double(topValues[row * k + j]) - lse)) }
        return (lse, logS - t / s, top, Array(UnsafeBufferPointer(start: setLogits[row], count: setCounts[row])))
    }
}
