import JointEmbedding

/// What `imgsearch train` does unless told otherwise, per text encoder: the GRU keeps the original design,
/// the MiniLM tower gets what measured best on the demo split (BENCHMARKS.md).
public enum TrainingRecipe {
    /// The image side's defaults: MLP width, dropout, ensemble size and pooling.
    public static func applyDefaults(to config: inout JointModelConfig, textEncoder: String) {
        let minilm = textEncoder == "minilm"
        config.textEncoder = textEncoder
        config.imageHiddenSize = minilm ? 512 : 0
        config.imageDropout = minilm ? 0.3 : 0
        config.imageHeads = minilm ? 5 : 1
        config.pooling = minilm ? "gem" : "max"
    }

    /// Texts anchor the triplet loss too (+0.025 R@10 with MiniLM; the original design did not).
    public static func symmetric(textEncoder: String) -> Bool { textEncoder == "minilm" }

    /// Images are also paired with their titles alone (MiniLM only: the GRU learns words from captions).
    public static func titleViews(textEncoder: String) -> Bool { textEncoder == "minilm" }

    /// True when a saved model's image side follows today's defaults for its text encoder, so a demo
    /// trained by an older release can be told apart and retrained.
    public static func isCurrent(_ config: JointModelConfig) -> Bool {
        var expected = config
        applyDefaults(to: &expected, textEncoder: config.textEncoder)
        return expected == config
    }
}
