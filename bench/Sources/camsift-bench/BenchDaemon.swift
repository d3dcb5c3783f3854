#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// The real `camsift run` binary against a `BenchFarm`, as the pipeline and soak benches start it: a registry
/// of N snapshot cameras behind the farm's nginx aggregator plus M MJPEG streams (and any extra camera files),
/// a config with a free metrics port, the classification log, and /proc + /metrics sampling.
final class BenchDaemon {
    let dir: String
    let log: String
    let metricsPort: Int
    let process = Process()
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    struct Setup {
        var cameras = 1000
        var mjpeg = 0
        var interval = 10.0
        var bin = ".build/release/camsift"
        /// The ImageNet EfficientNet-Lite0 model file; linked as `MODELS/imagenet.csm` in a private models
        /// directory, so bundles a retrain promotes never land in the repository's weights/.
        var imagenet = "weights/effnet-lite0-imagenet.csm"
        /// Labeled archive for retraining (`ARCHIVE/<label>/*.jpg`); nil = an empty one.
        var archive: String?
        /// Extra registry files: file name → JSON.
        var extraCameras: [String: String] = [:]
        var computeThreads = 1
        var decodeThreads = 1
        /// A trained bundle directory to serve (copied to `MODELS/bundles/bench`, `current` pointing at it);
        /// nil serves the ImageNet model.
        var bundle: String?

        init() {}

        /// What every daemon bench sets: how many cameras (of them `mjpeg` MJPEG), their interval, the binary, the
        /// ImageNet model and the compute threads.
        init(cameras: Int, mjpeg: Int = 0, interval: Double, bin: String, imagenet: String, computeThreads: Int = 1) {
            self.cameras = cameras
            self.mjpeg = mjpeg
            self.interval = interval
            self.bin = bin
            self.imagenet = imagenet
            self.computeThreads = computeThreads
        }
    }

    init(farm: BenchFarm, _ s: Setup) throws {
        dir = farm.dir + "/daemon"
        log = dir + "/classifications.jsonl"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/cameras", withIntermediateDirectories: true)
        let snapshots = s.cameras - s.mjpeg - s.extraCameras.count
        let ids = (0..<snapshots).map { "{\"id\": \"\(String(format: "%05d", $0))\"}" }.joined(separator: ",\n")
        try """
            {"aggregator": "bench", "kind": "snapshot", "urlTemplate": "http://127.0.0.1:\(farm.nginxPort)/agg/{id}.jpg",
             "interval": \(s.interval), "cameras": [\(ids)]}
            """.write(toFile: dir + "/cameras/aggregator.json", atomically: true, encoding: .utf8)
        for i in 0..<s.mjpeg {
            try "{\"id\": \"mjpeg-\(i)\", \"kind\": \"mjpeg\", \"url\": \"\(farm.mjpegURL(i))\", \"interval\": \(s.interval)}"
                .write(toFile: dir + "/cameras/mjpeg-\(i).json", atomically: true, encoding: .utf8)
        }
        for (name, json) in s.extraCameras {
            try json.write(toFile: dir + "/cameras/" + name, atomically: true, encoding: .utf8)
        }
        metricsPort = try BenchFarm.freePort()
        let models = dir + "/models"
        try fm.createDirectory(atPath: models, withIntermediateDirectories: true)
        try? fm.removeItem(atPath: models + "/imagenet.csm")
        try fm.createSymbolicLink(atPath: models + "/imagenet.csm",
                                  withDestinationPath: URL(fileURLWithPath: s.imagenet).standardizedFileURL.path)
        if let bundle = s.bundle {
            try? fm.removeItem(atPath: models + "/bundles")
            try? fm.removeItem(atPath: models + "/current")
            try fm.createDirectory(atPath: models + "/bundles", withIntermediateDirectories: true)
            try fm.copyItem(atPath: bundle, toPath: models + "/bundles/bench")
            try fm.createSymbolicLink(atPath: models + "/current", withDestinationPath: "bundles/bench")
        }
        let archive = s.archive ?? dir + "/archive"
        try """
            {"cameras": "\(dir)/cameras", "log": "\(log)", "state": "\(dir)/state", "archive": "\(archive)",
             "models": "\(models)", "metrics": "127.0.0.1:\(metricsPort)",
             "computeThreads": \(s.computeThreads), "decodeThreads": \(s.decodeThreads)}
            """.write(toFile: dir + "/camsift.json", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: s.bin)
        process.arguments = ["run", "--config", dir + "/camsift.json"]
        process.standardError = FileHandle(forWritingAtPath: dir + "/daemon.stderr") ?? {
            fm.createFile(atPath: dir + "/daemon.stderr", contents: nil)
            return FileHandle(forWritingAtPath: dir + "/daemon.stderr")
        }()
        var env = ProcessInfo.processInfo.environment
        env["CAMSIFT_LOG_LEVEL"] = "notice"
        process.environment = env
        try process.run()
    }

    func sample() -> Sample { Sample.take(pid: pid, log: log, metricsPort: metricsPort) }

    func metrics() -> [String: Double] { Metrics.scrape(port: metricsPort) }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// SIGTERM and wait (bounded); returns the exit status, or nil when it had to be killed.
    func stop(timeout: Double = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        let t0 = Date()
        while process.isRunning && Date().timeIntervalSince(t0) < timeout { usleep(50_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }
}

/// One observation of the running daemon.
struct Sample {
    var time: Double
    var cpuSeconds: Double
    var rssKB: Int
    var logBytes: Int
    var lines: Int
    var queue: Double
    var dropped: Double
    var framesIn: Double
    /// The whole /metrics scrape this sample was taken from.
    var metrics: [String: Double]

    static func take(pid: Int32, log: String, metricsPort: Int) -> Sample {
        let procStat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let fields = procStat.split(separator: ")").last?.split(separator: " ") ?? []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpu = fields.count > 13 ? ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks : 0
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        var st = stat()
        let size = stat(log, &st) == 0 ? Int(st.st_size) : 0
        let m = Metrics.scrape(port: metricsPort)
        return Sample(time: Timestamp.now(), cpuSeconds: cpu, rssKB: rss, logBytes: size, lines: LogWindow.countLines(log),
                      queue: (m["camsift_queue_depth"] ?? 0) + (m["camsift_cascade_queue_depth"] ?? 0), dropped: m.filter { $0.key.hasPrefix("camsift_frames_dropped_total") }.values.reduce(0, +),
                      framesIn: m.filter { $0.key.hasPrefix("camsift_camera_frames_total") }.values.reduce(0, +), metrics: m)
    }
}
