#if canImport(Glibc)
import Glibc
#endif
import CCurl
import CamsiftCore
import Foundation
import Synchronization

/// The single libcurl multi event loop that carries every HTTP camera (mjpeg + snapshot) of the process.
///
/// Why one thread and `curl_multi_socket_action` + epoll: 10,000 cameras cannot have a thread each, and
/// `curl_multi_perform`/`curl_multi_poll` walk every handle on each wake-up, while socket_action only touches
/// sockets that are ready (curl's "hiper" design, docs/examples/hiperfifo.c). The multi handle also owns the
/// connection cache, so snapshot polls of many cameras on one aggregator reuse keep-alive connections.
///
/// Everything in here, the workers' protocol state and every libcurl call, runs on the loop thread. Other
/// threads talk to it only through `post(_:)`, which queues a closure and wakes epoll through an eventfd.
final class CurlLoop: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    private let epfd: Int32
    private let wakeFD: Int32
    /// Jobs for the loop thread; `closed` once the thread has exited (later posts run inline: there is no loop
    /// state left to race with, and a worker's `stop()` must still return after `shutdown()`).
    private let inbox = Mutex<(jobs: [@Sendable () -> Void], closed: Bool)>(([], false))
    private let stopping = Atomic<Bool>(false)
    /// `true` once the thread has exited; otherwise the continuations waiting for that.
    private let exitState = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    // Loop-thread state.
    var timers = TimerHeap()
    private var curlDeadline: Double?
    private var transfers: [UnsafeMutableRawPointer: HTTPTransfer] = [:]
    private var idleEasy: [UnsafeMutableRawPointer] = []
    private let maxIdleEasy = 256
    let options: IngestOptions
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    /// Set when the multi handle is gone: no transfer may start any more.
    private(set) var closed = false

    /// Active transfers (loop thread only; tests and stats read it through `post`).
    var activeTransfers: Int { transfers.count }

    init(options: IngestOptions) throws {
        self.options = options
        try CurlGlobal.initialize()
        guard let m = curl_multi_init() else {
            throw IngestError(.resource, "curl_multi_init failed: out of memory?")
        }
        multi = m
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epfd >= 0, wakeFD >= 0 else {
            curl_multi_cleanup(m)
            throw IngestError(.resource, "epoll/eventfd creation failed (errno \(errno)): raise the open-file limit")
        }
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.fd = wakeFD
        epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &ev)
        for entry in options.resolve {
            resolveList = curl_slist_append(resolveList, entry)
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        try CurlError.check(ccurl_multi_setopt_socketfn(m, curlLoopSocketCallback), "CURLMOPT_SOCKETFUNCTION")
        try CurlError.check(ccurl_multi_setopt_ptr(m, CURLMOPT_SOCKETDATA, me), "CURLMOPT_SOCKETDATA")
        try CurlError.check(ccurl_multi_setopt_timerfn(m, curlLoopTimerCallback), "CURLMOPT_TIMERFUNCTION")
        try CurlError.check(ccurl_multi_setopt_ptr(m, CURLMOPT_TIMERDATA, me), "CURLMOPT_TIMERDATA")
        try CurlError.check(
            ccurl_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, options.maxCachedConnections), "CURLMOPT_MAXCONNECTS")
        DedicatedThread.start("camsift-curl", stackSize: 1 << 20) { [self] in self.run() }
    }

    deinit { close(wakeFD) }

    /// Runs `block` on the loop thread soon. Safe from any thread.
    func post(_ block: @escaping @Sendable () -> Void) {
        let queued = inbox.withLock { q -> Bool in
            if q.closed { return false }
            q.jobs.append(block)
            return true
        }
        guard queued else { return block() }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Runs `block` on the loop thread and returns its result to an async caller.
    func run<T: Sendable>(_ block: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            post { c.resume(returning: block()) }
        }
    }

    /// Stops the thread after the current iteration, aborts remaining transfers and frees curl state; returns
    /// once the loop thread has exited. Suspends instead of blocking.
    func shutdown() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = exitState.withLock { s -> Bool in
                if s.done { return true }
                s.waiters.append(c)
                return false
            }
            if done { c.resume(); return }
            stopping.store(true, ordering: .releasing)
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    // MARK: loop-thread API

    /// Schedules `action` `seconds` from now on the loop thread.
    func after(_ seconds: Double, _ action: @escaping () -> Void) {
        if closed { return }
        timers.schedule(at: Monotonic.now() + max(0, seconds), action)
    }

    /// A reset easy handle, from the idle pool when possible (saves malloc + 16 KB buffer churn per poll).
    func takeEasy() -> UnsafeMutableRawPointer? {
        if closed { return nil }
        if let e = idleEasy.popLast() { return e }
        return curl_easy_init()
    }

    func recycle(_ easy: UnsafeMutableRawPointer) {
        if !closed && idleEasy.count < maxIdleEasy {
            curl_easy_reset(easy)
            idleEasy.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    var resolveOverrides: UnsafeMutablePointer<curl_slist>? { resolveList }

    func add(_ t: HTTPTransfer) throws {
        if closed { throw IngestError(.resource, "the ingest runtime was shut down; no new transfers") }
        try CurlError.check(curl_multi_add_handle(multi, t.easy), "curl_multi_add_handle")
        transfers[t.easy] = t
    }

    /// Removes a transfer without completing it (stop, or abort decided outside a curl callback).
    func remove(_ t: HTTPTransfer) {
        guard !closed, transfers.removeValue(forKey: t.easy) != nil else { return }
        curl_multi_remove_handle(multi, t.easy)
    }

    // MARK: the loop

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        var running: Int32 = 0
        while !stopping.load(ordering: .acquiring) {
            let jobs = inbox.withLock { q -> [@Sendable () -> Void] in
                let j = q.jobs
                q.jobs.removeAll(keepingCapacity: true)
                return j
            }
            for j in jobs { j() }
            var now = Monotonic.now()
            for action in timers.popDue(now: now) { action() }
            if let d = curlDeadline, d <= now {
                curlDeadline = nil
                curl_multi_socket_action(multi, -1, 0, &running)
                drainCompletions()
            }
            now = Monotonic.now()
            var wait = 1.0
            if let d = timers.nextDeadline { wait = min(wait, d - now) }
            if let d = curlDeadline { wait = min(wait, d - now) }
            if !inbox.withLock({ $0.jobs.isEmpty }) { wait = 0 }
            let ms = Int32(max(0, (wait * 1000).rounded(.up)))
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(epfd, $0.baseAddress, Int32($0.count), ms) }
            guard n > 0 else { continue }
            for i in 0..<Int(n) {
                let fd = events[i].data.fd
                if fd == wakeFD {
                    var v: UInt64 = 0
                    _ = read(wakeFD, &v, 8)
                    continue
                }
                let e = events[i].events
                var mask: Int32 = 0
                if e & EPOLLIN.rawValue != 0 { mask |= CURL_CSELECT_IN }
                if e & EPOLLOUT.rawValue != 0 { mask |= CURL_CSELECT_OUT }
                if e & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { mask |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi, fd, mask, &running)
            }
            drainCompletions()
        }
        teardown()
    }

    private func drainCompletions() {
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let result = ccurl_msg_result(msg)
            curl_multi_remove_handle(multi, easy)
            guard let t = transfers.removeValue(forKey: easy) else { continue }
            t.complete(result)
        }
    }

    private func teardown() {
        closed = true
        for (_, t) in transfers {
            curl_multi_remove_handle(multi, t.easy)
            t.release()
        }
        transfers.removeAll()
        timers.removeAll()
        for e in idleEasy { curl_easy_cleanup(e) }
        idleEasy.removeAll()
        curl_multi_cleanup(multi)
        curl_slist_free_all(resolveList)
        close(epfd)
        // Jobs posted while we were exiting run now, here; later ones run inline in post().
        let late = inbox.withLock { q -> [@Sendable () -> Void] in
            q.closed = true
            defer { q.jobs.removeAll() }
            return q.jobs
        }
        for j in late { j() }
        // wakeFD stays open until deinit: a late post() must never write into a reused descriptor.
        let waiters = exitState.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.done = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    // MARK: curl callbacks (loop thread)

    fileprivate func socketChanged(_ fd: Int32, _ what: Int32) {
        if what == CURL_POLL_REMOVE {
            epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
            return
        }
        var ev = epoll_event()
        ev.data.fd = fd
        if what & CURL_POLL_IN != 0 { ev.events |= EPOLLIN.rawValue }
        if what & CURL_POLL_OUT != 0 { ev.events |= EPOLLOUT.rawValue }
        if epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT {
            epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)
        }
    }

    fileprivate func timerChanged(_ ms: Int) {
        curlDeadline = ms < 0 ? nil : Monotonic.now() + Double(ms) / 1000
    }
}

private let curlLoopSocketCallback: ccurl_socket_callback = { _, fd, what, userp, _ in
    guard let userp else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().socketChanged(fd, what)
    return 0
}

private let curlLoopTimerCallback: ccurl_timer_callback = { _, ms, userp in
    guard let userp else { return 0 }
    Unmanaged<CurlLoop>.fromOpaque(userp).takeUnretainedValue().timerChanged(ms)
    return 0
}

/// `curl_global_init` is not thread-safe and must run once per process before any other curl call.
enum CurlGlobal {
    private static let state = Mutex<CURLcode?>(nil)

    static func initialize() throws {
        let rc = state.withLock { s -> CURLcode in
            if let s { return s }
            let r = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
            s = r
            return r
        }
        try CurlError.check(rc, "curl_global_init")
    }
}
