import Foundation
import IndexStore
import PostgresStore
import Search
import Tensor

/// `imgsearch-bench postgres URL [--items 100000] [--dimension 256] [--search-items 200000] [--queries 500] [--efs 16,32,64,128]`
///
/// The PostgreSQL backend beside the embedded store, on the same synthetic vectors in one run:
///  1. ingestion: `--items` items (ids, metadata, one `--dimension` vector each) through the store protocol, in
///     batches of 5,000 (as `imgsearch index` commits), into an index directory and into PostgreSQL: items/s;
///  2. search at `--search-items` clustered rows: our HNSW graph vs pgvector's HNSW index (both m 16,
///     ef_construction 100), recall@10 against the exact top 10 and queries/s at each ef, with 1 client and with
///     8 concurrent clients (threads for ours, connections for pgvector); the exact scan's latency on both.
/// Each part is a fresh schema of URL's database, dropped afterwards. JSON lines on stdout.
enum PostgresBenchmark {
    static func run(_ args: [String]) throws {
        guard let text = args.first, DatabaseURL.isDatabaseURL(text) else {
            throw BenchmarkUsage("postgres URL [--items 100000] [--dimension 256] [--search-items 200000] [--queries 500] [--efs 16,32,64,128]")
        }
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        let items = Int(option("--items") ?? "") ?? 100_000, dimension = Int(option("--dimension") ?? "") ?? 256
        let searchItems = Int(option("--search-items") ?? "") ?? 200_000, queryCount = Int(option("--queries") ?? "") ?? 500
        let efs = (option("--efs") ?? "16,32,64,128").split(separator: ",").compactMap { Int($0) }
        let base = try DatabaseURL(text)
        if items > 0 { try ingestion(base, items: items, dimension: dimension) }
        if searchItems > 0 { try search(base, items: searchItems, dimension: dimension, queries: queryCount, efs: efs) }
    }

    // MARK: Ingestion

    private static func ingestion(_ base: DatabaseURL, items: Int, dimension: Int) throws {
        let sets = [VectorSetSpec(name: "joint", dimension: dimension)]
        let vectors = clustered(count: items, dimension: dimension, seed: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-ingest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let embedded = try SQLiteIndexStore.openForWriting(at: directory, modelIdentifier: "bench", vectorSets: sets)
        let embeddedSeconds = try timed { try write(vectors, into: embedded) }
        let url = try scratch(base)
        defer { drop(url) }
        let database = try PostgresIndexStore.openForWriting(url, modelIdentifier: "bench", vectorSets: sets, textBridgeWeight: 2)
        let databaseSeconds = try timed { try write(vectors, into: database) }
        emit("postgres_ingest", ["items": Double(items), "dimension": Double(dimension),
                                 "embedded_items_per_second": Double(items) / embeddedSeconds,
                                 "postgres_items_per_second": Double(items) / databaseSeconds,
                                 "ratio_postgres_to_embedded": embeddedSeconds / databaseSeconds])
    }

    private static func write(_ vectors: VectorMatrix, into store: any IndexStoreProtocol) throws {
        for start in stride(from: 0, to: vectors.count, by: 5000) {
            try store.upsert((start..<min(start + 5000, vectors.count)).map { row in
                ItemUpdate(item: IndexItem(id: String(format: "item-%07d", row), source: "bench", title: "item \(row)",
                                           image: "/images/\(row).jpg", contentHash: String(row)),
                           vectors: ["joint": vectors.rowArray(row)])
            })
        }
    }

    // MARK: Search

    private static func search(_ base: DatabaseURL, items: Int, dimension: Int, queries queryCount: Int, efs: [Int]) throws {
        let vectors = clustered(count: items + queryCount, dimension: dimension, seed: 2)
        let rows = VectorMatrix(count: items, dimension: dimension) { $0.update(from: vectors.baseAddress, count: items * dimension) }
        let queries = (items..<(items + queryCount)).map { vectors.rowArray($0) }
        let exact = ExactSearch(rows)
        let truth = queries.map { Set(exact.search($0, k: 10).map { String(format: "item-%07d", $0.index) }) }
        let ourExact = try timed { for query in queries.prefix(50) { _ = exact.search(query, k: 10) } } / 50

        let url = try scratch(base)
        defer { drop(url) }
        let store = try PostgresIndexStore.openForWriting(url, modelIdentifier: "bench", vectorSets: [VectorSetSpec(name: "joint", dimension: dimension)],
                                                          textBridgeWeight: 2)
        try write(rows, into: store)
        let pgExact = try timed { for query in queries.prefix(10) { _ = try store.nearestText(query, bridgeWeight: nil, k: 10, scan: .exact) } } / 10
        emit("exact_latency", ["n": Double(items), "dimension": Double(dimension), "ours_ms": ourExact * 1000, "pgvector_ms": pgExact * 1000,
                               "ratio_pgvector_to_ours": pgExact / ourExact])

        let graph = HNSWIndex(dimension: dimension, parameters: .init(m: PostgresIndexStore.hnswM, efConstruction: PostgresIndexStore.hnswEfConstruction),
                              capacity: items)
        let ourBuild = try timed { graph.add(contentsOf: rows, threads: Parallel.threads) }
        let pgBuild = try timed { try store.createTextSearchIndex() }
        emit("hnsw_build", ["n": Double(items), "ours_seconds": ourBuild, "pgvector_seconds": pgBuild])

        for ef in efs {
            for clients in [1, 8] {
                let ourIDs = Slots(queries.count), pgIDs = Slots(queries.count)
                defer { ourIDs.free(); pgIDs.free() }
                let ours = try timed {
                    try concurrently(clients, queries.count) { q in
                        ourIDs.values[q] = graph.search(queries[q], k: 10, ef: ef).map { String(format: "item-%07d", $0.index) }
                    }
                }
                let pg = try timed {
                    try concurrently(clients, queries.count) { q in
                        pgIDs.values[q] = try store.nearestText(queries[q], bridgeWeight: nil, k: 10, scan: .approximate(efSearch: ef)).map(\.id)
                    }
                }
                emit("hnsw_search", ["n": Double(items), "ef": Double(ef), "clients": Double(clients),
                                     "ours_qps": Double(queries.count) / ours, "ours_recall10": recall(ourIDs.array, truth),
                                     "pgvector_qps": Double(queries.count) / pg, "pgvector_recall10": recall(pgIDs.array, truth)])
            }
        }
    }

    /// Runs `body(0..<count)` on `clients` threads, each taking the next index (writes to distinct slots only).
    private static func concurrently(_ clients: Int, _ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let next = Locked(0), failure = Locked<Error?>(nil)
        let group = DispatchGroup()
        for _ in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let index = next.update { value in defer { value += 1 }; return value }
                    guard index < count, failure.value == nil else { return }
                    do { try body(index) } catch { failure.value = error }
                }
            }
        }
        group.wait()
        if let error = failure.value { throw error }
    }

    // MARK: Helpers

    /// One result slot per query, written by concurrent clients (each slot by one of them).
    private final class Slots: @unchecked Sendable {
        let values: UnsafeMutablePointer<[String]>
        let count: Int
        init(_ count: Int) {
            self.count = count
            values = .allocate(capacity: count)
            values.initialize(repeating: [], count: count)
        }
        var array: [[String]] { Array(UnsafeBufferPointer(start: values, count: count)) }
        func free() { values.deinitialize(count: count); values.deallocate() }
    }

    private static func recall(_ found: [[String]], _ truth: [Set<String>]) -> Double {
        Double(zip(found, truth).map { ids, expected in ids.filter(expected.contains).count }.reduce(0, +)) / Double(truth.count * 10)
    }

    private static func clustered(count: Int, dimension: Int, seed: UInt64) -> VectorMatrix {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<100).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) } }
        return VectorMatrix(count: count, dimension: dimension) { out in
            for row in 0..<count {
                let centre = centres[Int.random(in: 0..<centres.count, using: &generator)]
                for j in 0..<dimension { out[row * dimension + j] = centre[j] + 0.3 * Float.random(in: -1...1, using: &generator) }
            }
        }
    }

    private static func scratch(_ base: DatabaseURL) throws -> DatabaseURL {
        var url = base
        url.schema = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        return url
    }

    private static func drop(_ url: DatabaseURL) {
        try? Connections(url).execute("DROP SCHEMA IF EXISTS \"\(url.schema)\" CASCADE")
    }

    private static func timed(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private static func emit(_ name: String, _ figures: [String: Double]) {
        let fields = figures.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \(String(format: "%.4g", $0.value))" }
        print("{\"benchmark\": \"\(name)\", " + fields.joined(separator: ", ") + "}")
        fflush(stdout)
    }
}
