import Foundation

/// Where an index's model lives: `model.json` in the index directory, written by `imgsearch index`
/// (`{"directory": "/abs/models/demo"}`), so that `imgsearch search --index DIR` needs no `--model`.
/// The model's identity is checked separately against the identifier the store records.
public enum ModelRecord {
    static let fileName = "model.json"

    private struct Contents: Codable { var directory: String }

    /// Records `modelDirectory` (made absolute) for the index in `indexDirectory`.
    public static func write(modelDirectory: URL, indexDirectory: URL) throws {
        let contents = Contents(directory: modelDirectory.standardizedFileURL.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(contents).write(to: indexDirectory.appendingPathComponent(fileName), options: .atomic)
    }

    /// The recorded model directory, or nil when the index records none.
    public static func read(_ indexDirectory: URL) -> URL? {
        guard let data = try? Data(contentsOf: indexDirectory.appendingPathComponent(fileName)),
              let contents = try? JSONDecoder().decode(Contents.self, from: data) else { return nil }
        return URL(fileURLWithPath: contents.directory)
    }
}
