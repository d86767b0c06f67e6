import Foundation
import Imaging

/// Photos with names (and often a sentence) from GCompris's activity bundles (Debian's gcompris-qt-data):
/// the caption rules of `PhotoCaptions` over each activity's `.rcc`, pictures decoded from WebP and scaled so
/// their longer side is at most `maximumSide`.
public enum GComprisSource {
    static let name = "photo"
    /// Where Debian's gcompris-qt-data installs the activity bundles.
    public static let debianDirectory = URL(fileURLWithPath: "/usr/share/gcompris-qt/rcc")

    /// Every photo of every activity with a caption rule, in rule order; a bundle that is missing or unreadable
    /// is counted in `dropped`, not fatal, but a folder without any bundle is an error (the package is missing).
    static func photos(directory: URL, dropped: inout DropCounter) throws -> [(GComprisPhoto, QtResourceBundle)] {
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw CatalogError(file: directory.path, reason: "no GCompris activity bundles here (Debian package gcompris-qt-data; make setup installs it)")
        }
        var photos: [(GComprisPhoto, QtResourceBundle)] = []
        for (activity, rule) in PhotoCaptions.rules {
            let url = directory.appendingPathComponent("\(activity).rcc")
            do {
                let bundle = try QtResourceBundle(contentsOf: url)
                let known = Set(bundle.paths)
                for photo in try rule(bundle) {
                    guard known.contains(photo.path) else { dropped.drop(name, "photo named by a board but not in its bundle"); continue }
                    photos.append((photo, bundle))
                }
            } catch {
                dropped.drop(name, "unreadable bundle \(activity).rcc")
            }
        }
        return photos
    }

    static func candidates(directory: URL, imagesDirectory: URL, maximumSide: Int, dropped: inout DropCounter) throws -> [DemoCandidate] {
        var seenIds = Set<String>()
        return try photos(directory: directory, dropped: &dropped).compactMap { photo, bundle in
            let stem = ((photo.path as NSString).lastPathComponent as NSString).deletingPathExtension
            let id = "photo-\(idFragment(photo.activity))-\(idFragment(stem))"
            guard seenIds.insert(id).inserted else { dropped.drop(name, "same photo twice in an activity"); return nil }
            let title = photo.title.trimmingCharacters(in: .whitespacesAndNewlines)
            let item = CatalogItem(id: id, image: imagesDirectory.appendingPathComponent("\(id).png").path, title: title,
                                   description: photo.description, category: photo.category,
                                   group: TitleRules.conceptGroup(title), source: name)
            let path = photo.path
            return DemoCandidate(item: item) {
                scaledDown(try ImageDecoder.decode(data: try bundle.contents(of: path), name: path), maximumSide: maximumSide)
            }
        }
    }

    /// The image itself when it fits in `maximumSide`, else a box-filtered copy whose longer side is `maximumSide`.
    static func scaledDown(_ image: RGBImage, maximumSide: Int) -> RGBImage {
        let longer = max(image.width, image.height)
        guard longer > maximumSide else { return image }
        let scale = Double(maximumSide) / Double(longer)
        return image.resized(width: max(1, Int((Double(image.width) * scale).rounded())),
                             height: max(1, Int((Double(image.height) * scale).rounded())))
    }
}
