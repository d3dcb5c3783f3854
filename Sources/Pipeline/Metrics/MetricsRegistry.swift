import Synchronization

/// Gathers metric families from collectors at scrape time. Components register a collector closure once;
/// the registry never caches values, so a scrape always sees current state.
public final class MetricsRegistry: Sendable {
    public typealias Collector = @Sendable () -> [MetricFamily]
    private let collectors = Mutex<[(String, Collector)]>([])

    public init() {}

    /// Registers (or replaces) the collector named `key`.
    public func register(_ key: String, _ collector: @escaping Collector) {
        collectors.withLock { list in
            list.removeAll { $0.0 == key }
            list.append((key, collector))
        }
    }

    /// The whole exposition, families sorted by name (each family rendered once).
    public func render() -> String {
        let list = collectors.withLock { $0 }
        var families: [String: MetricFamily] = [:]
        for (_, c) in list {
            for f in c() {
                if var existing = families[f.name] {
                    existing.samples += f.samples
                    families[f.name] = existing
                } else {
                    families[f.name] = f
                }
            }
        }
        var out = ""
        for name in families.keys.sorted() { families[name]!.render(into: &out) }
        return out
    }
}
