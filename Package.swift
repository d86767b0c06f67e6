// swift-tools-version:6.0
// imgsearch: image → tensor → encoder → embedding → index → results; text → tokens → encoder → embedding.
import PackageDescription

let package = Package(
    name: "imgsearch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "imgsearch", targets: ["ImgSearchCLI"]),
        .executable(name: "imgsearch-bench", targets: ["Benchmarks"]),
        .library(name: "ImgSearchKit", targets: ["ImgSearchKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // MARK: System libraries (Debian -dev packages, installed by `make setup`)
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CWebP", path: "Sources/CWebP"),
        .systemLibrary(name: "CRSVG", path: "Sources/CRSVG", pkgConfig: "librsvg-2.0"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CXXHash", path: "Sources/CXXHash"),

        // MARK: Numerics: tensors, BLAS, kernels, threads
        // AVX-512 and AVX2+FMA GEMM/depthwise/transformer kernels in C (per-function target attributes, chosen at run time).
        .target(name: "CKernels"),
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels"]),
        // MARK: Weights: PyTorch checkpoints (pickle subset), safetensors
        .target(name: "Weights", dependencies: ["Tensor", "CZlib"]),
        // MARK: Image → tensor: decoding, resizing, normalisation, PNG/SVG writing
        .target(name: "Imaging", dependencies: ["Tensor", "CTurboJPEG", "CPNG", "CWebP", "CZlib"]),
        // MARK: Tensor → features: EfficientNet-Lite0, ResNet50, ImageNet head
        .target(name: "VisionEncoder", dependencies: ["Tensor", "Weights", "Imaging"],
                exclude: ["Resources/README.md"], resources: [.copy("Resources/imagenet1k_clean_names.json"), .copy("Resources/imagenet1k_label_to_names.json"),
                            .copy("Resources/imagenet1k_to_21k.json")]),
        // MARK: Text → tokens → embedding: word tokenizer, WordPiece, MiniLM
        .target(name: "TextEncoder", dependencies: ["Tensor", "Weights"]),
        // MARK: Joint embedding: GRU text tower, image head, triplet losses, training, metrics
        .target(name: "JointEmbedding", dependencies: ["Tensor", "Weights", "TextEncoder"]),
        // MARK: Catalogs in: JSONL, CSV/TSV, folders, Amazon metadata; the demo data set
        .target(name: "Catalog", dependencies: ["Imaging", "CZlib", "CRSVG"]),
        // MARK: Nearest neighbours: exact, HNSW, int8, whitening (distance kernels in CKernels)
        .target(name: "Search", dependencies: ["Tensor", "CBLAS", "CKernels", "CXXHash"]),
        // MARK: Durable index: SQLite items + memory-mapped vectors, feature cache
        .target(name: "IndexStore", dependencies: [
            "Tensor", "Search", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // MARK: The same index in PostgreSQL + pgvector (a database server, shared by several machines)
        .target(name: "PostgresStore", dependencies: [
            "IndexStore", "Search", .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        // MARK: Seeing the embedding: t-SNE, PNG/SVG plots
        .target(name: "Projection", dependencies: ["Tensor", "Imaging"]),
        // MARK: The product: pipelines that join the pieces (index, search, eval, demo)
        .target(name: "ImgSearchKit", dependencies: [
            "Tensor", "Weights", "Imaging", "VisionEncoder", "TextEncoder", "JointEmbedding",
            "Catalog", "Search", "IndexStore", "PostgresStore", "Projection",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // MARK: HTTP: REST API and the web page
        .target(name: "Server", dependencies: [
            "ImgSearchKit", .product(name: "Hummingbird", package: "hummingbird"),
        ], resources: [.copy("Web")]),
        // MARK: The `imgsearch` command
        .executableTarget(name: "ImgSearchCLI", dependencies: [
            "ImgSearchKit", "PostgresStore", "Server", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: `make bench`: our side of each benchmark (the peers run in scripts/bench/*.py)
        .executableTarget(name: "Benchmarks", dependencies: ["ImgSearchKit", "PostgresStore"]),

        // MARK: Tests, one target per library (FuzzSupport: the seeded mutation fuzzer they share)
        .target(name: "FuzzSupport", dependencies: ["Tensor"], path: "Tests/FuzzSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "WeightsTests", dependencies: ["Weights", "FuzzSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "FuzzSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "VisionEncoderTests", dependencies: ["VisionEncoder"], exclude: ["Fixtures"]),
        .testTarget(name: "TextEncoderTests", dependencies: ["TextEncoder"], exclude: ["Fixtures"]),
        .testTarget(name: "JointEmbeddingTests", dependencies: ["JointEmbedding"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "FuzzSupport"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "FuzzSupport"]),
        .testTarget(name: "IndexStoreTests", dependencies: ["IndexStore"]),
        // The store contract run against each backend, and what the PostgreSQL backend adds (a real server: make test).
        .testTarget(name: "BackendTests", dependencies: [
            "ImgSearchKit", "IndexStore", "PostgresStore", "Search", "Tensor", "JointEmbedding",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "ProjectionTests", dependencies: ["Projection"]),
        .testTarget(name: "ImgSearchKitTests", dependencies: ["ImgSearchKit"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "FuzzSupport", .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "CLITests", dependencies: ["ImgSearchKit", "PostgresStore"]),
    ],
    // Swift 5 mode: the numeric kernels share buffers across threads by design (disjoint ranges).
    swiftLanguageModes: [.v5]
)
