import CamsiftCore

extension IngestRuntime {
    /// rtmp/stream cameras: a `StreamSource` (FFmpeg on one dedicated thread each, with an interrupt callback
    /// for timeouts and shutdown) under the generic `SourceLoop`, whose `CameraMonitor` is the same supervisor,
    /// filter, sink delivery and archiver the HTTP cameras use. They share neither the curl loop nor the
    /// decode pool.
    func makeStreamWorker(for camera: Camera) -> any CameraWorker {
        Self.makeStreamWorker(camera: camera, options: options, sink: context.sink)
    }

    /// The same without a runtime (no curl loop or decode pool needed), for tests and tools.
    static func makeStreamWorker(camera: Camera, options: IngestOptions, sink: any FrameSink) -> SourceLoop {
        SourceLoop(source: StreamSource(camera: camera, options: options), options: options, sink: sink)
    }
}
