/// A benchmark's command line was wrong.
struct BenchmarkUsage: Error, CustomStringConvertible {
    var description: String
    init(_ usage: String) { description = "usage: imgsearch-bench " + usage }
}
