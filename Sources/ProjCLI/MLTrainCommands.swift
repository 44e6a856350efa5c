import ArgumentParser
import Foundation
import ML
import Runner

struct TransformStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Fit an imputer (median or KNN) and a standard scaler on training rows; train applies them, and bundles carry them.",
        discussion: "Writes a directory with preprocess.json (and preprocess-knn.bin for the KNN imputer). Fit it on the training split only."
    )
    @Option(help: "Training CSV.") var input: String
    @Option(help: "The label column (not a feature).") var target: String
    @Option(parsing: .upToNextOption, help: "Columns that are not features.") var exclude: [String] = []
    @Option(help: "none, median or knn.") var imputer = Preprocess.Imputer.median
    @Option(help: "Neighbours averaged by the KNN imputer.") var neighbors = 5
    @Option(help: "standard or none.") var scaler = Scaler.standard
    @Option(help: "Output directory.") var output: String

    enum Scaler: String, CaseIterable, ExpressibleByArgument { case standard, none }

    func validate() throws {
        guard neighbors > 0 else { throw ValidationError("--neighbors must be positive") }
    }

    func run() throws {
        let (columns, missing) = try runStep {
            try Steps.transform(input: input, target: target, exclude: exclude, imputer: imputer, neighbors: neighbors, scale: scaler == .standard, output: output)
        }
        Output.line("fitted \(imputer.rawValue) imputer\(scaler == .standard ? " and standard scaler" : "") on \(columns) columns of \(input) (\(missing) missing cells) -> \(output)")
    }
}

struct TrainStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "The model factory: cross-validate each --models kind by F1, train the best on all rows.",
        discussion: """
        Kinds: xgboost (boosted trees), xgboost-rf (random forest), logreg and svm (liblinear; the SVM Platt-calibrated), \
        mlp (64 ReLU units, RMSprop). Features are every column but the target and --exclude, or with --featurizer computed \
        from the url column (the model then takes a raw URL). Writes the model directory, the bundle schema, and the chosen \
        kind's per-round (or per-epoch) train/validation curves.
        """
    )
    @Option(help: "Training CSV.") var input: String
    @OptionGroup var target: TargetOptions
    @Option(parsing: .upToNextOption, help: "Columns that are not features.") var exclude: [String] = []
    @Option(help: "Comma-separated kinds to compare (\(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))).", transform: TrainStep.kinds)
    var models: [ModelKind] = [.xgboost]
    @Option(help: "Cross-validation folds.") var folds = 5
    @Option(help: "xgboost: boosting rounds.") var rounds = 200
    @Option(name: .customLong("max-depth"), help: "xgboost: tree depth.") var maxDepth = 6
    @Option(help: "xgboost: learning rate.") var eta = 0.1
    @Option(help: "xgboost: row subsample per round.") var subsample = 1.0
    @Option(help: "xgboost-rf: trees.") var trees = 100
    @Option(help: "logreg/svm: inverse regularization strength.") var c = 1.0
    @Option(help: "mlp: epochs.") var epochs = 10
    @Option(help: "mlp: batch size.") var batch = 32
    @Option(help: "Seed for folds, sampling and initial weights.") var seed: UInt64 = 0
    @Option(name: .customLong("validation-fraction"), help: "Share of the training rows held out for the curves.") var validationFraction = 0.1
    @Option(help: "Fitted preprocessing of the table's columns from `proj ml transform` (default, and with a featurizer: a median imputer and standard scaler fitted here).") var preprocess: String?
    @Option(help: "Model output directory.") var model: String
    @Option(help: "Bundle schema output (.yaml).") var schema: String
    @Option(help: "Learning-curve output (.csv).") var plots: String
    @Option(help: "Cross-validation scores output (.json).") var cv: String?
    @Option(name: .customLong("cv-curves"), help: "Every model kind's learning curve on the first cross-validation fold (.csv): per step, train and validation loss, accuracy, precision, recall.") var cvCurves: String?
    @Option(help: "Compute the features from the url column: url-structure, or url-text+structure (adds a TF-IDF n-gram model's score); none: the table's columns.",
            transform: FeaturizerChoice.init)
    var featurizer = FeaturizerChoice(kind: nil)
    @Option(name: .customLong("suffix-list"), help: "With a featurizer: the Public Suffix List (public_suffix_list.dat) for the features that need the registered domain (word statistics, tld_in_path, ...); kept in the model directory.") var suffixList: String?

    /// `--models a,b`: each a kind this proj trains.
    static func kinds(_ list: String) throws -> [ModelKind] {
        try list.split(separator: ",").map { name in
            let name = name.trimmingCharacters(in: .whitespaces)
            guard let kind = ModelKind(rawValue: name) else {
                throw ValidationError("unknown model kind '\(name)' (known: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return kind
        }
    }

    /// `--featurizer`: a featurizer kind, or none (the table's own columns).
    struct FeaturizerChoice {
        let kind: Featurizer.Kind?

        init(kind: Featurizer.Kind?) { self.kind = kind }

        init(_ name: String) throws {
            guard name != "none" else { self.init(kind: nil); return }
            guard let kind = Featurizer.Kind(rawValue: name) else {
                throw ValidationError("unknown featurizer '\(name)' (known: none, \(Featurizer.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self.init(kind: kind)
        }
    }

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("--models names no model kind") }
        guard validationFraction > 0, validationFraction < 0.5 else { throw ValidationError("--validation-fraction must be above 0 and below 0.5") }
    }

    func run() throws {
        let kinds = models
        let chosenFeaturizer = featurizer.kind
        // Kept legal so one stage command serves both values of a featurizer param.
        if chosenFeaturizer == nil, let suffixList { Output.line("note: --suffix-list \(suffixList) is not used: the table's own columns need no suffix list") }
        if chosenFeaturizer != nil, suffixList == nil {
            Output.line("note: without --suffix-list, the \(URLStructure.domainNames.count) URL features that need the registered domain are left out")
        }
        if let chosenFeaturizer, let preprocess { Output.line("note: \(preprocess) preprocesses table columns; the \(chosenFeaturizer.rawValue) features get a scaler fitted here") }
        var params = FactoryParams()
        params.xgboost.rounds = rounds
        params.xgboost.maxDepth = maxDepth
        params.xgboost.eta = eta
        params.xgboost.subsample = subsample
        params.xgboost.seed = seed
        params.forestTrees = trees
        params.c = c
        params.mlp.epochs = epochs
        params.mlp.batch = batch
        params.folds = folds
        params.seed = seed
        let result = try runStep {
            let fitted = try preprocess.map { path throws -> Preprocess in try Preprocess.read(directory: path) }
            let suffixes = try chosenFeaturizer == nil ? nil : suffixList.map { path throws -> PublicSuffixList in try PublicSuffixList.read(path) }
            let result = try Steps.train(trainPath: input, target: target.value, exclude: exclude, kinds: kinds, params: params,
                                         validationFraction: validationFraction, model: model, schema: schema, plots: plots,
                                         cvCurves: cvCurves, featurizer: chosenFeaturizer, suffixes: suffixes, preprocess: fitted)
            if let cv { try Steps.writeCV(result, folds: folds, to: cv) }
            return result
        }
        for (kind, f1) in result.cv { Output.line(String(format: "  %@ %d-fold F1 %.4f", kind.padding(toLength: 10, withPad: " ", startingAt: 0), folds, f1)) }
        let losses = result.calibrationLogLoss.map { String(format: "%@ %.4f", $0.0, $0.1) }.joined(separator: ", ")
        Output.line("calibration: \(result.calibration?.method ?? "none") (cross-validated log loss: \(losses))")
        let m = result.validation
        Output.line(String(format: "trained %@ (final fit %.2f s): validation accuracy %.4f, F1 %.4f, ROC AUC %.4f -> %@", result.chosen.rawValue,
                     result.finalFitSeconds, m.accuracy, m.f1, m.rocAUC, model))
    }
}

struct EvaluateStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Score a test CSV: accuracy, precision, recall, F1, ROC AUC, confusion matrix, ROC points.")
    @Option(help: "Model directory (from train).") var model: String
    @Option(help: "Test CSV.") var input: String
    @OptionGroup var target: TargetOptions
    @Option(help: "Metrics output (.json).") var metrics: String
    @Option(help: "ROC points output (.csv).") var roc: String
    @Option(help: "Inference timing output (.json).") var timing: String

    func run() throws {
        let m = try runStep {
            try Steps.evaluate(model: model, testPath: input, target: target.value, metrics: metrics, roc: roc, timing: timing)
        }
        Output.line(String(format: "test accuracy %.4f, precision %.4f, recall %.4f, F1 %.4f, ROC AUC %.4f", m.accuracy, m.precision, m.recall, m.f1, m.rocAUC))
    }
}

struct LoadDBStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-db",
        abstract: "Load a CSV file into a database table (replaced in one transaction): SQLite or PostgreSQL.",
        discussion: "--db sqlite:PATH (created if absent) or postgres://USER[:PASSWORD]@HOST:PORT/DB. Columns become INTEGER, REAL or TEXT; empty cells NULL."
    )
    @Option(help: "The CSV file.") var input: String
    @Option(help: "sqlite:PATH or a postgres:// URL.") var db: String
    @Option(help: "The table to (re)create.") var table: String

    func run() throws {
        let rows = try runStep { try Database.parse(db).load(csv: input, table: table) }
        Output.line("loaded \(rows) rows of \(input) into table \(table)")
    }
}

struct ReadDBStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-db",
        abstract: "Read a database table into a CSV file (rows in byte order, so the same table gives the same file).",
        discussion: "The ingest of a pipeline whose source is a table: --db sqlite:PATH or a postgres:// URL."
    )
    @Option(help: "sqlite:PATH or a postgres:// URL.") var db: String
    @Option(help: "The table.") var table: String
    @Option(help: "The CSV file to write.") var output: String

    func run() throws {
        let rows = try runStep { try Database.parse(db).read(table: table, to: output) }
        Output.line("read \(rows) rows of table \(table) -> \(output)")
    }
}

extension Preprocess.Imputer: ExpressibleByArgument {}
