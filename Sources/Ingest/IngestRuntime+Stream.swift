import CamsiftCore

extension IngestRuntime {
    /// rtmp/stream cameras run on Media's FFmpeg reader in a `StreamWorker` (one dedicated thread each, with
    /// an interrupt callback for timeouts/shutdown); they share the sink but not the curl loop or decode pool.
    func makeStreamWorker(for camera: Camera) -> any CameraWorker {
        StreamWorker(camera: camera, options: options, sink: context.sink)
    }
}
