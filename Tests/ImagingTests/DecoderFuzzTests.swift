import Foundation
import FuzzSupport
import Imaging
import XCTest

/// PNG, JPEG and WebP decoding fuzzed from real files: a mutated image decodes to a well-formed picture or is
/// an `ImageError`, never a crash, a hang or a decompression bomb.
final class DecoderFuzzTests: XCTestCase {
    func testMutatedImagesDecodeOrFailTyped() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let files = ["Fixtures/rgb8.png", "Fixtures/palette.png", "Fixtures/rgb8_interlaced.png", "Fixtures/rgba_lossless.webp",
                     "Fixtures/flat_lossy.webp", "../VisionEncoderTests/Fixtures/chelsea.jpg"]
        let corpus = try files.map { [UInt8](try Data(contentsOf: here.appendingPathComponent($0))) }
        var fuzzer = Fuzzer(seed: 18)
        let report = fuzzer.run("PNG/JPEG/WebP decoding", corpus: corpus, count: 6_000, budget: 40) { bytes in
            let image: RGBImage
            do {
                image = try ImageDecoder.decode(data: Data(bytes), name: "fuzzed")
            } catch let error as ImageError {
                throw error
            } catch {
                XCTFail("an untyped error: \(error)")
                throw error
            }
            XCTAssertGreaterThan(image.width, 0)
            XCTAssertGreaterThan(image.height, 0)
            XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
        }
        XCTAssertGreaterThan(report.rejected, 0)
        XCTAssertGreaterThan(report.accepted, corpus.count, "some damage (in pixels) still decodes, as it should")
    }
}
