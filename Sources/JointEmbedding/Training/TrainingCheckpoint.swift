import Foundation
import Tensor
import TextEncoder
import Weights

/// One epoch's line in the training history.
public struct EpochRecord: Codable, Sendable {
    public var statistics: JointTrainer.EpochStatistics
    public var validationTextToImage: RetrievalReport?
    public var validationImageToText: RetrievalReport?

    public init(statistics: JointTrainer.EpochStatistics, validationTextToImage: RetrievalReport? = nil,
                validationImageToText: RetrievalReport? = nil) {
        self.statistics = statistics
        self.validationTextToImage = validationTextToImage
        self.validationImageToText = validationImageToText
    }
}

/// Everything besides the weights that a resumed run needs.
public struct TrainerState: Codable, Sendable {
    public var options: TrainingOptions
    public var config: JointModelConfig
    public var epoch: Int
    public var randomState: UInt64
    public var optimizerStep: Int
    public var bestRecallAt10: Double?
    public var bestEpoch: Int?
    public var history: [EpochRecord]
}

/// A resumable snapshot in ONE safetensors file (weights + Adam moments, with the trainer state
/// and vocabulary as metadata), written atomically: a kill leaves the previous checkpoint intact.
public enum TrainingCheckpoint {
    public static let fileName = "checkpoint.safetensors"

    public static func write(_ trainer: JointTrainer, bestRecallAt10: Double?, bestEpoch: Int?,
                             history: [EpochRecord], to url: URL) throws {
        let state = TrainerState(options: trainer.options, config: trainer.model.config, epoch: trainer.epoch,
                                 randomState: trainer.rng.state, optimizerStep: trainer.optimizer.step,
                                 bestRecallAt10: bestRecallAt10, bestEpoch: bestEpoch, history: history)
        let adam = trainer.optimizer.state()
        let tensors = trainer.model.weightTensors().merging(adam.tensors) { a, _ in a }
        let stateJSON = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try SafeTensors.write(tensors, metadata: ["format": "imgsearch-checkpoint", "trainer": stateJSON,
                                                  "vocabulary": trainer.model.vocabulary.words.joined(separator: "\n")],
                              to: url)
    }

    /// Rebuilds the trainer (model, optimizer moments, epoch, random state) and returns the saved state.
    /// `epochs` replaces the saved total, so a finished run can be extended.
    /// A "minilm" checkpoint uses `sentenceTower` when given (e.g. one with a text cache), else a fresh MiniLM.
    public static func read(from url: URL, epochs: Int? = nil,
                            sentenceTower: MiniLMTextTower? = nil) throws -> (trainer: JointTrainer, state: TrainerState) {
        let file = try SafeTensors.read(url)
        guard file.metadata["format"] == "imgsearch-checkpoint", let json = file.metadata["trainer"],
              let words = file.metadata["vocabulary"] else {
            throw JointModelError(file: url.path, reason: "not an imgsearch training checkpoint")
        }
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: Data(json.utf8)) }
        catch { throw JointModelError(file: url.path, reason: "unreadable trainer state: \(error)") }
        let vocabulary = WordVocabulary(words: Array(words.components(separatedBy: "\n").dropFirst(2)))
        let sentenceTower = state.config.textEncoder != "minilm" ? nil
            : try sentenceTower ?? MiniLMTextTower(encoder: MiniLM.pretrained(), cacheURL: nil)
        let model = try JointModel(config: state.config, vocabulary: vocabulary, tensors: file.tensors, source: url.path,
                                   sentenceTower: sentenceTower)
        var options = state.options
        if let epochs { options.epochs = epochs }
        let trainer = JointTrainer(model: model, options: options)
        try trainer.optimizer.restore(tensors: file.tensors, step: state.optimizerStep)
        trainer.epoch = state.epoch
        trainer.rng = SeededGenerator(seed: state.randomState)
        return (trainer, state)
    }
}
