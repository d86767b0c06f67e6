import Foundation

/// Where the pretrained pieces that `make setup` unpacks live.
///
/// Looked up in `$IMGSEARCH_ASSETS`, else an `assets/` folder in the current directory or
/// any parent of it or of the executable — so the binary works from a checkout without flags.
public enum Assets {
    public static var directory: URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["IMGSEARCH_ASSETS"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        let starts = [URL(fileURLWithPath: fm.currentDirectoryPath, isDirectory: true),
                      URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()]
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("assets", isDirectory: true)
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate.appendingPathComponent(".complete").path) ||
                    (fm.fileExists(atPath: candidate.path, isDirectory: &isDir) && isDir.boolValue &&
                     fm.fileExists(atPath: candidate.appendingPathComponent(efficientNetLite0File).path)) {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    public static let efficientNetLite0File = "efficientnet-lite0-57934424.pth"
    public static let miniLMFolder = "all-MiniLM-L6-v2"

    /// A file inside the assets folder, or an error that says how to get it.
    public static func require(_ relativePath: String) throws -> URL {
        guard let dir = directory else {
            throw WeightsError(file: relativePath,
                               reason: "assets folder not found; run `make setup` (or set IMGSEARCH_ASSETS)")
        }
        let url = dir.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw WeightsError(file: url.path, reason: "missing; run `make setup` to install the pretrained weights")
        }
        return url
    }
}
