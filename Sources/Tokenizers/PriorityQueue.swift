// A binary heap for the merge agendas of both BPE variants.

/// An element of a merge agenda: `precedes` says which of two candidates is merged first.
protocol MergeCandidate {
    static func precedes(_ a: Self, _ b: Self) -> Bool
}

/// A binary min-heap ordered by `Element.precedes` (the element that precedes all others is on top).
/// Pushing and popping are O(log n), so a merge loop over n symbols costs O(n log n), never a rescan.
struct MergeAgenda<Element: MergeCandidate> {
    private(set) var storage: [Element] = []

    init(capacity: Int) { storage.reserveCapacity(capacity) }

    var isEmpty: Bool { storage.isEmpty }

    mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

    mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Element.precedes(storage[child], storage[parent]) else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let top = storage[0]
        storage[0] = last
        var parent = 0
        let n = storage.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { break }
            var best = left
            let right = left + 1
            if right < n && Element.precedes(storage[right], storage[left]) { best = right }
            guard Element.precedes(storage[best], storage[parent]) else { break }
            storage.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
