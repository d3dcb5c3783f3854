#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import CamsiftCore

/// Watches a registry directory with inotify on its own thread and calls `onChange` once per burst of
/// changes to `*.json` files (creates, writes, renames, deletes).
///
/// Why debounce: `cp -r`, `rsync` and editors that save via temp + rename produce several events per file;
/// a generator writing 10,000 files produces 30,000. The callback fires when no relevant event has arrived
/// for `debounce` seconds, or at the latest `max(1 s, 5 × debounce)` after the first event of a burst, so a
/// continuous stream of changes still gets loaded. The callback runs on the watcher thread: keep it short
/// (hand the reload to the daemon's own queue).
///
/// If the directory itself is deleted or moved away, the watcher reports one change and then tries to
/// re-watch the path once a second, reporting another change when it is back (`rm -rf` + `cp -r`
/// deployments).
public final class RegistryWatcher: Sendable {
    /// inotify events that can change what the loader sees. IN_CLOSE_WRITE, not IN_MODIFY: a file being
    /// written is read once, after it is complete.
    static let mask: UInt32 = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_DELETE)
        | UInt32(IN_CREATE) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR)

    private let thread: pthread_t
    /// Write end of the wake-up pipe; -1 once stopped.
    private let wakeFD: Mutex<Int32>

    public init(directory: String, debounce: Double = 0.2, onChange: @escaping @Sendable () -> Void) throws {
        let ifd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard ifd >= 0 else {
            throw RegistryError(code: .watch, message: "cannot start inotify: \(RegistryFileSystem.errnoText(errno)); "
                                + "raise fs.inotify.max_user_instances (sysctl) or reload with SIGHUP only", path: directory)
        }
        guard inotify_add_watch(ifd, directory, RegistryWatcher.mask) >= 0 else {
            let e = errno
            close(ifd)
            let hint = e == ENOSPC ? "raise fs.inotify.max_user_watches (sysctl)" : "check that the directory exists and is readable"
            throw RegistryError(code: e == ENOENT ? .notFound : .watch,
                                message: "cannot watch directory: \(RegistryFileSystem.errnoText(e)) — \(hint)", path: directory)
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            close(ifd)
            throw RegistryError(code: .watch, message: "cannot create a pipe: \(RegistryFileSystem.errnoText(errno))", path: directory)
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        let loop = WatchLoop(directory: directory, inotifyFD: ifd, wakeFD: fds[0],
                             debounce: max(0, debounce), onChange: onChange)
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let loop = Unmanaged<WatchLoop>.fromOpaque(raw!).takeRetainedValue()
            loop.run()
            return nil
        }, Unmanaged.passRetained(loop).toOpaque())
        guard rc == 0 else {
            close(ifd)
            close(fds[0])
            close(fds[1])
            throw RegistryError(code: .watch, message: "cannot start the watcher thread: \(RegistryFileSystem.errnoText(rc))",
                                path: directory)
        }
        thread = tid
        wakeFD = Mutex(fds[1])
    }

    /// Stops the thread and waits for it (unless called from `onChange` itself). Idempotent.
    public func stop() {
        let fd = wakeFD.withLock { fd -> Int32 in
            let old = fd
            fd = -1
            return old
        }
        guard fd >= 0 else { return }
        var one: UInt8 = 1
        _ = write(fd, &one, 1)
        close(fd)
        if pthread_equal(pthread_self(), thread) == 0 {
            pthread_join(thread, nil)
        } else {
            pthread_detach(thread)
        }
    }

    deinit {
        stop()
    }
}

/// The watcher thread's state; owned by that thread alone.
private final class WatchLoop: Sendable {
    let directory: String
    let inotifyFD: Int32
    let wakeFD: Int32
    let debounce: Double
    let maxDelay: Double
    let onChange: @Sendable () -> Void

    init(directory: String, inotifyFD: Int32, wakeFD: Int32, debounce: Double, onChange: @escaping @Sendable () -> Void) {
        self.directory = directory
        self.inotifyFD = inotifyFD
        self.wakeFD = wakeFD
        self.debounce = debounce
        self.maxDelay = max(1, debounce * 5)
        self.onChange = onChange
    }

    private static func now() -> Double { Monotonic.now() }

    func run() {
        defer {
            close(inotifyFD)
            close(wakeFD)
        }
        var firstEvent: Double?
        var lastEvent = 0.0
        var watching = true
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var timeoutMs: Int32 = -1
            if let first = firstEvent {
                let due = min(lastEvent + debounce, first + maxDelay)
                timeoutMs = Int32(max(0, (due - WatchLoop.now()) * 1000).rounded(.up))
            } else if !watching {
                timeoutMs = 1000
            }
            var pfds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let n = poll(&pfds, 2, timeoutMs)
            if n < 0 && errno != EINTR { return }
            if pfds[1].revents != 0 { return }
            if n > 0, pfds[0].revents & Int16(POLLIN) != 0 {
                let (relevant, lostWatch) = drain(&buffer)
                if lostWatch { watching = false }
                if relevant {
                    let t = WatchLoop.now()
                    if firstEvent == nil { firstEvent = t }
                    lastEvent = t
                }
            }
            if !watching, firstEvent == nil, inotify_add_watch(inotifyFD, directory, RegistryWatcher.mask) >= 0 {
                watching = true
                firstEvent = WatchLoop.now()
                lastEvent = firstEvent!
            }
            if let first = firstEvent {
                let t = WatchLoop.now()
                if t >= lastEvent + debounce || t >= first + maxDelay {
                    firstEvent = nil
                    onChange()
                }
            }
        }
    }

    /// Reads all pending events. Returns whether any concerns registry files, and whether the directory
    /// watch is gone (directory deleted or moved).
    private func drain(_ buffer: inout [UInt8]) -> (relevant: Bool, lostWatch: Bool) {
        var relevant = false
        var lost = false
        while true {
            let n = buffer.withUnsafeMutableBytes { read(inotifyFD, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            buffer.withUnsafeBytes { raw in
                var off = 0
                let header = 16  // wd, mask, cookie, len: four 32-bit fields
                while off + header <= n {
                    let wd = raw.loadUnaligned(fromByteOffset: off, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: off + 4, as: UInt32.self)
                    let len = Int(raw.loadUnaligned(fromByteOffset: off + 12, as: UInt32.self))
                    let nameBytes = raw[(off + header)..<min(n, off + header + len)]
                    let name = String(decoding: nameBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
                    off += header + len
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        relevant = true
                    } else if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_IGNORED)) != 0 {
                        // A moved directory keeps its watch (on the inode); drop it so only the path is watched.
                        if mask & UInt32(IN_MOVE_SELF) != 0 { inotify_rm_watch(inotifyFD, wd) }
                        relevant = true
                        lost = true
                    } else if mask & UInt32(IN_ISDIR) == 0, RegistryFileSystem.isRegistryFileName(name) {
                        relevant = true
                    }
                }
            }
        }
        return (relevant, lost)
    }
}
