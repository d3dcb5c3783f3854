import CamsiftCore
import Media

/// A camera source whose reads block (FFmpeg's open and read), in mediamtx's static-source shape: `run`
/// connects, reads and delivers every sample through the camera's `CameraMonitor`, and only comes back by
/// throwing, with the failure the supervisor should see. It keeps no health, backoff or retry state of its
/// own: `SourceLoop` reruns it, and the monitor decides how long to wait.
///
/// `stop` is the loop's stop token. It is Media's `StreamInterrupt` because FFmpeg's interrupt callback
/// polls it directly: one `stop()` aborts a blocked open or read within ~0.1 s and ends pacing waits
/// (`stop.pause`). After a stop, whatever `run` throws is ignored.
protocol BlockingSource: Sendable {
    var camera: Camera { get }
    func run(monitor: CameraMonitor, stop: StreamInterrupt) throws(IngestError)
}
