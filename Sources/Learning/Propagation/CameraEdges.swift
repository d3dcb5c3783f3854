import Foundation

/// The camera graph of issue 21: Indyk, Kajdanowicz, Kazienko ("Relational large scale multi-label classification
/// method for video categorization") propagate over relations between videos; between cameras the relations at hand
/// are place (k nearest by great-circle distance), source (same aggregator) and description (a shared tag). Each
/// relation gives every camera about the same total weight, so no one relation drowns the others.
public enum CameraEdges {
    /// What the graph needs of one camera (the registry's definition, without anything secret).
    public struct Camera: Sendable {
        public var node: Int
        public var latitude: Double?
        public var longitude: Double?
        public var aggregator: String?
        public var tags: [String]
        public init(node: Int, latitude: Double? = nil, longitude: Double? = nil, aggregator: String? = nil,
                    tags: [String] = []) {
            self.node = node
            self.latitude = latitude
            self.longitude = longitude
            self.aggregator = aggregator
            self.tags = tags
        }
    }

    /// Great-circle distance in metres (haversine, mean Earth radius 6,371 km).
    public static func distance(_ a: (lat: Double, lon: Double), _ b: (lat: Double, lon: Double)) -> Double {
        let r = Double.pi / 180
        let dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(a.lat * r) * cos(b.lat * r) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6_371_000 * asin(min(1, h.squareRoot()))
    }

    /// Each located camera → its k nearest located cameras (ties: lower node), weight 1/k. O(m²) in the located
    /// cameras: a registry holds thousands, not millions.
    public static func geographic(_ cameras: [Camera], k: Int) -> [PropagationGraph.Edge] {
        let located = cameras.compactMap { c -> (node: Int, p: (lat: Double, lon: Double))? in
            guard let lat = c.latitude, let lon = c.longitude else { return nil }
            return (c.node, (lat, lon))
        }
        let kk = min(k, located.count - 1)
        guard kk >= 1 else { return [] }
        var out: [PropagationGraph.Edge] = []
        for a in located {
            let nearest = located.filter { $0.node != a.node }
                .map { (node: $0.node, d: distance(a.p, $0.p)) }
                .sorted { ($0.d, $0.node) < ($1.d, $1.node) }
                .prefix(kk)
            for b in nearest { out.append(PropagationGraph.Edge(a.node, b.node, weight: 1 / Float(kk))) }
        }
        return out
    }

    /// Cameras that share an aggregator, and cameras that share a tag. Within a group of m cameras (sorted by node)
    /// each is joined to the next c = min(m − 1, `reach`) members cyclically, each pair once: a full clique for
    /// small groups, a bounded-degree circulant for a 5,000-camera aggregator (no m² edges). The weight is one over
    /// a member's number of partners in the group, so after W + Wᵀ each member gets exactly 1 from each group.
    public static func shared(_ cameras: [Camera], reach: Int = 8) -> [PropagationGraph.Edge] {
        var groups: [String: [Int]] = [:]
        for c in cameras {
            if let a = c.aggregator, !a.isEmpty { groups["aggregator:" + a, default: []].append(c.node) }
            for t in Set(c.tags) where !t.isEmpty { groups["tag:" + t, default: []].append(c.node) }
        }
        var out: [PropagationGraph.Edge] = []
        for key in groups.keys.sorted() {
            let members = groups[key]!.sorted()
            let m = members.count
            guard m >= 2 else { continue }
            let c = min(m - 1, max(1, reach))
            let w = 1 / Float(min(m - 1, 2 * c))
            // A pair is joined once even when the cycle wraps onto itself (c ≥ m/2).
            var seen = Set<[Int]>()
            for i in 0..<m {
                for step in 1...c {
                    let a = members[i], b = members[(i + step) % m]
                    guard seen.insert([min(a, b), max(a, b)]).inserted else { continue }
                    out.append(PropagationGraph.Edge(a, b, weight: w))
                }
            }
        }
        return out
    }
}
