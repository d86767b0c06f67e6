import Foundation

/// A photo inside a GCompris activity bundle and the text the activity gives it.
public struct GComprisPhoto: Equatable, Sendable {
    public var activity: String
    /// Path inside the activity's `.rcc` bundle.
    public var path: String
    public var title: String
    public var description: String
    public var category: String

    public init(activity: String, path: String, title: String, description: String, category: String) {
        (self.activity, self.path, self.title, self.description, self.category) = (activity, path, title, description, category)
    }
}

/// What the caption rules read: the files of one activity bundle (a `QtResourceBundle`, or a dictionary in tests).
public protocol ActivityFiles {
    var paths: [String] { get }
    func text(of path: String) throws -> String
}

extension QtResourceBundle: ActivityFiles {
    public func text(of path: String) throws -> String { String(decoding: try contents(of: path), as: UTF8.self) }
}

/// The caption rules, one per GCompris activity whose pictures are photos of nameable things. Activities of
/// letters, numbers, shapes and colours are left out, and so are drawings (SVG: `instruments`, the
/// `categorization` alphabets) and puzzle pieces (`paintings`).
public enum PhotoCaptions {
    public typealias Rule = (ActivityFiles) throws -> [GComprisPhoto]

    /// Activity name (the bundle's file name without `.rcc`) → its rule.
    public static let rules: [(activity: String, rule: Rule)] = [
        ("explore_world_animals", { try explore($0, activity: "explore_world_animals", category: "animal") }),
        ("explore_farm_animals", { try explore($0, activity: "explore_farm_animals", category: "farm animal") }),
        ("explore_monuments", { try explore($0, activity: "explore_monuments", category: "monument") }),
        ("categorization", categorization),
        ("lang", lang),
        ("erase", { try namedFiles($0, activity: "erase", category: "animal") }),
        ("details", details),
    ]

    /// Category boards, image folders and word lessons that are not photos of things.
    static let skippedTopics: Set<String> = ["alphabets", "alphabet", "letters", "numbers", "number", "odd_even", "shapes",
                                             "shape", "colors", "color", "colours", "colour"]
    static let photoExtensions: Set<String> = ["webp", "jpg", "jpeg", "png"]

    // MARK: Rules

    /// `explore_*` boards: one object per place on the map, `title`, `text` (a sentence about it) and `image2`
    /// (the photo). Caption = title + text.
    static func explore(_ files: ActivityFiles, activity: String, category: String) throws -> [GComprisPhoto] {
        try boards(files, activity).flatMap { board in
            BoardText.objects(keyedBy: "title", in: try files.text(of: board)).compactMap { object in
                guard let title = BoardText.translated("title", in: object), let image = BoardText.literal("image2", in: object),
                      isPhoto(image) else { return nil }
                return GComprisPhoto(activity: activity, path: bundlePath(image), title: title,
                                     description: BoardText.translated("text", in: object) ?? "", category: category)
            }
        }
    }

    /// `categorization`: the photos under `resource/images/FOLDER/`, named by their file names ("measuringTape6" →
    /// "measuring tape"); the category is the board (`"name": qsTr("Tools")`) whose `good` list holds the photo.
    static func categorization(_ files: ActivityFiles) throws -> [GComprisPhoto] {
        var categoryOfImage: [String: String] = [:]
        for board in boards(files, "categorization") {
            let text = try files.text(of: board)
            let topic = (board as NSString).lastPathComponent.replacingOccurrences(of: "category_", with: "")
            guard !skippedTopics.contains((topic as NSString).deletingPathExtension),
                  let name = BoardText.translated("name", in: Substring(text)) else { continue }
            for lesson in BoardText.objects(keyedBy: "good", in: text) {
                for image in BoardText.list("good", in: lesson) where categoryOfImage[image] == nil { categoryOfImage[image] = name.lowercased() }
            }
        }
        let marker = "/resource/images/"
        return files.paths.compactMap { path in
            guard isPhoto(path), let range = path.range(of: marker) else { return nil }
            let relative = String(path[range.upperBound...])
            let folder = relative.split(separator: "/").first.map(String.init) ?? ""
            guard !skippedTopics.contains(folder) else { return nil }
            return GComprisPhoto(activity: "categorization", path: path, title: nameFromFile(path), description: "",
                                 category: categoryOfImage[relative] ?? (folder == "others" ? "" : folder))
        }
    }

    /// `lang`: the word lists (`words_sample.json`: chapters → lessons → {description, image}); colour and
    /// number lessons are left out. Caption = the word; category = the lesson.
    static func lang(_ files: ActivityFiles) throws -> [GComprisPhoto] {
        guard let list = files.paths.first(where: { $0.hasSuffix("/lang/resource/words_sample.json") }) else { return [] }
        struct Entry: Decodable { var description: String?; var image: String? }
        struct Lesson: Decodable { var name: String; var content: [Entry] }
        struct Chapter: Decodable { var name: String; var imgPrefix: String; var content: [Lesson] }
        let chapters: [Chapter]
        do { chapters = try JSONDecoder().decode([Chapter].self, from: Data(try files.text(of: list).utf8)) } catch {
            throw CatalogError(file: list, reason: "the word list does not parse: \(error)")
        }
        return chapters.flatMap { chapter in
            chapter.content.filter { !skippedTopics.contains($0.name.lowercased()) }.flatMap { lesson in
                lesson.content.compactMap { entry -> GComprisPhoto? in
                    guard let word = entry.description, let image = entry.image, isPhoto(image) else { return nil }
                    return GComprisPhoto(activity: "lang", path: bundlePath(chapter.imgPrefix + image), title: word,
                                         description: "", category: lesson.name)
                }
            }
        }
    }

    /// Photos whose file names are their names (`erase`: "northern_harrier.webp").
    static func namedFiles(_ files: ActivityFiles, activity: String, category: String) throws -> [GComprisPhoto] {
        files.paths.filter { isPhoto($0) && $0.contains("/\(activity)/resource/") }.map {
            GComprisPhoto(activity: activity, path: $0, title: nameFromFile($0), description: "", category: category)
        }
    }

    /// `details`: each board's whole picture (the `SHAPE_BACKGROUND_IMAGE`: a painting or a monument) with the
    /// board's instruction ("Vincent van Gogh, The Night Café - 1888") as its title.
    static func details(_ files: ActivityFiles) throws -> [GComprisPhoto] {
        try boards(files, "details").compactMap { board in
            let text = try files.text(of: board)
            guard let title = BoardText.translatedProperty("instruction", in: text),
                  let object = BoardText.objects(keyedBy: "pixmapfile", in: text).first(where: { $0.contains("SHAPE_BACKGROUND_IMAGE") }),
                  let image = BoardText.literal("pixmapfile", in: object), isPhoto(image) else { return nil }
            let folder = (board as NSString).deletingLastPathComponent.replacingOccurrences(of: "/board", with: "/")
            return GComprisPhoto(activity: "details", path: folder + image, title: title, description: "", category: "picture")
        }
    }

    // MARK: Helpers

    static func boards(_ files: ActivityFiles, _ activity: String) -> [String] {
        files.paths.filter { $0.contains("/\(activity)/resource/board/") && $0.hasSuffix(".qml") }
    }

    static func isPhoto(_ path: String) -> Bool { photoExtensions.contains((path as NSString).pathExtension.lowercased()) }

    /// "qrc:/gcompris/src/…" → "gcompris/src/…".
    static func bundlePath(_ url: String) -> String {
        var path = url
        if path.hasPrefix("qrc:") { path.removeFirst(4) }
        while path.hasPrefix("/") { path.removeFirst() }
        return path
    }

    /// "measuringTape6.webp" → "measuring tape", "northern_harrier.webp" → "northern harrier".
    public static func nameFromFile(_ path: String) -> String {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var words = ""
        var previous: Character = " "
        for character in stem {
            if character.isNumber { previous = " "; continue }
            if character == "_" || character == "-" || character == " " {
                words.append(" ")
            } else {
                if character.isUppercase && previous.isLowercase { words.append(" ") }
                words.append(character)
            }
            previous = character
        }
        return words.lowercased().split(separator: " ").joined(separator: " ")
    }
}
