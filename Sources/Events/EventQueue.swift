import Foundation

/// A bounded FIFO between the inference thread (producer: `push` never blocks) and one sender thread
/// (consumer: `pop` blocks). When full, the oldest item is dropped and counted; a receiver that is down
/// therefore gets the latest events once it is back, never an unbounded backlog.
final class EventQueue<Item: Sendable>: @unchecked Sendable {
    let capacity: Int
    private let cond = NSCondition()
    // Guarded by `cond`.
    private var items: [Item] = []
    private var head = 0
    private var closed = false
    private var droppedCount = 0

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// Appends `item`, dropping the oldest when full. Returns false (and drops `item`) once closed.
    @discardableResult
    func push(_ item: Item) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        guard !closed else { return false }
        if items.count - head >= capacity {
            head += 1
            droppedCount += 1
        }
        items.append(item)
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        cond.signal()
        return true
    }

    /// The oldest item; blocks while empty. Nil once closed and empty.
    func pop() -> Item? {
        cond.lock()
        defer { cond.unlock() }
        while head == items.count, !closed { cond.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }

    /// Waits `seconds` unless the queue is closed first; returns false when closed (stop retrying).
    func sleep(_ seconds: Double) -> Bool {
        let until = Date(timeIntervalSinceNow: seconds)
        cond.lock()
        defer { cond.unlock() }
        while !closed, cond.wait(until: until) {}
        return !closed
    }

    /// Wakes the consumer; later pushes are refused, queued items are still popped.
    func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    var isClosed: Bool {
        cond.lock()
        defer { cond.unlock() }
        return closed
    }

    /// Items waiting (not counting the one the consumer holds).
    var depth: Int {
        cond.lock()
        defer { cond.unlock() }
        return items.count - head
    }

    /// Items dropped because the queue was full.
    var dropped: Int {
        cond.lock()
        defer { cond.unlock() }
        return droppedCount
    }

    /// Removes and returns everything still queued (at shutdown, to count what was not delivered).
    func drainRemaining() -> [Item] {
        cond.lock()
        defer { cond.unlock() }
        let rest = Array(items[head...])
        items.removeAll()
        head = 0
        return rest
    }
}
