#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A crash (a Swift trap is SIGILL/SIGTRAP) prints the run it happened in and how to replay it, then dies with
/// the default action. The handler only writes pre-formatted bytes and the run number.
enum CrashReport {
    nonisolated(unsafe) static var currentRun = -1
    nonisolated(unsafe) static var prefix: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var prefixLength = 0

    static func install(seed: UInt64) {
        let text = "\nFAIL  console router fuzz: crashed (a trap or fatal signal); seed \(seed), run "
        prefix = strdup(text)
        prefixLength = text.utf8.count
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { sig in
            if let p = CrashReport.prefix { _ = write(2, p, CrashReport.prefixLength) }
            var digits = [CChar](repeating: 0, count: 24)  // no allocation in practice matters little: we die next
            var n = CrashReport.currentRun
            var k = 23
            if n <= 0 { digits[k] = 0x30 + CChar(max(0, n)); k -= 1 }
            while n > 0 && k >= 0 { digits[k] = 0x30 + CChar(n % 10); n /= 10; k -= 1 }
            digits.withUnsafeBufferPointer { b in _ = write(2, b.baseAddress! + k + 1, 23 - k) }
            _ = write(2, "\n", 1)
            signal(sig, SIG_DFL)
            raise(sig)
        }
        for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] { sigaction(s, &sa, nil) }
    }
}
