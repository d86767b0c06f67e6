import Foundation
import Tensor
import TextEncoder
import Weights

/// Zero-shot text→image scores through the backbone's ImageNet classifier ("the label bridge").
///
/// The 1000 class names are embedded once with a sentence encoder (MiniLM). An image's bridge
/// vector is softmax(logits / T) · nameEmbeddings, L2-normalised: a point in the sentence space
/// that no training put there. A text query's bridge vector is its sentence embedding, so the
/// bridge score is a cosine between them. At query time it is added to the trained model's score:
///
///     score = (jointSimilarity + λ · bridgeSimilarity) / (1 + λ)        (LabelBridge.fusedRows)
///
/// T = 2 was chosen on the demo validation split (445 images, 344 groups; bridge alone R@10 0.166,
/// median rank 98, random R@10 0.029; T in 1.5…3 within noise): `imgsearch-bench label-bridge --catalog val.jsonl`.
/// λ = 2 was chosen for generalisation (`… --model MODEL_DIR` prints the λ grid at T = 2): with the default model,
/// text→image R@10 on the demo validation split (same sources as training) is 0.596 alone and 0.602 at λ 2 (best
/// 0.613 at λ 0.5–1; R@1 rises 0.218 → 0.250), while models trained on one source and tested on the other gain
/// 0.045–0.057 at λ 2 (best at λ 1.5–3).
/// λ = 0 turns it off.
///
///     let bridge = try LabelBridge.cached(encoder: try MiniLM.pretrained(), classNames: ImageNetLabels.names,
///                                         at: cacheDirectory.appendingPathComponent("label-bridge-names.safetensors"))
///     let images = bridge.imageVectors(logits: backboneOutput.logits!)     // [N, 384]
///     let query = bridge.textVectors(["a cup of coffee"])                  // [1, 384]
public struct LabelBridge: @unchecked Sendable {
    /// Softmax temperature over the 1000 logits: > 1 spreads probability over runner-up classes.
    public static let defaultTemperature: Float = 2
    /// λ in `fusedRows`: the bridge's weight beside the joint model's similarity.
    public static let defaultWeight: Float = 2

    public let encoder: SentenceEncoder
    public let classNames: [String]
    /// [classes, dimension], unit rows: the encoder's embedding of each class name.
    public let nameEmbeddings: Tensor
    public var temperature: Float

    // MARK: Building

    /// Embeds the class names now (≈ 1000 short texts: a few seconds for MiniLM).
    public init(encoder: SentenceEncoder, classNames: [String], temperature: Float = LabelBridge.defaultTemperature) {
        self.init(encoder: encoder, classNames: classNames,
                  nameEmbeddings: encoder.encode(classNames), temperature: temperature)
    }

    /// With name embeddings computed before (rows in `classNames` order, `encoder.dimension` wide).
    public init(encoder: SentenceEncoder, classNames: [String], nameEmbeddings: Tensor,
                temperature: Float = LabelBridge.defaultTemperature) {
        precondition(nameEmbeddings.shape == [classNames.count, encoder.dimension],
                     "LabelBridge: name embeddings \(nameEmbeddings.shape) for \(classNames.count) names of \(encoder.dimension)-d")
        self.encoder = encoder
        self.classNames = classNames
        self.nameEmbeddings = nameEmbeddings
        self.temperature = temperature
    }

    /// Each class as the normalised mean of its phrasings' unit embeddings ("tench", "a photo of a tench",
    /// "a tench, a kind of cyprinid", …): one point that sits among the ways people name the class.
    public static func classEmbeddings(encoder: SentenceEncoder, phrasings: [[String]]) -> Tensor {
        let flat = phrasings.flatMap { $0 }
        let embedded = encoder.encode(flat)
        let dimension = encoder.dimension
        var rows = [Float](repeating: 0, count: phrasings.count * dimension)
        var next = 0
        for (row, texts) in phrasings.enumerated() {
            for _ in texts {
                for c in 0..<dimension { rows[row * dimension + c] += embedded.data[next * dimension + c] }
                next += 1
            }
        }
        return Tensor(shape: [phrasings.count, dimension], data: L2Normalization.forward(rows, rows: phrasings.count, width: dimension).y)
    }

    /// Loads the name embeddings from `url` when they were made by the same encoder from the same
    /// names (and phrasings); otherwise computes them and writes `url` (safetensors) for next time, when it can.
    /// `phrasings` (one non-empty list per class) embeds each class by `classEmbeddings`; nil embeds the names.
    public static func cached(encoder: SentenceEncoder, classNames: [String], phrasings: [[String]]? = nil, at url: URL,
                              temperature: Float = LabelBridge.defaultTemperature) throws -> LabelBridge {
        precondition(phrasings == nil || (phrasings!.count == classNames.count && phrasings!.allSatisfy { !$0.isEmpty }),
                     "LabelBridge: one non-empty list of phrasings per class")
        let texts = phrasings.map { $0.map { $0.joined(separator: "\t") } } ?? classNames
        let fingerprint = TextHash.fnv1a(encoder.identifier + "\n" + texts.joined(separator: "\n"))
        let expected = ["encoder": encoder.identifier, "names": String(fingerprint, radix: 16)]
        if FileManager.default.fileExists(atPath: url.path) {
            let file = try SafeTensors.read(url)
            if let embeddings = file.tensors["name_embeddings"], embeddings.shape == [classNames.count, encoder.dimension],
               file.metadata["encoder"] == expected["encoder"], file.metadata["names"] == expected["names"] {
                return LabelBridge(encoder: encoder, classNames: classNames, nameEmbeddings: embeddings, temperature: temperature)
            }
        }
        let bridge = LabelBridge(encoder: encoder, classNames: classNames,
                                 nameEmbeddings: phrasings.map { classEmbeddings(encoder: encoder, phrasings: $0) } ?? encoder.encode(classNames),
                                 temperature: temperature)
        // A cache that cannot be written (read-only directory, full disk) only costs recomputing next time.
        try? SafeTensors.write(["name_embeddings": bridge.nameEmbeddings], metadata: expected, to: url)
        return bridge
    }

    // MARK: Vectors

    /// Bridge vectors of images from their classifier logits [N, classes] → [N, dimension], unit rows.
    public func imageVectors(logits: Tensor) -> Tensor {
        let classes = classNames.count, dimension = encoder.dimension
        precondition(logits.rank == 2 && logits.shape[1] == classes, "LabelBridge: logits must be [N, \(classes)], got \(logits.shape)")
        let rows = logits.shape[0]
        var probabilities = logits
        probabilities.data.withUnsafeMutableBufferPointer { p in
            for row in 0..<rows { softmax(p.baseAddress! + row * classes, count: classes, temperature: temperature) }
        }
        var vectors = Tensor(zeros: [rows, dimension])
        guard rows > 0 else { return vectors }
        probabilities.data.withUnsafeBufferPointer { p in
            nameEmbeddings.data.withUnsafeBufferPointer { names in
                vectors.data.withUnsafeMutableBufferPointer { out in
                    BLAS.sgemm(m: rows, n: dimension, k: classes, a: p.baseAddress!, lda: classes,
                               b: names.baseAddress!, ldb: dimension, c: out.baseAddress!, ldc: dimension)
                }
            }
        }
        vectors.data = L2Normalization.forward(vectors.data, rows: rows, width: dimension).y
        return vectors
    }

    /// Bridge vectors of text queries: their sentence embeddings [N, dimension], unit rows.
    public func textVectors(_ texts: [String]) -> Tensor {
        encoder.encode(texts)
    }

    // MARK: Scores

    /// Cosine of one query vector with each row of `images` [N, dimension].
    public static func similarities(query: ArraySlice<Float>, images: Tensor) -> [Float] {
        let dimension = query.count
        precondition(images.rank == 2 && images.shape[1] == dimension, "LabelBridge: images \(images.shape) vs a \(dimension)-d query")
        return (0..<images.shape[0]).map { row in
            var dot: Float = 0
            for (c, q) in query.enumerated() { dot += q * images.data[row * dimension + c] }
            return dot
        }
    }

    /// Joint and bridge vectors side by side, [a, √λ·b] / √(1 + λ), one row per item or query.
    ///
    /// For unit rows the dot product of two fused rows is (joint cosine + λ · bridge cosine) / (1 + λ),
    /// and the rows stay unit length: ranking by Euclidean distance between fused rows *is* ranking
    /// by the fused score, so exact search and HNSW need nothing special. `joint` is [N, Dj] and
    /// `bridge` [N, Db], both flat and row-major; the result is [N, Dj + Db].
    public static func fusedRows(joint: [Float], jointWidth: Int, bridge: [Float], bridgeWidth: Int,
                                 weight: Float = LabelBridge.defaultWeight) -> [Float] {
        let rows = jointWidth == 0 ? 0 : joint.count / jointWidth
        precondition(joint.count == rows * jointWidth && bridge.count == rows * bridgeWidth,
                     "LabelBridge.fusedRows: \(joint.count) joint values (width \(jointWidth)) vs \(bridge.count) bridge values (width \(bridgeWidth))")
        guard rows > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: rows * (jointWidth + bridgeWidth)) { out, initialized in
            joint.withUnsafeBufferPointer { a in
                bridge.withUnsafeBufferPointer { b in
                    fuseRows(rows: rows, joint: a.baseAddress!, jointWidth: jointWidth, bridge: b.baseAddress!, bridgeWidth: bridgeWidth,
                             weight: weight, into: out.baseAddress!)
                }
            }
            initialized = rows * (jointWidth + bridgeWidth)
        }
    }

    /// `fusedRows` written into `destination` (`rows × (jointWidth + bridgeWidth)` floats), e.g. straight from
    /// memory-mapped vector files into a search matrix, with no intermediate copy.
    public static func fuseRows(rows: Int, joint: UnsafePointer<Float>, jointWidth: Int, bridge: UnsafePointer<Float>,
                                bridgeWidth: Int, weight: Float = LabelBridge.defaultWeight, into destination: UnsafeMutablePointer<Float>) {
        precondition(weight >= 0, "LabelBridge.fusedRows: λ must be ≥ 0, got \(weight)")
        let width = jointWidth + bridgeWidth
        let jointScale = 1 / (1 + weight).squareRoot(), bridgeScale = (weight / (1 + weight)).squareRoot()
        for row in 0..<rows {
            let target = destination + row * width
            for c in 0..<jointWidth { target[c] = joint[row * jointWidth + c] * jointScale }
            for c in 0..<bridgeWidth { target[jointWidth + c] = bridge[row * bridgeWidth + c] * bridgeScale }
        }
    }

    /// `fusedRows` of two [N, D] tensors.
    public static func fusedRows(joint: Tensor, bridge: Tensor, weight: Float = LabelBridge.defaultWeight) -> Tensor {
        precondition(joint.rank == 2 && bridge.rank == 2 && joint.shape[0] == bridge.shape[0],
                     "LabelBridge.fusedRows: joint \(joint.shape) vs bridge \(bridge.shape)")
        return Tensor(shape: [joint.shape[0], joint.shape[1] + bridge.shape[1]],
                      data: fusedRows(joint: joint.data, jointWidth: joint.shape[1], bridge: bridge.data,
                                      bridgeWidth: bridge.shape[1], weight: weight))
    }

    /// The fused score (joint cosine + λ · bridge cosine) / (1 + λ) of two fused rows from the
    /// Euclidean distance between them, which is what searches return: 1 − d²/2.
    public static func similarity(fromDistance distance: Float) -> Float {
        1 - distance * distance / 2
    }

    // MARK: Helpers

    private func softmax(_ x: UnsafeMutablePointer<Float>, count: Int, temperature: Float) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count { x[i] = expf((x[i] - maximum) / temperature); sum += x[i] }
        for i in 0..<count { x[i] /= sum }
    }
}

// MARK: - Stable text keys

/// 64-bit FNV-1a of a string's UTF-8 bytes: stable across runs and machines (Swift's `Hasher` is not).
public enum TextHash {
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
