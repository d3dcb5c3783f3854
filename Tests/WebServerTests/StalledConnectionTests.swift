import Foundation
import Testing
@testable import WebServer

@Suite struct StalledConnectionTests {
    /// 300 connections that never finish a request must not delay anyone else, and the idle timeout must close
    /// them; `stop` stays prompt with them open.
    @Test(arguments: [1, 2]) func stalledClientsDoNotDelayOthers(threads: Int) throws {
        var limits = HTTPLimits()
        limits.idleTimeout = .seconds(2)
        limits.threads = threads
        let server = try makeServer(limits)
        let stalled = try StalledClients(port: server.port, count: 300)
        var timings: [String: [Double]] = [:]
        for path in ["/metrics", "/cameras"] {
            for _ in 0..<5 {
                let (ms, status) = try timedGet(port: server.port, path)
                #expect(status == 200)
                timings[path, default: []].append(ms)
            }
        }
        for (path, ms) in timings.sorted(by: { $0.key < $1.key }) {
            print("stalled-300 threads=\(threads) \(path): median \(String(format: "%.2f", median(ms))) ms, all \(ms.map { String(format: "%.1f", $0) })")
            #expect(median(ms) < 200, "\(path) with 300 stalled connections: \(ms) ms")
        }
        let closed = stalled.waitUntilClosed(within: 6)
        #expect(closed == 300, "the 2 s idle timeout closed \(closed) of 300 stalled connections within 6 s")
        let again = try StalledClients(port: server.port, count: 50)
        let start = Date()
        server.stop()
        #expect(Date().timeIntervalSince(start) < 1, "stop with 50 open connections")
        #expect(again.waitUntilClosed(within: 1) == 50)
        #expect(server.requestsInFlight == 0, "request states leaked by timed-out or stopped connections")
    }
}
