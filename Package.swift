// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cordon",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cordon", targets: ["cordon"]),
        .executable(name: "cordon-fuzz", targets: ["CordonFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-algorithms", from: "1.2.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Domain types and validation against the standards; no I/O beyond reading bundled code lists.
        .target(
            name: "CordonCore",
            resources: [.copy("Resources/codes")]
        ),
        // Parsing of cargo files (CSV, UN/EDIFACT) into domain records; knows nothing of storage.
        .target(
            name: "CordonIngest",
            dependencies: ["CordonCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The XGBoost C library (Debian's libxgboost-dev), for the learned model.
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost"),
        // Risk: features, risk profiles, the learned model, screening, selection. Depends on Core only
        // (and the C library; Yams reads profiles written in YAML).
        .target(
            name: "CordonRisk",
            dependencies: ["CordonCore", "CXGBoost", .product(name: "Yams", package: "Yams")]
        ),
        // The one SQL store (SQLite embedded, PostgreSQL in production) over SQLKit.
        .target(
            name: "CordonStore",
            dependencies: [
                "CordonCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Algorithms", package: "swift-algorithms"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Exchange between nodes: node keys, signed envelopes and their verification, messages and channel routing.
        .target(
            name: "CordonExchange",
            dependencies: [
                "CordonCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The unit's workspace: web pages and the HTTP API (Hummingbird, server-rendered Mustache pages), and the
        // node's health, readiness and Prometheus metrics.
        .target(
            name: "CordonServer",
            dependencies: [
                "CordonCore", "CordonStore", "CordonRisk", "CordonIngest", "CordonExchange",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/templates"), .copy("Resources/static"), .copy("Resources/strings")]
        ),
        // The command line: composition root.
        .executableTarget(
            name: "cordon",
            dependencies: [
                "CordonCore", "CordonIngest", "CordonStore", "CordonRisk", "CordonServer", "CordonExchange",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            // mimalloc (Debian's libmimalloc) replaces the C library's malloc for the whole process: Swift's many small
            // allocations of strings and arrays spent a fifth of intake's time in glibc's allocator (docs/architecture.md).
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]
        ),
        // Fuzz targets for the parsers of what others send (scripts/fuzz); built normally, it replays inputs.
        .executableTarget(
            name: "CordonFuzz",
            dependencies: ["CordonCore", "CordonIngest", "CordonExchange"]
        ),
        // Helpers shared by the test targets: fixture paths, temporary directories, the test databases.
        .target(name: "TestSupport", dependencies: ["CordonStore"], path: "Tests/TestSupport"),
        .testTarget(name: "CordonCoreTests", dependencies: ["CordonCore", "TestSupport"]),
        .testTarget(name: "CordonIngestTests", dependencies: ["CordonIngest", "CordonCore", "TestSupport"]),
        .testTarget(name: "CordonStoreTests", dependencies: ["CordonStore", "CordonIngest", "CordonCore", "TestSupport"]),
        .testTarget(name: "CordonRiskTests", dependencies: ["CordonRisk", "CordonCore", "CordonIngest", "TestSupport"]),
        .testTarget(name: "CordonExchangeTests", dependencies: ["CordonExchange", "CordonCore"]),
        .testTarget(name: "CLITests", dependencies: [
            "CordonCore", "CordonStore", "CordonServer", "CordonExchange", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "CordonServerTests", dependencies: [
            "CordonServer", "CordonStore", "CordonCore", "CordonRisk", "CordonExchange", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
