#if canImport(Glibc)
import Glibc
#endif
import CCurl
import Foundation

/// `camsift-bench camserver --port P --jpegs DIR [--fps F] [--rotate DIR --rotate-every S]`: a camera farm
/// for the ingest bench, run as its own process so its CPU is not billed to ingest.
///
/// - Thousands of MJPEG streams on one epoll thread: any path serves `multipart/x-mixed-replace` at `fps`
///   per connection, phases spread at random; parts are pre-built and shared, so a connection costs a few
///   words of state, not a frame copy.
/// - `--rotate`: every S seconds, atomically replaces `DIR/fNN.jpg` with the next video frame so nginx's
///   snapshots (ETag from mtime+size) really change and snapshot cameras have something new to decode.
///   With `--stagger 1` one file changes every S/100 seconds instead of all 100 at once: each scene still
///   changes every S seconds, but scene changes are spread out as they are across real cameras.
enum CamServerBench {
    struct Conn {
        var fd: Int32
        var request: [UInt8] = []
        var streaming = false
        var part = 0
        var offset = 0
        var nextAt = 0.0
        var headerSent = false
    }

    static func run(_ args: [String]) async throws -> Int32 {
        var port = 0, fps = 1.0, jpegDir = "", rotateDir: String?, rotateEvery = 5.0, maxSeconds = 3600.0, stagger = false
        var i = 0
        while i + 1 < args.count {
            switch args[i] {
            case "--port": port = Int(args[i + 1]) ?? 0
            case "--fps": fps = Double(args[i + 1]) ?? 1
            case "--jpegs": jpegDir = args[i + 1]
            case "--rotate": rotateDir = args[i + 1]
            case "--rotate-every": rotateEvery = Double(args[i + 1]) ?? 5
            case "--max-seconds": maxSeconds = Double(args[i + 1]) ?? 3600
            case "--stagger": stagger = args[i + 1] == "1"
            default: print("camserver: unknown option \(args[i])"); return 64
            }
            i += 2
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: jpegDir).filter { $0.hasSuffix(".jpg") }.sorted()
        let frames = try names.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: jpegDir + "/" + $0))) }
        guard !frames.isEmpty, port > 0 else { print("camserver: need --port and --jpegs with JPEGs"); return 64 }
        var rl = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl)
        rl.rlim_cur = rl.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl)
        let parts: [[UInt8]] = frames.map { f in
            Array("--camsift\r\nContent-Type: image/jpeg\r\nContent-Length: \(f.count)\r\n\r\n".utf8) + f + [13, 10]
        }
        let header = Array("HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=camsift\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n".utf8)

        let lfd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var one: Int32 = 1
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, 4)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(lfd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(lfd, 4096) == 0 else { print("camserver: cannot listen on \(port): errno \(errno)"); return 69 }
        let ep = epoll_create1(0)
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.fd = lfd
        epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)
        _ = "ready\n".withCString { write(1, $0, 6) }

        var conns: [Int32: Conn] = [:]
        var events = [epoll_event](repeating: epoll_event(), count: 1024)
        let start = now()
        var nextRotate = start
        var rotation = 0
        let period = 1 / fps
        // Dies with the bench: a reparented camserver (bench killed) would otherwise run for --max-seconds.
        let parent = getppid()
        var buf = [UInt8](repeating: 0, count: 4096)
        while now() - start < maxSeconds && getppid() == parent {
            let t = now()
            if let dir = rotateDir, t >= nextRotate {
                if stagger && rotation > 0 {
                    rotate(dir: dir, frames: frames, step: rotation / 100 + 1, only: rotation % 100)
                    nextRotate = t + rotateEvery / 100
                } else {
                    rotate(dir: dir, frames: frames, step: rotation)
                    nextRotate = t + (stagger ? rotateEvery / 100 : rotateEvery)
                }
                rotation += 1
            }
            let n = epoll_wait(ep, &events, Int32(events.count), 10)
            if n > 0 {
                for k in 0..<Int(n) {
                    let fd = events[k].data.fd
                    if fd == lfd {
                        while true {
                            let c = accept(lfd, nil, nil)
                            if c < 0 { break }
                            _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
                            var e = epoll_event()
                            e.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
                            e.data.fd = c
                            epoll_ctl(ep, EPOLL_CTL_ADD, c, &e)
                            conns[c] = Conn(fd: c)
                        }
                        continue
                    }
                    guard var c = conns[fd] else { continue }
                    let flags = events[k].events
                    if flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
                        drop(fd, ep, &conns); continue
                    }
                    if !c.streaming && flags & EPOLLIN.rawValue != 0 {
                        let r = recv(fd, &buf, buf.count, 0)
                        if r <= 0 { drop(fd, ep, &conns); continue }
                        c.request += buf[0..<r]
                        if c.request.firstRange(of: [13, 10, 13, 10]) != nil {
                            c.streaming = true
                            c.request = []
                            c.part = Int.random(in: 0..<parts.count)
                            c.nextAt = t + Double.random(in: 0..<period)
                            if !sendAll(fd, header) { drop(fd, ep, &conns); continue }
                        }
                    }
                    conns[fd] = c
                }
            }
            // Feed every stream that is due (or mid-part), without blocking: EAGAIN leaves it for later.
            let t2 = now()
            for (fd, var c) in conns where c.streaming && (c.offset > 0 || c.nextAt <= t2) {
                let p = parts[c.part % parts.count]
                let sent = p[c.offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK { continue }
                    drop(fd, ep, &conns); continue
                }
                c.offset += sent
                if c.offset == p.count {
                    c.offset = 0
                    c.part += 1
                    c.nextAt = max(c.nextAt + period, t2 - period)
                }
                conns[fd] = c
            }
        }
        return 0
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func drop(_ fd: Int32, _ ep: Int32, _ conns: inout [Int32: Conn]) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nil)
        close(fd)
        conns[fd] = nil
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Replaces `dir/fNN.jpg` (NN = 00...99) with frames shifted by `step`, each via temp file + rename.
    static func rotate(dir: String, frames: [[UInt8]], step: Int, only: Int? = nil) {
        for i in only.map({ [$0] }) ?? Array(0..<100) {
            let name = String(format: "%@/f%02d.jpg", dir, i)
            let tmp = name + ".tmp"
            let f = frames[(i * 7 + step) % frames.count]
            _ = FileManager.default.createFile(atPath: tmp, contents: Data(f))
            rename(tmp, name)
        }
    }
}
