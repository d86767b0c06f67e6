import Foundation
import Tensor

/// Seeded mutation fuzzing for the parsers of outside bytes (shared by the test targets).
///
/// From a corpus of real files it derives inputs by bit flips, truncation, splicing two inputs, repeating a
/// region many times over ("nesting": deep brackets, repeated opcodes or chunks), inserting and deleting bytes,
/// and overwriting with boundary values. The same seed gives the same inputs on every run. The property each
/// test states: a typed error or a correct result; a crash fails the whole run, and every input is timed.
public struct Fuzzer {
    public struct Report: CustomStringConvertible {
        public var target: String
        public var inputs = 0
        public var accepted = 0
        public var rejected = 0
        /// Rejections by error type (the first words of their descriptions), for the reliability notes.
        public var reasons: [String: Int] = [:]
        public var slowestSeconds = 0.0
        /// Inputs that took over a second (each saved to the temporary folder and named in the output).
        public var slowInputs = 0
        public var description: String {
            let top = reasons.sorted { $0.value > $1.value }.prefix(4).map { "\($0.key) ×\($0.value)" }.joined(separator: "; ")
            return "fuzz \(target): \(inputs) inputs, \(accepted) accepted, \(rejected) typed errors, slowest "
                + String(format: "%.3f s", slowestSeconds) + (top.isEmpty ? "" : " — \(top)")
        }
    }

    private var random: SeededGenerator

    public init(seed: UInt64) { random = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15) }

    public mutating func next() -> UInt64 { random.next() }

    public mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// One mutated input derived from the corpus.
    public mutating func mutate(_ corpus: [[UInt8]]) -> [UInt8] {
        var bytes = corpus[below(corpus.count)]
        for _ in 0...below(3) {  // one to three mutations stacked
            guard !bytes.isEmpty else { return bytes }
            switch below(8) {
            case 0, 1:  // flip 1–8 bits anywhere
                for _ in 0...below(8) { bytes[below(bytes.count)] ^= UInt8(1) << UInt8(below(8)) }
            case 2:  // truncate
                bytes.removeLast(1 + below(bytes.count))
            case 3:  // splice: this input's head, another's tail
                let other = corpus[below(corpus.count)]
                bytes = Array(bytes.prefix(below(bytes.count + 1))) + Array(other.suffix(below(other.count + 1)))
            case 4:  // nesting: a short region repeated many times over
                let start = below(bytes.count), length = 1 + below(min(8, bytes.count - start))
                let region = Array(bytes[start..<(start + length)])
                let times = [2, 64, 1_000, 20_000][below(4)]
                bytes.insert(contentsOf: Array([[UInt8]](repeating: region, count: times).joined()), at: start)
            case 5:  // insert random bytes
                bytes.insert(contentsOf: (0...below(16)).map { _ in UInt8(truncatingIfNeeded: next()) }, at: below(bytes.count + 1))
            case 6:  // delete a range
                let start = below(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(64)))
            default:  // boundary values over 1, 2, 4 or 8 bytes (lengths, counts, sizes)
                let width = [1, 2, 4, 8][below(4)], start = below(bytes.count)
                let value: UInt64 = [0, 0x7F, 0x80, 0xFF, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt64.max, UInt64(Int64.max)][below(8)]
                for i in 0..<width where start + i < bytes.count { bytes[start + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            }
        }
        return bytes
    }

    /// The corpus, then mutated inputs up to `count` (for targets that run asynchronously, like a server).
    public mutating func inputs(from corpus: [[UInt8]], count: Int) -> [[UInt8]] {
        corpus + (corpus.count..<max(corpus.count, count)).map { _ in mutate(corpus) }
    }

    /// Runs `body` on `count` mutated inputs (the corpus itself first), or until `budget` seconds have passed.
    /// `body` returns normally for an accepted input and throws for a rejected one; anything it must check
    /// about an accepted input (that it is correct) it checks itself.
    /// Each target draws from its own stream (the seed and the target's name), so how far one target got within
    /// its budget never changes another's inputs. `IMGSEARCH_FUZZ_SCALE=N` multiplies counts and budgets for a
    /// deeper run than `make test`'s.
    public mutating func run(_ target: String, corpus: [[UInt8]], count: Int, budget: TimeInterval = 20,
                             _ body: ([UInt8]) throws -> Void) -> Report {
        var report = Report(target: target)
        let start = Date()
        let scale = Int(ProcessInfo.processInfo.environment["IMGSEARCH_FUZZ_SCALE"] ?? "") ?? 1
        var stream = Fuzzer(seed: random.state ^ target.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 })
        for index in 0..<(count * scale) {
            let input = index < corpus.count ? corpus[index] : stream.mutate(corpus)
            let began = Date()
            do {
                try body(input)
                report.accepted += 1
            } catch {
                report.rejected += 1
                let kind = String(describing: type(of: error))
                report.reasons[kind, default: 0] += 1
            }
            let seconds = Date().timeIntervalSince(began)
            if seconds > 1 {  // kept for the reproduction: a slow input is a finding
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-slow-\(report.inputs).bin")
                try? Data(input).write(to: file)
                print("fuzz \(target): input \(report.inputs) took \(String(format: "%.1f", seconds)) s, saved as \(file.path)")
                report.slowInputs += 1
            }
            report.slowestSeconds = max(report.slowestSeconds, seconds)
            report.inputs += 1
            if Date().timeIntervalSince(start) > budget * Double(scale) { break }
        }
        print(report)
        return report
    }
}
