import Foundation
import Tensor
import TextEncoder
import Weights

/// The trained joint embedding: texts and backbone image features land in one space where an
/// image lies close to its description. A model directory holds `weights.safetensors`,
/// `config.json` and (for the GRU encoder) `vocab.txt`.
///
///     let model = try JointModel.load(from: modelDirectory)
///     let queries = model.embedTexts(["red leather handbag"])      // [1, D]
///     let images = model.embedImages(features: backboneMaxPooled)  // [N, D]
public final class JointModel {
    public let config: JointModelConfig
    public let vocabulary: WordVocabulary
    /// The trained GRU text encoder; nil when the text side is a frozen sentence encoder.
    public let textTower: GRUTextTower?
    /// The frozen sentence encoder (`textEncoder == "minilm"`); images are mapped into its space.
    public let sentenceTower: MiniLMTextTower?
    /// The image side: one head, or `config.imageHeads` heads whose unit outputs are averaged.
    public let imageHeads: [ImageHead]

    public static let weightsFile = "weights.safetensors"
    public static let configFile = "config.json"
    public static let vocabularyFile = "vocab.txt"

    /// A freshly initialised model; `featureMean`/`featureScale` standardise the backbone features.
    /// With `sentenceTower` the text side is that frozen encoder and the embedding takes its dimension.
    public init(config: JointModelConfig, vocabulary: WordVocabulary, featureMean: [Float], featureScale: [Float],
                seed: UInt64, sentenceTower: MiniLMTextTower? = nil) {
        var config = config
        config.vocabularySize = vocabulary.count
        if let sentenceTower {
            config.textEncoder = "minilm"
            config.sentenceEncoder = sentenceTower.encoder.identifier
            config.embeddingDimension = sentenceTower.dimension
            config.normalize = true  // the sentence space is a unit sphere; images join it there
        }
        self.config = config
        self.vocabulary = vocabulary
        self.sentenceTower = sentenceTower
        var rng = SeededGenerator(seed: seed)
        textTower = sentenceTower != nil ? nil
            : GRUTextTower(vocabularySize: vocabulary.count, wordDimension: config.wordDimension,
                           hiddenSize: config.gruHiddenSize, bidirectional: config.bidirectional,
                           outputDimension: config.embeddingDimension, rng: &rng)
        imageHeads = (0..<config.imageHeads).map { member in
            ImageHead(name: member == 0 ? "image" : "image.member\(member)", featureMean: featureMean, featureScale: featureScale,
                      hiddenSize: config.imageHiddenSize, outputDimension: config.embeddingDimension,
                      dropout: config.imageDropout, rng: &rng)
        }
    }

    public var parameters: [Parameter] { (textTower?.parameters ?? []) + imageHeads.flatMap(\.parameters) }
    public var embeddingDimension: Int { config.embeddingDimension }

    // MARK: Embedding

    /// Texts → [N, D] (L2-normalised when the config says so). Batches sorted by length to pad little.
    public func embedTexts(_ texts: [String]) -> Tensor {
        if let sentenceTower { return sentenceTower.embed(texts) }  // already unit length
        let textTower = textTower!
        let dimension = embeddingDimension
        let sequences = texts.map { vocabulary.encode($0, maxLength: config.maxTokens) }
        var out = [Float](repeating: 0, count: texts.count * dimension)
        let order = sequences.indices.sorted { sequences[$0].count < sequences[$1].count }
        for start in stride(from: 0, to: order.count, by: 128) {
            let chunk = Array(order[start..<min(start + 128, order.count)])
            let embedded = finish(textTower.forward(chunk.map { sequences[$0] }).output, rows: chunk.count)
            for (row, index) in chunk.enumerated() {
                for k in 0..<dimension { out[index * dimension + k] = embedded[row * dimension + k] }
            }
        }
        return Tensor(shape: [texts.count, dimension], data: out)
    }

    /// Backbone features [N, C] (C = config.imageFeatureDimension) → [N, D].
    public func embedImages(features: Tensor) -> Tensor {
        precondition(features.rank == 2 && features.shape[1] == config.imageFeatureDimension,
                     "embedImages: features \(features.shape) but the model expects [N, \(config.imageFeatureDimension)]")
        let rows = features.shape[0]
        let members = imageHeads.map { finish($0.forward(features.data, rows: rows).output, rows: rows) }
        guard members.count > 1 else { return Tensor(shape: [rows, embeddingDimension], data: members[0]) }
        // The ensemble: the mean of the members' (unit) outputs, brought back to the unit sphere.
        var sum = members[0]
        for member in members.dropFirst() { for i in sum.indices { sum[i] += member[i] } }
        let scale = 1 / Float(members.count)
        for i in sum.indices { sum[i] *= scale }
        return Tensor(shape: [rows, embeddingDimension], data: finish(sum, rows: rows))
    }

    private func finish(_ x: [Float], rows: Int) -> [Float] {
        config.normalize ? L2Normalization.forward(x, rows: rows, width: embeddingDimension).y : x
    }

    // MARK: Identity

    /// A stable fingerprint of the weights and config (FNV-1a 64 over the bytes, names sorted).
    /// Indexes record it; a different model gives a different identifier.
    public var identifier: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) { for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 } }
        let tensors = weightTensors()
        for name in tensors.keys.sorted() {
            Array(name.utf8).withUnsafeBytes(mix)
            tensors[name]!.data.withUnsafeBytes(mix)
        }
        if let json = try? Self.encoder.encode(config) { json.withUnsafeBytes(mix) }
        vocabulary.words.joined(separator: "\n").utf8.map { $0 }.withUnsafeBytes(mix)
        return "\(config.textEncoder)-" + String(hash, radix: 16).leftPadded(to: 16)
    }

    // MARK: Persistence

    /// All weights by name, plus the fixed feature standardisation.
    public func weightTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for p in parameters { tensors[p.name] = Tensor(shape: p.shape, data: p.value) }
        let head = imageHeads[0]  // the members share one standardisation
        tensors["image.feature_mean"] = Tensor(shape: [head.inputSize], data: head.featureMean)
        tensors["image.feature_scale"] = Tensor(shape: [head.inputSize], data: head.featureScale)
        return tensors
    }

    /// Writes weights, config and vocabulary into `directory` (created if needed); each file atomically.
    public func save(to directory: URL) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        catch { throw JointModelError(file: directory.path, reason: "cannot create: \(error.localizedDescription)") }
        try SafeTensors.write(weightTensors(), metadata: ["format": "imgsearch-joint"],
                              to: directory.appendingPathComponent(Self.weightsFile))
        let configURL = directory.appendingPathComponent(Self.configFile)
        do { try Self.encoder.encode(config).write(to: configURL, options: .atomic) }
        catch { throw JointModelError(file: configURL.path, reason: "cannot write: \(error.localizedDescription)") }
        try vocabulary.write(to: directory.appendingPathComponent(Self.vocabularyFile))
    }

    public static func load(from directory: URL) throws -> JointModel {
        let configURL = directory.appendingPathComponent(configFile)
        guard let configData = try? Data(contentsOf: configURL) else {
            throw JointModelError(file: configURL.path, reason: "missing; is \(directory.path) a model directory made by `imgsearch train`?")
        }
        let config: JointModelConfig
        do { config = try JSONDecoder().decode(JointModelConfig.self, from: configData) }
        catch { throw JointModelError(file: configURL.path, reason: "not a valid model config: \(error)") }
        try config.validate(file: configURL.path)
        let vocabulary = try WordVocabulary.read(from: directory.appendingPathComponent(vocabularyFile))
        let weightsURL = directory.appendingPathComponent(weightsFile)
        guard vocabulary.count == config.vocabularySize else {
            throw JointModelError(file: vocabularyFile, reason: "\(vocabulary.count) words but config says \(config.vocabularySize)")
        }
        var sentenceTower: MiniLMTextTower?
        if config.textEncoder == "minilm" {
            sentenceTower = try MiniLMTextTower(encoder: MiniLM.pretrained(), cacheURL: nil)
            guard sentenceTower!.encoder.identifier == config.sentenceEncoder else {
                throw JointModelError(file: configURL.path, reason: "trained with sentence encoder \(config.sentenceEncoder), this build has \(sentenceTower!.encoder.identifier)")
            }
        }
        return try JointModel(config: config, vocabulary: vocabulary, tensors: SafeTensors.read(weightsURL).tensors,
                              source: weightsURL.path, sentenceTower: sentenceTower)
    }

    /// Rebuilds a model from named weights (a model directory or a training checkpoint).
    public convenience init(config: JointModelConfig, vocabulary: WordVocabulary, tensors: [String: Tensor], source: String,
                            sentenceTower: MiniLMTextTower? = nil) throws {
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let t = tensors[name] else { throw JointModelError(file: source, reason: "tensor \(name) missing") }
            guard t.shape == shape else { throw JointModelError(file: source, reason: "tensor \(name) is \(t.shape), expected \(shape)") }
            return t.data
        }
        let width = config.imageFeatureDimension
        self.init(config: config, vocabulary: vocabulary,
                  featureMean: try tensor("image.feature_mean", [width]),
                  featureScale: try tensor("image.feature_scale", [width]), seed: 0, sentenceTower: sentenceTower)
        for p in parameters { p.value = try tensor(p.name, p.shape) }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
