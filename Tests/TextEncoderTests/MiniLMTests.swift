import Foundation
import Tensor
import TextEncoder
import Weights
import XCTest

/// Sentence embeddings against the independent float64 numpy model (scripts/reference/minilm_numpy.py).
final class MiniLMTests: XCTestCase {
    nonisolated(unsafe) private static var shared: MiniLM?

    private func model() throws -> MiniLM {
        if let model = Self.shared { return model }
        let model = try MiniLM.pretrained()
        Self.shared = model
        return model
    }

    func testMatchesNumpyReferenceEmbeddings() throws {
        let file = try SafeTensors.read(WordPieceTokenizerTests.fixtures.appendingPathComponent("minilm_embeddings.safetensors"))
        let texts = try JSONDecoder().decode([String].self, from: Data(file.metadata["texts", default: "[]"].utf8))
        let reference = try XCTUnwrap(file.tensors["embeddings"])
        XCTAssertEqual(reference.shape, [texts.count, 384])
        XCTAssertGreaterThanOrEqual(texts.count, 30)

        let model = try model()
        defer { CPUKernels.path = CPUKernels.supported }
        for path in CPUKernels.runnable {  // the C GEMM of each instruction set, and the OpenBLAS baseline
            CPUKernels.path = path
            let embeddings = model.encode(texts)
            XCTAssertEqual(embeddings.shape, [texts.count, 384])
            var worst: Float = 1
            for i in 0..<texts.count {
                let ours = embeddings.data[(i * 384)..<((i + 1) * 384)], theirs = reference.data[(i * 384)..<((i + 1) * 384)]
                let cosine = zip(ours, theirs).reduce(0) { $0 + $1.0 * $1.1 }
                worst = min(worst, cosine)
                XCTAssertGreaterThanOrEqual(cosine, 0.9999, "\(path): text \(i) \(texts[i].prefix(40).debugDescription)")
            }
            print("MiniLM parity on the \(path) path: worst cosine \(worst) over \(texts.count) sentences")
        }
    }

    func testBatchingAndPaddingDoNotChangeEmbeddings() throws {
        let model = try model()
        let texts = ["a cat", "a very long description of a red leather handbag with golden buckles", "", "☕"]
        let together = model.encode(texts)
        for (i, text) in texts.enumerated() {
            let alone = model.encode([text])
            for c in 0..<384 { XCTAssertEqual(alone.data[c], together.data[i * 384 + c], accuracy: 1e-5) }
        }
        XCTAssertEqual(model.encode(model.tokenizer.encodeBatch(texts)), together)
    }

    func testRowsAreUnitLengthAndMeaningful() throws {
        let model = try model()
        let e = model.encode(["a cup of coffee", "a mug of espresso", "a rocket launch"])
        func row(_ i: Int) -> ArraySlice<Float> { e.data[(i * 384)..<((i + 1) * 384)] }
        func cosine(_ a: Int, _ b: Int) -> Float { zip(row(a), row(b)).reduce(0) { $0 + $1.0 * $1.1 } }
        for i in 0..<3 { XCTAssertEqual(cosine(i, i), 1, accuracy: 1e-5) }
        XCTAssertGreaterThan(cosine(0, 1), cosine(0, 2) + 0.2)
        XCTAssertEqual(model.encode([]).shape, [0, 384])
    }

    func testMissingWeightsFileIsATypedError() throws {
        let tokenizer = try WordPieceTokenizer.miniLM()
        XCTAssertThrowsError(try MiniLM(weights: URL(fileURLWithPath: "/nonexistent/model.safetensors"),
                                        tokenizer: tokenizer, identifier: "x")) { error in
            XCTAssertTrue(error is MiniLMError && "\(error)".contains("/nonexistent/model.safetensors"), "\(error)")
        }
    }
}
