import Foundation
import IndexStore
#if canImport(Glibc)
import Glibc
#endif

/// The folders an index may serve images from, recorded in the index (setting `image_roots`) by `imgsearch index`:
/// the catalog's folder, plus any `--image-root`, each stored with symlinks resolved. A catalog line can name any
/// path ("/etc/shadow", "../../x"): the server answers only for items whose image decoded when indexed and whose
/// real path (symlinks followed) lies under one of these folders.
public enum ImageRoots {
    static let settingName = "image_roots"

    /// Adds `folders` to the roots recorded in `store` (earlier roots stay: several catalogs may feed one index).
    public static func record(_ folders: [URL], in store: any IndexStoreProtocol) throws {
        var roots = try read(store).map(\.path)
        for folder in folders {
            guard let real = realPath(folder.path) else {
                throw SearchEngineError(.noIndex, folder.path, "image folder does not exist")
            }
            if !roots.contains(real) { roots.append(real) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try store.setSetting(settingName, to: String(decoding: try encoder.encode(roots), as: UTF8.self))
    }

    /// The roots `store` records (empty when it records none: then no image is served).
    public static func read(_ store: any IndexStoreProtocol) throws -> [URL] {
        decode(try store.setting(settingName))
    }

    /// The roots of a recorded setting value; none for a missing or unreadable one.
    static func decode(_ value: String?) -> [URL] {
        guard let value, let roots = try? JSONDecoder().decode([String].self, from: Data(value.utf8)) else { return [] }
        return roots.map { URL(fileURLWithPath: $0, isDirectory: true) }
    }

    /// The real path of `image` when it lies under one of `roots`, else the reason it may not be served.
    static func resolve(_ image: String, roots: [URL]) -> Result<URL, ImageRefusal> {
        guard let real = realPath(image) else { return .failure(ImageRefusal("\(image) does not exist")) }
        for root in roots {
            let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
            if real.hasPrefix(prefix) { return .success(URL(fileURLWithPath: real)) }
        }
        let place = roots.isEmpty ? "not under an image folder (the index records none: rerun imgsearch index)"
            : "outside the index's image folders"
        return .failure(ImageRefusal("\(image) → \(real) is \(place)"))
    }

    /// `realpath(3)`: absolute, with `.`, `..` and every symlink resolved; nil when the path does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Why an item's image is not served (logged by the server; the client sees only a short message).
public struct ImageRefusal: Error, CustomStringConvertible, Sendable {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
