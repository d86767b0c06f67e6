import Tensor

// MARK: - Trustworthiness

/// How well a low-dimensional map keeps neighbourhoods (Venna & Kaski 2001), in [0, 1]:
/// 1 − 2/(n k (2n − 3k − 1)) Σ_i Σ_{j ∈ U_i} (r(i, j) − k), where U_i are the map's k nearest
/// neighbours of i that are not among its k nearest in the input and r is the rank in the input.
public enum Trustworthiness {
    public static func score(original x: Tensor, embedded y: Tensor, k: Int) -> Double {
        let n = x.shape[0]
        precondition(y.shape[0] == n && k > 0 && k < n / 2, "Trustworthiness: same N in both, 0 < k < N/2")
        let inputDistances = Affinities.pairwiseSquaredDistances(x)
        let mapDistances = Affinities.pairwiseSquaredDistances(y)
        var penalty = 0.0
        for i in 0..<n {
            let byInput = (0..<n).filter { $0 != i }.sorted { (inputDistances[i * n + $0], $0) < (inputDistances[i * n + $1], $1) }
            var rank = [Int](repeating: 0, count: n)
            for (r, j) in byInput.enumerated() { rank[j] = r + 1 }
            let mapNeighbors = (0..<n).filter { $0 != i }.sorted { (mapDistances[i * n + $0], $0) < (mapDistances[i * n + $1], $1) }.prefix(k)
            for j in mapNeighbors where rank[j] > k { penalty += Double(rank[j] - k) }
        }
        return 1 - 2 / (Double(n) * Double(k) * (2 * Double(n) - 3 * Double(k) - 1)) * penalty
    }
}
