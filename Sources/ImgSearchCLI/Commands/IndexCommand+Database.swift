import ArgumentParser
import Foundation
import ImgSearchKit
import IndexStore
import PostgresStore

/// `imgsearch index --database URL`: the same steps as for a directory, into PostgreSQL.
extension IndexCommand {
    func runOnDatabase(_ location: IndexLocation) throws {
        guard case .database(let url) = location else { return }
        if check {
            let store = try PostgresIndexStore.openForReading(url)
            let report = try store.checkIntegrity()
            print(report)
            if !report.isHealthy { throw ExitCode(IndexExitStatus.failed) }
            print(try describeWhitening(store))
            print(try store.hasTextSearchIndex() ? "text search index (pgvector HNSW): present"
                  : "text search index (pgvector HNSW): missing (the next imgsearch index creates it)")
            return
        }
        if refit {
            let store = try PostgresIndexStore.openForReading(url)
            try refit(store)
            return try createIndexes(store)
        }
        let (opened, summary, incomplete) = try indexCatalog(into: location)
        let store = opened as! PostgresIndexStore
        try DatabaseIndexing.recordModel(URL(fileURLWithPath: model!), in: store)
        if try summary.added + summary.updated + summary.pruned > 0 || !DatabaseIndexing.whiteningIsUpToDate(store) {
            try refit(store)
        }
        try createIndexes(store)
        if incomplete { throw ExitCode(IndexExitStatus.finishedWithFailures) }
    }

    private func refit(_ store: PostgresIndexStore) throws {
        guard let whitening = try DatabaseIndexing.refitWhitening(store) else {
            return print("image→image search uses raw features: fewer than \(WhiteningFile.minimumRows) images to fit a whitening on")
        }
        print("image→image whitening fitted on the collection: \(whitening.inputDimension) → \(whitening.outputDimension) dimensions "
              + "(whitened rows and their HNSW index stored in the database)")
    }

    private func createIndexes(_ store: PostgresIndexStore) throws {
        if try !store.hasTextSearchIndex() {
            try store.createTextSearchIndex()
            print("text search index (pgvector HNSW, m \(PostgresIndexStore.hnswM), ef_construction \(PostgresIndexStore.hnswEfConstruction)) created")
        }
    }

    private func describeWhitening(_ store: PostgresIndexStore) throws -> String {
        guard let whitening = try store.currentWhitening() else {
            return "whitening: none (fewer than \(WhiteningFile.minimumRows) images: image queries use raw features)"
        }
        return "whitening: \(whitening.whitening.inputDimension) → \(whitening.whitening.outputDimension) dimensions, rows in \(whitening.table)"
    }
}
