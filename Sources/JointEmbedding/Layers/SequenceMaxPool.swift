/// GlobalMaxPooling1D over the valid steps of each sequence: [batch, steps, width] → [batch, width].
public enum SequenceMaxPool {
    /// Returns the pooled rows and, per output value, the step that won (for the backward pass).
    public static func forward(_ x: [Float], lengths: [Int], steps: Int, width: Int) -> (y: [Float], winners: [Int32]) {
        let batch = lengths.count
        var y = [Float](repeating: -.infinity, count: batch * width)
        var winners = [Int32](repeating: 0, count: batch * width)
        for b in 0..<batch {
            for t in 0..<max(1, min(lengths[b], steps)) {
                let base = (b * steps + t) * width
                for j in 0..<width where x[base + j] > y[b * width + j] {
                    y[b * width + j] = x[base + j]
                    winners[b * width + j] = Int32(t)
                }
            }
        }
        return (y, winners)
    }

    /// Routes each pooled gradient to the step that won; all other steps get zero.
    public static func backward(_ dy: [Float], winners: [Int32], batch: Int, steps: Int, width: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: batch * steps * width)
        for b in 0..<batch {
            for j in 0..<width {
                dx[(b * steps + Int(winners[b * width + j])) * width + j] += dy[b * width + j]
            }
        }
        return dx
    }
}
