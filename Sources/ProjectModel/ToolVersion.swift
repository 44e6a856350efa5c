/// This build of proj, as recorded in bundles and printed by `proj --version`, and the versions of its
/// behaviour that stage fingerprints hold.
public enum ToolVersion {
    public static let current = "0.2.0"

    /// The version of what the `proj ml` steps (and `proj predict`) compute: the same for the same
    /// source on every machine. Bump it whenever a step's outputs change for the same inputs;
    /// `MLBehaviourTests` holds the outputs of every step on fixed data and fails until it is bumped.
    /// Stages that run `proj ml` are stale when it changes: `tool proj ml: 1 -> 2`.
    public static let mlBehaviour = 1

    /// The bundle format (`format:` in bundle.yaml).
    public static let bundleFormat = 1

    /// The version of what `proj bundle` writes for the same inputs (its bundle.yaml records proj's
    /// version, so that is part of it).
    public static var bundleBehaviour: String { "\(current), format \(bundleFormat)" }
}
