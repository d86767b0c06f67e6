/// Hyper-parameters of one training run (recorded in the checkpoint so `--resume` continues alike).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var epochs = 20
    public var batchSize = 64
    public var margin: Float = 0.4
    public var negatives: NegativeSampling = .hardest
    /// Epochs of random negatives before `negatives` takes over (hard negatives from the start collapse).
    public var warmupEpochs = 2
    /// Texts anchor too (their negatives are images of other groups).
    public var symmetric = false
    public var optimizer = AdamOptimizer.Settings()
    public var seed: UInt64 = 42

    public init() {}

    /// The negatives used in `epoch` (0-based): random during the warm-up.
    public func negatives(inEpoch epoch: Int) -> NegativeSampling { epoch < warmupEpochs ? .random : negatives }

    public func validate() throws {
        func check(_ ok: Bool, _ reason: String) throws { if !ok { throw JointModelError(file: "options", reason: reason) } }
        try check(epochs >= 1, "--epochs must be at least 1")
        try check(batchSize >= 2, "--batch-size must be at least 2 (negatives come from the batch)")
        try check(margin > 0 && margin.isFinite, "--margin must be positive")
        try check(optimizer.learningRate > 0 && optimizer.learningRate.isFinite, "--lr must be positive")
        try check(optimizer.weightDecay >= 0, "--weight-decay must not be negative")
        try check(warmupEpochs >= 0, "--warmup-epochs must not be negative")
    }
}
