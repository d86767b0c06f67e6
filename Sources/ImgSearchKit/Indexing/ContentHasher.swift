import Foundation
import Imaging
import IndexStore
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 of image files, the key of the feature cache and of an index's items. A file whose path and
/// `FileFingerprint` the cache remembers is not read again; the others are read (in parallel), hashed
/// and remembered. Without a cache, or when it cannot answer, every file is read.
struct ContentHasher {
    let cache: FeatureCache?
    let threads: Int
    static let racyWindowNanoseconds: Int64 = 3_000_000_000

    /// One outcome per file: its hash and, when the file was read and `keepBytes`, its bytes (for decoding).
    /// `trustRemembered: false` reads every file (and remembers them afresh).
    func hash(_ files: [URL], keepBytes: Bool, trustRemembered: Bool = true) -> [Result<(contentHash: String, data: Data?), ImageError>] {
        let fingerprints = files.map { FileFingerprint(path: $0.path) }
        let statted = zip(files, fingerprints).compactMap { url, fingerprint in fingerprint.map { (path: url.path, fingerprint: $0) } }
        let remembered = trustRemembered ? (try? cache?.contentHashes(of: statted)) ?? [:] : [:]
        var outcomes = [Result<(contentHash: String, data: Data?), ImageError>?](repeating: nil, count: files.count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            Parallel.forEach(files.count, threads: threads) { i in
                if let hash = remembered[files[i].path] { slots[i] = .success((hash, nil)); return }
                // A FIFO would block the read forever, a device never end: only regular files are read.
                if let kind = Self.notARegularFile(files[i].path) {
                    slots[i] = .failure(ImageError(file: files[i].path, kind: .unreadable, reason: "not a regular file (\(kind))"))
                    return
                }
                do {
                    let data = try Data(contentsOf: files[i])
                    slots[i] = .success((ContentHash.hex(of: data), keepBytes ? data : nil))
                } catch {
                    slots[i] = .failure(ImageError(file: files[i].path, kind: .unreadable, reason: "cannot read: \(error.localizedDescription)"))
                }
            }
        }
        let results = outcomes.map { $0! }
        // Remember what was read now, with the fingerprint taken before reading: a file changed since
        // then no longer matches it and is read again next time. A file changed in the last few seconds
        // is not remembered ("racy git"): file times tick coarsely (milliseconds, 2 s on FAT), so a second
        // same-size write within one tick would leave the fingerprint as it was.
        let settled = Int64(Date().timeIntervalSince1970 * 1e9) - Self.racyWindowNanoseconds
        var fresh: [(path: String, fingerprint: FileFingerprint, contentHash: String)] = []
        for (i, result) in results.enumerated() where remembered[files[i].path] == nil {
            guard case .success(let file) = result, let fingerprint = fingerprints[i],
                  max(fingerprint.modifiedNanoseconds, fingerprint.changedNanoseconds) < settled else { continue }
            fresh.append((files[i].path, fingerprint, file.contentHash))
        }
        try? cache?.remember(fresh)  // a read-only cache only costs reading again next time
        return results
    }

    /// What `path` is (symlinks followed) when it is not a regular file; nil for a regular file or when it
    /// cannot be examined (the read then reports why).
    static func notARegularFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: return "a FIFO"
        case S_IFDIR: return "a directory"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        default: return "mode \(String(info.st_mode, radix: 8))"
        }
    }
}
