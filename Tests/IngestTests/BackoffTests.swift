import Testing
@testable import Ingest

@Suite struct BackoffTests {
    @Test func stepsThenFinal() {
        var b = Backoff(jitter: 0)
        let delays = (0..<25).map { _ in b.next() }
        #expect(delays[0..<5].allSatisfy { $0 == 1 })
        #expect(delays[5..<10].allSatisfy { $0 == 5 })
        #expect(delays[10..<20].allSatisfy { $0 == 10 })
        #expect(delays[20..<25].allSatisfy { $0 == 60 })
        b.reset()
        #expect(b.next() == 1)
    }

    @Test func jitterStaysInBandAndSpreads() {
        var b = Backoff(jitter: 0.2)
        var seen = Set<Double>()
        for _ in 0..<5 {
            let d = b.next()
            #expect(d >= 0.8 && d <= 1.2)
            seen.insert(d)
        }
        #expect(seen.count > 1)
    }

    @Test func escalateSkipsFastRetries() {
        var b = Backoff(jitter: 0)
        b.escalate()
        #expect(b.next() == 60)
    }
}
