import Foundation
import Tensor

/// Recall@K and median rank of a retrieval run, beside what a random ranker would get.
public struct RetrievalReport: Codable, Equatable, Sendable {
    public var queries: Int
    public var galleryCount: Int
    public var recallAt1: Double, recallAt5: Double, recallAt10: Double
    /// Median over queries of the 1-based rank of the first correct item.
    public var medianRank: Double
    public var randomRecallAt1: Double, randomRecallAt5: Double, randomRecallAt10: Double
    public var randomMedianRank: Double

    public var summary: String {
        String(format: "R@1 %.3f  R@5 %.3f  R@10 %.3f  median rank %.0f  (random: R@1 %.3f R@5 %.3f R@10 %.3f median %.0f; %d queries, gallery %d)",
               recallAt1, recallAt5, recallAt10, medianRank, randomRecallAt1, randomRecallAt5, randomRecallAt10,
               randomMedianRank, queries, galleryCount)
    }
}

/// The evaluation protocol of docs/metrics.md, on embeddings ranked by Euclidean distance.
public enum RetrievalMetrics {
    // MARK: Protocols

    /// One query per group (row g of `groupTexts` is group g's text); a hit when any image of the
    /// group is in the top K of all images. `imageGroups[i]` is image i's group index.
    public static func textToImage(groupTexts: Tensor, images: Tensor, imageGroups: [Int]) -> RetrievalReport {
        let distances = squaredDistances(groupTexts, images)
        let groupSizes = counts(imageGroups, groups: groupTexts.shape[0])
        let ranks = firstCorrectRanks(distances, queries: groupTexts.shape[0], gallery: images.shape[0]) { q, i in imageGroups[i] == q }
        return report(ranks: ranks, correctCounts: groupSizes, galleryCounts: Array(repeating: images.shape[0], count: ranks.count))
    }

    /// Each image queries the gallery of distinct group texts; one correct text per image.
    public static func imageToText(images: Tensor, groupTexts: Tensor, imageGroups: [Int]) -> RetrievalReport {
        let distances = squaredDistances(images, groupTexts)
        let ranks = firstCorrectRanks(distances, queries: images.shape[0], gallery: groupTexts.shape[0]) { q, g in imageGroups[q] == g }
        return report(ranks: ranks, correctCounts: Array(repeating: 1, count: ranks.count),
                      galleryCounts: Array(repeating: groupTexts.shape[0], count: ranks.count))
    }

    /// Image→image within groups: every image of a group with several images queries all other
    /// images (itself excluded); the other members of its group are correct. Nil when no group has two images.
    public static func imageToImageWithinGroups(images: Tensor, imageGroups: [Int]) -> RetrievalReport? {
        let n = images.shape[0]
        let sizes = counts(imageGroups, groups: (imageGroups.max() ?? -1) + 1)
        let queries = (0..<n).filter { sizes[imageGroups[$0]] > 1 }
        guard !queries.isEmpty else { return nil }
        let queryRows = Tensor(shape: [queries.count, images.shape[1]],
                               data: queries.flatMap { q in Array(images.data[q * images.shape[1]..<(q + 1) * images.shape[1]]) })
        let distances = squaredDistances(queryRows, images)
        let ranks = firstCorrectRanks(distances, queries: queries.count, gallery: n,
                                      correct: { q, i in i != queries[q] && imageGroups[i] == imageGroups[queries[q]] },
                                      excluded: { q, i in i == queries[q] })
        return report(ranks: ranks, correctCounts: queries.map { sizes[imageGroups[$0]] - 1 },
                      galleryCounts: Array(repeating: n - 1, count: queries.count))
    }

    // MARK: Building blocks

    /// [Q, N] squared Euclidean distances (same order as Euclidean) by one sgemm.
    public static func squaredDistances(_ queries: Tensor, _ gallery: Tensor) -> [Float] {
        let q = queries.shape[0], n = gallery.shape[0], d = queries.shape[1]
        precondition(gallery.shape[1] == d, "query width \(d) vs gallery width \(gallery.shape[1])")
        var out = [Float](repeating: 0, count: q * n)
        guard q > 0, n > 0 else { return out }
        BLAS.sgemm(transB: true, m: q, n: n, k: d, alpha: -2, a: queries.data, lda: d, b: gallery.data, ldb: d, c: &out, ldc: n)
        let qn = TripletLoss.squaredNorms(queries.data, rows: q, dimension: d)
        let gn = TripletLoss.squaredNorms(gallery.data, rows: n, dimension: d)
        for i in 0..<q { for j in 0..<n { out[i * n + j] += qn[i] + gn[j] } }
        return out
    }

    /// 1-based rank of the closest correct item per query: 1 + the wrong, non-excluded items strictly closer.
    /// A query with no correct item ranks last (gallery + 1).
    public static func firstCorrectRanks(_ distances: [Float], queries: Int, gallery: Int,
                                         correct: (Int, Int) -> Bool,
                                         excluded: (Int, Int) -> Bool = { _, _ in false }) -> [Int] {
        (0..<queries).map { q in
            let row = q * gallery
            var best = Float.infinity
            for i in 0..<gallery where correct(q, i) && !excluded(q, i) { best = min(best, distances[row + i]) }
            guard best < .infinity else { return gallery + 1 }
            var closer = 0
            for i in 0..<gallery where distances[row + i] < best && !correct(q, i) && !excluded(q, i) { closer += 1 }
            return closer + 1
        }
    }

    /// Recall@1/5/10 and median rank from ranks, plus the random ranker's exact expectations
    /// (a query with g correct among N: P(hit in top K) = 1 − C(N−g, K)/C(N, K)).
    public static func report(ranks: [Int], correctCounts: [Int], galleryCounts: [Int]) -> RetrievalReport {
        func recall(_ k: Int) -> Double { ranks.isEmpty ? 0 : Double(ranks.filter { $0 <= k }.count) / Double(ranks.count) }
        func randomRecall(_ k: Int) -> Double {
            guard !ranks.isEmpty else { return 0 }
            return zip(correctCounts, galleryCounts).map { randomHitProbability(correct: $0, gallery: $1, k: k) }
                .reduce(0, +) / Double(ranks.count)
        }
        var medianByShape: [[Int]: Double] = [:]  // queries share few (g, N) pairs
        let randomMedians = zip(correctCounts, galleryCounts).map { g, n -> Double in
            if let known = medianByShape[[g, n]] { return known }
            let rank = Double((1...max(1, n)).first { randomHitProbability(correct: g, gallery: n, k: $0) >= 0.5 } ?? n)
            medianByShape[[g, n]] = rank
            return rank
        }
        return RetrievalReport(queries: ranks.count, galleryCount: galleryCounts.max() ?? 0,
                               recallAt1: recall(1), recallAt5: recall(5), recallAt10: recall(10),
                               medianRank: median(ranks.map(Double.init)),
                               randomRecallAt1: randomRecall(1), randomRecallAt5: randomRecall(5), randomRecallAt10: randomRecall(10),
                               randomMedianRank: median(randomMedians))
    }

    /// P(at least one of `correct` items in a random top `k` of `gallery`).
    public static func randomHitProbability(correct: Int, gallery: Int, k: Int) -> Double {
        guard correct > 0, gallery > 0 else { return 0 }
        if k >= gallery - correct + 1 { return 1 }
        var missAll = 1.0  // C(N−g, K)/C(N, K) = Π_{i<K} (N−g−i)/(N−i)
        for i in 0..<min(k, gallery) { missAll *= Double(gallery - correct - i) / Double(gallery - i) }
        return 1 - missAll
    }

    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted(), mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    static func counts(_ groups: [Int], groups count: Int) -> [Int] {
        var sizes = [Int](repeating: 0, count: max(count, 0))
        for g in groups where g >= 0 && g < sizes.count { sizes[g] += 1 }
        return sizes
    }
}
