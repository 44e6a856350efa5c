// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "proj",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "proj", targets: ["proj"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Layer 1: system libraries, one module map + shim header each.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        .systemLibrary(name: "CLinear", providers: [.apt(["liblinear-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Linux calls glibc declares only under _GNU_SOURCE (syncfs).
        .systemLibrary(name: "CLinux"),

        // Layer 2: a thin libpq wrapper (queries with text parameters, COPY), shared by the data steps and the run history;
        // libpq is loaded on first use (dlopen), so a process that never talks to PostgreSQL does not map it.
        .target(name: "PostgresClient"),
        // Layer 2: libyaml events -> node tree with marks; deterministic emitter.
        .target(name: "YAML", dependencies: ["CYAML"]),
        // Layer 3: project.yaml / params.yaml values, templating, validation, the stage DAG. Pure.
        .target(name: "ProjectModel", dependencies: ["YAML"]),
        // Layer 4: the shared vocabulary of rows: the data/bundle schema, the strict CSV reader, values as numbers.
        .target(name: "Tabular", dependencies: ["YAML", "ProjectModel"]),
        // Layer 5: SHA-256 of files and directories with a stat cache.
        .target(name: "Fingerprint", dependencies: ["CLinux", .product(name: "Crypto", package: "swift-crypto")]),
        // Layer 6: remotes: object stores (a directory, S3) behind one protocol, packs of small objects, the project's remote configuration, AWS credentials as the AWS CLI finds them, SigV4, the S3 client (AsyncHTTPClient).
        .target(name: "Remote", dependencies: [
            "YAML", "Fingerprint",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Layer 7: staleness, scheduling, process execution, lock files, cache and run-cache (local and on a remote).
        .target(name: "Runner", dependencies: [
            "ProjectModel", "Fingerprint", "YAML", "Remote",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // Layer 7: the run history (runs, params, metrics, per-step series, stage records) in SQLite through GRDB, or in PostgreSQL.
        .target(name: "Tracking", dependencies: [
            "Runner", "ProjectModel", "Tabular", "YAML", "PostgresClient",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Layer 8: bundles: manifest, deterministic tar, signatures, verification, extraction, stores.
        .target(name: "Bundle", dependencies: [
            "CArchive", "CZlib", "CZstd", "Tabular", "Runner", "ProjectModel", "Fingerprint", "YAML", "Remote",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Layer 9: tabular data (CSV, SQLite, PostgreSQL), metrics, models (XGBoost and liblinear via their C APIs, an MLP in Swift) and their bundle loaders.
        .target(name: "ML", dependencies: ["CXGBoost", "CLinear", "CSQLite", "PostgresClient", "Tabular", "Bundle", "Remote", "Runner", "YAML", "Fingerprint"]),
        // Layer 10: HTTP inference over a verified bundle (Hummingbird 2).
        .target(name: "Serve", dependencies: [
            "Tabular", "Bundle", "ProjectModel", "Fingerprint", "YAML",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Layer 11: the tracking server: MLflow's logging API over the run history (Hummingbird 2).
        .target(name: "UI", dependencies: [
            "Tracking", "YAML",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Layer 12: argument parsing and output only.
        // Exporters: text generators over ProjectModel and the stage graph (they start nothing).
        .target(name: "Export", dependencies: ["ProjectModel"]),
        .target(name: "ProjCLI", dependencies: [
            "Tabular", "Runner", "Tracking", "UI", "Bundle", "ML", "Serve", "ProjectModel", "Remote", "Export",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "proj", dependencies: ["ProjCLI"]),

        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "ProjectModel"]),
        .testTarget(name: "ProjectModelTests", dependencies: ["ProjectModel"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "YAML"]),
        .testTarget(name: "FingerprintTests", dependencies: ["Fingerprint"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner"]),
        // A real PostgreSQL server for one test (a new cluster on a free loopback port), shared by the test targets.
        .target(name: "PostgresServer", path: "Tests/PostgresServer"),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "PostgresServer", "PostgresClient", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "UITests", dependencies: ["UI", "Tracking", "YAML"]),
        .testTarget(name: "BundleTests", dependencies: ["Bundle", "Tabular", "Fingerprint", "YAML", "ProjectModel", .product(name: "Crypto", package: "swift-crypto")], exclude: ["Fixtures"]),
        .testTarget(name: "MLTests", dependencies: ["ML", "Tabular", "Bundle", "YAML", "PostgresServer", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ServeTests", dependencies: ["Serve"]),
        .testTarget(name: "RemoteTests", dependencies: ["Remote", "PostgresServer"]),
        .testTarget(name: "ProjCLITests", dependencies: ["ProjCLI", "PostgresServer", "Remote", "Runner"]),
    ],
    swiftLanguageModes: [.v6]
)
