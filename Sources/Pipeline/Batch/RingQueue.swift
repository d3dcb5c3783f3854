/// A FIFO on a growable ring buffer: O(1) push/pop without the O(n) `removeFirst` of Array.
/// (swift-collections' Deque is not available: camsift takes no package dependencies.)
struct RingQueue<Element> {
    private var storage: [Element?] = Array(repeating: nil, count: 16)
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func push(_ e: Element) {
        if count == storage.count { grow() }
        storage[(head + count) & (storage.count - 1)] = e
        count += 1
    }

    mutating func pop() -> Element? {
        guard count > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = (head + 1) & (storage.count - 1)
        count -= 1
        return e
    }

    func peek() -> Element? { count > 0 ? storage[head] : nil }

    private mutating func grow() {
        var bigger = [Element?](repeating: nil, count: storage.count * 2)
        for i in 0..<count { bigger[i] = storage[(head + i) & (storage.count - 1)] }
        storage = bigger
        head = 0
    }
}
