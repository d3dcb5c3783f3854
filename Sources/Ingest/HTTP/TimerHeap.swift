#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// Binary min-heap of one-shot timers, confined to the curl loop thread. 10,000 snapshot cameras are 10,000
/// pending timers: O(log n) insert/pop keeps that cheap. Cancellation is by generation check in the action
/// (a stale timer fires and does nothing), so no search is ever needed.
struct TimerHeap {
    struct Entry {
        var deadline: Double
        var seq: UInt64
        var action: () -> Void
    }

    private var items: [Entry] = []
    private var seq: UInt64 = 0

    var count: Int { items.count }
    var nextDeadline: Double? { items.first?.deadline }

    mutating func schedule(at deadline: Double, _ action: @escaping () -> Void) {
        seq &+= 1
        items.append(Entry(deadline: deadline, seq: seq, action: action))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if less(i, p) { items.swapAt(i, p); i = p } else { break }
        }
    }

    /// Removes and returns every action due at `now`, earliest first.
    mutating func popDue(now: Double) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = items.first, first.deadline <= now {
            due.append(first.action)
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                siftDown(0)
            }
        }
        return due
    }

    mutating func removeAll() { items.removeAll() }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].deadline < items[b].deadline || (items[a].deadline == items[b].deadline && items[a].seq < items[b].seq)
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && less(l, m) { m = l }
            if r < n && less(r, m) { m = r }
            if m == i { return }
            items.swapAt(i, m)
            i = m
        }
    }
}
