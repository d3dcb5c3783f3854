#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
@testable import Pipeline
import Synchronization
import Testing

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
        let log = try ClassificationLogWriter(path: config.log)
        let daemon = Daemon(options: options, factory: RecordingFactory(), notifier: try SystemdNotifier(address: nil),
                            log: log)
        let flags = StopTestFlags()
        // The drain hook stands in for the pipeline finishing its last batch: the log must still take it.
        daemon.setHooks { $0.drain = { flags.drained.store(log.append(record(camera: "drain")), ordering: .relaxed) } }
        let run = Task { try await daemon.run() }
        #expect(await waitFor { daemon.runningCameraIDs.count == 20 })

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
        daemon.requests.stop("SIGTERM")
        #expect(try await run.value == 0)
        // Keep writing briefly after the close: those appends must fail cleanly, not reach the file.
        let afterClose = flags.attempts.load(ordering: .relaxed)
        #expect(await waitFor { flags.attempts.load(ordering: .relaxed) > afterClose + 100 } == true)
        flags.stop.store(true, ordering: .relaxed)
        group.wait()

        let drained = flags.drained.load(ordering: .relaxed)
        #expect(drained, "the drain hook runs, and before the log closes")
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
}
