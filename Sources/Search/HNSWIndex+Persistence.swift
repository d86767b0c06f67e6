import Foundation

// MARK: - Saving and loading

extension HNSWIndex {
    static let fileMagic = "IMGHNSW\u{0}"
    static let fileVersion: UInt32 = 1

    /// Writes the graph (links and levels, not the vectors: they live in the store's vector file).
    public func save(to url: URL) throws {
        let payload: Data = lock.reading {
            var writer = ByteWriter()
            writer.append(UInt32(dimension))
            writer.append(UInt32(parameters.m))
            writer.append(UInt32(parameters.efConstruction))
            writer.append(UInt32(efSearch))
            writer.append(parameters.seed)
            writer.append(random.state)
            writer.append(UInt64(nodeCount))
            writer.append(Int64(entryPoint))
            writer.append(Int64(maxLevel))
            writer.append(array: levels)
            var level0: [UInt32] = []  // the file keeps level-0 links contiguous, without the vectors
            level0.reserveCapacity(nodeCount * (1 + maxLinks0))
            for node in 0..<nodeCount { level0 += UnsafeBufferPointer(start: links(node, level: 0), count: 1 + maxLinks0) }
            writer.append(array: level0)
            writer.append(UInt64(upperLinkCount))
            writer.append(buffer: UnsafeBufferPointer(start: upperLinks.pointer, count: upperLinkCount))
            return writer.data
        }
        try ChecksummedFile.write(payload, to: url, magic: Self.fileMagic, version: Self.fileVersion)
    }

    /// Reads a graph saved by `save(to:)` and attaches its vectors: row i of `vectors` is node i.
    /// Rows beyond the saved nodes (appended to the store after the graph was saved) are added unless
    /// `linkingNewRows` is false (the caller then adds them, e.g. with progress and checkpoints).
    public static func load(from url: URL, vectors: VectorMatrix, linkingNewRows: Bool = true) throws -> HNSWIndex {
        var reader = ByteReader(try ChecksummedFile.read(url, magic: fileMagic, version: fileVersion), file: url.path)
        let dimension = Int(try reader.read(UInt32.self))
        let m = Int(try reader.read(UInt32.self))
        let efConstruction = Int(try reader.read(UInt32.self))
        let efSearch = Int(try reader.read(UInt32.self))
        let seed = try reader.read(UInt64.self)
        let randomState = try reader.read(UInt64.self)
        let nodeCount = Int(try reader.read(UInt64.self))
        let entryPoint = Int(try reader.read(Int64.self))
        let maxLevel = Int(try reader.read(Int64.self))
        guard dimension == vectors.dimension else {
            throw SearchError(.dimensionMismatch, file: url.path, "graph of \(dimension)-d vectors, the vector file holds \(vectors.dimension)-d")
        }
        guard nodeCount <= vectors.count else {
            throw SearchError(.truncated, file: url.path, "graph has \(nodeCount) nodes, the vector file only \(vectors.count) rows")
        }
        guard m >= 2, (nodeCount == 0) == (entryPoint < 0), entryPoint < nodeCount, maxLevel <= 30 else {
            throw SearchError(.badHeader, file: url.path, "inconsistent header (M \(m), \(nodeCount) nodes, entry \(entryPoint), top level \(maxLevel))")
        }
        let index = HNSWIndex(dimension: dimension,
                              parameters: Parameters(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed),
                              capacity: max(1, vectors.count))
        index.random.state = randomState
        index.levels = try reader.array(nodeCount)
        let level0 = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, nodeCount * (1 + index.maxLinks0)))
        defer { level0.deallocate() }
        try reader.copy(nodeCount * (1 + index.maxLinks0), into: level0)
        for node in 0..<nodeCount {
            index.links(node, level: 0).update(from: level0 + node * (1 + index.maxLinks0), count: 1 + index.maxLinks0)
        }
        let upperCount = Int(try reader.read(UInt64.self))
        index.upperLinks.reserve(upperCount)
        try reader.copy(upperCount, into: index.upperLinks.pointer)
        index.upperLinkCount = upperCount
        try index.rebuildOffsets(expectedUpperCount: upperCount, file: url.path)
        try index.validateLinks(file: url.path)
        guard nodeCount == 0 || Int(index.levels[entryPoint]) == maxLevel else {
            throw SearchError(.badHeader, file: url.path, "entry point \(entryPoint) is not on the top level \(maxLevel)")
        }
        for node in 0..<nodeCount {
            UnsafeMutablePointer(mutating: index.vector(node)).update(from: vectors.baseAddress + node * dimension, count: dimension)
        }
        index.nodeCount = nodeCount
        index.entryPoint = entryPoint
        index.maxLevel = maxLevel
        if linkingNewRows && vectors.count > nodeCount { index.add(contentsOf: vectors, rows: nodeCount..<vectors.count) }
        return index
    }

    /// Upper-level blocks follow node order, so offsets follow from the levels.
    private func rebuildOffsets(expectedUpperCount: Int, file: String) throws {
        upperOffsets = []
        upperOffsets.reserveCapacity(levels.count)
        var offset = 0
        for level in levels {
            upperOffsets.append(level > 0 ? offset : -1)
            offset += Int(level) * (1 + parameters.m)
        }
        guard offset == expectedUpperCount else {
            throw SearchError(.badHeader, file: file, "levels need \(offset) upper links, the file holds \(expectedUpperCount)")
        }
    }

    /// A damaged graph must fail to load rather than crash a search: every link is checked once.
    private func validateLinks(file: String) throws {
        let nodes = levels.count
        for node in 0..<nodes {
            for level in 0...Int(levels[node]) {
                let list = links(node, level: level)
                let limit = level == 0 ? maxLinks0 : parameters.m
                guard Int(list[0]) <= limit, (0..<Int(list[0])).allSatisfy({
                    Int(list[1 + $0]) < nodes && Int(levels[Int(list[1 + $0])]) >= level
                }) else {
                    throw SearchError(.badHeader, file: file, "node \(node) level \(level) has invalid links")
                }
            }
        }
    }
}
