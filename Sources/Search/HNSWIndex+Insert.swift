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
    public func add(contentsOf matrix: VectorMatrix, rows: Range<Int>? = nil, progress: ((Int) -> Void)? = nil) {
        precondition(matrix.dimension == dimension, "HNSWIndex: rows have \(matrix.dimension) values, graph has \(dimension)")
        let rows = rows ?? 0..<matrix.count
        precondition(rows.lowerBound >= 0 && rows.upperBound <= matrix.count, "HNSWIndex: rows \(rows) of \(matrix.count)")
        lock.writing { reserveNodes(nodeCount + rows.count) }
        for (done, row) in rows.enumerated() {
            lock.writing { _ = insert(matrix.baseAddress + row * dimension) }
            if let progress, (done + 1) % 1024 == 0 || done + 1 == rows.count { progress(done + 1) }
        }
    }

    func reserveNodes(_ nodes: Int) {
        self.nodes.reserve(nodes * nodeStride)
        levels.reserveCapacity(nodes)
        upperOffsets.reserveCapacity(nodes)
    }

    /// Algorithm 1 of the paper; the caller holds the write lock.
    private func insert(_ vector: UnsafePointer<Float>) -> Int {
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

        guard entryPoint >= 0 else {
            entryPoint = node
            maxLevel = level
            return node
        }
        let query = self.vector(node)
        var entry = Candidate(distance: distance(query, entryPoint), id: UInt32(entryPoint))
        if maxLevel > level {
            for upper in stride(from: maxLevel, to: level, by: -1) {
                entry = greedyClosest(query, from: entry, level: upper)
            }
        }
        workspaces.withWorkspace(nodeCount: nodeCount) { workspace in
            for current in stride(from: min(level, maxLevel), through: 0, by: -1) {
                workspace.begin(nodeCount: nodeCount)
                searchLayer(query, entry: entry, ef: parameters.efConstruction, level: current, workspace: workspace)
                let found = workspace.results.drainAscending().map(Candidate.init(key:))
                entry = found[0]
                let chosen = selectNeighbors(found, limit: parameters.m)
                setLinks(node, level: current, to: chosen.map(\.id))
                for neighbor in chosen { link(Int(neighbor.id), to: node, distance: neighbor.distance, level: current) }
            }
        }
        if level > maxLevel {
            entryPoint = node
            maxLevel = level
        }
        return node
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
