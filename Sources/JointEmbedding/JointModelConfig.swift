/// What a model directory's config.json records: which backbone features the image side expects,
/// which text encoder, and every size needed to rebuild the layers before loading weights.
public struct JointModelConfig: Codable, Equatable, Sendable {
    public var formatVersion = 1
    /// `Backbone.identifier` whose features the image head was trained on, e.g. "efficientnet-lite0".
    public var backbone: String = "efficientnet-lite0"
    /// Which backbone pooling feeds the head: "max" (the original design's GlobalMaxPooling2D), "gem" or "avg".
    public var pooling: String = "max"
    public var imageFeatureDimension = 1280
    /// "gru" (word embedding + GRU trained here) or "minilm" (frozen pretrained sentence encoder).
    public var textEncoder: String = "gru"
    /// `SentenceEncoder.identifier` of the frozen text encoder ("minilm" only), checked at load.
    public var sentenceEncoder: String = ""
    public var embeddingDimension = 256
    public var wordDimension = 128
    public var gruHiddenSize = 256
    public var bidirectional = true
    /// Hidden width of the image head's MLP; 0 = a single dense layer (the original design).
    public var imageHiddenSize = 0
    /// Independently initialised image heads trained side by side; an image's embedding is the mean of
    /// their unit outputs (an ensemble: +0.05 text→image R@10 with 3 heads on the demo split). 1 = the original design.
    public var imageHeads = 1
    /// Dropout on the image head's input during training.
    public var imageDropout: Float = 0
    /// L2-normalise both embeddings (distances then compare directions only).
    public var normalize = true
    /// Words kept per caption.
    public var maxTokens = 64
    public var vocabularySize = 0

    public init() {}

    // MARK: Codable (tolerant: a key missing from an older config.json keeps its default)

    private enum CodingKeys: String, CodingKey {
        case formatVersion, backbone, pooling, imageFeatureDimension, textEncoder, sentenceEncoder, embeddingDimension,
             wordDimension, gruHiddenSize, bidirectional, imageHiddenSize, imageHeads, imageDropout, normalize, maxTokens, vocabularySize
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let decoded = try c.decodeIfPresent(T.self, forKey: key) { value = decoded }
        }
        try read(.formatVersion, &formatVersion); try read(.backbone, &backbone); try read(.pooling, &pooling)
        try read(.imageFeatureDimension, &imageFeatureDimension); try read(.textEncoder, &textEncoder)
        try read(.sentenceEncoder, &sentenceEncoder); try read(.embeddingDimension, &embeddingDimension)
        try read(.wordDimension, &wordDimension); try read(.gruHiddenSize, &gruHiddenSize)
        try read(.bidirectional, &bidirectional); try read(.imageHiddenSize, &imageHiddenSize); try read(.imageHeads, &imageHeads)
        try read(.imageDropout, &imageDropout); try read(.normalize, &normalize); try read(.maxTokens, &maxTokens)
        try read(.vocabularySize, &vocabularySize)
    }

    /// Writes every key, except `imageHeads` when it is 1: a single-head config then stays byte for byte
    /// what it was before ensembles existed, so the model identifiers that indexes record do not change.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion); try c.encode(backbone, forKey: .backbone)
        try c.encode(pooling, forKey: .pooling); try c.encode(imageFeatureDimension, forKey: .imageFeatureDimension)
        try c.encode(textEncoder, forKey: .textEncoder); try c.encode(sentenceEncoder, forKey: .sentenceEncoder)
        try c.encode(embeddingDimension, forKey: .embeddingDimension); try c.encode(wordDimension, forKey: .wordDimension)
        try c.encode(gruHiddenSize, forKey: .gruHiddenSize); try c.encode(bidirectional, forKey: .bidirectional)
        try c.encode(imageHiddenSize, forKey: .imageHiddenSize)
        if imageHeads != 1 { try c.encode(imageHeads, forKey: .imageHeads) }
        try c.encode(imageDropout, forKey: .imageDropout); try c.encode(normalize, forKey: .normalize)
        try c.encode(maxTokens, forKey: .maxTokens); try c.encode(vocabularySize, forKey: .vocabularySize)
    }

    /// Rejects sizes that cannot build a model (a hand-edited or foreign config.json).
    public func validate(file: String) throws {
        func check(_ ok: Bool, _ reason: String) throws { if !ok { throw JointModelError(file: file, reason: reason) } }
        try check(formatVersion == 1, "unsupported formatVersion \(formatVersion)")
        try check(["gru", "minilm"].contains(textEncoder), "textEncoder must be \"gru\" or \"minilm\", not \"\(textEncoder)\"")
        try check(["max", "gem", "avg"].contains(pooling), "pooling must be max, gem or avg, not \"\(pooling)\"")
        try check(imageFeatureDimension > 0 && embeddingDimension > 0 && imageHiddenSize >= 0, "dimensions must be positive")
        try check((1...16).contains(imageHeads), "imageHeads must be in 1…16, not \(imageHeads)")
        try check(imageDropout >= 0 && imageDropout < 1, "imageDropout must be in [0, 1)")
        if textEncoder == "gru" {
            try check(wordDimension > 0 && gruHiddenSize > 0 && maxTokens > 0, "GRU sizes must be positive")
            try check(vocabularySize >= 2, "vocabularySize must count <pad> and <unk>")
        }
    }
}
