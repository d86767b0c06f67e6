import Tensor
import TextEncoder

/// Training pairs in memory: one backbone feature row, one caption and one group per item.
/// The caption is either word ids (for the GRU) or a fixed sentence embedding (frozen encoder).
/// `featureVariants` optionally holds augmented copies (crops/flips) of each item's features, and
/// `textVariants` other phrasings of each caption (frozen encoder only, e.g. the title alone);
/// each batch then draws one of the original and its variants per item.
public struct TrainingPairs {
    public var features: Tensor           // [N, C]
    public var captions: [[Int32]]        // word ids, each non-empty (GRU)
    public var textEmbeddings: Tensor?    // [N, D] unit rows (frozen sentence encoder)
    public var groups: [Int]              // group index per item
    public var featureVariants: [Tensor]  // each [N, C]; may be empty
    public var textVariants: [Tensor]     // each [N, D] unit rows; may be empty

    /// Pairs for the GRU text tower.
    public init(features: Tensor, captions: [[Int32]], groups: [Int], featureVariants: [Tensor] = []) throws {
        guard captions.allSatisfy({ !$0.isEmpty }) else {
            throw JointModelError(file: "training data", reason: "every caption needs at least one word id")
        }
        try self.init(features: features, captions: captions, textEmbeddings: nil, groups: groups, featureVariants: featureVariants,
                      textVariants: [])
    }

    /// Pairs for a frozen sentence encoder: the caption side is already embedded.
    public init(features: Tensor, textEmbeddings: Tensor, groups: [Int], featureVariants: [Tensor] = [],
                textVariants: [Tensor] = []) throws {
        guard textEmbeddings.rank == 2, textEmbeddings.shape[0] == groups.count else {
            throw JointModelError(file: "training data", reason: "text embeddings \(textEmbeddings.shape) for \(groups.count) pairs")
        }
        try self.init(features: features, captions: Array(repeating: [], count: groups.count), textEmbeddings: textEmbeddings,
                      groups: groups, featureVariants: featureVariants, textVariants: textVariants)
    }

    private init(features: Tensor, captions: [[Int32]], textEmbeddings: Tensor?, groups: [Int], featureVariants: [Tensor],
                 textVariants: [Tensor]) throws {
        guard features.rank == 2, features.shape[0] == captions.count, captions.count == groups.count else {
            throw JointModelError(file: "training data", reason: "features \(features.shape), \(captions.count) captions and \(groups.count) groups disagree")
        }
        guard featureVariants.allSatisfy({ $0.shape == features.shape }) else {
            throw JointModelError(file: "training data", reason: "augmented feature rows must match the originals' shape \(features.shape)")
        }
        guard textVariants.allSatisfy({ $0.shape == textEmbeddings?.shape }) else {
            throw JointModelError(file: "training data", reason: "text views must match the caption embeddings' shape")
        }
        self.features = features
        self.captions = captions
        self.textEmbeddings = textEmbeddings
        self.groups = groups
        self.featureVariants = featureVariants
        self.textVariants = textVariants
    }

    public var count: Int { captions.count }
    public var featureDimension: Int { features.shape[1] }
    public var groupCount: Int { Set(groups).count }
}

/// Validation in the evaluation protocol's shape: one text per group, images labelled by group index.
public struct ValidationSet {
    public var groupTexts: [String]
    public var features: Tensor   // [N, C]
    public var imageGroups: [Int] // index into groupTexts

    public init(groupTexts: [String], features: Tensor, imageGroups: [Int]) {
        self.groupTexts = groupTexts
        self.features = features
        self.imageGroups = imageGroups
    }

    /// Text→image and image→text reports of `model` on this set.
    public func evaluate(_ model: JointModel) -> (textToImage: RetrievalReport, imageToText: RetrievalReport) {
        let texts = model.embedTexts(groupTexts)
        let images = model.embedImages(features: features)
        return (RetrievalMetrics.textToImage(groupTexts: texts, images: images, imageGroups: imageGroups),
                RetrievalMetrics.imageToText(images: images, groupTexts: texts, imageGroups: imageGroups))
    }
}
