import Foundation
import Imaging

// MARK: - Demo data set

/// Builds the demo data set from Debian packages: Noto Color Emoji (+ CLDR names), Open Clip Art and the photos
/// of GCompris's activities, as `DIR/images/*.png`, `DIR/catalog.jsonl` (all items), `DIR/train.jsonl`,
/// `DIR/val.jsonl` (the drawings' validation split: 10 % of groups) and `DIR/val-photos.jsonl` (the photos'
/// validation split: 30 % of the photo groups, so that it holds enough photos to measure; drawings of those
/// concepts stay out of training too). All by group (`GroupSplit`). Incremental: a PNG already in `DIR/images`
/// is reused, not re-rendered.
///
/// Duplicates are removed twice: before rendering, a second item of a source with the same normalised
/// title (`TitleRules.normalizedTitle`); after rendering, an item whose PNG bytes equal an earlier one's.
public struct DemoDatasetBuilder {
    /// Progress callback: (stage, done, total). Called from worker threads.
    public typealias Progress = @Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void

    public struct Options: Sendable {
        public var outputDirectory: URL
        /// At most this many items from each source (for quick trials); nil = all.
        public var limitPerSource: Int?
        public var emojiFont = EmojiFont.notoColorEmoji
        public var annotationFiles = CLDRAnnotations.debianFiles
        public var clipArtDirectory = ClipArtSource.debianDirectory
        /// Side of the square canvas clip art is rendered into.
        public var clipArtSize = 256
        public var photoDirectory = GComprisSource.debianDirectory
        /// Photos are scaled down so that their longer side is at most this.
        public var photoSize = 512
        public var threads = ProcessInfo.processInfo.activeProcessorCount

        public init(outputDirectory: URL, limitPerSource: Int? = nil) {
            self.outputDirectory = outputDirectory
            self.limitPerSource = limitPerSource
        }
    }

    /// What a build produced and what it left out.
    public struct Report: Sendable, CustomStringConvertible {
        public var itemsPerSource: [String: Int] = [:]
        public var groups = 0
        public var trainItems = 0, trainGroups = 0, validationItems = 0, validationGroups = 0
        public var photoValidationItems = 0, photoValidationGroups = 0
        /// Drawings of the photo validation concepts: in no split (neither trained on nor photos).
        public var drawingsOfPhotoValidationConcepts = 0
        /// Items left out, by "source: reason".
        public var dropped: [String: Int] = [:]
        public var imagesRendered = 0, imagesReused = 0

        public var description: String {
            var lines = ["items: \(itemsPerSource.values.reduce(0, +)) ("
                         + itemsPerSource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")",
                         "groups: \(groups)",
                         "train: \(trainItems) items in \(trainGroups) groups",
                         "val: \(validationItems) items in \(validationGroups) groups",
                         "val-photos: \(photoValidationItems) items in \(photoValidationGroups) groups"
                            + " (\(drawingsOfPhotoValidationConcepts) drawings of these concepts kept out of training)",
                         "images: \(imagesRendered) rendered, \(imagesReused) reused from an earlier run"]
            lines.append("dropped: \(dropped.values.reduce(0, +))")
            lines += dropped.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
            return lines.joined(separator: "\n")
        }
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    /// Builds (or completes) the data set and writes the three catalogs.
    public func build(progress: Progress? = nil) throws -> Report {
        let images = options.outputDirectory.appendingPathComponent("images")
        do { try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true) } catch {
            throw CatalogError(file: images.path, reason: "cannot create the output folder: \(error.localizedDescription)")
        }
        var dropped = DropCounter()
        let font = try EmojiFont(contentsOf: options.emojiFont)
        let annotations = try CLDRAnnotations(contentsOf: options.annotationFiles)
        let emoji = EmojiSource.candidates(font: font, annotations: annotations, imagesDirectory: images, dropped: &dropped)
        let clipArt = ClipArtSource.candidates(directory: options.clipArtDirectory, imagesDirectory: images, size: options.clipArtSize,
                                               threads: options.threads, progress: progress, dropped: &dropped)
        // Photos keep repeated titles: nine photos of hammers are nine views of one concept.
        let photos = try GComprisSource.candidates(directory: options.photoDirectory, imagesDirectory: images,
                                                   maximumSide: options.photoSize, dropped: &dropped)
        let chosen = limited(withoutDuplicateTitles(emoji, &dropped), &dropped) + limited(withoutDuplicateTitles(clipArt, &dropped), &dropped)
            + limited(photos, &dropped)

        var report = Report()
        let items = materialize(chosen, report: &report, dropped: &dropped, progress: progress)
        report.dropped = dropped.counts
        let photoValidationGroups = Set(items.filter { $0.source == GComprisSource.name && GroupSplit.isPhotoValidation(group: $0.group) }.map(\.group))
        let photoValidation = items.filter { $0.source == GComprisSource.name && photoValidationGroups.contains($0.group) }
        let validation = items.filter { $0.source != GComprisSource.name && GroupSplit.isValidation(group: $0.group) }
        let train = items.filter { !GroupSplit.isValidation(group: $0.group) && !photoValidationGroups.contains($0.group) }
        report.itemsPerSource = items.reduce(into: [:]) { $0[$1.source, default: 0] += 1 }
        report.groups = Set(items.map(\.group)).count
        (report.trainItems, report.trainGroups) = (train.count, Set(train.map(\.group)).count)
        (report.validationItems, report.validationGroups) = (validation.count, Set(validation.map(\.group)).count)
        (report.photoValidationItems, report.photoValidationGroups) = (photoValidation.count, photoValidationGroups.count)
        report.drawingsOfPhotoValidationConcepts = items.count - train.count - validation.count - photoValidation.count

        try CatalogWriter.write(items, to: options.outputDirectory.appendingPathComponent("catalog.jsonl"))
        try CatalogWriter.write(train, to: options.outputDirectory.appendingPathComponent("train.jsonl"))
        try CatalogWriter.write(validation, to: options.outputDirectory.appendingPathComponent("val.jsonl"))
        try CatalogWriter.write(photoValidation, to: options.outputDirectory.appendingPathComponent("val-photos.jsonl"))
        return report
    }

    // MARK: Selection

    /// Keeps the first item of each normalised title within a source.
    private func withoutDuplicateTitles(_ candidates: [DemoCandidate], _ dropped: inout DropCounter) -> [DemoCandidate] {
        var seen = Set<String>()
        return candidates.filter { candidate in
            guard seen.insert(TitleRules.normalizedTitle(candidate.item.title)).inserted else {
                dropped.drop(candidate.item.source, "duplicate title")
                return false
            }
            return true
        }
    }

    private func limited(_ candidates: [DemoCandidate], _ dropped: inout DropCounter) -> [DemoCandidate] {
        guard let limit = options.limitPerSource, candidates.count > limit, let source = candidates.first?.item.source else {
            return candidates
        }
        dropped.drop(source, "over --limit", count: candidates.count - limit)
        return Array(candidates.prefix(limit))
    }

    // MARK: Rendering

    private enum Outcome { case rendered(UInt64), reused(UInt64), failed(String) }

    /// Renders missing PNGs in parallel, then drops failures and byte-identical images (first one wins).
    private func materialize(_ candidates: [DemoCandidate], report: inout Report, dropped: inout DropCounter,
                             progress: Progress?) -> [CatalogItem] {
        var outcomes = [Outcome?](repeating: nil, count: candidates.count)
        let counter = ProgressCounter(stage: "rendering images", total: candidates.count, progress: progress)
        outcomes.withUnsafeMutableBufferPointer { results in
            WorkQueue.forEach(candidates.count, threads: options.threads) { index in
                results[index] = Self.materialize(candidates[index])
                counter.advance()
            }
        }
        var items: [CatalogItem] = []
        var seenImages = Set<UInt64>()
        for (candidate, outcome) in zip(candidates, outcomes) {
            let hash: UInt64
            switch outcome! {
            case .failed(let reason): dropped.drop(candidate.item.source, reason); continue
            case .rendered(let h): hash = h; report.imagesRendered += 1
            case .reused(let h): hash = h; report.imagesReused += 1
            }
            guard seenImages.insert(hash).inserted else { dropped.drop(candidate.item.source, "identical image"); continue }
            items.append(candidate.item)
        }
        return items
    }

    private static func materialize(_ candidate: DemoCandidate) -> Outcome {
        let url = URL(fileURLWithPath: candidate.item.image)
        if let existing = try? Data(contentsOf: url), !existing.isEmpty {
            return .reused(GroupSplit.stableHash(bytes: existing))
        }
        do {
            let png = try PNGWriter.encode(try candidate.makeImage())
            try png.write(to: url, options: .atomic)  // atomic: a killed build never leaves half a PNG to "reuse"
            return .rendered(GroupSplit.stableHash(bytes: png))
        } catch let error as QtResourceBundle.ReadError {
            return .failed("photo unreadable in its bundle (\(error.kind.rawValue))")
        } catch let error as SVGRenderer.RenderError {
            return .failed(Self.category(of: error.reason))
        } catch {
            return .failed("image does not decode")
        }
    }

    /// Render failures grouped for the report ("over the size limit", "blank canvas", …), not per file.
    private static func category(of reason: String) -> String {
        if reason.contains("limit") { return "SVG over the size limit" }
        if reason.contains("blank") { return "renders blank" }
        if reason.contains("parse") { return "SVG does not parse" }
        return "SVG does not render"
    }
}
