#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Dispatch
import Foundation
import Synchronization

/// The daemon's face to systemd and `camsift status`, the last service to start and the first to stop:
/// - on start — every other service is up by then — `READY=1` and a first `STATUS`;
/// - on its own thread (it does blocking file I/O: the state file is fsynced):
///   - posts a `tick` to the control loop every second, which bumps the heartbeat;
///   - every half watchdog interval sends `WATCHDOG=1`, but only if `PipelineProgress` moved on (a wedged
///     control loop or a stalled pipeline gets no ping, and systemd restarts the daemon after `WatchdogSec`);
///   - every `stateInterval` writes `STATE/cameras.json` (when the daemon holds the pid file) and a
///     `STATUS=cameras N, online M, X frames/s` line;
/// - on shutdown, `STOPPING=1` first, then the thread ends. The state file keeps the last running picture
///   (status reads the pid file to know the daemon stopped).
public final class Housekeeper: Service {
    private let fleet: CameraFleet
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    public init(fleet: CameraFleet) { self.fleet = fleet }

    public func run() async throws {
        let notifier = fleet.notifier
        notifier.ready()
        notifier.status("cameras \(fleet.runningCameraIDs.count), online 0, 0.0 frames/s")
        DedicatedThread.start("camsift-housekeeping") { [self] in loop() }
        reportServiceStarted()
        try? await gracefulShutdown()
        notifier.stopping()
        // Ends the thread without waiting for it (async code must not block): a state write already under
        // way finishes on its own, and is atomic either way.
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    private func loop() {
        let notifier = fleet.notifier
        let progress = fleet.progress
        let watchdog = notifier.watchdogInterval
        let tickInterval = min(1.0, (watchdog ?? 4) / 4)
        let stateInterval = max(0.2, fleet.options.stateInterval)
        var lastMark = progress.mark()
        var lastPing = Timestamp.now()
        var lastState = -Double.infinity
        var lastFrames = -1
        var lastFramesAt = Timestamp.now()
        var withheld = false
        while !stopped.load(ordering: .acquiring) {
            _ = wake.wait(timeout: .now() + tickInterval)
            if stopped.load(ordering: .acquiring) { break }
            fleet.requests.tick()
            let now = Timestamp.now()
            if let watchdog, now - lastPing >= watchdog / 2 {
                lastPing = now
                if progress.madeProgress(since: lastMark) {
                    notifier.watchdog()
                    lastMark = progress.mark()
                    if withheld { OperationalLog.notice("daemon", "progress resumed; watchdog pings resumed") }
                    withheld = false
                } else if !withheld {
                    withheld = true
                    OperationalLog.error("daemon", "no progress since the last watchdog ping (control loop or "
                        + "pipeline stalled); withholding WATCHDOG=1 so systemd restarts camsift if it persists")
                }
            }
            if now - lastState >= stateInterval {
                lastState = now
                let t0 = ContinuousClock.now
                let (registered, cameras) = fleet.health()
                var frames = 0
                var online = 0
                var running = 0
                for c in cameras {
                    frames += c.framesDelivered
                    if c.state == .online { online += 1 }
                    if c.state != .disabled { running += 1 }
                }
                let fps = lastFrames < 0 ? 0 : max(0, Double(frames - lastFrames) / max(1e-3, now - lastFramesAt))
                lastFrames = frames
                lastFramesAt = now
                notifier.status("cameras \(running), online \(online), \(ClassificationLogFormatter.fixed(fps, 1)) frames/s")
                writeStateFile(cameras: cameras, framesPerSecond: fps, registered: registered)
                OperationalLog.emit(.debug, "daemon", "state file: \(cameras.count) cameras in "
                    + "\(Daemon.milliseconds(since: t0)) ms")
            }
        }
    }

    private func writeStateFile(cameras: [CameraHealth], framesPerSecond: Double, registered: Int) {
        guard fleet.options.usePIDFile else { return }
        let file = DaemonStateFile(
            pid: getpid(), startedAt: fleet.startedAt, updatedAt: Timestamp.now(), registered: registered,
            framesPerSecond: framesPerSecond, problems: fleet.problems, cameras: cameras)
        do {
            try file.write(toStateDirectory: fleet.options.config.state)
        } catch {
            OperationalLog.warning("daemon", "\(error)")
        }
    }
}
