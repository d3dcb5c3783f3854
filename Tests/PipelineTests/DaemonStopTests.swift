#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
@testable import Pipeline
import Synchronization
import Testing
import Serving

/// Shared counters for the writer threads (atomics must live in a class to be captured).
final class StopTestFlags: Sendable {
    let stop = Atomic<Bool>(false)
    let attempts = Atomic<Int>(0)
    let drained = Atomic<Bool>(false)
}

@Suite("Daemon stop while the log is being written")
struct DaemonStopTests {
    @Test("stop (the SIGTERM path) closes the log under 8 writer threads: every line on disk is whole")
    func stopUnderWriters() async throws {
        let dir = TempDir("camsift-stop")
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.file("cameras"), withIntermediateDirectories: true)
        for i in 0..<20 { writeCamera(dir.file("cameras"), id: "cam-\(i)") }
        var config = CamsiftConfig()
        config.cameras = dir.file("cameras")
        config.state = dir.file("state")
        config.log = dir.file("log.jsonl")
        var options = DaemonOptions(config: config)
        options.watchRegistry = false
        options.usePIDFile = true
        let log = try ClassificationLogWriter(path: config.log)
        let fleet = CameraFleet(options: options, factory: RecordingFactory(), notifier: try SystemdNotifier(address: nil),
                                log: log)
        let flags = StopTestFlags()
        // The drain service stands in for the pipeline finishing its last batch: the log must still take it.
        let services = ServiceGroup([
            .init("pid file", PIDFileService(stateDirectory: config.state)),
            .init("classification log", ClassificationLogService(log: log)),
            .init("drain", OnShutdown { flags.drained.store(log.append(record(camera: "drain")), ordering: .relaxed) }),
            .init("cameras", fleet),
        ], stopRequests: fleet.requests)
        let run = Task { try await services.run() }
        #expect(await waitFor { fleet.runningCameraIDs.count == 20 })

        // Writers keep appending through the stop and after the close, like a pipeline that has not noticed.
        let group = DispatchGroup()
        for t in 0..<8 {
            group.enter()
            Thread {
                var i = 0
                while !flags.stop.load(ordering: .relaxed) {
                    log.append(record(camera: "cam-\(t)", label: "l\(i)", seq: i, extraTop: i % 200))
                    flags.attempts.add(1, ordering: .relaxed)
                    i += 1
                }
                group.leave()
            }.start()
        }
        #expect(await waitFor { flags.attempts.load(ordering: .relaxed) > 2000 } == true)
        fleet.requests.stop("SIGTERM")
        try await run.value
        // Keep writing briefly after the close: those appends must fail cleanly, not reach the file.
        let afterClose = flags.attempts.load(ordering: .relaxed)
        #expect(await waitFor { flags.attempts.load(ordering: .relaxed) > afterClose + 100 } == true)
        flags.stop.store(true, ordering: .relaxed)
        group.wait()

        let drained = flags.drained.load(ordering: .relaxed)
        #expect(drained, "the drain service stops before the log closes")
        let stats = log.stats
        #expect(stats.failedLines > 0, "appends after close are refused and counted")
        let bytes = fileBytes(config.log)
        #expect(bytes.last == 0x0A, "the file ends at a line end")
        let lines = readLines(config.log)
        #expect(lines.count == stats.lines)
        let dec = JSONDecoder()
        var bad = 0
        for l in lines where (try? dec.decode(ClassificationRecord.self, from: Data(l.utf8))) == nil { bad += 1 }
        #expect(bad == 0)
        #expect(lines.contains { $0.contains("\"camera\":\"drain\"") })
        #expect(!FileManager.default.fileExists(atPath: PIDFile.path(inStateDirectory: config.state)))
    }

    @Test("the daemon's services: READY=1 once the cameras run; on stop STOPPING=1, then workers, drain, ingest, log, pid file")
    func serviceOrder() async throws {
        let dir = TempDir("camsift-lineup")
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.file("cameras"), withIntermediateDirectories: true)
        for i in 0..<10 { writeCamera(dir.file("cameras"), id: "cam-\(i)") }
        var config = CamsiftConfig()
        config.cameras = dir.file("cameras")
        config.state = dir.file("state")
        config.log = dir.file("log.jsonl")
        config.batch = 4
        config.maxWaitMs = 5
        var options = DaemonOptions(config: config)
        options.stateInterval = 0.2
        let notify = NotifyListener(directory: dir.path)
        let notifier = try SystemdNotifier(address: notify.address)
        let log = try ClassificationLogWriter(path: config.log)
        let factory = RecordingFactory()
        let progress = PipelineProgress()
        // A slow model, so frames are still queued when the stop begins: the drain has real work.
        let pipeline = LivePipeline(config: config, classifier: BrightnessClassifier(version: "v1", delay: 0.05),
                                    log: log, progress: progress)
        let fleet = CameraFleet(options: options, factory: factory, notifier: notifier, log: log, progress: progress)
        let order = EventLog()
        let budget = options.stopBudget
        let group = ServiceGroup([
            .init("pid file", PIDFileService(stateDirectory: config.state)),
            .init("classification log", ClassificationLogService(log: log)),
            .init("ingest", IngestService(factory: factory), shutdownDeadline: budget.ingest),
            .init("after drain", OnShutdown {
                order.add("drained: \(log.stats.lines) lines, ingest shut down \(factory.shutdowns.load(ordering: .relaxed))")
            }),
            .init("inference", pipeline.engine, shutdownDeadline: budget.drain),
            .init("after cameras", OnShutdown {
                let stopped = factory.all.filter { $0.stopped.load(ordering: .relaxed) == 1 }.count
                order.add("workers stopped: \(stopped)")
            }),
            .init("cameras", fleet, shutdownDeadline: budget.workers),
            .init("housekeeper", Housekeeper(fleet: fleet)),
        ], stopRequests: fleet.requests)
        let run = Task { try await group.run() }
        let ready = await receive(notify, until: { $0 == "READY=1" })
        #expect(ready.all.first == "READY=1", "READY=1 comes first: \(ready.all)")
        #expect(fleet.runningCameraIDs.count == 10, "READY=1 only once every camera runs")
        #expect(PIDFile.probe(PIDFile.path(inStateDirectory: config.state)) == .running(pid: getpid()))

        for i in 0..<24 { pipeline.sink.submit(makeFrame(camera: "cam-\(i % 10)", value: UInt8(i * 10), textured: true)) }
        fleet.requests.stop("SIGTERM")
        let stopping = await receive(notify, until: { $0 == "STOPPING=1" })
        #expect(stopping.matched != nil, "\(stopping.all)")
        try await run.value

        let expected = 24 - pipeline.batcher.statistics.dropped
        #expect(readLines(config.log).count == expected, "every frame accepted before the stop is classified")
        #expect(order.all == ["workers stopped: 10", "drained: \(expected) lines, ingest shut down 0"])
        #expect(factory.shutdowns.load(ordering: .relaxed) == 1)
        #expect(!log.append(record(camera: "late")), "the log is closed")
        #expect(PIDFile.probe(PIDFile.path(inStateDirectory: config.state)) == .absent)
    }
}

/// `NotifyListener.receive(until:timeout:)` without holding a cooperative thread: the daemon under test needs
/// the pool (two threads on a two-core box) to get to the message.
func receive(_ listener: NotifyListener, until done: (String) -> Bool, timeout: Double = 180) async
    -> (matched: String?, all: [String])
{
    let deadline = Date().addingTimeInterval(timeout)
    var all: [String] = []
    while Date() < deadline {
        if let m = listener.receive(timeout: 0.001) {
            all.append(m)
            if done(m) { return (m, all) }
            continue
        }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return (nil, all)
}
