import Foundation
import Tensor
import TextEncoder
import Weights

/// The text side of `--text-encoder minilm`: a frozen sentence encoder behind a persistent cache,
/// so that training epochs look captions up instead of re-running the transformer.
///
/// Keys are 64-bit FNV-1a hashes of the exact text (`TextHash`). The cache file is safetensors:
/// `embeddings` [N, dimension] and `keys` [N, 2] holding each key's high and low 32 bits as raw
/// float bit patterns (never used as numbers); the metadata names the encoder, and a cache made
/// by another encoder is ignored and rebuilt.
///
///     let tower = try MiniLMTextTower(encoder: try MiniLM.pretrained(), cacheURL: modelDir.appendingPathComponent("text_cache.safetensors"))
///     let vectors = tower.embed(captions)      // [captions.count, 384]; misses are encoded in batches
///     try tower.save()                         // only writes when something new was encoded
public final class MiniLMTextTower {
    public let encoder: SentenceEncoder
    public let cacheURL: URL?
    public var dimension: Int { encoder.dimension }
    /// Texts whose embeddings are cached (in memory; `save()` persists them).
    public var cachedCount: Int { rowOfKey.count }

    private var rowOfKey: [UInt64: Int] = [:]
    private var rows: [Float] = []
    private var unsaved = false
    /// Texts per encoder call: large enough for sgemm efficiency, small enough to show progress.
    private let batchSize = 64

    /// Opens the tower, reading `cacheURL` when it exists and was written for this encoder.
    public init(encoder: SentenceEncoder, cacheURL: URL?) throws {
        self.encoder = encoder
        self.cacheURL = cacheURL
        guard let url = cacheURL, FileManager.default.fileExists(atPath: url.path) else { return }
        let file = try SafeTensors.read(url, requireFinite: false)  // its `keys` are hashes in float bit patterns
        guard file.metadata["encoder"] == encoder.identifier,
              let embeddings = file.tensors["embeddings"], let keys = file.tensors["keys"],
              embeddings.rank == 2, embeddings.shape[1] == encoder.dimension, keys.shape == [embeddings.shape[0], 2] else {
            return   // another encoder's (or a damaged) cache: start afresh, `save()` replaces it
        }
        rows = embeddings.data
        for row in 0..<embeddings.shape[0] {
            let high = UInt64(keys.data[2 * row].bitPattern), low = UInt64(keys.data[2 * row + 1].bitPattern)
            rowOfKey[high << 32 | low] = row
        }
    }

    // MARK: Embedding

    /// Unit-length embeddings [texts.count, dimension]; texts not seen before are encoded and cached.
    /// `progress` is called with (encoded so far, to encode) after each batch of misses.
    public func embed(_ texts: [String], progress: ((Int, Int) -> Void)? = nil) -> Tensor {
        let keys = texts.map(TextHash.fnv1a)
        var missing: [String] = [], missingKeys: [UInt64] = []
        var seen = Set<UInt64>()
        for (text, key) in zip(texts, keys) where rowOfKey[key] == nil && seen.insert(key).inserted {
            missing.append(text); missingKeys.append(key)
        }
        var start = 0
        while start < missing.count {
            let end = min(start + batchSize, missing.count)
            let encoded = encoder.encode(Array(missing[start..<end]))
            for (offset, key) in missingKeys[start..<end].enumerated() {
                rowOfKey[key] = rows.count / dimension
                rows.append(contentsOf: encoded.data[(offset * dimension)..<((offset + 1) * dimension)])
            }
            unsaved = true
            start = end
            progress?(start, missing.count)
        }
        var out = [Float]()
        out.reserveCapacity(texts.count * dimension)
        for key in keys {
            let row = rowOfKey[key]!
            out.append(contentsOf: rows[(row * dimension)..<((row + 1) * dimension)])
        }
        return Tensor(shape: [texts.count, dimension], data: out)
    }

    // MARK: Persistence

    /// Writes the cache to `cacheURL` (atomically) if anything was added since it was read.
    public func save() throws {
        guard let url = cacheURL, unsaved else { return }
        let count = rows.count / dimension
        var keys = [Float](repeating: 0, count: 2 * count)
        for (key, row) in rowOfKey {
            keys[2 * row] = Float(bitPattern: UInt32(key >> 32))
            keys[2 * row + 1] = Float(bitPattern: UInt32(key & 0xFFFF_FFFF))
        }
        try SafeTensors.write(["embeddings": Tensor(shape: [count, dimension], data: rows),
                               "keys": Tensor(shape: [count, 2], data: keys)],
                              metadata: ["encoder": encoder.identifier], to: url)
        unsaved = false
    }
}
