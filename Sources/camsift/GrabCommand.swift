#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Ingest
import Pipeline
import Registry

/// `camsift grab CAMERA|URL --frames N --out DIR`: runs the real ingest path for one camera and saves the
/// sampled frames' original JPEG bytes, for debugging a camera before (or after) adding it to the registry.
enum GrabCommand: CamsiftCommand {
    static let name = "grab"
    static let abstract = "save frames from one camera"
    static let defaultTimeout = 60.0
    static let arguments = "CAMERA|URL"
    static let argumentHelp = [
        (name: "CAMERA", help: "a camera id from the registry directory (--cameras)"),
        (name: "URL", help: "an http(s) camera URL; its kind is probed unless --kind is given"),
    ]
    static let options: [OptionSpec] = [
        .value("frames", "N", "frames to save (N > 0)", required: true),
        .value("out", "DIR", "directory the JPEG files are written to (created when missing)", required: true),
        .configPath("cameras", "DIR", "registry directory CAMERA is looked up in", default: CamsiftConfig().cameras),
        .config("to take \"cameras\" from (only for a CAMERA id)"),
        .value("kind", "mjpeg|snapshot", "the kind of a URL camera", default: "probed"),
        .value("interval", "S", "seconds between saved frames", default: "the camera's interval, 1 for a URL"),
        .value("timeout", "S", "give up after this many seconds", default: "\(Int(defaultTimeout))"),
        .flag("no-filter", "also save frames the bad-frame filter would reject (black, frozen, placeholder)"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.count == 1 else { throw UsageError("give exactly one CAMERA id or URL") }
        guard let frames = try a.int("frames"), frames > 0 else { throw UsageError("option '--frames N' (N > 0) is required") }
        guard let out = a.value("out") else { throw UsageError("option '--out DIR' is required") }
        let timeout = try a.double("timeout") ?? defaultTimeout
        var camera: Camera
        do {
            camera = try await resolveCamera(a.positionals[0], a)
        } catch let e as PipelineError {
            Console.error("camsift grab: \(e)")
            return ExitStatus.config
        }
        if let iv = try a.double("interval") {
            guard iv >= 0 else { throw UsageError("option '--interval' must be >= 0") }
            camera.interval = iv
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            Console.error("camsift grab: cannot create --out directory '\(out)': \(error)")
            return ExitStatus.config
        }
        var options = IngestOptions()
        options.keepJPEG = true
        if a.flag("no-filter") {
            options.filter.minLumaStdDev = 0
            options.filter.maxDominantFraction = 1.01
            options.filter.frozenRepeats = 1 << 30
            options.filter.placeholderRuns = 1 << 30
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Frame.self, bufferingPolicy: .bufferingNewest(64))
        let runtime = try IngestRuntime(options: options, sink: StreamSink(continuation: continuation))
        let worker = runtime.makeWorker(for: camera)
        worker.start()
        let deadline = Task {
            try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
            continuation.finish()
        }
        var saved = 0
        for await frame in stream {
            guard let jpeg = frame.jpeg else { continue }
            let path = "\(out)/\(camera.id)-\(String(format: "%04d", saved + 1)).jpg"
            do {
                try Data(jpeg).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                Console.error("camsift grab: cannot write \(path): \(error)")
                break
            }
            saved += 1
            Console.error("grab: \(path) (\(jpeg.count) bytes)")
            if saved >= frames { break }
        }
        deadline.cancel()
        let health = worker.health()
        await worker.stop()
        await runtime.shutdown()
        guard saved >= frames else {
            Console.error("camsift grab: saved \(saved) of \(frames) frames from '\(camera.id)' within \(Int(timeout)) s; "
                          + "camera state \(health.state.rawValue)\(health.lastError.map { ": \($0)" } ?? ""); "
                          + "rejected: \(health.rejects.isEmpty ? "none" : health.rejects.description)")
            return ExitStatus.unavailable
        }
        return ExitStatus.ok
    }

    private static func resolveCamera(_ arg: String, _ a: CommandLineArguments) async throws -> Camera {
        if arg.contains("://") {
            var kind = a.value("kind").flatMap(CameraKind.init(rawValue:))
            if a.value("kind") != nil && kind == nil {
                throw UsageError("option '--kind' must be one of \(CameraKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if kind == nil {
                let prober = try CameraProber()
                let r = await prober.probe(arg)
                await prober.shutdown()
                kind = r.first?.kind
                guard kind != nil else {
                    throw UsageError("\(URLRedaction.redact(arg)) serves neither MJPEG nor a JPEG snapshot "
                                     + "(\(r.first?.error ?? "no answer")); pass --kind if you know better")
                }
            }
            return Camera(id: "grab", kind: kind!, url: arg, interval: 1)
        }
        // The registry directory the daemon would use: --cameras, else the config's (read as `camsift run` does).
        let dir = try a.configuration(.init(cameras: a.value("cameras"))).cameras
        let snapshot = RegistryLoader.load(directory: dir, previous: nil)
        guard let c = snapshot.cameras[arg] else {
            let known = snapshot.cameras.keys.sorted().prefix(5).joined(separator: ", ")
            throw UsageError("no camera '\(arg)' in registry directory '\(dir)'"
                             + (known.isEmpty ? " (it holds no valid cameras; run `camsift validate \(dir)`)" : " (e.g. \(known))"))
        }
        return c
    }
}

/// Bridges the never-blocking FrameSink into an AsyncStream that keeps the newest frames.
private final class StreamSink: FrameSink {
    let continuation: AsyncStream<Frame>.Continuation
    init(continuation: AsyncStream<Frame>.Continuation) { self.continuation = continuation }
    func submit(_ frame: Frame) { continuation.yield(frame) }
}
