import Foundation
import Imaging
import Tensor

/// `imgsearch-bench imaging FILE… [--repeat R]`: decode + EfficientNet-Lite preprocessing (224,
/// centre crop, normalise) of image files on one thread, the work indexing does per image.
///
/// Prints one JSON line: images/s in wall and CPU time. scripts/bench/imaging.py runs Pillow beside it.
enum ImagingBenchmark {
    static func run(_ args: [String]) throws {
        let repeatIndex = args.firstIndex(of: "--repeat")
        let repeats = repeatIndex.flatMap { args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil } ?? 5
        let files = args.enumerated().filter { repeatIndex == nil || ($0.offset != repeatIndex! && $0.offset != repeatIndex! + 1) }.map(\.element)
        guard !files.isEmpty else { throw BenchmarkUsage("imaging FILE… [--repeat R]") }
        let contents = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let p = Preprocessing.efficientNetLite
        var input = [Float](repeating: 0, count: p.size * p.size * 3)

        func pass() throws {
            for (name, data) in zip(files, contents) {
                let image = try ImageDecoder.decode(data: data, name: name, hintSize: p.decodeHint)
                input.withUnsafeMutableBufferPointer { p.normalize(image, into: $0.baseAddress!) }
            }
        }
        try pass()  // warm-up
        let cpuStart = cpuSeconds(), start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { try pass() }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu = cpuSeconds() - cpuStart
        let images = Double(files.count * repeats)
        let figures = ["images_per_s": images / wall, "images_per_cpu_s": images / cpu, "images": images, "threads": 1]
        let json = try JSONSerialization.data(withJSONObject: ["bench": "imaging", "figures": figures], options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
