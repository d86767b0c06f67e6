import Catalog
import Foundation
import IndexStore
import JointEmbedding
import Tensor
import TextEncoder
import VisionEncoder

/// What `imgsearch train` was asked to do.
public struct TrainingRequest {
    public var catalog: URL
    public var validation: URL?
    public var output: URL
    public var options = TrainingOptions()
    public var model = JointModelConfig()
    /// Words seen fewer times than this in the training captions become `<unk>`.
    public var minWordCount = 1
    public var maxVocabulary = 20_000
    /// Augmented views of each training image (crop + flip, `ImageAugmentation.trainingVariant`), drawn
    /// in place of the original now and then; their features are cached like the originals'.
    public var augmentedVariants = 0
    /// Pair each image with its title alone as well as with its whole caption (frozen sentence encoder
    /// only): queries are short, like titles (+0.03 text→image R@10 on the demo split).
    public var titleViews = false
    /// Continue from `output`/checkpoint.safetensors when it exists.
    public var resume = false
    public var showProgress = true

    public init(catalog: URL, validation: URL?, output: URL) {
        self.catalog = catalog
        self.validation = validation
        self.output = output
    }
}

/// The outcome of a run: the per-epoch history and where the best model came from.
public struct TrainingSummary: Codable {
    public var history: [EpochRecord]
    public var bestEpoch: Int?
    public var bestRecallAt10: Double?
    public var modelIdentifier: String
    public var trainingPairs: Int
    public var seconds: Double
}

/// Catalog → features → vocabulary → epochs of triplet training → MODEL_DIR.
///
/// After every epoch: validation recall, the best model (by text→image R@10, else the latest)
/// saved to the output directory, and a resumable checkpoint written atomically beside it.
public enum TrainingPipeline {
    public static func run(_ request: TrainingRequest, log: @escaping (String) -> Void) throws -> TrainingSummary {
        try request.options.validate()
        let backbone = try EfficientNetLite0.pretrained()
        let train = try CatalogFeatures.load(request.catalog, backbone: backbone, showProgress: request.showProgress,
                                             augmentedVariants: request.augmentedVariants, log: log)
        let captioned = train.items.indices.filter { !WordTokenizer.words(train.items[$0].caption).isEmpty }
        guard !captioned.isEmpty else {
            throw TrainingInputError(file: request.catalog.path, reason: "no item has a title or description to learn from")
        }
        if captioned.count < train.items.count { log("\(train.items.count - captioned.count) items without any words are left out") }
        let (groupOfItem, _) = train.groupIndex()
        guard Set(captioned.map { groupOfItem[$0] }).count >= 2 else {
            throw TrainingInputError(file: request.catalog.path,
                                     reason: "all items share one group; the triplet loss needs negatives from other groups")
        }
        let validation = try request.validation.map { url -> ValidationSet in
            let features = try CatalogFeatures.load(url, backbone: backbone, showProgress: request.showProgress, log: log)
            let (imageGroups, groupTexts) = features.groupIndex()
            return ValidationSet(groupTexts: groupTexts, features: features.features(pooling: request.model.pooling),
                                 imageGroups: imageGroups)
        }

        // The frozen sentence encoder keeps caption embeddings beside the feature cache: later runs skip the transformer.
        let sentenceTower = request.model.textEncoder == "minilm"
            ? try MiniLMTextTower(encoder: MiniLM.pretrained(),
                                  cacheURL: FeatureCache.defaultDirectory.appendingPathComponent("minilm-texts.safetensors"))
            : nil
        let checkpointURL = request.output.appendingPathComponent(TrainingCheckpoint.fileName)
        var trainer: JointTrainer, history: [EpochRecord] = [], best: (epoch: Int, recall: Double)?
        if request.resume, FileManager.default.fileExists(atPath: checkpointURL.path) {
            // A resumed run may be extended with a larger --epochs; everything else comes from the checkpoint.
            let (resumed, state) = try TrainingCheckpoint.read(from: checkpointURL, epochs: request.options.epochs,
                                                                     sentenceTower: sentenceTower)
            trainer = resumed
            history = state.history
            if let epoch = state.bestEpoch, let recall = state.bestRecallAt10 { best = (epoch, recall) }
            log("resuming after epoch \(state.epoch) of \(resumed.options.epochs) from \(checkpointURL.path)")
        } else {
            let vocabulary = sentenceTower != nil ? WordVocabulary(words: [])
                : WordVocabulary.build(captions: captioned.map { train.items[$0].caption },
                                       minCount: request.minWordCount, maxSize: request.maxVocabulary)
            var config = request.model
            config.backbone = backbone.identifier
            config.imageFeatureDimension = backbone.featureDimension
            let features = train.features(pooling: config.pooling)
            let stats = ImageHead.standardization(of: features.data, rows: features.shape[0], width: features.shape[1])
            let model = JointModel(config: config, vocabulary: vocabulary, featureMean: stats.mean,
                                   featureScale: stats.scale, seed: request.options.seed, sentenceTower: sentenceTower)
            trainer = JointTrainer(model: model, options: request.options)
            let textSide = sentenceTower != nil ? "frozen sentence encoder" : "vocabulary \(vocabulary.count) words"
            log("\(captioned.count) training pairs in \(Set(captioned.map { groupOfItem[$0] }).count) groups; \(textSide)")
        }

        let model = trainer.model
        let features = train.features(pooling: model.config.pooling)
        let width = features.shape[1]
        func pairRows(_ features: Tensor) -> Tensor {
            Tensor(shape: [captioned.count, width], data: captioned.flatMap { Array(features.data[$0 * width..<($0 + 1) * width]) })
        }
        let pairFeatures = pairRows(features)
        let pairVariants = train.variantFeatures(pooling: model.config.pooling).map(pairRows)
        let pairs: TrainingPairs
        if let tower = model.sentenceTower {
            let captions = captioned.map { train.items[$0].caption }
            let titles = request.titleViews ? captioned.map { train.items[$0].titleOrCaption } : []
            var reported = 0, bar: ProgressBar?
            let embedded = tower.embed(captions + titles) { done, total in
                if bar == nil { bar = ProgressBar("caption embeddings", total: total, enabled: request.showProgress) }
                bar!.advance(by: done - reported); reported = done
            }
            bar?.finish()
            try tower.save()
            let dimension = tower.dimension, count = captions.count
            func rows(_ range: Range<Int>) -> Tensor {
                Tensor(shape: [range.count, dimension], data: Array(embedded.data[(range.lowerBound * dimension)..<(range.upperBound * dimension)]))
            }
            pairs = try TrainingPairs(features: pairFeatures, textEmbeddings: rows(0..<count), groups: captioned.map { groupOfItem[$0] },
                                      featureVariants: pairVariants, textVariants: titles.isEmpty ? [] : [rows(count..<(2 * count))])
        } else {
            pairs = try TrainingPairs(
                features: pairFeatures,
                captions: captioned.map { model.vocabulary.encode(train.items[$0].caption, maxLength: model.config.maxTokens) },
                groups: captioned.map { groupOfItem[$0] }, featureVariants: pairVariants)
        }

        let start = Date()
        while trainer.epoch < trainer.options.epochs {
            let bar = ProgressBar("epoch \(trainer.epoch + 1)/\(trainer.options.epochs)", total: pairs.count,
                                  enabled: request.showProgress)
            let statistics: JointTrainer.EpochStatistics
            do { statistics = try trainer.trainEpoch(pairs) { bar.advance(by: $0) } }
            catch {
                let kept = best.map { "the best model (epoch \($0.epoch)) and the last checkpoint stay in \(request.output.path)" }
                    ?? "no checkpoint was written yet"
                throw TrainingError("\(error); training stopped, \(kept)")
            }
            var record = EpochRecord(statistics: statistics)
            var line = String(format: "loss %.4f (active %.0f%%, %@ negatives)", statistics.loss,
                              statistics.activeFraction * 100, statistics.negatives.rawValue)
            var improved = validation == nil
            if let validation {
                let reports = validation.evaluate(model)
                record.validationTextToImage = reports.textToImage
                record.validationImageToText = reports.imageToText
                line += String(format: "; val text→image R@1 %.3f R@5 %.3f R@10 %.3f, image→text R@10 %.3f",
                               reports.textToImage.recallAt1, reports.textToImage.recallAt5,
                               reports.textToImage.recallAt10, reports.imageToText.recallAt10)
                if best == nil || reports.textToImage.recallAt10 > best!.recall {
                    best = (trainer.epoch, reports.textToImage.recallAt10)
                    improved = true
                }
            }
            if request.showProgress { bar.finish(line) } else { log("epoch \(trainer.epoch)/\(trainer.options.epochs): \(line)") }
            history.append(record)
            if improved { try model.save(to: request.output) }
            if validation == nil { best = (trainer.epoch, 0) }
            try TrainingCheckpoint.write(trainer, bestRecallAt10: validation == nil ? nil : best?.recall,
                                         bestEpoch: best?.epoch, history: history, to: checkpointURL)
        }
        // Validation embedded its group texts through the same cache: keep them for `eval` and later runs.
        try? model.sentenceTower?.save()
        // The directory holds the best model: report its identity, not the last epoch's.
        let saved = try JointModel.load(from: request.output)
        let summary = TrainingSummary(history: history, bestEpoch: best?.epoch,
                                      bestRecallAt10: validation == nil ? nil : best?.recall,
                                      modelIdentifier: saved.identifier, trainingPairs: pairs.count,
                                      seconds: Date().timeIntervalSince(start))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: request.output.appendingPathComponent("training-log.json"), options: .atomic)
        return summary
    }
}
