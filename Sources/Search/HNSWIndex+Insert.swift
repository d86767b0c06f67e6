import Foundation
import Tensor

// MARK: - Building the graph

extension HNSWIndex {
    /// Appends one vector as the next node and links it; returns its index.
    @discardableResult
    public func add(_ vector: [Float]) -> Int {
        precondition(vector.count == dimension, "HNSWIndex: vector has \(vector.count) values, graph has \(dimension)")
        return vector.withUnsafeBufferPointer { buffer in
            lock.writing { insert(buffer.baseAddress!) }
        }
    }

    /// Appends rows `rows` of `matrix` (all of them by default) in order; `progress` is told the number of rows
    /// added so far, every 1,024 rows and at the end, between insertions (searches and saves may run then).
    /// With `threads` > 1, blocks of rows are linked by that many threads side by side (hnswlib's scheme: a
    /// spin lock per node's link lists): faster, but the graph then depends on the threads' timing, so it is
    /// not reproducible run to run. The first rows of an empty graph are always linked one by one.
    public func add(contentsOf matrix: VectorMatrix, rows: Range<Int>? = nil, threads: Int = 1, progress: ((Int) -> Void)? = nil) {
        precondition(matrix.dimension == dimension, "HNSWIndex: rows have \(matrix.dimension) values, graph has \(dimension)")
        let rows = rows ?? 0..<matrix.count
        precondition(rows.lowerBound >= 0 && rows.upperBound <= matrix.count, "HNSWIndex: rows \(rows) of \(matrix.count)")
        lock.writing { reserveNodes(nodeCount + rows.count) }
        var done = 0
        while done < rows.count {
            let serial = threads <= 1 || count < Self.serialStart
            let block = serial ? 1 : min(Self.concurrentBlock, rows.count - done)
            let first = matrix.baseAddress + (rows.lowerBound + done) * dimension
            lock.writing {
                if serial { _ = insert(first) } else { insertConcurrently(first, count: block, threads: threads) }
            }
            let before = done
            done += block
            if let progress, done / 1024 > before / 1024 || done == rows.count { progress(done) }
        }
    }

    /// Nodes linked one by one before threads join in (the top levels take shape), and rows per parallel block
    /// (progress and checkpoints happen between blocks, with the write lock released).
    static let serialStart = 1024, concurrentBlock = 4096

    func reserveNodes(_ nodes: Int) {
        self.nodes.reserve(nodes * nodeStride)
        levels.reserveCapacity(nodes)
        upperOffsets.reserveCapacity(nodes)
    }

    /// Algorithm 1 of the paper; the caller holds the write lock.
    private func insert(_ vector: UnsafePointer<Float>) -> Int {
        let node = appendNode(vector)
        linkNode(node, locks: nil)
        return node
    }

    /// `count` vectors appended, then linked by `threads` threads side by side; the caller holds the write lock
    /// (no search runs meanwhile), and every node's storage exists before any thread starts.
    private func insertConcurrently(_ vectors: UnsafePointer<Float>, count: Int, threads: Int) {
        let first = nodeCount
        for i in 0..<count { _ = appendNode(vectors + i * dimension) }
        let locks = NodeLocks(count: nodeCount)
        let workers = min(threads, count)
        Parallel.forEach(workers, threads: workers) { worker in
            for i in stride(from: worker, to: count, by: workers) { linkNode(first + i, locks: locks) }
        }
    }

    /// Stores `vector` as the next node with a random level and empty link lists; returns the node.
    private func appendNode(_ vector: UnsafePointer<Float>) -> Int {
        let node = nodeCount
        reserveNodes(node + 1)
        UnsafeMutableRawPointer(nodes.pointer + node * nodeStride).assumingMemoryBound(to: Float.self).update(from: vector, count: dimension)
        let level = randomLevel()
        levels.append(UInt8(level))
        if level > 0 {
            let size = level * (1 + parameters.m)
            upperLinks.reserve(upperLinkCount + size)
            upperOffsets.append(upperLinkCount)
            (upperLinks.pointer + upperLinkCount).update(repeating: 0, count: size)
            upperLinkCount += size
        } else {
            upperOffsets.append(-1)
        }
        links(node, level: 0).pointee = 0
        nodeCount += 1
        return node
    }

    /// Links an appended node into the graph. With `locks`, other threads link other nodes meanwhile: link lists
    /// are read and written under their node's lock, and the entry point under `locks.top` (held throughout by a
    /// node that will become the new top, as in hnswlib).
    private func linkNode(_ node: Int, locks: NodeLocks?) {
        let level = Int(levels[node])
        locks?.top.lock()
        let (entryPoint, maxLevel) = (self.entryPoint, self.maxLevel)
        let holdsTop = locks != nil && level > maxLevel
        if locks != nil && !holdsTop { locks?.top.unlock() }
        defer { if holdsTop { locks?.top.unlock() } }
        guard entryPoint >= 0 else {
            (self.entryPoint, self.maxLevel) = (node, level)
            return
        }
        let query = self.vector(node)
        var entry = Candidate(distance: distance(query, entryPoint), id: UInt32(entryPoint))
        workspaces.withWorkspace(nodeCount: nodeCount) { workspace in
            if maxLevel > level {
                for upper in stride(from: maxLevel, to: level, by: -1) {
                    entry = greedyClosest(query, from: entry, level: upper, locks: locks, copy: workspace.linkCopy)
                }
            }
            for current in stride(from: min(level, maxLevel), through: 0, by: -1) {
                workspace.begin(nodeCount: nodeCount)
                searchLayer(query, entry: entry, ef: parameters.efConstruction, level: current, workspace: workspace, locks: locks)
                let found = workspace.results.drainAscending().map(Candidate.init(key:))
                entry = found[0]
                let chosen = selectNeighbors(found, limit: parameters.m)
                locks?.lock(node)
                setLinks(node, level: current, to: chosen.map(\.id))
                locks?.unlock(node)
                for neighbor in chosen {
                    locks?.lock(Int(neighbor.id))
                    link(Int(neighbor.id), to: node, distance: neighbor.distance, level: current)
                    locks?.unlock(Int(neighbor.id))
                }
            }
        }
        if level > maxLevel {
            (self.entryPoint, self.maxLevel) = (node, level)
        }
    }

    /// Adds `node` to the links of `owner`; when full, keeps the heuristic's choice among old and new.
    private func link(_ owner: Int, to node: Int, distance: Float, level: Int) {
        let list = links(owner, level: level)
        let limit = level == 0 ? maxLinks0 : parameters.m
        let n = Int(list[0])
        if n < limit {
            list[1 + n] = UInt32(node)
            list[0] = UInt32(n + 1)
            return
        }
        let ownerVector = vector(owner)
        var candidates = [Candidate(distance: distance, id: UInt32(node))]
        for i in 0..<n { candidates.append(Candidate(distance: self.distance(ownerVector, Int(list[1 + i])), id: list[1 + i])) }
        candidates.sort { $0.distance < $1.distance }
        setLinks(owner, level: level, to: selectNeighbors(candidates, limit: limit).map(\.id))
    }

    private func setLinks(_ node: Int, level: Int, to ids: [UInt32]) {
        let list = links(node, level: level)
        list[0] = UInt32(ids.count)
        for (i, id) in ids.enumerated() { list[1 + i] = id }
    }

    /// The heuristic of algorithm 4: take candidates nearest first, skipping any that lies closer to
    /// an already chosen neighbour than to the base. Keeps links spread in all directions, which
    /// is what lets greedy search cross between clusters. `candidates` are sorted nearest first.
    func selectNeighbors(_ candidates: [Candidate], limit: Int) -> [Candidate] {
        guard candidates.count > limit else { return candidates }
        var chosen: [Candidate] = []
        chosen.reserveCapacity(limit)
        for candidate in candidates {
            let candidateVector = vector(Int(candidate.id))
            let diverse = chosen.allSatisfy { distance(candidateVector, Int($0.id)) >= candidate.distance }
            if diverse {
                chosen.append(candidate)
                if chosen.count == limit { break }
            }
        }
        return chosen
    }

    /// ⌊−ln(U)·mL⌋ with mL = 1/ln(M): each level holds about 1/M of the one below.
    private func randomLevel() -> Int {
        min(Int(-log(random.nextUnit()) * levelMultiplier), 30)
    }
}
