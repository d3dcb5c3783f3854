#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `systemd-analyze verify` on the shipped units. verify checks that ExecStart's binary exists, so the test
/// verifies a copy whose ExecStart points at the binary under test (the unit text is otherwise unchanged).
/// verify exits 0 even for unknown keys, so "clean" means: exit 0 and no output at all.
@Suite("systemd units", .serialized)
struct SystemdUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"

    func verify(_ unit: String, as name: String) async throws -> (Int32?, String) {
        let dir = TempDir()
        defer { dir.cleanup() }
        let text = readText(packageRoot + "/systemd/" + unit)
        #expect(text.contains("ExecStart=/usr/local/bin/camsift run"))
        dir.write(name, text.replacingOccurrences(of: "/usr/local/bin/camsift", with: camsiftBinary))
        let c = try Child(Self.analyze, ["verify", dir.file(name)], in: dir)
        let status = await c.wait(timeout: 60)
        return (status, c.stdout + c.stderr)
    }

    @Test("camsift.service verifies clean")
    func main() async throws {
        let (status, output) = try await verify("camsift.service", as: "camsift.service")
        #expect(status == 0)
        #expect(output.isEmpty, "\(output)")
    }

    @Test("camsift@.service verifies clean as an instance")
    func template() async throws {
        let (status, output) = try await verify("camsift@.service", as: "camsift@2-of-4.service")
        #expect(status == 0)
        #expect(output.isEmpty, "\(output)")
    }

    @Test("the unit carries the issue's hardening and lifecycle settings")
    func settings() {
        let text = readText(packageRoot + "/systemd/camsift.service")
        for line in ["Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=60", "Restart=on-failure",
                     "RestartPreventExitStatus=64 65 78", "DynamicUser=yes", "StateDirectory=camsift",
                     "LogsDirectory=camsift", "ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "LimitNOFILE=65536"] {
            #expect(text.contains(line), "missing \(line)")
        }
    }

    @Test("the shipped default config is what the daemon's defaults are")
    func defaultConfig() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let data = FileManager.default.contents(atPath: packageRoot + "/systemd/camsift.json")!
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(json["cameras"] as? String == "/etc/camsift/cameras")
        #expect(json["log"] as? String == "/var/log/camsift/classifications.jsonl")
        let r = try await camsift(["validate", "--config", packageRoot + "/systemd/camsift.json", packageRoot + "/cameras"], in: dir)
        #expect(r.status == 0, "\(r.out)\(r.err)")
    }
}
