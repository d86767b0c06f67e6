import Foundation
import Tensor
import Weights

/// all-MiniLM-L6-v2 sentence embeddings: BERT (6 layers, hidden 384, 12 heads, GELU),
/// mean pooling over the real tokens, L2 normalisation — as sentence-transformers computes them.
///
/// Read straight from `model.safetensors`; all projections are OpenBLAS sgemms over the tokens of a
/// whole batch (no padding rows), attention runs per sequence and head on `Parallel.threads`.
/// Cosine ≥ 0.9999 to the float64 numpy reference (scripts/reference/minilm_numpy.py).
///
///     let model = try MiniLM.pretrained()
///     let vectors = model.encode(["a cup of coffee", "a cat"])   // [2, 384], unit rows
public final class MiniLM: SentenceEncoder {
    public let identifier: String
    public let tokenizer: WordPieceTokenizer
    public let hidden: Int
    public let heads: Int
    public var dimension: Int { hidden }
    public var layerCount: Int { layers.count }

    private let wordEmbeddings: [Float]        // [vocabulary, hidden]
    private let positionEmbeddings: [Float]    // [maxPositions, hidden]
    private let tokenTypeEmbedding: [Float]    // row 0: every token is segment A
    private let embeddingNorm: LayerNorm
    private let layers: [BertLayer]
    /// Tokens per forward pass; bounds the activation memory (≈ 6 KB per token per layer buffer).
    private let tokensPerPass = 8192

    /// The model `make setup` installs under assets/all-MiniLM-L6-v2.
    public static func pretrained() throws -> MiniLM {
        try MiniLM(weights: assetURL("model.safetensors"), tokenizer: .miniLM(), identifier: Assets.miniLMFolder)
    }

    static func assetURL(_ file: String) throws -> URL {
        do { return try Assets.require(Assets.miniLMFolder + "/" + file) }
        catch let error as WeightsError { throw MiniLMError(file: error.file, reason: error.reason) }
    }

    /// A BERT checkpoint in Hugging Face naming (`embeddings.*`, `encoder.layer.N.*`).
    public init(weights url: URL, tokenizer: WordPieceTokenizer, heads: Int = 12, layerNormEpsilon: Float = 1e-12,
                identifier: String) throws {
        let file: SafeTensors.File
        do { file = try SafeTensors.read(url) }
        catch let error as WeightsError { throw MiniLMError(file: error.file, reason: error.reason) }
        let reader = CheckpointReader(tensors: file.tensors, file: url.path)

        let words = try reader.tensor("embeddings.word_embeddings.weight", rank: 2)
        let hidden = words.shape[1]
        guard hidden % heads == 0 else { throw MiniLMError(file: url.path, reason: "hidden size \(hidden) is not divisible by \(heads) heads") }
        guard words.shape[0] >= tokenizer.tokens.count else {
            throw MiniLMError(file: url.path, reason: "\(words.shape[0]) word embeddings for a vocabulary of \(tokenizer.tokens.count)")
        }
        let positions = try reader.tensor("embeddings.position_embeddings.weight", shape: [nil, hidden])
        guard positions.shape[0] >= tokenizer.maxLength else {
            throw MiniLMError(file: url.path, reason: "\(positions.shape[0]) positions, the tokenizer emits up to \(tokenizer.maxLength)")
        }
        func norm(_ prefix: String) throws -> LayerNorm {
            LayerNorm(weight: try reader.tensor(prefix + ".weight", shape: [hidden]).data,
                      bias: try reader.tensor(prefix + ".bias", shape: [hidden]).data, epsilon: layerNormEpsilon)
        }
        func dense(_ prefix: String, inputs: Int) throws -> Dense {
            let weight = try reader.tensor(prefix + ".weight", shape: [nil, inputs])
            return Dense(weight: weight, bias: try reader.tensor(prefix + ".bias", shape: [weight.shape[0]]).data)
        }
        let layerCount = Set(file.tensors.keys.compactMap { name -> Int? in
            let parts = name.split(separator: ".")
            return parts.count > 2 && parts[0] == "encoder" && parts[1] == "layer" ? Int(parts[2]) : nil
        }).count
        guard layerCount > 0 else { throw MiniLMError(file: url.path, reason: "no encoder.layer.N tensors: not a BERT checkpoint") }

        self.layers = try (0..<layerCount).map { i in
            let p = "encoder.layer.\(i)."
            let projections = try ["query", "key", "value"].map { try dense(p + "attention.self." + $0, inputs: hidden) }
            let fused = Tensor(shape: [3 * hidden, hidden], data: projections.flatMap(\.weight))
            let intermediate = try dense(p + "intermediate.dense", inputs: hidden)
            return BertLayer(queryKeyValue: Dense(weight: fused, bias: projections.flatMap(\.bias)),
                             attentionOutput: try dense(p + "attention.output.dense", inputs: hidden),
                             attentionNorm: try norm(p + "attention.output.LayerNorm"),
                             intermediate: intermediate,
                             output: try dense(p + "output.dense", inputs: intermediate.outFeatures),
                             outputNorm: try norm(p + "output.LayerNorm"),
                             heads: heads)
        }
        self.identifier = identifier
        self.tokenizer = tokenizer
        self.hidden = hidden
        self.heads = heads
        self.wordEmbeddings = words.data
        self.positionEmbeddings = positions.data
        self.tokenTypeEmbedding = Array(try reader.tensor("embeddings.token_type_embeddings.weight", shape: [nil, hidden]).data.prefix(hidden))
        self.embeddingNorm = try norm("embeddings.LayerNorm")
    }

    // MARK: Encoding

    /// Unit-length sentence vectors: [texts.count, 384]. An empty text still has `[CLS] [SEP]`.
    public func encode(_ texts: [String]) -> Tensor {
        encode(sequences: texts.map(tokenizer.encode))
    }

    /// Unit-length vectors of already tokenized sequences (each with `[CLS]`/`[SEP]`, ids < vocabulary).
    public func encode(sequences: [[Int32]]) -> Tensor {
        var out = Tensor(zeros: [sequences.count, hidden])
        var first = 0
        while first < sequences.count {
            var last = first + 1, tokens = sequences[first].count
            while last < sequences.count, tokens + sequences[last].count <= tokensPerPass {
                tokens += sequences[last].count
                last += 1
            }
            let pooled = forward(Array(sequences[first..<last]))
            out.data.replaceSubrange((first * hidden)..<(last * hidden), with: pooled.data)
            first = last
        }
        return out
    }

    /// Padded batch (e.g. from `tokenizer.encodeBatch`): padding is skipped, not computed.
    public func encode(_ batch: TokenBatch) -> Tensor {
        encode(sequences: (0..<batch.count).map { Array(batch.sequence($0)) })
    }

    /// One pass over packed sequences → mean-pooled, L2-normalised rows.
    private func forward(_ sequences: [[Int32]]) -> Tensor {
        var ranges: [Range<Int>] = []
        var start = 0
        for sequence in sequences { ranges.append(start..<(start + sequence.count)); start += sequence.count }
        var x = embed(sequences, tokens: start)
        for layer in layers { x = layer(x, sequences: ranges) }
        return meanPool(x, ranges)
    }

    private func embed(_ sequences: [[Int32]], tokens: Int) -> Tensor {
        var x = Tensor(zeros: [tokens, hidden])
        let hidden = self.hidden
        x.data.withUnsafeMutableBufferPointer { out in
            var row = 0
            for sequence in sequences {
                for (position, id) in sequence.enumerated() {
                    let line = out.baseAddress! + row * hidden
                    let word = Int(id) * hidden, place = position * hidden
                    for c in 0..<hidden { line[c] = wordEmbeddings[word + c] + positionEmbeddings[place + c] + tokenTypeEmbedding[c] }
                    row += 1
                }
            }
            embeddingNorm.apply(out.baseAddress!, rows: tokens)
        }
        return x
    }

    private func meanPool(_ x: Tensor, _ ranges: [Range<Int>]) -> Tensor {
        var pooled = Tensor(zeros: [ranges.count, hidden])
        for (i, range) in ranges.enumerated() {
            var sum = [Double](repeating: 0, count: hidden)
            for row in range { for c in 0..<hidden { sum[c] += Double(x.data[row * hidden + c]) } }
            let norm = max(sum.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for c in 0..<hidden { pooled.data[i * hidden + c] = Float(sum[c] / norm) }
        }
        return pooled
    }
}

// MARK: - Checkpoint access with shape checks

private struct CheckpointReader {
    let tensors: [String: Tensor]
    let file: String

    func tensor(_ name: String, rank: Int) throws -> Tensor {
        guard let t = tensors[name] else { throw MiniLMError(file: file, reason: "missing tensor \(name)") }
        guard t.rank == rank else { throw MiniLMError(file: file, reason: "\(name) has shape \(t.shape), expected rank \(rank)") }
        return t
    }

    /// `nil` in `shape` accepts any size in that dimension.
    func tensor(_ name: String, shape: [Int?]) throws -> Tensor {
        let t = try tensor(name, rank: shape.count)
        for (actual, expected) in zip(t.shape, shape) where expected != nil && expected != actual {
            throw MiniLMError(file: file, reason: "\(name) has shape \(t.shape), expected \(shape.map { $0.map(String.init) ?? "*" })")
        }
        return t
    }
}
