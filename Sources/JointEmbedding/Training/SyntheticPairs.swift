import Tensor
import TextEncoder

/// A learnable toy catalog for tests and benchmarks: each group has a hidden concept that
/// drives both its feature rows (through a fixed random projection, plus noise) and its words.
public enum SyntheticPairs {
    public struct Catalog {
        public var pairs: TrainingPairs
        public var vocabulary: WordVocabulary
        public var captions: [String]
        /// One text per group (its first caption) for the evaluation protocol.
        public var groupTexts: [String]
    }

    /// `groups` concepts with `perGroup` images each; captions of `wordsPerCaption` words.
    public static func make(groups: Int, perGroup: Int, featureDimension: Int, wordsPerCaption: Int = 8,
                            seed: UInt64) throws -> Catalog {
        var rng = SeededGenerator(seed: seed)
        let conceptDimension = 8
        let projection = (0..<conceptDimension * featureDimension).map { _ in rng.nextUnitFloat() * 2 - 1 }
        var features: [Float] = [], captions: [String] = [], groupIDs: [Int] = [], groupTexts: [String] = []
        for g in 0..<groups {
            let concept = (0..<conceptDimension).map { _ in rng.nextUnitFloat() * 2 - 1 }
            // Two words name the group; a colour word is shared among a tenth of the groups.
            let words = ["item\(g)", "kind\(g % max(1, groups / 3))", "colour\(g % 10)"]
            for i in 0..<perGroup {
                for j in 0..<featureDimension {
                    var v: Float = 0
                    for c in 0..<conceptDimension { v += concept[c] * projection[c * featureDimension + j] }
                    features.append(max(0, v + (rng.nextUnitFloat() - 0.5)))  // ReLU-like, as backbone features
                }
                let filler = (0..<max(0, wordsPerCaption - words.count)).map { _ in "filler\(rng.nextInt(below: 50))" }
                let caption = (words + filler).joined(separator: " ")
                if i == 0 { groupTexts.append(words.joined(separator: " ")) }
                captions.append(caption)
                groupIDs.append(g)
            }
        }
        let vocabulary = WordVocabulary.build(captions: captions)
        let pairs = try TrainingPairs(features: Tensor(shape: [captions.count, featureDimension], data: features),
                                      captions: captions.map { vocabulary.encode($0) }, groups: groupIDs)
        return Catalog(pairs: pairs, vocabulary: vocabulary, captions: captions, groupTexts: groupTexts)
    }
}
