import Learning
import Synchronization

/// One progress bar per model being trained (M0, then M1), fed from the training thread.
final class ProgressBars: Sendable {
    let tty: Bool
    let bars = Mutex<[String: (bar: ProgressBar, elapsed: Double)]>([:])

    init(tty: Bool) { self.tty = tty }

    func show(_ name: String, _ rec: IterationRecord, _ total: Int) {
        let text = bars.withLock { b -> String in
            if b[name] == nil { b[name] = (ProgressBar(label: name, iterations: total, isTTY: tty), 0) }
            b[name]!.elapsed += rec.seconds
            return b[name]!.bar.render(iteration: rec.iteration, counts: rec.counts, referenceF1: rec.referenceMacroF1,
                                       elapsed: b[name]!.elapsed)
        }
        Console.out(text)
    }
}
