// MARK: - Quadtree for Barnes–Hut

/// A point-region quadtree over 2-D positions, rebuilt every iteration. Each node knows its mass
/// (point count) and centre of mass, so a far-away cell stands in for all of its points.
struct QuadTree {
    struct Node {
        var minX: Float, minY: Float, width: Float
        var centerX: Float = 0, centerY: Float = 0   // position sums while building, centre of mass after
        var mass: Int32 = 0
        var firstChild: Int32 = -1                   // four contiguous children; -1 for a leaf
    }

    private(set) var nodes: [Node] = []

    /// Beyond this depth nearly coincident points share a leaf instead of splitting forever.
    static let maximumDepth = 40

    init(y: UnsafePointer<Float>, count: Int) {
        var lowX = Float.infinity, lowY = Float.infinity, highX = -Float.infinity, highY = -Float.infinity
        for i in 0..<count {
            lowX = min(lowX, y[2 * i]); highX = max(highX, y[2 * i])
            lowY = min(lowY, y[2 * i + 1]); highY = max(highY, y[2 * i + 1])
        }
        let side = max(highX - lowX, highY - lowY) * 1.001 + 1e-6
        nodes.reserveCapacity(count * 3)
        nodes.append(Node(minX: lowX, minY: lowY, width: side))
        for i in 0..<count { insert(x: y[2 * i], y: y[2 * i + 1]) }
        for n in nodes.indices where nodes[n].mass > 0 {
            nodes[n].centerX /= Float(nodes[n].mass); nodes[n].centerY /= Float(nodes[n].mass)
        }
    }

    // MARK: Building

    private mutating func insert(x: Float, y: Float) {
        var node = 0, depth = 0
        while true {
            if nodes[node].firstChild < 0 {
                let m = nodes[node].mass
                if m == 0 { add(x, y, to: node); return }
                // All residents of a leaf coincide: the leaf's position is their mean.
                let rx = nodes[node].centerX / Float(m), ry = nodes[node].centerY / Float(m)
                if (rx == x && ry == y) || depth >= QuadTree.maximumDepth { add(x, y, to: node); return }
                split(node)
                let child = quadrant(node, x: rx, y: ry)
                nodes[child].mass = m
                nodes[child].centerX = nodes[node].centerX; nodes[child].centerY = nodes[node].centerY
            }
            add(x, y, to: node)
            node = quadrant(node, x: x, y: y)
            depth += 1
        }
    }

    private mutating func add(_ x: Float, _ y: Float, to node: Int) {
        nodes[node].mass += 1; nodes[node].centerX += x; nodes[node].centerY += y
    }

    private mutating func split(_ node: Int) {
        let half = nodes[node].width / 2, x = nodes[node].minX, y = nodes[node].minY
        nodes[node].firstChild = Int32(nodes.count)
        nodes.append(Node(minX: x, minY: y, width: half))
        nodes.append(Node(minX: x + half, minY: y, width: half))
        nodes.append(Node(minX: x, minY: y + half, width: half))
        nodes.append(Node(minX: x + half, minY: y + half, width: half))
    }

    private func quadrant(_ node: Int, x: Float, y: Float) -> Int {
        let half = nodes[node].width / 2
        let right = x >= nodes[node].minX + half ? 1 : 0, below = y >= nodes[node].minY + half ? 2 : 0
        return Int(nodes[node].firstChild) + right + below
    }

    // MARK: Repulsion

    /// Σ_j q_ij² (y_i − y_j) and Σ_j q_ij, q_ij = 1 / (1 + ‖y_i − y_j‖²); cells with
    /// width / distance < θ are summarised by their centre of mass.
    static func repulsion(_ nodes: UnsafeBufferPointer<Node>, x: Float, y: Float, theta: Float,
                          stack: UnsafeMutablePointer<Int32>) -> (fx: Float, fy: Float, sumQ: Float) {
        var fx: Float = 0, fy: Float = 0, sumQ: Float = 0
        let thetaSquared = theta * theta
        stack[0] = 0
        var top = 1
        while top > 0 {
            top -= 1
            let node = nodes[Int(stack[top])]
            if node.mass == 0 { continue }
            let dx = x - node.centerX, dy = y - node.centerY
            let d2 = dx * dx + dy * dy
            let isLeaf = node.firstChild < 0
            if isLeaf || node.width * node.width < thetaSquared * d2 {
                // A leaf at distance 0 holds the point itself (and any exact duplicates).
                let others = Float(isLeaf && d2 == 0 ? node.mass - 1 : node.mass)
                let q = 1 / (1 + d2)
                sumQ += others * q
                let weight = others * q * q
                fx += weight * dx; fy += weight * dy
            } else {
                let c = node.firstChild
                stack[top] = c; stack[top + 1] = c + 1; stack[top + 2] = c + 2; stack[top + 3] = c + 3
                top += 4
            }
        }
        return (fx, fy, sumQ)
    }

    /// Stack slots `repulsion` needs: three pending siblings per level plus the four children.
    static let stackCapacity = 3 * (maximumDepth + 2) + 4
}
