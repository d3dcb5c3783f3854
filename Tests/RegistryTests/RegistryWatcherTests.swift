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

    /// A burst of writes is coalesced: far fewer callbacks than files.
    @Test func debouncesBursts() throws {
        let dir = TestDirectory("watch")
        let c = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.5) { c.bump() }
        defer { w.stop() }
        for i in 0..<200 { dir.write("c\(i).json", TestDirectory.camera("c\(i)")) }
        #expect(c.wait(above: 0))
        // 200 files × (create + close_write) = 400 events; the maximum delay (2.5 s) bounds how often a
        // continuous burst may fire, so even a slow machine stays far below one callback per file.
        #expect(c.value < 20)
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
        let c = Counter()
        let w = try RegistryWatcher(directory: dir.path, debounce: 0.05) { c.bump() }
        dir.write("a.json", TestDirectory.camera("a"))
        #expect(c.wait(above: 0))
        w.stop()
        w.stop()
        // After stop() returned the thread is joined: nothing can call back any more.
        let n = c.value
        dir.write("b.json", TestDirectory.camera("b"))
        dir.remove("a.json")
        #expect(c.value == n)
    }
}
