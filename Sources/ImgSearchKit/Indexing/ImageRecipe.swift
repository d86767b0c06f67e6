import Foundation
import Imaging
import IndexStore

/// What happens to an image before the CNN, recorded in the index that `Indexer` writes so that image
/// queries (`SearchEngine.search(imageAt:)`, uploads to the server) go through the same steps as the
/// collection: features of a cropped picture and of an uncropped one are not comparable.
public enum ImageRecipe: String, Sendable, CaseIterable {
    /// The whole picture, resized and centre-cropped by the backbone's preprocessing.
    case plain
    /// `ContentCrop.standard` first: uniform or transparent borders trimmed, the content padded to square.
    case cropToContent = "crop-to-content"

    static let settingName = "image_recipe"

    public init(cropToContent: ContentCrop?) {
        self = cropToContent == nil ? .plain : .cropToContent
    }

    /// The crop this recipe applies, nil for `plain`.
    public var contentCrop: ContentCrop? { self == .cropToContent ? .standard : nil }

    /// How the recipe reads in messages.
    public var phrase: String { self == .plain ? "without crop to content" : "with crop to content" }

    /// The recipe `store` records; an index that records none was made before recipes existed, on whole pictures.
    public static func recorded(in store: any IndexStoreProtocol) throws -> ImageRecipe {
        try parse(try store.setting(settingName), location: store.location)
    }

    /// The recipe a recorded setting value names (`plain` when there is none).
    static func parse(_ value: String?, location: String) throws -> ImageRecipe {
        guard let value else { return .plain }
        guard let recipe = ImageRecipe(rawValue: value) else {
            throw IndexingError("\(location): unknown image recipe '\(value)' (this build knows "
                                + allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return recipe
    }

    func record(in store: any IndexStoreProtocol) throws {
        try store.setSetting(Self.settingName, to: rawValue)
    }
}
