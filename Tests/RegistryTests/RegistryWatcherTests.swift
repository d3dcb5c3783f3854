import Foundation
import Synchronization
import Testing
@testable import Registry

/// The watcher against a real directory and real inotify. Waits are bounded polls for the callback, never
/// sleeps standing in for it.
@Suite struct RegistryWatcherTests {
    final class Counter: Sendable {
        let count = Mutex(0)
        func bump() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }

        /// Waits (bounded) until the count exceeds `n`; returns whether it did.
        func wait(above n: Int, seconds: Double = 10) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            while Date() < deadline {
                if value > n { return true }
                usleep(5_000)
            }
            return value > n
        }
    }

    @Test func seesCreateModifyRenameAndDelete() throws {
        let dir = TestDirectory("watch")
        let c = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.05) { c.bump() }
        defer { w.stop() }

        dir.write("a.json", TestDirectory.camera("a"))
        #expect(c.wait(above: 0), "create")
        var n = c.value

        dir.write("a.json", TestDirectory.camera("a", interval: 3))
        #expect(c.wait(above: n), "modify in place")
        n = c.value

        dir.writeAtomically("b.json", TestDirectory.camera("b"))
        #expect(c.wait(above: n), "atomic replace (rename into the directory)")
        n = c.value

        #expect(rename(dir.file("b.json"), dir.file("b.json.disabled")) == 0)
        #expect(c.wait(above: n), "rename out of *.json")
        n = c.value

        dir.remove("a.json")
        #expect(c.wait(above: n), "delete")
    }

    /// The callback sees the finished file: after it fires, the loader reads the new content.
    @Test func callbackFollowsCompleteWrites() throws {
        let dir = TestDirectory("watch")
        let c = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.05) { c.bump() }
        defer { w.stop() }
        dir.writeAtomically("x.json", TestDirectory.camera("x", interval: 7))
        #expect(c.wait(above: 0))
        #expect(RegistryLoader.load(directory: dir.path, previous: nil).cameras["x"]?.interval == 7)
    }

    /// A burst of writes is coalesced: far fewer callbacks than files. A second watcher with a longer
    /// debounce tells when the burst is over for inotify (it fires only after a quiet period longer than
    /// the first one's maximum delay), so the count is final when it is checked.
    @Test func debouncesBursts() throws {
        let dir = TestDirectory("watch")
        let c = Counter(), settled = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.5) { c.bump() }
        defer { w.stop() }
        let control = try RegistryWatcher(directory: dir.path, debounce: 3) { settled.bump() }
        defer { control.stop() }
        for i in 0..<200 { dir.write("c\(i).json", TestDirectory.camera("c\(i)")) }
        #expect(settled.wait(above: 0, seconds: 30))
        // 200 files × (create + close_write) = 400 events. Only a writer stalling > 0.5 s, or the 2.5 s
        // maximum delay, can split the burst; one callback per file would mean no debouncing at all.
        #expect(c.value >= 1)
        #expect(c.value < 10)
    }

    @Test func isRegistryFileNameFiltersEditorFiles() {
        #expect(RegistryFileSystem.isRegistryFileName("cam.json"))
        #expect(!RegistryFileSystem.isRegistryFileName(".cam.json.swp"))
        #expect(!RegistryFileSystem.isRegistryFileName(".cam.json"))
        #expect(!RegistryFileSystem.isRegistryFileName("#cam.json#"))
        #expect(!RegistryFileSystem.isRegistryFileName("cam.json~"))
        #expect(!RegistryFileSystem.isRegistryFileName("cam.json.tmp"))
        #expect(!RegistryFileSystem.isRegistryFileName(".json"))
    }

    @Test func directoryReplacedIsWatchedAgain() throws {
        let dir = TestDirectory("watch")
        let c = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.05) { c.bump() }
        defer { w.stop() }
        let aside = dir.path + "-old"
        #expect(rename(dir.path, aside) == 0)
        defer { try? FileManager.default.removeItem(atPath: aside) }
        #expect(c.wait(above: 0), "directory moved away")
        let n = c.value
        #expect(mkdir(dir.path, 0o755) == 0)
        // Re-watched within about a second; the re-watch itself reports a change.
        #expect(c.wait(above: n), "directory back")
        let m = c.value
        dir.write("new.json", TestDirectory.camera("new"))
        #expect(c.wait(above: m), "writes in the new directory are seen")
    }

    @Test func missingDirectoryThrowsNamingIt() {
        #expect {
            _ = try RegistryWatcher(directory: "/nonexistent/camsift-cams") {}
        } throws: { e in
            guard let e = e as? RegistryError else { return false }
            return e.code == .notFound && e.path == "/nonexistent/camsift-cams"
        }
    }

    @Test func stopIsIdempotentAndStopsCallbacks() throws {
        let dir = TestDirectory("watch")
        let c = Counter(), control = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.05) { c.bump() }
        dir.write("a.json", TestDirectory.camera("a"))
        #expect(c.wait(above: 0))
        w.stop()
        w.stop()
        // A live watcher with this debounce would fire long before the control watcher (debounce 1 s) does.
        let other = try RegistryWatcher(directory: dir.path, debounce: 1) { control.bump() }
        defer { other.stop() }
        let n = c.value
        dir.write("b.json", TestDirectory.camera("b"))
        dir.remove("a.json")
        #expect(control.wait(above: 0))
        #expect(c.value == n)
    }
}
