import Foundation
import Imaging
import IndexStore
import JointEmbedding
import Tensor
import VisionEncoder

/// The pooled backbone features of one image and the content hash they belong to.
public struct ImageFeatures: Sendable, Equatable {
    /// SHA-256 of the image file's bytes.
    public var contentHash: String
    public var features: CachedFeatures
    /// True when the features came from the cache and the CNN did not run.
    public var fromCache: Bool
}

/// One image's outcome: its features, or why it could not be read (the run goes on).
public typealias FeatureResult = Result<ImageFeatures, ImageError>

/// Images → backbone features, through the feature cache.
///
/// A two-stage pipeline: a producer thread hashes the files, answers what it can from the
/// cache, and decodes + resizes + normalises the misses into batches, while the calling
/// thread runs the CNN on the previous batch. The queue between them holds two batches, so
/// decoding stays just ahead of the encoder without piling up memory. A file that cannot be
/// decoded becomes a typed failure in its slot; the others go on.
public final class FeatureExtractor: @unchecked Sendable {
    public let backbone: Backbone
    public let cache: FeatureCache?
    public let threads: Int
    public let batchSize: Int
    /// When set, every image is altered before the CNN (training views): variant v of an image is
    /// seeded by its content hash and v, so it is the same copy on every run and cached as such.
    public let augmentation: (augmentation: ImageAugmentation, variant: Int)?
    /// When set, uniform borders are trimmed and the content padded to a square before the CNN (and before any
    /// augmentation); such features are cached apart from the plain ones.
    public let cropToContent: ContentCrop?

    /// Cache key of this backbone's features: the network, the poolings it stores, the crop, the augmentation.
    public var cacheKey: String {
        "\(backbone.identifier)/max,gem3,avg" + (cropToContent == nil ? "" : "/crop")
            + (augmentation.map { "/\($0.augmentation.name)/v\($0.variant)" } ?? "")
    }

    /// - Parameters:
    ///   - cache: nil runs the CNN on every image and remembers nothing.
    ///   - threads: decoding threads (the CNN uses `Parallel.threads` and BLAS's own).
    public init(backbone: Backbone, cache: FeatureCache?, threads: Int = Parallel.threads, batchSize: Int = 32,
                augmentation: (augmentation: ImageAugmentation, variant: Int)? = nil, cropToContent: ContentCrop? = nil) {
        self.backbone = backbone
        self.cache = cache
        self.threads = max(1, threads)
        self.batchSize = max(1, batchSize)
        self.augmentation = augmentation
        self.cropToContent = cropToContent
    }

    // MARK: Extraction

    /// Features of every image, in input order, with a progress bar on stderr.
    public func extract(_ images: [URL], showProgress: Bool = true) throws -> [FeatureResult] {
        var results = [FeatureResult?](repeating: nil, count: images.count)
        let progress = ProgressBar("features", total: images.count, enabled: showProgress)
        try extract(images, progress: progress) { batch in
            for (index, result) in batch { results[index] = result }
        }
        progress.finish()
        return results.map { $0! }
    }

    /// Streams results batch by batch to `onBatch` (indices into `images`), so a caller can
    /// commit as it goes. Every image is reported exactly once unless `onBatch` throws,
    /// which stops the pipeline and rethrows. `contentHashes`, when known, skip re-hashing.
    public func extract(_ images: [URL], contentHashes: [String]? = nil, progress: ProgressBar? = nil,
                        onBatch: ([(index: Int, result: FeatureResult)]) throws -> Void) throws {
        precondition(contentHashes == nil || contentHashes!.count == images.count, "one content hash per image")
        let queue = BoundedQueue<PipelineMessage>(capacity: 2)
        let producerDone = DispatchSemaphore(value: 0)
        let producer = Thread { [self] in
            defer { queue.close(); producerDone.signal() }
            do {
                try prepareBatches(images, contentHashes: contentHashes, into: queue)
            } catch {
                queue.push(.failed(error))
            }
        }
        producer.stackSize = 8 << 20
        producer.start()
        defer {
            queue.cancel()
            producerDone.wait()
        }
        while let message = queue.pop() {
            switch message {
            case .failed(let error):
                throw error
            case .batch(let prepared):
                let results = try encode(prepared)
                try onBatch(results)
                progress?.advance(by: results.count)
            }
        }
    }

    // MARK: Producer: hash, look up, decode

    private enum PipelineMessage {
        case batch(PreparedBatch)
        case failed(Error)
    }

    /// Cache hits and failures ready to report, plus the decoded misses waiting for the CNN.
    private struct PreparedBatch {
        var finished: [(index: Int, result: FeatureResult)] = []
        var misses: [(index: Int, contentHash: String)] = []
        var input: Tensor?
    }

    private struct Miss {
        var index: Int
        var contentHash: String
        var data: Data?
    }

    private func prepareBatches(_ images: [URL], contentHashes: [String]?, into queue: BoundedQueue<PipelineMessage>) throws {
        var pending = PreparedBatch()
        var misses: [Miss] = []
        for start in stride(from: 0, to: images.count, by: batchSize) {
            guard !queue.isCancelled else { return }
            let range = start..<min(start + batchSize, images.count)
            let hashed = hash(images, range: range, known: contentHashes)
            let hits = try cache?.features(contentHashes: hashed.compactMap { try? $0.get().contentHash }, backbone: cacheKey) ?? [:]
            for (offset, outcome) in hashed.enumerated() {
                let index = range.lowerBound + offset
                switch outcome {
                case .failure(let error):
                    pending.finished.append((index, .failure(error)))
                case .success(let file):
                    if let features = hits[file.contentHash] {
                        pending.finished.append((index, .success(ImageFeatures(contentHash: file.contentHash, features: features, fromCache: true))))
                    } else {
                        misses.append(Miss(index: index, contentHash: file.contentHash, data: file.data))
                    }
                }
            }
            while misses.count >= batchSize {
                let batch = Array(misses.prefix(batchSize))
                misses.removeFirst(batchSize)
                decode(batch, images: images, into: &pending)
                guard queue.push(.batch(pending)) else { return }
                pending = PreparedBatch()
            }
            // Keep progress moving when the cache answers everything.
            if pending.finished.count >= 4 * batchSize {
                guard queue.push(.batch(pending)) else { return }
                pending = PreparedBatch()
            }
        }
        decode(misses, images: images, into: &pending)
        if !pending.finished.isEmpty || !pending.misses.isEmpty { queue.push(.batch(pending)) }
    }

    /// Content hashes of `range`; files are read here (and kept for decoding) unless the hash is known
    /// or the cache remembers the file unchanged.
    private func hash(_ images: [URL], range: Range<Int>, known: [String]?) -> [Result<(contentHash: String, data: Data?), ImageError>] {
        if let known { return range.map { .success((known[$0], nil)) } }
        return ContentHasher(cache: cache, threads: threads).hash(Array(images[range]), keepBytes: true)
    }

    /// Decodes and normalises `misses` into one input tensor; undecodable files become failures.
    private func decode(_ misses: [Miss], images: [URL], into batch: inout PreparedBatch) {
        guard !misses.isEmpty else { return }
        let preprocessing = backbone.preprocessing
        let plane = preprocessing.size * preprocessing.size * 3
        var values = [Float](repeating: 0, count: misses.count * plane)
        var errors = [ImageError?](repeating: nil, count: misses.count)
        values.withUnsafeMutableBufferPointer { out in
            errors.withUnsafeMutableBufferPointer { errorSlots in
                let (out, errorSlots) = (out, errorSlots)
                Parallel.forEach(misses.count, threads: threads) { i in
                    let url = images[misses[i].index]
                    do {
                        var image = try misses[i].data.map { try ImageDecoder.decode(data: $0, name: url.path, hintSize: preprocessing.decodeHint) }
                            ?? ImageDecoder.decode(contentsOf: url, hintSize: preprocessing.decodeHint)
                        if let cropToContent { image = cropToContent.apply(image) }
                        if let (augmentation, variant) = augmentation {
                            image = augmentation.apply(image, seed: TextHash.fnv1a(misses[i].contentHash) &+ UInt64(variant) &* 0x9E37_79B9_7F4A_7C15)
                        }
                        preprocessing.normalize(image, into: out.baseAddress! + i * plane)
                    } catch let error as ImageError {
                        errorSlots[i] = error
                    } catch {
                        errorSlots[i] = ImageError(file: url.path, kind: .corrupt, reason: "\(error)")
                    }
                }
            }
        }
        var kept: [Float] = []
        kept.reserveCapacity(values.count)
        for (i, miss) in misses.enumerated() {
            if let error = errors[i] {
                batch.finished.append((miss.index, .failure(error)))
            } else {
                batch.misses.append((miss.index, miss.contentHash))
                kept.append(contentsOf: values[(i * plane)..<((i + 1) * plane)])
            }
        }
        if !batch.misses.isEmpty {
            batch.input = Tensor(shape: [batch.misses.count, preprocessing.size, preprocessing.size, 3], data: kept)
        }
    }

    // MARK: Consumer: the CNN

    /// Runs the backbone on the batch's misses, caches them, and returns every result of the batch.
    private func encode(_ batch: PreparedBatch) throws -> [(index: Int, result: FeatureResult)] {
        var results = batch.finished
        guard let input = batch.input else { return results.sorted { $0.index < $1.index } }
        let output = backbone.forward(input)
        func row(_ tensor: Tensor, _ i: Int) -> [Float] {
            let width = tensor.shape[1]
            return Array(tensor.data[(i * width)..<((i + 1) * width)])
        }
        var fresh: [(contentHash: String, features: CachedFeatures)] = []
        for (i, miss) in batch.misses.enumerated() {
            let features = CachedFeatures(
                maxPooled: row(output.maxPooled, i), gemPooled: row(output.gemPooled, i), avgPooled: row(output.avgPooled, i),
                logits: output.logits.map { row($0, i) })
            fresh.append((miss.contentHash, features))
            results.append((miss.index, .success(ImageFeatures(contentHash: miss.contentHash, features: features, fromCache: false))))
        }
        try cache?.store(fresh, backbone: cacheKey)
        return results.sorted { $0.index < $1.index }
    }
}
