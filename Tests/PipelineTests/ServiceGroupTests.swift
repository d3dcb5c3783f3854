import Foundation
@testable import Pipeline
import Testing

@Suite("ServiceGroup: ordered start, reverse stop, failures, deadlines")
struct ServiceGroupTests {
    static func seconds(since t0: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - t0
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    @Test("starts in order, each once the one before reported started; stops in reverse order on the stop request")
    func orderedStartReverseStop() async throws {
        let log = EventLog()
        let requests = DaemonRequests()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log, startDelay: 0.1)),
            .init("c", ProbeService(name: "c", log: log)),
        ], stopRequests: requests)
        let run = Task { try await group.run() }
        #expect(await waitFor { log.all.contains("c started") })
        #expect(log.all == ["a starting", "a started", "b starting", "b started", "c starting", "c started"])
        requests.stop("test")
        try await run.value
        #expect(Array(log.all.dropFirst(6)) == ["c stopping", "c stopped", "b stopping", "b stopped", "a stopping", "a stopped"])
    }

    @Test("a service that throws stops the group: the others shut down in reverse order and run() rethrows")
    func failureStopsTheGroup() async throws {
        let log = EventLog()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log, failAfter: 0.1)),
            .init("c", ProbeService(name: "c", log: log)),
        ])
        await #expect(throws: ProbeError(service: "b")) { try await group.run() }
        let all = log.all
        #expect(all.contains("b failed"))
        #expect(!all.contains("b stopping"), "the failed service is not asked again")
        let cStopped = try #require(all.firstIndex(of: "c stopped"))
        let aStopping = try #require(all.firstIndex(of: "a stopping"))
        #expect(cStopped < aStopping, "reverse order: c, then a")
        #expect(all.last == "a stopped")
    }

    @Test("a service failing at start-up: later ones never start, earlier ones stop, run() rethrows")
    func startupFailure() async throws {
        let log = EventLog()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log, failOnStart: true)),
            .init("c", ProbeService(name: "c", log: log)),
        ])
        await #expect(throws: ProbeError(service: "b")) { try await group.run() }
        #expect(log.all == ["a starting", "a started", "b starting", "b failed", "a stopping", "a stopped"])
    }

    @Test("a service that overruns its deadline is cancelled and abandoned; the rest still stop, in time")
    func deadlines() async throws {
        let log = EventLog()
        let requests = DaemonRequests()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log), shutdownDeadline: 1),
            .init("slow", ProbeService(name: "slow", log: log, hangOnStop: 300), shutdownDeadline: 0.3),
            .init("c", ProbeService(name: "c", log: log, hangOnStop: 0.05), shutdownDeadline: 1),
        ], stopRequests: requests)
        let run = Task { try await group.run() }
        #expect(await waitFor { log.all.contains("c started") })
        let t0 = ContinuousClock.now
        requests.stop("test")
        try await run.value
        let took = Self.seconds(since: t0)
        // Generous upper bound: other suites may keep the pool busy (a loaded 2-core box took over 15 s); what
        // matters is not waiting the slow one's 300 s.
        #expect(took >= 0.3 && took < 90, "waited for the slow one's 0.3 s deadline only (took \(took) s)")
        let all = log.all
        #expect(all.contains("c stopped"), "a service within its deadline is waited for")
        #expect(all.contains("slow stopping") && !all.contains("slow stopped"), "the slow one was left behind")
        #expect(all.last == "a stopped", "the services before it still stop")
    }

    @Test("a stop during start-up: the starting service stops once up, later ones never start")
    func stopDuringStartup() async throws {
        let log = EventLog()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log, startDelay: 0.3)),
            .init("c", ProbeService(name: "c", log: log)),
        ])
        let run = Task { try await group.run() }
        #expect(await waitFor { log.all.contains("b starting") })
        group.triggerGracefulShutdown(reason: "test")
        try await run.value
        #expect(log.all == ["a starting", "a started", "b starting", "b started", "b stopping", "b stopped",
                            "a stopping", "a stopped"])
    }

    @Test("a stop requested before run(): the group stops right after starting its first service")
    func stopBeforeRun() async throws {
        let log = EventLog()
        let requests = DaemonRequests()
        requests.stop("early")
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log)),
        ], stopRequests: requests)
        try await group.run()
        #expect(!log.all.contains("b starting"))
        #expect(log.all.last == "a stopped")
    }

    @Test("a service that returns before the stop is a failure: the group stops and run() throws")
    func earlyReturn() async throws {
        let log = EventLog()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log, returnAfter: 0.05)),
        ])
        await #expect {
            try await group.run()
        } throws: { e in
            (e as? PipelineError)?.code == .unavailable && "\(e)".contains("b ended")
        }
        #expect(log.all.last == "a stopped")
    }

    @Test("cancelling the task that runs the group cancels every service and still waits for them")
    func cancellation() async throws {
        let log = EventLog()
        let group = ServiceGroup([
            .init("a", ProbeService(name: "a", log: log)),
            .init("b", ProbeService(name: "b", log: log)),
        ])
        let run = Task { try await group.run() }
        #expect(await waitFor { log.all.contains("b started") })
        run.cancel()
        try await run.value
        let all = log.all
        #expect(all.contains("a stopped") && all.contains("b stopped"))
        #expect(all.firstIndex(of: "b stopped")! < all.firstIndex(of: "a stopped")!)
    }

    @Test("a group runs once")
    func runsOnce() async throws {
        let group = ServiceGroup([])
        group.triggerGracefulShutdown(reason: "test")
        try await group.run()
        await #expect(throws: PipelineError.self) { try await group.run() }
    }

    @Test("cancelWhenGracefulShutdown ends a sleep loop on shutdown; gracefulShutdown() outside a group waits for cancellation")
    func helpers() async throws {
        let log = EventLog()
        struct Loop: Service {
            let log: EventLog
            func run() async throws {
                reportServiceStarted()
                do {
                    try await cancelWhenGracefulShutdown {
                        while true { try await Task.sleep(for: .milliseconds(10)) }
                    }
                } catch is CancellationError {
                    log.add("loop ended")
                }
                log.add("shutting down: \(Task.isShuttingDownGracefully)")
            }
        }
        let group = ServiceGroup([.init("loop", Loop(log: log))])
        let run = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(50))
        group.triggerGracefulShutdown(reason: "test")
        try await run.value
        #expect(log.all == ["loop ended", "shutting down: true"])

        let outside = Task { try await gracefulShutdown() }
        outside.cancel()
        await #expect(throws: CancellationError.self) { try await outside.value }
    }
}
