import Foundation
import XCTest

/// `IMGSEARCH_ISA` and `--verbose` through the real binary: a lower path is taken and reported, a higher or
/// unknown one is reported on stderr and ignored, and the answer stays the same on every path.
final class KernelPathTests: XCTestCase {
    private let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../VisionEncoderTests/Fixtures/coffee.jpg").standardizedFileURL.path

    private func classify(isa: String) throws -> CLIRunner.Result {
        let result = try CLIRunner.run(["classify", photo, "--top", "1", "--json", "--verbose"], environment: ["IMGSEARCH_ISA": isa])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func testBaselineIsAlwaysHonouredAndReported() throws {
        let result = try classify(isa: "baseline")
        XCTAssertTrue(result.stderr.contains("kernels: baseline (CPU: "), result.stderr)
        XCTAssertTrue(result.stdout.contains("\"espresso\""), result.stdout)
    }

    func testAPathAboveTheCPUsIsReportedAndIgnored() throws {
        let result = try classify(isa: "avx512")
        if result.stderr.contains("kernels: avx512 (CPU: avx512") { return }  // this CPU has AVX-512: honoured
        XCTAssertTrue(result.stderr.contains("IMGSEARCH_ISA=avx512 asks for more than this CPU offers"), result.stderr)
        XCTAssertFalse(result.stderr.contains("kernels: avx512"), result.stderr)
        XCTAssertTrue(result.stdout.contains("\"espresso\""), result.stdout)
    }

    func testAnUnknownNameIsReportedAndIgnored() throws {
        let result = try classify(isa: "sse9")
        XCTAssertTrue(result.stderr.contains("IMGSEARCH_ISA=sse9 is not one of avx512, avx2, baseline"), result.stderr)
        XCTAssertTrue(result.stdout.contains("\"espresso\""), result.stdout)
    }

    func testEveryPathGivesTheSameTopClass() throws {
        let answers = try ["baseline", "avx2", "avx512"].map { isa -> (label: String, probability: Double) in
            let line = try classify(isa: isa).stdout.split(separator: "\n").first.map(String.init) ?? ""
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let top = try XCTUnwrap((object?["predictions"] as? [[String: Any]])?.first, line)
            return (top["label"] as? String ?? "?", top["probability"] as? Double ?? -1)
        }
        for answer in answers.dropFirst() {
            XCTAssertEqual(answer.label, answers[0].label)
            XCTAssertEqual(answer.probability, answers[0].probability, accuracy: 1e-3)
        }
    }
}
