import Foundation
import FuzzSupport
import Search
import XCTest

/// Every checksummed file kind of the Search module, fuzzed: any change to the bytes must be refused with a
/// `SearchError` (never a crash, never damage read as data); a pair of flipped top bits in consecutive 64-bit
/// words (which FNV-1a let through) included.
final class ChecksummedFileFuzzTests: XCTestCase {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-files-\(UUID().uuidString)")
    override func setUpWithError() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// (kind, saved bytes, loader) for whitening, HNSW graph, int8 rows and saved float rows.
    private func savedFiles() throws -> [(String, [UInt8], (URL) throws -> Void)] {
        let vectors = SyntheticData.clustered(count: 300, dimension: 16, clusters: 6, seed: 5)
        let whitening = try PCAWhitening.fit(vectors, outputDimension: 8)
        let graph = HNSWIndex(dimension: 16, parameters: .init(m: 8, efConstruction: 40))
        graph.add(contentsOf: vectors)
        let kinds: [(String, (URL) throws -> Void, (URL) throws -> Void)] = [
            ("whitening", { try whitening.save(to: $0) }, { _ = try PCAWhitening.load(from: $0) }),
            ("graph", { try graph.save(to: $0) }, { _ = try HNSWIndex.load(from: $0, vectors: vectors, linkingNewRows: false) }),
            ("int8 rows", { try QuantizedMatrix(quantizing: vectors).save(to: $0) }, { _ = try QuantizedMatrix.load(from: $0) }),
            ("float rows", { try vectors.save(to: $0) }, { _ = try VectorMatrix(savedFile: $0) }),
        ]
        return try kinds.map { name, save, load in
            let url = folder.appendingPathComponent("\(name).bin")
            try save(url)
            return (name, [UInt8](try Data(contentsOf: url)), load)
        }
    }

    func testEveryMutationOfEveryFileKindIsRefused() throws {
        var fuzzer = Fuzzer(seed: 18)
        for (kind, original, load) in try savedFiles() {
            let url = folder.appendingPathComponent("mutated-\(kind).bin")
            var damagedAccepted = 0
            let report = fuzzer.run("checksummed file: \(kind)", corpus: [original], count: 1_000, budget: 15) { bytes in
                try Data(bytes).write(to: url)
                do {
                    try load(url)
                } catch let error as SearchError {
                    throw error
                } catch {
                    XCTFail("\(kind): an untyped error \(error)")
                    throw error
                }
                if bytes != original { damagedAccepted += 1 }
            }
            XCTAssertEqual(damagedAccepted, 0, "\(kind): damaged bytes were read as data")
            XCTAssertGreaterThan(report.rejected, report.inputs / 2, "\(kind): \(report)")

            // Found by the fuzzer: a payload length past Int.max trapped instead of failing.
            var huge = original
            for i in 16..<24 { huge[i] = 0xFF }
            try Data(huge).write(to: url)
            XCTAssertThrowsError(try load(url), "\(kind): payload length 2^64 - 1")

            // Two flipped top bits in consecutive 64-bit words, all over the payload.
            for word in stride(from: 4, to: original.count / 8 - 1, by: max(1, original.count / 8 / 200)) {
                var bytes = original
                bytes[word * 8 + 7] ^= 0x80
                bytes[word * 8 + 15] ^= 0x80
                try Data(bytes).write(to: url)
                XCTAssertThrowsError(try load(url), "\(kind): top bits of words \(word) and \(word + 1) flipped")
            }
        }
    }
}
