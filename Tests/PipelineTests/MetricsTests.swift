import Foundation
import Testing
@testable import Pipeline
import Serving
import WebServer
import CamsiftCore

@Suite struct MetricsTests {
    private func sampleRegistry() -> MetricsRegistry {
        let r = MetricsRegistry()
        let h = Histogram()
        for v in [0.004, 0.02, 0.02, 0.3, 7.0, 42.0] { h.observe(v) }
        r.register("cams") {
            [MetricFamily(name: "camsift_camera_frames_total", help: "Frames delivered per camera.", kind: .counter,
                          samples: [.init(labels: [("camera", "lobby")], value: 12),
                                    .init(labels: [("camera", "we\"ird\\id\nx")], value: 3)]),
             MetricFamily(name: "camsift_camera_up", help: "1 when online.\nmultiline help", kind: .gauge,
                          samples: [.init(labels: [("camera", "lobby")], value: 1)])]
        }
        r.register("latency") {
            [MetricFamily(name: "camsift_inference_latency_seconds", help: "Capture to log.", kind: .histogram,
                          samples: h.samples())]
        }
        return r
    }

    @Test func exposesValidPrometheusText() {
        let text = sampleRegistry().render()
        let v = PrometheusTextValidator(text)
        #expect(v.isValid, "\(v.problems)\n\(text)")
        #expect(v.value("camsift_camera_frames_total", ["camera": "lobby"]) == 12)
        #expect(v.value("camsift_camera_frames_total", ["camera": "we\"ird\\id\nx"]) == 3)
        #expect(v.value("camsift_inference_latency_seconds_bucket", ["le": "0.025"]) == 3)
        #expect(v.value("camsift_inference_latency_seconds_bucket", ["le": "+Inf"]) == 6)
        #expect(v.value("camsift_inference_latency_seconds_count") == 6)
        #expect(v.types["camsift_inference_latency_seconds"] == "histogram")
    }

    @Test func validatorCatchesBrokenText() {
        #expect(!PrometheusTextValidator("bad-name 1\n").isValid)
        #expect(!PrometheusTextValidator("x{a=\"1} 2\n").isValid)
        #expect(!PrometheusTextValidator("x 1\ny 2\nx 3\n").isValid)
        #expect(!PrometheusTextValidator("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 4\nh_count 4\n").isValid)
    }

    @Test func histogramQuantiles() {
        let h = Histogram(bounds: [0.1, 0.5, 1])
        for _ in 0..<98 { h.observe(0.05) }
        h.observe(0.7)
        h.observe(3)
        #expect(h.quantile(0.5) == 0.1)
        #expect(h.quantile(0.99) == 1)
        #expect(h.quantile(1.0) == .infinity)
    }

    @Test func serverAnswersOverRealHTTP() throws {
        let server = try MetricsServer(address: "127.0.0.1:0", registry: sampleRegistry())
        server.start()
        defer { server.stop() }
        let (status, headers, body) = try httpGet(port: server.port, path: "/metrics")
        #expect(status == 200)
        #expect(headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
        #expect(PrometheusTextValidator(body).isValid)
        #expect(body.contains("camsift_camera_up{camera=\"lobby\"} 1"))
        let (notFound, _, _) = try httpGet(port: server.port, path: "/")
        #expect(notFound == 404)
    }

    @Test func busyPortIsAClearError() throws {
        let first = try MetricsServer(address: "127.0.0.1:0", registry: MetricsRegistry())
        defer { first.stop() }
        #expect {
            _ = try MetricsServer(address: "127.0.0.1:\(first.port)", registry: MetricsRegistry())
        } throws: { ($0 as? PipelineError)?.message.contains("another camsift") == true }
        #expect(throws: PipelineError.self) { try MetricsServer(address: "localhost", registry: MetricsRegistry()) }
    }

    @Test func fallbackServesEverythingButMetrics() throws {
        let server = try MetricsServer(address: "127.0.0.1:0", registry: sampleRegistry(),
                                       fallback: ClosureHandler { .text("console \($0.path)") })
        server.start()
        defer { server.stop() }
        let (status, _, body) = try httpGet(port: server.port, path: "/cameras/lobby")
        #expect(status == 200 && body == "console /cameras/lobby")
        let (metrics, _, text) = try httpGet(port: server.port, path: "/metrics")
        #expect(metrics == 200 && text.contains("camsift_camera_up"))
        server.fallback = nil
        #expect(try httpGet(port: server.port, path: "/cameras/lobby").0 == 404)
    }

    /// The old accept loop served one connection at a time: 66 idle ones made /metrics time out. With 300
    /// connections that never finish a request, /metrics and the console still answer at once, and the idle
    /// timeout closes the stalled ones.
    @Test func stalledConnectionsDoNotDelayScrapes() throws {
        var limits = HTTPLimits()
        limits.idleTimeout = .seconds(2)
        let server = try MetricsServer(address: "127.0.0.1:0", registry: sampleRegistry(),
                                       fallback: ClosureHandler { _ in .html("<p>console</p>") }, limits: limits)
        server.start()
        defer { server.stop() }
        var stalled: [Int32] = []
        defer { for fd in stalled { close(fd) } }
        for i in 0..<300 {
            let fd = try connectLoopback(port: server.port)
            if i % 2 == 0 { _ = Array("GET /metr".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            stalled.append(fd)
        }
        for path in ["/metrics", "/console"] {
            var ms: [Double] = []
            for _ in 0..<5 {
                let start = Monotonic.now()
                let (status, _, _) = try httpGet(port: server.port, path: path)
                ms.append((Monotonic.now() - start) * 1000)
                #expect(status == 200)
            }
            let median = ms.sorted()[2]
            print("MetricsServer, 300 stalled connections: GET \(path) median \(String(format: "%.2f", median)) ms")
            #expect(median < 200, "GET \(path) with 300 stalled connections: \(ms) ms")
        }
        // Each stalled connection sees EOF (or a reset) once the 2 s timeout closed it.
        let deadline = Monotonic.now() + 6
        var open = Set(stalled)
        var buf = [UInt8](repeating: 0, count: 256)
        while !open.isEmpty && Monotonic.now() < deadline {
            var pfds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&pfds, nfds_t(pfds.count), 100) > 0 else { continue }
            for p in pfds where p.revents != 0 {
                let n = recv(p.fd, &buf, buf.count, Int32(MSG_DONTWAIT))
                if n == 0 || (n < 0 && errno != EAGAIN) { open.remove(p.fd) }
            }
        }
        #expect(open.isEmpty, "\(open.count) of 300 stalled connections still open 6 s after connecting")
    }
}

func connectLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        close(fd)
        throw PipelineError.system("connect", errno)
    }
    return fd
}

/// Minimal blocking HTTP GET over a loopback TCP socket (the test's own client, independent of the server code).
func httpGet(port: Int, path: String) throws -> (Int, String, String) {
    let fd = try connectLoopback(port: port)
    defer { close(fd) }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let req = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = req.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buf, buf.count)
        if n <= 0 { break }
        data += buf[0..<n]
    }
    let text = String(decoding: data, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { throw PipelineError.config("no HTTP header end") }
    let head = String(text[..<split.lowerBound])
    let status = Int(head.split(separator: " ")[1]) ?? 0
    return (status, head, String(text[split.upperBound...]))
}
