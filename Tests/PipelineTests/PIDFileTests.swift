#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Pipeline
import Testing
import Serving

@Suite("PID file")
struct PIDFileTests {
    @Test("one holder per state directory; the file names our pid; removed on exit")
    func exclusive() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let p = try PIDFile(stateDirectory: dir.path)
        #expect(readLines(p.path) == ["\(getpid())"])
        #expect(PIDFile.probe(p.path) == .running(pid: getpid()))
        #expect {
            _ = try PIDFile(stateDirectory: dir.path)
        } throws: { e in
            (e as? PipelineError)?.code == .alreadyRunning && "\(e)".contains("pid \(getpid())")
        }
        p.remove()
        #expect(PIDFile.probe(p.path) == .absent)
        let again = try PIDFile(stateDirectory: dir.path)
        again.remove()
    }

    @Test("a pid file nobody holds (daemon killed) is stale and gets replaced")
    func stale() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = PIDFile.path(inStateDirectory: dir.path)
        // pid 1 is alive, but no process holds the lock: the lock decides, not the pid.
        FileManager.default.createFile(atPath: path, contents: Data("1\n".utf8))
        #expect(PIDFile.probe(path) == .stale(pid: 1))
        let p = try PIDFile(stateDirectory: dir.path + "/")
        #expect(readLines(path) == ["\(getpid())"])
        p.remove()
    }

    @Test("a missing state directory is an error that names it")
    func missingDirectory() {
        #expect {
            _ = try PIDFile(stateDirectory: "/nonexistent-camsift-state")
        } throws: { e in "\(e)".contains("/nonexistent-camsift-state") }
    }
}

@Suite("Shards")
struct ShardSpecTests {
    @Test("K/N and K-of-N parse; nonsense is a config error", arguments: [
        ("2/4", ShardSpec(index: 2, count: 4)), ("3-of-8", ShardSpec(index: 3, count: 8)), ("1/1", ShardSpec(index: 1, count: 1)),
    ])
    func parse(text: String, expected: ShardSpec) throws {
        #expect(try ShardSpec(parsing: text) == expected)
    }

    @Test("empty means unsharded", arguments: ["", "  "])
    func empty(text: String) throws { #expect(try ShardSpec(parsing: text) == nil) }

    @Test("invalid specs", arguments: ["0/4", "5/4", "a/b", "2", "2-of-", "1/0"])
    func invalid(text: String) {
        #expect(throws: PipelineError.self) { try ShardSpec(parsing: text) }
    }

    @Test("shards partition the cameras: each id in exactly one, and none is nearly empty")
    func partition() throws {
        let ids = (0..<4000).map { "cam-\($0)" }
        let shards = (1...4).map { ShardSpec(index: $0, count: 4) }
        var counts = [0, 0, 0, 0]
        for id in ids {
            let owners = shards.indices.filter { shards[$0].contains(id) }
            #expect(owners.count == 1)
            counts[owners[0]] += 1
        }
        #expect(counts.allSatisfy { $0 > 800 }, "\(counts)")
    }
}
