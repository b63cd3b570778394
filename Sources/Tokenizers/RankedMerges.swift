// The merge loop of rank-ordered BPE (GPT-2, HF tokenizers `BPE` models).

/// BPE merge rules by rank (Sennrich et al. 2016; GPT-2 `encoder.py` `bpe`): repeatedly merge the adjacent
/// pair of symbols with the lowest rank (ties: leftmost) until no adjacent pair is a rule. Symbols are token
/// ids; a rule maps (left id, right id) to its rank and the merged id. Candidates live in a priority queue
/// and stale ones are skipped when popped, so a word of n symbols costs O(n log n).
struct RankedMerges: Sendable {
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    let rules: [UInt64: UInt64]

    /// Rules in rank order as token texts; a rule whose parts or result is no token is skipped (it can
    /// never apply to token ids).
    init(_ ordered: [([UInt8], [UInt8])], table: PieceTable) {
        var rules: [UInt64: UInt64] = [:]
        rules.reserveCapacity(ordered.count)
        for (rank, rule) in ordered.enumerated() {
            let left = table.id(rule.0), right = table.id(rule.1), merged = table.id(rule.0 + rule.1)
            guard left >= 0, right >= 0, merged >= 0 else { continue }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if rules[key] == nil { rules[key] = UInt64(rank) << 32 | UInt64(UInt32(merged)) }
        }
        self.rules = rules
    }

    struct Symbol {
        var id: Int32
        var previous: Int32
        var next: Int32
    }

    struct Candidate: MergeCandidate {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftID: Int32
        var rightID: Int32
        var merged: Int32
        @inline(__always)
        static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
            a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
        }
    }

    /// Scratch buffers reused across words.
    struct Session {
        var symbols: [Symbol] = []
        var agenda = MergeAgenda<Candidate>(capacity: 64)
        var scratch: [UInt8] = []

        mutating func start() {
            symbols.removeAll(keepingCapacity: true)
            agenda.removeAll()
        }

        /// Appends a symbol (id −1 for one that never merges).
        mutating func append(_ id: Int32) {
            let k = Int32(symbols.count)
            if k > 0 { symbols[Int(k - 1)].next = k }
            symbols.append(Symbol(id: id, previous: k - 1, next: -1))
        }
    }

    @inline(__always)
    private func addCandidate(_ left: Int32, _ right: Int32, _ session: inout Session) {
        guard left >= 0, right >= 0 else { return }
        let l = session.symbols[Int(left)].id, r = session.symbols[Int(right)].id
        guard l >= 0, r >= 0, let m = rules[UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))] else { return }
        session.agenda.push(Candidate(rank: Int32(truncatingIfNeeded: m >> 32), left: left, right: right,
                                      leftID: l, rightID: r, merged: Int32(truncatingIfNeeded: m & 0xFFFF_FFFF)))
    }

    /// Merges the session's symbols and appends the resulting ids (symbols with id < 0 are dropped).
    func apply(_ session: inout Session, into output: inout [Int32]) {
        let n = session.symbols.count
        guard n > 0 else { return }
        if n > 1 { for k in 1..<n { addCandidate(Int32(k - 1), Int32(k), &session) } }
        while let top = session.agenda.pop() {
            let l = session.symbols[Int(top.left)], r = session.symbols[Int(top.right)]
            // Stale: a side was merged away (id −2) or has grown since the pair was queued.
            guard l.id == top.leftID, r.id == top.rightID else { continue }
            session.symbols[Int(top.left)].id = top.merged
            session.symbols[Int(top.left)].next = r.next
            if r.next >= 0 { session.symbols[Int(r.next)].previous = top.left }
            session.symbols[Int(top.right)].id = -2
            addCandidate(l.previous, top.left, &session)
            addCandidate(top.left, r.next, &session)
        }
        var index: Int32 = 0
        while index >= 0 {
            let s = session.symbols[Int(index)]
            if s.id >= 0 { output.append(s.id) }
            index = s.next
        }
    }
}
