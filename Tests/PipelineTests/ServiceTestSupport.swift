import CamsiftCore
import Foundation
@testable import Pipeline
import Synchronization

/// An ordered record of what the test services did, shared between them.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func add(_ e: String) { events.withLock { $0.append(e) } }
    var all: [String] { events.withLock { $0 } }
    /// Position of `e`, or nil.
    func index(of e: String) -> Int? { all.firstIndex(of: e) }
}

struct ProbeError: Error, Equatable {
    let service: String
}

/// A service that logs its life to an `EventLog` and can be told to start slowly, fail, hang on shutdown or
/// return early.
struct ProbeService: Service {
    let name: String
    let log: EventLog
    var startDelay: Double = 0
    var failOnStart = false
    /// Throws this many seconds after starting.
    var failAfter: Double?
    /// Returns (without being asked to) this many seconds after starting.
    var returnAfter: Double?
    /// Cleaning up takes this long, on a thread, and cannot be cancelled.
    var hangOnStop: Double = 0

    func run() async throws {
        log.add("\(name) starting")
        if startDelay > 0 { try await Task.sleep(for: .milliseconds(Int(startDelay * 1000))) }
        if failOnStart {
            log.add("\(name) failed")
            throw ProbeError(service: name)
        }
        reportServiceStarted()
        log.add("\(name) started")
        if let failAfter {
            try await Task.sleep(for: .milliseconds(Int(failAfter * 1000)))
            log.add("\(name) failed")
            throw ProbeError(service: name)
        }
        if let returnAfter {
            try await Task.sleep(for: .milliseconds(Int(returnAfter * 1000)))
            log.add("\(name) returned")
            return
        }
        do {
            try await gracefulShutdown()
            log.add("\(name) stopping")
        } catch {
            log.add("\(name) cancelled")
        }
        if hangOnStop > 0 {
            let s = hangOnStop
            await DedicatedThread.run("test-hang") { Thread.sleep(forTimeInterval: s) }
        }
        log.add("\(name) stopped")
    }
}

/// Runs `action` when the group shuts it down: a marker placed between real services to observe the order.
struct OnShutdown: Service {
    let action: @Sendable () -> Void
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    func run() async throws {
        reportServiceStarted()
        try? await gracefulShutdown()
        action()
    }
}
