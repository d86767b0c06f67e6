import ArgumentParser
import Foundation
import ImgSearchKit
import JointEmbedding
import Tensor

/// `imgsearch train`: learn the joint text–image embedding from a catalog of captioned images.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Learn a joint text–image embedding from images paired with titles and descriptions.",
        discussion: """
        The image side is the frozen EfficientNet-Lite0 (pooled features, cached). The text side \
        is the frozen MiniLM sentence encoder (default: images are mapped into its space by an \
        ensemble of small MLP heads, trained on each image's caption and on its title alone) or, \
        with --text-encoder gru, the original tf.Keras design: GlobalMaxPool features, word embedding → GRU → max over \
        time, one dense image head. Training uses \
        the triplet loss max(d(image, its text) − d(image, other text) + margin, 0). \
        After each epoch the loss and, with --val, validation recall are printed; the best model \
        by validation text→image R@10 is kept in --out, next to a checkpoint for --resume.

        Examples:
          imgsearch train --catalog data/demo/train.jsonl --val data/demo/val.jsonl --out models/demo
          imgsearch train --catalog train.jsonl --out models/classic --text-encoder gru --negatives random --epochs 20
          imgsearch train --catalog train.jsonl --out models/classic --resume     # after a kill
        """
    )

    // MARK: Data

    @Option(help: "Training catalog (JSON Lines, CSV/TSV, Amazon metadata or an image folder).")
    var catalog: String

    @Option(help: "Validation catalog (split by group): recall after each epoch, best checkpoint kept.")
    var val: String?

    @Option(help: "Model directory to write (weights.safetensors, config.json, vocab.txt, checkpoint).")
    var out: String

    @Flag(help: "Continue from the checkpoint in --out after an interruption (same data).")
    var resume = false

    // MARK: Model

    @Option(help: "Text side: minilm (frozen pretrained sentence encoder, images mapped into its 384-d space) or gru (the original design's word embedding + GRU, trained here).")
    var textEncoder: TextEncoderKind = .minilm

    @Option(help: "Size of the joint embedding (gru; minilm uses its own 384).")
    var embeddingDim = 256

    @Option(help: "Word vector size.")
    var wordDim = 128

    @Option(help: "GRU hidden size per direction.")
    var gruHidden = 256

    @Flag(inversion: .prefixedNo, help: "Run the GRU in both directions.")
    var bidirectional = true

    @Flag(inversion: .prefixedNo, help: "L2-normalise both embeddings (measured better on the demo validation split).")
    var normalize = true

    @Option(help: "Hidden width of the image head's MLP (0 = one dense layer, as the original design). Default: 512 for minilm, 0 for gru.")
    var imageHidden: Int?

    @Option(help: "Dropout on the image features during training. Default: 0.3 for minilm, 0 for gru.")
    var dropout: Float?

    @Option(help: "Image heads trained side by side from different starting weights; an image's embedding is their mean (an ensemble). Default: 5 for minilm (+0.05 text→image R@10 on the demo split), 1 for gru.")
    var imageHeads: Int?

    @Option(help: "Backbone pooling the image head reads: max (GlobalMaxPool, the original design) or gem (generalised mean, p = 3). Default: gem for minilm, max for gru.")
    var pooling: FeaturePooling?

    @Flag(inversion: .prefixedNo,
          help: "Pair each image with its title alone as well as its whole caption (minilm only): queries are short, like titles. Default: on for minilm (+0.03 text→image R@10 on the demo split).")
    var titleViews: Bool?

    @Option(help: "Words below this count in the training captions become <unk>.")
    var minWordCount = 1

    @Option(help: "Augmented views (crop + mirror) of each training image, drawn in place of the original now and then; their features are cached.")
    var augment = 0

    // MARK: Optimisation

    @Option(help: "Passes over the training pairs.")
    var epochs = 20

    @Option(help: "Pairs per batch (negatives come from the same batch).")
    var batchSize = 64

    @Option(help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(help: "Decoupled weight decay (AdamW).")
    var weightDecay: Float = 0

    @Option(help: "Clip the global gradient norm to this (0 = off).")
    var clipNorm: Float = 5

    @Option(help: "Triplet margin α.")
    var margin: Float = 0.4

    @Option(help: "Negative per anchor: random (the original design), hardest (VSE++) or semihard.")
    var negatives: NegativeSampling = .hardest

    @Option(help: "Epochs of random negatives before --negatives takes over.")
    var warmupEpochs = 2

    @Flag(inversion: .prefixedNo,
          help: "Texts anchor too (their negatives are images of other groups). Default: on for minilm (+0.025 R@10 on the demo split), off for gru (the original design).")
    var symmetric: Bool?

    @Option(help: "Random seed: the same seed, data and --threads train bit for bit the same model.")
    var seed: UInt64 = 42

    @Option(help: "Threads for the CNN and training (default: all cores).")
    var threads: Int?

    @OptionGroup var diagnostics: VerboseOption

    @Flag(help: "No progress bars.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard embeddingDim > 0, wordDim > 0, gruHidden > 0, (imageHidden ?? 0) >= 0 else {
            throw ValidationError("--embedding-dim, --word-dim, --gru-hidden must be positive and --image-hidden not negative")
        }
        guard (0..<1).contains(dropout ?? 0) else { throw ValidationError("--dropout must be in [0, 1)") }
        guard (0...16).contains(augment) else { throw ValidationError("--augment must be in 0…16") }
        guard (1...16).contains(imageHeads ?? 1) else { throw ValidationError("--image-heads must be in 1…16") }
        if titleViews == true, textEncoder == .gru {
            throw ValidationError("--title-views needs --text-encoder minilm (the GRU learns its words from the captions alone)")
        }
    }

    func run() async throws {
        if let threads { Parallel.configure(threads: threads) }
        diagnostics.report()
        var request = TrainingRequest(catalog: URL(fileURLWithPath: catalog), validation: val.map { URL(fileURLWithPath: $0) },
                                      output: URL(fileURLWithPath: out))
        request.resume = resume
        request.showProgress = !quiet
        request.minWordCount = minWordCount
        request.augmentedVariants = augment
        TrainingRecipe.applyDefaults(to: &request.model, textEncoder: textEncoder.rawValue)
        request.model.embeddingDimension = embeddingDim
        request.model.wordDimension = wordDim
        request.model.gruHiddenSize = gruHidden
        request.model.bidirectional = bidirectional
        request.model.normalize = normalize
        if let imageHidden { request.model.imageHiddenSize = imageHidden }
        if let dropout { request.model.imageDropout = dropout }
        if let imageHeads { request.model.imageHeads = imageHeads }
        if let pooling { request.model.pooling = pooling.rawValue }
        request.titleViews = titleViews ?? TrainingRecipe.titleViews(textEncoder: textEncoder.rawValue)
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.margin = margin
        options.negatives = negatives
        options.warmupEpochs = negatives == .random ? 0 : warmupEpochs
        options.symmetric = symmetric ?? TrainingRecipe.symmetric(textEncoder: textEncoder.rawValue)
        options.seed = seed
        options.optimizer.learningRate = lr
        options.optimizer.weightDecay = weightDecay
        options.optimizer.clipNorm = clipNorm
        request.options = options
        let summary = try TrainingPipeline.run(request) { message in
            FileHandle.standardError.write(Data("imgsearch train: \(message)\n".utf8))
        }
        var line = "model \(summary.modelIdentifier) saved to \(out)"
        if let epoch = summary.bestEpoch, let recall = summary.bestRecallAt10 {
            line += String(format: " (best epoch %d, validation text→image R@10 %.3f)", epoch, recall)
        }
        print(line + String(format: "; %d pairs, %.0f s of training", summary.trainingPairs, summary.seconds))
    }
}

extension NegativeSampling: ExpressibleByArgument {}

/// The backbone poolings `--pooling` offers (the feature cache keeps both).
enum FeaturePooling: String, ExpressibleByArgument, CaseIterable {
    case max, gem
}

/// The two text encoders `--text-encoder` offers.
enum TextEncoderKind: String, ExpressibleByArgument, CaseIterable {
    case minilm, gru
}
