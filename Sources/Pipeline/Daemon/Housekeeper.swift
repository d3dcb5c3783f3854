import CamsiftCore
import Dispatch
import Foundation
import Synchronization

/// The daemon's clock, on its own thread (it does blocking file I/O: the state file is fsynced):
/// - posts a `tick` to the control loop every second, which bumps the heartbeat;
/// - every half watchdog interval sends `WATCHDOG=1`, but only if `PipelineProgress` moved on (a wedged control
///   loop or a stalled pipeline gets no ping, and systemd restarts the daemon after `WatchdogSec`);
/// - every `stateInterval` writes `STATE/cameras.json` and a `STATUS=cameras N, online M, X frames/s` line.
final class Housekeeper: Sendable {
    private let daemon: Daemon
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    init(daemon: Daemon) { self.daemon = daemon }

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "camsift-housekeeping"
        t.start()
    }

    /// Asks the thread to end and returns at once (it is called from async code, which must not block): a
    /// state write already under way finishes on its own, and is atomic either way.
    func stop() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    private func loop() {
        let notifier = daemon.notifier
        let watchdog = notifier.watchdogInterval
        let tickInterval = min(1.0, (watchdog ?? 4) / 4)
        let stateInterval = max(0.2, daemon.options.stateInterval)
        var lastMark = daemon.progress.mark()
        var lastPing = Timestamp.now()
        var lastState = -Double.infinity
        var lastFrames = -1
        var lastFramesAt = Timestamp.now()
        var withheld = false
        while !stopped.load(ordering: .acquiring) {
            _ = wake.wait(timeout: .now() + tickInterval)
            if stopped.load(ordering: .acquiring) { break }
            daemon.requests.tick()
            let now = Timestamp.now()
            if let watchdog, now - lastPing >= watchdog / 2 {
                lastPing = now
                if daemon.progress.madeProgress(since: lastMark) {
                    notifier.watchdog()
                    lastMark = daemon.progress.mark()
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
                let (registered, cameras) = daemon.health()
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
                daemon.writeStateFile(cameras: cameras, framesPerSecond: fps, registered: registered)
                OperationalLog.emit(.debug, "daemon", "state file: \(cameras.count) cameras in "
                    + "\(Daemon.milliseconds(since: t0)) ms")
            }
        }
    }
}
