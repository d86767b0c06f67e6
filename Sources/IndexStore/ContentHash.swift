import Crypto
import Foundation

/// SHA-256 (swift-crypto: BoringSSL's implementation on Linux) as lowercase hex: the content hash that keys
/// the feature cache and tells the indexer which images changed.
///
///     ContentHash.hex(of: Data("abc".utf8))   // "ba7816bf…f20015ad"
public enum ContentHash {
    /// The digest of `data`.
    public static func hex(of data: Data) -> String { hex(SHA256.hash(data: data)) }

    /// The digest of a whole file, read in 1 MiB chunks.
    public static func hex(ofFileAt url: URL) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw StoreError(file: url.path, reason: "cannot open for hashing (missing or unreadable)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hex(hasher.finalize())
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
