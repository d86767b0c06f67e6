import Foundation
import Search
import Tensor

/// `imgsearch-bench search exact VECTORS.f32 N QUERIES.f32 NQ D [--threads T] [--repeats R]`
/// `imgsearch-bench search hnsw VECTORS.f32 N QUERIES.f32 NQ D TRUTH.i32 --m M --ef-construction E --ef 16,32,… [--seed S]`
/// `imgsearch-bench search int8 VECTORS.f32 N QUERIES.f32 NQ D`
/// Any mode: `--kernel avx512|avx2|baseline` forces the distance kernels' instruction set.
///
/// Our side of scripts/bench/search.py; inputs are raw little-endian float32 rows written once by
/// the script and memory-mapped here. Prints one JSON line per measurement.
enum SearchBenchmark {
    static func run(_ args: [String]) throws {
        guard args.count >= 6, let n = Int(args[2]), let nq = Int(args[4]), let d = Int(args[5]) else {
            throw BenchmarkUsage("search {exact|hnsw|int8} VECTORS.f32 N QUERIES.f32 NQ D [options]")
        }
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        let vectors = try VectorMatrix(mappedFile: URL(fileURLWithPath: args[1]), offset: 0, count: n, dimension: d)
        let queries = try VectorMatrix(mappedFile: URL(fileURLWithPath: args[3]), offset: 0, count: nq, dimension: d)
        Parallel.configure(threads: option("--threads").flatMap(Int.init) ?? ProcessInfoCores.count)
        if let kernel = option("--kernel"), !Distance._selectKernel(kernel) {  // e.g. baseline, to see what SIMD buys
            throw BenchmarkUsage("--kernel \(kernel): not one of avx512, avx2, baseline that this CPU runs")
        }
        switch args[0] {
        case "exact": try exact(vectors, queries, repeats: option("--repeats").flatMap(Int.init) ?? 20)
        case "hnsw":
            guard args.count >= 7 else { throw BenchmarkUsage("search hnsw … TRUTH.i32 [--m M] [--ef-construction E] [--ef 16,32] [--build-threads T]") }
            let truth = try Data(contentsOf: URL(fileURLWithPath: args[6])).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
            try hnsw(vectors, queries, truth: truth, m: option("--m").flatMap(Int.init) ?? 16,
                     efConstruction: option("--ef-construction").flatMap(Int.init) ?? 200,
                     seed: option("--seed").flatMap(UInt64.init) ?? 42,
                     efs: (option("--ef") ?? "16,32,64,128,256").split(separator: ",").compactMap { Int($0) },
                     buildThreads: option("--build-threads").flatMap(Int.init) ?? 1)
        case "int8": try int8(vectors, queries)
        default: throw BenchmarkUsage("search mode must be exact, hnsw or int8, not \(args[0])")
        }
    }

    // MARK: Exact search and the memory-bandwidth floor

    private static func exact(_ vectors: VectorMatrix, _ queries: VectorMatrix, repeats: Int) throws {
        let start = now()
        let search = ExactSearch(vectors)  // maps in the pages and computes the norms
        let prepare = now() - start
        let bandwidth = readBandwidth(byteCount: 512 << 20)
        var single: [Double] = [], singleCPU: [Double] = []
        for r in 0..<repeats {
            let query = queries.rowArray(r % queries.count)
            let (t, c) = (now(), cpuTime())
            _ = search.search(query, k: 10)
            single.append(now() - t)
            singleCPU.append(cpuTime() - c)
        }
        let batchQueries = VectorMatrix(dimension: queries.dimension, values: Array(queries.values.prefix(256 * queries.dimension)))
        var batch: [Double] = [], batchCPU: [Double] = []
        for _ in 0..<3 {
            let (t, c) = (now(), cpuTime())
            _ = search.search(queries: batchQueries, k: 10)
            batch.append(now() - t)
            batchCPU.append(cpuTime() - c)
        }
        let scanned = Double(vectors.count * vectors.dimension * 4 + vectors.count * 4)  // rows + norms
        try emit("exact", ["n": Double(vectors.count), "d": Double(vectors.dimension), "threads": Double(Parallel.threads),
                           "prepare_seconds": prepare, "single_seconds": median(single), "single_cpu_seconds": median(singleCPU),
                           "batch256_seconds": median(batch), "batch256_cpu_seconds": median(batchCPU),
                           "batch_queries": Double(batchQueries.count), "kernel": Distance.kernelName,
                           "bandwidth_gbs": bandwidth / 1e9, "floor_seconds": scanned / bandwidth,
                           "single_over_floor": median(single) / (scanned / bandwidth)])
    }

    /// STREAM-like read: sums a buffer larger than the caches with the same SIMD loads as a scan; the best
    /// of 5 passes on 1 thread and on all threads (under load from other jobs either can win), so that
    /// the floor derived from it is the strictest one this run saw.
    private static func readBandwidth(byteCount: Int) -> Double {
        let count = byteCount / 4
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        var best = Double.infinity
        for threads in Set([1, Parallel.threads]).sorted() {
            var sums = [Float](repeating: 0, count: threads)
            for _ in 0..<5 {
                let t = now()
                sums.withUnsafeMutableBufferPointer { sums in
                    let sums = sums
                    Parallel.forEach(sums.count, threads: threads) { w in
                        let lo = count * w / sums.count, hi = count * (w + 1) / sums.count
                        sums[w] = Distance.dot(buffer + lo, buffer + lo, hi - lo)
                    }
                }
                best = min(best, now() - t)
            }
            precondition(sums.reduce(0, +) > 0)
        }
        return Double(byteCount) / best
    }

    // MARK: HNSW

    private static func hnsw(_ vectors: VectorMatrix, _ queries: VectorMatrix, truth: [Int32], m: Int,
                             efConstruction: Int, seed: UInt64, efs: [Int], buildThreads: Int) throws {
        let k = 10
        guard truth.count >= queries.count * k else { throw BenchmarkUsage("truth file holds \(truth.count) ids, \(queries.count * k) needed") }
        let index = HNSWIndex(dimension: vectors.dimension, parameters: .init(m: m, efConstruction: efConstruction, seed: seed),
                              capacity: vectors.count)
        let (start, startCPU) = (now(), cpuTime())
        index.add(contentsOf: vectors, threads: buildThreads)
        let (build, buildCPU) = (now() - start, cpuTime() - startCPU)
        try emit("hnsw_build", ["n": Double(vectors.count), "m": Double(m), "ef_construction": Double(efConstruction),
                                "build_threads": Double(buildThreads),
                                "build_seconds": build, "build_cpu_seconds": buildCPU, "kernel": Distance.kernelName])
        let rows = (0..<queries.count).map { queries.rowArray($0) }  // outside the timed loop, like the peers' arrays
        for ef in efs {
            var found: [[Neighbor]] = []
            found.reserveCapacity(rows.count)
            let (t, tCPU) = (now(), cpuTime())
            for query in rows { found.append(index.search(query, k: k, ef: ef)) }
            let (seconds, cpu) = (now() - t, cpuTime() - tCPU)
            var hits = 0
            for (q, neighbors) in found.enumerated() {
                let expected = Set(truth[(q * k)..<((q + 1) * k)].map(Int.init))
                hits += neighbors.filter { expected.contains($0.index) }.count
            }
            try emit("hnsw_search", ["ef": Double(ef), "qps": Double(queries.count) / seconds, "cpu_qps": Double(queries.count) / cpu,
                                     "recall10": Double(hits) / Double(queries.count * k)])
        }
    }

    // MARK: int8

    private static func int8(_ vectors: VectorMatrix, _ queries: VectorMatrix) throws {
        let quantized = QuantizedMatrix(quantizing: vectors)
        let exact = ExactSearch(vectors)
        var hits = 0, total = 0
        var seconds: [Double] = []
        for q in 0..<min(queries.count, 100) {
            let query = queries.rowArray(q)
            let t = now()
            let found = quantized.search(query, k: 10)
            seconds.append(now() - t)
            let expected = Set(exact.search(query, k: 10).map(\.index))
            hits += found.filter { expected.contains($0.index) }.count
            total += 10
        }
        try emit("int8", ["recall10": Double(hits) / Double(total), "single_seconds": median(seconds),
                          "bytes_ratio": Double(vectors.count * vectors.dimension * 4) / Double(quantized.byteCount)])
    }

    // MARK: Helpers

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// CPU seconds (user + system) of this process: under load from other jobs, a fairer clock than wall time.
    private static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    private static func emit(_ name: String, _ figures: [String: Any]) throws {
        let json = try JSONSerialization.data(withJSONObject: ["bench": "search_\(name)", "figures": figures], options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
        fflush(stdout)
    }
}
