#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
@testable import Pipeline
import Registry
import Synchronization
import Testing
import Serving

/// Records every worker it makes and what happened to it.
final class RecordingFactory: CameraWorkerFactory {
    final class Worker: CameraWorker {
        let camera: Camera
        let started = Atomic<Int>(0)
        let stopped = Atomic<Int>(0)
        init(camera: Camera) { self.camera = camera }
        func start() { started.add(1, ordering: .relaxed) }
        func stop() async { stopped.add(1, ordering: .relaxed) }
        func health() -> CameraHealth {
            var h = CameraHealth(id: camera.id, kind: camera.kind, state: .online)
            h.framesDelivered = 10
            return h
        }
    }

    let made = Mutex<[Worker]>([])
    let shutdowns = Atomic<Int>(0)

    func makeWorker(for camera: Camera) -> any CameraWorker {
        let w = Worker(camera: camera)
        made.withLock { $0.append(w) }
        return w
    }

    func shutdown() async { shutdowns.add(1, ordering: .relaxed) }

    var all: [Worker] { made.withLock { $0 } }
}

@Suite("Daemon reload semantics")
struct DaemonReloadTests {
    struct Fixture {
        let dir = TempDir("camsift-daemon")
        let factory = RecordingFactory()
        let fleet: CameraFleet
        var cameras: String { dir.file("cameras") }

        init(shard: ShardSpec? = nil, usePIDFile: Bool = false, setup: (String) -> Void) throws {
            // A throwing init leaves the caller no `f.dir` to clean up: remove it here unless the fleet was made.
            let temp = dir
            var made = false
            defer { if !made { temp.cleanup() } }
            try FileManager.default.createDirectory(atPath: dir.file("cameras"), withIntermediateDirectories: true)
            setup(dir.file("cameras"))
            var config = CamsiftConfig()
            config.cameras = dir.file("cameras")
            config.state = dir.file("state")
            config.log = dir.file("log.jsonl")
            var options = DaemonOptions(config: config, shard: shard)
            options.watchRegistry = false
            options.usePIDFile = usePIDFile
            options.stateInterval = 0.2
            fleet = CameraFleet(options: options, factory: factory, notifier: try SystemdNotifier(address: nil),
                                log: try ClassificationLogWriter(path: config.log))
            made = true
        }

        func id(_ camera: String) -> ObjectIdentifier? { fleet.worker(for: camera).map { ObjectIdentifier($0) } }
    }

    @Test("added start, removed stop, changed restart, unchanged keep the very same worker object")
    func diffApplied() async throws {
        let f = try Fixture { dir in
            for i in 0..<50 { writeCamera(dir, id: "cam-\(i)") }
        }
        defer { f.dir.cleanup() }
        try await f.fleet.start()
        #expect(f.fleet.runningCameraIDs.count == 50)
        let before = Dictionary(uniqueKeysWithValues: (0..<50).map { ("cam-\($0)", f.id("cam-\($0)")!) })
        let oldChanged = f.fleet.worker(for: "cam-1") as! RecordingFactory.Worker
        let oldRemoved = f.fleet.worker(for: "cam-2") as! RecordingFactory.Worker

        writeCamera(f.cameras, id: "cam-1", interval: 30)  // changed
        unlink(f.cameras + "/cam-2.json")  // removed
        writeCamera(f.cameras, id: "cam-new")  // added
        let s = await f.fleet.reload(reason: "test")

        #expect(s.started == 1 && s.stopped == 1 && s.restarted == 1 && s.kept == 48)
        #expect(f.fleet.runningCameraIDs == Set((0..<50).map { "cam-\($0)" }).subtracting(["cam-2"]).union(["cam-new"]))
        for i in 3..<50 { #expect(f.id("cam-\(i)") == before["cam-\(i)"], "cam-\(i) was touched") }
        #expect(f.id("cam-0") == before["cam-0"])
        #expect(f.id("cam-1") != before["cam-1"])
        #expect(f.fleet.worker(for: "cam-1")?.camera.interval == 30)
        #expect(oldChanged.stopped.load(ordering: .relaxed) == 1)
        #expect(oldRemoved.stopped.load(ordering: .relaxed) == 1)
        // Untouched means untouched: no unchanged worker was stopped or started again.
        for w in f.factory.all where w.camera.id != "cam-1" && w.camera.id != "cam-2" {
            #expect(w.stopped.load(ordering: .relaxed) == 0)
            #expect(w.started.load(ordering: .relaxed) == 1)
        }
        await f.fleet.stop()
        #expect(f.factory.all.allSatisfy { $0.stopped.load(ordering: .relaxed) == 1 })
        #expect(f.factory.shutdowns.load(ordering: .relaxed) == 0, "ingest's shutdown is IngestService's, later")
    }

    @Test("an invalid file is reported and its camera keeps running with the last valid definition")
    func invalidFileKeepsOldDefinition() async throws {
        let f = try Fixture { dir in
            writeCamera(dir, id: "good")
            writeCamera(dir, id: "edited", interval: 7)
        }
        defer { f.dir.cleanup() }
        try await f.fleet.start()
        let keep = f.id("edited")
        let goodID = f.id("good")
        FileManager.default.createFile(atPath: f.cameras + "/edited.json", contents: Data("{\"id\": \"edited\", ".utf8))
        writeCamera(f.cameras, id: "fresh")
        let s = await f.fleet.reload(reason: "test")
        #expect(s.problems >= 1)
        #expect(f.fleet.problems.contains { $0.contains("edited.json") })
        #expect(f.id("edited") == keep, "the camera of the broken file keeps its worker")
        #expect(f.fleet.camera("edited")?.interval == 7)
        #expect(f.id("good") == goodID)
        #expect(f.fleet.runningCameraIDs.contains("fresh"), "the rest of the registry loads")
        // Fixing the file applies the new definition.
        writeCamera(f.cameras, id: "edited", interval: 9)
        await f.fleet.reload(reason: "test")
        #expect(f.id("edited") != keep)
        #expect(f.fleet.worker(for: "edited")?.camera.interval == 9)
        await f.fleet.stop()
    }

    @Test("disabled cameras get no worker; enabling starts one, disabling stops it")
    func enabledFlag() async throws {
        let f = try Fixture { dir in
            writeCamera(dir, id: "on")
            writeCamera(dir, id: "off", enabled: false)
        }
        defer { f.dir.cleanup() }
        try await f.fleet.start()
        #expect(f.fleet.runningCameraIDs == ["on"])
        let health = f.fleet.health()
        #expect(health.registered == 2)
        #expect(health.cameras.first { $0.id == "off" }?.state == .disabled)
        writeCamera(f.cameras, id: "on", enabled: false)
        writeCamera(f.cameras, id: "off", enabled: true)
        let s = await f.fleet.reload(reason: "test")
        #expect(f.fleet.runningCameraIDs == ["off"])
        #expect(s.started == 1 && s.stopped == 1)
        await f.fleet.stop()
    }

    @Test("a shard runs only its cameras, and the shards together run all of them")
    func sharding() async throws {
        var union: Set<String> = []
        var total = 0
        for k in 1...3 {
            let f = try Fixture(shard: ShardSpec(index: k, count: 3)) { dir in
                for i in 0..<60 { writeCamera(dir, id: "cam-\(i)") }
            }
            defer { f.dir.cleanup() }
            try await f.fleet.start()
            let ids = f.fleet.runningCameraIDs
            #expect(!ids.isEmpty && ids.count < 60)
            total += ids.count
            union.formUnion(ids)
            await f.fleet.stop()
        }
        #expect(total == 60)
        #expect(union.count == 60)
    }

    @Test("state file: per-camera health written atomically while running; pid file removed on stop")
    func stateFile() async throws {
        let f = try Fixture(usePIDFile: true) { dir in
            for i in 0..<5 { writeCamera(dir, id: "cam-\(i)") }
        }
        defer { f.dir.cleanup() }
        let stateDir = f.dir.file("state")
        let group = ServiceGroup([
            .init("pid file", PIDFileService(stateDirectory: stateDir)),
            .init("cameras", f.fleet),
            .init("housekeeper", Housekeeper(fleet: f.fleet)),
        ], stopRequests: f.fleet.requests)
        let run = Task { try await group.run() }
        #expect(await waitFor { PIDFile.probe(PIDFile.path(inStateDirectory: stateDir)) == .running(pid: getpid()) })
        #expect(await waitFor { (try? DaemonStateFile.read(stateDirectory: stateDir))?.cameras.count == 5 })
        let s = try DaemonStateFile.read(stateDirectory: stateDir)
        #expect(s.pid == getpid())
        #expect(s.registered == 5)
        #expect(s.cameras.map(\.id) == (0..<5).map { "cam-\($0)" })
        #expect(s.cameras.allSatisfy { $0.state == .online && $0.framesDelivered == 10 })
        f.fleet.requests.stop("test")
        try await run.value
        #expect(PIDFile.probe(PIDFile.path(inStateDirectory: stateDir)) == .absent)
    }

    @Test("a missing cameras directory is a config error naming it and the flag")
    func missingRegistry() async throws {
        let f = try Fixture { _ in }
        defer { f.dir.cleanup() }
        rmdir(f.cameras)
        await #expect {
            try await f.fleet.start()
        } throws: { e in
            (e as? PipelineError)?.code == .config && "\(e)".contains(f.cameras) && "\(e)".contains("--cameras")
        }
    }

    @Test("a missing cameras directory fails the group with that config error; nothing is left running")
    func missingRegistryInGroup() async throws {
        let f = try Fixture { _ in }
        defer { f.dir.cleanup() }
        rmdir(f.cameras)
        let group = ServiceGroup([.init("cameras", f.fleet)], stopRequests: f.fleet.requests)
        await #expect {
            try await group.run()
        } throws: { e in
            (e as? PipelineError)?.code == .config && "\(e)".contains(f.cameras)
        }
    }

    @Test("run(): requests drive reloads; the stop request ends the group and stops every worker")
    func runLoop() async throws {
        let f = try Fixture { dir in writeCamera(dir, id: "a") }
        defer { f.dir.cleanup() }
        let fleet = f.fleet
        let group = ServiceGroup([.init("cameras", fleet)], stopRequests: fleet.requests)
        let task = Task { try await group.run() }
        #expect(await waitFor { fleet.runningCameraIDs == ["a"] })
        writeCamera(f.cameras, id: "b")
        fleet.requests.reload("test")
        fleet.requests.reload("test")  // coalesced with the first while it is pending
        #expect(await waitFor { fleet.runningCameraIDs == ["a", "b"] })
        fleet.requests.stop("test")
        try await task.value
        #expect(fleet.runningCameraIDs.isEmpty)
        #expect(f.factory.all.allSatisfy { $0.stopped.load(ordering: .relaxed) == 1 })
    }

    @Test("retrain requests go to the RetrainTrigger, one call per request")
    func retrainRequests() async throws {
        let trigger = RecordingTrigger()
        let dir = TempDir("camsift-daemon")
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.file("cameras"), withIntermediateDirectories: true)
        var config = CamsiftConfig()
        config.cameras = dir.file("cameras")
        config.log = dir.file("log.jsonl")
        var options = DaemonOptions(config: config)
        options.usePIDFile = false
        let fleet = CameraFleet(options: options, factory: RecordingFactory(), notifier: try SystemdNotifier(address: nil),
                                log: try ClassificationLogWriter(path: config.log), retrain: trigger)
        let group = ServiceGroup([.init("cameras", fleet)], stopRequests: fleet.requests)
        let task = Task { try await group.run() }
        fleet.requests.retrain()
        #expect(await waitFor { trigger.reasons.count == 1 })
        fleet.requests.retrain()
        #expect(await waitFor { trigger.reasons.count == 2 })
        #expect(trigger.reasons == ["SIGUSR1", "SIGUSR1"])
        fleet.requests.stop("test")
        try await task.value
    }
}

final class RecordingTrigger: RetrainTrigger {
    let calls = Mutex<[String]>([])
    func requestRetrain(reason: String) { calls.withLock { $0.append(reason) } }
    var reasons: [String] { calls.withLock { $0 } }
}
