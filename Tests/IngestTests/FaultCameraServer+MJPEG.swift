import Foundation

extension FaultCameraServer {
    /// Serves one MJPEG connection with `fault` applied. Returns when the stream ends.
    func mjpeg(_ fd: Int32, fault: String, query: [String: String]) {
        if let status = Int(fault.dropFirst("status".count)), fault.hasPrefix("status") {
            write(fd, "HTTP/1.1 \(status) Fault\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfault")
            return
        }
        if fault == "dropMidHeaders" {
            write(fd, "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mix")
            return
        }
        let headerBoundary = fault == "wrongBoundary" ? "foo" : (fault == "dashedHeader" ? "--camsift" : "camsift")
        let bodyBoundary = fault == "wrongBoundary" ? "--bar" : "--camsift"
        let chunked = fault == "chunked"
        var head = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=\(headerBoundary)\r\n"
            + "Cache-Control: no-cache\r\n"
        if chunked { head += "Transfer-Encoding: chunked\r\n" }
        guard write(fd, head + "\r\n") else { return }
        func out(_ bytes: [UInt8]) -> Bool {
            guard chunked else { return write(fd, bytes) }
            return write(fd, Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
        }
        switch fault {
        case "stall":
            while pause(0.2) && !peerClosed(fd) {}
            return
        case "slowDrip":
            var i = 0
            let f = Array(("\(bodyBoundary)\r\nContent-Type: image/jpeg\r\n\r\n").utf8) + frame(0)
            while pause(1) && write(fd, [f[i % f.count]]) { i += 1 }
            return
        case "garbage":
            var rng = SystemRandomNumberGenerator()
            while pause(0.02) {
                let junk = (0..<1024).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if !write(fd, junk) { return }
            }
            return
        default: break
        }
        let maxPart = Int(query["maxPart"] ?? "") ?? 1 << 20
        var i = 0
        while pause(1 / fps) {
            var jpeg = frame(i)
            var part = "\(bodyBoundary)\r\n"
            part += fault == "upperHeaders" ? "CONTENT-TYPE: IMAGE/JPEG\r\n" : "Content-Type: image/jpeg\r\n"
            switch fault {
            case "truncated" where i % 2 == 1: jpeg = Array(jpeg[..<(jpeg.count / 2)])
            case "oversized" where i % 2 == 1: jpeg = TestJPEGs.padded(jpeg, to: maxPart * 3)
            default: break
            }
            switch fault {
            case "noLength": break
            case "lieLength": part += "Content-Length: 2147483648\r\n"
            case "wrongLength": part += "Content-Length: \(jpeg.count / 3)\r\n"
            default: part += "content-length: \(jpeg.count)\r\n"
            }
            part += "\r\n"
            var bytes = Array(part.utf8) + jpeg + [13, 10]
            if fault == "extraCRLF" { bytes += [13, 10, 13, 10] }
            if fault == "garbageBetween" { bytes += Array("junk\u{1}\u{2}\r\nmore junk ÿ\r\n".utf8) }
            if fault == "zeroPart" { bytes += Array("\(bodyBoundary)\r\nContent-Type: image/jpeg\r\nContent-Length: 0\r\n\r\n\r\n".utf8) }
            if fault == "dropMidFrame" && i == 2 {
                _ = out(Array(bytes[..<(bytes.count / 2)]))
                return
            }
            if !out(bytes) { return }
            i += 1
        }
    }

    /// Serves one snapshot request; returns whether the connection may be kept alive.
    func snapshot(_ fd: Int32, fault: String, request: Int, query: [String: String]) -> Bool {
        if let status = Int(fault.dropFirst("status".count)), fault.hasPrefix("status") {
            return write(fd, "HTTP/1.1 \(status) Fault\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfault")
        }
        let jpeg = fault == "same" ? frame(0) : frame(request)
        switch fault {
        case "lieLength":
            write(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 2147483648\r\n\r\n")
            write(fd, jpeg)
            return false
        case "truncated":
            write(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count / 2)\r\n\r\n")
            return write(fd, Array(jpeg[..<(jpeg.count / 2)]))
        case "stall":
            write(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n")
            while pause(0.2) && !peerClosed(fd) {}
            return false
        case "empty":
            return write(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 0\r\n\r\n")
        default:
            return write(fd, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n")
                && write(fd, jpeg)
        }
    }

    private func peerClosed(_ fd: Int32) -> Bool {
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
