#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore

/// The process's ingest: one libcurl multi loop thread for every HTTP camera, one small decode pool, and one
/// worker per camera (HTTP kinds on the loop; rtmp/stream kinds on their own FFmpeg threads).
public final class IngestRuntime: CameraWorkerFactory {
    public let options: IngestOptions
    let context: HTTPContext

    public init(options: IngestOptions, sink: any FrameSink) throws {
        try options.validate()
        self.options = options
        Self.raiseOpenFileLimit()
        let loop = try CurlLoop(options: options)
        context = HTTPContext(loop: loop, decoder: DecodePool(options: options), options: options, sink: sink)
    }

    public func makeWorker(for camera: Camera) -> any CameraWorker {
        switch camera.kind {
        case .mjpeg: MJPEGWorker(camera: camera, context: context)
        case .snapshot: SnapshotWorker(camera: camera, context: context)
        case .rtmp, .stream: makeStreamWorker(for: camera)
        }
    }

    /// Decode-stage counters (decoded, rejected, dropped, queue depth, recent capture→decode latencies).
    public func decodeStats() -> DecodeStats { context.decoder.snapshot() }

    /// HTTP transfers currently running on the curl loop.
    public func activeTransfers() async -> Int {
        let loop = context.loop
        return await loop.run { loop.activeTransfers }
    }

    public func shutdown() async {
        await context.loop.shutdown()
        await context.decoder.shutdown()
    }

    /// 10,000 cameras need more descriptors than the usual soft limit of 1024: raise the soft limit to the hard
    /// one, in-process, so nobody has to remember `ulimit -n`.
    static func raiseOpenFileLimit() {
        var rl = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl) == 0, rl.rlim_cur < rl.rlim_max else { return }
        rl.rlim_cur = rl.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl)
    }
}
